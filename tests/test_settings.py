"""settings.db_url: the one reading of a store setting, shared by --db and the Python API."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportscreen import settings


def test_a_url_is_kept_as_given() -> None:
    url = "postgresql+psycopg://screening@db.internal:5432/lists"
    assert settings.db_url(url) == url


def test_a_relative_file_path_becomes_an_absolute_sqlite_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert settings.db_url("stores/lists.db") == f"sqlite:///{tmp_path / 'stores' / 'lists.db'}"


def test_nothing_given_reads_exportscreen_db_as_a_path_or_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPORTSCREEN_DB", str(tmp_path / "env.db"))
    assert settings.db_url(None) == f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("EXPORTSCREEN_DB", "sqlite:///elsewhere.db")
    assert settings.db_url("") == "sqlite:///elsewhere.db"
