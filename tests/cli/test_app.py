"""The command line end to end, on the real list files: load, lists, diff, show, check, determine,
batch, register, alerts, decisions and the audit trail."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportscreen.cli.app import EXIT_BAD_ROWS, app
from tests.conftest import FIXTURES

pytestmark = pytest.mark.shared

runner = CliRunner()


@pytest.fixture(scope="module")
def db(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with the 2022 CSL and the 2026 BIS files, loaded through the CLI."""
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "store.db"
    result = invoke(
        str(path),
        "load",
        str(raw_dir / "watchman/csl/consolidated_2022-05.csv.gz"),
        str(raw_dir / "nsfreg_ecfr_derived"),
    )
    assert result.exit_code == 0, result.output
    return str(path)


def invoke(db: str, *args: str, user: str = "alice") -> object:
    # The identity an administrator configured for the account (there is no --user option).
    return runner.invoke(
        app, ["--db", db, *args], catch_exceptions=False, env={"EXPORTSCREEN_USER": user}
    )


@pytest.fixture(autouse=True, scope="module")
def _cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # One index cache for the module: the index is built once, as it would be for a user.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXPORTSCREEN_CACHE", str(tmp_path_factory.mktemp("cache")))
        patch.setenv("COLUMNS", "200")
        yield


def test_lists_json_counts(db: str) -> None:
    result = invoke(db, "lists", "--json")
    counts = {row["list"]: row["entries"] for row in json.loads(result.stdout)}
    # The 2026 BIS file replaced the 2022 CSL's 2,001: its 3,409 entries and the 31 parties
    # named inside them (the Huawei affiliates, CETC subordinates, the armed forces...).
    assert counts["EL"] == 3409 + 31
    assert counts["MEU"] == 70
    # The 2026 BIS DPL file removes 182 of the 2022 CSL DPL's 462 parties (identity linking
    # keeps the others' ids): staged pending review (more than 20% removed), so the CSL's DPL
    # stays current.
    assert counts["DPL"] == 462
    staged = {row["list"]: row["staged"] for row in json.loads(result.stdout)}["DPL"]
    assert [v["entries"] for v in staged] == [564]
    assert counts["SDN"] == 10026 and counts["DTC"] == 727


def test_diff_shows_the_2025_03_25_additions(db: str) -> None:
    result = invoke(db, "diff", "EL", "--json")
    added = json.loads(result.stdout)["added"]
    cited = {
        a["entry_id"]
        for a in added
        if any(c["volume"] == 90 and c["page"] in (14035, 14048) for c in a["after"]["citations"])
    }
    assert len(cited) == 83


def test_show_inspur_taiwan(db: str) -> None:
    listed = json.loads(invoke(db, "check", "Inspur Taiwan", "--json").stdout)["hits"]
    entry_id = listed[0]["entry"]["id"]
    result = invoke(db, "show", entry_id)
    assert result.exit_code == 0
    out = result.stdout
    assert "EL" in out and "90 FR 14048 of 2025-03-28" in out
    assert "all-items-subject-to-the-EAR" in out
    shown = json.loads(invoke(db, "show", entry_id, "--json").stdout)
    assert shown["entry"]["licence"]["footnotes"] == [4]
    assert [e["kind"] for e in shown["history"]] == ["added"]


def test_show_unknown_entry_fails_cleanly(db: str) -> None:
    result = invoke(db, "show", "EL-doesnotexist")
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("query", "expected_name"),
    [
        ("Inspur Taiwan Co Ltd", "Inspur Taiwan"),
        ("浪潮软件股份有限公司", "Inspur Software Co., Ltd."),
        ("Nettrix Information Industry", "Nettrix Information Industry Co., Ltd."),
    ],
)
def test_check_finds_the_entry(db: str, query: str, expected_name: str) -> None:
    hits = json.loads(invoke(db, "check", query, "--json").stdout)["hits"]
    assert hits and hits[0]["entry"]["name"] == expected_name
    assert hits[0]["explanation"]["tokens"]


def test_check_clean_name_has_no_hit(db: str) -> None:
    result = invoke(db, "check", "Acme Widgets GmbH", "--json")
    assert json.loads(result.stdout)["hits"] == []


def test_check_empty_name_is_a_clear_error(db: str) -> None:
    result = invoke(db, "check", "   ")
    assert result.exit_code == 2
    assert "empty" in result.output


def test_determine_inspur_taiwan(db: str) -> None:
    result = invoke(
        db, "determine", str(FIXTURES / "decisions/transaction_inspur_taiwan.yaml"), "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # Not yet confirmed by an analyst: a potential Entity List match holds the shipment.
    assert data["outcome"] == "HOLD"
    consignee = data["parties"][0]
    assert consignee["listings"][0]["if_confirmed"] == "LICENSE_REQUIRED"
    assert "does not replace" in data["notice"]
    assert data["if_confirmed"] == "LICENSE_REQUIRED"


def test_determine_on_2026_12_04_warns_of_the_2022_lists(db: str) -> None:
    transaction = str(FIXTURES / "decisions/transaction_inspur_taiwan.yaml")
    result = invoke(db, "determine", transaction, "--as-of", "2026-12-04", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    stale = {w["list"]: w for w in data["warnings"] if w["code"] == "stale_list"}
    assert {"SDN", "SSI", "UVL", "DTC"} <= set(stale)
    assert all(
        w["as_of"].startswith("2022-") and w["age_days"] > 1600
        for w in (stale["SDN"], stale["SSI"], stale["UVL"], stale["DTC"])
    )
    assert data["determined_on"] == "2026-12-04"
    text = invoke(db, "determine", transaction, "--as-of", "2026-12-04")
    assert "stale_list: SDN data of 2022-" in text.output
    bad = invoke(db, "determine", transaction, "--as-of", "04/12/2026")
    assert bad.exit_code != 0 and "--as-of" in bad.output


def test_batch_writes_hits_and_errors(db: str, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "id,name,country\n1,Inspur Taiwan Co Ltd,TW\n2,Acme GmbH,DE\n3,,DE\n", encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    result = invoke(db, "batch", str(source), "--output", str(out), "--workers", "1", "--quiet")
    assert result.exit_code == EXIT_BAD_ROWS
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["input_id"] for r in rows] == ["1"]
    assert rows[0]["list"] == "EL"
    errors = (tmp_path / "out.csv.errors.csv").read_text(encoding="utf-8")
    assert "empty name" in errors


def test_register_alert_decision_and_audit(db: str, tmp_path: Path) -> None:
    register = FIXTURES / "review/counterparties.csv"
    assert invoke(db, "counterparties", "import", str(register)).exit_code == 0
    assert invoke(db, "counterparties", "screen").exit_code == 0
    alerts = json.loads(invoke(db, "alerts", "--json").stdout)
    inspur = next(a for a in alerts if a["counterparty"]["external_id"] == "C1")
    decided = invoke(
        db,
        "decide",
        str(inspur["id"]),
        "--as",
        "false_positive",
        "--reason",
        "namesake",
        user="bob",
    )
    assert decided.exit_code == 0, decided.output
    # Four-eyes: the clearance of a 1.00 match waits for a second analyst; the alert stays open.
    assert "PENDING APPROVAL" in decided.stdout
    decision_id = decided.stdout.split()[1]
    still_open = {a["id"] for a in json.loads(invoke(db, "alerts", "--json").stdout)}
    assert inspur["id"] in still_open
    waiting = json.loads(invoke(db, "alerts", "--status", "pending_approval", "--json").stdout)
    assert [a["id"] for a in waiting] == [inspur["id"]]
    table = invoke(db, "alerts", "--status", "pending_approval").stdout
    assert f"decision {decision_id} by bob awaits approval" in " ".join(table.split())
    own = invoke(db, "approve", decision_id, "--reason", "mine", user="bob")
    assert own.exit_code != 0 and "second analyst" in own.output
    approved = invoke(db, "approve", decision_id, "--reason", "checked", user="carol")
    assert approved.exit_code == 0, approved.output
    remaining = {a["id"] for a in json.loads(invoke(db, "alerts", "--json").stdout)}
    assert inspur["id"] not in remaining
    verify = invoke(db, "audit", "verify")
    assert verify.exit_code == 0 and "intact" in verify.stdout
    export = tmp_path / "audit.json"
    assert invoke(db, "audit", "export", str(export)).exit_code == 0
    records = json.loads(export.read_text(encoding="utf-8"))
    decision = next(r for r in records if r["action"] == "alert.decide")
    assert decision["actor"] == "bob" and decision["payload"]["disposition"] == "false_positive"
    approval = next(r for r in records if r["action"] == "alert.approve")
    assert approval["actor"] == "carol" and approval["payload"]["decided_by"] == "bob"


def test_load_refuses_a_bad_file_and_writes_nothing(tmp_path: Path, raw_dir: Path) -> None:
    db = str(tmp_path / "s.db")
    broken = tmp_path / "csl.csv"
    lines = (FIXTURES / "sources/csl_sample.csv").read_text(encoding="utf-8").splitlines()
    broken.write_text("\n".join([*lines, "a,b,c"]) + "\n", encoding="utf-8")
    result = invoke(db, "load", str(broken))
    assert result.exit_code == 2
    # Rich may wrap the long temporary path; the line and the reason are what the user needs.
    assert "csl.csv" in result.output and "line 7: 3 fields, expected 29" in result.output
    assert "nothing was imported" in result.output
    assert json.loads(invoke(db, "lists", "--json").stdout) == []


def test_audit_verify_says_intact_only_when_a_checked_signature_vouches_for_the_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the key, the signed head covers every record: "intact". Without it the chain still
    links up, but a cut tail would not show, so verify does not call the trail intact."""
    db = str(tmp_path / "seal.db")
    register = FIXTURES / "review/counterparties.csv"
    assert invoke(db, "counterparties", "import", str(register)).exit_code == 0
    signed = invoke(db, "audit", "verify")
    assert signed.exit_code == 0  # type: ignore[attr-defined]
    assert "audit trail intact" in signed.output  # type: ignore[attr-defined]
    monkeypatch.delenv("EXPORTSCREEN_AUDIT_KEY", raising=False)
    monkeypatch.setenv("EXPORTSCREEN_AUDIT_KEY_FILE", str(tmp_path / "no-such.key"))
    unkeyed = invoke(db, "audit", "verify")
    assert unkeyed.exit_code == 0  # type: ignore[attr-defined]
    assert "audit trail intact" not in unkeyed.output  # type: ignore[attr-defined]
    assert "tail not vouched for" in unkeyed.output  # type: ignore[attr-defined]
    assert "not checked: no audit key" in unkeyed.output  # type: ignore[attr-defined]


def test_audit_verify_names_a_cut_tail(tmp_path: Path) -> None:
    """Delete the last audit records: verify fails (exit 1) and names the missing ones."""
    import sqlalchemy as sa

    db = str(tmp_path / "cut.db")
    register = FIXTURES / "review/counterparties.csv"
    assert invoke(db, "counterparties", "import", str(register)).exit_code == 0
    assert invoke(db, "counterparties", "import", str(register)).exit_code == 0
    assert invoke(db, "counterparties", "import", str(register)).exit_code == 0
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq >= 2"))
    engine.dispose()
    verify = invoke(db, "audit", "verify")
    assert verify.exit_code == 1  # type: ignore[attr-defined]
    assert "records 2..3 missing" in verify.output  # type: ignore[attr-defined]


def test_check_as_of_a_past_date_screens_the_lists_of_that_day(db: str) -> None:
    """Inspur Taiwan was added to the Entity List on 2025-03-25 (90 FR 14035): screened as the
    lists stood on 2023-01-01 (the 2022 CSL) its hit says it was not listed then; as of a date
    after the 2026 files it was."""
    then = json.loads(
        invoke(db, "check", "Inspur Taiwan", "--as-of", "2023-01-01", "--json").stdout
    )
    assert then["lists_as_of"]["on"] == "2023-01-01"
    assert any(line.startswith("EL: version") and "consolidated_2022-05" in line
               for line in then["lists_as_of"]["versions"])  # fmt: skip
    inspur = next(h for h in then["hits"] if h["entry"]["name"] == "Inspur Taiwan")
    assert then["on_date"][inspur["entry"]["id"]]["listed_on_date"] is False
    now = json.loads(invoke(db, "check", "Inspur Taiwan", "--as-of", "2026-12-05", "--json").stdout)
    inspur = next(h for h in now["hits"] if h["entry"]["name"] == "Inspur Taiwan")
    assert now["on_date"][inspur["entry"]["id"]] == {
        "listed_on_date": True,
        "effective_date": now["on_date"][inspur["entry"]["id"]]["effective_date"],
        "removed_since": "",
        "note": "",
    }
    text = invoke(db, "check", "Inspur Taiwan", "--as-of", "2023-01-01").output
    assert "lists as they stood on 2023-01-01" in text and "2023-01-01" in text
    bad = invoke(db, "check", "Inspur Taiwan", "--as-of", "01/01/2023")
    assert bad.exit_code != 0 and "--as-of" in bad.output


def test_counterparties_import_reads_a_named_date_of_birth_column(db: str, tmp_path: Path) -> None:
    from exportscreen.casework.register import Register
    from exportscreen.store import Store

    parties = tmp_path / "parties.csv"
    header = "id,name,country,type,Born\n"
    parties.write_text(
        header + "P1,Aleksandr Alyoksa,BY,person,1978\nP2,Olga Petrova,RU,person,soon\n",
        encoding="utf-8",
    )
    refused = invoke(db, "counterparties", "import", str(parties), "--dob-col", "Born")
    assert refused.exit_code != 0
    assert "line 3, field 'Born'" in refused.output and "nothing was imported" in refused.output
    parties.write_text(header + "P1,Aleksandr Alyoksa,BY,person,1978-04-07\n", encoding="utf-8")
    imported = invoke(db, "counterparties", "import", str(parties), "--dob-col", "Born")
    assert imported.exit_code == 0 and "1 added" in imported.stdout
    with Store.open(f"sqlite:///{db}") as store:
        kept = {p.external_id: p.date_of_birth for p in Register(store, actor="t").counterparties()}
    assert kept["P1"] == "1978-04-07" and "P2" not in kept
