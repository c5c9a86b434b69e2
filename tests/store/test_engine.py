"""SQLite behaves like PostgreSQL where the store relies on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from exportscreen.store import Store
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
