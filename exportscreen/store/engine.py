"""Engines that behave the same on SQLite and PostgreSQL, and the transaction that writers use.

SQLite needs three things PostgreSQL gives by default: foreign keys enforced, readers that do not
block on a writer (WAL), and a writer that waits for another one instead of failing at once (busy
timeout). Python's sqlite3 driver also starts transactions lazily, on the first write, which would
let an import read stale data before its first write; so the driver's own transaction handling is
turned off and BEGIN is emitted here, ``BEGIN IMMEDIATE`` for writers (see ``locking``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

# Re-exported: modules outside store/ hold engines and pass them back to store/, which alone
# talks SQL; they name the type from here.
from sqlalchemy.engine import Connection as Connection
from sqlalchemy.engine import Engine as Engine
from sqlalchemy.pool import ConnectionPoolEntry

from exportscreen.store.errors import StoreError

# An execution option: this connection's transactions take the write lock when they begin.
SQLITE_WRITER = "exportscreen_sqlite_writer"


def create_engine(url: str, *, lock_timeout: float) -> Engine:
    """An engine for ``url``; ``lock_timeout`` (seconds) bounds every wait for a lock."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as error:
        raise StoreError(f"not a database URL: {url!r}") from error
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, lock_timeout)
    try:
        return sa.create_engine(parsed, pool_pre_ping=True)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as error:
        raise StoreError(f"cannot use database URL {parsed!r}: {error}") from error


def _sqlite_engine(url: sa.URL, lock_timeout: float) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # sqlite3's timeout is SQLite's busy timeout: how long a statement waits for a lock.
    engine = sa.create_engine(url, connect_args={"timeout": lock_timeout})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see module docstring
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL is durable against application crashes and much faster on commit.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        writer = connection.get_execution_options().get(SQLITE_WRITER, False)
        statement = "BEGIN IMMEDIATE" if writer else "BEGIN"
        # On sqlite3's own connection: ``exec_driver_sql`` spends tens of microseconds of CPU
        # around a statement (execution context, result, events; see ``sqlite_direct``), here
        # for one with no result and no parameters, which every transaction on SQLite runs
        # (every audit batch of the API's, issue 19). SQLAlchemy does not wrap
        # what a "begin" listener raises: a held write lock is wrapped here as it was there
        # (an OperationalError, ``errors.DatabaseUnavailable``).
        driver = connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        try:
            driver.execute(statement)
        except sqlite3.Error as error:
            raise sa.exc.DBAPIError.instance(statement, (), error, sqlite3.Error) from error

    return engine
