"""``diff``, ``show``, ``links`` and ``check`` on the real files: the 2022 CSL, then the 2026 BIS
files, loaded through the CLI as the README shows."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from exportscreen.cli.app import app
from exportscreen.store import Store, audit_log

pytestmark = pytest.mark.shared

runner = CliRunner()
CSL_2022 = "watchman/csl/consolidated_2022-05.csv.gz"


def invoke(db: str, *args: str) -> object:
    return runner.invoke(
        app, ["--db", db, *args], env={"EXPORTSCREEN_USER": "alice"}, catch_exceptions=False
    )


@pytest.fixture(autouse=True, scope="module")
def _environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXPORTSCREEN_CACHE", str(tmp_path_factory.mktemp("cache")))
        patch.setenv("COLUMNS", "250")
        yield


@pytest.fixture(scope="module")
def csl_only(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("one") / "store.db")
    result = invoke(path, "load", str(raw_dir / CSL_2022))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return path


@pytest.fixture(scope="module")
def db(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("two") / "store.db")
    result = invoke(path, "load", str(raw_dir / CSL_2022), str(raw_dir / "nsfreg_ecfr_derived"))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return path


def test_diff_of_a_list_with_one_version_says_there_is_nothing_to_compare(csl_only: str) -> None:
    result = invoke(csl_only, "diff", "EL")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert "nothing to compare" in result.stdout  # type: ignore[attr-defined]
    shown = json.loads(invoke(csl_only, "diff", "EL", "--json").stdout)  # type: ignore[attr-defined]
    assert "nothing to compare" in shown["message"]


def test_diff_speaks_in_legal_terms(db: str) -> None:
    out = invoke(db, "diff", "EL").stdout  # type: ignore[attr-defined]
    assert "still listed under another record" in out
    # Labels, not stored field names; values, not Python dicts.
    assert "licence requirement: " in out
    assert "licence.raw" not in out and "{'" not in out
    # The CSL's record ids differ in every row, and are only shown with --all.
    assert "source record id" not in out
    assert "source record id" in invoke(db, "diff", "EL", "--all").stdout  # type: ignore[attr-defined]


def test_diff_exports_every_change_with_exact_counts(db: str, tmp_path: Path) -> None:
    # The 2026 DPL removes more than a fifth of the 2022 one: staged pending review, and its
    # diff is against the version it would replace.
    listed = json.loads(invoke(db, "lists", "--json").stdout)  # type: ignore[attr-defined]
    (staged,) = next(row["staged"] for row in listed if row["list"] == "DPL")
    version = str(staged["version"])
    summary = json.loads(invoke(db, "diff", "DPL", "--to", version, "--json").stdout)  # type: ignore[attr-defined]
    assert summary["from_version"]["file_name"].startswith("consolidated_2022")
    target = tmp_path / "dpl.csv"
    invoke(db, "diff", "DPL", "--to", version, "--output", str(target))
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for section in ("added", "removed", "changed", "merged", "unresolved", "format_only"):
        ids = {r["entry_id"] for r in rows if r["section"] == section}
        assert len(ids) == len(summary[section]), section
    changed = [r for r in rows if r["section"] == "changed" and r["format_only"] != "yes"]
    # Human labels ("licence requirement", "end date"), not stored paths ("licence.raw").
    paths = ("licence.", "review.", "details.")
    assert changed and all(
        r["label"] and "_" not in r["label"] and not r["label"].startswith(paths) for r in changed
    )
    # (The denial type is read into the end date and the standard-order flag by every DPL
    # loader, so it is no longer a field of its own that could change.)
    assert {r["label"] for r in changed} >= {"end date", "addresses"}
    exported = tmp_path / "dpl.json"
    invoke(db, "diff", "DPL", "--to", version, "--output", str(exported))
    assert len(json.loads(exported.read_text(encoding="utf-8"))) == len(rows)


def test_show_prints_history_values_readably(db: str) -> None:
    hits = json.loads(invoke(db, "check", "Huawei Mobile Technology Ltd", "--json").stdout)  # type: ignore[attr-defined]
    entry_id = hits["hits"][0]["entry"]["id"]
    out = invoke(db, "show", entry_id).stdout  # type: ignore[attr-defined]
    assert "named in the entry of" in out and "Huawei Technologies Co., Ltd." in out
    assert "changed" in out and "addresses: " in out
    assert "{'street'" not in out and "'volume'" not in out


def test_check_finds_a_huawei_affiliate_as_named_in_the_huawei_entry(db: str) -> None:
    result = invoke(db, "check", "Huahai Zhihui Technology Co., Ltd.")
    assert "named affiliate: listed in the entry for Huawei Technologies Co., Ltd." in (
        result.stdout  # type: ignore[attr-defined]
    )
    hits = json.loads(
        invoke(db, "check", "Huahai Zhihui Technology Co., Ltd.", "--json").stdout  # type: ignore[attr-defined]
    )["hits"]
    top = hits[0]["entry"]
    assert top["list"] == "EL" and top["details"]["parent_name"] == "Huawei Technologies Co., Ltd."
    huawei = json.loads(
        invoke(db, "show", top["details"]["parent_id"], "--json").stdout  # type: ignore[attr-defined]
    )["entry"]
    assert huawei["name"] == "Huawei Technologies Co., Ltd."


def test_links_review_lists_what_could_not_be_decided(db: str) -> None:
    review = json.loads(invoke(db, "links", "--review", "--json").stdout)  # type: ignore[attr-defined]
    assert review and all(item["method"] == "ambiguous" and item["candidates"] for item in review)
    everything = json.loads(invoke(db, "links", "EL", "--json").stdout)  # type: ignore[attr-defined]
    methods = {item["method"] for item in everything}
    assert {"name-country", "fuzzy", "merged"} <= methods
    out = invoke(db, "links", "--review").stdout  # type: ignore[attr-defined]
    assert "could not decide" in out


def test_show_of_a_merged_record_says_where_its_party_is_listed(db: str) -> None:
    merged = [
        item
        for item in json.loads(invoke(db, "links", "EL", "--json").stdout)  # type: ignore[attr-defined]
        if item["method"] == "merged"
    ]
    assert merged
    out = invoke(db, "show", merged[0]["previous_id"]).stdout  # type: ignore[attr-defined]
    assert "was not on its list" in out
    assert f"still listed as {merged[0]['entry_id']}" in out


# --- deciding an undecided link: `links accept|reject` ------------------------------------------

# The one link the 2022 CSL -> 2026 Entity List linking leaves undecided: the 2026 "Department of
# Atomic Energy" record may continue the 2022 record of one of its subordinate nuclear reactors.
DAE = "Department of Atomic Energy"
REACTORS = "Nuclear reactors (including power plants) not under International Atomic Energy"


@pytest.fixture
def copy(db: str, tmp_path: Path) -> str:
    """A copy of the module's store, for a test that changes it."""
    target = tmp_path / "store.db"
    shutil.copyfile(db, target)
    return str(target)


def _undecided(db: str) -> dict[str, Any]:
    (item,) = [
        i
        for i in json.loads(invoke(db, "links", "--review", "--json").stdout)  # type: ignore[attr-defined]
        if i["name"] == DAE
    ]
    (candidate,) = item["candidates"]
    assert candidate["name"].startswith(REACTORS)
    return dict(item)


def _el_diff(db: str) -> dict[str, Any]:
    return dict(json.loads(invoke(db, "diff", "EL", "--json").stdout))  # type: ignore[attr-defined]


def _audit(db: str) -> list[Any]:
    with Store.open(f"sqlite:///{db}") as store:
        return [r for r in audit_log.iter_rows(store.engine) if r.action.startswith("link.")]


def test_accepting_a_link_makes_the_two_records_one_party(copy: str) -> None:
    item = _undecided(copy)
    new_id, old_id = item["entry_id"], item["candidates"][0]["entry_id"]
    before = _el_diff(copy)
    assert [c["entry_id"] for c in before["unresolved"] if c["after"]] == [new_id]
    assert not any(c["entry_id"] == new_id for c in before["changed"])
    history = json.loads(invoke(copy, "show", new_id, "--json").stdout)["history"]  # type: ignore[attr-defined]
    assert [e["kind"] for e in history] == ["added"]  # only its 2026 record

    result = invoke(copy, "links", "accept", str(item["link"]), "--reason", "BIS renamed it")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert f"{new_id} {DAE} continues {old_id}" in result.stdout  # type: ignore[attr-defined]

    after = _el_diff(copy)
    assert after["unresolved"] == []
    (joined,) = [c for c in after["changed"] if c["entry_id"] == new_id]
    assert joined["before"]["id"] == old_id and joined["after"]["name"] == DAE
    assert len(after["changed"]) == len(before["changed"]) + 1
    assert not any(c["entry_id"] in (old_id, new_id) for c in after["removed"] + after["added"])
    # One history across both ids: the 2022 record, then its change into the 2026 one.
    history = json.loads(invoke(copy, "show", new_id, "--json").stdout)["history"]  # type: ignore[attr-defined]
    assert [e["kind"] for e in history] == ["added", "changed"]
    assert history[0]["entry"]["id"] == old_id
    shown = invoke(copy, "show", old_id).stdout  # type: ignore[attr-defined]
    assert f"still listed as {new_id}" in shown and "accepted on review" in shown
    assert invoke(copy, "links", "--review").stdout.strip() == "nothing to review"  # type: ignore[attr-defined]
    (record,) = _audit(copy)
    assert (record.actor, record.action) == ("alice", "link.accept")
    assert record.payload["continues"] == old_id and record.payload["reason"] == "BIS renamed it"
    # Decided once: a second decision is refused and changes nothing.
    again = invoke(copy, "links", "reject", str(item["link"]))
    assert again.exit_code == 2 and "already accepted by alice" in again.output  # type: ignore[attr-defined]
    assert len(_audit(copy)) == 1


def test_rejecting_a_link_makes_the_record_a_new_party(copy: str) -> None:
    item = _undecided(copy)
    new_id = item["entry_id"]
    # The record's entry id names its undecided link as well as the link's number does.
    result = invoke(copy, "links", "reject", new_id)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    after = _el_diff(copy)
    assert after["unresolved"] == []
    assert [c["entry_id"] for c in after["added"] if c["entry_id"] == new_id] == [new_id]
    history = json.loads(invoke(copy, "show", new_id, "--json").stdout)["history"]  # type: ignore[attr-defined]
    assert [e["kind"] for e in history] == ["added"]
    (record,) = _audit(copy)
    assert record.action == "link.reject" and record.payload["entry_id"] == new_id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("links", "accept"), "needs the link"),
        (("links", "accept", "999999"), "no link 999999"),
        (("links", "accept", "EL-notarecord"), "no undecided link of EL-notarecord"),
        (("links", "accept", "{link}", "--continues", "EL-other"), "is not a candidate"),
    ],
)
def test_a_link_decision_that_cannot_be_made_changes_nothing(
    copy: str, args: tuple[str, ...], message: str
) -> None:
    link = str(_undecided(copy)["link"])
    result = invoke(copy, *(a.replace("{link}", link) for a in args))
    assert result.exit_code == 2 and message in result.output  # type: ignore[attr-defined]
    assert _audit(copy) == []
    assert _el_diff(copy)["unresolved"]
