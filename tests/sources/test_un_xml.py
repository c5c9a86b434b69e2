"""The UN Security Council Consolidated List: the real file of 2026-02-27 (shared data), the
schema contract on copies of it with elements cut out, and the whole path through the CLI (load,
check, diff across two versions) and through ``update`` from a local mirror."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportscreen.cli.app import app
from exportscreen.model import Address, EntryType, Identifier, ListCode
from exportscreen.ops.updater import run_update
from exportscreen.sources import detect, un_xml
from exportscreen.sources.common import ParsedSource, SourceError
from exportscreen.store import Store
from tests.httpserver import MirrorServer, mirror_server

__all__ = ["mirror_server"]  # a fixture, imported for pytest to find

pytestmark = pytest.mark.shared

UN_FILE = "un/un_consolidated_2026-02-27.xml.gz"
runner = CliRunner()


@pytest.fixture(scope="module")
def un_path(raw_dir: Path) -> Path:
    return raw_dir / UN_FILE


@pytest.fixture(scope="module")
def un_text(un_path: Path) -> str:
    return gzip.decompress(un_path.read_bytes()).decode("utf-8")


@pytest.fixture(scope="module")
def parsed(un_path: Path) -> ParsedSource:
    return un_xml.parse(un_path)


def _write(tmp_path: Path, text: str, name: str = "consolidated.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _record(text: str, reference: str) -> re.Match[str]:
    """The whole ``<INDIVIDUAL>`` or ``<ENTITY>`` element holding a reference number."""
    pattern = (
        r"<(INDIVIDUAL|ENTITY)>(?:(?!</\1>).)*?<REFERENCE_NUMBER>"
        + re.escape(reference)
        + r"\s*</REFERENCE_NUMBER>.*?</\1>\s*"
    )
    found = re.search(pattern, text, re.DOTALL)
    assert found is not None, reference
    return found


# --- the real file -------------------------------------------------------------------------


def test_every_record_of_the_real_file_loads(parsed: ParsedSource, un_path: Path) -> None:
    assert detect(un_path) is un_xml
    assert parsed.format == "un_xml" and parsed.lists == (ListCode.UN,)
    assert str(parsed.as_of) == "2026-02-27"  # dateGenerated
    assert parsed.problems == []
    assert len(parsed.entries) == 1_003
    assert Counter(e.type for e in parsed.entries) == {
        EntryType.INDIVIDUAL: 730,
        EntryType.ENTITY: 273,
    }
    ids = [e.id for e in parsed.entries]
    assert len(set(ids)) == 1_003
    assert all(e.id == f"UN-{e.source_id}" for e in parsed.entries)
    # "KPe.031 " is printed with a trailing blank: the id must not keep it.
    assert all(not e.source_id.endswith(" ") for e in parsed.entries)
    regimes = Counter(e.programs[0] for e in parsed.entries)
    assert regimes["Al-Qaida"] == 341 and regimes["DPRK"] == 155 and len(regimes) == 14


def test_eric_badege(parsed: ParsedSource) -> None:
    entry = next(e for e in parsed.entries if e.source_id == "CDi.001")
    assert entry.id == "UN-CDi.001" and entry.name == "ERIC BADEGE"
    assert entry.type is EntryType.INDIVIDUAL and entry.list is ListCode.UN
    assert entry.programs == ("DRC",)
    assert str(entry.start_date) == "2012-12-31"
    assert entry.nationalities == ("CD",)
    assert entry.addresses == (Address(country="RW"),)
    assert entry.dates_of_birth == ("1971",)
    assert entry.details["dataid"] == "6907993"
    assert entry.aliases == ()  # an empty <INDIVIDUAL_ALIAS> is no alias


def test_low_quality_aliases_are_weak(parsed: ParsedSource) -> None:
    iyamuremye = next(e for e in parsed.entries if e.source_id == "CDi.003")
    assert iyamuremye.aliases == (
        "Rumuli",
        "Byiringiro Victor Rumuli",
        "Victor Rumuri",
        "Michel Byiringiro",
    )
    assert iyamuremye.weak_aliases == ("Rumuli",)  # QUALITY Low
    assert iyamuremye.places_of_birth[0] == "Musanze District, Northern Province, Rwanda"
    # Every weak alias is an alias; the file marks 615 aliases Low (none on entities).
    assert all(set(e.weak_aliases) <= set(e.aliases) for e in parsed.entries)
    assert sum(len(e.weak_aliases) for e in parsed.entries) == 615
    houthis = next(e for e in parsed.entries if e.source_id == "YEe.001")
    assert "ANSARALLAH" in houthis.aliases and houthis.weak_aliases == ()  # a.k.a.


def test_documents_dates_and_original_script(parsed: ParsedSource) -> None:
    by_ref = {e.source_id: e for e in parsed.entries}
    # Passports and national numbers, 454 of them carry a number.
    assert sum(len(e.identifiers) for e in parsed.entries) == 454
    documented = [e for e in parsed.entries if e.identifiers]
    passport = next(
        i for e in documented for i in e.identifiers if i.value == "OB 0243318"
    )  # a DRC passport
    assert passport == Identifier("Passport", "OB 0243318", "CD")
    # "BETWEEN" dates read as a range, "APPROXIMATELY" as circa.
    assert sum(any(" to " in d for d in e.dates_of_birth) for e in parsed.entries) >= 1
    assert any(d.startswith("circa ") for e in parsed.entries for d in e.dates_of_birth)
    # The name in its original script is an alias, so Arabic input finds it.
    saddam = next(e for e in parsed.entries if "صدام حسين التكريتي" in e.aliases)
    assert saddam.programs == ("Iraq",) and saddam.source_id in by_ref
    # UN country names the ISO tables do not spell ("Iran (Islamic Republic of)", "State of
    # Palestine") resolve; only a country that no longer exists stays as printed.
    unresolved = {n for e in parsed.entries for n in e.nationalities if len(n) != 2}
    assert unresolved == {"former Soviet Union"}
    assert by_ref["IRi.003"].nationalities == ("IR",)  # Azim Aghajani


# --- the schema contract -----------------------------------------------------------------------


def test_a_record_missing_required_elements_is_refused_naming_them(
    un_text: str, tmp_path: Path
) -> None:
    record = _record(un_text, "CDi.002").group(0)
    cut = re.sub(r"\s*<LISTED_ON>[^<]*</LISTED_ON>", "", record)
    cut = re.sub(r"\s*<UN_LIST_TYPE>[^<]*</UN_LIST_TYPE>", "", cut)
    path = _write(tmp_path, un_text.replace(record, cut))
    with pytest.raises(SourceError) as caught:
        un_xml.parse(path)
    assert caught.value.field == "UN_LIST_TYPE"
    assert "INDIVIDUAL 2 (CDi.002) lacks required element(s) UN_LIST_TYPE, LISTED_ON" in str(
        caught.value
    )
    # Asked to skip bad rows, the rest loads and the record is reported.
    skipped = un_xml.parse(path, skip_bad_rows=True)
    assert len(skipped.entries) == 1_002 and len(skipped.problems) == 1
    assert "CDi.002" in skipped.problems[0].message


def test_a_file_without_its_entities_is_refused(un_text: str, tmp_path: Path) -> None:
    start, end = un_text.index("<ENTITIES>"), un_text.index("</ENTITIES>") + len("</ENTITIES>")
    path = _write(tmp_path, un_text[:start] + un_text[end:])
    with pytest.raises(SourceError, match=r"required element\(s\) ENTITIES missing"):
        un_xml.parse(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace(' dateGenerated="2026-02-27T00:00:09.554Z"', ""), "dateGenerated"),
        (lambda t: t.replace("CONSOLIDATED_LIST", "SANCTIONS"), "root is <SANCTIONS>"),
        (lambda t: t[: len(t) // 2], "malformed XML"),
        (
            lambda t: t.replace("<REFERENCE_NUMBER>CDi.003", "<REFERENCE_NUMBER>CDi.001"),
            "used twice: UN-CDi.001",
        ),
    ],
    ids=["no-date", "wrong-root", "cut-in-half", "duplicate-reference"],
)
def test_broken_files_are_refused(
    un_text: str, tmp_path: Path, change: object, message: str
) -> None:
    assert callable(change)
    path = _write(tmp_path, change(un_text))
    with pytest.raises(SourceError, match=re.escape(message)):
        un_xml.parse(path)


# --- load, check and diff through the CLI ---------------------------------------------------


def invoke(db: str, *args: str) -> object:
    return runner.invoke(
        app, ["--db", db, *args], env={"EXPORTSCREEN_USER": "alice"}, catch_exceptions=False
    )


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("EXPORTSCREEN_CACHE", str(tmp_path / "cache"))
    yield


def test_load_check_and_diff_two_un_versions(un_path: Path, un_text: str, tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    loaded = invoke(db, "load", str(un_path))
    assert loaded.exit_code == 0, loaded.output  # type: ignore[attr-defined]

    found = invoke(db, "check", "Eric Badege", "--json")
    hits = json.loads(found.stdout)["hits"]  # type: ignore[attr-defined]
    assert hits[0]["entry"]["id"] == "UN-CDi.001"
    assert hits[0]["entry"]["list"] == "UN"

    # The next version: CDi.002 delisted, CDi.003's Low alias dropped, a new listing.
    removed = _record(un_text, "CDi.002").group(0)
    changed = _record(un_text, "CDi.003").group(0)
    newer = un_text.replace(removed, "").replace(
        changed,
        changed.replace(
            "<QUALITY>Low</QUALITY>\n        <ALIAS_NAME>Rumuli</ALIAS_NAME>",
            "<QUALITY>Good</QUALITY>\n        <ALIAS_NAME>Rumuli</ALIAS_NAME>",
        ),
    )
    added = (
        "<INDIVIDUAL><DATAID>9999999</DATAID><VERSIONNUM>1</VERSIONNUM>"
        "<FIRST_NAME>JOHN</FIRST_NAME><SECOND_NAME>EXAMPLE</SECOND_NAME>"
        "<UN_LIST_TYPE>DRC</UN_LIST_TYPE><REFERENCE_NUMBER>CDi.999</REFERENCE_NUMBER>"
        "<LISTED_ON>2026-03-01</LISTED_ON></INDIVIDUAL>"
    )
    newer = newer.replace("</INDIVIDUALS>", added + "</INDIVIDUALS>").replace(
        "2026-02-27T00:00:09.554Z", "2026-03-02T00:00:09.554Z"
    )
    assert newer.count("<INDIVIDUAL>") == 730  # one out, one in
    second = tmp_path / "later" / "consolidated.xml"
    second.parent.mkdir()
    second.write_text(newer, encoding="utf-8")
    loaded = invoke(db, "load", str(second))
    assert loaded.exit_code == 0, loaded.output  # type: ignore[attr-defined]

    shown = json.loads(invoke(db, "diff", "UN", "--json").stdout)  # type: ignore[attr-defined]
    sections = ("added", "removed", "changed", "format_only", "merged", "unresolved")
    assert {name: [c["entry_id"] for c in shown[name]] for name in sections} == {
        "added": ["UN-CDi.999"],
        "removed": ["UN-CDi.002"],
        "changed": ["UN-CDi.003"],
        "format_only": [],
        "merged": [],
        "unresolved": [],
    }
    (change,) = shown["changed"]
    assert [(f["field"], f["before"], f["after"]) for f in change["fields"]] == [
        ("weak_aliases", ["Rumuli"], [])
    ]


# --- update from the official URL (a local mirror) --------------------------------------------


def test_update_downloads_the_un_list(mirror_server: MirrorServer, tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        report = run_update(
            store, sources=["un-sc"], mirror=mirror_server.url, timeout=5, retries=0
        )
        assert report.exit_code == 0, [s.error for s in report.sources]
        (result,) = report.sources
        assert result.counts == {ListCode.UN: 1_003}
        (summary,) = [s for s in store.lists() if s.list is ListCode.UN]
        assert summary.entry_count == 1_003
    assert mirror_server.hits(un_xml.OFFICIAL_URL) == 1
