"""A name whose index bound falls short of the cutoff is still aligned when its bound ranks among
the best above a floor (``screener.CANDIDATE_FLOOR``, ``LOW_CANDIDATES``).

The index's bound counts only the words its routes reach; the scorer also pairs near spellings
no route reaches. When only names bounded above the cutoff were aligned, "lashkar e toypa" found
LASHKAR E-TOIBA (0.93) at a threshold of 0.5 and nothing at the default 0.77: a false clear, and
a threshold that hid a hit scoring above it. Aligning every name above the floor would close
this entirely but doubles the matcher's CPU (README, issue 16); the best ``LOW_CANDIDATES`` of
them close most of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exportscreen import settings
from exportscreen.model import Entry
from exportscreen.screening import screener as screener_module
from exportscreen.screening.screener import Screener

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
        pytest.param(
            "intiyan mujahitin",
            "INDIAN MUJAHIDIN",
            # Both words reach their listed words by no route: the name's bound (0.49) ranks
            # below 20 others'; found when every name above the floor is aligned.
            marks=pytest.mark.xfail(strict=True, reason="its bound ranks below LOW_CANDIDATES"),
        ),
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


def _hits(screener: Screener, queries: list[str], threshold: float) -> set[tuple[str, str]]:
    return {
        (query, hit.entry.id)
        for query in queries
        for hit in screener.screen(query, limit=1000, threshold=threshold)
    }


@pytest.mark.parametrize("threshold", [settings.DEFAULT_THRESHOLD, 0.9])
def test_names_bounded_below_the_cutoff_are_mostly_still_found(
    csl: tuple[Screener, list[Entry]], threshold: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    screener, entries = csl
    queries = [_misspelt(entry.name) for entry in entries[:: max(1, len(entries) // 400)]]
    found = _hits(screener, queries, threshold)
    # Every name bounded above the floor aligned: the scorer's own answer.
    monkeypatch.setattr(screener_module, "LOW_CANDIDATES", 1000)
    everything = _hits(screener, queries, threshold)
    # Only names bounded above the cutoff aligned: as before the floor.
    monkeypatch.setattr(screener_module, "LOW_CANDIDATES", 0)
    monkeypatch.setattr(screener_module, "CANDIDATE_FLOOR", 1.0)
    before = _hits(screener, queries, threshold)
    assert found <= everything and before <= found
    # Measured: 270 of 278 at 0.77 (249 before), 141 of 144 at 0.9 (129 before).
    assert len(everything - found) <= 0.05 * len(everything)
    assert len(everything - found) * 2 <= len(everything - before)
