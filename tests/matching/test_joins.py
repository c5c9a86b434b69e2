"""Joins between a query and a listed name (``matching.joins``): the length masks of ``Joins``
decide, before any run is built, which kinds of join to look for; they must never skip a join
that exists."""

from __future__ import annotations

import itertools
import random

import pytest

from exportscreen.matching.analyze import TokenKind
from exportscreen.matching.joins import (
    MAX_JOINED_LENGTH_GAP,
    joined_options,
    joined_pairs,
    joins_of,
    letters_bit,
    regrouped_pairs,
    run_reach,
    spelled_join,
)
from exportscreen.matching.similarity import spelling
from exportscreen.screening.screener import Screener


def every_join(
    query: list[str], listed: list[str]
) -> list[tuple[float, tuple[int, ...], tuple[int, ...]]]:
    """``joined_pairs`` without its masks: every kind of join looked for."""
    found: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []
    if len(listed) > 1:
        found += [(s, (q,), span) for q, span, s in joined_options(query, listed)]
    if len(query) > 1:
        found += [(s, span, (w,)) for w, span, s in joined_options(listed, query)]
    if len(query) > 1 and len(listed) > 1:
        found += [(1.0, qs, ws) for qs, ws in regrouped_pairs(query, listed)]
    return found


@pytest.mark.parametrize(
    ("keys", "lengths", "reach"),
    [
        # "gazprom" (7) and "bank" (4) are singles of a join; their run is 11 letters long,
        # whose spelling a word of a letter more or less is compared with.
        (["gazprom", "bank"], {7, 4}, {10, 11, 12}),
        # A legal form or number ("") ends a run; a word of three letters is no single.
        (["abc", "", "defgh"], {5}, set()),
        # Runs of two and three words: 3+4=7 (only its very letters), 4+5=9 (a word of ten
        # letters), 3+4+5=12 (a letter more or less).
        (["abc", "defg", "hijkl"], {4, 5}, {10, 11, 12, 13}),
        (["one"], set(), set()),
    ],
)
def test_the_masks_hold_the_singles_and_the_lengths_runs_reach(
    keys: list[str], lengths: set[int], reach: set[int]
) -> None:
    joins = joins_of(keys)
    assert {n for n in range(64) if joins.lengths >> n & 1} == lengths
    assert {n for n in range(64) if joins.reach >> n & 1} == reach


def test_the_letter_masks_hold_the_singles_and_the_runs() -> None:
    joins = joins_of(["abc", "defg", "", "hijkl", "mn"])
    assert joins.words == letters_bit("defg") | letters_bit("hijkl")
    assert joins.runs == letters_bit("abcdefg") | letters_bit("hijklmn")
    assert joins_of(["one"]).words == joins_of(["one"]).runs == 0
    # A word of a run's very letters, too short for its spelling to be compared: found by them.
    query, listed = ["gazbank"], ["gaz", "bank"]
    assert joins_of(query).lengths & joins_of(listed).reach == 0
    assert joined_pairs(query, joins_of(query), listed, joins_of(listed)) == [(1.0, (0,), (0, 1))]
    assert joined_pairs(listed, joins_of(listed), query, joins_of(query)) == [(1.0, (0, 1), (0,))]


@pytest.mark.parametrize(
    ("length", "total", "expected"),
    [
        (8, 8, False),  # one letter of eight is below the spelling threshold
        (8, 9, False),  # one letter of nine is too
        (9, 10, True),  # one letter of ten is not
        (11, 13, False),  # two letters of thirteen are
        (19, 17, True),  # two letters of nineteen are not
        (20, 23, False),  # beyond MAX_JOINED_LENGTH_GAP
        (3, 30, False),  # shorter than a joined word's single
    ],
)
def test_spelled_join_tells_the_lengths_joined_options_compares(
    length: int, total: int, expected: bool
) -> None:
    assert spelled_join(length, total) is expected
    assert bool(run_reach(total) >> length & 1) is expected


def test_no_length_left_out_of_the_reach_has_a_join_but_of_equal_letters() -> None:
    """A word and a run of lengths ``spelled_join`` refuses, their letters as alike as they
    can be but not equal: ``joined_options`` finds nothing."""
    for total in range(2, 30):
        for length in range(1, 34):
            if spelled_join(length, total):
                continue
            for first in range(1, total):
                run = ["a" * first, "a" * (total - first)]
                word = "a" * length if length != total else "a" * (length - 1) + "b"
                assert joined_options([word], run) == [], (length, total)


def test_no_join_is_missed_between_real_names_and_their_variants(
    real_screener: Screener,
) -> None:
    """Real listed names against queries made of other real names and of their own words
    joined, split, regrouped and misspelt: ``joined_pairs`` finds what every kind of join finds,
    in the same order."""
    index = real_screener.index
    rng = random.Random(16)
    names = rng.sample(range(len(index.name_text)), 1500)

    def keys_of(name_id: int) -> list[str]:
        words = index.tokens_of(name_id)[0]
        return [index.words[w] if index.word_kind[w] == TokenKind.WORD else "" for w in words]

    met = 0
    for name_id, other_id in itertools.pairwise(names):
        listed = keys_of(name_id)
        joined = [a + b for a, b in itertools.pairwise(listed) if a and b]
        queries = [
            keys_of(other_id),
            joined,
            [j[:-1] for j in joined] + listed[:1],
            [j + "s" for j in joined],
            [w[: len(w) // 2] + " " + w[len(w) // 2 :] for w in listed if w],
            [part for a, b in itertools.pairwise(listed) for part in (a + b[:1], b[1:])],
        ]
        for query in queries:
            query = [part for word in query for part in word.split(" ")]
            expected = every_join(query, listed)
            assert joined_pairs(query, joins_of(query), listed, joins_of(listed)) == expected
            met += len(expected)
    assert met > 1000


def test_a_word_beyond_the_gap_of_every_run_is_not_compared() -> None:
    listed = ["gazprom", "bank"]  # one run, 11 letters
    longer = "x" * (11 + MAX_JOINED_LENGTH_GAP + 1)
    assert joins_of([longer]).lengths & joins_of(listed).reach == 0
    near = "gazprombanks"
    assert joins_of([near]).lengths & joins_of(listed).reach
    assert joined_pairs([near], joins_of([near]), listed, joins_of(listed)) == [
        (spelling(near, "gazprombank"), (0,), (0, 1))
    ]
    # The other way round: the listed word against the query's run.
    assert joined_pairs(listed, joins_of(listed), [near], joins_of([near])) == [
        (spelling(near, "gazprombank"), (0, 1), (0,))
    ]
