"""A listed name made only of generic words is a hit when the query is that name, in any order
and whatever joining words either side keeps (``alignment_facts.whole_name``); a query that
leaves one of its words out is not (``score.GENERIC_ONLY_CAP``)."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.screening.screener import Screener

USTC = Entry(
    id="EL-1",
    list=ListCode.EL,
    type=EntryType.ENTITY,
    name="University of Science and Technology of China",
)
PRECISION = Entry(
    id="EL-2",
    list=ListCode.EL,
    type=EntryType.ENTITY,
    name="China Precision Machinery Import-Export Corp.",
)


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.from_entries([USTC, PRECISION])


@pytest.mark.parametrize(
    ("query", "entry_id", "alerts"),
    [
        ("University of Science and Technology of China", "EL-1", True),
        # Another order, one "of" fewer: 中国科学技术大学 in English word order.
        ("China University of Science and Technology", "EL-1", True),
        ("China Science and Technology University", "EL-1", True),
        # A word of the listed name left out: generic words only, capped.
        ("University of Science and Technology", "EL-1", False),
        ("Science and Technology University", "EL-1", False),
        # A word of the query's own.
        ("China University of Science and Technology Press", "EL-1", False),
        ("China Precision Machinery Import-Export", "EL-2", True),
        ("China Machinery Import-Export", "EL-2", False),
    ],
)
def test_whole_generic_names(screener: Screener, query: str, entry_id: str, alerts: bool) -> None:
    hits = [h for h in screener.screen(query, threshold=0.3) if h.entry.id == entry_id]
    score = hits[0].score if hits else 0.0
    assert (score >= settings.DEFAULT_THRESHOLD) is alerts, (
        hits[0].explanation.summary if hits else query
    )
