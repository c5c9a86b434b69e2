"""Alembic environment: runs on the connection that ``exportscreen.store.migrate`` hands over.

There is no alembic.ini: the store builds its Config in code and passes an open connection in
``config.attributes["connection"]``, inside a transaction it has already locked.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection


def _run(connection: Connection) -> None:
    # Batch mode lets later migrations alter SQLite tables (which lack most ALTER TABLE forms).
    context.configure(connection=connection, render_as_batch=True, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("exportscreen migrations run through exportscreen.store.migrate.upgrade()")
_run(connection)
