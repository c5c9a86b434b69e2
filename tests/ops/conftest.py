"""Operations fixtures: every test runs on SQLite and on PostgreSQL, as production may."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exportscreen.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a fresh PostgreSQL database (``pg_url``)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture()
def store(store_url: str) -> Iterator[Store]:
    with Store.open(store_url, lock_timeout=10) as opened:
        yield opened
