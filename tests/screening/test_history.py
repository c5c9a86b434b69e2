"""``ListsOnDate.removed_since``: a party is removed since a date only when no current record
lists it, under its own id or one identity linking moved it to (merged, named in another entry,
or a link accepted on review)."""

from __future__ import annotations

from datetime import date
from typing import cast

import pytest

from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.screening.history import ListsOnDate, VersionUsed
from exportscreen.screening.screener import Screener

USED = VersionUsed(ListCode.EL, 3, date(2023, 3, 1), "rule.xml", 9, date(2026, 7, 9))


def _lists(continued: dict[str, str]) -> ListsOnDate:
    return ListsOnDate(
        on=date(2025, 6, 1),
        versions_used=(USED,),
        screener=cast(Screener, None),  # not screened here
        held_then=frozenset({"EL-a", "EL-b", "EL-c", "EL-d"}),
        held_now=frozenset({"EL-a", "EL-n"}),
        continued_as=continued,
    )


@pytest.mark.parametrize(
    ("entry_id", "continued", "current", "removed"),
    [
        ("EL-a", {}, "EL-a", False),  # still listed under its own id
        ("EL-b", {"EL-b": "EL-n"}, "EL-n", False),  # merged into a current record
        ("EL-c", {"EL-c": "EL-x", "EL-x": "EL-n"}, "EL-n", False),  # through two decisions
        ("EL-d", {"EL-d": "EL-gone"}, None, True),  # moved to a record since removed
        ("EL-d", {"EL-d": "EL-e", "EL-e": "EL-d"}, None, True),  # a loop ends
        ("EL-d", {}, None, True),  # simply gone
    ],
)
def test_removed_since_follows_identity_links(
    entry_id: str, continued: dict[str, str], current: str | None, removed: bool
) -> None:
    lists = _lists(continued)
    entry = Entry(id=entry_id, list=ListCode.EL, type=EntryType.ENTITY, name="X")
    assert lists.current_id(entry_id) == current
    message = lists.removed_since(entry)
    assert bool(message) is removed
    if removed:
        assert message.startswith("no longer listed: not in the current EL version 9")
