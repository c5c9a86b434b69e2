"""Fixtures shared by every test package: where the real lists are, a PostgreSQL URL, and an
empty store on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from exportscreen import settings
from exportscreen.cli import common as cli_common
from exportscreen.store import Store

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_configure(config: pytest.Config) -> None:
    """The audit key and anchors of a test session live in a temporary folder, never in the
    user's config directory, and served indexes are built without spelled neighbours (set
    before any test, so that worker processes inherit them)."""
    import tempfile

    if "EXPORTSCREEN_AUDIT_KEY_FILE" not in os.environ:
        folder = Path(tempfile.mkdtemp(prefix="exportscreen-audit-"))
        os.environ["EXPORTSCREEN_AUDIT_KEY_FILE"] = str(folder / "audit.key")
        os.environ["EXPORTSCREEN_AUDIT_ANCHORS"] = str(folder / "anchors")
    # The indexes tests build through the store skip the listed words' spelled-neighbour search
    # (about 6 s of CPU per build of the real lists; the suite took 1,027 s with it off against
    # 1,119 s in the last run with it on, which had 34 fewer tests): it changes no answer,
    # only a query's speed (tests/screening/test_index_cache.py checks both kinds agree, and
    # tests/matching's real_screener has them).
    os.environ.setdefault("EXPORTSCREEN_INDEX_NEIGHBOURS", "0")


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read whole lines of the CLI's output (tables, warnings). Its consoles are made once,
    at import, and a console made while some test had set COLUMNS keeps that width for every
    later test in the process (the order differs with pytest-xdist, and CI has no terminal):
    give both the same wide width for every test, whichever folder it is in."""
    monkeypatch.setattr(cli_common.console, "_width", 250)
    monkeypatch.setattr(cli_common.err, "_width", 250)


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """``../shared/data/raw``; tests that need the real list files skip when it is absent."""
    path = settings.shared_data_dir() / "raw"
    if not path.is_dir():
        pytest.skip(f"real list files not found at {path} (set EXPORTSCREEN_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    path = settings.shared_eval_dir()
    if not path.is_dir():
        pytest.skip(f"evaluation sets not found at {path} (set EXPORTSCREEN_SHARED_EVAL)")
    return path


def _pg_admin_url() -> str:
    return os.environ.get(
        "EXPORTSCREEN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The PostgreSQL server tests run against; skipped (not failed) only outside CI."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    url = _pg_admin_url()
    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {url}: {error}")
    return url


@pytest.fixture()
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy

    name = f"es_test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    url = pg_server_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty database: a SQLite file, or a fresh PostgreSQL database (``pg_url``,
    skipped when no server is reachable outside CI). Storage, operations and casework tests run
    on both, as production may."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture()
def store(store_url: str) -> Iterator[Store]:
    with Store.open(store_url, lock_timeout=10) as opened:
        yield opened
