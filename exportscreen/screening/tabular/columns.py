"""Columns: the typed columns a writer lays out (so that Parquet and Spark get a real schema, not
strings), and the one way readers find the columns they need in a customer's header.

Every reader of customer tables (the register import, batch screening, Spark) maps its input roles
("name", "country"...) to the file's columns through ``resolve_columns``, so that a header is read
the same way everywhere and a missing column is reported in one form, naming column and file.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from exportscreen.sources.common import SourceError


class ColumnKind(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    REAL = "real"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: ColumnKind = ColumnKind.TEXT


@dataclass(frozen=True, slots=True)
class ColumnRole:
    """A column a reader wants: the role it plays, the column's name in the file (the caller's
    choice, else the role's own name), and whether the file must have it. A column the caller
    named should be required too: a typo in ``--country-col`` must not quietly screen without
    countries."""

    role: str
    column: str
    required: bool = False


def find_column(file: str | Path, columns: Sequence[str], wanted: str) -> int | None:
    """The index of ``wanted`` among ``columns``, ignoring case and surrounding blanks."""
    key = wanted.strip().casefold()
    found = [i for i, name in enumerate(columns) if name.strip().casefold() == key]
    if len(found) > 1:
        raise SourceError(file, None, wanted, f"{len(found)} columns are named {wanted!r}")
    return found[0] if found else None


def resolve_columns(
    file: str | Path, columns: Sequence[str], roles: Iterable[ColumnRole]
) -> dict[str, int | None]:
    """Each role's column index in ``columns`` (the header of ``file``), None for an optional
    column that is absent. A required column that is absent, or a name two columns share, is a
    SourceError naming the file and the column."""
    available = ", ".join(repr(c) for c in columns)
    found: dict[str, int | None] = {}
    for role in roles:
        index = find_column(file, columns, role.column)
        if index is None and role.required:
            raise SourceError(
                file, None, role.column, f"no such column; the columns are {available}"
            )
        found[role.role] = index
    return found


__all__ = ["Column", "ColumnKind", "ColumnRole", "find_column", "resolve_columns"]
