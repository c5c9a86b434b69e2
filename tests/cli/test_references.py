"""The command line prints each screening's and determination's reference, and the reference
names the record the command wrote: the evidence an auditor asks for."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.evidence import evidence
from exportscreen.cli.app import app
from exportscreen.store import Store
from tests.api.support import load_fixture_lists

TRANSACTION = {
    "id": "PO-7",
    "date": "2025-05-01",
    "destination_country": "CN",
    "items": [{"eccn": "EAR99", "description": "Cables"}],
    "parties": [{"role": "ultimate_consignee", "name": "Acme Photonics", "country": "CN"}],
}


@pytest.fixture()
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("EXPORTSCREEN_CACHE", str(tmp_path / "cache"))
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with Store.open(url) as store:
        load_fixture_lists(store)
    return url


def _run(db: str, *args: str) -> str:
    result = CliRunner().invoke(
        app, ["--db", db, *args], catch_exceptions=False, env={"EXPORTSCREEN_USER": "carol"}
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("name", ["Acme Optical", "Quiet Meadow Bakery"], ids=["hit", "no-hit"])
def test_check_prints_the_reference_of_its_record(db: str, name: str) -> None:
    output = _run(db, "check", name)
    found = re.search(r"reference (ES-\d{6,}-\d{2})", output)
    assert found is not None, output
    with Store.open(db) as store:
        last = audit.records(store.engine)[-1]
        seen = evidence(store, found.group(1))
    assert seen.record.seq == last.seq and last.action == audit.SCREEN
    assert (seen.record.actor, seen.interface) == ("carol", "cli")
    assert seen.screenings[0].query["name"] == name


def test_check_json_and_determine_json_carry_the_reference(db: str, tmp_path: Path) -> None:
    checked = json.loads(_run(db, "check", "Acme Optical", "--json"))
    path = tmp_path / "tx.json"
    path.write_text(json.dumps(TRANSACTION), encoding="utf-8")
    determined = json.loads(_run(db, "determine", str(path), "--json"))
    with Store.open(db) as store:
        first = evidence(store, checked["reference"])
        second = evidence(store, determined["reference"])
    assert first.kind == "screening"
    assert second.kind == "licence determination"
    assert second.outcome == determined["outcome"] == "HOLD"
    assert second.payload["transaction"]["id"] == "PO-7"


def test_determine_prints_the_reference(db: str, tmp_path: Path) -> None:
    path = tmp_path / "tx.json"
    path.write_text(json.dumps(TRANSACTION), encoding="utf-8")
    output = _run(db, "determine", str(path))
    assert re.search(r"reference ES-\d{6,}-\d{2}", output), output


def test_batch_prints_the_reference_of_its_record(db: str, tmp_path: Path) -> None:
    source = tmp_path / "parties.csv"
    source.write_text("id,name,country\n1,Acme Optical,CN\n2,Quiet Meadow Bakery,US\n", "utf-8")
    output = _run(db, "batch", str(source), "-o", str(tmp_path / "hits.csv"), "--workers", "1")
    found = re.search(r"reference (ES-\d{6,}-\d{2})", output)
    assert found is not None, output
    with Store.open(db) as store:
        seen = evidence(store, found.group(1))
    assert seen.kind == "batch screening"
    assert (seen.payload["file"], seen.payload["rows"], seen.payload["hits"]) == (
        "parties.csv",
        2,
        1,
    )
