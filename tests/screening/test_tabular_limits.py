"""Read limits (``screening.tabular.readers.ReadLimits``): an upload over the row cap or inflating
past the size cap is refused before it is parsed where its format declares sizes (XLSX, Parquet),
and cut off as soon as reading reaches the cap where it does not (gzip'd CSV, rows of CSV and
JSON Lines). Without limits (the CLI on one's own files) nothing changes."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from exportscreen.screening.tabular import ReadLimits, Row, check_limits, open_table
from exportscreen.sources.common import SourceError

SHARED_STRINGS = "xl/sharedStrings.xml"


def workbook(path: Path, names: list[str]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "name"])
    for number, name in enumerate(names, 1):
        sheet.append([f"C-{number}", name])
    book.save(path)
    return path


_SHEET = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
    "</sheetData></worksheet>"
)
_SHARED_RELATION = (
    '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml" Id="rId9"/></Relationships>'
)
_SHARED_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def shared_strings_bomb(path: Path, inflated_bytes: int) -> Path:
    """A valid workbook whose cells are shared strings, one of them ``inflated_bytes`` letters
    long: it compresses about a thousand times, as the one in issue 14 (351 KB to 144 MB) did."""
    plain = workbook(path.with_name("plain.xlsx"), ["Acme Widgets"])
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as bomb:
        for member in source.infolist():
            data = source.read(member.filename).decode("utf-8")
            if member.filename == "xl/worksheets/sheet1.xml":
                data = _SHEET
            elif member.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace("</Relationships>", _SHARED_RELATION)
            elif member.filename == "[Content_Types].xml":
                data = data.replace("</Types>", _SHARED_TYPE)
            bomb.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)
        shared = zipfile.ZipInfo(SHARED_STRINGS)
        shared.compress_type = zipfile.ZIP_DEFLATED
        with bomb.open(shared, "w") as out:
            out.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/')
            out.write(b'spreadsheetml/2006/main"><si><t>id</t></si><si><t>name</t></si>')
            out.write(b"<si><t>C-1</t></si><si><t>")
            block = b"A" * (1 << 20)
            for _ in range(inflated_bytes // len(block)):
                out.write(block)
            out.write(b"</t></si></sst>")
    return path


def test_the_bomb_is_a_readable_workbook_without_limits(tmp_path: Path) -> None:
    # The refusal below is of a real workbook, not of a broken file.
    bomb = shared_strings_bomb(tmp_path / "small-bomb.xlsx", 2 * 1024 * 1024)
    with open_table(bomb) as table:
        assert table.columns == ("id", "name")
        rows = [r for r in table.rows([1]) if isinstance(r, Row)]
    assert rows == []  # the one value is too long to be a name: a bad row, not a row


API_LIMITS = ReadLimits(max_rows=1_000_000, max_inflated_bytes=256 * 1024 * 1024)


def test_a_shared_strings_bomb_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = shared_strings_bomb(tmp_path / "bomb.xlsx", 144 * 1024 * 1024)
    assert bomb.stat().st_size < 1024 * 1024

    def parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", parse)
    with pytest.raises(SourceError, match=r"sharedStrings\.xml inflates .* times") as caught:
        check_limits(bomb, API_LIMITS)
    assert caught.value.file == str(bomb)
    with pytest.raises(SourceError, match="inflates"):
        open_table(bomb, API_LIMITS)


def test_a_workbook_inflating_past_the_cap_is_refused(tmp_path: Path) -> None:
    book = workbook(tmp_path / "parties.xlsx", [f"Name {n}" for n in range(50)])
    small = ReadLimits(max_rows=1000, max_inflated_bytes=2000)
    with pytest.raises(SourceError, match=r"the workbook inflates to .* more than the 2,000"):
        check_limits(book, small)
    # Within the caps the same workbook reads as before.
    with open_table(book, API_LIMITS) as table:
        assert sum(isinstance(r, Row) for r in table.rows([1])) == 50


def test_a_workbook_over_the_row_cap_is_refused_from_its_dimension(tmp_path: Path) -> None:
    book = workbook(tmp_path / "parties.xlsx", [f"Name {n}" for n in range(20)])
    with pytest.raises(SourceError, match="more than 10 rows"):
        open_table(book, ReadLimits(max_rows=10, max_inflated_bytes=1 << 30))


def test_parquet_over_the_row_or_size_cap_is_refused_from_its_metadata(tmp_path: Path) -> None:
    path = tmp_path / "parties.parquet"
    names = [f"Company number {n}" for n in range(500)]
    pq.write_table(pa.table({"id": list(range(500)), "name": names}), path)
    with pytest.raises(SourceError, match="more than 100 rows"):
        check_limits(path, ReadLimits(max_rows=100, max_inflated_bytes=1 << 30))
    with pytest.raises(SourceError, match=r"inflates to .* more than the 1,000"):
        open_table(path, ReadLimits(max_rows=10_000, max_inflated_bytes=1000))
    with open_table(path, API_LIMITS) as table:
        assert sum(isinstance(r, Row) for r in table.rows([1])) == 500


def test_gzipped_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "parties.csv"
    path.write_bytes(gzip.compress("id,name\n1,Łódź Trading\n2,Acme GmbH\n".encode()))
    for limits in (None, API_LIMITS):
        with open_table(path, limits) as table:
            assert table.columns == ("id", "name")
            rows = [r.values for r in table.rows([1]) if isinstance(r, Row)]
        assert rows == [("Łódź Trading",), ("Acme GmbH",)]


def test_a_gzip_bomb_stops_at_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "parties.csv"
    with gzip.open(path, "wb") as out:
        out.write(b"id,name\n")
        line = b"1,Acme Widgets\n" * 4096
        for _ in range(1000):  # 60 MB inflated
            out.write(line)
    limits = ReadLimits(max_rows=10**9, max_inflated_bytes=4 * 1024 * 1024)
    read = 0
    with (
        pytest.raises(SourceError, match="decompresses to more than 4,194,304 bytes"),
        open_table(path, limits) as table,
    ):
        for _ in table.rows([1]):
            read += 1
    # Cut off at 4 MiB of text (15 bytes a row), not at the 60 MB it would inflate to.
    assert 0 < read <= 4 * 1024 * 1024 // 15


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("parties.csv", "id,name\n" + "".join(f"{n},Name {n}\n" for n in range(30))),
        ("parties.jsonl", "".join(f'{{"id": {n}, "name": "Name {n}"}}\n' for n in range(30))),
    ],
)
def test_text_rows_past_the_cap_stop_the_read(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    read = 0
    limits = ReadLimits(max_rows=25, max_inflated_bytes=1 << 30)
    with (
        pytest.raises(SourceError, match="more than 25 rows") as caught,
        open_table(path, limits) as table,
    ):
        for _ in table.rows([1]):
            read += 1
    assert read == 25 and caught.value.line == (27 if name.endswith(".csv") else 26)
