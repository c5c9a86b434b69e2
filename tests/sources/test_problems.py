"""BadRows: the first bad row stops a load unless the caller asked to skip bad rows."""

from __future__ import annotations

import pytest

from exportscreen.sources.common import RowProblem, SourceError
from exportscreen.sources.problems import BadRows

BAD = SourceError("sdn.csv", 7, "ent_num", "not an entity number: 'x'")


def test_strict_raises_the_first_bad_row_itself() -> None:
    bad_rows = BadRows(skip=False)
    with pytest.raises(SourceError) as raised:
        bad_rows.report(BAD)
    assert raised.value is BAD
    with pytest.raises(SourceError) as raised, bad_rows.guard():
        raise BAD
    assert raised.value is BAD
    assert bad_rows.problems == []


def test_skipping_keeps_each_bad_row_with_file_line_and_field() -> None:
    bad_rows = BadRows(skip=True)
    kept = []
    for value in ("1", "x", "3"):
        with bad_rows.guard():
            if not value.isdigit():
                raise SourceError("sdn.csv", 7, "ent_num", f"not an entity number: {value!r}")
            kept.append(value)
    assert kept == ["1", "3"]
    assert bad_rows.problems == [RowProblem("sdn.csv", 7, "ent_num", "not an entity number: 'x'")]
    assert str(bad_rows.problems[0]) == str(BAD)


def test_other_errors_are_never_taken_for_bad_rows() -> None:
    # A bug in a loader must fail loudly, not be skipped as if the file were at fault.
    with pytest.raises(KeyError), BadRows(skip=True).guard():
        raise KeyError("Name")
