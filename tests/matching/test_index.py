"""Candidate generation: which vocabulary words a query word reaches."""

from __future__ import annotations

import numpy as np
import pytest

from exportscreen.matching.analyze import TokenKind, analyze
from exportscreen.matching.index import GENERIC_WEIGHT, ROUTE_CACHE_SIZE, MatchIndex, QueryKey
from exportscreen.matching.normalize import Script
from exportscreen.matching.score import prepare
from exportscreen.model import Entry, EntryType, ListCode
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


# Queries sharing words, so that later ones go through routes cached by earlier ones.
CACHED_ROUTE_QUERIES = [
    "Inspur Group",
    "Inspur Software Co Ltd",
    "inspurgroup software",
    "Zhipu Huazhang Technology",
    "Beijing Zhipu Huazhang",
    "Gazprom Bank",
    "gazprombank joint stock",
    "Muhammad al Zawahiri",
    "محمد الظواهري",
    "Hikvision Digital Technology",
    "Hangzhou Hikvsion Digital",
    "Shanghai Global Trading",
    "CETC 13",
    "Acme Widgets Ltd",
]


def _query_keys(index: MatchIndex, name: str) -> list[QueryKey]:
    return [
        QueryKey(
            q.token.key,
            q.token.kind,
            q.weight,
            q.consonants if q.token.script is Script.ARABIC else "",
        )
        for q in prepare(analyze(name), index)
    ]


@pytest.mark.parametrize("lists", [None, [ListCode.SDN]])
def test_cached_routes_give_the_candidates_of_a_cold_index(
    index: MatchIndex, lists: list[ListCode] | None
) -> None:
    allowed = None
    if lists is not None:
        allowed = np.array([code in lists for code in ListCode], dtype=np.bool_)
    warm = MatchIndex.build(fixture_entries())
    for name in CACHED_ROUTE_QUERIES:
        warm.candidates(_query_keys(warm, name), allowed_lists=allowed)
    assert warm.route_cache, "the warm index caches routes"
    for name in CACHED_ROUTE_QUERIES:
        index.route_cache.clear()
        cold = index.candidates(_query_keys(index, name), allowed_lists=allowed)
        assert warm.candidates(_query_keys(warm, name), allowed_lists=allowed) == cold, name
        if lists is None and name != "Acme Widgets Ltd":
            assert cold, name


def test_the_route_cache_is_bounded_and_not_serialised(index: MatchIndex) -> None:
    index.route_cache.clear()
    for i in range(ROUTE_CACHE_SIZE + 10):
        index.token_routes(f"word{i}", TokenKind.WORD, 1.0)
    assert len(index.route_cache) == ROUTE_CACHE_SIZE
    assert not MatchIndex.from_bytes(index.to_bytes()).route_cache


@pytest.mark.parametrize(
    "place", ["guizhou", "sichuan", "zhejiang", "xinjiang", "qingdao", "dubai", "moscow"]
)
def test_provinces_and_large_cities_weigh_as_generic_words(place: str) -> None:
    entries = [
        Entry(id=f"SDN-{i}", list=ListCode.SDN, type=EntryType.ENTITY, name=f"{place} Acme{i}")
        for i in range(3)
    ]
    index = MatchIndex.build(entries)
    assert index.word_weight[index.word_ids[place]] <= GENERIC_WEIGHT
