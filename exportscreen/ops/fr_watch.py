"""The Federal Register watch of ``update``: Entity List rules published since the last run.

The consolidated lists trail the Federal Register by days or weeks. ``watch`` asks the Federal
Register API for BIS rules amending 15 CFR part 744 that name the Entity List, published after the
newer of the current Entity List version's data date and the last rule staged; downloads each
one's XML, reads it with the rule loader (``sources.federal_register``), and stages what it adds,
revises and removes (``Store.stage_rule``), shown by ``status`` and ``lists`` as "published, not
yet in the consolidated list". The rule's pages and dates are cached for dating citations. Loading
the rule file itself (``exportscreen load``) applies it to the list.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

from exportscreen import settings
from exportscreen.model import ChangeKind, ListCode
from exportscreen.ops.fr_dates import api_url
from exportscreen.sources import federal_register, fr_api
from exportscreen.sources.common import SourceError
from exportscreen.sources.fetch import DEFAULT_BACKOFF, Backoff, mirror_path
from exportscreen.store import Store

# Before any Entity List version is loaded, look back this far (the watch is not a history tool).
FIRST_WATCH_DAYS = 30


@dataclass(frozen=True, slots=True)
class FrWatchResult:
    since: date
    found: int  # rules the API listed
    staged: tuple[str, ...] = ()  # document numbers staged by this run
    errors: tuple[str, ...] = field(default_factory=tuple)


def _since(store: Store, today: date) -> date:
    current = store.version_at(ListCode.EL, today)
    staged = store.all_staged_rules()
    known = [d for d in (current.as_of if current else None,) if d is not None]
    known += [r.publication_date for r in staged]
    if not known:
        return date.fromordinal(today.toordinal() - FIRST_WATCH_DAYS)
    return max(known)


def _changes(path: Path) -> dict[str, list[str]]:
    parsed = federal_register.parse(path)
    names = {
        "added": ChangeKind.ADDED,
        "revised": ChangeKind.CHANGED,
        "removed": ChangeKind.REMOVED,
    }
    return {
        label: [c.entry.name for c in parsed.changes if c.kind is kind]
        for label, kind in names.items()
    }


def watch(
    store: Store,
    *,
    today: date,
    mirror: str | None = None,
    client: httpx.Client | None = None,
    retries: int = settings.HTTP_RETRIES,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> FrWatchResult:
    """Stage the Entity List rules published since the last run; every failure is reported in
    ``errors`` (one rule's failure does not stop the others)."""
    since = _since(store, today)
    try:
        rules = fr_api.entity_list_rules(
            since, base_url=api_url(mirror), client=client, retries=retries, backoff=backoff
        )
    except fr_api.FrApiError as error:
        return FrWatchResult(since, 0, errors=(str(error),))
    staged: list[str] = []
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="exportscreen-fr-") as folder:
        for rule in rules:
            if not rule.xml_url:
                errors.append(f"FR Doc {rule.document_number}: the API gives no XML")
                continue
            url = mirror.rstrip("/") + mirror_path(rule.xml_url) if mirror else rule.xml_url
            path = Path(folder) / f"{rule.document_number}.xml"
            try:
                fr_api.download_xml(url, path, client=client, retries=retries, backoff=backoff)
                changes = _changes(path)
            except (fr_api.FrApiError, SourceError) as error:
                errors.append(f"FR Doc {rule.document_number}: {error}")
                continue
            store.save_fr_documents([rule])
            if store.stage_rule(rule, changes):
                staged.append(rule.document_number)
    return FrWatchResult(since, len(rules), tuple(staged), tuple(errors))


__all__ = ["FIRST_WATCH_DAYS", "FrWatchResult", "watch"]
