"""The search page: one name screened against the loaded lists, recorded like any screening;
optionally as the lists stood on a past date (``as_of``: ``api.as_of``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from exportscreen.api.as_of import dating, describe, hit_on_date, lists_on_date
from exportscreen.api.config import MAX_NAME_LENGTH
from exportscreen.api.trail import record_screening
from exportscreen.casework.audit_trail import Interface
from exportscreen.web.pages import UI_HITS, Found, User, hit_view, render

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/search")
def search_page(
    request: Request,
    principal: User,
    found: Found,
    q: Annotated[str, Query(max_length=MAX_NAME_LENGTH)] = "",
    country: Annotated[str, Query(max_length=60)] = "",
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    as_of: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    results: list[dict[str, Any]] = []
    error = None
    status_code = 200
    cutoff = found.config.threshold if threshold is None else threshold
    on: date | None = None
    if as_of.strip():
        try:
            on = date.fromisoformat(as_of.strip())
        except ValueError:
            error = f"as of: expected a date as YYYY-MM-DD, not {as_of.strip()!r}"
            status_code = 422
    lists_as_of = None
    if q.strip() and error is None:
        loaded = found.loaded()
        history = lists_on_date(found, loaded, on) if on is not None else None
        screener = history.screener if history is not None else loaded.screener
        try:
            hits = screener.screen(q, country=country or None, limit=UI_HITS, threshold=cutoff)
        except ValueError as problem:
            error = str(problem)
        else:
            query: dict[str, Any] = {"name": q, "country": country or None}
            if on is not None:
                query["as_of"] = on.isoformat()
            record_screening(
                found,
                principal,
                [query],
                [hits],
                loaded,
                cutoff,
                interface=Interface.UI,
                list_versions={c.value: n for c, n in screener.version_ids.items()},
            )
            results = [hit_view(h) for h in hits]
            if history is not None:
                entry_dating = dating(found)
                lists_as_of = describe(history)
                for view, hit in zip(results, hits, strict=True):
                    view["on_date"] = hit_on_date(history, hit, entry_dating)
    response = render(
        request,
        "search.html",
        principal,
        q=q,
        country=country,
        as_of=as_of.strip(),
        threshold=cutoff,
        results=results,
        error=error,
        lists_as_of=lists_as_of,
    )
    response.status_code = status_code
    return response
