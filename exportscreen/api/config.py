"""How one API process is configured: passed to ``create_app`` explicitly.

Nothing here reads the environment (``exportscreen.settings`` is the only module that does);
``ApiConfig.from_settings`` takes what settings provides and leaves the rest at these defaults.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import platformdirs

from exportscreen import settings
from exportscreen.ops.status import parse_every

# Names longer than this are not names: capping them bounds the screening cost of one request.
MAX_NAME_LENGTH = 300
# A JSON request (screen, determine, match) is small; batch uploads have their own, larger cap.
DEFAULT_MAX_BODY_BYTES = 256 * 1024
DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ApiConfig:
    db_url: str
    threshold: float = settings.DEFAULT_THRESHOLD
    # The key signing UI session cookies. None: generated once and kept in ``secret_file``, so
    # that every worker on the machine (and a restart) accepts the same cookies.
    session_secret: str | None = None
    secret_file: Path | None = None
    session_max_age_seconds: int = 8 * 3600
    # The browser sends the session cookie over HTTPS only (TLS in front of the server); False
    # only for plain HTTP on a loopback address (see ``serve``).
    cookie_secure: bool = True
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    # Per API key (or UI user): a token bucket refilled at rate_per_second up to rate_burst.
    # Each worker process keeps its own buckets.
    rate_per_second: float = 100.0
    rate_burst: int = 200
    # Per API key (or UI user), in screened names weighted by how low their threshold goes
    # (limits.work_units): /v1/screen is one, a /match its names, a CSL name search one.
    # Refilled at work_per_second up to work_burst; no one request may cost more than the burst.
    # Batch uploads draw on a budget of rows of their own, estimated at upload: a large one
    # leaves the key in debt until refilled. Each worker process keeps its own budgets.
    work_per_second: float = 200.0
    work_burst: int = 2_000
    batch_rows_per_second: float = 1_000.0
    batch_rows_burst: int = 1_000_000
    # Requests being handled at once in this process beyond which new ones are refused (503):
    # queueing more only raises everyone's latency once the CPU is saturated.
    max_in_flight: int = 16
    # Requests without a valid API key (UI pages, docs, strangers) have their own places: this
    # many at once in this process, this many from one client address.
    anonymous_in_flight: int = 32
    anonymous_per_address: int = 8
    # Seconds a JSON request body may take to arrive (uploads get more, by their size): 408 after.
    body_seconds: float = 10.0
    # How often a worker asks the store whether a list version changed (one small query).
    reload_check_seconds: float = 5.0
    # Batch jobs: files and status, on disk so that any worker can answer a poll.
    jobs_dir: Path = field(
        default_factory=lambda: Path(tempfile.gettempdir()) / "exportscreen-jobs"
    )
    batch_workers: int = 1
    # Finished jobs are deleted after this long; the jobs folder holds at most jobs_max_bytes;
    # a job whose worker stops renewing its lease for jobs_lease_seconds runs again elsewhere.
    jobs_retention: timedelta = field(
        default_factory=lambda: timedelta(hours=settings.API_JOBS_RETENTION_HOURS)
    )
    jobs_max_bytes: int = field(default_factory=lambda: settings.API_JOBS_MAX_BYTES)
    jobs_lease_seconds: float = field(default_factory=lambda: settings.API_JOBS_LEASE_SECONDS)
    # What one upload may hold: rows, and bytes once inflated (XLSX, gzip'd CSV, Parquet).
    max_upload_rows: int = 1_000_000
    max_inflated_bytes: int = 256 * 1024 * 1024
    # Scheduled list updates in this server (None: none); the workers agree through the store
    # which one runs each cycle. ``mirror`` replaces the official hosts (air-gapped sites).
    update_every: timedelta | None = None
    mirror: str = ""

    @classmethod
    def from_settings(cls, db_url: str | None = None) -> ApiConfig:
        config = cls(
            db_url=settings.db_url(db_url),
            session_secret=settings.API_SESSION_SECRET or None,
            cookie_secure=settings.API_COOKIE_SECURE,
            rate_per_second=settings.API_RATE_PER_SECOND,
            rate_burst=settings.API_RATE_BURST,
            max_in_flight=settings.API_MAX_IN_FLIGHT,
            work_per_second=settings.API_WORK_PER_SECOND,
            work_burst=settings.API_WORK_BURST,
            batch_rows_per_second=settings.API_BATCH_ROWS_PER_SECOND,
            batch_rows_burst=settings.API_BATCH_ROWS_BURST,
            max_upload_rows=settings.API_MAX_UPLOAD_ROWS,
            max_inflated_bytes=settings.API_MAX_INFLATED_BYTES,
            update_every=parse_every(settings.UPDATE_EVERY) if settings.UPDATE_EVERY else None,
            mirror=settings.MIRROR_URL,
        )
        if settings.API_JOBS_DIR:
            config = replace(config, jobs_dir=Path(settings.API_JOBS_DIR))
        return config


def session_secret(config: ApiConfig) -> str:
    """The configured secret, else the one stored in the secret file, created on first use."""
    if config.session_secret:
        return config.session_secret
    path = config.secret_file or Path(platformdirs.user_data_dir("exportscreen")) / "session.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when several workers start together, exactly one writes the secret.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
    for _ in range(50):
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
        # Another worker created the file and has not written it yet.
        time.sleep(0.01)
    raise RuntimeError(f"session secret file {path} is empty")
