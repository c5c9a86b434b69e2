"""The counterparty register, its alerts and analysts' decisions
(``exportscreen.casework.register``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from exportscreen.api.auth import Analyst, Viewer
from exportscreen.api.schemas_casework import (
    AlertOut,
    AlertsResponse,
    CounterpartiesResponse,
    CounterpartyIn,
    CounterpartyOut,
    DecisionIn,
    DecisionOut,
    DecisionRecordOut,
    DecisionsResponse,
    ReviewIn,
    ScreenRegisterResponse,
    UnscreenedOut,
)
from exportscreen.api.state import Services, services
from exportscreen.casework.four_eyes import FourEyes
from exportscreen.casework.register import Alert, Counterparty, Register
from exportscreen.store.alerts import PENDING_APPROVAL, QueueQuery
from exportscreen.text.countries import country_code

router = APIRouter(prefix="/v1", tags=["review"])
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DecisionId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _counterparty_out(party: Counterparty) -> CounterpartyOut:
    return CounterpartyOut.model_validate(party, from_attributes=True)


def alert_out(alert: Alert) -> AlertOut:
    # The response models mirror the register's dataclasses field for field: read, not copied.
    return AlertOut.model_validate(alert, from_attributes=True)


def register(found: Services, user: str) -> Register:
    return Register(found.store, actor=user, threshold=found.config.threshold)


@router.get("/counterparties", response_model=CounterpartiesResponse)
def counterparties(
    _: Viewer, found: Annotated[Services, Depends(services)]
) -> CounterpartiesResponse:
    """Every counterparty in the register."""
    parties = register(found, "api").counterparties()
    return CounterpartiesResponse(counterparties=[_counterparty_out(p) for p in parties])


@router.post("/counterparties", response_model=CounterpartyOut, status_code=status.HTTP_201_CREATED)
def add_counterparty(
    body: CounterpartyIn, principal: Analyst, found: Annotated[Services, Depends(services)]
) -> CounterpartyOut:
    """Add a counterparty, or update the one with the same ``external_id``."""
    country = ""
    if body.country.strip():
        country = country_code(body.country)
        if not country:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"unknown country {body.country!r}"
            )
    name = " ".join(body.name.split())
    if not name:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "name is blank")
    party = Counterparty(
        external_id=body.external_id.strip(),
        name=name,
        country=country,
        type=body.type.strip().lower(),
        address=body.address.strip(),
        date_of_birth=body.date_of_birth,
    )
    register(found, principal.user).add(party)
    return _counterparty_out(party)


@router.post("/counterparties/screen", response_model=ScreenRegisterResponse)
def screen_register(
    principal: Analyst, found: Annotated[Services, Depends(services)]
) -> ScreenRegisterResponse:
    """Screen the whole register against the current lists and raise alerts for new pairs
    (pairs already open, decided and unchanged, or suppressed raise nothing)."""
    loaded = found.loaded()
    parties = register(found, principal.user)
    # Every counterparty is screened: bulk work, charged like a batch upload's rows.
    found.batch_rows.charge_work(principal.rate_key, len(parties.counterparties()))
    run = parties.screen(loaded.screener)
    return ScreenRegisterResponse(
        screened=run.screened,
        raised=run.raised,
        already_open=run.already_open,
        suppressed=run.suppressed,
        unscreened=[UnscreenedOut.model_validate(u, from_attributes=True) for u in run.unscreened],
    )


@router.get("/alerts", response_model=AlertsResponse)
def alerts(
    _: Viewer,
    found: Annotated[Services, Depends(services)],
    alert_status: Annotated[
        Literal["open", "pending_approval", "decided", "closed", "all"], Query(alias="status")
    ] = "open",
) -> AlertsResponse:
    """Alerts in the review queue (``status=open``, the default), or those whose clearance awaits
    a second analyst (``pending_approval``), decided, closed or all."""
    desk = register(found, "api")
    if alert_status == PENDING_APPROVAL:
        waiting, _total = desk.queue(QueueQuery(view=PENDING_APPROVAL, sort="oldest", limit=10**6))
        return AlertsResponse(alerts=[alert_out(a) for a in waiting])
    chosen = None if alert_status == "all" else alert_status
    return AlertsResponse(alerts=[alert_out(a) for a in desk.alerts(chosen)])


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def alert(alert_id: AlertId, _: Viewer, found: Annotated[Services, Depends(services)]) -> AlertOut:
    """One alert with the explanation of its match."""
    found_alert = register(found, "api").alert(alert_id)
    if found_alert is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no alert {alert_id}")
    return alert_out(found_alert)


@router.get("/alerts/{alert_id}/decisions", response_model=DecisionsResponse)
def decisions(
    alert_id: AlertId, _: Viewer, found: Annotated[Services, Depends(services)]
) -> DecisionsResponse:
    """Every decision on an alert, oldest first, with its four-eyes review."""
    desk = register(found, "api")
    if desk.alert(alert_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no alert {alert_id}")
    made = desk.history([alert_id])[alert_id]
    return DecisionsResponse(
        decisions=[DecisionRecordOut.model_validate(d, from_attributes=True) for d in made]
    )


@router.post("/alerts/{alert_id}/decision", response_model=DecisionOut)
def decide(
    alert_id: AlertId,
    body: DecisionIn,
    principal: Analyst,
    found: Annotated[Services, Depends(services)],
) -> DecisionOut:
    """Decide an alert (analyst role). The decision records the calling user; a false
    positive suppresses the pair until the entry or the counterparty changes, or it expires.
    Four-eyes: clearing an alert scored at or above the configured score (default 0.95), or on
    a list whose match prohibits the transaction, answers ``review_status: pending_approval``
    and has no effect until another analyst approves it."""
    desk = register(found, principal.user)
    try:
        outcome = desk.decide_with(
            alert_id, body.disposition, body.reason, user=principal.user, expires_at=body.expires_at
        )
    except LookupError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except ValueError as error:  # a closed alert, a blank reason, a clearance awaiting approval
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    decided = desk.alert(alert_id)
    return DecisionOut(
        decision_id=outcome.decision_id,
        alert_id=alert_id,
        disposition=body.disposition,
        decided_by=principal.user,
        alert_status=decided.status if decided else "unknown",
        review_status=outcome.review_status,  # type: ignore[arg-type]  # the table's check
        four_eyes=outcome.four_eyes,
    )


def _review(
    decision_id: int, body: ReviewIn, user: str, found: Services, *, approve: bool
) -> DecisionRecordOut:
    desk = register(found, user)
    try:
        if approve:
            desk.approve(decision_id, body.reason, user=user)
        else:
            desk.reject(decision_id, body.reason, user=user)
    except LookupError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except FourEyes as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from None
    except ValueError as error:  # not pending, a closed alert, a blank reason
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    reviewed = desk.decision(decision_id)
    assert reviewed is not None
    return DecisionRecordOut.model_validate(reviewed, from_attributes=True)


@router.post("/decisions/{decision_id}/approve", response_model=DecisionRecordOut)
def approve(
    decision_id: DecisionId,
    body: ReviewIn,
    principal: Analyst,
    found: Annotated[Services, Depends(services)],
) -> DecisionRecordOut:
    """A second analyst approves a decision awaiting approval: it takes effect (403 for the
    analyst who made it)."""
    return _review(decision_id, body, principal.user, found, approve=True)


@router.post("/decisions/{decision_id}/reject", response_model=DecisionRecordOut)
def reject(
    decision_id: DecisionId,
    body: ReviewIn,
    principal: Analyst,
    found: Annotated[Services, Depends(services)],
) -> DecisionRecordOut:
    """Reject a decision awaiting approval: it never takes effect; the alert stays as it was."""
    return _review(decision_id, body, principal.user, found, approve=False)
