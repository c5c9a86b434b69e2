"""The ``alerts`` table: a counterparty matched a list entry; this module is its only writer.

Writes take the caller's connection (from ``audit_log.writing``), so that an alert changes
together with its audit record and with the decision that changed it. ``casework.register``
decides when an alert is raised, superseded or closed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.schema import alerts, counterparties


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    counterparty_id: int
    entry_id: str
    entry_state_hash: str
    counterparty_hash: str
    score: float
    matched_name: str
    explanation: dict[str, Any]
    status: str
    created_at: datetime
    closed_reason: str | None


@dataclass(frozen=True, slots=True)
class AlertWithParty:
    """An alert and the counterparty's fields, as the review queue shows them."""

    alert: AlertRow
    external_id: str
    name: str
    country: str
    type: str
    address: str


def _alert(mapping: Any) -> AlertRow:
    return AlertRow(
        id=mapping[alerts.c.id],
        counterparty_id=mapping[alerts.c.counterparty_id],
        entry_id=mapping[alerts.c.entry_id],
        entry_state_hash=mapping[alerts.c.entry_state_hash],
        counterparty_hash=mapping[alerts.c.counterparty_hash],
        score=mapping[alerts.c.score],
        matched_name=mapping[alerts.c.matched_name],
        explanation=mapping[alerts.c.explanation],
        status=mapping[alerts.c.status],
        created_at=mapping[alerts.c.created_at],
        closed_reason=mapping[alerts.c.closed_reason],
    )


def get(conn: Connection, alert_id: int) -> AlertRow | None:
    row = conn.execute(sa.select(alerts).where(alerts.c.id == alert_id)).first()
    return _alert(row._mapping) if row is not None else None


def latest_not_closed(conn: Connection, counterparty_id: int, entry_id: str) -> AlertRow | None:
    """The pair's latest alert that is open or decided."""
    same_pair = (alerts.c.counterparty_id == counterparty_id) & (alerts.c.entry_id == entry_id)
    row = conn.execute(
        sa.select(alerts)
        .where(same_pair & (alerts.c.status != "closed"))
        .order_by(alerts.c.id.desc())
    ).first()
    return _alert(row._mapping) if row is not None else None


def insert(
    conn: Connection,
    *,
    counterparty_id: int,
    entry_id: str,
    entry_state_hash: str,
    counterparty_hash: str,
    score: float,
    matched_name: str,
    explanation: Mapping[str, Any],
) -> int:
    """A new open alert; returns its id."""
    result = conn.execute(
        alerts.insert().values(
            counterparty_id=counterparty_id,
            entry_id=entry_id,
            entry_state_hash=entry_state_hash,
            counterparty_hash=counterparty_hash,
            score=score,
            matched_name=matched_name,
            explanation=explanation,
            status="open",
            created_at=datetime.now(UTC),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def close(conn: Connection, alert_ids: Sequence[int], reason: str) -> None:
    conn.execute(
        alerts.update()
        .where(alerts.c.id.in_(list(alert_ids)))
        .values(status="closed", closed_at=datetime.now(UTC), closed_reason=reason)
    )


def set_status(conn: Connection, alert_id: int, status: str) -> None:
    conn.execute(alerts.update().where(alerts.c.id == alert_id).values(status=status))


def open_entry_ids(conn: Connection) -> list[tuple[int, str]]:
    """(alert id, entry id) of every open alert."""
    rows = conn.execute(sa.select(alerts.c.id, alerts.c.entry_id).where(alerts.c.status == "open"))
    return [(r.id, r.entry_id) for r in rows]


def _with_party(row: Any) -> AlertWithParty:
    mapping = row._mapping
    return AlertWithParty(
        _alert(mapping),
        mapping[counterparties.c.external_id],
        mapping[counterparties.c.name],
        mapping[counterparties.c.country],
        mapping[counterparties.c.type],
        mapping[counterparties.c.address],
    )


def _joined() -> sa.Select[Any]:
    return sa.select(alerts, counterparties).join(
        counterparties, counterparties.c.id == alerts.c.counterparty_id
    )


def with_parties(engine: Engine, status: str | None) -> list[AlertWithParty]:
    """Alerts (of ``status``, or all) with their counterparties, in id order."""
    query = _joined().order_by(alerts.c.id)
    if status:
        query = query.where(alerts.c.status == status)
    with engine.connect() as conn:
        return [_with_party(r) for r in conn.execute(query)]


def one_with_party(engine: Engine, alert_id: int) -> AlertWithParty | None:
    with engine.connect() as conn:
        row = conn.execute(_joined().where(alerts.c.id == alert_id)).first()
    return _with_party(row) if row is not None else None
