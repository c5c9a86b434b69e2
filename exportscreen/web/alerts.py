"""The alert queue: views by status (and the clearances awaiting a second analyst), filters,
sorting, paging, assignment, bulk actions, and the analyst's decisions with their four-eyes
review (``casework.register``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from exportscreen.api.auth import Principal, Role
from exportscreen.casework.four_eyes import FourEyes
from exportscreen.casework.register import Alert, Decision, Register
from exportscreen.lists import LIST_NAMES
from exportscreen.model import Disposition, Entry
from exportscreen.ops import accounts
from exportscreen.screening.features import birth_years
from exportscreen.store.alerts import (
    PENDING_APPROVAL,
    QUEUE_SORTS,
    QUEUE_VIEWS,
    QueueQuery,
)
from exportscreen.web.pages import CsrfField, Found, User, check_csrf, need, render

router = APIRouter(prefix="/ui", include_in_schema=False)
PAGE_SIZE = 25
VIEW_LABELS = {
    "open": "Open",
    PENDING_APPROVAL: "Pending approval",
    "decided": "Decided",
    "closed": "Closed",
    "all": "All",
}
BULK_ACTIONS = ("assign_me", "assign", "unassign", "clear")
Reason = Annotated[str, Form(min_length=1, max_length=2000)]


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One alert as the queue shows it: the counterparty beside the entry it matched, the
    decision history, and the decision awaiting a second analyst, if any."""

    alert: Alert
    entry: Entry | None
    history: list[Decision]
    pending: Decision | None
    governing: Decision | None  # the latest effective decision

    @property
    def born_agrees(self) -> bool | None:
        """Whether the counterparty's date of birth may be a year the listed person was born
        in, read as the screening's birth-year check reads them; None when a side gives none."""
        party = birth_years([self.alert.counterparty.date_of_birth])
        listed = birth_years(self.entry.dates_of_birth) if self.entry is not None else set()
        if not party or not listed:
            return None
        return bool(party & listed)


def _queue_query(request: Request, principal: Principal) -> QueueQuery:
    """The queue's view from the query string; 400 naming the parameter that is wrong."""
    params = request.query_params
    view = params.get("status") or "open"
    sort = params.get("sort") or "score"
    chosen_list = params.get("list") or None
    if chosen_list is not None and chosen_list not in {c.value for c in LIST_NAMES}:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"list: unknown list {chosen_list!r}")
    min_score: float | None = None
    if params.get("min_score"):
        try:
            min_score = float(params["min_score"])
        except ValueError:
            min_score = -1.0
        if not 0.0 <= min_score <= 1.0:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST, "min_score: a score between 0 and 1 (e.g. 0.9)"
            )
    assignee = params.get("assignee") or None
    if assignee == "me":
        assignee = principal.user
    try:
        page = max(1, int(params.get("page") or 1))
    except ValueError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "page: a page number") from None
    try:
        return QueueQuery(
            view=view,
            list=chosen_list,
            min_score=min_score,
            assignee=assignee,
            sort=sort,
            offset=(page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
    except ValueError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None


def _items(desk: Register, found_alerts: list[Alert]) -> list[QueueItem]:
    histories = desk.history([a.id for a in found_alerts])
    items = []
    for alert in found_alerts:
        history = histories.get(alert.id, [])
        pending = next((d for d in reversed(history) if d.pending), None)
        governing = next((d for d in reversed(history) if d.review_status == "effective"), None)
        items.append(QueueItem(alert, desk.matched_entry(alert), history, pending, governing))
    return items


def _analysts(found: Any) -> list[str]:
    """The users an alert can be assigned to: enabled analysts and admins."""
    names = []
    for user in accounts.users(found.store.engine):
        try:
            role = Role.parse(user.role)
        except ValueError:  # a service account's role (API only)
            continue
        if user.disabled_at is None and role >= Role.ANALYST:
            names.append(user.name)
    return names


@router.get("/alerts")
def alerts_page(request: Request, principal: User, found: Found) -> HTMLResponse:
    ask = _queue_query(request, principal)
    desk = Register(found.store, actor=principal.user)
    page_alerts, total = desk.queue(ask)
    page = ask.offset // PAGE_SIZE + 1
    pages = max(1, -(-total // PAGE_SIZE))
    # The filters as they were given (``assignee=me`` stays "me"), for links that keep them.
    kept = {
        k: v
        for k, v in request.query_params.items()
        if k in ("status", "list", "min_score", "assignee", "sort") and v
    }
    return render(
        request,
        "alerts.html",
        principal,
        items=_items(desk, page_alerts),
        ask=ask,
        kept=kept,
        total=total,
        page=page,
        pages=pages,
        counts=desk.queue_counts(),
        views=[(v, VIEW_LABELS[v]) for v in QUEUE_VIEWS],
        sorts=QUEUE_SORTS,
        list_codes=[c.value for c in LIST_NAMES],
        assignees=sorted({*desk.assignees(), *_analysts(found)}),
        dispositions=list(Disposition),
        can_decide=principal.role >= Role.ANALYST,
        four_eyes_score=desk.four_eyes_score,
        message=request.query_params.get("done"),
        link=lambda **change: "/ui/alerts?" + urlencode({**kept, **change}),
        here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
    )


def _back(back: str, message: str) -> RedirectResponse:
    """Back to the queue view the form was posted from, with a message."""
    target = back if back.startswith("/ui/alerts") and "//" not in back else "/ui/alerts"
    target = target.split("#", 1)[0]
    joiner = "&" if "?" in target else "?"
    # A previous message in the query is dropped, not repeated.
    if "done=" in target:
        target = target.split("done=", 1)[0].rstrip("&?")
        joiner = "&" if "?" in target else "?"
    return RedirectResponse(
        f"{target}{joiner}done={quote(message)}", status_code=status.HTTP_303_SEE_OTHER
    )


Back = Annotated[str, Form(max_length=2000)]


@router.post("/alerts/{alert_id}/decide")
def decide(
    request: Request,
    alert_id: int,
    principal: User,
    found: Found,
    token: CsrfField,
    disposition: Annotated[Disposition, Form()],
    reason: Reason,
    back: Back = "/ui/alerts",
) -> RedirectResponse:
    check_csrf(request, token)
    need(principal, Role.ANALYST)
    desk = Register(found.store, actor=principal.user)
    try:
        outcome = desk.decide_with(alert_id, disposition, reason, user=principal.user)
    except LookupError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except ValueError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    said = disposition.value.replace("_", " ")
    if outcome.four_eyes:
        return _back(
            back,
            f"Alert {alert_id}: {said} awaits a second analyst's approval "
            f"({outcome.four_eyes}); the alert stays open until then",
        )
    return _back(back, f"Alert {alert_id}: {said}")


def _review(
    request: Request,
    decision_id: int,
    principal: Principal,
    found: Any,
    token: str,
    reason: str,
    back: str,
    *,
    approve: bool,
) -> RedirectResponse:
    check_csrf(request, token)
    need(principal, Role.ANALYST)
    desk = Register(found.store, actor=principal.user)
    try:
        if approve:
            desk.approve(decision_id, reason, user=principal.user)
        else:
            desk.reject(decision_id, reason, user=principal.user)
    except LookupError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except FourEyes as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from None
    except ValueError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    decision = desk.decision(decision_id)
    alert = f"alert {decision.alert_id}" if decision else "the alert"
    verb = "approved: it takes effect" if approve else "rejected: it has no effect"
    return _back(back, f"Decision {decision_id} on {alert} {verb}")


@router.post("/decisions/{decision_id}/approve")
def approve(
    request: Request,
    decision_id: int,
    principal: User,
    found: Found,
    token: CsrfField,
    reason: Reason,
    back: Back = "/ui/alerts",
) -> RedirectResponse:
    return _review(request, decision_id, principal, found, token, reason, back, approve=True)


@router.post("/decisions/{decision_id}/reject")
def reject(
    request: Request,
    decision_id: int,
    principal: User,
    found: Found,
    token: CsrfField,
    reason: Reason,
    back: Back = "/ui/alerts",
) -> RedirectResponse:
    return _review(request, decision_id, principal, found, token, reason, back, approve=False)


@router.post("/alerts/bulk")
def bulk(
    request: Request,
    principal: User,
    found: Found,
    token: CsrfField,
    action: Annotated[str, Form(max_length=20)],
    alert: Annotated[list[int] | None, Form()] = None,
    assignee: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Back = "/ui/alerts",
) -> RedirectResponse:
    """Assign, unassign or clear the alerts ticked. Bulk clearing clears only the alerts the
    four-eyes rule leaves to one analyst; the others are named and left for one-by-one review."""
    check_csrf(request, token)
    need(principal, Role.ANALYST)
    if action not in BULK_ACTIONS:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"action: unknown action {action!r}")
    chosen = sorted(set(alert or []))
    if not chosen:
        return _back(back, "No alert was ticked: nothing done")
    desk = Register(found.store, actor=principal.user)
    if action in ("assign_me", "assign", "unassign"):
        who: str | None = principal.user if action == "assign_me" else assignee.strip() or None
        if action == "assign" and who not in _analysts(found):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"assignee: no analyst {assignee!r}")
        if action == "unassign":
            who = None
        try:
            done = desk.assign(chosen, who, user=principal.user)
        except LookupError as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
        said = f"assigned to {who}" if who else "unassigned"
        return _back(back, f"{len(done)} alert(s) {said}")
    if not reason.strip():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "reason: a bulk clearance needs a reason")
    cleared: list[int] = []
    held: list[str] = []
    for alert_id in chosen:
        try:
            why = desk.four_eyes(alert_id, Disposition.FALSE_POSITIVE)
            if why:
                held.append(f"{alert_id} ({why})")
                continue
            desk.decide(alert_id, Disposition.FALSE_POSITIVE, reason, user=principal.user)
        except (LookupError, ValueError) as error:
            held.append(f"{alert_id} ({error})")
            continue
        cleared.append(alert_id)
    message = f"{len(cleared)} alert(s) cleared as false positives"
    if held:
        message += "; not cleared, to review one by one: " + "; ".join(held)
    return _back(back, message)
