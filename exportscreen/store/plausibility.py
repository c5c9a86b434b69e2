"""Is a new list version believable as the list? Checked under the write lock, against the version
it would replace, and staged for an admin's review when it is not clearly so.

A truncated download cut at a line boundary parses cleanly: nothing in the file says rows are
missing. What gives it away is what it removes. So, for every snapshot an import would write:

* a version holding less than ``refuse_below`` of the entries of the version in force is refused
  outright for that list (a sample, a partial extract: nothing of it is written);
* a version that removes more than ``stage_removed_share`` of the entries (per month between the
  two versions' data dates, at most ``MAX_MONTHS_OF_CHURN`` months' worth), removes an entry some
  counterparty has an open alert on, or holds clearly fewer entries than a second publisher's copy
  of the same list (``second_opinion``) is written but *staged*: ``review = 'pending'``, never in
  force until an admin accepts it (``store.reviews``), with the reasons in its notes.

The checks run on the import's own connection, after the write lock is taken, so that the state
they judge is the state the import replaces: a check made before the lock can be overtaken by
another import (a 13-row sample checked against an empty store while the full CSL is being
written would become current).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.engine import Connection

from exportscreen.model import ListCode
from exportscreen.store import alerts, queries
from exportscreen.store.errors import StoreError
from exportscreen.store.records import StoredVersion

# Lists smaller than this are not held to the shares: a handful of entries can all go at once
# (OFAC's Foreign Sanctions Evaders list went from one entry in January 2025 to none in
# December 2025). Removals of entries with open alerts are checked whatever the size.
CHECKED_FROM = 10

# Lists lose entries over time (the Entity List about 0.25% a month, the DPL about 1%), so the
# removal share a version may show grows with the time since the version it replaces: the
# share per month, for at most this many months. Successive downloads are hours apart and held
# to one month's share; a file four years newer than the store's version is still staged when it
# removes more than four months' worth, which no list sheds in the ordinary course.
MAX_MONTHS_OF_CHURN = 4
_MONTH_DAYS = 30


@dataclass(frozen=True, slots=True)
class Plausibility:
    """The checks an import applies (``Store.import_source(plausibility=...)``).

    ``refuse_below``: share of the current entry count below which a list is refused (None:
    never). ``stage_removed_share``: share of the current entries a version may remove per month
    between the data dates before it is staged (None: never). ``stage_open_alert_removals``:
    stage a version that removes an entry with an open alert. ``second_opinion``: per list,
    another publisher's name and entry count for the same list (the agencies' own files against
    the CSL); a version with more than ``stage_removed_share`` fewer entries is staged.
    ``refuse_whole``: a refused list fails the whole import (``ImplausibleImport``) instead of
    being left out of it.
    """

    refuse_below: float | None = 0.5
    stage_removed_share: float | None = 0.05
    stage_open_alert_removals: bool = True
    second_opinion: Mapping[ListCode, tuple[str, int]] = field(default_factory=dict)
    refuse_whole: bool = False


# What the command line and the updater apply unless told otherwise.
DEFAULT_PLAUSIBILITY = Plausibility()


class ImplausibleImport(StoreError):
    """A list of the file failed a refusing check and the import was all or nothing."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the checks concluded for one list: refused, staged (with reasons) or fine."""

    refused: str = ""
    staged: tuple[str, ...] = ()


def judge(
    connection: Connection,
    code: ListCode,
    entry_ids: Collection[str],
    as_of: date,
    base: StoredVersion | None,
    policy: Plausibility,
    *,
    open_alert_ids: Collection[str],
) -> Verdict:
    """The verdict on a snapshot of ``code`` holding ``entry_ids`` that would replace ``base``."""
    new = set(entry_ids)
    staged: list[str] = []
    if base is not None:
        before = set(queries.state_ids(connection, base.id))
        removed = before - new
        held = len(before)
        if (
            policy.refuse_below is not None
            and held >= CHECKED_FROM
            and len(new) < policy.refuse_below * held
        ):
            return Verdict(
                refused=f"{len(new):,} entries against {held:,} in the current version "
                f"{base.id}: looks like a partial file (below {policy.refuse_below:.0%})"
            )
        share = policy.stage_removed_share
        if share is not None:
            months = min(max(1.0, (as_of - base.as_of).days / _MONTH_DAYS), MAX_MONTHS_OF_CHURN)
            allowed = share * months
            if held >= CHECKED_FROM and len(removed) > allowed * held:
                staged.append(
                    f"removes {len(removed):,} of the {held:,} entries of version {base.id} "
                    f"({len(removed) / held:.1%}, more than the {allowed:.0%} allowed "
                    f"for data {max(0, (as_of - base.as_of).days)} days newer)"
                )
        if policy.stage_open_alert_removals:
            alerted = sorted(removed & set(open_alert_ids))
            if alerted:
                shown = ", ".join(alerted[:10]) + (" ..." if len(alerted) > 10 else "")
                staged.append(f"removes {len(alerted)} entries with open alerts: {shown}")
    other = policy.second_opinion.get(code)
    share = policy.stage_removed_share
    if other is not None and share is not None:
        publisher, count = other
        if count >= CHECKED_FROM and len(new) < (1 - share) * count:
            staged.append(
                f"holds {len(new):,} entries where {publisher} lists {count:,} "
                f"(more than {share:.0%} fewer)"
            )
    return Verdict(staged=tuple(staged))


def open_alert_entry_ids(connection: Connection) -> set[str]:
    """The entry ids some counterparty has an open alert on."""
    return {entry_id for _, entry_id in alerts.open_entry_ids(connection)}


__all__ = [
    "CHECKED_FROM",
    "DEFAULT_PLAUSIBILITY",
    "ImplausibleImport",
    "Plausibility",
    "Verdict",
    "judge",
    "open_alert_entry_ids",
]
