"""Candidate generation: which vocabulary words a query word reaches."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from exportscreen.matching import index as index_module
from exportscreen.matching.analyze import TokenKind, analyze
from exportscreen.matching.index import GENERIC_WEIGHT, MatchIndex, QueryKey
from exportscreen.matching.index_build import build_index
from exportscreen.matching.postings import ROUTE_CACHE_TOKENS, RouteCache
from exportscreen.matching.score import candidate_keys, prepare, score_name
from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.screening.screener import Screener
from tests.matching.conftest import fixture_entries


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    return build_index(fixture_entries())


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
    return candidate_keys(prepare(analyze(name), index))


@pytest.mark.parametrize("lists", [None, [ListCode.SDN]])
def test_cached_routes_give_the_candidates_of_a_cold_index(
    index: MatchIndex, lists: list[ListCode] | None
) -> None:
    allowed = None
    if lists is not None:
        allowed = np.array([code in lists for code in ListCode], dtype=np.bool_)
    warm = build_index(fixture_entries())
    for name in CACHED_ROUTE_QUERIES:
        warm.candidates(_query_keys(warm, name), allowed_lists=allowed)
    assert warm.route_cache, "the warm index caches routes"
    for name in CACHED_ROUTE_QUERIES:
        index.route_cache.clear()
        cold = index.candidates(_query_keys(index, name), allowed_lists=allowed)
        assert warm.candidates(_query_keys(warm, name), allowed_lists=allowed) == cold, name
        if lists is None and name != "Acme Widgets Ltd":
            assert cold, name


def test_small_unions_summed_in_python_give_numpys_candidates(
    index: MatchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fixture's unions are small: forced through numpy's unique and bincount, every
    query's routes and candidates (names, order and bounds) are the same to the last bit."""
    small = {}
    for name in CACHED_ROUTE_QUERIES:
        index.route_cache.clear()
        small[name] = index.candidates(_query_keys(index, name), min_bound=0.1)
    monkeypatch.setattr(index_module, "SMALL_UNION", 0)
    for name in CACHED_ROUTE_QUERIES:
        index.route_cache.clear()
        assert index.candidates(_query_keys(index, name), min_bound=0.1) == small[name], name
    assert sum(len(found) > 1 for found in small.values()) >= 5
    index.route_cache.clear()


@pytest.mark.parametrize("small_union", [48, 0])
def test_candidates_of_some_lists_are_those_of_all_lists_on_them(
    index: MatchIndex, monkeypatch: pytest.MonkeyPatch, small_union: int
) -> None:
    """A lists filter keeps the names on those lists, with the same bounds, in the same order
    (through numpy's union too, whose masses are summed after the filter)."""
    monkeypatch.setattr(index_module, "SMALL_UNION", small_union)
    largest = int(np.bincount(index.name_list).argmax())  # the list with the most names
    allowed = np.arange(len(ListCode)) == largest
    filtered = 0
    for name in CACHED_ROUTE_QUERIES:
        keys = _query_keys(index, name)
        everywhere = index.candidates(keys)
        on_list = [(n, b) for n, b in everywhere if index.name_list[n] == largest]
        assert index.candidates(keys, allowed_lists=allowed) == on_list, name
        filtered += 1 < len(on_list) < len(everywhere)
    assert filtered, "some query reaches names on other lists"


def test_the_route_cache_is_bounded_and_not_serialised(index: MatchIndex) -> None:
    index.route_cache.clear()
    for i in range(ROUTE_CACHE_TOKENS + 10):
        index.token_routes(f"word{i}", TokenKind.WORD, 1.0)
    assert len(index.route_cache) == ROUTE_CACHE_TOKENS
    assert not MatchIndex.from_bytes(index.to_bytes()).route_cache


def test_the_route_cache_holds_a_bounded_number_of_names(index: MatchIndex) -> None:
    first = index.token_routes("inspur", TokenKind.WORD, 1.0)
    second = index.token_routes("group", TokenKind.WORD, 1.0)
    assert first is not None and second is not None
    cache = RouteCache(max_names=len(first[0]) + len(second[0]) - 1)
    cache.put(("inspur", TokenKind.WORD, 1.0, ""), first)
    assert cache.names_held == len(first[0])
    cache.put(("group", TokenKind.WORD, 1.0, ""), second)
    assert not cache.get(("inspur", TokenKind.WORD, 1.0, ""))[0], "the oldest went"
    assert cache.get(("group", TokenKind.WORD, 1.0, "")) == (True, second)
    assert cache.names_held == len(second[0])


# Queries that pair words in every way the scorer knows: exact, abbreviation, joined and split,
# transliterated, Arabic script, initials, legal forms, numbers, and words the lists lack.
BOUND_QUERIES = [
    *CACHED_ROUTE_QUERIES,
    "Inspur Grp",
    "Zhipu Huazang Tech",
    "H. Digital Technology",
    "Khoroshev Dmitry",
    "D Khoroshev",
    "Gazprom Bank OAO",
    "Hangzhou Hikvision Digital Technology Co Ltd",
]


@pytest.mark.parametrize("name", BOUND_QUERIES)
def test_a_candidates_bound_is_at_least_its_score(index: MatchIndex, name: str) -> None:
    query = prepare(analyze(name), index)
    candidates = index.candidates(_query_keys(index, name), limit=10_000)
    memo: dict[tuple[int, int], tuple[float, object, str]] = {}
    for name_id, bound in candidates:
        scored = score_name(query, name_id, index, memo)  # type: ignore[arg-type]
        # Penalties only lower a score; the bound is taken before them.
        assert scored.precision * scored.recall <= bound**2 + 1e-9, index.name_text[name_id]


@pytest.mark.parametrize("name", BOUND_QUERIES)
def test_min_bound_only_drops_names_below_it(index: MatchIndex, name: str) -> None:
    keys = _query_keys(index, name)
    every = index.candidates(keys, limit=10_000)
    kept = index.candidates(keys, limit=10_000, min_bound=0.7)
    assert kept == [(n, b) for n, b in every if b >= 0.7]


def test_names_whose_precision_falls_short_are_left_out_at_once(
    index: MatchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``candidates`` returns [] before working out the recall when no name's precision
    reaches the cutoff: the same answer as the full computation at every cutoff, through the
    numpy union and the Python one."""
    highest: list[float] = []
    precision_bound = index_module.precision_bound

    def spy(paired: np.ndarray, total: float) -> np.ndarray:  # type: ignore[type-arg]
        found = precision_bound(paired, total)
        highest.append(float(np.max(found)))  # a float when one route reaches every name
        return found

    exits = 0
    for small_union in (48, 0):
        monkeypatch.setattr(index_module, "SMALL_UNION", small_union)
        for name in [*BOUND_QUERIES, "Inspur Qwxzv Plokm Zzyqt", "Gazprom Bank Trading Moscow"]:
            keys = _query_keys(index, name)
            every = index.candidates(keys, limit=10_000)
            for cutoff in (0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0):
                with monkeypatch.context() as patched:
                    patched.setattr(index_module, "precision_bound", spy)
                    kept = index.candidates(keys, limit=10_000, min_bound=cutoff)
                assert kept == [(n, b) for n, b in every if b >= cutoff], (name, cutoff)
                exits += bool(highest) and highest[-1] < cutoff * cutoff
    assert exits, "some query's precision falls short of some cutoff"


@pytest.mark.parametrize("one_by_one", [0, 10**6])
def test_postings_bounds_read_together_or_one_by_one_give_the_same_routes(
    index: MatchIndex, monkeypatch: pytest.MonkeyPatch, one_by_one: int
) -> None:
    words = ["inspur", "inspurgroup", "hikvsion", "technology", "zhipu", "gazprom", "mhmd"]
    expected = {}
    for word in words:
        index.route_cache.clear()
        expected[word] = index.token_routes(word, TokenKind.WORD, 1.0)
    monkeypatch.setattr(index_module, "_BOUNDS_ONE_BY_ONE", one_by_one)
    for word in words:
        index.route_cache.clear()
        routes = index.token_routes(word, TokenKind.WORD, 1.0)
        before = expected[word]
        assert (routes is None) == (before is None), word
        if routes is not None and before is not None:
            for array, reference in zip(routes, before, strict=True):
                assert array.dtype == reference.dtype and array.tolist() == reference.tolist()
    assert any(len(index.reachable_words(w, TokenKind.WORD)) > 4 for w in words)
    index.route_cache.clear()


def test_query_keys_find_the_routes_kept_as_plain_tuples(index: MatchIndex) -> None:
    """``candidates`` asks the route cache with its QueryKeys but keeps plain tuples (what
    ``token_routes`` keeps and batch workers share), and finds them again."""
    index.route_cache.clear()
    index.route_cache.learn()
    try:
        keys = _query_keys(index, "Inspur Software Co Ltd")
        first = index.candidates(keys)
        learnt = index.route_cache.take_learnt()
        assert learnt and all(type(token) is tuple for token, _ in learnt)
        assert index.candidates(keys) == first
        assert not index.route_cache.take_learnt(), "the second query found every route kept"
        word = keys[0]
        assert index.token_routes(word.key, word.kind, word.weight) is dict(learnt)[tuple(word)]
    finally:
        index.route_cache.learnt = None
        index.route_cache.clear()


def test_the_route_cache_stays_consistent_under_threads(index: MatchIndex) -> None:
    cache = RouteCache(max_tokens=8, max_names=40)
    words = [f"word{i}" for i in range(30)] + ["inspur", "group", "gazprom", "hikvision"]

    def hammer(seed: int) -> None:
        for i in range(400):
            word = words[(seed * 7 + i) % len(words)]
            token = (word, TokenKind.WORD, 1.0, "")
            known, _ = cache.get(token)
            if not known:
                cache.put(token, index.token_routes(word, TokenKind.WORD, 1.0))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(hammer, range(4)))
    assert len(cache) <= 8
    assert cache.names_held == sum(len(r[0]) for r in cache.routes.values() if r is not None)


@pytest.mark.parametrize(
    "place", ["guizhou", "sichuan", "zhejiang", "xinjiang", "qingdao", "dubai", "moscow"]
)
def test_provinces_and_large_cities_weigh_as_generic_words(place: str) -> None:
    entries = [
        Entry(id=f"SDN-{i}", list=ListCode.SDN, type=EntryType.ENTITY, name=f"{place} Acme{i}")
        for i in range(3)
    ]
    index = build_index(entries)
    assert index.word_weight[index.word_ids[place]] <= GENERIC_WEIGHT


@pytest.mark.shared
def test_listed_words_find_the_spelled_words_the_live_search_finds(
    real_screener: Screener,
) -> None:
    # Every vocabulary word of the real lists, through the index's bytes: the neighbours
    # found at build time are the live search's, in its order (the route's sums add them in
    # that order) and to the last bit of each similarity.
    index = MatchIndex.from_bytes(real_screener.index.to_bytes())
    searched_live = 0
    for text, kind in zip(index.words, index.word_kind, strict=True):
        live = index.search_spelled_words(text)
        assert list(index.spelled_words(text).items()) == list(live.items()), text
        # A listed legal form or number has no row: searched live as a query word.
        searched_live += kind != TokenKind.WORD and bool(live)
    rows = index.word_spelled
    assert len(rows.offsets) == len(index.words) + 1
    assert len(rows.words) > 10 * len(index.words)
    assert searched_live > 0


def test_the_initials_bonus_table_is_the_product_it_replaces() -> None:
    """``candidates`` reads INITIAL_WEIGHT x pairs from a table: for every count of pairs a name
    can have (np.bitwise_count's uint8, up to 26 letters on each side), the very same float."""
    masks = np.array([0, 1, 0b101, (1 << 26) - 1], dtype=np.int32)
    pairs = np.bitwise_count(masks) + np.bitwise_count(masks)
    every = np.arange(len(index_module.INITIAL_BONUS), dtype=pairs.dtype)
    assert int(pairs.max()) == len(every) - 1 == 52
    for counts in (pairs, every):
        expected = index_module.INITIAL_WEIGHT * counts
        table = index_module.INITIAL_BONUS.take(counts)
        assert table.dtype == expected.dtype
        assert table.view(np.int64).tolist() == expected.view(np.int64).tolist()
