"""The tables the code queries are exactly the tables the migrations create."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from exportscreen.store import Store
from exportscreen.store.schema import metadata


def test_schema_module_matches_the_migrated_database(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # SQLite reflects a '' default as "''", which Alembic reports as a change.
                "compare_server_default": connection.dialect.name == "postgresql",
            },
        )
        assert compare_metadata(context, metadata) == []
