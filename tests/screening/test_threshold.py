"""A threshold only filters: a higher threshold drops the hits scoring below it and never one
that a lower threshold shows above it (``screener.CANDIDATE_FLOOR``).

The index's bound counts only the words its routes reach; the scorer also pairs near spellings
no route reaches. Before the floor, a name whose bound fell just short of a cutoff was not
aligned at all, so "lashkar e toypa" found LASHKAR E-TOIBA (0.93) at a threshold of 0.5 and
nothing at the default 0.77: a false clear.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exportscreen import settings
from exportscreen.model import Entry, Hit
from exportscreen.screening.screener import CANDIDATE_FLOOR, Screener

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def csl(raw_dir: Path) -> tuple[Screener, list[Entry]]:
    from exportscreen.sources import parse

    entries = parse(raw_dir / "watchman" / "csl" / "consolidated_2022-05.csv.gz").entries
    return Screener.from_entries(entries), entries


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        # Near spellings sharing fewer than two letter triples with the listed word, or outranked
        # in the near-word shortlist by words sharing more ("int..."): no route reaches them.
        ("lashkar e toypa", "LASHKAR E-TOIBA"),
        ("intiyan mujahitin", "INDIAN MUJAHIDIN"),
    ],
)
def test_a_name_no_route_reaches_in_full_still_alerts_at_the_default_threshold(
    csl: tuple[Screener, list[Entry]], query: str, listed: str
) -> None:
    screener, _ = csl
    hits = screener.screen(query, limit=3)
    assert hits, query
    assert hits[0].matched_name == listed
    assert hits[0].score >= settings.DEFAULT_THRESHOLD


def _misspelt(name: str) -> str:
    # Letters a typist or a transliteration swaps for one another, not all caught by the routes.
    return name.lower().translate(str.maketrans({"i": "y", "b": "p", "d": "t", "o": "u"}))


def _key(hit: Hit) -> tuple[str, str, float]:
    return (hit.entry.id, hit.matched_name, round(hit.score, 6))


def test_a_higher_threshold_only_drops_hits_scoring_below_it(
    csl: tuple[Screener, list[Entry]],
) -> None:
    screener, entries = csl
    queries = [_misspelt(entry.name) for entry in entries[:: max(1, len(entries) // 400)]]
    found_above_default = 0
    for query in queries:
        low = screener.screen(query, limit=1000, threshold=CANDIDATE_FLOOR)
        for threshold in (settings.DEFAULT_THRESHOLD, 0.9):
            high = screener.screen(query, limit=1000, threshold=threshold)
            expected = [_key(h) for h in low if h.score >= threshold]
            assert [_key(h) for h in high] == expected, (query, threshold)
        found_above_default += any(h.score >= settings.DEFAULT_THRESHOLD for h in low)
    assert found_above_default > len(queries) // 3  # the misspellings mostly still alert
