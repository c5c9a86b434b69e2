"""The ``counterparties`` table (the register's parties); this module is its only writer.

Two services use it: ``casework.register`` adds and updates parties, ``casework.rescreen`` keeps
each party's name signature in its ``data`` column. Writes take the caller's connection (from
``audit_log.writing``) so that they commit with their audit record, except the signature cache,
which is no audited change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.audit_log import writing
from exportscreen.store.schema import counterparties


@dataclass(frozen=True, slots=True)
class CounterpartyRow:
    id: int
    external_id: str
    name: str
    country: str
    type: str
    address: str
    data: Mapping[str, Any]  # empty when not read
    date_of_birth: str = ""


@dataclass(frozen=True, slots=True)
class SignatureUpdate:
    """New ``data`` for a row, written only if the row still has the fields it was read with."""

    row_id: int
    seen_name: str
    seen_country: str
    seen_type: str
    seen_address: str
    data: Mapping[str, Any]
    seen_date_of_birth: str = ""


def _row(row: Any, *, with_data: bool = True) -> CounterpartyRow:
    data = (row.data or {}) if with_data else {}
    return CounterpartyRow(
        row.id,
        row.external_id,
        row.name,
        row.country,
        row.type,
        row.address,
        data,
        row.date_of_birth,
    )


def upsert(
    conn: Connection,
    *,
    external_id: str,
    name: str,
    country: str,
    type: str,
    address: str,
    state_hash: str,
    date_of_birth: str = "",
) -> Literal["added", "updated", "unchanged"]:
    """Add the party, or update it when its name, country, type, address or date of birth
    changed. An update resets ``data`` to the new state's hash (a stored signature was the old
    state's)."""
    existing = conn.execute(
        sa.select(counterparties).where(counterparties.c.external_id == external_id)
    ).first()
    now = datetime.now(UTC)
    values = {
        "name": name,
        "country": country,
        "type": type,
        "address": address,
        "date_of_birth": date_of_birth,
        "data": {"hash": state_hash},
        "updated_at": now,
    }
    if existing is None:
        conn.execute(
            counterparties.insert().values(external_id=external_id, created_at=now, **values)
        )
        return "added"
    if (
        existing.name,
        existing.country,
        existing.type,
        existing.address,
        existing.date_of_birth,
    ) == (name, country, type, address, date_of_birth):
        return "unchanged"
    conn.execute(counterparties.update().where(counterparties.c.id == existing.id).values(**values))
    return "updated"


def rows(
    engine: Engine, *, external_ids: Collection[str] | None = None, with_data: bool = True
) -> list[CounterpartyRow]:
    """Every party (or those of ``external_ids``) in id order; ``data`` left empty unless
    ``with_data`` (a column that can be large: it holds the signature)."""
    columns = [
        counterparties.c.id,
        counterparties.c.external_id,
        counterparties.c.name,
        counterparties.c.country,
        counterparties.c.type,
        counterparties.c.address,
        counterparties.c.date_of_birth,
    ]
    if with_data:
        columns.append(counterparties.c.data)
    query = sa.select(*columns).order_by(counterparties.c.id)
    if external_ids is not None:
        query = query.where(counterparties.c.external_id.in_(list(external_ids)))
    with engine.connect() as conn:
        return [_row(r, with_data=with_data) for r in conn.execute(query)]


def data_of(engine: Engine, row_ids: Sequence[int], *, chunk: int) -> dict[int, Mapping[str, Any]]:
    """The ``data`` column of some parties, by row id, read ``chunk`` ids at a time."""
    found: dict[int, Mapping[str, Any]] = {}
    with engine.connect() as conn:
        for start in range(0, len(row_ids), chunk):
            wanted = list(row_ids[start : start + chunk])
            query = sa.select(counterparties.c.id, counterparties.c.data).where(
                counterparties.c.id.in_(wanted)
            )
            found.update((r.id, r.data or {}) for r in conn.execute(query))
    return found


def save_data_if_unchanged(engine: Engine, updates: Sequence[SignatureUpdate]) -> int:
    """Write each update's ``data`` in one transaction, skipping rows whose name, country, type,
    address or date of birth changed since they were read; returns the rows written."""
    if not updates:
        return 0
    statement = (
        counterparties.update()
        .where(counterparties.c.id == sa.bindparam("row_id"))
        .where(counterparties.c.name == sa.bindparam("seen_name"))
        .where(counterparties.c.country == sa.bindparam("seen_country"))
        .where(counterparties.c.type == sa.bindparam("seen_type"))
        .where(counterparties.c.address == sa.bindparam("seen_address"))
        .where(counterparties.c.date_of_birth == sa.bindparam("seen_date_of_birth"))
        .values(data=sa.bindparam("data"))
    )
    params = [
        {
            "row_id": u.row_id,
            "seen_name": u.seen_name,
            "seen_country": u.seen_country,
            "seen_type": u.seen_type,
            "seen_address": u.seen_address,
            "seen_date_of_birth": u.seen_date_of_birth,
            "data": dict(u.data),
        }
        for u in updates
    ]
    # The review writers' transaction: on SQLite it takes the write lock when it begins.
    with writing(engine) as conn:
        result = conn.execute(statement, params)
    return int(result.rowcount)


def state(engine: Engine) -> tuple[Any, ...]:
    """What changes whenever a party is added or edited (the register has no deletion): the row
    count, the highest id and the latest update time."""
    query = sa.select(
        sa.func.count(), sa.func.max(counterparties.c.id), sa.func.max(counterparties.c.updated_at)
    )
    with engine.connect() as conn:
        return tuple(conn.execute(query).one())


def changed_since(engine: Engine, when: datetime | None) -> list[str]:
    """External ids of the parties added or edited since ``when`` (all when None)."""
    query = sa.select(counterparties.c.external_id).order_by(counterparties.c.id)
    if when is not None:
        query = query.where(counterparties.c.updated_at >= when)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())
