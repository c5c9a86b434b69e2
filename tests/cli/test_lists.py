"""``load``, ``update --from`` and ``versions`` at the command line: exit codes that mean what they
say, one-line errors for the failures an operator can act on, and staged versions decided."""

from __future__ import annotations

import errno
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from exportscreen.cli.app import app
from exportscreen.model import ListCode
from exportscreen.store import Store, audit_log, importing
from exportscreen.store.plausibility import DEFAULT_PLAUSIBILITY
from tests.store.factories import el_entry, parsed

runner = CliRunner()
RULE = "federal_register/2023-03929_88FR12170_entity_list_additions.xml"


def invoke(db: str, *args: str) -> Any:
    # The identity an administrator configured for the account (there is no --user option).
    return runner.invoke(app, ["--db", db, *args], env={"EXPORTSCREEN_USER": "alice"})


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")


@pytest.mark.shared
def test_the_readmes_first_command_exits_0_with_the_refused_files_as_warnings(
    raw_dir: Path, tmp_path: Path
) -> None:
    db = str(tmp_path / "store.db")
    result = invoke(db, "update", "--from", str(raw_dir))

    assert result.exit_code == 0, result.output
    assert "refused" in result.output and "csl_2023-11-30_partial.csv.gz" in result.output
    assert "ofac_sdn_2025-05_sample" in result.output
    assert "warning: 2 file(s) refused; every list they could hold kept its current version" in (
        " ".join(result.output.split())
    )
    assert "staged pending review" in result.output
    assert "Traceback" not in result.output
    with Store.open(db) as store:
        # Every list of the CSL has a current version (the staged ones keep their previous), and
        # so has the UN list (raw/un).
        assert len(store.lists()) == 14
        assert ListCode.UN in {s.list for s in store.lists()}
        assert {v.list for v in store.versions_in_review()} == {ListCode.DPL, ListCode.MBS}


@pytest.mark.shared
def test_a_refused_file_whose_lists_have_no_version_is_an_error(
    raw_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "only-the-partial"
    folder.mkdir()
    (folder / "csl.csv.gz").write_bytes(
        (raw_dir / "watchman/csl/csl_2023-11-30_partial.csv.gz").read_bytes()
    )
    result = invoke(str(tmp_path / "store.db"), "update", "--from", str(folder))
    assert result.exit_code == 1
    assert "holding a list that has no current version: csl.csv.gz" in " ".join(
        result.output.split()
    )


@pytest.mark.shared
def test_a_rule_without_an_entity_list_in_force_is_one_line(raw_dir: Path, tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "store.db"), "load", str(raw_dir / RULE))
    assert result.exit_code == 2
    assert "no EL version in force on 2023-02-24 to apply the rule to" in " ".join(
        result.output.split()
    )
    assert "nothing was imported." in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.shared
def test_a_full_disk_is_one_line_and_nothing_lands(
    raw_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "store.db"))

    monkeypatch.setattr(importing, "_ensure_states", no_space)
    db = str(tmp_path / "store.db")
    result = invoke(db, "load", str(raw_dir / "nsfreg_ecfr_derived/bis_meu.json"))
    assert result.exit_code == 2
    assert "the disk is full" in result.output and "No space left on device" in result.output
    assert "nothing was imported." in result.output
    assert isinstance(result.exception, SystemExit)
    with Store.open(db) as store:
        assert store.lists() == []


def test_a_busy_store_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "store.db")
    Store.open(db).close()
    monkeypatch.setitem(Store.open.__func__.__kwdefaults__, "lock_timeout", 0.3)  # type: ignore[attr-defined]
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with Store.open(db, lock_timeout=10) as store, store.writing("a long import"):
            inside.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(30)
    try:
        result = invoke(db, "versions", "accept", "1")
    finally:
        release.set()
        holder.join(30)
    assert result.exit_code == 2
    assert "another import is writing to the store" in " ".join(result.output.split())
    assert isinstance(result.exception, SystemExit)


def test_versions_lists_the_staged_and_an_admin_decides(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    full = [el_entry(f"e{n}", f"Listed Trading Company Number {n}") for n in range(40)]
    with Store.open(db) as store:
        store.import_source(parsed(full, name="april.csv", lists=(ListCode.EL,)))
    with Store.open(db) as store:
        (staged,) = store.import_source(
            parsed(full[:30], name="cut.csv", lists=(ListCode.EL,)),
            plausibility=DEFAULT_PLAUSIBILITY,
        ).staged

    listed = invoke(db, "versions", "--json")
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)
    assert row["id"] == staged.id and row["review"] == "pending"
    status = invoke(db, "status")
    assert f"EL version {staged.id}" in status.output and "staged pending review" in status.output

    accepted = invoke(db, "versions", "accept", str(staged.id), "--reason", "checked")
    assert accepted.exit_code == 0, accepted.output
    again = invoke(db, "versions", "reject", str(staged.id))
    assert again.exit_code == 2 and "is accepted, not pending review" in again.output
    with Store.open(db) as store:
        assert store.lists()[0].version_id == staged.id
        (record,) = audit_log.iter_rows(store.engine)
        assert (record.actor, record.action, record.payload["reason"]) == (
            "alice",
            "version.accept",
            "checked",
        )
