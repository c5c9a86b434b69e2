"""Writers for CSV, XLSX, Parquet and JSON Lines, chosen by the output file's extension.

Every writer writes to a hidden temporary file beside the target. ``commit()`` closes it properly
(a Parquet footer, a zipped workbook) and moves it into place in one rename; ``discard()`` deletes
it. So the target is either absent, left as it was, or a complete file: a partial run that is
committed (after Ctrl-C) is still a file every reader can parse.

CSV and XLSX are opened by spreadsheets, which take a cell starting with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return before one) for a formula: a customer's name ``=HYPERLINK(...)``
echoed into the results would run in the analyst's Excel. Such text cells get a leading ``'``
(OWASP's "CSV injection" advice), so they are shown as the text they are; Parquet and JSON Lines,
which no spreadsheet evaluates, keep the exact text.
"""

from __future__ import annotations

import abc
import csv
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from exportscreen.screening.tabular.columns import Column, ColumnKind
from exportscreen.sources.common import SourceError

Value = str | int | float | None

# pyarrow and openpyxl are imported by the writers that need them: a fraction of a second that a
# CSV output need not pay at start-up.
_ARROW_TYPES = {
    ColumnKind.TEXT: "string",
    ColumnKind.INTEGER: "int64",
    ColumnKind.REAL: "float64",
}
# Parquet readers work best with row groups of tens of thousands of rows, not one per chunk.
_PARQUET_GROUP_ROWS = 65_536
_XLSX_MAX_ROWS = 1_048_576  # Excel's sheet limit, header included
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """``value`` as a spreadsheet will show it and never evaluate it (see the module's doc)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class TableWriter(abc.ABC):
    def __init__(self, path: Path, columns: Sequence[Column]):
        self.path = path
        self.columns = tuple(columns)
        self.rows_written = 0
        try:
            handle, name = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".part", dir=path.parent
            )
        except OSError as error:
            raise SourceError(path, None, None, f"cannot write here: {error}") from error
        os.close(handle)
        self._temp = Path(name)
        self._done = False

    def write(self, rows: Sequence[Sequence[Value]]) -> None:
        self._write(rows)
        self.rows_written += len(rows)

    @abc.abstractmethod
    def _write(self, rows: Sequence[Sequence[Value]]) -> None: ...

    @abc.abstractmethod
    def _close(self) -> None:
        """Finish the temporary file so that it is complete on disk."""

    def commit(self) -> Path:
        """Finish the file and put it at ``path``, replacing what was there."""
        if self._done:
            raise RuntimeError(f"{self.path} was already committed or discarded")
        self._done = True
        try:
            self._close()
            os.replace(self._temp, self.path)
        except BaseException:
            self._temp.unlink(missing_ok=True)
            raise
        return self.path

    def discard(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            self._close()
        finally:
            self._temp.unlink(missing_ok=True)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        # Leaving the block without a commit means something went wrong: keep nothing.
        self.discard()


class _CsvWriter(TableWriter):
    def __init__(self, path: Path, columns: Sequence[Column]):
        super().__init__(path, columns)
        self._handle: IO[str] = self._temp.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._handle)
        self._csv.writerow([formula_safe(c.name) for c in self.columns])

    def _write(self, rows: Sequence[Sequence[Value]]) -> None:
        self._csv.writerows(["" if v is None else formula_safe(v) for v in row] for row in rows)

    def _close(self) -> None:
        self._handle.close()


class _JsonLinesWriter(TableWriter):
    def __init__(self, path: Path, columns: Sequence[Column]):
        super().__init__(path, columns)
        self._names = [c.name for c in self.columns]
        self._handle: IO[str] = self._temp.open("w", encoding="utf-8", newline="\n")

    def _write(self, rows: Sequence[Sequence[Value]]) -> None:
        for row in rows:
            record = dict(zip(self._names, row, strict=True))
            self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _close(self) -> None:
        self._handle.close()


class _ParquetWriter(TableWriter):
    def __init__(self, path: Path, columns: Sequence[Column]):
        import pyarrow as pa
        import pyarrow.parquet as pq

        super().__init__(path, columns)
        self._pa = pa
        types = {kind: pa.type_for_alias(name) for kind, name in _ARROW_TYPES.items()}
        self._schema = pa.schema([pa.field(c.name, types[c.kind]) for c in self.columns])
        self._writer = pq.ParquetWriter(self._temp, self._schema)
        self._pending: list[Sequence[Value]] = []

    def _write(self, rows: Sequence[Sequence[Value]]) -> None:
        self._pending.extend(rows)
        if len(self._pending) >= _PARQUET_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        pa = self._pa
        arrays = [
            pa.array([row[i] for row in self._pending], type=field.type)
            for i, field in enumerate(self._schema)
        ]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))
        self._pending = []

    def _close(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()


class _XlsxWriter(TableWriter):
    """A write-only workbook; rows past Excel's sheet limit continue on a new sheet."""

    def __init__(self, path: Path, columns: Sequence[Column]):
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        super().__init__(path, columns)
        self._illegal = ILLEGAL_CHARACTERS_RE
        self._book = Workbook(write_only=True)
        self._sheets = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self._sheets += 1
        title = "hits" if self._sheets == 1 else f"hits {self._sheets}"
        self._sheet: Any = self._book.create_sheet(title)
        self._sheet.append([c.name for c in self.columns])
        self._sheet_rows = 1

    def _write(self, rows: Sequence[Sequence[Value]]) -> None:
        for row in rows:
            if self._sheet_rows >= _XLSX_MAX_ROWS:
                self._new_sheet()
            # Control characters are not allowed in XLSX cells; openpyxl refuses them.
            self._sheet.append(
                [formula_safe(self._illegal.sub("", v)) if isinstance(v, str) else v for v in row]
            )
            self._sheet_rows += 1

    def _close(self) -> None:
        self._book.save(self._temp)


_WRITERS: dict[str, type[_CsvWriter | _JsonLinesWriter | _ParquetWriter | _XlsxWriter]] = {
    ".csv": _CsvWriter,
    ".jsonl": _JsonLinesWriter,
    ".ndjson": _JsonLinesWriter,
    ".parquet": _ParquetWriter,
    ".xlsx": _XlsxWriter,
}


def open_writer(path: Path, columns: Sequence[Column]) -> TableWriter:
    """A writer for ``path``, in the format its extension names."""
    suffix = path.suffix.lower()
    if suffix not in _WRITERS:
        known = ", ".join(sorted(_WRITERS))
        raise SourceError(path, None, None, f"unknown output format {suffix!r}; use one of {known}")
    if not path.parent.is_dir():
        raise SourceError(path, None, None, "the output folder does not exist")
    return _WRITERS[suffix](path, columns)
