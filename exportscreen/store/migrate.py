"""Bring a database's schema up to date with the Alembic migrations shipped in the package.

There is no alembic.ini: the Config is built here, pointing at ``migrations/`` beside this file,
and the migrations run on a connection we hold, inside one transaction (SQLite and PostgreSQL both
have transactional DDL), so a failed migration leaves the schema as it was.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.engine import SQLITE_WRITER
from exportscreen.store.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any constant shared by every exportscreen process: the key of the PostgreSQL advisory lock that
# keeps two processes opening a fresh database from both creating the tables.
_PG_MIGRATION_LOCK_KEY = 0x6578_7073_6372  # "expscr"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` (the latest by default); a no-op when already there."""
    target = head_revision() if revision == "head" else revision
    try:
        # Checked first without a lock, so that opening an up-to-date SQLite store does not
        # queue behind a running import for the write lock.
        if current_revision(engine) == target:
            return
        _run_locked(engine, revision)
    except CommandError as error:
        # Typically a database written by a newer exportscreen, whose revision we do not know.
        raise StoreError(
            f"cannot upgrade the database schema to {revision!r}: {error}. "
            "Was it created by a newer version of exportscreen?"
        ) from error
    except sa.exc.OperationalError as error:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot open the database {url}: {error.orig}") from error


def _run_locked(engine: Engine, revision: str) -> None:
    options = {SQLITE_WRITER: True} if engine.dialect.name == "sqlite" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY}
            )
        command.upgrade(_config(connection), revision)
