"""Reading the matcher's data tables (``matching/data/*``), kept as data rather than code so that a
compliance analyst can review and extend them without reading Python."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def read_rows(name: str) -> tuple[tuple[str, ...], ...]:
    """The rows of a tab-separated table, without blank lines and ``#`` comments."""
    text = resources.files("exportscreen.matching").joinpath("data", name).read_text("utf-8")
    rows: list[tuple[str, ...]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        rows.append(tuple(cell.strip() for cell in stripped.split("\t")))
    return tuple(rows)


def read_pairs(name: str) -> tuple[tuple[str, str], ...]:
    """A two-column table; a row with another number of cells is a mistake in the table."""
    pairs: list[tuple[str, str]] = []
    for row in read_rows(name):
        if len(row) != 2:
            raise ValueError(f"matching/data/{name}: expected 2 tab-separated cells in {row!r}")
        pairs.append((row[0], row[1]))
    return tuple(pairs)


def read_words(name: str) -> frozenset[str]:
    """A one-column list of words."""
    return frozenset(row[0] for row in read_rows(name))
