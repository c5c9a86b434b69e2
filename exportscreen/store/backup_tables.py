"""The tables a backup holds, read in one snapshot and written back in one transaction.

``ops.backup`` owns the file format (header, lines, digest) and its checks; this module is the
database side: which tables, in which order, each row as JSON-ready values and back to the
column types, the restore itself, and a scratch copy of the audit chain for ``audit.verify``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.errors import StoreError
from exportscreen.store.locking import write_transaction
from exportscreen.store.schema import (
    alerts,
    api_keys,
    audit_checkpoints,
    audit_log,
    counterparties,
    decisions,
    ownership,
    suppressions,
    users,
)

# Parents before children, so that rows can be inserted in file order under foreign keys.
TABLES: tuple[sa.Table, ...] = (
    users,
    api_keys,
    counterparties,
    alerts,
    decisions,
    suppressions,
    ownership,
    audit_log,
    audit_checkpoints,
)
TABLE_NAMES: tuple[str, ...] = tuple(table.name for table in TABLES)
AUDIT_TABLE = audit_log.name
CHECKPOINT_TABLE = audit_checkpoints.name
_BY_NAME = {table.name: table for table in TABLES}
_INSERT_BATCH = 1000


class BadValue(ValueError):
    """A backed-up value that does not fit its column; ``field`` names the column."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class DuplicateAuditRecord(StoreError):
    """Two audit records with one sequence number."""


class Snapshot:
    """The backed-up tables as of one moment."""

    def __init__(self, connection: Connection):
        self._connection = connection

    def counts(self) -> dict[str, int]:
        return {
            table.name: self._connection.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
            for table in TABLES
        }

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        """The rows of table ``name`` by primary key, as JSON-ready values."""
        table = _BY_NAME[name]
        for row in self._connection.execute(sa.select(table).order_by(*table.primary_key)):
            yield {key: _plain_value(value) for key, value in row._mapping.items()}


@contextmanager
def snapshot(engine: Engine) -> Iterator[Snapshot]:
    # PostgreSQL's default READ COMMITTED gives each statement a new snapshot; a backup needs one
    # for all. SQLite's deferred read transaction already keeps its first snapshot (WAL).
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield Snapshot(connection)


def _plain_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # exact: ownership shares are decimals, not floats
    return value


def typed_row(name: str, row: Any) -> dict[str, Any]:
    """A backed-up row of table ``name`` in its columns' types; BadValue for what does not fit
    (an unknown table is the caller's to refuse: ``TABLE_NAMES``)."""
    table = _BY_NAME[name]
    if not isinstance(row, dict):
        raise BadValue("row", "not an object")
    unknown = sorted(set(row) - set(table.columns.keys()))
    if unknown:
        raise BadValue(unknown[0], f"no such column in {table.name}")
    typed: dict[str, Any] = {}
    for column in table.columns:
        if column.name not in row:
            if not column.nullable and column.server_default is None:
                raise BadValue(column.name, f"missing from a {table.name} row")
            continue
        typed[column.name] = _typed_value(column, row[column.name])
    return typed


def _typed_value(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        if not column.nullable:
            raise BadValue(column.name, "null in a column that needs a value")
        return None
    column_type = column.type
    if isinstance(column_type, sa.types.TypeDecorator):  # UTCDateTime: typed by what it wraps
        column_type = column_type.impl_instance
    if isinstance(column_type, sa.JSON):
        return value  # any JSON value is a valid one
    expected = column_type.python_type
    try:
        if expected is datetime:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError("no time zone")
            return moment
        if expected is date:
            return date.fromisoformat(value)
        if expected is Decimal:
            return Decimal(value)
        if expected is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if expected in (int, str) and type(value) is expected:
            return value
        if expected in (dict, list) and isinstance(value, dict | list):
            return value  # JSON columns
    except (TypeError, ValueError, InvalidOperation) as error:
        raise BadValue(column.name, f"not a {expected.__name__}: {value!r} ({error})") from None
    raise BadValue(column.name, f"not a {expected.__name__}: {value!r}")


def restore(
    engine: Engine, rows: Iterable[tuple[str, dict[str, Any]]], *, lock_timeout: float, purpose: str
) -> None:
    """Insert typed rows (table name, row; in ``TABLES`` order) with their ids, in one
    transaction under the write lock. StoreError, before anything is written, when the database
    already holds rows of these tables."""
    with write_transaction(engine, lock_timeout=lock_timeout, purpose=purpose) as connection:
        _refuse_if_not_empty(connection)
        batch: list[dict[str, Any]] = []
        batch_table: sa.Table | None = None
        for name, row in rows:
            table = _BY_NAME[name]
            if batch and (table is not batch_table or len(batch) >= _INSERT_BATCH):
                assert batch_table is not None
                connection.execute(sa.insert(batch_table), batch)
                batch = []
            batch_table = table
            batch.append(row)
        if batch and batch_table is not None:
            connection.execute(sa.insert(batch_table), batch)
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection)


def _refuse_if_not_empty(connection: Connection) -> None:
    held = {
        table.name: count
        for table in TABLES
        if (count := connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    }
    if held:
        what = ", ".join(f"{name}: {count}" for name, count in held.items())
        raise StoreError(
            f"the database already holds rows ({what}); restore a backup into a new, empty database"
        )


def _advance_sequences(connection: Connection) -> None:
    # Rows came with their ids, so PostgreSQL's id sequences never moved: without this the next
    # counterparty or audit record would collide with a restored one.
    for table in TABLES:
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
            )
        )


@dataclass(slots=True)
class ScratchChain:
    """An in-memory copy of the audit table, filled by ``add``, for ``audit.verify(engine)``."""

    engine: Engine
    _pending: list[dict[str, Any]]

    def add(self, row: dict[str, Any]) -> None:
        self._pending.append(row)
        if len(self._pending) >= _INSERT_BATCH:
            self.flush()

    def flush(self) -> None:
        """Write what was added; DuplicateAuditRecord for two records with one seq."""
        if not self._pending:
            return
        try:
            with self.engine.begin() as connection:
                connection.execute(sa.insert(audit_log), self._pending)
        except sa.exc.IntegrityError as error:
            raise DuplicateAuditRecord(f"duplicate audit record: {error.orig}") from None
        self._pending = []


@contextmanager
def scratch_chain() -> Iterator[ScratchChain]:
    engine = sa.create_engine("sqlite://")
    try:
        audit_log.create(engine)
        yield ScratchChain(engine, [])
    finally:
        engine.dispose()
