"""The ``decisions`` table and the ``suppressions`` a false-positive decision makes; this module
is their only writer.

Writes take the caller's connection (from ``audit_log.writing``), so that a decision, the alert's
new status, the suppression and the audit record commit together.

A decision's ``review_status`` says whether it governs: 'effective' (made, or approved by a
second analyst), 'pending_approval' (a clearance waiting for that approval: no effect) or
'rejected'. Only effective decisions suppress or bind; of those, the latest on an alert governs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.schema import (
    DECISION_EFFECTIVE,
    DECISION_PENDING,
    alerts,
    counterparties,
    decisions,
    suppressions,
)


@dataclass(frozen=True, slots=True)
class SuppressionRow:
    entry_state_hash: str
    counterparty_hash: str
    expires_at: datetime | None


def insert(
    conn: Connection,
    *,
    alert_id: int,
    disposition: str,
    reason: str,
    decided_by: str,
    created_at: datetime,
    expires_at: datetime | None,
    review_status: str = DECISION_EFFECTIVE,
) -> int:
    """A decision on an alert; returns its id."""
    result = conn.execute(
        decisions.insert().values(
            alert_id=alert_id,
            disposition=disposition,
            reason=reason,
            decided_by=decided_by,
            created_at=created_at,
            expires_at=expires_at,
            review_status=review_status,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def suppress(
    conn: Connection,
    *,
    counterparty_id: int,
    entry_id: str,
    entry_state_hash: str,
    counterparty_hash: str,
    expires_at: datetime | None,
    decision_id: int,
) -> None:
    """Suppress the pair while both sides are as they were (and until ``expires_at``)."""
    conn.execute(
        suppressions.insert().values(
            counterparty_id=counterparty_id,
            entry_id=entry_id,
            entry_state_hash=entry_state_hash,
            counterparty_hash=counterparty_hash,
            expires_at=expires_at,
            decision_id=decision_id,
        )
    )


def _reversed(decision_id: sa.ColumnElement[int], alert_id: sa.ColumnElement[int]) -> Any:
    """Whether a later effective decision on the same alert replaced the decision."""
    later = decisions.alias("later")
    return (
        sa.select(later.c.id)
        .where(
            (later.c.alert_id == alert_id)
            & (later.c.id > decision_id)
            & (later.c.review_status == DECISION_EFFECTIVE)
        )
        .exists()
    )


def latest_suppression(
    conn: Connection, counterparty_id: int, entry_id: str
) -> SuppressionRow | None:
    """The pair's latest suppression, unless a later decision on its alert reversed it (then
    nothing suppresses: an older suppression does not come back in its place)."""
    row = conn.execute(
        sa.select(
            suppressions.c.entry_state_hash,
            suppressions.c.counterparty_hash,
            suppressions.c.expires_at,
            _reversed(decisions.c.id, decisions.c.alert_id).label("reversed"),
        )
        .join(decisions, decisions.c.id == suppressions.c.decision_id)
        .where(
            (suppressions.c.counterparty_id == counterparty_id)
            & (suppressions.c.entry_id == entry_id)
        )
        .order_by(suppressions.c.id.desc())
    ).first()
    if row is None or row.reversed:
        return None
    return SuppressionRow(row.entry_state_hash, row.counterparty_hash, row.expires_at)


@dataclass(frozen=True, slots=True)
class BoundDecisionRow:
    """A decision with what it was made for: the alert's counterparty and entry state, and the
    counterparty as the register holds it now."""

    id: int
    disposition: str
    reason: str
    decided_by: str
    created_at: datetime
    expires_at: datetime | None
    entry_id: str
    entry_state_hash: str
    counterparty_hash: str  # the counterparty as it was when the alert was raised
    external_id: str
    name: str
    country: str
    type: str
    address: str
    date_of_birth: str


def bound_decisions(engine: Engine) -> list[BoundDecisionRow]:
    """Every effective decision, oldest first, joined to its alert and the alert's
    counterparty."""
    query = (
        sa.select(
            decisions.c.id,
            decisions.c.disposition,
            decisions.c.reason,
            decisions.c.decided_by,
            decisions.c.created_at,
            decisions.c.expires_at,
            alerts.c.entry_id,
            alerts.c.entry_state_hash,
            alerts.c.counterparty_hash,
            counterparties.c.external_id,
            counterparties.c.name,
            counterparties.c.country,
            counterparties.c.type,
            counterparties.c.address,
            counterparties.c.date_of_birth,
        )
        .join(alerts, alerts.c.id == decisions.c.alert_id)
        .join(counterparties, counterparties.c.id == alerts.c.counterparty_id)
        # A clearance waiting for its second analyst, or rejected, binds nothing.
        .where(decisions.c.review_status == DECISION_EFFECTIVE)
        .order_by(decisions.c.id)
    )
    with engine.connect() as conn:
        return [BoundDecisionRow(**row._asdict()) for row in conn.execute(query)]


# --- the audit linkage: each decision names the audit record that made it -------------------


def link_audit(conn: Connection, decision_id: int, audit_seq: int) -> None:
    """Point a decision at its audit record (in the transaction that wrote both)."""
    conn.execute(
        decisions.update().where(decisions.c.id == decision_id).values(audit_seq=audit_seq)
    )


@dataclass(frozen=True, slots=True)
class DecisionRow:
    id: int
    alert_id: int
    disposition: str
    reason: str
    decided_by: str
    created_at: datetime
    expires_at: datetime | None
    audit_seq: int | None
    review_status: str = DECISION_EFFECTIVE
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_reason: str | None = None
    review_audit_seq: int | None = None

    @property
    def pending(self) -> bool:
        return self.review_status == DECISION_PENDING


def _decision(r: Any) -> DecisionRow:
    return DecisionRow(
        r.id,
        r.alert_id,
        r.disposition,
        r.reason,
        r.decided_by,
        r.created_at,
        r.expires_at,
        r.audit_seq,
        r.review_status,
        r.reviewed_by,
        r.reviewed_at,
        r.review_reason,
        r.review_audit_seq,
    )


def get(conn: Connection, decision_id: int) -> DecisionRow | None:
    row = conn.execute(sa.select(decisions).where(decisions.c.id == decision_id)).first()
    return _decision(row) if row is not None else None


def pending_on(conn: Connection, alert_id: int) -> DecisionRow | None:
    """The alert's decision waiting for a second analyst, if any (there is at most one)."""
    row = conn.execute(
        sa.select(decisions)
        .where((decisions.c.alert_id == alert_id) & (decisions.c.review_status == DECISION_PENDING))
        .order_by(decisions.c.id.desc())
    ).first()
    return _decision(row) if row is not None else None


def review(
    conn: Connection,
    decision_id: int,
    *,
    status: str,
    reviewed_by: str,
    reviewed_at: datetime,
    reason: str,
) -> bool:
    """Approve ('effective') or reject a pending decision; False when it was no longer pending
    (another analyst reviewed it first)."""
    result = conn.execute(
        decisions.update()
        .where((decisions.c.id == decision_id) & (decisions.c.review_status == DECISION_PENDING))
        .values(
            review_status=status,
            reviewed_by=reviewed_by,
            reviewed_at=reviewed_at,
            review_reason=reason,
        )
    )
    return result.rowcount == 1


def link_review_audit(conn: Connection, decision_id: int, audit_seq: int) -> None:
    conn.execute(
        decisions.update().where(decisions.c.id == decision_id).values(review_audit_seq=audit_seq)
    )


def on_alerts(engine: Engine, alert_ids: Sequence[int]) -> dict[int, list[DecisionRow]]:
    """Every decision on the alerts, oldest first: an alert's decision history."""
    found: dict[int, list[DecisionRow]] = {a: [] for a in alert_ids}
    if not alert_ids:
        return found
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(decisions)
            .where(decisions.c.alert_id.in_(list(alert_ids)))
            .order_by(decisions.c.id)
        ).all()
    for row in rows:
        found[row.alert_id].append(_decision(row))
    return found


@dataclass(frozen=True, slots=True)
class StoredSuppression:
    id: int
    decision_id: int
    counterparty_id: int
    entry_id: str
    entry_state_hash: str
    counterparty_hash: str
    expires_at: datetime | None


def all_decisions(engine: Engine) -> list[DecisionRow]:
    """Every decision as stored, by id (for ``audit verify``'s cross-check)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(decisions).order_by(decisions.c.id)).all()
    return [_decision(r) for r in rows]


def all_suppressions(engine: Engine) -> list[StoredSuppression]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(suppressions).order_by(suppressions.c.id)).all()
    return [
        StoredSuppression(
            r.id,
            r.decision_id,
            r.counterparty_id,
            r.entry_id,
            r.entry_state_hash,
            r.counterparty_hash,
            r.expires_at,
        )
        for r in rows
    ]
