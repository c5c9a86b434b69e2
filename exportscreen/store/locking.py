"""The write transaction: one writer at a time, the others wait up to a timeout, then give up.

Imports read the current versions and then write the new ones; two interleaved imports of the
same list would each compute their diff against a base the other is replacing. So every writer
first takes the store's write lock, inside its transaction, so that a crash releases it:

- SQLite: ``BEGIN IMMEDIATE`` takes the database write lock; a second writer waits for the busy
  timeout. Readers are not blocked (WAL).
- PostgreSQL: the transaction updates the ``import_lock`` row, which row-locks it until commit; a
  second writer waits for ``lock_timeout``. Readers are not blocked (MVCC).

In both cases the lock row records who holds it, for the person investigating a stuck import.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.engine import SQLITE_WRITER
from exportscreen.store.errors import StoreBusyError
from exportscreen.store.schema import IMPORT_LOCK_NAME, import_lock

# SQLSTATE lock_not_available, raised when PostgreSQL's lock_timeout expires.
_PG_LOCK_NOT_AVAILABLE = "55P03"


def holder_name() -> str:
    """Who is writing: host, process and thread, enough to find a stuck import."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _is_lock_timeout(error: sa.exc.OperationalError) -> bool:
    if getattr(error.orig, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE:
        return True
    return "database is locked" in str(error.orig)


def _busy(purpose: str, lock_timeout: float) -> StoreBusyError:
    return StoreBusyError(
        f"another import is writing to the store; gave up {purpose} after waiting "
        f"{lock_timeout:g} s. Try again when it has finished."
    )


@contextmanager
def write_transaction(engine: Engine, *, lock_timeout: float, purpose: str) -> Iterator[Connection]:
    """A transaction holding the store's write lock; commits on success, rolls back on error.

    Raises ``StoreBusyError`` when another writer keeps the lock longer than ``lock_timeout``.
    """
    options = {SQLITE_WRITER: True} if engine.dialect.name == "sqlite" else {}
    with engine.connect().execution_options(**options) as connection:
        try:
            transaction = connection.begin()
        except sa.exc.OperationalError as error:
            if _is_lock_timeout(error):
                raise _busy(purpose, lock_timeout) from error
            raise
        with transaction:
            try:
                if engine.dialect.name == "postgresql":
                    # SET LOCAL takes no bind parameters; the value is a number formatted here.
                    connection.exec_driver_sql(
                        f"SET LOCAL lock_timeout = '{int(lock_timeout * 1000)}ms'"
                    )
                connection.execute(
                    sa.update(import_lock)
                    .where(import_lock.c.name == IMPORT_LOCK_NAME)
                    .values(holder=holder_name(), acquired_at=datetime.now(UTC))
                )
            except sa.exc.OperationalError as error:
                if _is_lock_timeout(error):
                    raise _busy(purpose, lock_timeout) from error
                raise
            yield connection
