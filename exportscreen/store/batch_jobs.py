"""The ``batch_jobs`` table: the state of the API's batch jobs; this module is its only writer.

A worker takes a queued job with ``claim`` and holds a lease on it, renewed while it runs
(``renew``). A job whose lease ran out is running nowhere (its worker died or was killed): the
next ``claim`` by any worker takes it again and notes why. Every write of a running job's
state names the lease holder, so a worker that lost its lease cannot overwrite the new run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.schema import batch_jobs

# A job that failed this many runs (each ended by its worker's death) is failed for good: a
# file that kills its worker must not kill every worker in turn.
MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class BatchJobRow:
    id: str
    owner: str
    file_name: str
    input_name: str
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    lease_holder: str | None
    lease_expires_at: datetime | None
    attempts: int
    rows_done: int
    rows_total: int | None
    hits: int
    bad_rows: int
    error: str | None
    has_errors_file: bool
    threshold: float | None
    best_only: bool
    caller: Mapping[str, Any]
    size_bytes: int
    notes: Sequence[str]
    columns: Mapping[str, str]  # role -> the file's column the uploader named for it
    audit_seq: int | None  # the finished run's audit record (its evidence), None before


def _row(row: Any) -> BatchJobRow:
    return BatchJobRow(**{column.name: getattr(row, column.name) for column in batch_jobs.c})


def create(
    engine: Engine,
    *,
    job_id: str,
    owner: str,
    file_name: str,
    input_name: str,
    created_at: datetime,
    threshold: float | None,
    best_only: bool,
    caller: Mapping[str, Any],
    size_bytes: int,
    columns: Mapping[str, str] | None = None,
) -> BatchJobRow:
    values = {
        "id": job_id,
        "owner": owner,
        "file_name": file_name,
        "input_name": input_name,
        "status": "queued",
        "created_at": created_at,
        "attempts": 0,
        "rows_done": 0,
        "hits": 0,
        "bad_rows": 0,
        "has_errors_file": False,
        "threshold": threshold,
        "best_only": best_only,
        "caller": dict(caller),
        "size_bytes": size_bytes,
        "notes": [],
        "columns": dict(columns or {}),
    }
    with engine.begin() as conn:
        conn.execute(batch_jobs.insert().values(**values))
        found = get_in(conn, job_id)
    assert found is not None
    return found


def get_in(conn: Connection, job_id: str) -> BatchJobRow | None:
    row = conn.execute(sa.select(batch_jobs).where(batch_jobs.c.id == job_id)).first()
    return _row(row) if row else None


def get(engine: Engine, job_id: str) -> BatchJobRow | None:
    with engine.connect() as conn:
        return get_in(conn, job_id)


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return (batch_jobs.c.status == "queued") | (
        (batch_jobs.c.status == "running") & (batch_jobs.c.lease_expires_at < now)
    )


def claim(
    engine: Engine, holder: str, lease: timedelta, now: datetime, *, only: Sequence[str] = ()
) -> BatchJobRow | None:
    """Take the oldest queued job, or a running one whose lease ran out (``only``: among these
    ids), for ``lease``; None when there is none. A job re-taken is noted as such, and failed
    for good after MAX_ATTEMPTS runs."""
    query = sa.select(batch_jobs).where(_claimable(now)).order_by(batch_jobs.c.created_at)
    if only:
        query = query.where(batch_jobs.c.id.in_(list(only)))
    with engine.connect() as conn:
        candidates = [_row(r) for r in conn.execute(query.limit(10))]
    for job in candidates:
        notes = list(job.notes)
        if job.status == "running":
            assert job.lease_expires_at is not None
            notes.append(
                f"run {job.attempts} stopped without finishing (its worker {job.lease_holder} "
                f"died; lease expired {job.lease_expires_at.isoformat(timespec='seconds')})"
            )
        values: dict[str, Any] = {"notes": notes}
        if job.attempts >= MAX_ATTEMPTS:
            values.update(
                status="failed",
                finished_at=now,
                lease_holder=None,
                lease_expires_at=None,
                error=f"its worker died in each of {job.attempts} runs; not tried again",
            )
        else:
            values.update(
                status="running",
                started_at=now,
                lease_holder=holder,
                lease_expires_at=now + lease,
                attempts=job.attempts + 1,
                rows_done=0,
                hits=0,
                bad_rows=0,
            )
        with engine.begin() as conn:
            taken = conn.execute(
                batch_jobs.update()
                .where((batch_jobs.c.id == job.id) & _claimable(now))
                .where(batch_jobs.c.attempts == job.attempts)
                .values(**values)
            ).rowcount
            found = get_in(conn, job.id) if taken else None
        if found is not None and found.status == "running":
            return found
    return None


def renew(
    engine: Engine,
    job_id: str,
    holder: str,
    until: datetime,
    *,
    rows_done: int,
    rows_total: int | None,
    hits: int,
    bad_rows: int,
) -> bool:
    """Extend the lease and save progress; False if ``holder`` no longer holds the job."""
    with engine.begin() as conn:
        return bool(
            conn.execute(
                batch_jobs.update()
                .where(
                    (batch_jobs.c.id == job_id)
                    & (batch_jobs.c.lease_holder == holder)
                    & (batch_jobs.c.status == "running")
                )
                .values(
                    lease_expires_at=until,
                    rows_done=rows_done,
                    rows_total=rows_total,
                    hits=hits,
                    bad_rows=bad_rows,
                )
            ).rowcount
        )


def finish(conn: Connection, job_id: str, holder: str, status: str, **fields: Any) -> bool:
    """End the run held by ``holder`` as ``status`` (in the caller's transaction, with the audit
    record of the run); False, and nothing written, if the lease was lost."""
    return bool(
        conn.execute(
            batch_jobs.update()
            .where(
                (batch_jobs.c.id == job_id)
                & (batch_jobs.c.lease_holder == holder)
                & (batch_jobs.c.status == "running")
            )
            .values(status=status, lease_holder=None, lease_expires_at=None, **fields)
        ).rowcount
    )


def record_audit(conn: Connection, job_id: str, seq: int) -> None:
    """Name the audit record of the job's finished run (in the transaction that wrote both)."""
    conn.execute(batch_jobs.update().where(batch_jobs.c.id == job_id).values(audit_seq=seq))


def finished_before(engine: Engine, moment: datetime) -> list[str]:
    """Ids of the jobs that finished before ``moment`` (past their retention)."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(batch_jobs.c.id).where(
                    batch_jobs.c.status.in_(["done", "failed"])
                    & (batch_jobs.c.finished_at < moment)
                )
            ).scalars()
        )


def delete(engine: Engine, job_ids: Sequence[str]) -> None:
    if job_ids:
        with engine.begin() as conn:
            conn.execute(batch_jobs.delete().where(batch_jobs.c.id.in_(list(job_ids))))


def all_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(batch_jobs.c.id)).scalars())


def of_owner(engine: Engine, owner: str, limit: int = 50) -> list[BatchJobRow]:
    """The owner's jobs, newest first (a user's job history)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(batch_jobs)
            .where(batch_jobs.c.owner == owner)
            .order_by(batch_jobs.c.created_at.desc(), batch_jobs.c.id)
            .limit(limit)
        )
        return [_row(r) for r in rows]
