"""The layout of OFAC's headerless CSV files as a contract (``sources.ofac_csv`` reads them).

The files carry no header, so a renamed column cannot happen, but a dropped, added or moved one
can, and each record would then be read with its values under the wrong names: a dropped
Country puts the address remarks, mostly empty, in its place; a dropped alt_type shifts every
alias name. ``check_layout`` refuses such a file, naming the column, which it tells by the
shapes of the values (or naming the look-alike candidates when the values cannot tell).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from exportscreen.sources.common import SourceError
from exportscreen.text.countries import country_code

_EMPTY = "-0-"


def value_of(cell: str) -> str:
    """A cell's value: "" for OFAC's empty marker ``-0-``."""
    text = cell.strip()
    return "" if text == _EMPTY else text


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a headerless OFAC file, with the shape its values have (``shape``, for
    a value that is not ``-0-``) and whether it is usually filled or usually empty. The files
    carry no header, so a dropped, added or moved column can only be told by shape (see
    ``check_layout``)."""

    name: str
    # What a value (not ``-0-``) of the column looks like; None: anything.
    shape: Callable[[str], bool] | None = None
    # True: usually filled; False: usually ``-0-``; None: either.
    filled: bool | None = None


def _matching(pattern: str, flags: int = 0) -> Callable[[str], bool]:
    compiled = re.compile(pattern, flags)
    return lambda value: compiled.fullmatch(value) is not None


_NUMBER = _matching(r"\d+")
_TONNAGE = _matching(r"[\d,.]+")
_PRIMARY_LAYOUT = (
    Column("ent_num", _NUMBER, filled=True),
    Column("SDN_Name", filled=True),
    Column("SDN_Type", _matching(r"individual|vessel|aircraft", re.IGNORECASE)),
    Column("Program", filled=True),
    Column("Title"),
    Column("Call_Sign", _matching(r"[A-Z0-9]{3,10}"), filled=False),
    Column("Vess_type", filled=False),
    Column("Tonnage", _TONNAGE, filled=False),
    Column("GRT", _TONNAGE, filled=False),
    Column("Vess_flag"),
    Column("Vess_owner"),
    Column("Remarks"),
)
LAYOUTS: Mapping[str, tuple[Column, ...]] = {
    "primary": _PRIMARY_LAYOUT,
    "addresses": (
        Column("ent_num", _NUMBER, filled=True),
        Column("Add_num", _NUMBER, filled=True),
        Column("Address"),
        Column("City/State/Postal"),
        Column("Country", lambda value: bool(country_code(value)), filled=True),
        Column("Add_remarks", filled=False),
    ),
    "aliases": (
        Column("ent_num", _NUMBER, filled=True),
        Column("alt_num", _NUMBER, filled=True),
        Column("alt_type", _matching(r"[afn]\.?k\.?a\.?", re.IGNORECASE), filled=True),
        Column("alt_name", filled=True),
        Column("alt_remarks", filled=False),
    ),
    "comments": (
        Column("ent_num", _NUMBER, filled=True),
        Column("Remarks", filled=True),
    ),
}

# Records looked at to judge a file's layout: plenty to tell columns apart, bounded in time.
_LAYOUT_SAMPLE = 5000


def _misfit(column: Column, cell: str) -> int:
    """How badly a value fits a column: 2 for the wrong shape, 1 for an empty value in a
    column that is usually filled or a value in one that is usually empty, -1 (evidence for)
    for a value of the column's shape, else 0."""
    value = value_of(cell)
    if not value:
        return 1 if column.filled else 0
    if column.shape is not None:
        return -1 if column.shape(value) else 2
    return 1 if column.filled is False else 0


def check_layout(path: Path, layout: tuple[Column, ...], rows: list[list[str]]) -> None:
    """Refuse a file whose records do not have OFAC's columns, naming the column that is
    missing or holds something else.

    The files have no header, so a renamed column cannot happen, but a dropped, added or moved
    one can, and each record would then be read with its values under the wrong names (a
    dropped Country puts the address remarks, mostly empty, in its place). The usual field
    count says whether a column was dropped; which one is the layout without it that the
    values fit best, by shape."""
    if not rows:
        return
    names = ", ".join(c.name for c in layout)
    usual, _ = Counter(len(row) for row in rows).most_common(1)[0]
    sample = [row for row in rows if len(row) == usual][:_LAYOUT_SAMPLE]
    if usual == len(layout):
        for index, column in enumerate(layout):
            if column.shape is None:
                continue
            values = [row[index] for row in sample if value_of(row[index])]
            wrong = [v for v in values if _misfit(column, v) == 2]
            if len(wrong) >= 3 and len(wrong) * 2 > len(values):
                raise SourceError(
                    path,
                    None,
                    column.name,
                    f"column {index + 1} does not hold {column.name} values (such as "
                    f"{wrong[0].strip()!r}): OFAC's columns are {names}; moved or replaced?",
                )
        return
    if usual != len(layout) - 1:
        raise SourceError(
            path,
            None,
            None,
            f"the records have {usual} fields where OFAC's layout has {len(layout)} ({names})",
        )
    scores: dict[str, int] = {}
    for dropped in range(len(layout)):
        kept = layout[:dropped] + layout[dropped + 1 :]
        scores[layout[dropped].name] = sum(
            _misfit(column, cell) for row in sample for column, cell in zip(kept, row, strict=True)
        )
    best = min(scores.values())
    candidates = [name for name, score in scores.items() if score == best]
    if len(candidates) == 1:
        raise SourceError(
            path,
            None,
            candidates[0],
            f"required column {candidates[0]!r} missing: the records have {usual} fields, and "
            f"fit OFAC's layout ({names}) without it",
        )
    raise SourceError(
        path,
        None,
        None,
        f"a required column is missing: the records have {usual} fields where OFAC's layout has "
        f"{len(layout)} ({names}); they fit it without any one of "
        f"{', '.join(repr(c) for c in candidates)}",
    )


__all__ = ["LAYOUTS", "Column", "check_layout", "value_of"]
