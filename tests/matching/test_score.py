"""Scoring one listed name: the joined-word options against a brute-force enumeration."""

from __future__ import annotations

import itertools

import pytest

from exportscreen.matching.score import (
    MAX_JOINED_LENGTH_GAP,
    MAX_JOINED_PARTS,
    MIN_JOINED_LETTERS,
    _joined,
    _joined_options,
)


def every_joined_option(
    singles: list[str], others: list[str]
) -> set[tuple[int, tuple[int, ...], float]]:
    """Every single against every run of 2..MAX_JOINED_PARTS adjacent joinable words, checked
    one by one (the slow definition the fast path must agree with)."""
    found = set()
    for single, text in enumerate(singles):
        for start, size in itertools.product(range(len(others)), range(2, MAX_JOINED_PARTS + 1)):
            run = others[start : start + size]
            if len(run) < size or not all(run) or len(text) < MIN_JOINED_LETTERS:
                continue
            if abs(sum(map(len, run)) - len(text)) > MAX_JOINED_LENGTH_GAP:
                continue
            if similarity := _joined(text, run):
                found.add((single, tuple(range(start, start + size)), similarity))
    return found


@pytest.mark.parametrize(
    ("singles", "others", "expected_runs"),
    [
        (["gazprombank"], ["gazprom", "bank"], [(0, (0, 1))]),
        (["hikvisiondigitl"], ["hik", "vision", "digital"], [(0, (0, 1, 2))]),  # a letter dropped
        (["gazprombnk"], ["gazprom", "bank"], []),  # a letter dropped of ten: below 0.95
        (["zhipuhuazhang", "technology"], ["zhipu", "huazhang", "technology"], [(0, (0, 1))]),
        (["hikvisiondigital"], ["hik", "vision", "digital"], [(0, (0, 1, 2))]),
        (["limited"], ["lim", "ited", ""], [(0, (0, 1))]),
        (["gazprombank"], ["gazprom", "", "bank"], []),  # a legal form or number breaks a run
        (["bank"], ["ba", "nk"], [(0, (0, 1))]),
        (["ban"], ["ba", "n"], []),  # too short to be two words
        (["gazprombank"], ["gazprom"], []),
        (["inspur", "group"], ["inspur", "group", "co"], []),
        ([], ["a", "b"], []),
        (["abcdefgh"], [], []),
    ],
)
def test_joined_options_agree_with_every_run_checked(
    singles: list[str], others: list[str], expected_runs: list[tuple[int, tuple[int, ...]]]
) -> None:
    fast = _joined_options(singles, others)
    assert len(fast) == len(set(fast))
    assert set(fast) == every_joined_option(singles, others)
    assert [(single, run) for single, run, _ in fast] == expected_runs
