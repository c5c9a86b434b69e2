"""The bound that leaves names unaligned (``matching.score_bound``), on the real lists: it must be
at least the score the alignment gives, for every candidate of real queries, or a listed party
could be cleared without being aligned."""

from __future__ import annotations

from typing import Any

import pytest

from exportscreen.matching import score
from exportscreen.matching.analyze import TokenKind, analyze
from exportscreen.matching.score import BOUND_SLACK, candidate_keys, prepare, score_name
from exportscreen.matching.score_bound import SINGLES, key_only_words, options_of, singles
from exportscreen.matching.score_keep import listed_name
from exportscreen.model import MatchKind
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


_NONE = (0.0, MatchKind.EXACT, "")


@pytest.mark.parametrize(
    ("rows", "joins", "expected"),
    [
        ([], [], []),
        ([[_NONE, _NONE]], [], []),
        # Token by token, word by word; a similarity of 0 or less pairs nothing; joins last.
        (
            [
                [(1.0, MatchKind.EXACT, ""), _NONE],
                [(-0.05, MatchKind.FUZZY, ""), (0.8, MatchKind.FUZZY, "n")],
            ],
            [(0.96, (0,), (0, 1))],
            [
                (1.0, (0,), (0,), MatchKind.EXACT, ""),
                (0.8, (1,), (1,), MatchKind.FUZZY, "n"),
                (0.96, (0,), (0, 1), MatchKind.JOINED, ""),
            ],
        ),
    ],
)
def test_options_are_the_pairing_outcomes_then_the_joins(
    rows: list[list[tuple[float, MatchKind, str]]],
    joins: list[tuple[float, tuple[int, ...], tuple[int, ...]]],
    expected: list[Any],
) -> None:
    assert options_of(rows, joins) == expected


def test_a_listed_name_keeps_its_entry_and_its_type(real_screener: Screener) -> None:
    index = real_screener.index
    for name_id in range(0, len(index.name_text), 997):
        listed = listed_name(index, name_id)
        assert listed.owner == int(index.name_entry[name_id])
        assert listed.entry_type == index.entry_types[listed.owner]


# Names in Chinese characters and Korean names, whose readings are words in Han characters too.
HAN_QUERIES = [
    "邓利",
    "张荣",
    "王俊雄",
    "林志成",
    "金正恩",
    "崔龍海",
    "华为技术有限公司",
    "北京华为技术有限公司",
    "星燦國際旅行社股份有限公司",
    "강지은",
    "김정호",
    "윤우진",
]


def test_key_only_words_are_none_beside_a_latin_word(real_screener: Screener) -> None:
    index = real_screener.index
    for text in ("Gazprom Bank", "邓利 Trading", "Mohammad Ali"):
        assert key_only_words(prepare(analyze(text), index), index) is None, text


def test_key_only_words_hold_the_keys_and_equivalents_of_han_words(
    real_screener: Screener,
) -> None:
    index = real_screener.index
    for text in HAN_QUERIES[:9]:
        query = prepare(analyze(text), index)
        words = key_only_words(query, index)
        assert words is not None, text
        for prepared in query:
            own = index.word_ids.get(prepared.token.key)
            assert own is None or own in words, (text, prepared.token.key)
            if prepared.token.kind == TokenKind.WORD:
                for other in prepared.equivalents:
                    if (equivalent := index.word_ids.get(other)) is not None:
                        assert equivalent in words, (text, other)


def test_names_left_at_zero_for_key_only_queries_are_those_the_full_bound_leaves(
    real_screener: Screener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every candidate of a query in Han characters (and of its readings) scores as it does
    without the shortcut of ``key_only_words``, and the shortcut takes most of them."""
    index = real_screener.index
    queries = []
    for text in HAN_QUERIES:
        plain = prepare(analyze(text), index)
        queries.append((text, plain))
        for reading in real_screener._readings(text, real_screener._query(text)):
            queries.append((f"{text} / {reading.reading}", reading.tokens))
    fast: list[Any] = []
    for _, query in queries:
        memo: dict[Any, Any] = {}
        ranked = index.candidates(candidate_keys(query), CANDIDATES, min_bound=0.75)
        fast.append([score_name(query, name_id, index, memo, 0.77) for name_id, _ in ranked])
    shortcut = sum(s.bounded and s.score == 0.0 for scores in fast for s in scores)
    monkeypatch.setattr(score, "key_only_words", lambda query, index: None)
    for (text, query), scores in zip(queries, fast, strict=True):
        memo = {}
        for found in scores:
            full = score_name(query, found.name_id, index, memo, 0.77)
            assert full == found, (text, index.name_text[found.name_id])
    assert shortcut > 50
