"""The typed columns a writer lays out, so that Parquet and Spark get a real schema, not strings."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ColumnKind(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    REAL = "real"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: ColumnKind = ColumnKind.TEXT
