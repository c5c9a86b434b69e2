"""Candidate generation: which vocabulary words a query word reaches."""

from __future__ import annotations

import pytest

from exportscreen.matching.analyze import TokenKind
from exportscreen.matching.index import MatchIndex
from tests.matching.conftest import fixture_entries


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    return MatchIndex.build(fixture_entries())


@pytest.mark.parametrize(
    ("joined", "parts"),
    [
        ("zhipuhuazhang", ["zhipu", "huazhang"]),
        ("inspurgroup", ["inspur", "group"]),
        ("hikvisiondigitaltechnology", ["hikvision", "digital", "technology"]),
        ("xyzzyplugh", []),
    ],
)
def test_unknown_joined_words_split_into_listed_words(
    index: MatchIndex, joined: str, parts: list[str]
) -> None:
    assert joined not in index.word_ids
    assert [index.words[w] for w in index.split_words(joined)] == parts


def test_words_reached_by_spelling_are_marked_guessed(index: MatchIndex) -> None:
    reached = {index.words[h.word]: h for h in index.reachable_words("inspurgroup", TokenKind.WORD)}
    assert reached["inspur"].guessed and reached["group"].guessed
    exact = index.reachable_words("inspur", TokenKind.WORD)
    assert any(index.words[h.word] == "inspur" and not h.guessed for h in exact)


def test_arabic_script_reaches_words_by_consonants_only(index: MatchIndex) -> None:
    reached = {index.words[h.word] for h in index.reachable_words("mhmd", TokenKind.WORD, "mhmd")}
    assert "muhammad" in reached
