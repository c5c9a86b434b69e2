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

from exportscreen.store.schema import (
    DECISION_PENDING,
    alerts,
    counterparties,
    decisions,
    entry_states,
)


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
    assigned_to: str | None = None


@dataclass(frozen=True, slots=True)
class AlertWithParty:
    """An alert and the counterparty's fields, as the review queue shows them."""

    alert: AlertRow
    external_id: str
    name: str
    country: str
    type: str
    address: str
    list: str | None = None  # the entry's list (from the state the alert matched), if known
    date_of_birth: str = ""


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
        assigned_to=mapping[alerts.c.assigned_to],
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
        mapping[entry_states.c.list],
        mapping[counterparties.c.date_of_birth],
    )


def _joined() -> sa.Select[Any]:
    return (
        sa.select(alerts, counterparties, entry_states.c.list)
        .join(counterparties, counterparties.c.id == alerts.c.counterparty_id)
        # The state the alert matched: (entry_id, content_hash) is unique, so one row at most.
        .outerjoin(
            entry_states,
            (entry_states.c.entry_id == alerts.c.entry_id)
            & (entry_states.c.content_hash == alerts.c.entry_state_hash),
        )
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


# --- the review queue: views, filters, sorting, paging, assignment ----------------------------

# The queue's views: the alert statuses, and the alerts whose clearance awaits a second analyst.
PENDING_APPROVAL = "pending_approval"
QUEUE_VIEWS = ("open", PENDING_APPROVAL, "decided", "closed", "all")
QUEUE_SORTS = ("score", "newest", "oldest")
UNASSIGNED = "-"  # the assignee filter's value for alerts assigned to no one


@dataclass(frozen=True, slots=True)
class QueueQuery:
    view: str = "open"
    list: str | None = None
    min_score: float | None = None
    assignee: str | None = None  # a user name, or UNASSIGNED
    sort: str = "score"
    offset: int = 0
    limit: int = 25

    def __post_init__(self) -> None:
        if self.view not in QUEUE_VIEWS:
            raise ValueError(f"status: unknown view {self.view!r}; one of {', '.join(QUEUE_VIEWS)}")
        if self.sort not in QUEUE_SORTS:
            raise ValueError(f"sort: unknown order {self.sort!r}; one of {', '.join(QUEUE_SORTS)}")


def _pending() -> sa.ColumnElement[bool]:
    """Alerts not closed whose clearance awaits a second analyst (one closed meanwhile, its
    entry removed or superseded, has nothing left to approve)."""
    waiting = (
        sa.select(decisions.c.id)
        .where(
            (decisions.c.alert_id == alerts.c.id) & (decisions.c.review_status == DECISION_PENDING)
        )
        .exists()
    )
    return waiting & (alerts.c.status != "closed")


def queue(engine: Engine, ask: QueueQuery) -> tuple[list[AlertWithParty], int]:
    """One page of the queue's view, filtered and sorted, and how many alerts the view holds."""
    query = _joined()
    if ask.view == PENDING_APPROVAL:
        query = query.where(_pending())
    elif ask.view != "all":
        query = query.where(alerts.c.status == ask.view)
    if ask.list:
        query = query.where(entry_states.c.list == ask.list)
    if ask.min_score is not None:
        query = query.where(alerts.c.score >= ask.min_score)
    if ask.assignee == UNASSIGNED:
        query = query.where(alerts.c.assigned_to.is_(None))
    elif ask.assignee:
        query = query.where(alerts.c.assigned_to == ask.assignee)
    order = {
        "score": (alerts.c.score.desc(), alerts.c.id),
        "newest": (alerts.c.id.desc(),),
        "oldest": (alerts.c.id,),
    }[ask.sort]
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.order_by(*order).offset(ask.offset).limit(ask.limit))
        return [_with_party(r) for r in rows], int(total)


def counts(engine: Engine) -> dict[str, int]:
    """How many alerts each view of the queue holds."""
    with engine.connect() as conn:
        by_status: dict[str, int] = {
            str(status): int(n)
            for status, n in conn.execute(
                sa.select(alerts.c.status, sa.func.count()).group_by(alerts.c.status)
            )
        }
        pending = conn.execute(
            sa.select(sa.func.count()).select_from(alerts).where(_pending())
        ).scalar_one()
    found = {view: by_status.get(view, 0) for view in ("open", "decided", "closed")}
    found[PENDING_APPROVAL] = int(pending)
    found["all"] = sum(by_status.values())
    return found


def assignees(engine: Engine) -> list[str]:
    """The users alerts are assigned to (for the queue's filter)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(alerts.c.assigned_to)
            .where(alerts.c.assigned_to.is_not(None))
            .distinct()
            .order_by(alerts.c.assigned_to)
        )
        return [str(r[0]) for r in rows]


def assign(conn: Connection, alert_ids: Sequence[int], user: str | None) -> list[int]:
    """Assign the alerts to ``user`` (None: unassign); returns the ids that exist."""
    ids = list(alert_ids)
    found = [
        int(r[0])
        for r in conn.execute(
            sa.select(alerts.c.id).where(alerts.c.id.in_(ids)).order_by(alerts.c.id)
        )
    ]
    if found:
        conn.execute(alerts.update().where(alerts.c.id.in_(found)).values(assigned_to=user))
    return found
