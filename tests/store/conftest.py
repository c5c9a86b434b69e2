"""Store fixtures: every storage test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'store.db'}"
