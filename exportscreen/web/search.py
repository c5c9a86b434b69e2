"""The search page: one name screened against the loaded lists, recorded like any screening.

Answers first: each hit says what it means for an export if it is the party (a badge from the
list's meaning in ``lists.yaml``, through ``decisions.consequence.listing_meaning``), the hits of
one party on several lists are grouped (``screening.party_groups``), and the explanation of the
match and of the listing open on demand. With an "as of" date the name is screened against the
lists as they stood then (``api.as_of``), and each hit says whether it was listed on that date
and whether it has been removed since.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from exportscreen.api.as_of import dating, describe, hit_on_date, lists_on_date
from exportscreen.api.config import MAX_NAME_LENGTH
from exportscreen.api.limits import work_units
from exportscreen.api.trail import record_screening
from exportscreen.casework.audit_trail import Interface
from exportscreen.casework.evidence import reference
from exportscreen.lists import LIST_NAMES
from exportscreen.model import EntryType, Hit, ListCode
from exportscreen.screening.party_groups import group_by_party
from exportscreen.web.legal import meaning_badge, meaning_of
from exportscreen.web.pages import UI_HITS, Found, User, hit_view, render

router = APIRouter(prefix="/ui", include_in_schema=False)

# The types a search can ask for; an address-only record is found by an address, not a name.
SEARCH_TYPES = tuple(t for t in EntryType if t is not EntryType.ADDRESS_ONLY)


def _choice(value: str, allowed: list[str], field: str) -> tuple[str, str | None]:
    """A select's value: "" (any) or one of ``allowed``; else an error naming the field."""
    if not value or value in allowed:
        return value, None
    return "", f"{field}: {value!r} is not one of {', '.join(allowed)}"


def party_rows(
    hits: Sequence[Hit], anchor: str, on_date: Mapping[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    rows = []
    for index, hit in enumerate(hits):
        meaning = meaning_of(hit.entry)
        rows.append(
            {
                **hit_view(hit),
                "meaning": meaning,
                "badge": meaning_badge(meaning),
                "anchor": f"{anchor}-{index}",
                "parent": hit.entry.details.get("parent_name", ""),
                "parent_id": hit.entry.details.get("parent_id", ""),
                "on_date": (on_date or {}).get(hit.entry.id),
            }
        )
    return rows


def party_views(
    hits: Sequence[Hit], on_date: Mapping[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The hits grouped by party, each group with its name, countries and its consequences
    (worst first, one badge per distinct consequence); ``on_date``, by entry id, says whether
    each was listed on a past date searched for."""
    views = []
    for number, group in enumerate(group_by_party(hits)):
        rows = party_rows(group.hits, f"hit-{number}", on_date)
        badges: dict[tuple[str, str], Any] = {}
        for row in sorted(rows, key=lambda r: r["meaning"].outcome, reverse=True):
            badges.setdefault((row["badge"].text, row["badge"].detail), row["badge"])
        countries = list(dict.fromkeys(c for h in group.hits for c in h.entry.countries))
        views.append(
            {
                "entry": group.best.entry,
                "score": group.score,
                "countries": countries,
                "lists": list(dict.fromkeys(h.entry.list.value for h in group.hits)),
                "badges": list(badges.values()),
                "reasons": group.reasons,
                "rows": rows,
            }
        )
    return views


@router.get("/search")
def search_page(
    request: Request,
    principal: User,
    found: Found,
    q: Annotated[str, Query(max_length=MAX_NAME_LENGTH)] = "",
    country: Annotated[str, Query(max_length=60)] = "",
    entry_type: Annotated[str, Query(alias="type", max_length=20)] = "",
    list_code: Annotated[str, Query(alias="list", max_length=10)] = "",
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    as_of: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    parties: list[dict[str, Any]] = []
    hit_count = 0
    status_code = 200
    screening_reference = None
    cutoff = found.config.threshold if threshold is None else threshold
    wanted_type, type_error = _choice(entry_type, [t.value for t in SEARCH_TYPES], "type")
    wanted_list, list_error = _choice(list_code, [c.value for c in ListCode], "list")
    error = type_error or list_error
    on: date | None = None
    if as_of.strip():
        try:
            on = date.fromisoformat(as_of.strip())
        except ValueError:
            error = f"as of: expected a date as YYYY-MM-DD, not {as_of.strip()!r}"
            status_code = 422
    lists_as_of = None
    if q.strip() and error is None:
        # A screening like the API's: charged to the user's work budget (429 when spent).
        found.work.charge_request(principal.rate_key, work_units(1, cutoff), ["query", "q"])
        loaded = found.loaded()
        history = lists_on_date(found, loaded, on) if on is not None else None
        screener = history.screener if history is not None else loaded.screener
        lists = [wanted_list] if wanted_list else None
        try:
            hits = screener.screen(
                q,
                country=country or None,
                type=wanted_type or None,
                limit=UI_HITS,
                threshold=cutoff,
                lists=lists,
            )
        except ValueError as problem:
            error = str(problem)
        else:
            query: dict[str, Any] = {
                "name": q,
                "country": country or None,
                "type": wanted_type or None,
                "lists": lists,
            }
            if on is not None:
                query["as_of"] = on.isoformat()
            seq = record_screening(
                found,
                principal,
                [query],
                [hits],
                loaded,
                cutoff,
                interface=Interface.UI,
                list_versions={c.value: n for c, n in screener.version_ids.items()},
            )
            screening_reference = reference(seq)
            hit_count = len(hits)
            on_date = None
            if history is not None:
                entry_dating = dating(found)
                lists_as_of = describe(history)
                on_date = {h.entry.id: hit_on_date(history, h, entry_dating) for h in hits}
            parties = party_views(hits, on_date)
    response = render(
        request,
        "search.html",
        principal,
        q=q,
        country=country,
        type=wanted_type,
        list=wanted_list,
        as_of=as_of.strip(),
        lists_as_of=lists_as_of,
        reference=screening_reference,
        threshold=cutoff,
        parties=parties,
        hit_count=hit_count,
        error=error,
        types=[t.value for t in SEARCH_TYPES],
        list_choices=[(code.value, name) for code, name in LIST_NAMES.items()],
        limit=UI_HITS,
    )
    response.status_code = status_code
    return response
