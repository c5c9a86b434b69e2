"""Batch screening jobs behind ``/v1/batch`` and the UI's upload page.

A job's files (the upload, the results) are a folder under the jobs directory; its state is a
row of the store (``store.batch_jobs``), so that any worker process answers a poll or serves the
download, and a job outlives the worker that ran it. Each process runs one job at a time on a
background thread, holding a lease on it that it renews while the job runs. A worker that dies
(killed, out of memory) stops renewing: once the lease has run out, any worker takes the job
again from the start, and the job's notes say so. The run's end and its audit record commit in
one transaction, so a job is recorded once however often it ran.

The jobs folder has a size budget (an upload that would exceed it, or a full disk, is refused
with ``JobsFull``: 507, and leaves nothing behind) and a retention period, after which finished
jobs are deleted with their files; folders without a job (left by a crash) go too.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Literal

from exportscreen import settings
from exportscreen.casework import audit_trail as audit
from exportscreen.casework.evidence import reference
from exportscreen.screening.batch import QUALIFIER_ROLES, BatchProgress, run_batch
from exportscreen.screening.screener import Screener
from exportscreen.screening.tabular import ReadLimits, check_limits
from exportscreen.sources.common import SourceError
from exportscreen.store import Store
from exportscreen.store import batch_jobs as stored_jobs

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed"]
INPUT_SUFFIXES = (".csv", ".tsv", ".txt", ".gz", ".xlsx", ".parquet", ".jsonl", ".ndjson")
RESULT_NAME = "results.csv"
ERRORS_NAME = "results.errors.csv"
_JOB_ID = re.compile(r"[0-9a-f]{32}")
# The roles a file's columns can be mapped to (``submit(columns=...)``).
COLUMN_ROLES = ("name", "id", "country", "type", *QUALIFIER_ROLES)
_STAGED_OWNER = "owner.txt"  # in a staged upload's folder: the user who staged it
# Progress and the lease are saved at most this often while a job runs.
_PROGRESS_INTERVAL_SECONDS = 0.5
# A folder with no job row is left alone this long: its upload may still be arriving.
_ORPHAN_GRACE = timedelta(hours=1)
_SWEEP_EVERY_SECONDS = 60.0

# The screener and list versions a worker runs a job with: the current ones, or None while none
# is loaded.
CurrentLists = Callable[[], tuple[Screener, Mapping[str, int]] | None]


@dataclass(frozen=True, slots=True)
class JobStatus:
    id: str
    status: JobState
    file_name: str
    owner: str
    created_at: str
    rows_done: int = 0
    rows_total: int | None = None
    hits: int = 0
    bad_rows: int = 0
    finished_at: str | None = None
    error: str | None = None
    has_errors_file: bool = False
    threshold: float | None = None
    attempts: int = 0
    notes: tuple[str, ...] = ()
    best_only: bool = False
    columns: Mapping[str, str] = field(default_factory=dict)  # role -> the file's column
    # The evidence reference of a finished run (``casework.evidence``): its audit record.
    reference: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


class JobError(ValueError):
    """An upload that cannot become a job (unknown file type, empty file)."""


class JobsFull(JobError):
    """The jobs folder is at its size budget, or its disk is full: 507."""


def _status(row: stored_jobs.BatchJobRow) -> JobStatus:
    state: JobState = row.status  # type: ignore[assignment]  # checked by the table
    return JobStatus(
        id=row.id,
        status=state,
        file_name=row.file_name,
        owner=row.owner,
        created_at=row.created_at.isoformat(),
        rows_done=row.rows_done,
        rows_total=row.rows_total,
        hits=row.hits,
        bad_rows=row.bad_rows,
        finished_at=row.finished_at.isoformat() if row.finished_at else None,
        error=row.error,
        has_errors_file=row.has_errors_file,
        threshold=row.threshold,
        attempts=row.attempts,
        notes=tuple(row.notes),
        best_only=row.best_only,
        columns=dict(row.columns or {}),
        reference=reference(row.audit_seq) if row.audit_seq is not None else None,
    )


def folder_bytes(root: Path) -> int:
    """Bytes held under ``root`` (files that vanish meanwhile count as nothing)."""
    total = 0
    for path in root.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:
            continue
    return total


class UploadTooLarge(JobError):
    """An upload over the caps once inflated or counted (rows)."""


def _shown(error: SourceError, file_name: str) -> str:
    """The error as the uploader may see it: their file's name, never the server's path."""
    return str(SourceError(file_name, error.line, error.field, error.message))


class JobStore:
    def __init__(
        self,
        root: Path,
        store: Store,
        *,
        workers: int = 1,
        current: CurrentLists | None = None,
        lease_seconds: float | None = None,
        retention: timedelta | None = None,
        max_bytes: int | None = None,
        poll_seconds: float = 1.0,
        start: bool = True,
        limits: ReadLimits | None = None,
    ):
        self.root = root
        self.limits = limits
        self.root.mkdir(parents=True, exist_ok=True)
        self._store = store
        self._workers = workers
        self._current = current
        self.lease = timedelta(
            seconds=settings.API_JOBS_LEASE_SECONDS if lease_seconds is None else lease_seconds
        )
        self.retention = retention or timedelta(hours=settings.API_JOBS_RETENTION_HOURS)
        self.max_bytes = settings.API_JOBS_MAX_BYTES if max_bytes is None else max_bytes
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # The screener each job submitted here was asked against (a job taken over from a dead
        # worker runs with this worker's current lists instead).
        self._local: dict[str, tuple[Screener, Mapping[str, int]]] = {}
        self._lock = threading.Lock()
        self._poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._swept_at = 0.0
        self._thread: threading.Thread | None = None
        if start:
            self._thread = threading.Thread(target=self._dispatch, daemon=True, name="batch-jobs")
            self._thread.start()

    def start(self) -> None:
        """Run the dispatcher (again after ``close``: an app whose lifespan is entered anew)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._dispatch, daemon=True, name="batch-jobs")
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    # --- files and state ----------------------------------------------------------------------

    def folder(self, job_id: str) -> Path | None:
        """The job's folder; None for an id that is not one (never a path outside the root)."""
        if not _JOB_ID.fullmatch(job_id):
            return None
        folder = self.root / job_id
        return folder if folder.is_dir() else None

    def get(self, job_id: str) -> JobStatus | None:
        if not _JOB_ID.fullmatch(job_id):
            return None
        row = stored_jobs.get(self._store.engine, job_id)
        return _status(row) if row is not None else None

    def _receive(
        self, name: str, file_name: str, upload: BinaryIO, *, staged_by: str | None = None
    ) -> Path:
        """Copy an upload into its own folder ``name`` of the jobs area (with the user who
        staged it, for a staged upload), refused whole (nothing kept) for a file type no reader
        takes, or when the area has no room for it."""
        suffix = Path(file_name).suffix.lower()
        # A file without a suffix is taken by its content (readers.open_table); one with a
        # suffix must name a table format.
        if suffix and suffix not in INPUT_SUFFIXES:
            raise JobError(
                f"cannot screen a {suffix} file; upload one of {', '.join(INPUT_SUFFIXES)}"
            )
        self.sweep()
        room = self.max_bytes - folder_bytes(self.root)
        if room <= 0:
            raise JobsFull(self._full_message())
        folder = self.root / name
        path = folder / f"input{suffix}"
        try:
            folder.mkdir()
            size = _copy_at_most(upload, path, room)
            if staged_by is not None:
                (folder / _STAGED_OWNER).write_text(staged_by, encoding="utf-8")
        except OSError as error:
            shutil.rmtree(folder, ignore_errors=True)
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise JobsFull("the disk of the jobs folder is full; retry later") from None
            raise
        if size is None:
            shutil.rmtree(folder, ignore_errors=True)
            raise JobsFull(self._full_message())
        return path

    # --- staged uploads: a file held for its column mapping before it becomes a job -----------

    def stage(self, *, owner: str, file_name: str, upload: BinaryIO) -> tuple[str, Path]:
        """Keep an upload, under the same checks as ``submit`` (file type, the folder's budget,
        the read limits), until its owner maps its columns; returns its token and path. A staged
        upload nobody submits is swept as an orphan folder (after an hour)."""
        token = secrets.token_hex(16)
        path = self._receive(token, file_name, upload, staged_by=owner)
        folder = path.parent
        if self.limits is not None:
            try:
                check_limits(path, self.limits)
            except SourceError as error:
                shutil.rmtree(folder, ignore_errors=True)
                raise UploadTooLarge(_shown(error, Path(file_name).name[:200])) from None
        return token, path

    def staged(self, token: str, owner: str) -> Path | None:
        """The file ``owner`` staged under ``token``; None for another's, or one gone."""
        folder = self.folder(token)
        if folder is None or stored_jobs.get(self._store.engine, token) is not None:
            return None
        try:
            if (folder / _STAGED_OWNER).read_text(encoding="utf-8") != owner:
                return None
        except OSError:
            return None
        inputs = [p for p in folder.iterdir() if p.name.startswith("input")]
        return inputs[0] if len(inputs) == 1 else None

    def drop_staged(self, token: str) -> None:
        folder = self.folder(token)
        if folder is not None and stored_jobs.get(self._store.engine, token) is None:
            shutil.rmtree(folder, ignore_errors=True)

    def of_owner(self, owner: str, limit: int = 50) -> list[JobStatus]:
        """The owner's jobs, newest first."""
        return [_status(r) for r in stored_jobs.of_owner(self._store.engine, owner, limit)]

    def result_path(self, job_id: str) -> Path | None:
        folder = self.folder(job_id)
        return folder / RESULT_NAME if folder is not None else None

    def errors_path(self, job_id: str) -> Path | None:
        folder = self.folder(job_id)
        return folder / ERRORS_NAME if folder is not None else None

    # --- submitting ---------------------------------------------------------------------------

    def submit(
        self,
        *,
        owner: str,
        file_name: str,
        upload: BinaryIO,
        screener: Screener,
        version_ids: Mapping[str, int],
        threshold: float,
        best_only: bool = False,
        caller: audit.Caller | None = None,
        charge: Callable[[int], None] | None = None,
        columns: Mapping[str, str] | None = None,
    ) -> JobStatus:
        """Queue the screening of ``upload``; ``caller`` is who the audit record names (by
        default ``owner``, through the API). ``charge`` is given the file's rows (declared or
        estimated) before the job is queued, and may refuse it by raising. ``columns`` names the
        file's column for each role (``COLUMN_ROLES``: name, id, country, type, date_of_birth,
        nationality, identifier, address); others are found by their usual names. JobError for
        a file that cannot be screened, UploadTooLarge for one over the caps, JobsFull (nothing
        kept) when the jobs folder has no room for it."""
        unknown = sorted(set(columns or {}) - set(COLUMN_ROLES))
        if unknown:
            raise JobError(f"unknown column roles {unknown}; known: {', '.join(COLUMN_ROLES)}")
        job_id = secrets.token_hex(16)
        input_path = self._receive(job_id, file_name, upload)
        folder = input_path.parent
        # An empty file is a job like any other: it fails saying the file is empty.
        if self.limits is not None:
            try:
                # The declared sizes, before anything is parsed; rows past the cap and gzip
                # streams inflating past it fail the job when reading reaches them.
                rows = check_limits(input_path, self.limits)
                if charge is not None:
                    charge(rows)
            except SourceError as error:
                shutil.rmtree(folder, ignore_errors=True)
                raise UploadTooLarge(_shown(error, Path(file_name).name[:200])) from None
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        who = caller or audit.Caller(owner, audit.Interface.API)
        with self._lock:
            self._local[job_id] = (screener, dict(version_ids))
        try:
            row = stored_jobs.create(
                self._store.engine,
                job_id=job_id,
                owner=owner,
                file_name=Path(file_name).name[:200],
                input_name=input_path.name,
                created_at=datetime.now(UTC),
                threshold=threshold,
                best_only=best_only,
                caller={"user": who.user, **who.fields()},
                size_bytes=input_path.stat().st_size,
                columns={k: v for k, v in (columns or {}).items() if v},
            )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            with self._lock:
                self._local.pop(job_id, None)
            raise
        self._wake.set()
        return _status(row)

    def _full_message(self) -> str:
        budget = f"{self.max_bytes / 1024**2:,.0f} MiB"
        return (
            f"the jobs folder is full (its budget is {budget}); retry once finished jobs are "
            f"deleted (after {self.retention.total_seconds() / 3600:g} hours) or ask an admin"
        )

    # --- running ------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_next()
                if time.monotonic() - self._swept_at > _SWEEP_EVERY_SECONDS:
                    self.sweep()
            except Exception:  # the dispatcher must outlive any one failure; the log says why
                log.exception("batch job dispatcher")
                ran = False
            if not ran:
                self._wake.wait(self._poll_seconds)
                self._wake.clear()

    def run_next(self, now: datetime | None = None) -> bool:
        """Take one job (queued, or left by a dead worker) and run it; False if none."""
        current = self._current() if self._current is not None else None
        with self._lock:
            local = list(self._local)
        if current is None and not local:
            return False
        moment = now or datetime.now(UTC)
        # Without lists of its own, this worker can only run the jobs submitted to it.
        only = local if current is None else ()
        job = stored_jobs.claim(self._store.engine, self.holder, self.lease, moment, only=only)
        if job is None:
            return False
        with self._lock:
            screener, version_ids = self._local.pop(job.id, None) or current or (None, {})
        folder = self.root / job.id
        if screener is None or not (folder / job.input_name).is_file():
            self._end(job, "failed", error="the uploaded file is gone from the jobs folder")
            return True
        self._run(job, folder, screener, version_ids)
        return True

    def _run(
        self,
        job: stored_jobs.BatchJobRow,
        folder: Path,
        screener: Screener,
        version_ids: Mapping[str, int],
    ) -> None:
        # What an earlier, killed run left (half-written outputs) goes before this one starts.
        for leftover in folder.iterdir():
            if leftover.name != job.input_name:
                leftover.unlink(missing_ok=True)
        if (folder / job.input_name).stat().st_size == 0:
            self._end(job, "failed", error="the uploaded file is empty")
            return
        lease = _Lease(self, job.id)
        lease.start()
        try:
            report = run_batch(
                folder / job.input_name,
                folder / RESULT_NAME,
                screener=screener,
                errors_path=folder / ERRORS_NAME,
                threshold=job.threshold,
                workers=self._workers,
                best_only=job.best_only,
                id_col=job.columns.get("id"),
                name_col=job.columns.get("name"),
                country_col=job.columns.get("country"),
                type_col=job.columns.get("type"),
                qualifier_cols={r: job.columns.get(r) for r in QUALIFIER_ROLES},
                progress=lease.progress,
                read_limits=self.limits,
            )
        except Exception as error:  # the job fails, the server goes on; the poll says why
            lease.stop()
            log.exception("batch job %s failed", job.id)
            if isinstance(error, SourceError):
                message = _shown(error, job.file_name)
            elif isinstance(error, ValueError):
                message = str(error).replace(str(folder), "<job>")
            else:  # the server log has the details; they may name its files
                message = f"internal error ({type(error).__name__})"
            progress = lease.latest
            self._end(
                job,
                "failed",
                error=message,
                rows_done=progress.rows_done,
                rows_total=progress.rows_total,
                hits=progress.hits,
                bad_rows=progress.bad_rows,
            )
            return
        lease.stop()
        caller = job.caller
        event = audit.batch_event(
            audit.Caller(
                str(caller["user"]),
                audit.Interface(caller["interface"]),
                caller.get("role"),
                caller.get("key_id"),
            ),
            report,
            job=job.id,
            file=job.file_name,
            algorithm=screener.algorithm,
            threshold=job.threshold,
            list_versions=dict(version_ids),
        )
        self._end(
            job,
            "done",
            event=event,
            rows_done=report.rows_read,
            rows_total=report.rows_read,
            hits=report.hits_written,
            bad_rows=report.bad_rows,
            has_errors_file=report.errors_path is not None,
        )

    def _end(
        self,
        job: stored_jobs.BatchJobRow,
        status: str,
        *,
        event: audit.AuditEvent | None = None,
        error: str | None = None,
        **fields: int | bool | None,
    ) -> None:
        """The run's end and its audit record, in one transaction: a job whose lease another
        worker took meanwhile is left to that worker, and recorded once."""
        with audit.writing(self._store.engine) as conn:
            ended = stored_jobs.finish(
                conn,
                job.id,
                self.holder,
                status,
                finished_at=datetime.now(UTC),
                error=error,
                **fields,
            )
            if ended and event is not None:
                written = audit.record(conn, event.actor, event.action, event.payload)
                # The job names its record: the API and the UI show its evidence reference.
                stored_jobs.record_audit(conn, job.id, written.seq)
        if not ended:
            log.warning("batch job %s was taken over by another worker; result left to it", job.id)

    # --- retention ------------------------------------------------------------------------------

    def sweep(self, now: datetime | None = None) -> list[str]:
        """Delete the jobs finished longer ago than the retention period, with their folders,
        and folders no job owns (older than an hour); returns the job ids deleted."""
        moment = now or datetime.now(UTC)
        self._swept_at = time.monotonic()
        engine = self._store.engine
        expired = stored_jobs.finished_before(engine, moment - self.retention)
        for job_id in expired:
            shutil.rmtree(self.root / job_id, ignore_errors=True)
        stored_jobs.delete(engine, expired)
        known = stored_jobs.all_ids(engine)
        for folder in self.root.iterdir():
            if not folder.is_dir() or not _JOB_ID.fullmatch(folder.name) or folder.name in known:
                continue
            try:
                age = moment - datetime.fromtimestamp(folder.stat().st_mtime, UTC)
            except OSError:
                continue
            if age > _ORPHAN_GRACE:
                shutil.rmtree(folder, ignore_errors=True)
        return expired


def _copy_at_most(upload: BinaryIO, path: Path, limit: int) -> int | None:
    """Copy ``upload`` to ``path``; its size, or None (the file removed) beyond ``limit``."""
    written = 0
    with path.open("wb") as handle:
        while block := upload.read(1 << 20):
            written += len(block)
            if written > limit:
                break
            handle.write(block)
    if written > limit:
        path.unlink(missing_ok=True)
        return None
    return written


class _Lease:
    """Renews a running job's lease (and saves its progress) until stopped: from run_batch's
    progress callback, and from a thread of its own for the stretches between callbacks."""

    def __init__(self, jobs: JobStore, job_id: str):
        self._jobs = jobs
        self._job_id = job_id
        self._latest = BatchProgress(0, None, 0, 0)
        self._saved_at = 0.0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="batch-lease")
        self._guard = threading.Lock()

    def start(self) -> None:
        self._renew()
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)

    @property
    def latest(self) -> BatchProgress:
        return self._latest

    def progress(self, update: BatchProgress) -> None:
        self._latest = update
        if time.monotonic() - self._saved_at >= _PROGRESS_INTERVAL_SECONDS:
            self._renew()

    def _beat(self) -> None:
        interval = max(0.05, self._jobs.lease.total_seconds() / 3)
        while not self._stopped.wait(interval):
            self._renew()

    def _renew(self) -> None:
        with self._guard:
            self._saved_at = time.monotonic()
            latest = self._latest
            stored_jobs.renew(
                self._jobs._store.engine,
                self._job_id,
                self._jobs.holder,
                datetime.now(UTC) + self._jobs.lease,
                rows_done=latest.rows_done,
                rows_total=latest.rows_total,
                hits=latest.hits,
                bad_rows=latest.bad_rows,
            )


__all__ = ["JobError", "JobStatus", "JobStore", "JobsFull", "folder_bytes"]
