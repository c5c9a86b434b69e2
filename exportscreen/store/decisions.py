"""The ``decisions`` table and the ``suppressions`` a false-positive decision makes; this module
is their only writer.

Writes take the caller's connection (from ``audit_log.writing``), so that a decision, the alert's
new status, the suppression and the audit record commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.schema import alerts, counterparties, decisions, suppressions


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


def latest_suppression(
    conn: Connection, counterparty_id: int, entry_id: str
) -> SuppressionRow | None:
    row = conn.execute(
        sa.select(suppressions)
        .where(
            (suppressions.c.counterparty_id == counterparty_id)
            & (suppressions.c.entry_id == entry_id)
        )
        .order_by(suppressions.c.id.desc())
    ).first()
    if row is None:
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


def bound_decisions(engine: Engine) -> list[BoundDecisionRow]:
    """Every decision, oldest first, joined to its alert and the alert's counterparty."""
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
        )
        .join(alerts, alerts.c.id == decisions.c.alert_id)
        .join(counterparties, counterparties.c.id == alerts.c.counterparty_id)
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
    return [
        DecisionRow(
            r.id,
            r.alert_id,
            r.disposition,
            r.reason,
            r.decided_by,
            r.created_at,
            r.expires_at,
            r.audit_seq,
        )
        for r in rows
    ]


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
