"""The bound that leaves names unaligned (``matching.score_bound``), on the real lists: it must be
at least the score the alignment gives, for every candidate of real queries, or a listed party
could be cleared without being aligned."""

from __future__ import annotations

from typing import Any

import pytest

from exportscreen.matching.analyze import analyze
from exportscreen.matching.score import BOUND_SLACK, candidate_keys, prepare, score_name
from exportscreen.matching.score_bound import SINGLES, singles
from exportscreen.screening.screener import Screener

CANDIDATES = 40
# Above every score: each name is left unaligned, its NameScore the bound itself.
EVERY_NAME_BOUNDED = 1.5

OTHER_QUERIES = [
    "John Smith Trading Ltd",
    "Shanghai Global Trading Group",
    "Maria Garcia Lopez",
    "Beijing Institute of Technology",
    "Hik Visiondigital",
    "Gazprom Bank",
    "Mohammad Ali",
    "Prime Logistics",
]


def _variants(name: str, n: int) -> list[str]:
    """The name, a typo of it (two letters swapped) and the name without its first word."""
    words = name.split()
    found = [name]
    longest = max(words, key=len)
    if len(longest) > 4:
        i = 1 + n % (len(longest) - 2)
        typo = longest[:i] + longest[i + 1] + longest[i] + longest[i + 2 :]
        found.append(name.replace(longest, typo, 1))
    if len(words) > 2:
        found.append(" ".join(words[1:]))
    return found


def _queries(screener: Screener) -> list[str]:
    names = screener.index.name_text
    step = max(1, len(names) // 150)
    listed = [names[i] for i in range(0, len(names), step)]
    return [q for n, name in enumerate(listed) for q in _variants(name, n)] + OTHER_QUERIES


def test_the_bound_is_at_least_the_score_of_every_candidate(real_screener: Screener) -> None:
    index = real_screener.index
    bounded = aligned = 0
    for text in _queries(real_screener):
        analysis = analyze(text)
        if not analysis.tokens:
            continue
        query = prepare(analysis, index)
        keys = candidate_keys(query)
        exact_memo: dict[Any, Any] = {}
        bound_memo: dict[Any, Any] = {}
        cut_memo: dict[Any, Any] = {}
        for name_id, _ in index.candidates(keys, CANDIDATES):
            exact = score_name(query, name_id, index, exact_memo)
            bound = score_name(query, name_id, index, bound_memo, EVERY_NAME_BOUNDED)
            assert bound.bounded
            assert exact.score <= bound.score + BOUND_SLACK, (text, index.name_text[name_id])
            # At an ordinary cutoff a name is either left out below it or scored as in full.
            cut = score_name(query, name_id, index, cut_memo, 0.8)
            if cut.bounded:
                assert exact.score < 0.8, (text, index.name_text[name_id])
                bounded += 1
            else:
                assert cut == exact, (text, index.name_text[name_id])
                aligned += 1
    assert bounded > 100 and aligned > 100  # both outcomes met


@pytest.mark.parametrize("count", [0, 1, 5, len(SINGLES), len(SINGLES) + 3])
def test_singles_are_the_one_token_tuples(count: int) -> None:
    made = singles(count)
    assert len(made) >= count
    assert all(made[i] == (i,) for i in range(count))
