"""SQLAlchemy statements run on SQLite's own connection, for the few on the API's hot path.

SQLAlchemy costs about 40 µs of CPU around each statement it executes (execution context,
result set-up, events) where sqlite3 itself takes a few: the audit group commit runs three per
batch (the chain's tail, the insert, the head's checkpoint) and a batch is written every few
milliseconds under load (issue 19). ``DirectStatement`` compiles a statement once per dialect
and converts its parameters with the columns' own bind processors, exactly as SQLAlchemy would,
then runs it on the DBAPI connection inside the caller's transaction (which SQLAlchemy still
begins and commits). As ``store.users.KeyProbe`` does for the key lookup.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.compiler import SQLCompiler

_Processor = Callable[[Any], Any] | None


class DirectStatement:
    """One statement (``columns``: the columns it sets, for an INSERT or UPDATE; their names
    are the parameters' keys), compiled for each dialect it meets."""

    def __init__(self, statement: sa.sql.ClauseElement, columns: Sequence[sa.Column[Any]] = ()):
        self._statement = statement
        self._columns = tuple(columns)
        self._plans: dict[Dialect, tuple[str, tuple[tuple[str, _Processor], ...], dict[str, Any]]]
        self._plans = {}

    def _plan(
        self, dialect: Dialect
    ) -> tuple[str, tuple[tuple[str, _Processor], ...], dict[str, Any]]:
        plan = self._plans.get(dialect)
        if plan is None:
            keys = [c.key for c in self._columns] or None
            compiled = self._statement.compile(dialect=dialect, column_keys=keys)
            assert isinstance(compiled, SQLCompiler)
            types = compiled.binds
            names = tuple(compiled.positiontup or ())
            processors = tuple(
                (name, types[name].type.dialect_impl(dialect).bind_processor(dialect))
                for name in names
            )
            plan = (str(compiled), processors, dict(compiled.params))
            self._plans[dialect] = plan
        return plan

    def _args(
        self, plan: tuple[str, tuple[tuple[str, _Processor], ...], dict[str, Any]], values: Any
    ) -> tuple[Any, ...]:
        _, processors, literals = plan
        args = []
        for name, processor in processors:
            value = values[name] if name in values else literals[name]
            args.append(value if processor is None else processor(value))
        return tuple(args)

    def run(self, conn: Connection, values: Mapping[str, Any] | None = None) -> sqlite3.Cursor:
        """Run once inside ``conn``'s transaction; the sqlite3 cursor (rows, rowcount)."""
        plan = self._plan(conn.dialect)
        return _driver(conn).execute(plan[0], self._args(plan, values or {}))

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        plan = self._plan(conn.dialect)
        _driver(conn).executemany(plan[0], [self._args(plan, row) for row in rows])


def applies(conn: Connection) -> bool:
    """Whether ``conn`` is SQLite's (whose DBAPI connection ``DirectStatement`` runs on)."""
    return conn.dialect.name == "sqlite"


def _driver(conn: Connection) -> sqlite3.Connection:
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver
