"""The search page: one name screened against the loaded lists, recorded like any screening."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from exportscreen.api.config import MAX_NAME_LENGTH
from exportscreen.api.limits import work_units
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
) -> HTMLResponse:
    results: list[dict[str, Any]] = []
    error = None
    cutoff = found.config.threshold if threshold is None else threshold
    if q.strip():
        # A screening like the API's: charged to the user's work budget (429 when spent).
        found.work.charge_request(principal.rate_key, work_units(1, cutoff), ["query", "q"])
        loaded = found.loaded()
        try:
            hits = loaded.screener.screen(
                q, country=country or None, limit=UI_HITS, threshold=cutoff
            )
        except ValueError as problem:
            error = str(problem)
        else:
            record_screening(
                found,
                principal,
                [{"name": q, "country": country or None}],
                [hits],
                loaded,
                cutoff,
                interface=Interface.UI,
            )
            results = [hit_view(h) for h in hits]
    return render(
        request,
        "search.html",
        principal,
        q=q,
        country=country,
        threshold=cutoff,
        results=results,
        error=error,
    )
