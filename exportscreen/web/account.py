"""Logging in and out of the web UI: server-side sessions, throttled and audited
(``ops.accounts``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from exportscreen.api.principal import login as login_session
from exportscreen.api.principal import logout as end_session
from exportscreen.api.principal import session_principal
from exportscreen.web.pages import SESSION_TOKEN, CsrfField, Found, check_csrf, render

router = APIRouter(prefix="/ui", include_in_schema=False)
root_router = APIRouter(include_in_schema=False)


@root_router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/ui/search", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/login")
def login_page(request: Request, next: str = "/ui/search") -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next), error=None)


def _safe_next(target: str) -> str:
    # Only paths of this site: an open redirect after login is a phishing tool.
    return target if target.startswith("/ui/") and not target.startswith("//") else "/ui/search"


@router.post("/login")
def login(
    request: Request,
    found: Found,
    token: CsrfField,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/ui/search",
) -> Response:
    check_csrf(request, token)
    client = request.client.host if request.client else "unknown"
    # Password guessing is slowed per client address, before the (deliberately slow) hash.
    found.rate_limiter.charge(f"login:{client}")
    started = login_session(
        found.store.engine,
        username.strip(),
        password,
        address=client,
        lifetime_seconds=found.config.session_max_age_seconds,
    )
    if started is None:
        # The same answer for a wrong name, a wrong password and a locked or disabled user.
        error = "Wrong user name or password, or too many failed attempts: try again later."
        response = render(request, "login.html", None, next=_safe_next(next), error=error)
        response.status_code = status.HTTP_401_UNAUTHORIZED
        return response
    request.session.clear()  # a fresh session (and CSRF token) at each login
    request.session[SESSION_TOKEN] = started[1]
    return RedirectResponse(_safe_next(next), status_code=status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def logout(request: Request, found: Found, token: CsrfField) -> RedirectResponse:
    check_csrf(request, token)
    session = request.session.get(SESSION_TOKEN)
    if isinstance(session, str):
        # Ended in the store: a copy of the cookie kept elsewhere stops working too.
        principal = session_principal(found.store.engine, session)
        end_session(found.store.engine, session, principal.user if principal else "anonymous")
    request.session.clear()
    return RedirectResponse("/ui/login", status_code=status.HTTP_303_SEE_OTHER)
