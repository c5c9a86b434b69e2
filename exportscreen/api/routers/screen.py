"""``POST /v1/screen``: one party against every loaded list, explained and audited."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from exportscreen.api.auth import Viewer
from exportscreen.api.convert import hit_out
from exportscreen.api.schemas import ScreenRequest, ScreenResponse
from exportscreen.api.state import Services, services
from exportscreen.api.trail import record_screening

router = APIRouter(prefix="/v1", tags=["screening"])


@router.post("/screen", response_model=ScreenResponse)
def screen(
    body: ScreenRequest,
    principal: Viewer,
    found: Annotated[Services, Depends(services)],
) -> ScreenResponse:
    """Screen one party: every listed party its name may refer to, best first, each with the
    name or alias that matched and how the score was reached. The query, the list versions, the
    algorithm and the threshold are written to the audit trail before the answer is sent."""
    loaded = found.loaded()
    threshold = found.config.threshold if body.threshold is None else body.threshold
    started = time.perf_counter()
    try:
        hits = loaded.screener.screen(
            body.name,
            country=body.country,
            type=body.type,
            limit=body.limit,
            threshold=threshold,
            lists=body.lists,
            date_of_birth=body.date_of_birth,
            identifiers=body.identifiers,
        )
    except ValueError as error:  # a name with no letters, an unknown country
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    found.metrics.screening.labels("screen").observe(time.perf_counter() - started)
    query = body.model_dump(exclude_none=True, exclude_defaults=True, mode="json")
    query["name"] = body.name
    seq = record_screening(found, principal, "api.screen", [query], [hits], loaded, threshold)
    return ScreenResponse(
        query=query,
        threshold=threshold,
        algorithm=loaded.screener.algorithm,
        list_versions=loaded.version_ids,
        hits=[hit_out(h) for h in hits],
        audit_seq=seq,
    )
