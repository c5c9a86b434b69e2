"""The case-work commands (``cli/casework.py``) on a small store: one stored counterparty that
cannot be screened is reported by ``counterparties screen`` and ``rescreen`` (exit status 3) while
everyone else is screened."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportscreen.casework.register import Counterparty
from exportscreen.cli.app import EXIT_BAD_ROWS, app
from exportscreen.store import Store
from exportscreen.store import counterparties as stored_parties
from tests.conftest import FIXTURES

runner = CliRunner()


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORTSCREEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture()
def db(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "store.db")
    loaded = invoke(path, "load", str(FIXTURES / "sources" / "csl_sample.csv"))
    assert loaded.exit_code == 0, loaded.output
    register = tmp_path / "register.csv"
    register.write_text("id,name,country\nG1,Acme Widgets GmbH,DE\n", encoding="utf-8")
    assert invoke(path, "counterparties", "import", str(register)).exit_code == 0
    yield path


def invoke(db: str, *args: str) -> object:
    return runner.invoke(app, ["--db", db, *args], catch_exceptions=False)


def store_unchecked(db: str, party: Counterparty) -> None:
    """A row as a release that did not check names at input could have stored it."""
    with Store.open(f"sqlite:///{db}") as store, store.engine.begin() as conn:
        stored_parties.upsert(
            conn,
            external_id=party.external_id,
            name=party.name,
            country=party.country,
            type=party.type,
            address=party.address,
            state_hash=party.state_hash(),
        )


def test_import_names_the_row_of_a_name_without_letters(db: str, tmp_path: Path) -> None:
    register = tmp_path / "bad.csv"
    register.write_text('id,name\nB1,"%\' --"\n', encoding="utf-8")
    result = invoke(db, "counterparties", "import", str(register))
    assert result.exit_code != 0
    assert "line 2" in result.output and "name" in result.output
    assert "no letters or digits" in result.output


@pytest.mark.parametrize("name", ["%' --", "¤", "÷"])
def test_counterparties_screen_reports_an_unscreenable_party(db: str, name: str) -> None:
    store_unchecked(db, Counterparty("BAD", name))
    result = invoke(db, "counterparties", "screen")
    assert result.exit_code == EXIT_BAD_ROWS, result.output
    assert "screened 1 counterparties" in result.stdout
    assert "NOT SCREENED BAD" in result.stderr and "no letters or digits" in result.stderr


def test_rescreen_reports_an_unscreenable_party(db: str) -> None:
    assert invoke(db, "counterparties", "screen").exit_code == 0
    store_unchecked(db, Counterparty("BAD", "%' --"))
    result = invoke(db, "rescreen", "--json")
    assert result.exit_code == EXIT_BAD_ROWS, result.output
    report = json.loads(result.stdout)
    assert [u["external_id"] for u in report["unscreened"]] == ["BAD"]
