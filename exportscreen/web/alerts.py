"""The alert queue: open alerts and the analyst's decisions on them (``casework.register``)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from exportscreen.api.auth import Role
from exportscreen.casework.register import Register
from exportscreen.model import Disposition
from exportscreen.web.pages import CsrfField, Found, User, check_csrf, need, render

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/alerts")
def alerts_page(request: Request, principal: User, found: Found) -> HTMLResponse:
    desk = Register(found.store, actor=principal.user)
    return render(
        request,
        "alerts.html",
        principal,
        alerts=desk.alerts("open"),
        dispositions=list(Disposition),
        can_decide=principal.role >= Role.ANALYST,
        message=request.query_params.get("done"),
    )


@router.post("/alerts/{alert_id}/decide")
def decide(
    request: Request,
    alert_id: int,
    principal: User,
    found: Found,
    token: CsrfField,
    disposition: Annotated[Disposition, Form()],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> RedirectResponse:
    check_csrf(request, token)
    need(principal, Role.ANALYST)
    desk = Register(found.store, actor=principal.user)
    try:
        desk.decide(alert_id, disposition, reason, user=principal.user)
    except LookupError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except ValueError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    done = quote(f"Alert {alert_id}: {disposition.value.replace('_', ' ')}")
    return RedirectResponse(f"/ui/alerts?done={done}", status_code=status.HTTP_303_SEE_OTHER)
