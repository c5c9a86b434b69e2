"""Operations fixtures: every test runs on SQLite and on PostgreSQL, as production may."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa


@pytest.fixture()
def other_pg_url(pg_server_url: str) -> Iterator[str]:
    """A second fresh PostgreSQL database, for a test that already holds ``pg_url``."""
    name = f"es_ops_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
