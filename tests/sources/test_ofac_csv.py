"""OFAC legacy CSV sets: small hand-written fixtures, then the real files (shared data)."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from collections import Counter
from pathlib import Path

import pytest

from exportscreen.model import Address, EntryType, Identifier, ListCode
from exportscreen.sources import ofac_csv
from exportscreen.sources.common import SourceError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sources"
SDN_SET = FIXTURES / "ofac_sdn_small"
CONS_SET = FIXTURES / "ofac_cons_small"


def _gzip_set(source: Path, target: Path, rename: dict[str, str] | None = None) -> None:
    target.mkdir()
    for file in source.iterdir():
        name = (rename or {}).get(file.name, file.name)
        with gzip.open(target / f"{name}.gz", "wb") as out:
            out.write(file.read_bytes())


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "primary", "is_companion", "set_name"),
    [
        ("sdn.csv", True, False, "sdn"),
        ("SDN.CSV.GZ", True, False, "sdn"),
        ("cons_prim.csv", True, False, "cons"),
        ("Cons_Prim.csv.gz", True, False, "cons"),
        ("add.csv", False, True, "sdn"),
        ("ALT.CSV.GZ", False, True, "sdn"),
        ("sdn_comments.csv", False, True, "sdn"),
        ("cons_add.csv.gz", False, True, "cons"),
        ("cons_alt.csv", False, True, "cons"),
        ("CONS_COMMENTS.CSV", False, True, "cons"),
    ],
)
def test_file_names(name: str, primary: bool, is_companion: bool, set_name: str) -> None:
    path = Path("/data/ofac") / name
    assert ofac_csv.sniff(path, b"") is primary
    assert ofac_csv.companion(path) is is_companion
    assert ofac_csv.companion_of(path) == (Path("/data/ofac"), set_name)


@pytest.mark.parametrize("name", ["sdn.txt", "sdn.xml", "consolidated.csv", "add.csv.zip"])
def test_other_names_are_not_ofac(name: str) -> None:
    path = Path("/data") / name
    assert not ofac_csv.sniff(path, b"") and not ofac_csv.companion(path)
    with pytest.raises(ValueError):
        ofac_csv.companion_of(path)


# --- fields ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "programs"),
    [
        ("SDGT] [IFSR", ("SDGT", "IFSR")),
        ("NPWMD] [IFSR] [IRAN-CON-ARMS-EO", ("NPWMD", "IFSR", "IRAN-CON-ARMS-EO")),
        ("CAATSA - RUSSIA", ("CAATSA - RUSSIA",)),
        ("", ()),
    ],
)
def test_split_programs(cell: str, programs: tuple[str, ...]) -> None:
    assert ofac_csv.split_programs(cell) == programs


@pytest.mark.parametrize(
    ("programs", "lists"),
    [
        (("UKRAINE-EO13662",), (ListCode.SSI,)),
        (("UKRAINE-EO13662", "RUSSIA-EO14024"), (ListCode.SSI,)),
        (("SDGT", "NS-PLC"), (ListCode.PLC,)),
        (("561-Related",), (ListCode.CAP,)),
        (("CMIC-EO13959",), (ListCode.CMIC,)),
        (("CMIC-EO14032",), (ListCode.CMIC,)),
        (("FSE-IR",), (ListCode.FSE,)),
        (("RUSSIA-EO14024",), (ListCode.MBS,)),
        (("CAATSA - RUSSIA",), (ListCode.MBS,)),
        (("SDGT",), ()),
        (("SOMETHING-NEW",), ()),
    ],
)
def test_cons_lists(programs: tuple[str, ...], lists: tuple[ListCode, ...]) -> None:
    assert ofac_csv.cons_lists(programs) == lists


@pytest.mark.parametrize(
    ("cell", "parts"),
    [
        ("Guadalajara, Jalisco 44660", ("Guadalajara", "Jalisco", "44660")),
        ("London EC2R 7HD", ("London", "", "EC2R 7HD")),
        ("Presidio, TX", ("Presidio", "TX", "")),
        ("Tehran", ("Tehran", "", "")),
        ("St. Petersburg 191124", ("St. Petersburg", "", "191124")),
    ],
)
def test_split_city(cell: str, parts: tuple[str, str, str]) -> None:
    assert ofac_csv.split_city(cell) == parts


def test_remarks_are_read_into_fields() -> None:
    facts = ofac_csv.parse_remarks(
        "DOB 28 Jul 1963; alt. DOB Jul 1960; alt. DOB circa 1965; POB Toledo District, Belize; "
        "nationality Iran; citizen Palestinian; Gender Female; Passport P0017003 (Belize) issued "
        "01 Jan 2010; National ID No. 660000 73767 (Belgium); Vessel Registration Identification "
        "IMO 9187629; Website www.example.test; a.k.a. 'HESA'; f.k.a. 'OLD NAME'; "
        "Linked To: SOMEONE."
    )
    assert facts.dates_of_birth == ["1963-07-28", "1960-07", "circa 1965"]
    assert facts.places_of_birth == ["Toledo District, Belize"]
    assert facts.nationalities == ["IR"]
    assert facts.citizenships == ["PS"]
    assert facts.gender == "Female"
    assert facts.aliases == ["HESA", "OLD NAME"]
    assert facts.identifiers == [
        Identifier("Passport", "P0017003", "BZ", "issued 01 Jan 2010"),
        Identifier("National ID No.", "660000 73767", "BE"),
        Identifier("IMO", "9187629"),
        Identifier("Website", "www.example.test"),
    ]


# --- the fixture sets ------------------------------------------------------------------------


def test_sdn_fixture_set() -> None:
    parsed = ofac_csv.parse(SDN_SET / "sdn.csv")
    assert parsed.format == "ofac_csv" and parsed.as_of is None and parsed.problems == []
    assert parsed.lists == (ListCode.SDN,)
    assert [p.name for p in parsed.paths] == ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]
    entries = {e.id: e for e in parsed.entries}
    assert list(entries) == ["SDN-101", "SDN-102", "SDN-103", "SDN-104"]

    company = entries["SDN-101"]
    assert company.type is EntryType.ENTITY and company.programs == ("SDGT", "IFSR")
    # alt.csv names (including the weak fka) first, then the a.k.a. from Remarks
    assert company.aliases == ("EXAMPLE TRADING COMPANY", "OLD EXAMPLE CO", "EXTRA CO")
    # the a.k.a. of Remarks is OFAC's weak a.k.a.; alt.csv's names are not weak
    assert company.weak_aliases == ("EXTRA CO",)
    assert company.addresses == (
        Address(street="No. 5 Example Street", city="Tehran", postal_code="15946", country="IR"),
        Address(city="Dubai", country="AE"),
    )
    assert company.countries == ("IR", "AE")
    assert "SECOND GROUP" in company.remarks  # a newline inside the quoted field is kept

    person = entries["SDN-102"]
    assert person.type is EntryType.INDIVIDUAL
    assert person.dates_of_birth == ("1963-07-28", "circa 1965")
    assert person.nationalities == ("IR",) and person.citizenships == ("MX",)
    assert person.countries == ("MX", "IR")
    # sdn_comments.csv continues the remarks mid-word: "Tax ID No. AB" + "C 12345 (Mexico)."
    assert person.remarks.endswith("Tax ID No. ABC 12345 (Mexico).")
    assert Identifier("Tax ID No.", "ABC 12345", "MX") in person.identifiers
    assert person.details == {"gender": "Male"}

    vessel = entries["SDN-103"]
    assert vessel.type is EntryType.VESSEL and vessel.addresses == ()
    assert vessel.details["vessel_flag"] == "Malta" and vessel.details["gross_tonnage"] == "150,000"
    assert Identifier("IMO", "9187629") in vessel.identifiers

    assert entries["SDN-104"].name == "ŞAHİN AVİASYON"


def test_cons_fixture_set_places_each_record_on_its_list() -> None:
    parsed = ofac_csv.parse(CONS_SET / "cons_prim.csv")
    assert set(parsed.lists) == {
        ListCode.SSI,
        ListCode.FSE,
        ListCode.PLC,
        ListCode.CAP,
        ListCode.CMIC,
        ListCode.MBS,
    }
    assert [e.id for e in parsed.entries] == [
        "SSI-201",
        "SSI-202",
        "PLC-203",
        "CMIC-204",
        "MBS-205",
        "CAP-206",
        "FSE-207",
    ]


def test_gzipped_upper_case_set_reads_the_same(tmp_path: Path) -> None:
    _gzip_set(SDN_SET, tmp_path / "set", {f.name: f.name.upper() for f in SDN_SET.iterdir()})
    gz = ofac_csv.parse(tmp_path / "set" / "SDN.CSV.gz")
    assert gz.entries == ofac_csv.parse(SDN_SET / "sdn.csv").entries
    assert len(gz.paths) == 4


def test_companions_must_match_the_primary_compression(tmp_path: Path) -> None:
    # An uncompressed add.csv does not belong to a gzipped sdn.csv.gz.
    target = tmp_path / "set"
    _gzip_set(SDN_SET, target)
    (target / "add.csv.gz").unlink()
    shutil.copy(SDN_SET / "add.csv", target / "add.csv")
    with pytest.raises(SourceError, match=r"add\.csv is missing"):
        ofac_csv.parse(target / "sdn.csv.gz")


# --- bad input -------------------------------------------------------------------------------


def _damaged_set(tmp_path: Path, file: str, old: bytes, new: bytes) -> Path:
    target = tmp_path / "set"
    shutil.copytree(SDN_SET, target)
    data = (target / file).read_bytes()
    assert old in data
    (target / file).write_bytes(data.replace(old, new, 1))
    return target / "sdn.csv"


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "field"),
    [
        # one field fewer on the record starting on line 3 (record 1 spans lines 1-2)
        ("sdn.csv", b'"DOE, John Q.",', b"", 3, None),
        ("sdn.csv", b"103,", b"1O3,", 4, "ent_num"),
        ("sdn.csv", b'"vessel"', b'"submarine"', 4, "SDN_Type"),
        ("sdn.csv", "ŞAHİN".encode(), b"\xff\xfeAHIN", 5, "SDN_Name"),
        ("add.csv", b"102,203", b"999,203", 3, "ent_num"),
        ("alt.csv", b'"aka"', b'"aka","extra"', 1, None),
    ],
)
def test_bad_rows(
    tmp_path: Path, file: str, old: bytes, new: bytes, line: int, field: str | None
) -> None:
    primary = _damaged_set(tmp_path, file, old, new)
    with pytest.raises(SourceError) as raised:
        ofac_csv.parse(primary)
    assert (Path(raised.value.file).name, raised.value.line, raised.value.field) == (
        file,
        line,
        field,
    )
    skipped = ofac_csv.parse(primary, skip_bad_rows=True)
    first = skipped.problems[0]
    assert (Path(first.file).name, first.line, first.field) == (
        file,
        line,
        field,
    )
    assert len(skipped.entries) in (3, 4)  # the bad row alone is left out


def test_companion_rows_of_a_skipped_record_are_reported(tmp_path: Path) -> None:
    primary = _damaged_set(tmp_path, "sdn.csv", b"101,", b"1x1,")
    parsed = ofac_csv.parse(primary, skip_bad_rows=True)
    assert "SDN-101" not in {e.id for e in parsed.entries}
    messages = [p.message for p in parsed.problems]
    assert messages[0].startswith("not an entity number")
    # 101's two addresses and two alternate names have nowhere to go
    assert len(parsed.problems) == 5
    assert all("has no record" in m for m in messages[1:])


def test_unplaceable_cons_program(tmp_path: Path) -> None:
    target = tmp_path / "cons"
    shutil.copytree(CONS_SET, target)
    prim = target / "cons_prim.csv"
    prim.write_bytes(prim.read_bytes().replace(b'"FSE-SY"', b'"NS-ISA"'))
    with pytest.raises(SourceError) as raised:
        ofac_csv.parse(prim)
    assert (raised.value.line, raised.value.field) == (7, "Program")
    assert "NS-ISA" in raised.value.message


def test_truncated_gzip(tmp_path: Path) -> None:
    target = tmp_path / "set"
    _gzip_set(SDN_SET, target)
    data = (target / "alt.csv.gz").read_bytes()
    (target / "alt.csv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match="cannot read file") as raised:
        ofac_csv.parse(target / "sdn.csv.gz", skip_bad_rows=True)
    assert Path(raised.value.file).name == "alt.csv.gz"


# --- the real files --------------------------------------------------------------------------


def _records(path: Path) -> list[list[str]]:
    """An independent count: the csv module over the raw text, the EOF byte dropped."""
    text = gzip.decompress(path.read_bytes()).decode("utf-8").rstrip("\x1a")
    return [r for r in csv.reader(io.StringIO(text, newline="")) if r]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("folder", "primary", "records"),
    [
        # 7,378 line ends: the last record of the 2019 file has none
        ("ofac_sdn_2019-01", "sdn.csv.gz", 7379),
        ("ofac_sdn_2021-07", "sdn.csv.gz", 8976),
        ("ofac_cons_2025-12", "cons_prim.csv.gz", 442),
    ],
)
def test_real_sets(raw_dir: Path, folder: str, primary: str, records: int) -> None:
    path = raw_dir / "watchman" / folder / primary
    rows = _records(path)
    assert len(rows) == records
    parsed = ofac_csv.parse(path)
    assert parsed.problems == []
    assert {e.source_id for e in parsed.entries} == {r[0] for r in rows}
    names = {r[0]: r[1] for r in rows}
    assert all(e.name == names[e.source_id] for e in parsed.entries)
    # every address and alternate name row is attached to its record
    companions = {p.name.split(".")[0].removeprefix("cons_"): p for p in parsed.paths}
    address_rows = [r for r in _records(companions["add"]) if any(c != "-0- " for c in r[2:5])]
    alt_names = {(r[0], r[3]) for r in _records(companions["alt"])}
    by_num = {e.source_id: e for e in parsed.entries}
    assert sum(len(e.addresses) for e in by_num.values()) <= len(address_rows)
    assert all(name in by_num[num].names for num, name in alt_names)


@pytest.mark.shared
def test_real_sdn_2021_fields(raw_dir: Path) -> None:
    parsed = ofac_csv.parse(raw_dir / "watchman" / "ofac_sdn_2021-07" / "sdn.csv.gz")
    assert all(e.list is ListCode.SDN and e.id == f"SDN-{e.source_id}" for e in parsed.entries)
    types = Counter(e.type for e in parsed.entries)
    assert types == {
        EntryType.INDIVIDUAL: 4620,
        EntryType.ENTITY: 3673,
        EntryType.VESSEL: 406,
        EntryType.AIRCRAFT: 277,
    }
    aerocaribbean = next(e for e in parsed.entries if e.id == "SDN-36")
    assert aerocaribbean.name == "AEROCARIBBEAN AIRLINES" and aerocaribbean.programs == ("CUBA",)
    assert "CU" in aerocaribbean.countries


@pytest.mark.shared
def test_real_cons_lists(raw_dir: Path) -> None:
    parsed = ofac_csv.parse(raw_dir / "watchman" / "ofac_cons_2025-12" / "cons_prim.csv.gz")
    lists = Counter(e.list for e in parsed.entries)
    assert lists == {
        ListCode.SSI: 286,  # every UKRAINE-EO13662 record
        ListCode.PLC: 78,  # NS-PLC, two of them also SDGT
        ListCode.CMIC: 68,
        ListCode.MBS: 9,
        ListCode.CAP: 1,  # Bank of Kunlun, 561-Related
    }
    kunlun = next(e for e in parsed.entries if e.list is ListCode.CAP)
    assert kunlun.name == "BANK OF KUNLUN CO LTD"


@pytest.mark.shared
def test_real_sample_has_orphan_companion_rows(raw_dir: Path) -> None:
    """The 2025-05 "tiny OFAC" sample was cut from a full set: some address and alias rows point
    at records left out of its sdn.csv."""
    path = raw_dir / "watchman" / "ofac_sdn_2025-05_sample" / "sdn.csv"
    with pytest.raises(SourceError) as raised:
        ofac_csv.parse(path)
    assert (Path(raised.value.file).name, raised.value.line, raised.value.field) == (
        "add.csv",
        12,
        "ent_num",
    )
    parsed = ofac_csv.parse(path, skip_bad_rows=True)
    assert len(parsed.entries) == 17
    orphans = Counter(Path(p.file).name for p in parsed.problems)
    assert orphans == {"add.csv": 4, "alt.csv": 5}
    iami = next(e for e in parsed.entries if e.id == "SDN-11195")
    assert "HESA" in iami.aliases  # from Remarks
    assert "HESA TRADE CENTER" in iami.aliases  # from alt.csv
    assert Identifier("National ID No.", "10100722073", "IR") in iami.identifiers


@pytest.mark.shared
def test_real_file_damaged(raw_dir: Path, tmp_path: Path) -> None:
    source = raw_dir / "watchman" / "ofac_sdn_2021-07"
    target = tmp_path / "set"
    shutil.copytree(source, target)
    sdn = target / "sdn.csv.gz"
    text = gzip.decompress(sdn.read_bytes())
    lines = text.split(b"\r\n")
    lines[99] = lines[99].replace(b",", b";", 1)  # record 100 loses a field
    sdn.write_bytes(gzip.compress(b"\r\n".join(lines)))
    with pytest.raises(SourceError) as raised:
        ofac_csv.parse(sdn)
    assert raised.value.line == 100
    parsed = ofac_csv.parse(sdn, skip_bad_rows=True)
    assert len(parsed.entries) == 8975
    # the skipped record's companion rows are reported too, never silently attached elsewhere
    assert parsed.problems[0].line == 100 and len(parsed.problems) >= 1


@pytest.mark.shared
def test_a_dropped_column_the_values_cannot_tell_apart_is_refused_naming_the_candidates(
    raw_dir: Path, tmp_path: Path
) -> None:
    """Tonnage and GRT look alike: without one of them the file is refused all the same, and
    the message names both rather than guessing."""
    target = tmp_path / "set"
    target.mkdir()
    for path in (raw_dir / "watchman" / "ofac_sdn_2021-07").iterdir():
        (target / path.name.removesuffix(".gz")).write_bytes(gzip.decompress(path.read_bytes()))
    sdn = target / "sdn.csv"
    lines = sdn.read_bytes().rstrip(b"\x1a\r\n").decode("utf-8").split("\r\n")
    rows = [next(csv.reader([line])) for line in lines]
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(
        row[:8] + row[9:] for row in rows
    )
    sdn.write_bytes(out.getvalue().encode("utf-8") + b"\x1a")
    for skip in (False, True):
        with pytest.raises(SourceError) as raised:
            ofac_csv.parse(sdn, skip_bad_rows=skip)
        assert raised.value.file == str(sdn) and raised.value.line is None
        assert "the records have 11 fields where OFAC's layout has 12" in raised.value.message
        assert raised.value.message.endswith("without any one of 'Tonnage', 'GRT'")


@pytest.mark.shared
@pytest.mark.parametrize(
    ("entry_id", "weak", "strong"),
    [
        # The "Mohammad Ali": OFAC marks MOHAMMED, Ali weak (Remarks a.k.a.), and lists
        # KONY, Ali Mohammed in alt.csv.
        ("SDN-19930", {"MOHAMMED, Ali", "Bashir", "Caesar", "One-P", "1-P"}, "KONY, Ali Mohammed"),
        ("SDN-11018", set(), "KONY, Joseph"),
    ],
)
def test_real_sdn_weak_aliases(raw_dir: Path, entry_id: str, weak: set[str], strong: str) -> None:
    parsed = ofac_csv.parse(raw_dir / "watchman" / "ofac_sdn_2021-07" / "sdn.csv.gz")
    entry = next(e for e in parsed.entries if e.id == entry_id)
    assert set(entry.weak_aliases) == weak
    assert set(entry.weak_aliases) <= set(entry.aliases)
    assert strong in entry.names and strong not in entry.weak_aliases
    # Every entry: weak aliases are aliases, never the primary name.
    for each in parsed.entries:
        assert set(each.weak_aliases) <= set(each.aliases) and each.name not in each.weak_aliases
    assert sum(len(e.weak_aliases) for e in parsed.entries) > 2000  # 1,254 rows carry some
