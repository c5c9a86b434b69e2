# ruff: noqa: E501 - address and identifier texts are copied verbatim from the real files.
"""The BIS Denied Persons tab-separated file."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from exportscreen.model import Address, EntryType, ListCode
from exportscreen.sources import dpl_tsv
from exportscreen.sources.common import SourceError

FIXTURE = Path(__file__).parent.parent / "fixtures" / "sources" / "dpl_sample.txt"


def test_fixture_entries() -> None:
    parsed = dpl_tsv.parse(FIXTURE)
    assert len(parsed.entries) == 9
    assert parsed.lists == (ListCode.DPL,)
    assert parsed.as_of == date(2023, 11, 2)  # the AIR FREIGHT LTD rows' Last_Update
    ash = parsed.entries[0]
    assert ash.name == "I. ASH"  # the file's leading space is not part of the name
    assert ash.type is EntryType.INDIVIDUAL  # address: "INCARCERATED AT USM NO: ..."
    assert ash.addresses == (
        Address(
            "UPON THE DATE OF THE ORDER INCARCERATED AT USM NO: 26265-177, FCI SEAGOVILLE, 2113 NORTH HIGHWAY 175",
            "SEAGOVILLE",
            "TX",
            "75159",
            "US",
        ),
    )
    assert (ash.start_date, ash.end_date) == (date(2003, 6, 19), date(2056, 6, 29))
    assert [c.page for c in ash.citations] == [38290, 38843, 4236]
    assert ash.remarks == "FEDERAL REGISTER NOTICE UPDATED"
    assert ash.details["standard_order"] == "Y"
    villa = parsed.entries[1]
    assert villa.type is EntryType.ENTITY  # nothing in the row says it is a person
    assert villa.countries == ()  # the Country column is empty for US addresses
    # Four rows for AIR FREIGHT LTD, two of them under Iraq: every row keeps its own id.
    freight = [e for e in parsed.entries if e.name == "AIR FREIGHT LTD"]
    assert len(freight) == 4
    assert len({e.id for e in parsed.entries}) == 9


@pytest.mark.shared
def test_real_file(raw_dir: Path) -> None:
    parsed = dpl_tsv.parse(raw_dir / "watchman/bis_dpl/dpl_2023-11-30.txt.gz")
    assert len(parsed.entries) == 665
    assert len({e.id for e in parsed.entries}) == 665
    # "3033-09-30" (JOSE ERNESTO GARCIA) is a typo, not the file's date.
    assert parsed.as_of == date(2023, 11, 28)
    stephen = next(e for e in parsed.entries if e.name == "STEPHEN EDWARD SMITH")
    assert stephen.details["printed_country"] == "NM"  # a state in the Country column
    # The orders: 3 non-standard ("N"), one "y" read as standard, 2 with the column blank.
    orders = [e.details.get("standard_order") for e in parsed.entries]
    assert (orders.count("N"), orders.count("Y"), orders.count(None)) == (3, 660, 2)
    luba = next(e for e in parsed.entries if e.name == "ROBERT LUBA")
    assert (luba.start_date, luba.end_date) == (date(2016, 12, 29), date(2026, 4, 25))
    assert str(luba.citations[0]) == "82 FR 1690, 2017-01-06"


@pytest.mark.parametrize(("text", "flag"), [("Y", "Y"), ("y", "Y"), ("N", "N"), ("", ""),
    ("Standard", "Y"), ("Non-Standard", "N"), ("Maybe", None)])  # fmt: skip
def test_standard_order_flag(text: str, flag: str | None) -> None:
    assert dpl_tsv.standard_order_flag(text) == flag


def _damaged(tmp_path: Path, line_no: int, old: bytes, new: bytes) -> Path:
    lines = FIXTURE.read_bytes().splitlines(keepends=True)
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path = tmp_path / "dpl.txt"
    path.write_bytes(b"".join(lines))
    return path


@pytest.mark.parametrize(
    ("line", "old", "new", "field", "message"),
    [
        (3, b'"08/24/2022"', b'"2022-08-24"', "Effective_Date", "not a date"),
        (3, b'"01/14/2026"', b'"02/30/2026"', "Expiration_Date", "not a date"),
        (4, b'"2022-02-22"', b'"22/02/2022"', "Last_Update", "not a date"),
        (3, b'"AARON ABRAHAM VILLA"', b'""', "Name", "empty name"),
        (3, b'\t"Y"\t', b'\t"Y"\t"extra"\t', None, "13 fields, expected 12"),
        (5, b"MILWAUKEE", b"MILW\xc3AUKEE", None, "invalid UTF-8"),
    ],
)
def test_bad_rows(
    tmp_path: Path, line: int, old: bytes, new: bytes, field: str | None, message: str
) -> None:
    path = _damaged(tmp_path, line, old, new)
    with pytest.raises(SourceError) as caught:
        dpl_tsv.parse(path)
    assert (caught.value.line, caught.value.field) == (line, field)
    assert message in caught.value.message
    parsed = dpl_tsv.parse(path, skip_bad_rows=True)
    assert len(parsed.entries) == 8
    assert [(p.line, p.field) for p in parsed.problems] == [(line, field)]


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(FIXTURE.read_bytes())
    path = tmp_path / "dpl.txt.gz"
    path.write_bytes(data[:-12])
    with pytest.raises(SourceError) as caught:
        dpl_tsv.parse(path, skip_bad_rows=True)
    assert caught.value.file == str(path)
    assert "gzip" in caught.value.message


def test_a_renamed_column_is_refused_naming_it(tmp_path: Path) -> None:
    lines = FIXTURE.read_text(encoding="utf-8").split("\n")
    lines[0] = lines[0].replace("Country", "Nation")
    path = tmp_path / "dpl.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        dpl_tsv.parse(path)
    assert caught.value.field == "Country"
    assert "required column 'Country' missing (unexpected: 'Nation'; renamed?)" in str(caught.value)
