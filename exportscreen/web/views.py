"""The analysts' web UI: server-rendered pages on the same services as the API.

Pages need a logged-in session (a signed cookie holding the user name and a CSRF token); every
form posts the token back and is refused without it. The UI reads the user's role from the
database on each request, so a role change takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    UploadFile,
    status,
)
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from exportscreen.api.auth import (
    CSRF_FIELD,
    Principal,
    Role,
    csrf_token,
    csrf_valid,
)
from exportscreen.api.config import MAX_NAME_LENGTH
from exportscreen.api.csl_format import words
from exportscreen.api.jobs import JobError, JobsFull
from exportscreen.api.principal import login as login_session
from exportscreen.api.principal import logout as end_session
from exportscreen.api.principal import session_principal
from exportscreen.api.state import Services, services
from exportscreen.api.trail import caller, record_screening
from exportscreen.casework.audit_trail import Interface
from exportscreen.casework.register import Register
from exportscreen.lists import LIST_NAMES
from exportscreen.model import Disposition, Entry, Hit
from exportscreen.store import Diff, StoreError

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(directory=WEB_DIR / "templates")
router = APIRouter(prefix="/ui", include_in_schema=False)
root_router = APIRouter(include_in_schema=False)
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


def _check_csrf(request: Request, token: str) -> None:
    if not csrf_valid(request, token):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "the form has expired or did not come from this site"
        )


def _need(principal: Principal, role: Role) -> None:
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


def _hit_view(hit: Hit) -> dict[str, Any]:
    candidates = {w for t in hit.explanation.tokens for w in words(t.candidate)}
    return {
        "hit": hit,
        "entry": hit.entry,
        "segments": highlight(hit.matched_name, candidates),
        "is_alias": hit.matched_name != hit.entry.name,
    }


# --- pages ------------------------------------------------------------------------------------


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
    _check_csrf(request, token)
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
    _check_csrf(request, token)
    session = request.session.get(SESSION_TOKEN)
    if isinstance(session, str):
        # Ended in the store: a copy of the cookie kept elsewhere stops working too.
        principal = session_principal(found.store.engine, session)
        end_session(found.store.engine, session, principal.user if principal else "anonymous")
    request.session.clear()
    return RedirectResponse("/ui/login", status_code=status.HTTP_303_SEE_OTHER)


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
            results = [_hit_view(h) for h in hits]
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


@dataclass(frozen=True, slots=True)
class TimelineItem:
    when: date | None
    kind: str  # added, changed, removed, relisted, citation
    title: str
    details: tuple[str, ...] = ()


def _timeline(entry_id: str, found: Services) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    seen_citations: set[str] = set()
    for event in found.store.history(entry_id):
        details = tuple(f"{f.field}: {_short(f.before)} → {_short(f.after)}" for f in event.fields)
        items.append(
            TimelineItem(
                event.version.as_of,
                event.kind.value,
                f"{event.kind.value.capitalize()} in {event.version.list.value} version "
                f"{event.version.id} ({event.version.file_name})",
                details,
            )
        )
        for citation in event.entry.citations:
            label = citation.raw or str(citation)
            if label not in seen_citations:
                seen_citations.add(label)
                items.append(TimelineItem(citation.date, "citation", f"Federal Register: {label}"))
    # Undated items (a citation without a date) go last rather than first.
    return sorted(items, key=lambda i: (i.when is None, i.when or date.min, i.kind != "citation"))


def _short(value: Any, limit: int = 120) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value or "—")
    return text if len(text) <= limit else text[: limit - 1] + "…"


@router.get("/entries/{entry_id}")
def entry_page(request: Request, entry_id: str, principal: User, found: Found) -> HTMLResponse:
    try:
        current = found.store.entry(entry_id)
        timeline = _timeline(entry_id, found)
        history = found.store.history(entry_id)
    except StoreError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    entry: Entry = current if current is not None else history[-1].entry
    return render(
        request,
        "entry.html",
        principal,
        entry=entry,
        listed=current is not None,
        timeline=timeline,
    )


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
    _check_csrf(request, token)
    _need(principal, Role.ANALYST)
    desk = Register(found.store, actor=principal.user)
    try:
        desk.decide(alert_id, disposition, reason, user=principal.user)
    except LookupError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except ValueError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    done = quote(f"Alert {alert_id}: {disposition.value.replace('_', ' ')}")
    return RedirectResponse(f"/ui/alerts?done={done}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/batch")
def batch_page(request: Request, principal: User, found: Found) -> HTMLResponse:
    return render(request, "batch.html", principal, error=None)


@router.post("/batch")
def batch_upload(
    request: Request,
    principal: User,
    found: Found,
    token: CsrfField,
    file: Annotated[UploadFile, File()],
) -> Response:
    _check_csrf(request, token)
    loaded = found.loaded()
    try:
        job = found.jobs.submit(
            owner=principal.user,
            file_name=file.filename or "upload",
            upload=file.file,
            screener=loaded.screener,
            version_ids=loaded.version_ids,
            threshold=found.config.threshold,
            caller=caller(principal, Interface.UI),
        )
    except JobError as error:
        response = render(request, "batch.html", principal, error=str(error))
        response.status_code = (
            status.HTTP_507_INSUFFICIENT_STORAGE
            if isinstance(error, JobsFull)
            else status.HTTP_422_UNPROCESSABLE_CONTENT
        )
        return response
    return RedirectResponse(f"/ui/batch/{job.id}", status_code=status.HTTP_303_SEE_OTHER)


def _own_job(found: Services, principal: Principal, job_id: str) -> Any:
    job = found.jobs.get(job_id)
    if job is None or (job.owner != principal.user and principal.role < Role.ADMIN):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch job {job_id}")
    return job


@router.get("/batch/{job_id}")
def job_page(request: Request, job_id: str, principal: User, found: Found) -> HTMLResponse:
    job = _own_job(found, principal, job_id)
    percent = None
    if job.rows_total:
        percent = min(100, round(100 * job.rows_done / job.rows_total))
    return render(request, "job.html", principal, job=job, percent=percent)


@router.get("/batch/{job_id}/result")
def job_result(job_id: str, principal: User, found: Found) -> FileResponse:
    job = _own_job(found, principal, job_id)
    path = found.jobs.result_path(job_id)
    if job.status != "done" or path is None or not path.is_file():
        raise HTTPException(status.HTTP_409_CONFLICT, f"batch job {job_id} is {job.status}")
    return FileResponse(path, media_type="text/csv", filename="hits.csv")


@router.get("/changes")
def changes_page(
    request: Request,
    principal: User,
    found: Found,
    since: date | None = None,
) -> HTMLResponse:
    since = since or (datetime.now(UTC).date() - timedelta(days=30))
    sections: list[dict[str, Any]] = []
    staged: dict[Any, list[Any]] = {}
    for version in found.store.versions_in_review():
        staged.setdefault(version.list, []).append(version)
    for summary in found.store.lists():
        diff: Diff | None = None
        note = None
        try:
            diff = found.store.diff(summary.list, from_=since)
        except StoreError:
            note = f"No version before {since.isoformat()}: first loaded with data of " + (
                found.store.versions(summary.list)[0].as_of.isoformat()
            )
        sections.append(
            {
                "summary": summary,
                "diff": diff,
                "note": note,
                "staged": staged.get(summary.list, []),
            }
        )
    return render(request, "changes.html", principal, since=since, sections=sections)


def error_page(request: Request, code: int, detail: str) -> HTMLResponse:
    """A readable error page for UI paths (the API answers JSON)."""
    return templates.TemplateResponse(
        request,
        "error.html",
        {"code": code, "detail": detail, "user": None, "csrf": "", "csrf_field": CSRF_FIELD},
        status_code=code,
    )


def _percent(score: float) -> str:
    return f"{100 * float(score):.0f}"


templates.env.filters["pct"] = _percent
# Macros are imported without the page's context, so the list names are a global.
templates.env.globals["list_names"] = {code.value: name for code, name in LIST_NAMES.items()}
