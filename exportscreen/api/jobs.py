"""Batch screening jobs behind ``/v1/batch`` and the UI's upload page.

A job is a folder under the jobs directory: the uploaded file, the results being written, and a
``status.json`` replaced atomically as the run progresses. Keeping the state on disk rather than
in memory lets any worker process answer a poll or serve the download, whichever one runs the
job. Each process runs its jobs one at a time on a background thread.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from exportscreen.casework import audit_trail as audit
from exportscreen.screening.batch import BatchProgress, run_batch
from exportscreen.screening.screener import Screener
from exportscreen.screening.tabular import ReadLimits, check_limits
from exportscreen.sources.common import SourceError
from exportscreen.store import Store

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed"]
INPUT_SUFFIXES = (".csv", ".tsv", ".txt", ".gz", ".xlsx", ".parquet", ".jsonl", ".ndjson")
RESULT_NAME = "results.csv"
ERRORS_NAME = "results.errors.csv"
_JOB_ID = re.compile(r"[0-9a-f]{32}")
# Progress is written at most this often: a status file per chunk would be wasted I/O.
_PROGRESS_INTERVAL_SECONDS = 0.5


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

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


class JobError(ValueError):
    """An upload that cannot become a job (unknown file type, empty file)."""


class UploadTooLarge(JobError):
    """An upload over the caps once inflated or counted (rows)."""


def _shown(error: SourceError, file_name: str) -> str:
    """The error as the uploader may see it: their file's name, never the server's path."""
    return str(SourceError(file_name, error.line, error.field, error.message))


class JobStore:
    def __init__(
        self, root: Path, store: Store, *, workers: int = 1, limits: ReadLimits | None = None
    ):
        self.root = root
        self.limits = limits
        self.root.mkdir(parents=True, exist_ok=True)
        self._store = store
        self._workers = workers
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-job")
        self._closed = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Ready to run jobs again after ``close`` (an app whose lifespan is entered anew)."""
        with self._lock:
            if self._closed:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-job")
                self._closed = False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._executor.shutdown(wait=False, cancel_futures=True)

    # --- files ----------------------------------------------------------------------------------

    def folder(self, job_id: str) -> Path | None:
        """The job's folder; None for an id that is not one (never a path outside the root)."""
        if not _JOB_ID.fullmatch(job_id):
            return None
        folder = self.root / job_id
        return folder if folder.is_dir() else None

    def get(self, job_id: str) -> JobStatus | None:
        folder = self.folder(job_id)
        if folder is None:
            return None
        try:
            data: dict[str, Any] = json.loads((folder / "status.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return JobStatus(**data)

    def _save(self, folder: Path, status: JobStatus) -> None:
        # Written whole and renamed, so a poll never reads half a status.
        partial = folder / "status.json.partial"
        partial.write_text(json.dumps(asdict(status)), encoding="utf-8")
        partial.replace(folder / "status.json")

    def result_path(self, job_id: str) -> Path | None:
        folder = self.folder(job_id)
        return folder / RESULT_NAME if folder is not None else None

    def errors_path(self, job_id: str) -> Path | None:
        folder = self.folder(job_id)
        return folder / ERRORS_NAME if folder is not None else None

    # --- running --------------------------------------------------------------------------------

    def submit(
        self,
        *,
        owner: str,
        file_name: str,
        upload: BinaryIO,
        screener: Screener,
        version_ids: dict[str, int],
        threshold: float,
        best_only: bool = False,
        caller: audit.Caller | None = None,
        charge: Callable[[int], None] | None = None,
    ) -> JobStatus:
        """Queue the screening of ``upload``; ``caller`` is who the audit record names (by
        default ``owner``, through the API). ``charge`` is given the file's rows (declared or
        estimated) before the job is queued, and may refuse it by raising."""
        suffix = Path(file_name).suffix.lower()
        # A file without a suffix is taken by its content (readers.open_table); one with a
        # suffix must name a table format.
        if suffix and suffix not in INPUT_SUFFIXES:
            raise JobError(
                f"cannot screen a {suffix or 'suffix-less'} file; upload one of "
                + ", ".join(INPUT_SUFFIXES)
            )
        job_id = secrets.token_hex(16)
        folder = self.root / job_id
        folder.mkdir()
        input_path = folder / f"input{suffix}"
        with input_path.open("wb") as handle:
            shutil.copyfileobj(upload, handle, 1 << 20)
        # An empty file is a job like any other: it fails saying the file is empty.
        if self.limits is not None:
            try:
                # The declared sizes, before anything is parsed; rows past the cap and gzip
                # streams inflating past it fail the job when reading reaches them.
                rows = check_limits(input_path, self.limits)
                if charge is not None:
                    charge(rows)
            except SourceError as error:
                shutil.rmtree(folder)
                raise UploadTooLarge(_shown(error, Path(file_name).name[:200])) from None
            except BaseException:
                shutil.rmtree(folder)
                raise
        status = JobStatus(
            id=job_id,
            status="queued",
            file_name=Path(file_name).name[:200],
            owner=owner,
            created_at=datetime.now(UTC).isoformat(),
            threshold=threshold,
        )
        self._save(folder, status)
        who = caller or audit.Caller(owner, audit.Interface.API)
        self._executor.submit(
            self._run, folder, status, who, input_path, screener, version_ids, threshold, best_only
        )
        return status

    def _run(
        self,
        folder: Path,
        status: JobStatus,
        caller: audit.Caller,
        input_path: Path,
        screener: Screener,
        version_ids: dict[str, int],
        threshold: float,
        best_only: bool,
    ) -> None:
        tracker = _ProgressFile(self, folder, replace(status, status="running"))
        final: JobStatus
        try:
            report = run_batch(
                input_path,
                folder / RESULT_NAME,
                screener=screener,
                errors_path=folder / ERRORS_NAME,
                threshold=threshold,
                workers=self._workers,
                best_only=best_only,
                progress=tracker,
                read_limits=self.limits,
            )
        except Exception as error:  # the job fails, the server goes on; the poll says why
            log.exception("batch job %s failed", status.id)
            if isinstance(error, SourceError):
                shown = _shown(error, status.file_name)
            elif isinstance(error, ValueError):
                shown = str(error).replace(str(folder), "<job>")
            else:  # the server log has the details; they may name its files
                shown = f"internal error ({type(error).__name__})"
            final = replace(
                tracker.status,
                status="failed",
                error=shown,
                finished_at=datetime.now(UTC).isoformat(),
            )
        else:
            final = replace(
                tracker.status,
                status="done",
                rows_done=report.rows_read,
                rows_total=report.rows_read,
                hits=report.hits_written,
                bad_rows=report.bad_rows,
                has_errors_file=report.errors_path is not None,
                finished_at=datetime.now(UTC).isoformat(),
            )
            event = audit.batch_event(
                caller,
                report,
                job=status.id,
                file=status.file_name,
                algorithm=screener.algorithm,
                threshold=threshold,
                list_versions=version_ids,
            )
            audit.write(audit.StoreSink(self._store.engine), event)
        self._save(folder, final)


class _ProgressFile:
    """run_batch's progress callback: the latest counts, saved now and then."""

    def __init__(self, jobs: JobStore, folder: Path, status: JobStatus):
        self._jobs = jobs
        self._folder = folder
        self.status = status
        self._saved_at = time.monotonic()
        jobs._save(folder, status)

    def __call__(self, update: BatchProgress) -> None:
        self.status = replace(
            self.status,
            rows_done=update.rows_done,
            rows_total=update.rows_total,
            hits=update.hits,
            bad_rows=update.bad_rows,
        )
        now = time.monotonic()
        if now - self._saved_at >= _PROGRESS_INTERVAL_SECONDS:
            self._saved_at = now
            self._jobs._save(self._folder, self.status)
