"""Streaming readers for CSV, XLSX, Parquet and JSON Lines, one row at a time.

A row that cannot be read faithfully (wrong number of fields, bytes that are not text in the
file's encoding, a value too large to be a name) comes out as a ``BadRow`` with its row number,
line and reason, and reading goes on: one damaged row must not stop the screening of a million
others. A file that cannot be read at all raises ``SourceError`` naming it.

``ReadLimits`` bound what reading one file may cost, for files from people who do not run the
server (API uploads): a row cap, and a cap on what a compressed file inflates to (XLSX's zip
members, a gzip'd CSV, Parquet's pages). The declared sizes of an XLSX's members and a Parquet
file's row groups are checked before anything is parsed (``check_limits``); Python's zipfile
never inflates a member past its declared size, and a gzip stream, which declares nothing
trustworthy, is cut off as soon as it inflates past the cap.
"""

from __future__ import annotations

import abc
import csv
import gzip
import io
import json
import os
import re
import sys
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol

from exportscreen.screening.tabular.csv_format import SAMPLE_BYTES, detect_csv_format
from exportscreen.sources.common import SourceError

# No name, address or id is this long; a longer value is a broken export (a whole file pasted
# into a cell, an unterminated quote swallowing rows) and is reported rather than screened.
MAX_FIELD_CHARS = 10_000

# Surrogate escapes stand for the bytes the decoder could not read (errors="surrogateescape").
_UNDECODED = re.compile("[\udc80-\udcff]")
_PARQUET_BATCH_ROWS = 8192
_GZIP_MAGIC = b"\x1f\x8b"
# Members smaller than this are not checked for their compression ratio: XML of a few rows
# compresses as well as anything.
_RATIO_CHECKED_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """What reading one file may cost."""

    max_rows: int
    # Bytes a compressed file may inflate to, in all (every member of an XLSX together).
    max_inflated_bytes: int
    # Inflated to compressed size, per XLSX member: sheets of names compress 5 to 20 times;
    # a member inflating hundreds of times is built to exhaust the reader (a zip bomb).
    max_compression_ratio: float = 100.0


def _too_many_rows(path: Path, line: int | None, limits: ReadLimits) -> SourceError:
    return SourceError(path, line, None, f"more than {limits.max_rows:,} rows: split the file")


class _InflateCap(io.RawIOBase):
    """A decompressing stream cut off with SourceError once it has inflated past ``cap``."""

    def __init__(self, path: Path, inner: gzip.GzipFile, cap: int):
        self._path = path
        self._inner = inner
        self._cap = cap
        self._inflated = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self._inflated += len(data)
        if self._inflated > self._cap:
            raise SourceError(
                self._path, None, None, f"decompresses to more than {self._cap:,} bytes"
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # 1-based data row number; the header is not counted
    line: int | None  # where the row starts: a text line, or a sheet row; None for Parquet
    values: tuple[str | None, ...]  # the wanted columns, in the order they were asked for


@dataclass(frozen=True, slots=True)
class BadRow:
    number: int
    line: int | None
    field: str | None  # the column at fault, when one is
    reason: str


class _Cells(Protocol):
    def __getitem__(self, index: int, /) -> Any: ...


class _NotText(ValueError):
    pass


def _text(value: Any) -> str | None:
    """A cell as text: numbers as they would be typed, dates in ISO form."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Spreadsheets store ids typed as 1001 as the float 1001.0.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _NotText("undecodable bytes (not UTF-8)") from error
    raise _NotText(f"expected text, found {type(value).__name__}")


class TableSource(abc.ABC):
    """An open input table: its header, and its rows streamed once."""

    def __init__(self, path: Path, columns: Sequence[str], limits: ReadLimits | None = None):
        self.path = path
        self.columns = tuple(columns)
        self.limits = limits

    def _count(self, number: int, line: int | None) -> None:
        """Raise SourceError once row ``number`` is past the row cap."""
        if self.limits is not None and number > self.limits.max_rows:
            raise _too_many_rows(self.path, line, self.limits)

    @property
    def expected_rows(self) -> int | None:
        """How many data rows the file holds, when the format says so up front."""
        return None

    def fraction_read(self) -> float | None:
        """How far through the file reading is (0..1), for formats that only know their size."""
        return None

    @abc.abstractmethod
    def rows(self, wanted: Sequence[int]) -> Iterator[Row | BadRow]:
        """Every data row in file order, holding the values of the columns at ``wanted``."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> TableSource:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _check(
        self, number: int, line: int | None, cells: _Cells, wanted: Sequence[int]
    ) -> Row | BadRow:
        values: list[str | None] = []
        for index in wanted:
            field = self.columns[index]
            try:
                value = _text(cells[index])
            except _NotText as error:
                return BadRow(number, line, field, str(error))
            if value is not None:
                if len(value) > MAX_FIELD_CHARS:
                    reason = f"{len(value):,} characters, more than {MAX_FIELD_CHARS:,}"
                    return BadRow(number, line, field, reason)
                if not value.isascii() and _UNDECODED.search(value):
                    return BadRow(number, line, field, "undecodable bytes")
            values.append(value)
        return Row(number, line, tuple(values))


def _gunzipped(path: Path, raw: IO[bytes], limits: ReadLimits | None) -> io.BufferedReader:
    cap = limits.max_inflated_bytes if limits is not None else sys.maxsize
    inflated = gzip.GzipFile(fileobj=raw, mode="rb")
    # A buffer as large as the format sample, so that one peek shows the sample.
    return io.BufferedReader(_InflateCap(path, inflated, cap), buffer_size=SAMPLE_BYTES)


class _CsvSource(TableSource):
    """A CSV file, plain or gzip'd."""

    def __init__(self, path: Path, limits: ReadLimits | None = None):
        self._binary = path.open("rb")
        compressed = self._binary.read(2) == _GZIP_MAGIC
        self._binary.seek(0)
        stream: IO[bytes] = self._binary
        head = None
        if compressed:
            stream = gunzipped = _gunzipped(path, self._binary, limits)
        try:
            if compressed:
                head = gunzipped.peek(SAMPLE_BYTES)
            fmt = detect_csv_format(path, head)
        except (OSError, EOFError, gzip.BadGzipFile) as error:
            self._binary.close()
            raise SourceError(path, None, None, f"not a readable gzip file: {error}") from error
        except SourceError:
            self._binary.close()
            raise
        self.encoding = fmt.encoding
        self.delimiter = fmt.delimiter
        self._size = os.fstat(self._binary.fileno()).st_size
        self._text = io.TextIOWrapper(
            stream, encoding=fmt.encoding, errors="surrogateescape", newline=""
        )
        self._reader = csv.reader(self._text, delimiter=fmt.delimiter)
        header: list[str] = []
        try:
            while not header:
                header = next(self._reader)
        except StopIteration:
            self.close()
            raise SourceError(path, None, None, "the file is empty") from None
        except csv.Error as error:
            self.close()
            raise SourceError(path, self._reader.line_num, None, f"bad header: {error}") from error
        except (SourceError, OSError, EOFError) as error:  # a gzip stream: capped or corrupt
            self.close()
            if isinstance(error, SourceError):
                raise
            raise SourceError(path, None, None, f"not a readable gzip file: {error}") from error
        if any(_UNDECODED.search(name) for name in header):
            self.close()
            raise SourceError(path, self._reader.line_num, None, "undecodable bytes in the header")
        super().__init__(path, [name.strip() for name in header], limits)

    def fraction_read(self) -> float | None:
        if self._binary.closed or not self._size:
            return None
        # The buffered reader runs a block ahead of the rows handed out: close enough for an ETA.
        return min(1.0, self._binary.tell() / self._size)

    def rows(self, wanted: Sequence[int]) -> Iterator[Row | BadRow]:
        width = len(self.columns)
        number = 0
        while True:
            line = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except (OSError, EOFError) as error:  # a truncated or corrupt gzip stream
                raise SourceError(self.path, line, None, f"unreadable: {error}") from error
            except csv.Error as error:
                # The reader resumes at the next line, so one broken row costs only itself.
                number += 1
                self._count(number, line)
                yield BadRow(number, line, None, f"unreadable CSV: {error}")
                continue
            if not cells:
                continue  # a blank line
            number += 1
            self._count(number, line)
            if len(cells) != width:
                yield BadRow(
                    number, line, None, f"{len(cells)} fields where the header has {width}"
                )
                continue
            yield self._check(number, line, cells, wanted)

    def close(self) -> None:
        self._text.close()
        self._binary.close()  # GzipFile leaves the file it was given open


class _XlsxSource(TableSource):
    """The first worksheet, streamed with openpyxl's read-only mode."""

    def __init__(self, path: Path, limits: ReadLimits | None = None):
        if limits is not None:
            _check_zip(path, limits)
        # Imported here: a quarter second that CSV and Parquet input need not pay at start-up.
        import openpyxl

        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
            raise SourceError(path, None, None, f"not a readable XLSX workbook: {error}") from error
        if not self._book.worksheets:
            self.close()
            raise SourceError(path, None, None, "the workbook has no worksheet")
        sheet = self._book.worksheets[0]
        self._max_row: int | None = sheet.max_row
        self._cells: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        self._line = 0
        header: tuple[Any, ...] = ()
        for values in self._cells:
            self._line += 1
            if any(v is not None and str(v).strip() for v in values):
                header = values
                break
        if not header:
            self.close()
            raise SourceError(path, None, None, "the first worksheet is empty")
        while header and header[-1] is None:
            header = header[:-1]
        super().__init__(path, ["" if v is None else str(v).strip() for v in header], limits)
        declared = self.expected_rows
        if limits is not None and declared is not None and declared > limits.max_rows:
            self.close()
            raise _too_many_rows(path, None, limits)

    @property
    def expected_rows(self) -> int | None:
        return max(0, self._max_row - self._line) if self._max_row else None

    def rows(self, wanted: Sequence[int]) -> Iterator[Row | BadRow]:
        width = len(self.columns)
        number = 0
        for values in self._cells:
            self._line += 1
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            number += 1
            self._count(number, self._line)
            if any(v is not None for v in values[width:]):
                reason = f"values beyond the header's {width} columns"
                yield BadRow(number, self._line, None, reason)
                continue
            cells = tuple(values) + (None,) * (width - len(values))
            yield self._check(number, self._line, cells, wanted)

    def close(self) -> None:
        self._book.close()


def _pyarrow() -> tuple[Any, Any]:
    """pyarrow and pyarrow.parquet, imported when a Parquet file is read: a fraction of a second
    that CSV and XLSX input need not pay at start-up."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pa, pq


class _ParquetSource(TableSource):
    def __init__(self, path: Path, limits: ReadLimits | None = None):
        pa, pq = _pyarrow()
        try:
            self._file = pq.ParquetFile(path)
        except (OSError, pa.ArrowException) as error:
            raise SourceError(path, None, None, f"not a readable Parquet file: {error}") from error
        super().__init__(path, self._file.schema_arrow.names, limits)
        if limits is not None:
            try:
                _check_parquet(path, self._file.metadata, limits)
            except SourceError:
                self.close()
                raise

    @property
    def expected_rows(self) -> int | None:
        rows: int = self._file.metadata.num_rows
        return rows

    def rows(self, wanted: Sequence[int]) -> Iterator[Row | BadRow]:
        names = list(dict.fromkeys(self.columns[i] for i in wanted))
        position = {name: i for i, name in enumerate(names)}
        # Cells re-laid so that _check can index them by the original column numbers.
        layout = {index: position[self.columns[index]] for index in wanted}
        number = 0
        pa, _ = _pyarrow()
        try:
            for batch in self._file.iter_batches(batch_size=_PARQUET_BATCH_ROWS, columns=names):
                columns = [column.to_pylist() for column in batch.columns]
                for selected in zip(*columns, strict=True):
                    number += 1
                    self._count(number, None)
                    cells: dict[int, Any] = {index: selected[at] for index, at in layout.items()}
                    yield self._check(number, None, _SparseCells(cells), wanted)
        except (OSError, pa.ArrowException) as error:
            raise SourceError(self.path, None, None, f"after row {number}: {error}") from error

    def close(self) -> None:
        self._file.close()


class _SparseCells:
    """A sparse row indexable by column number, for formats that read only the wanted columns."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[int, Any]):
        self._values = values

    def __getitem__(self, index: int) -> Any:
        return self._values.get(index)

    def __len__(self) -> int:
        return len(self._values)


class _JsonLinesSource(TableSource):
    """One JSON object per line. The first object's keys are the header; later objects are
    looked up by key (ignoring case), and a key an object lacks reads as empty."""

    def __init__(self, path: Path, limits: ReadLimits | None = None):
        try:
            self._handle: IO[bytes] = path.open("rb")
        except OSError as error:
            raise SourceError(path, None, None, f"cannot read file: {error}") from error
        self._size = os.fstat(self._handle.fileno()).st_size
        columns: list[str] | None = None
        for line, raw in enumerate(self._handle, 1):
            if not raw.strip():
                continue
            try:
                first = json.loads(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, ValueError) as error:
                self.close()
                raise SourceError(path, line, None, f"not a JSON object: {error}") from error
            if not isinstance(first, dict):
                self.close()
                raise SourceError(path, line, None, "not a JSON object")
            columns = [str(key) for key in first]
            break
        if columns is None:
            self.close()
            raise SourceError(path, None, None, "the file is empty")
        self._handle.seek(0)
        super().__init__(path, columns, limits)

    def fraction_read(self) -> float | None:
        if self._handle.closed or not self._size:
            return None
        return min(1.0, self._handle.tell() / self._size)

    def rows(self, wanted: Sequence[int]) -> Iterator[Row | BadRow]:
        keys = [self.columns[i].casefold() for i in wanted]
        number = 0
        for line, raw in enumerate(self._handle, 1):
            if not raw.strip():
                continue
            number += 1
            self._count(number, line)
            try:
                record = json.loads(raw.decode("utf-8-sig" if line == 1 else "utf-8"))
            except UnicodeDecodeError:
                yield BadRow(number, line, None, "undecodable bytes (not UTF-8)")
                continue
            except ValueError as error:
                yield BadRow(number, line, None, f"not valid JSON: {error}")
                continue
            if not isinstance(record, dict):
                yield BadRow(number, line, None, "not a JSON object")
                continue
            by_key = {str(key).casefold(): value for key, value in record.items()}
            cells = _SparseCells(
                {index: by_key.get(key) for index, key in zip(wanted, keys, strict=True)}
            )
            yield self._check(number, line, cells, wanted)

    def close(self) -> None:
        self._handle.close()


def _kind(path: Path) -> str:
    """The format of a file, by its first bytes where they tell, else by its extension."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise SourceError(path, None, None, f"cannot read file: {error}") from error
    suffix = path.suffix.lower()
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(_GZIP_MAGIC):
        return "csv"  # a gzip'd CSV (the only compressed text format read)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceError(path, None, None, "a legacy .xls workbook: save it as .xlsx or CSV")
    if suffix in {".jsonl", ".ndjson", ".json"} or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return "jsonl"
    return "csv"


def _check_zip(path: Path, limits: ReadLimits) -> list[zipfile.ZipInfo]:
    """Refuse a workbook whose members declare more than the caps allow, before parsing."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (OSError, zipfile.BadZipFile) as error:
        raise SourceError(path, None, None, f"not a readable XLSX workbook: {error}") from error
    inflated = sum(m.file_size for m in members)
    if inflated > limits.max_inflated_bytes:
        raise SourceError(
            path,
            None,
            None,
            f"the workbook inflates to {inflated:,} bytes, more than the "
            f"{limits.max_inflated_bytes:,} allowed",
        )
    for member in members:
        if member.file_size < _RATIO_CHECKED_BYTES:
            continue
        ratio = member.file_size / max(1, member.compress_size)
        if ratio > limits.max_compression_ratio:
            raise SourceError(
                path,
                None,
                None,
                f"{member.filename} inflates {ratio:,.0f} times ({member.file_size:,} bytes), "
                f"more than the {limits.max_compression_ratio:,.0f} allowed",
            )
    return members


def _check_parquet(path: Path, metadata: Any, limits: ReadLimits) -> None:
    """Refuse a Parquet file whose metadata declares too many rows or too many bytes."""
    if metadata.num_rows > limits.max_rows:
        raise _too_many_rows(path, None, limits)
    inflated = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if inflated > limits.max_inflated_bytes:
        raise SourceError(
            path,
            None,
            None,
            f"the file inflates to {inflated:,} bytes, more than the "
            f"{limits.max_inflated_bytes:,} allowed",
        )


_SOURCES: dict[str, Callable[[Path, ReadLimits | None], TableSource]] = {
    "csv": _CsvSource,
    "xlsx": _XlsxSource,
    "parquet": _ParquetSource,
    "jsonl": _JsonLinesSource,
}


def open_table(path: Path, limits: ReadLimits | None = None) -> TableSource:
    """Open a CSV (plain or gzip'd), XLSX, Parquet or JSON Lines file for streaming. Close it
    (or use ``with``). With ``limits``, a file over them raises SourceError: at once when its
    declared sizes say so, else when reading reaches the cap."""
    if not path.is_file():
        raise SourceError(path, None, None, "no such file")
    return _SOURCES[_kind(path)](path, limits)


# Bytes a row takes, to estimate a file's rows before reading it: a CSV or JSON line of an id,
# a name and a country; a worksheet row of those cells as XML; gzip shrinks text about 4 times.
_TEXT_ROW_BYTES = 32
_SHEET_ROW_BYTES = 120
_GZIP_RATIO = 4


def check_limits(path: Path, limits: ReadLimits) -> int:
    """What ``open_table`` checks before parsing, without parsing: the declared inflated size
    of an XLSX and the declared rows and size of a Parquet file (SourceError if over). Returns
    the rows the file holds: declared by Parquet, else estimated from its size (a budget's
    charge, not a count)."""
    if not path.is_file():
        raise SourceError(path, None, None, "no such file")
    kind = _kind(path)
    size = path.stat().st_size
    if kind == "xlsx":
        members = _check_zip(path, limits)
        sheets = sum(m.file_size for m in members if m.filename.startswith("xl/worksheets/"))
        return max(1, sheets // _SHEET_ROW_BYTES)
    if kind == "parquet":
        pa, pq = _pyarrow()
        try:
            metadata = pq.read_metadata(path)
        except (OSError, pa.ArrowException) as error:
            raise SourceError(path, None, None, f"not a readable Parquet file: {error}") from error
        _check_parquet(path, metadata, limits)
        return int(metadata.num_rows)
    with path.open("rb") as handle:
        compressed = handle.read(2) == _GZIP_MAGIC
    return max(1, size * (_GZIP_RATIO if compressed else 1) // _TEXT_ROW_BYTES)
