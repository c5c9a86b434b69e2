"""Reading and writing the tables customers hand us: CSV, XLSX, Parquet and JSON Lines.

Nothing here knows about screening. Readers stream rows (and the rows they could not read) one at
a time so that a file of any size is read in constant memory; writers write to a temporary file
beside the target and only put it in place when told to, so a failed run never leaves a
half-written file where a finished one is expected.
"""

from __future__ import annotations

from exportscreen.screening.tabular.columns import (
    Column,
    ColumnKind,
    ColumnRole,
    find_column,
    resolve_columns,
)
from exportscreen.screening.tabular.csv_format import CsvFormat, detect_csv_format
from exportscreen.screening.tabular.readers import (
    MAX_FIELD_CHARS,
    BadRow,
    ReadLimits,
    Row,
    TableSource,
    check_limits,
    open_table,
)
from exportscreen.screening.tabular.writers import TableWriter, formula_safe, open_writer

__all__ = [
    "MAX_FIELD_CHARS",
    "BadRow",
    "Column",
    "ColumnKind",
    "ColumnRole",
    "CsvFormat",
    "ReadLimits",
    "Row",
    "TableSource",
    "TableWriter",
    "check_limits",
    "detect_csv_format",
    "find_column",
    "formula_safe",
    "open_table",
    "open_writer",
    "resolve_columns",
]
