"""Every setting read from the environment, in one place (as yente does).

Nothing else in the package reads ``os.environ``; code takes these values as defaults and lets
callers override them explicitly.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import platformdirs


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def db_url(value: str | None = None) -> str:
    """The SQLAlchemy URL of the store, from what ``--db``, ``EXPORTSCREEN_DB`` and every Python
    entry point accept: an SQLAlchemy URL, or the path of a SQLite file (made absolute, so that
    a worker started elsewhere opens the same file). None or "": ``EXPORTSCREEN_DB``, else a
    SQLite file in the user's data directory."""
    configured = value or os.environ.get("EXPORTSCREEN_DB")
    if configured:
        return configured if "://" in configured else f"sqlite:///{Path(configured).resolve()}"
    data_dir = Path(platformdirs.user_data_dir("exportscreen"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'exportscreen.db'}"


def index_neighbours() -> bool:
    """Whether an index built from the store to be served (CLI, API, batch, scheduler) also
    searches every listed word's spelled neighbours at build (``index_build.spelled_neighbours``):
    about 6 s more CPU per build of the full lists, after which a listed query word's spelled
    search is a lookup (docs/benchmark-history.md, session 10). ``EXPORTSCREEN_INDEX_NEIGHBOURS=0``
    trades that query speed for build time, on a machine that rebuilds often and screens
    little, and in the test suite. Read at call time, so that a process sets it before
    building."""
    configured = os.environ.get("EXPORTSCREEN_INDEX_NEIGHBOURS", "1").strip().lower()
    if configured in ("1", "true", "yes", "on"):
        return True
    if configured in ("0", "false", "no", "off"):
        return False
    raise ValueError(
        f"EXPORTSCREEN_INDEX_NEIGHBOURS must be 1 or 0 (true/false, yes/no, on/off), "
        f"not {configured!r}"
    )


def shared_data_dir() -> Path:
    """Where the real list files live for tests and benchmarks (``../shared/data`` by default)."""
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    return Path(_env("EXPORTSCREEN_SHARED_DATA", str(default)))


def shared_eval_dir() -> Path:
    return Path(_env("EXPORTSCREEN_SHARED_EVAL", str(shared_data_dir().parent / "evaldata")))


# Lists a deployment adds to the shipped ones (lists.yaml): a folder of YAML files, each declaring
# lists in lists.yaml's form, e.g. a FollowTheMoney dataset and what a match on it means. Read and
# checked when exportscreen.lists is imported; a FollowTheMoney stream of an undeclared dataset is
# refused. Empty: none.
LISTS_DIR = _env("EXPORTSCREEN_LISTS_DIR", "")

# Screening: a hit at or above this score raises an alert. Chosen on the accuracy benchmark as the
# score at which at most 1% of clean counterparties alert (see README, "Accuracy").
DEFAULT_THRESHOLD = float(_env("EXPORTSCREEN_THRESHOLD", "0.77"))
# Four-eyes: clearing an alert (false positive) scored at or above this, or on a list whose match
# prohibits dealings (lists.yaml ``meaning.action: prohibited``), needs a second analyst's approval.
FOUR_EYES_SCORE = float(_env("EXPORTSCREEN_FOUR_EYES_SCORE", "0.95"))
# Hits a single-name screening returns unless asked for more (the API's, the CLI's, recorded.py's).
DEFAULT_HIT_LIMIT = 10

# Downloads.
HTTP_TIMEOUT_SECONDS = float(_env("EXPORTSCREEN_HTTP_TIMEOUT", "60"))
HTTP_RETRIES = int(_env("EXPORTSCREEN_HTTP_RETRIES", "3"))
MAX_DOWNLOAD_BYTES = int(_env("EXPORTSCREEN_MAX_DOWNLOAD_BYTES", str(512 * 1024 * 1024)))
# Whole-download and whole-update-run bounds (seconds): the timeouts above bound each read, so a
# server trickling bytes would otherwise hold an update forever. The largest file (the CSL, about
# 6 MB) takes seconds; a run of every source, a minute or two on a slow link.
DOWNLOAD_DEADLINE_SECONDS = float(_env("EXPORTSCREEN_DOWNLOAD_DEADLINE", "900"))
UPDATE_DEADLINE_SECONDS = float(_env("EXPORTSCREEN_UPDATE_DEADLINE", "3600"))


def default_actor() -> str:
    """Who the CLI records in the audit trail without ``--key``: the identity an administrator
    configured for this account or service (``EXPORTSCREEN_USER``, set in its environment, not
    on a command line), else the operating-system account running the command."""
    import getpass

    configured = os.environ.get("EXPORTSCREEN_USER", "").strip()
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a container without a passwd entry)
        return f"uid:{os.getuid()}"


def cli_api_key() -> str:
    """``EXPORTSCREEN_API_KEY``: the CLI acts as this key's user (as ``--key`` does)."""
    return os.environ.get("EXPORTSCREEN_API_KEY", "")


# An internal mirror of the official download hosts (air-gapped deployments, tests): the same
# paths under this base URL, see exportscreen.sources.fetch.
MIRROR_URL = _env("EXPORTSCREEN_MIRROR", "")


def index_cache_dir() -> Path:
    """Where built match indexes are kept (``EXPORTSCREEN_CACHE``, else the user cache dir)."""
    configured = os.environ.get("EXPORTSCREEN_CACHE")
    return Path(configured) if configured else Path(platformdirs.user_cache_dir("exportscreen"))


# --- the HTTP API --------------------------------------------------------------------------
# The key signing UI session cookies; set it (same value on every machine) when several hosts
# serve one store. Empty: generated once per machine in the user data directory.
API_SESSION_SECRET = _env("EXPORTSCREEN_SESSION_SECRET", "")
# Session cookies are sent over HTTPS only, unless this is "false" for a server on a loopback
# address serving plain HTTP (``exportscreen serve`` refuses it for any other address).
API_COOKIE_SECURE = _env("EXPORTSCREEN_COOKIE_SECURE", "true").lower() not in {"0", "false", "no"}
API_RATE_PER_SECOND = float(_env("EXPORTSCREEN_RATE_PER_SECOND", "100"))
API_RATE_BURST = int(_env("EXPORTSCREEN_RATE_BURST", "200"))
# Screened names per API key (a /match of 100 names is 100), a token bucket; batch rows have
# their own (see ApiConfig).
API_WORK_PER_SECOND = float(_env("EXPORTSCREEN_WORK_PER_SECOND", "200"))
API_WORK_BURST = int(_env("EXPORTSCREEN_WORK_BURST", "2000"))
API_BATCH_ROWS_PER_SECOND = float(_env("EXPORTSCREEN_BATCH_ROWS_PER_SECOND", "1000"))
API_BATCH_ROWS_BURST = int(_env("EXPORTSCREEN_BATCH_ROWS_BURST", "1000000"))
# Requests handled at once per worker before new ones are refused with 503: on a saturated CPU,
# queueing more only raises everyone's latency.
API_MAX_IN_FLIGHT = int(_env("EXPORTSCREEN_MAX_IN_FLIGHT", "16"))
# A batch upload may hold this many rows and inflate (XLSX, gzip'd CSV, Parquet) to this many
# bytes: what one worker can afford for a caller who does not run the server.
API_MAX_UPLOAD_ROWS = int(_env("EXPORTSCREEN_MAX_UPLOAD_ROWS", "1000000"))
API_MAX_INFLATED_BYTES = int(_env("EXPORTSCREEN_MAX_INFLATED_BYTES", str(256 * 1024 * 1024)))
API_JOBS_DIR = _env("EXPORTSCREEN_JOBS_DIR", "")
# Batch jobs: finished jobs (their files and state) are deleted after this many hours; the jobs
# folder may hold at most this many bytes (uploads beyond it are refused with 507); a running
# job whose worker has not renewed its lease for this many seconds is taken by another worker.
API_JOBS_RETENTION_HOURS = float(_env("EXPORTSCREEN_JOBS_RETENTION_HOURS", "168"))
API_JOBS_MAX_BYTES = int(_env("EXPORTSCREEN_JOBS_MAX_BYTES", str(10 * 1024**3)))
API_JOBS_LEASE_SECONDS = float(_env("EXPORTSCREEN_JOBS_LEASE_SECONDS", "60"))
# Scheduled list updates in the server ("6h", "30m"...); empty: none.
UPDATE_EVERY = _env("EXPORTSCREEN_UPDATE_EVERY", "")

# --- determinations ------------------------------------------------------------------------
# The jurisdictions a transaction is checked for, comma-separated ("US,UN,EU,UK"): a match on a
# list of another jurisdiction (lists.yaml) is reported in the determination but decides nothing.
# Checked against the declared jurisdictions when exportscreen.decisions.policy is imported.
JURISDICTIONS = _env("EXPORTSCREEN_JURISDICTIONS", "US")
# A list whose data is older than this many days adds a ``stale_list`` warning to a licence
# determination; older than the second limit, a clear (no list restriction) becomes HOLD.
STALE_LIST_DAYS = int(_env("EXPORTSCREEN_STALE_LIST_DAYS", "7"))
STALE_LIST_HOLD_DAYS = int(_env("EXPORTSCREEN_STALE_LIST_HOLD_DAYS", "30"))

# --- evidence PDFs ----------------------------------------------------------------------------
# TrueType fonts for the evidence PDF, first the main one, then fallbacks for other scripts
# (os.pathsep-separated). Default: DejaVu Sans and, where installed, a CJK font. A character no
# font covers is never dropped silently: the PDF prints its transliteration and says so.
PDF_FONTS = _env("EXPORTSCREEN_PDF_FONTS", "")

# --- the audit trail's seal -----------------------------------------------------------------
# The key of the HMAC that signs the audit chain's checkpoints and the backups. It must live
# outside the database: whoever can write the database without it cannot re-sign a cut or
# rewritten chain. EXPORTSCREEN_AUDIT_KEY (hex, at least 32 bytes) wins over the key file;
# several hosts serving one store must share one key.
AUDIT_KEY_ENV = "EXPORTSCREEN_AUDIT_KEY"
# A signed checkpoint is kept every this many records (besides the head, signed at every write).
AUDIT_CHECKPOINT_EVERY = int(_env("EXPORTSCREEN_AUDIT_CHECKPOINT_EVERY", "1000"))


def audit_key_hex() -> str:
    """The audit key given in the environment, hex-encoded; "" when none is."""
    return os.environ.get(AUDIT_KEY_ENV, "").strip()


def audit_key_file() -> Path:
    """Where the audit key is kept (``EXPORTSCREEN_AUDIT_KEY_FILE``, else ``audit.key`` in the
    user's config directory); generated there, readable by its owner only, on first use."""
    return _audit_paths(*_audit_path_variables())[0]


def _audit_path_variables() -> tuple[str | None, str | None, str | None, str | None]:
    # Every variable the audit key's and anchors' places depend on (platformdirs reads the last
    # two itself).
    get = os.environ.get
    return (
        get("EXPORTSCREEN_AUDIT_KEY_FILE"),
        get("EXPORTSCREEN_AUDIT_ANCHORS"),
        get("XDG_CONFIG_HOME"),
        get("HOME"),
    )


@functools.lru_cache(maxsize=8)
def _audit_paths(
    key_file: str | None, anchors: str | None, xdg_config_home: str | None, home: str | None
) -> tuple[Path, Path]:
    """The key file and the anchor directory, resolved once per value of the variables they
    depend on: both are looked up in every audit write's transaction (issue 19), and
    platformdirs and pathlib cost more than the rest of that lookup."""
    del xdg_config_home, home  # the cache key only: platformdirs reads them itself
    if key_file:
        key = Path(key_file)
    else:
        key = Path(platformdirs.user_config_dir("exportscreen")) / "audit.key"
    return key, Path(anchors) if anchors else key.parent / "audit-anchors"


def audit_anchor_dir() -> Path:
    """Where the latest signed head of each store's audit chain is also written, outside the
    database (``EXPORTSCREEN_AUDIT_ANCHORS``, else ``audit-anchors`` beside the key file): a cut
    of the chain that also deleted its checkpoint rows still shows against it."""
    return _audit_paths(*_audit_path_variables())[1]
