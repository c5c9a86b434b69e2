"""What every page of the analysts' web UI shares: templates, the logged-in user, CSRF,
rendering and the error page.

Pages need a logged-in session (a signed cookie holding a server-side session token and a CSRF
token); every form posts the token back and is refused without it. The UI reads the user's role
from the database on each request, so a role change takes effect at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from exportscreen.api.auth import CSRF_FIELD, Principal, Role, csrf_token, csrf_valid
from exportscreen.api.csl_format import words
from exportscreen.api.principal import session_principal
from exportscreen.api.state import Services, services
from exportscreen.lists import LIST_NAMES
from exportscreen.model import Hit
from exportscreen.web.legal import cite, licence_text

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(directory=WEB_DIR / "templates")
UI_HITS = 20
# The cookie holds the server-side session's token (``ops.accounts``), never the user's name.
SESSION_TOKEN = "session"


class LoginRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to the login page."""

    def __init__(self, next_url: str):
        self.next_url = next_url


def login_redirect(request: Request, error: Exception) -> Response:
    assert isinstance(error, LoginRequired)
    return RedirectResponse(
        f"/ui/login?next={quote(error.next_url)}", status_code=status.HTTP_303_SEE_OTHER
    )


def ui_user(request: Request) -> Principal:
    found = services(request)
    token = request.session.get(SESSION_TOKEN)
    principal = session_principal(found.store.engine, token) if isinstance(token, str) else None
    if principal is None:
        request.session.pop(SESSION_TOKEN, None)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    found.rate_limiter.charge(principal.rate_key)
    return principal


User = Annotated[Principal, Depends(ui_user)]
Found = Annotated[Services, Depends(services)]
CsrfField = Annotated[str, Form(alias=CSRF_FIELD, max_length=100)]


def check_csrf(request: Request, token: str) -> None:
    if not csrf_valid(request, token):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "the form has expired or did not come from this site"
        )


def need(principal: Principal, role: Role) -> None:
    if principal.role < role:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role.label} role")


def render(
    request: Request, template: str, principal: Principal | None, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        template,
        {
            "user": principal,
            "csrf": csrf_token(request),
            "csrf_field": CSRF_FIELD,
            **context,
        },
    )


# --- highlighting -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    matched: bool


def highlight(name: str, matched_tokens: set[str]) -> list[Segment]:
    """``name`` split at spaces, each word marked when one of its folded words matched."""
    segments: list[Segment] = []
    for index, word in enumerate(name.split(" ")):
        if index:
            segments.append(Segment(" ", False))
        segments.append(Segment(word, bool(set(words(word)) & matched_tokens)))
    return segments


def hit_view(hit: Hit) -> dict[str, Any]:
    candidates = {w for t in hit.explanation.tokens for w in words(t.candidate)}
    return {
        "hit": hit,
        "entry": hit.entry,
        "segments": highlight(hit.matched_name, candidates),
        "is_alias": hit.matched_name != hit.entry.name,
    }


def current_user(request: Request) -> Principal | None:
    """The logged-in user, or None (for pages shown whether or not someone is logged in, such
    as an error page, which keeps the navigation for a logged-in user)."""
    token = request.session.get(SESSION_TOKEN) if "session" in request.scope else None
    if not isinstance(token, str):
        return None
    try:
        return session_principal(services(request).store.engine, token)
    except Exception:  # an error page must not fail: shown without the navigation, logged
        log.warning("could not read the session for an error page", exc_info=True)
        return None


def error_page(request: Request, code: int, detail: str) -> HTMLResponse:
    """A readable error page for UI paths (the API answers JSON), with the navigation."""
    principal = current_user(request)
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "code": code,
            "title": ERROR_TITLES.get(code, "Something is wrong with the request"),
            "detail": detail,
            "user": principal,
            "csrf": csrf_token(request) if principal is not None else "",
            "csrf_field": CSRF_FIELD,
        },
        status_code=code,
    )


ERROR_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    413: "Too large",
    422: "Please check what you entered",
    429: "Too many requests",
}

# How a page names the query fields it validates (anything else goes by its own name).
FIELD_LABELS = {"q": "Name", "since": "Since", "threshold": "Minimum score", "country": "Country"}


def _problem(issue: Mapping[str, Any]) -> str:
    where = [str(p) for p in issue.get("loc", ()) if p not in ("query", "body", "path")]
    field = FIELD_LABELS.get(where[-1], where[-1]) if where else "the request"
    context = issue.get("ctx") or {}
    kind = str(issue.get("type", ""))
    if kind == "string_too_long":
        return f"{field}: at most {context.get('max_length')} characters, please."
    if kind.startswith("date"):
        return f"{field}: expected a date as YYYY-MM-DD."
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        bound = context.get("le", context.get("ge", context.get("lt", context.get("gt"))))
        return f"{field}: out of range ({kind.replace('_', ' ')} {bound})."
    return f"{field}: {issue.get('msg', 'invalid')}."


def validation_page(request: Request, errors: Sequence[Mapping[str, Any]]) -> HTMLResponse:
    """A UI request's invalid fields, said in words on the error page (not FastAPI's JSON)."""
    detail = " ".join(_problem(issue) for issue in errors[:5]) or "The request is not valid."
    return error_page(request, status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


def _percent(score: float) -> str:
    return f"{100 * float(score):.0f}"


templates.env.filters["pct"] = _percent
# Macros are imported without the page's context, so the list names are a global.
templates.env.globals["list_names"] = {code.value: name for code, name in LIST_NAMES.items()}
templates.env.filters["cite"] = cite
templates.env.filters["licence_text"] = licence_text
