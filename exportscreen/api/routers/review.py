"""The counterparty register, its alerts and analysts' decisions
(``exportscreen.casework.register``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from exportscreen.api.auth import Analyst, Viewer
from exportscreen.api.schemas import (
    AlertOut,
    AlertsResponse,
    CounterpartiesResponse,
    CounterpartyIn,
    CounterpartyOut,
    DecisionIn,
    DecisionOut,
    ScreenRegisterResponse,
    UnscreenedOut,
)
from exportscreen.api.state import Services, services
from exportscreen.casework.register import Alert, Counterparty, Register
from exportscreen.text.countries import country_code

router = APIRouter(prefix="/v1", tags=["review"])
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]


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
        Literal["open", "decided", "closed", "all"], Query(alias="status")
    ] = "open",
) -> AlertsResponse:
    """Alerts in the review queue (``status=open``, the default), or decided, closed or all."""
    chosen = None if alert_status == "all" else alert_status
    return AlertsResponse(alerts=[alert_out(a) for a in register(found, "api").alerts(chosen)])


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def alert(alert_id: AlertId, _: Viewer, found: Annotated[Services, Depends(services)]) -> AlertOut:
    """One alert with the explanation of its match."""
    found_alert = register(found, "api").alert(alert_id)
    if found_alert is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no alert {alert_id}")
    return alert_out(found_alert)


@router.post("/alerts/{alert_id}/decision", response_model=DecisionOut)
def decide(
    alert_id: AlertId,
    body: DecisionIn,
    principal: Analyst,
    found: Annotated[Services, Depends(services)],
) -> DecisionOut:
    """Decide an alert (analyst role). The decision records the calling user; a false
    positive suppresses the pair until the entry or the counterparty changes, or it expires."""
    desk = register(found, principal.user)
    try:
        decision_id = desk.decide(
            alert_id, body.disposition, body.reason, user=principal.user, expires_at=body.expires_at
        )
    except LookupError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except ValueError as error:  # a closed alert, a blank reason
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    decided = desk.alert(alert_id)
    return DecisionOut(
        decision_id=decision_id,
        alert_id=alert_id,
        disposition=body.disposition,
        decided_by=principal.user,
        alert_status=decided.status if decided else "unknown",
    )
