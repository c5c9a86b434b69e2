"""SQLite behaves like PostgreSQL where the store relies on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from exportscreen.store import Store
from exportscreen.store.audit_log import writer_connection
from exportscreen.store.engine import create_engine
from exportscreen.store.errors import DatabaseUnavailable
from exportscreen.store.schema import update_runs, version_entries
from tests.store.conftest import sqlite_url


@pytest.fixture()
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(sqlite_url(tmp_path)) as store:
        yield store


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(sa.exc.IntegrityError), sqlite_store.engine.begin() as connection:
        connection.execute(
            sa.insert(version_entries), {"version_id": 42, "state_id": 42, "position": 0}
        )


def test_timestamps_come_back_in_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=2))
    with store.engine.begin() as connection:
        run_id = connection.execute(
            sa.insert(update_runs).returning(update_runs.c.id),
            {"started_at": datetime(2025, 3, 25, 12, 0, tzinfo=paris), "status": "running"},
        ).scalar_one()
        started = connection.execute(
            sa.select(update_runs.c.started_at).where(update_runs.c.id == run_id)
        ).scalar_one()
    assert started == datetime(2025, 3, 25, 10, 0, tzinfo=UTC)
    assert started.tzinfo == UTC


def test_naive_timestamps_are_refused(store: Store) -> None:
    with (
        pytest.raises(sa.exc.StatementError, match="naive datetime"),
        store.engine.begin() as connection,
    ):
        connection.execute(
            sa.insert(update_runs), {"started_at": datetime(2025, 3, 25), "status": "running"}
        )


def test_a_held_write_lock_is_database_unavailable_and_the_connection_recovers(
    tmp_path: Path,
) -> None:
    # BEGIN runs on sqlite3's own connection (store.engine): a writer that finds the write lock
    # held must still get SQLAlchemy's OperationalError (DatabaseUnavailable), which the API
    # answers with 503, and its connection must begin again once the lock is free.
    url = sqlite_url(tmp_path)
    Store.open(url).close()  # the schema
    holder = create_engine(url, lock_timeout=5.0)
    waiter = create_engine(url, lock_timeout=0.05)
    try:
        held = writer_connection(holder)
        conn = writer_connection(waiter)
        with held.begin():
            with pytest.raises(DatabaseUnavailable, match="locked"):
                conn.begin()
            assert not conn.in_transaction()
        with conn.begin():
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
        held.close()
        conn.close()
    finally:
        holder.dispose()
        waiter.dispose()
