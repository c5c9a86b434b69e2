"""The CLI's ``check``, ``batch`` and ``determine``, and a Python program's ``screen_and_record``,
each leave one audit record, of the same action and payload keys as the API's equivalent call: an
auditor's query over the trail finds both."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from exportscreen.api.auth import Role
from exportscreen.casework import audit_trail as audit
from exportscreen.cli.app import app
from exportscreen.store import Store
from tests.api.support import (
    FIXTURES,
    Keys,
    add_users,
    build_app,
    config_for,
    load_fixture_lists,
    running,
)

TRANSACTION = {
    "id": "PO-1",
    "date": "2025-05-01",
    "destination_country": "CN",
    "items": [{"eccn": "EAR99", "description": "Cables"}],
    "parties": [{"role": "ultimate_consignee", "name": "Acme Photonics", "country": "CN"}],
}


@dataclass(frozen=True)
class Setting:
    store: Store
    client: TestClient
    viewer: dict[str, str]
    folder: Path

    def cli(self, *args: str) -> None:
        result = CliRunner().invoke(
            app,
            ["--db", str(self.store.engine.url), *args],
            catch_exceptions=False,
            env={"EXPORTSCREEN_USER": "carol"},  # the identity an administrator configured
        )
        # batch exits 3 when rows were bad (the fixture file has one), and still records.
        assert result.exit_code in (0, 3), result.output


@pytest.fixture()
def setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setting]:
    monkeypatch.setenv("EXPORTSCREEN_CACHE", str(tmp_path / "cache"))
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        load_fixture_lists(store)
        keys: Keys = add_users(store)
        with running(build_app(store, config_for(tmp_path, str(store.engine.url)))) as client:
            yield Setting(store, client, keys.header(Role.VIEWER), tmp_path)


def _api_check(s: Setting) -> None:
    body = {"name": "Acme Photonics", "country": "CN"}
    assert s.client.post("/v1/screen", json=body, headers=s.viewer).status_code == 200


def _cli_check(s: Setting) -> None:
    s.cli("check", "Acme Photonics", "--country", "CN", "--json")


def _python_check(s: Setting) -> None:
    from exportscreen.casework.recorded import python_caller, screen_and_record
    from exportscreen.screening.index_cache import open_screener

    screener = open_screener(str(s.store.engine.url))
    sink = audit.StoreSink(s.store.engine)
    found = screen_and_record(
        screener, sink, python_caller("carol"), "Acme Photonics", country="CN"
    )
    assert found.record.seq == audit.records(s.store.engine)[-1].seq


def _api_batch(s: Setting) -> None:
    upload = (FIXTURES / "parties.csv").read_bytes()
    job = s.client.post(
        "/v1/batch", files={"file": ("parties.csv", upload, "text/csv")}, headers=s.viewer
    ).json()
    for _ in range(200):
        polled = s.client.get(f"/v1/batch/{job['id']}", headers=s.viewer).json()
        if polled["status"] in ("done", "failed"):
            assert polled["status"] == "done", polled
            return
        time.sleep(0.05)
    raise AssertionError("the batch job did not finish")


def _cli_batch(s: Setting) -> None:
    output = s.folder / "hits.csv"
    s.cli("batch", str(FIXTURES / "parties.csv"), "-o", str(output), "--workers", "1", "--quiet")


def _api_determine(s: Setting) -> None:
    response = s.client.post("/v1/determine", json=TRANSACTION, headers=s.viewer)
    assert response.status_code == 200, response.text


def _cli_determine(s: Setting) -> None:
    path = s.folder / "transaction.json"
    path.write_text(json.dumps(TRANSACTION), encoding="utf-8")
    s.cli("determine", str(path), "--json")


Call = Callable[[Setting], None]


def _one_record(s: Setting, call: Call) -> audit.AuditRecord:
    before = len(audit.records(s.store.engine))
    call(s)
    written = audit.records(s.store.engine)[before:]
    assert len(written) == 1, [r.action for r in written]
    return written[0]


# What must agree beyond the keys: the parts that depend only on what was asked.
@pytest.mark.parametrize(
    ("api_call", "cli_call", "action", "same_values"),
    [
        (_api_check, _cli_check, audit.SCREEN, ("screenings", "threshold", "list_versions")),
        (_api_check, _python_check, audit.SCREEN, ("screenings", "threshold", "list_versions")),
        (
            _api_batch,
            _cli_batch,
            audit.BATCH,
            ("file", "rows", "screened", "hits", "bad_rows", "list_versions"),
        ),
        (_api_determine, _cli_determine, audit.DETERMINE, ("transaction", "outcome", "parties")),
    ],
    ids=["check", "python-check", "batch", "determine"],
)
def test_the_cli_records_what_the_api_records(
    setting: Setting, api_call: Call, cli_call: Call, action: str, same_values: tuple[str, ...]
) -> None:
    from_api = _one_record(setting, api_call)
    from_cli = _one_record(setting, cli_call)
    assert from_api.action == from_cli.action == action
    assert set(from_api.payload) == set(from_cli.payload)
    expected_interface = "python" if cli_call is _python_check else "cli"
    assert (from_api.payload["interface"], from_cli.payload["interface"]) == (
        "api",
        expected_interface,
    )
    assert (from_api.actor, from_cli.actor) == ("viewer", "carol")
    assert (from_api.payload["role"], from_cli.payload["role"]) == ("viewer", None)
    for key in same_values:
        assert from_api.payload[key] == from_cli.payload[key], key
    assert audit.verify(setting.store.engine).ok


def test_a_cli_check_that_fails_records_nothing(setting: Setting) -> None:
    before = len(audit.records(setting.store.engine))
    result = CliRunner().invoke(app, ["--db", str(setting.store.engine.url), "check", "!!!"])
    assert result.exit_code == 2
    assert len(audit.records(setting.store.engine)) == before
