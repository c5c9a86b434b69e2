# ruff: noqa: E501 - address and identifier texts are copied verbatim from the real files.
"""The trade.gov CSL CSV loader, on a hand-picked fixture of real rows and on the real files."""

from __future__ import annotations

import gzip
import shutil
from datetime import date
from pathlib import Path

import pytest

from exportscreen.model import Address, EntryType, Identifier, LicenceScope, ListCode, ReviewPolicy
from exportscreen.sources import csl_csv
from exportscreen.sources.common import SourceError, entry_id

FIXTURE = Path(__file__).parent.parent / "fixtures" / "sources" / "csl_sample.csv"


def test_fixture_entries() -> None:
    parsed = csl_csv.parse(FIXTURE)
    by_name = {e.name: e for e in parsed.entries}
    assert [e.list for e in parsed.entries] == [
        ListCode.MEU,
        ListCode.SDN,
        ListCode.DPL,
        ListCode.SSI,
        ListCode.EL,
    ]
    assert parsed.as_of == date(2022, 4, 7)  # the EL row's start date is the newest
    assert parsed.lists == (ListCode.EL, ListCode.MEU, ListCode.DPL, ListCode.SDN, ListCode.SSI)

    rim = by_name["RIM, Ryong Nam"]
    assert rim.id == "SDN-52291"
    assert rim.type is EntryType.INDIVIDUAL
    assert rim.addresses == (
        Address(city="Shenyang", country="CN"),
        Address(city="Pyongyang", country="KP"),
    )
    assert rim.countries == ("CN", "KP")
    assert rim.nationalities == ("KP",)
    assert rim.dates_of_birth == ("1978-12-05",)
    assert rim.identifiers[0] == Identifier("Passport", "836238033", "KP")
    assert Identifier("Gender", "Male") in rim.identifiers

    plant = by_name["140 Repair Plant JSC"]
    assert plant.id == entry_id(ListCode.EL, "140 Repair Plant JSC", "BY")
    assert plant.aliases == ("Open Joint Stock Company 140 Repair Plant", "JSC 140 Repair Plant")
    assert plant.addresses == (Address("19 Luysi Chalovskoy St.", "Borisov", "", "222512", "BY"),)
    assert plant.licence.scope is LicenceScope.ALL_ITEMS
    assert plant.licence.footnotes == (3,)
    assert plant.review.policy is ReviewPolicy.POLICY_OF_DENIAL
    assert [(c.volume, c.page) for c in plant.citations] == [(87, 20299)]
    assert plant.source_id == "4398d33e9e93c7477af39f1e0bfffc13ddd47bcc"

    ash = by_name["I. ASH"]
    assert ash.addresses == (Address("605 TRAIL LAKE DRIVE", "RICHARDSON", "TX", "75081", "US"),)
    assert ash.end_date == date(2056, 6, 29)
    assert ash.details["standard_order"] == "Y"

    tnk = by_name["TNK Trading International S.A."]
    assert tnk.programs == ("VENEZUELA-EO13850", "UKRAINE-EO13662")
    assert tnk.identifiers[1] == Identifier(
        "Business Registration Number", "CH-660.0.559.011-2", "CH"
    )

    meu = by_name["Academy of Aerospace Solid Propulsion Technology (AASPT)"]
    # BIS's own wording ends with the country name: no separate city can be told apart.
    assert meu.addresses == (
        Address(street="Tian Wang te Zi #1, Baqiao District, Xian, China", country="CN"),
    )
    assert meu.licence.scope is LicenceScope.LISTED_ECCNS
    assert meu.review.policy is ReviewPolicy.CROSS_REFERENCE


ADDRESS_CASES = [
    (
        "31 Jinrong Street, Xicheng District, Beijing, 100033, CN",
        Address("31 Jinrong Street, Xicheng District", "Beijing", "", "100033", "CN"),
    ),
    ("SY", Address(country="SY")),
    ("Moscow, RU", Address(city="Moscow", country="RU")),
    ("c/o FRANZUL S.A., Medellin, CO", Address("c/o FRANZUL S.A.", "Medellin", "", "", "CO")),
    # DPL addresses in the US leave the country out; "AZ" is Arizona here, not Azerbaijan.
    (
        "3037 S. 69TH DRIVE, PHONEIX, AZ, 85043",
        Address("3037 S. 69TH DRIVE", "PHONEIX", "AZ", "85043", ""),
    ),
    (
        "INMATE NUMBER: 42167-480, FCI LA TUNA FEDERAL CORRECTIONAL INSTITUTION, P.O. BOX 3000, ANTHONY, NM, 88201",
        Address(
            "INMATE NUMBER: 42167-480, FCI LA TUNA FEDERAL CORRECTIONAL INSTITUTION, P.O. BOX 3000",
            "ANTHONY",
            "NM",
            "88201",
            "",
        ),
    ),
    # One piece of a BIS cell split on ";": no code, a country name at the end.
    (
        "Billstrasse 123, Hamburg, Germany",
        Address(street="Billstrasse 123, Hamburg, Germany", country="DE"),
    ),
    (
        "and Billwerder Neuer Deich 72, Hamburg, Germany, DE",
        Address(street="Billwerder Neuer Deich 72, Hamburg, Germany", country="DE"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), ADDRESS_CASES)
def test_parse_address(text: str, expected: Address) -> None:
    assert csl_csv.parse_address(text) == expected


TYPE_LAST = csl_csv.IdLayout.TYPE_LAST
TYPE_FIRST = csl_csv.IdLayout.TYPE_FIRST
IDENTIFIER_CASES = [
    # May 2022 layout.
    ("CA, BC166787, Passport", TYPE_LAST, Identifier("Passport", "BC166787", "CA")),
    ("Male, Gender", TYPE_LAST, Identifier("Gender", "Male")),
    (
        "JO, 2014-08-30, 2009-08-31, K475336, Passport",
        TYPE_LAST,
        Identifier("Passport", "K475336", "JO", "issued 2009-08-31; expires 2014-08-30"),
    ),
    (
        "MM, 2017-01-16, 110364903, Registration Number",
        TYPE_LAST,
        Identifier("Registration Number", "110364903", "MM", "2017-01-16"),
    ),
    (
        "section 1(b) of Executive Order 13224, as amended by Executive Order 13886, Secondary sanctions risk:",
        TYPE_LAST,
        Identifier(
            "Secondary sanctions risk:",
            "section 1(b) of Executive Order 13224, as amended by Executive Order 13886",
        ),
    ),
    # 2023 and later.
    (
        "Unified Social Credit Code (USCC), 9111000071093019X7, CN",
        TYPE_FIRST,
        Identifier("Unified Social Credit Code (USCC)", "9111000071093019X7", "CN"),
    ),
    (
        "Passport, E590976, TN, 19 Jun 1987, 18 Jun 1992",
        TYPE_FIRST,
        Identifier("Passport", "E590976", "TN", "issued 19 Jun 1987; expires 18 Jun 1992"),
    ),
    ("Gender, Male", TYPE_FIRST, Identifier("Gender", "Male")),
]


@pytest.mark.parametrize(("text", "layout", "expected"), IDENTIFIER_CASES)
def test_parse_identifier(text: str, layout: csl_csv.IdLayout, expected: Identifier) -> None:
    assert csl_csv.parse_identifier(text, layout) == expected


def test_id_layout_is_decided_by_the_telling_items() -> None:
    assert csl_csv.id_layout(["Male, Gender", "CA, BC166787, Passport; Male, Gender"]) is TYPE_LAST
    assert csl_csv.id_layout(["Gender, Male", "Passport, 836238033, KP"]) is TYPE_FIRST


# --- the real files -----------------------------------------------------------------------


@pytest.mark.shared
def test_full_2022_file_counts(raw_dir: Path) -> None:
    parsed = csl_csv.parse(raw_dir / "watchman/csl/consolidated_2022-05.csv.gz")
    # Rows, not the records added for parties named inside an entry (the armed forces the two
    # Ministries of Defence name: tests/sources/test_subparties.py).
    rows = [e for e in parsed.entries if e.details.get("named_in") not in ("name", "address")
            or "printed_name" in e.details]  # fmt: skip
    assert len(parsed.entries) - len(rows) == 2
    counts = {lst: n for lst in ListCode if (n := sum(e.list is lst for e in rows))}
    assert counts == {
        ListCode.SDN: 10026, ListCode.EL: 2001, ListCode.DTC: 727, ListCode.DPL: 462,
        ListCode.SSI: 290, ListCode.UVL: 201, ListCode.ISN: 163, ListCode.PLC: 78,
        ListCode.MEU: 71, ListCode.CMIC: 68, ListCode.CAP: 53, ListCode.MBS: 17, ListCode.FSE: 3,
    }  # fmt: skip
    assert len(rows) == 14160
    # Every list the CSL carries: all the US lists, not the UN, EU or UK ones.
    assert set(parsed.lists) == set(ListCode) - {ListCode.UN, ListCode.EU, ListCode.UK}
    assert parsed.as_of == date(2022, 4, 21)
    assert parsed.problems == []
    assert len({e.id for e in parsed.entries}) == len(parsed.entries)
    # CAP 15268 is printed twice, identically but for source_list_url: both kept, distinct ids.
    assert sum(e.id.startswith("CAP-15268") for e in parsed.entries) == 2
    assert {"CAP-15268", "CAP-15268-2"} <= {e.id for e in parsed.entries}
    abbas = next(e for e in parsed.entries if e.id == "SDN-24904")
    assert abbas.name == "'ABBAS, Yasir"
    assert abbas.identifiers == (Identifier("Gender", "Male"),)
    huawei = [
        e
        for e in parsed.entries
        if e.list is ListCode.EL and e.name.startswith("Huawei Technologies Co., Ltd.")
    ]
    assert huawei and all(e.licence.scope is LicenceScope.ALL_ITEMS for e in huawei)


@pytest.mark.shared
def test_partial_2023_file(raw_dir: Path) -> None:
    path = raw_dir / "watchman/csl/csl_2023-11-30_partial.csv.gz"
    # The file stops in the middle of its last row (line 4233): that row is an error...
    with pytest.raises(SourceError) as caught:
        csl_csv.parse(path)
    assert caught.value.line == 4233
    # ...and skipping it leaves the other 4,226 of the 4,227 data rows; the header repeated on
    # line 2 is neither an entry nor a problem.
    parsed = csl_csv.parse(path, skip_bad_rows=True)
    assert len(parsed.entries) == 4226
    assert [p.line for p in parsed.problems] == [4233]
    assert all(e.name != "name" for e in parsed.entries)
    assert parsed.as_of == date(2023, 11, 16)
    telecom = next(e for e in parsed.entries if e.id == "CMIC-30882")
    assert (
        Identifier("Unified Social Credit Code (USCC)", "9111000071093019X7", "CN")
        in telecom.identifiers
    )


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "count"), [("consolidated_sample_2025-06.csv", 13), ("csl_sample_2019-12.csv", 115)]
)
def test_samples(raw_dir: Path, name: str, count: int) -> None:
    parsed = csl_csv.parse(raw_dir / "watchman/csl" / name)
    assert len(parsed.entries) == count
    numbered = [e for e in parsed.entries if e.list in (ListCode.SDN, ListCode.SSI)]
    assert numbered and all(e.id == f"{e.list.value}-{e.source_id}" for e in numbered)


# --- bad input ----------------------------------------------------------------------------


def _damaged(tmp_path: Path, line_no: int, change: tuple[bytes, bytes]) -> Path:
    lines = FIXTURE.read_bytes().splitlines(keepends=True)
    old, new = change
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path = tmp_path / "damaged.csv"
    path.write_bytes(b"".join(lines))
    return path


@pytest.mark.parametrize(
    ("line", "change", "field", "message"),
    [
        (6, (b"2022-04-07", b"2022-13-07"), "start_date", "not a date"),
        (6, (b"2022-04-07", b"07/04/2022"), "start_date", "not a date"),
        (6, (b"140 Repair Plant JSC", b"   "), "name", "empty name"),
        (6, (b"Entity List (EL)", b"Entity Lists (ELS)"), "source", "unknown list"),
        (
            6,
            (b"http://bit.ly/1L47xrV,\n", b"http://bit.ly/1L47xrV,,\n"),
            None,
            "30 fields, expected 29",
        ),
        (3, (b"RIM, Ryong Nam", b"RIM, Ryong \xff Nam"), None, "invalid UTF-8"),
        (3, (b'"Individual"', b'"Person"'), "type", "unknown entry type"),
    ],
)
def test_bad_rows(
    tmp_path: Path, line: int, change: tuple[bytes, bytes], field: str | None, message: str
) -> None:
    path = _damaged(tmp_path, line, change)
    with pytest.raises(SourceError) as caught:
        csl_csv.parse(path)
    assert (caught.value.line, caught.value.field) == (line, field)
    assert message in caught.value.message
    parsed = csl_csv.parse(path, skip_bad_rows=True)
    assert len(parsed.entries) == 4
    assert [(p.line, p.field) for p in parsed.problems] == [(line, field)]


def test_not_a_csl_header(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(SourceError, match="line 1"):
        csl_csv.parse(path)


@pytest.mark.shared
def test_truncated_gzip(raw_dir: Path, tmp_path: Path) -> None:
    data = (raw_dir / "watchman/csl/consolidated_2022-05.csv.gz").read_bytes()
    path = tmp_path / "consolidated.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError) as caught:
        csl_csv.parse(path, skip_bad_rows=True)
    assert caught.value.file == str(path)
    assert "gzip" in caught.value.message


def test_gzip_is_read_transparently(tmp_path: Path) -> None:
    path = tmp_path / "sample.csv.gz"
    with FIXTURE.open("rb") as src, gzip.open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert csl_csv.parse(path).entries == csl_csv.parse(FIXTURE).entries


@pytest.mark.parametrize(
    ("renamed", "to"), [("name", "entity_name"), ("license_requirement", "licence_requirement")]
)
def test_a_renamed_column_is_refused_naming_it(tmp_path: Path, renamed: str, to: str) -> None:
    lines = FIXTURE.read_text(encoding="utf-8").split("\n")
    lines[0] = ",".join(to if cell == renamed else cell for cell in lines[0].split(","))
    path = tmp_path / "csl.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        csl_csv.parse(path)
    assert caught.value.line == 1 and caught.value.field == renamed
    assert f"required column '{renamed}' missing (unexpected: '{to}'; renamed?)" in str(
        caught.value
    )
