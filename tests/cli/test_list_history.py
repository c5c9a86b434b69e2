"""The command line on field provenance and dates (issue 12), on the real files: the 2022 CSL, the
2023 rule, the 2026 BIS files, and the Federal Register documents ``update`` caches (here from the
API fixtures)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from exportscreen.cli.app import app
from exportscreen.store import Store
from tests.conftest import FIXTURES
from tests.decisions.fr_dates import fr_documents

pytestmark = pytest.mark.shared

runner = CliRunner()
INSPUR_TX = FIXTURES / "decisions" / "transaction_inspur_taiwan.yaml"


def invoke(db: str, *args: str) -> object:
    return runner.invoke(
        app, ["--db", db, *args], env={"EXPORTSCREEN_USER": "alice"}, catch_exceptions=False
    )


@pytest.fixture(scope="module")
def db(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("cli-history") / "store.db")
    for name in (
        "watchman/csl/consolidated_2022-05.csv.gz",
        "federal_register/2023-03929_88FR12170_entity_list_additions.xml",
        "nsfreg_ecfr_derived",
    ):
        result = invoke(path, "load", str(raw_dir / name))
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    with Store.open(path) as store:
        store.save_fr_documents(fr_documents())
    return path


@pytest.fixture(autouse=True, scope="module")
def _cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXPORTSCREEN_CACHE", str(tmp_path_factory.mktemp("cache")))
        patch.setenv("COLUMNS", "200")
        yield


def entry_id(db: str, name: str) -> str:
    hits = json.loads(invoke(db, "check", name, "--json").stdout)["hits"]  # type: ignore[attr-defined]
    return str(next(h["entry"]["id"] for h in hits if h["entry"]["name"] == name))


def determine_on(db: str, tmp_path: Path, day: str) -> dict[str, object]:
    tx = yaml.safe_load(INSPUR_TX.read_text())
    tx["date"] = day
    path = tmp_path / f"tx-{day}.yaml"
    path.write_text(yaml.safe_dump(tx))
    result = invoke(db, "determine", str(path), "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    data: dict[str, object] = json.loads(result.stdout)  # type: ignore[attr-defined]
    return data


def test_show_says_where_each_legal_field_came_from(db: str) -> None:
    cpunto = entry_id(db, "CPUNTO Inc.")
    shown = json.loads(invoke(db, "show", cpunto, "--json").stdout)  # type: ignore[attr-defined]
    sources = {f["field"]: f for f in shown["field_sources"]}
    assert sources["review"]["file_name"] == "2023-03929_88FR12170_entity_list_additions.xml"
    assert sources["review"]["source_format"] == "federal_register"
    assert sources["licence"]["source_format"] == "bis_json"
    assert shown["entry"]["review"]["policy"] == "mixed"
    out = invoke(db, "show", cpunto).stdout  # type: ignore[attr-defined]
    assert (
        "from 2023-03929_88FR12170_entity_list_additions.xml (federal_register), 2023-02-24" in out
    )


@pytest.mark.parametrize(
    ("day", "listed", "status"),
    [("2025-03-24", False, "not-in-force"), ("2025-03-25", True, "potential")],
)
def test_show_as_of_and_determine_agree_on_inspur_taiwan(
    db: str, tmp_path: Path, day: str, listed: bool, status: str
) -> None:
    inspur = entry_id(db, "Inspur Taiwan")
    shown = json.loads(invoke(db, "show", inspur, "--as-of", day, "--json").stdout)  # type: ignore[attr-defined]
    assert (shown["entry"] is not None) is listed
    if listed:
        # The EL version in force then is the 2023 rule's; the 2026 one dates it 2025-03-25
        # (90 FR 14048's document, effective before its publication on 2025-03-28).
        assert "effective 2025-03-25" in shown["note"]
        review = {f["field"]: f for f in shown["field_sources"]}["review"]
        assert review["from"] == "not stated by any loaded source"
        assert shown["entry"]["review"]["policy"] == "not-stated"
    data = determine_on(db, tmp_path, day)
    listing = next(
        r
        for r in data["parties"][0]["listings"]  # type: ignore[index]
        if r["entry_id"] == inspur
    )
    assert listing["status"] == status
    assert listing["effective_date"] == "2025-03-25"
    assert listing["consequence"]["review_policy"] == "not-stated"
