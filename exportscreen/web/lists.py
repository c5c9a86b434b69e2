"""The lists page: each list's version in force, its data date and age, and the versions staged
pending review, which an admin accepts or rejects here (``ops.reviews``, audited).

A list whose data is older than the freshness limit (``EXPORTSCREEN_STALE_LIST_DAYS``) is shown
in the warning colour with what the age does to a determination: a warning, and past
``EXPORTSCREEN_STALE_LIST_HOLD_DAYS`` a clear becomes HOLD (``decisions.freshness``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse

from exportscreen.api.auth import Role
from exportscreen.decisions.freshness import FreshnessLimits, ListVersionUsed, freshness
from exportscreen.ops import reviews
from exportscreen.store import StoreError
from exportscreen.web.pages import CsrfField, Found, User, check_csrf, need, render

router = APIRouter(prefix="/ui", include_in_schema=False)


def _page(
    request: Request, principal: Any, found: Any, *, message: str | None = None,
    error: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    summaries = found.store.lists()
    limits = FreshnessLimits()
    today = datetime.now(UTC).date()
    ages = {
        a.list: a
        for a in freshness(
            [ListVersionUsed(s.list, s.version_id, s.as_of) for s in summaries], today, limits
        ).lists
    }
    rows = [
        {
            "summary": s,
            "version": found.store.version(s.version_id),
            "age": ages[s.list].age_days,
            "stale": ages[s.list].age_days > limits.stale_days,
            "hold": ages[s.list].age_days > limits.hold_days,
        }
        for s in summaries
    ]
    response = render(
        request,
        "lists.html",
        principal,
        active="lists",
        rows=rows,
        pending=reviews.pending(found.store),
        limits=limits,
        today=today,
        is_admin=principal.role >= Role.ADMIN,
        message=message,
        error=error,
    )
    response.status_code = status_code
    return response


@router.get("/lists")
def lists_page(request: Request, principal: User, found: Found) -> HTMLResponse:
    return _page(request, principal, found)


@router.post("/lists/versions/{version_id}/review")
def review_version(
    request: Request,
    principal: User,
    found: Found,
    version_id: int,
    csrf_token: CsrfField,
    decision: Annotated[str, Form(pattern="^(accept|reject)$")],
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse:
    """An admin's decision on a staged version, with the reason the audit trail keeps."""
    check_csrf(request, csrf_token)
    need(principal, Role.ADMIN)
    if not reason.strip():
        return _page(
            request,
            principal,
            found,
            error=f"Version {version_id}: give the reason for your decision.",
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    decide = reviews.accept if decision == "accept" else reviews.reject
    try:
        decided = decide(found.store, version_id, actor=principal.user, reason=reason.strip())
    except StoreError as problem:
        raise HTTPException(status.HTTP_409_CONFLICT, str(problem)) from None
    done = "accepted: in force from its data date" if decision == "accept" else "rejected"
    return _page(
        request,
        principal,
        found,
        message=f"Version {decided.id} of {decided.list.value} (data of "
        f"{decided.as_of.isoformat()}) {done}.",
    )
