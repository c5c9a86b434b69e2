"""The ``rescreen_jobs`` table: a re-screen of the register as a job with a persisted cursor;
this module is its only writer.

A job's ``plan`` lists the counterparties to screen in order; ``done`` counts those already
screened. ``advance`` moves the cursor inside the caller's transaction (the one that writes a
part's alerts and its audit record), and only if it still stands where the caller started, so a
part is counted once even when two processes resume the same job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.errors import StoreError
from exportscreen.store.schema import rescreen_jobs


class CursorMoved(StoreError):
    """Another process advanced the job meanwhile: the part just screened is not counted."""


@dataclass(frozen=True, slots=True)
class RescreenJob:
    id: int
    actor: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    from_versions: Mapping[str, int]
    to_versions: Mapping[str, int]
    plan: Mapping[str, Any]
    done: int
    total: int
    totals: Mapping[str, Any]
    resumed: int


def _job(row: Any) -> RescreenJob:
    return RescreenJob(
        row.id,
        row.actor,
        row.status,
        row.started_at,
        row.finished_at,
        row.from_versions,
        row.to_versions,
        row.plan,
        row.done,
        row.total,
        row.totals,
        row.resumed,
    )


def create(
    conn: Connection,
    *,
    actor: str,
    from_versions: Mapping[str, int],
    to_versions: Mapping[str, int],
    plan: Mapping[str, Any],
    total: int,
    totals: Mapping[str, Any],
) -> RescreenJob:
    now = datetime.now(UTC)
    result = conn.execute(
        rescreen_jobs.insert().values(
            actor=actor,
            status="running",
            started_at=now,
            from_versions=dict(from_versions),
            to_versions=dict(to_versions),
            plan=dict(plan),
            done=0,
            total=total,
            totals=dict(totals),
            resumed=0,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    found = get(conn, int(key[0]))
    assert found is not None
    return found


def get(conn: Connection, job_id: int) -> RescreenJob | None:
    row = conn.execute(sa.select(rescreen_jobs).where(rescreen_jobs.c.id == job_id)).first()
    return _job(row) if row else None


def load(engine: Engine, job_id: int) -> RescreenJob | None:
    with engine.connect() as conn:
        return get(conn, job_id)


def running(engine: Engine) -> RescreenJob | None:
    """The newest job not finished (an interrupted one, or one another process runs)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(rescreen_jobs)
            .where(rescreen_jobs.c.status == "running")
            .order_by(rescreen_jobs.c.id.desc())
            .limit(1)
        ).first()
    return _job(row) if row else None


def advance(
    conn: Connection, job_id: int, *, start: int, end: int, totals: Mapping[str, Any]
) -> None:
    """Move the cursor from ``start`` to ``end`` with the new running ``totals``; CursorMoved if
    it no longer stands at ``start`` (the caller's transaction must then roll back)."""
    moved = conn.execute(
        rescreen_jobs.update()
        .where(
            (rescreen_jobs.c.id == job_id)
            & (rescreen_jobs.c.done == start)
            & (rescreen_jobs.c.status == "running")
        )
        .values(done=end, totals=dict(totals))
    ).rowcount
    if moved != 1:
        raise CursorMoved(f"re-screen job {job_id} moved past {start} in another process")


def mark_resumed(conn: Connection, job_id: int) -> None:
    conn.execute(
        rescreen_jobs.update()
        .where(rescreen_jobs.c.id == job_id)
        .values(resumed=rescreen_jobs.c.resumed + 1)
    )


def finish(conn: Connection, job_id: int, status: str) -> bool:
    """Mark a running job ``complete`` or ``superseded``; False if it was not running."""
    return (
        conn.execute(
            rescreen_jobs.update()
            .where((rescreen_jobs.c.id == job_id) & (rescreen_jobs.c.status == "running"))
            .values(status=status, finished_at=datetime.now(UTC))
        ).rowcount
        == 1
    )
