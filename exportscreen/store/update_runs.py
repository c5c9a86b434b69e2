"""The ``update_runs`` table, the log of list updates; this module is its only reader and writer.

One row per list an update attempt concerned, and one per run (``list`` NULL) that the scheduler
claims before it starts and finishes when it is done. What the statuses mean is ``ops.status``'
and ``ops.scheduler``'s; here they are strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.locking import write_transaction
from exportscreen.store.schema import update_runs


@dataclass(frozen=True, slots=True)
class UpdateRunRow:
    """One logged attempt (``list`` None: a whole run)."""

    started_at: datetime
    finished_at: datetime | None
    status: str
    list: str | None
    error: str | None
    version_id: int | None


def _row(row: sa.Row[tuple[object, ...]]) -> UpdateRunRow:
    return UpdateRunRow(
        row.started_at, row.finished_at, row.status, row.list, row.error, row.version_id
    )


def append(
    engine: Engine, runs: Sequence[UpdateRunRow], *, connection: Connection | None = None
) -> None:
    """Log ``runs`` (on ``connection`` when given, in the caller's transaction; else in a
    transaction of their own)."""
    if not runs:
        return
    values = [
        {
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "status": run.status,
            "list": run.list,
            "error": run.error,
            "version_id": run.version_id,
        }
        for run in runs
    ]
    if connection is not None:
        connection.execute(sa.insert(update_runs), values)
        return
    with engine.begin() as own:
        own.execute(sa.insert(update_runs), values)


def latest_of_each_list(
    engine: Engine, *, failed: str, statuses: Sequence[str]
) -> list[UpdateRunRow]:
    """For each list (and for whole runs, ``list`` None), its latest attempt of status
    ``failed`` and its latest of the other ``statuses``.

    The log grows by a row per list per run forever, so only those two rows per list are read
    (a window function, on SQLite and PostgreSQL alike)."""
    is_failed = update_runs.c.status == failed
    rank = (
        sa.func.row_number()
        .over(
            partition_by=(update_runs.c.list, is_failed),
            order_by=(update_runs.c.started_at.desc(), update_runs.c.id.desc()),
        )
        .label("rank")
    )
    latest = sa.select(update_runs, rank).where(update_runs.c.status.in_(list(statuses))).subquery()
    with engine.connect() as connection:
        return [
            _row(row) for row in connection.execute(sa.select(latest).where(latest.c.rank == 1))
        ]


def last_run_of_each_list(engine: Engine) -> dict[str, UpdateRunRow]:
    """Each list's most recently logged attempt, whatever its status (by list code)."""
    latest: dict[str, UpdateRunRow] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(update_runs).where(update_runs.c.list.is_not(None)).order_by(update_runs.c.id)
        )
        for row in rows:
            latest[row.list] = _row(row)
    return latest


def claim_run(
    engine: Engine,
    started_at: datetime,
    *,
    unless_since: datetime,
    status: str,
    lock_timeout: float,
) -> int | None:
    """Log a whole run as ``status`` (started at ``started_at``), unless one started after
    ``unless_since``. Under the store's write lock, so that two workers cannot both see no
    recent claim and both run. Returns the claim's row id, None when skipped; StoreBusyError
    when the lock is not had within ``lock_timeout``."""
    with write_transaction(
        engine, lock_timeout=lock_timeout, purpose="claiming an update"
    ) as connection:
        latest = connection.execute(
            sa.select(sa.func.max(update_runs.c.started_at)).where(update_runs.c.list.is_(None))
        ).scalar_one_or_none()
        if latest is not None and latest > unless_since:
            return None
        claim_id: int = connection.execute(
            sa.insert(update_runs)
            .values(started_at=started_at, status=status, list=None)
            .returning(update_runs.c.id)
        ).scalar_one()
        return claim_id


def finish_run(engine: Engine, run_id: int, status: str, error: str | None) -> None:
    """Mark a claimed run finished now, with its outcome."""
    with engine.begin() as connection:
        connection.execute(
            sa.update(update_runs)
            .where(update_runs.c.id == run_id)
            .values(finished_at=datetime.now(UTC), status=status, error=error)
        )
