"""settings: the one reading of each setting from the environment (the store URL shared by --db
and the Python API, the served index's spelled neighbours)."""

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


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), (" Yes ", True), ("on", True), ("0", False), ("false", False),
     ("NO", False), ("off", False)],
)  # fmt: skip
def test_index_neighbours_reads_a_yes_or_no(
    value: str, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPORTSCREEN_INDEX_NEIGHBOURS", value)
    assert settings.index_neighbours() is expected


def test_index_neighbours_defaults_to_on_and_refuses_other_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("EXPORTSCREEN_INDEX_NEIGHBOURS", raising=False)
    assert settings.index_neighbours() is True
    monkeypatch.setenv("EXPORTSCREEN_INDEX_NEIGHBOURS", "maybe")
    with pytest.raises(ValueError, match=r"EXPORTSCREEN_INDEX_NEIGHBOURS.*'maybe'"):
        settings.index_neighbours()
