# ruff: noqa: E501 - address and identifier texts are copied verbatim from the real files.
"""The eCFR-derived BIS JSON (Entity List, MEU, DPL) and the identity shared with the CSL."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from exportscreen.model import Address, EntryType, LicenceScope, ListCode
from exportscreen.sources import bis_json, csl_csv
from exportscreen.sources.common import SourceError

FIXTURE = Path(__file__).parent.parent / "fixtures" / "sources" / "bis_entity_list_sample.json"
ECFR = "nsfreg_ecfr_derived"


def test_fixture_entries() -> None:
    parsed = bis_json.parse(FIXTURE)
    assert parsed.as_of == date(2026, 7, 9)
    assert parsed.lists == (ListCode.EL,)
    by_name = {e.name: e for e in parsed.entries}
    # Listed twice, under Afghanistan and under Pakistan: two entries, two ids.
    ghouras = {e.countries: e for e in parsed.entries if e.name == "Abdul Satar Ghoura"}
    assert set(ghouras) == {("AF",), ("PK",)}
    assert len({e.id for e in ghouras.values()}) == 2
    ghoura = ghouras[("AF",)]
    assert ghoura.addresses == (
        Address(
            street="501, 5th Floor, Amanullah Sancharaki Market Opp Chaman E Huzuri, Kabul, Afghanistan",
            country="AF",
        ),
        Address(street="Flat No. 41 Block No. 24 Macroyan 3, Kabul, Afghanistan", country="AF"),
    )
    assert ghoura.remarks == "(See alternate addresses under Pakistan)"
    # The name loses its cross-reference, which becomes a remark.
    woodford = by_name["Brian Douglas Woodford"]
    assert woodford.remarks == "(See alternate address under Singapore)"
    assert woodford.countries == ("GB",)
    assert by_name["Address 01"].type is EntryType.ADDRESS_ONLY
    assert by_name["Address 01"].licence.scope is LicenceScope.LISTED_ECCNS


@pytest.mark.parametrize(
    ("text", "streets"),
    [
        (
            "Golaye Park, Shari Naw, Kabul, Afghanistan, and Dasht Qala, Takhar Province, Afghanistan.",
            [
                "Golaye Park, Shari Naw, Kabul, Afghanistan",
                "Dasht Qala, Takhar Province, Afghanistan",
            ],
        ),
        # "and" inside an address (not after a country name) does not split it.
        (
            "Room 1318-19 and 1318-20, 13F, Hollywood Plaza, Hong Kong.",
            ["Room 1318-19 and 1318-20, 13F, Hollywood Plaza, Hong Kong"],
        ),
        (
            "Room 1905, Sheung Wang, Hong Kong; and Room 1119, Yau Tong, Kowloon, Hong Kong.",
            ["Room 1905, Sheung Wang, Hong Kong", "Room 1119, Yau Tong, Kowloon, Hong Kong"],
        ),
    ],
)
def test_split_addresses(text: str, streets: list[str]) -> None:
    assert [a.street for a in bis_json.split_addresses(text, "CN")] == streets
    assert {a.country for a in bis_json.split_addresses(text, "CN")} == {"CN"}


@pytest.mark.shared
def test_entity_list(raw_dir: Path) -> None:
    path = raw_dir / ECFR / "bis_entity_list.json.gz"
    parsed = bis_json.parse(path)
    # The file's 3,409 entries, and a record for each party named inside one of them
    # (tests/sources/test_subparties.py).
    rows = [e for e in parsed.entries if e.details.get("named_in") != "address"]
    assert len(rows) == 3409
    assert len({e.id for e in parsed.entries}) == len(parsed.entries)
    assert parsed.as_of == date(2026, 7, 9)

    def citing(page: int) -> int:
        return sum(any((c.volume, c.page) == (90, page) for c in e.citations) for e in rows)

    assert (citing(14035), citing(14048)) == (71, 12)
    inspur = next(e for e in parsed.entries if e.name == "Inspur Taiwan")
    assert [(c.volume, c.page, c.date) for c in inspur.citations] == [
        (90, 14048, date(2025, 3, 28))
    ]
    assert inspur.licence.footnotes == (4,)
    assert inspur.licence.scope is LicenceScope.ALL_ITEMS
    assert inspur.countries == ("TW",)
    # Address-only entries, counted in the raw file by their placeholder names.
    raw = json.loads(gzip.decompress(path.read_bytes()))
    placeholders = sum(e["name"].startswith("Address ") for e in raw["entities"])
    assert placeholders == 19
    assert sum(e.type is EntryType.ADDRESS_ONLY for e in parsed.entries) == placeholders
    # Every entry citing §734.9(g) carries footnote 3.
    russia = [e for e in parsed.entries if "734.9(g)" in e.licence.regulations]
    assert russia and all(3 in e.licence.footnotes for e in russia)


@pytest.mark.parametrize(
    ("cells", "aliases"),
    [
        (["X", "Y", "and Z"], ("X", "Y", "Z")),
        # The eCFR-derived file cuts "M. Aziz; and" after the semicolon: the conjunction is
        # list punctuation, not an alias.
        (
            ["Mehdi Keivan", "M. Aziz; and", "Aziz Bahari"],
            ("Mehdi Keivan", "M. Aziz", "Aziz Bahari"),
        ),
        (
            ["HPSTAR; and", "Beijing High Voltage Science Research Center"],
            ("HPSTAR", "Beijing High Voltage Science Research Center"),
        ),
        (["Anderson and Sons", "AND"], ("Anderson and Sons",)),
        (["A; B", "A"], ("A", "B")),
    ],
)
def test_aliases_from(cells: list[str], aliases: tuple[str, ...]) -> None:
    assert bis_json.aliases_from(cells) == aliases


@pytest.mark.shared
def test_no_alias_is_a_conjunction(raw_dir: Path) -> None:
    """Three Entity List entries carried the alias "and" (Mahdi Keivan Bahari, HPSTAR, the
    Baranov Central Institute), which any query with "and" in it reached."""
    parsed = bis_json.parse(raw_dir / ECFR / "bis_entity_list.json.gz")
    assert not [
        e.id for e in parsed.entries if any(a.casefold() in {"and", "or"} for a in e.aliases)
    ]
    bahari = next(e for e in parsed.entries if e.name == "Mahdi Keivan Bahari")
    assert bahari.aliases == ("Mehdi Keivan", "M. Aziz", "Aziz Bahari")


@pytest.mark.shared
def test_meu_and_dpl(raw_dir: Path) -> None:
    meu = bis_json.parse(raw_dir / ECFR / "bis_meu.json")
    assert len(meu.entries) == 70
    assert {e.list for e in meu.entries} == {ListCode.MEU}
    subordinate = [e for e in meu.entries if e.remarks.startswith("Subordinate institution of")]
    assert len(subordinate) == 15 and all(e.licence.scope is LicenceScope.NONE for e in subordinate)
    dpl = bis_json.parse(raw_dir / ECFR / "bis_dpl.json")
    assert len(dpl.entries) == 564
    adt = dpl.entries[0]
    assert adt.name == "ADT ANALOG AND DIGITAL TECHNIK"
    assert adt.details["standard_order"] == "Y"
    assert adt.start_date == date(1981, 9, 10)
    assert len(adt.citations) == 2
    assert not adt.remarks  # the order's notes are read, not kept as a remark


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "start", "end", "standard_order"),
    [
        # "Type of denial: Standard; Expires: 2026-04-25"
        ("ROBERT LUBA", date(2016, 12, 29), date(2026, 4, 25), "Y"),
        # "Expires: 2026-10-14" alone: the order's kind is not stated
        ("SARAH MAJID ZEAITER", date(2019, 8, 13), date(2026, 10, 14), None),
        # "Type of denial: Standard" alone: an order with no expiry
        ("ADT ANALOG AND DIGITAL TECHNIK", date(1981, 9, 10), None, "Y"),
    ],
)
def test_dpl_orders(
    raw_dir: Path, name: str, start: date, end: date | None, standard_order: str | None
) -> None:
    dpl = bis_json.parse(raw_dir / ECFR / "bis_dpl.json")
    entry = next(e for e in dpl.entries if e.name == name)
    assert (entry.start_date, entry.end_date) == (start, end)
    assert entry.details.get("standard_order") == standard_order


@pytest.mark.shared
def test_dpl_expiry_dates_and_non_standard_orders(raw_dir: Path) -> None:
    dpl = bis_json.parse(raw_dir / ECFR / "bis_dpl.json")
    assert sum(e.end_date is not None for e in dpl.entries) == 511
    assert sum(e.details.get("standard_order") == "N" for e in dpl.entries) == 3
    assert not any("xpires" in e.remarks for e in dpl.entries)


def test_dpl_order_notes_bad_values(tmp_path: Path) -> None:
    def parse_notes(notes: str) -> None:
        path = tmp_path / "dpl.json"
        record = {"name": "A B", "aliases": [], "country": "Germany", "address": "",
                  "effective_date": None, "federal_register": "", "notes": notes}  # fmt: skip
        path.write_text(json.dumps({"list_id": "bis-dpl", "extracted": "2026-07-09",
                                    "entities": [record]}))  # fmt: skip
        bis_json.parse(path)

    with pytest.raises(SourceError, match=r"entities\[0\]\.notes.*2035-13-01"):
        parse_notes("Type of denial: Standard; Expires: 2035-13-01")
    with pytest.raises(SourceError, match="unknown type of denial 'Partial'"):
        parse_notes("Type of denial: Partial")


@pytest.mark.shared
def test_same_party_same_id_in_csl_2022_and_bis_2026(raw_dir: Path) -> None:
    csl = csl_csv.parse(raw_dir / "watchman/csl/consolidated_2022-05.csv.gz")
    bis = bis_json.parse(raw_dir / ECFR / "bis_entity_list.json.gz")
    csl_ids = {e.name: e.id for e in csl.entries if e.list is ListCode.EL}
    bis_ids = {e.name: e.id for e in bis.entries}
    assert csl_ids["140 Repair Plant JSC"] == bis_ids["140 Repair Plant JSC"]
    # A Hong Kong party: HK in the CSL address, China in the eCFR heading, one id.
    assert csl_ids["ACTeam Logistics Ltd."] == bis_ids["ACTeam Logistics Ltd."]
    shared = {e.id for e in csl.entries if e.list is ListCode.EL} & {e.id for e in bis.entries}
    assert len(shared) >= 1700  # measured 1,763 of 2,001; the rest were removed or renamed


def test_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "bis.json"
    path.write_text('{\n "list_id": "bis-meu",\n "entities": [\n {"name": }\n]}')
    with pytest.raises(SourceError) as caught:
        bis_json.parse(path)
    assert caught.value.line == 4


def test_empty_name_and_bad_date(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text())
    doc["entities"][1]["name"] = " "
    doc["entities"][2]["effective_date"] = "2025-02-30"
    path = tmp_path / "bis.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(SourceError) as caught:
        bis_json.parse(path)
    assert caught.value.field == "entities[1].name"
    parsed = bis_json.parse(path, skip_bad_rows=True)
    assert [p.field for p in parsed.problems] == ["entities[1].name", "entities[2].effective_date"]
    assert len(parsed.entries) == len(doc["entities"]) - 2


@pytest.mark.shared
def test_truncated_gzip(raw_dir: Path, tmp_path: Path) -> None:
    data = (raw_dir / ECFR / "bis_entity_list.json.gz").read_bytes()
    path = tmp_path / "bis_entity_list.json.gz"
    path.write_bytes(data[:100_000])
    with pytest.raises(SourceError) as caught:
        bis_json.parse(path)
    assert caught.value.file == str(path)
    assert "gzip" in caught.value.message


@pytest.mark.parametrize("field", bis_json.REQUIRED_FIELDS)
def test_a_renamed_field_is_refused_naming_it(tmp_path: Path, field: str) -> None:
    """``country`` renamed would change every id, ``notes`` drop every licence requirement:
    a field the entries are made from is required in every record."""
    data = json.loads(FIXTURE.read_text())
    for record in data["entities"]:
        record[f"{field}_v2"] = record.pop(field)
    path = tmp_path / "bis.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SourceError, match=rf"required field '{field}' missing") as caught:
        bis_json.parse(path)
    assert caught.value.field == f"entities[0].{field}"
