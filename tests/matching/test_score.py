"""Scoring one listed name: the fast paths (joined-word runs filtered by length, names left
unaligned by their bound) against the slow definitions."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest

from exportscreen.matching.analyze import TokenKind, analyze
from exportscreen.matching.index import MatchIndex
from exportscreen.matching.index_build import build_index
from exportscreen.matching.joins import (
    MAX_JOINED_LENGTH_GAP,
    MAX_JOINED_PARTS,
    MIN_JOINED_LETTERS,
    MIN_JOINED_SIMILARITY,
)
from exportscreen.matching.joins import joined_options as _joined_options
from exportscreen.matching.joins import joined_similarity as _joined
from exportscreen.matching.joins import regrouped_pairs as _regrouped_pairs
from exportscreen.matching.score import (
    BOUND_SLACK,
    FIRST_LETTER_PENALTY,
    GENERIC_ONLY_CAP,
    MIN_FUZZY_SIMILARITY,
    OTHER_START_SIMILARITY,
    Pair,
    compare,
    prepare,
    score_name,
)
from exportscreen.matching.score_keep import ListedName
from exportscreen.matching.similarity import spelling, transposed
from exportscreen.matching.translit import romanisation_skeleton
from exportscreen.model import Entry, EntryType, ListCode, MatchKind
from exportscreen.screening.screener import Screener
from tests.matching.conftest import fixture_entries


@pytest.fixture(scope="module")
def screener_index() -> MatchIndex:
    return build_index(fixture_entries())


def joined_by_definition(single: str, joined: str) -> float:
    """A word against joined words: 1 when equal, else their spelling similarity when it reaches
    MIN_JOINED_SIMILARITY (the definition, without the length test that skips most pairs)."""
    if single == joined:
        return 1.0
    similarity = spelling(single, joined)
    return similarity if similarity >= MIN_JOINED_SIMILARITY else 0.0


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
            if similarity := joined_by_definition(text, "".join(run)):
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


def test_joined_options_of_long_real_names_agree_with_every_run_checked(
    real_screener: Screener,
) -> None:
    """Runs are looked up by joined length (``joins._runs``' buckets): on the longest names of
    the real lists, against words made by joining (and misspelling) their own adjacent words,
    the options must be every run's, in word then run order."""
    index = real_screener.index
    longest = sorted(range(len(index.name_text)), key=lambda n: -len(index.tokens_of(n)[0]))
    met = 0
    for name_id in longest[:300]:
        words = index.tokens_of(name_id)[0]
        others = [index.words[w] if index.word_kind[w] == TokenKind.WORD else "" for w in words]
        joined = [a + b for a, b in itertools.pairwise(others)]
        singles = [*others, *joined, *(j[:-1] for j in joined), *(j + "s" for j in joined)]
        fast = _joined_options(singles, others)
        assert set(fast) == every_joined_option(singles, others), index.name_text[name_id]
        assert fast == sorted(fast, key=lambda option: (option[0], option[1]))
        met += len(fast)
    assert met > 1000


def _one_edit_variants(word: str) -> list[str]:
    """The word with one letter dropped, doubled or replaced, and two adjacent letters swapped."""
    variants = []
    for i in range(len(word)):
        variants.append(word[:i] + word[i + 1 :])
        variants.append(word[:i] + word[i] + word[i:])
        variants.append(word[:i] + ("x" if word[i] != "x" else "y") + word[i + 1 :])
        if i + 1 < len(word):
            variants.append(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    return variants


def test_the_length_test_of_joins_drops_no_pair_spelling_keeps(
    screener_index: MatchIndex,
) -> None:
    """``joined_similarity`` skips a pair whose lengths alone put spelling below
    MIN_JOINED_SIMILARITY: checked against the definition on the listed words paired with each
    other and with their one-edit variants (long words keep some of those, short ones none)."""
    words = sorted({w for w in screener_index.words if w.isalpha() and len(w) >= 4})
    pairs = [(a, b) for a in words for b in words if abs(len(a) - len(b)) <= 2]
    pairs += [(w, v) for w in words for v in _one_edit_variants(w)]
    kept = 0
    for a, b in pairs:
        assert _joined(a, [b]) == joined_by_definition(a, b), (a, b)
        kept += a != b and _joined(a, [b]) > 0.0
    assert kept > 0  # some unequal pairs reach the threshold: the test compares both outcomes


BOUND_QUERIES = [
    "Inspur Group",
    "Inspur Software Co Ltd",
    "Zhipu Huazhang Technology",
    "Gazprom Bank",
    "Gazprombank JSC",
    "Muhammad al Zawahiri",
    "Dmitry Khoroshev",
    "Hikvision Digital",
    "Beijing Institute of Technology",
    "China Electronics Technology Group 13th Research Institute",
    "Shanghai Global Trading Group",
    "John Smith Trading Ltd",
    "Khoroshev Dmitri Yuryevich",  # near spellings, loose and not
    "Hik Visiondigital",  # the same letters cut elsewhere
    "Inspru Grop",
]


@pytest.mark.parametrize("query", BOUND_QUERIES)
@pytest.mark.parametrize("cutoff", [0.3, 0.6, 0.8, 0.95])
def test_names_left_unaligned_score_below_the_cutoff(
    screener_index: MatchIndex, query: str, cutoff: float
) -> None:
    prepared = prepare(analyze(query), screener_index)
    exact_memo: dict[tuple[int, int], tuple[float, MatchKind, str]] = {}
    bounded_memo: dict[tuple[int, int], tuple[float, MatchKind, str]] = {}
    for name_id in range(len(screener_index.name_text)):
        exact = score_name(prepared, name_id, screener_index, exact_memo)
        fast = score_name(prepared, name_id, screener_index, bounded_memo, cutoff)
        if fast.bounded:
            # The bound is of sums taken in another order: up to the rounding BOUND_SLACK covers.
            assert exact.score <= fast.score + BOUND_SLACK, screener_index.name_text[name_id]
            assert fast.score + BOUND_SLACK < cutoff
            assert exact.score < cutoff
        else:
            assert fast == exact


def test_the_bound_leaves_some_names_unaligned_and_aligns_the_hits(
    screener_index: MatchIndex,
) -> None:
    prepared = prepare(analyze("Inspur Group"), screener_index)
    memo: dict[tuple[int, int], tuple[float, MatchKind, str]] = {}
    scores = [score_name(prepared, n, screener_index, memo, 0.8) for n in range(5)]
    assert any(s.bounded for s in scores)
    assert any(not s.bounded and s.score >= 0.8 for s in scores)


def _screener_of(*names: str, person: bool = False) -> Screener:
    kind = EntryType.INDIVIDUAL if person else EntryType.ENTITY
    return Screener.from_entries(
        Entry(id=f"SDN-{i}", list=ListCode.SDN, type=kind, name=name)
        for i, name in enumerate(names)
    )


def _score(screener: Screener, query: str, entry_id: str = "SDN-0") -> float:
    hits = screener.screen(query, limit=50, threshold=0.0)
    return next((h.score for h in hits if h.entry.id == entry_id), 0.0)


@pytest.mark.parametrize(
    ("listed", "query", "capped"),
    [
        # Every word of a name made of generic words: a hit, whatever the legal forms.
        (
            "China Precision Machinery Import-Export Corp.",
            "China Precision Machinery Import-Export",
            False,
        ),
        (
            "China Precision Machinery Import-Export Corp.",
            "China Precision Machinery Import-Export Co., Ltd.",
            False,
        ),
        (
            "China Precision Machinery Import-Export Corp.",
            "China Precision Machinery Import-Export Corp",
            False,
        ),
        # A word missing on either side, or only near: still only generic evidence.
        ("China Precision Machinery Import-Export Corp.", "China Precision Machinery Corp.", True),
        # A word added on the query side, generic or not: "Shenzhen Information Technology Co
        # Ltd" is not the listed alias "Info Tech".
        ("China Precision Machinery Corp.", "China Precision Machinery Import Corp.", True),
        ("Info Tech", "Shenzhen Information Technology Co Ltd", True),
        ("China Precision Machinery Corp.", "China Precision Machinery Zorblat Corp.", True),
    ],
)
def test_generic_only_names_are_capped_unless_every_word_matches(
    listed: str, query: str, capped: bool
) -> None:
    score = _score(_screener_of(listed, "Unrelated Name Holdings"), query)
    assert (score <= GENERIC_ONLY_CAP) is capped, score


@pytest.mark.parametrize(
    ("listed", "query", "low", "high"),
    [
        # A distinctive query word that matches nothing counts 0.8 of its weight: a one-word
        # alias is not a hit for a two-word name that only shares it.
        ("MAURO", "Mauro Gallardo", 0.7, 0.76),
        # A generic one weighs little anyway.
        ("Zorblat Aviation", "Zorblat Aviation Trading", 0.95, 1.0),
    ],
)
def test_unmatched_query_words(listed: str, query: str, low: float, high: float) -> None:
    score = _score(_screener_of(listed, "Unrelated Name Holdings", "Gallardo Trading"), query)
    assert low <= score <= high, score


@pytest.mark.parametrize(
    ("query", "listed", "penalised"),
    [
        # Near spellings with the first letter kept, or changed within one sound.
        ("Kunlun Zorblat", "Klunun Zorblat", False),
        ("Konsulting Zorblat", "Consulting Zorblat", False),
        ("Hazprom Zorblat", "Gazprom Zorblat", False),
        ("Osama Zorblat", "Usama Zorblat", False),
        ("Wladimir Zorblat", "Vladimir Zorblat", False),
        # Another first letter: less alike than their spelling says.
        ("Varma Zorblat", "Karma Zorblat", True),
        ("General Zorblat", "Central Zorblat", True),
        ("Bessi Zorblat", "Messi Zorblat", True),
    ],
)
def test_first_letter_changes_cost_similarity(query: str, listed: str, penalised: bool) -> None:
    pairs = _pair_of(query, listed)
    a, b = analyze(query).tokens[0].key, analyze(listed).tokens[0].key
    spelled = max(spelling(a, b), spelling(romanisation_skeleton(a), romanisation_skeleton(b)))
    expected = spelled - (FIRST_LETTER_PENALTY if penalised else 0.0)
    if penalised:
        # And a loose pair at most: it counts only beside another matched word ("Zorblat").
        expected = min(expected, OTHER_START_SIMILARITY)
    near = next((p for p in pairs if p.query == (0,)), None)
    if near is None:
        assert penalised and spelled >= MIN_FUZZY_SIMILARITY > expected, pairs
    elif near.kind is MatchKind.FUZZY:
        assert near.similarity == pytest.approx(expected), pairs
        assert (near.similarity < spelled - 0.01) is penalised
    else:
        assert penalised is False  # equal skeletons: a transliteration, not a spelling


def test_a_first_letter_change_is_no_typo_in_a_short_word() -> None:
    # 0.82 by spelling, 0.77 with the penalty: still near, but no loose pair below that.
    assert not any(p.query == (0,) for p in _pair_of("Leihva Zorblat", "Meihua Zorblat"))
    assert any(p.query == (0,) for p in _pair_of("Leihva Zorblat", "Leihua Zorblat"))


@pytest.mark.parametrize(
    ("listed", "query", "matched"),
    [
        # Two edits in a short word: a typo beside an exactly matched distinctive word...
        ("AVIC Leihua Electronic Institute", "AVIC Leimva Electronic Institute", True),
        ("SALHAB, Azzam", "Azazi Salhab", True),
        # ...but not on its own, nor beside generic words only.
        ("Leihua", "Leimva", False),
        ("Leihua Electronic Institute", "Leimva Electronic Institute", False),
    ],
)
def test_loose_spellings_count_only_beside_an_anchor(
    listed: str, query: str, matched: bool
) -> None:
    person = "," in listed
    kind = EntryType.INDIVIDUAL if person else EntryType.ENTITY
    index = build_index(
        [
            Entry(id="SDN-0", list=ListCode.SDN, type=kind, name=listed),
            *(
                Entry(id=f"SDN-{i}", list=ListCode.SDN, type=EntryType.ENTITY, name=name)
                for i, name in enumerate(
                    ["Acme Electronic Institute", "Zorblat Electronic", "Plugh Institute"] * 30,
                    start=1,
                )
            ),
        ]
    )
    tokens = prepare(analyze(query), index)
    name_id = next(i for i, text in enumerate(index.name_text) if text == listed)
    pairs = score_name(tokens, name_id, index, {}).pairs
    loose = [p for p in pairs if p.kind is MatchKind.FUZZY and p.similarity < 0.76]
    assert bool(loose) is matched, pairs


def _pair_of(query: str, listed: str) -> list[Pair]:
    index = build_index(
        [
            Entry(id="SDN-0", list=ListCode.SDN, type=EntryType.ENTITY, name=listed),
            Entry(id="SDN-1", list=ListCode.SDN, type=EntryType.ENTITY, name="Plugh Xyzzy"),
        ]
    )
    return score_name(prepare(analyze(query), index), 0, index, {}).pairs


@pytest.mark.parametrize(
    ("query", "listed", "matched"),
    [
        # Four letters: one edit is a typo, two make another word.
        ("Boet Zorblat", "Bouvet Zorblat", False),
        ("Romo Zorblat", "Romero Zorblat", False),
        ("Bret Zorblat", "Brett Zorblat", True),  # equal skeletons
        ("Barr Zorblat", "Bart Zorblat", True),
        # Longer words keep the similarity threshold.
        ("Kunlun Zorblat", "Klunun Zorblat", True),
    ],
)
def test_short_words_are_near_by_one_edit_only(query: str, listed: str, matched: bool) -> None:
    assert any(p.query == (0,) for p in _pair_of(query, listed)) is matched


@pytest.mark.parametrize(
    ("a", "b", "swapped"),
    [
        ("sko", "sok", True),
        ("kmi", "kim", True),
        ("ski", "sko", False),
        ("oks", "sok", False),  # the first letter stays
        ("sok", "sok", False),
        ("sok", "soke", False),
    ],
)
def test_transposed(a: str, b: str, swapped: bool) -> None:
    assert transposed(a, b) is swapped


@pytest.mark.parametrize(
    ("query", "listed", "found"),
    [
        (["chang", "myongc", "hin"], ["chang", "myong", "chin"], [((1, 2), (1, 2))]),
        (["myo", "ngchin"], ["myong", "chin"], [((0, 1), (0, 1))]),
        (["myong", "chin"], ["myong", "chin"], []),  # one-to-one pairs do it
        (["myongc", "", "hin"], ["myong", "chin"], []),  # a legal form or number between
        (["ab", "c"], ["a", "bc"], []),  # too short
    ],
)
def test_regrouped_pairs(
    query: list[str], listed: list[str], found: list[tuple[tuple[int, int], tuple[int, int]]]
) -> None:
    assert _regrouped_pairs(query, listed) == found


def test_regrouped_words_score_as_the_name() -> None:
    pairs = _pair_of("Myongc Hin Zorblat", "Myong Chin Zorblat")
    assert any(p.kind is MatchKind.JOINED and len(p.query) == 2 for p in pairs)


@pytest.mark.parametrize(
    ("name", "typed"),
    [("Bouvet", True), ("Müller", True), ("Вадим", False), ("חיים", False), ("김정은", False)],
)
def test_words_typed_in_latin_letters(name: str, typed: bool) -> None:
    index = build_index(fixture_entries())
    assert all(t.typed is typed for t in prepare(analyze(name), index))


@pytest.mark.parametrize("typed", [True, False])
def test_typing_rules_spare_romanised_words(typed: bool) -> None:
    # Two edits in four letters: another word when typed, a romanisation's variance otherwise.
    index = build_index(
        [Entry(id="SDN-0", list=ListCode.SDN, type=EntryType.ENTITY, name="Bouvet")]
    )
    (token,) = prepare(analyze("Boet"), index)
    token = dataclasses.replace(token, typed=typed)
    similarity, _, _ = compare(token, index.word_ids["bouvet"], index)
    assert (similarity > 0) is not typed


def test_kept_outcomes_and_listed_names_change_no_score(screener_index: MatchIndex) -> None:
    """A screener keeps each prepared token's ``compare`` outcomes and each listed name's
    words across queries: scoring with them, twice over, gives what fresh tokens give."""
    names: dict[int, ListedName] = {}
    kept = {name: prepare(analyze(name), screener_index) for name in BOUND_QUERIES}
    for _ in range(2):
        for name, prepared in kept.items():
            for cutoff in (0.0, 0.6):
                memo: dict[object, object] = {}
                for name_id in range(len(screener_index.name_text)):
                    fresh = prepare(analyze(name), screener_index)
                    assert score_name(
                        prepared, name_id, screener_index, memo, cutoff, names
                    ) == score_name(fresh, name_id, screener_index, {}, cutoff)
    assert names
    assert any(q.compared for q in kept["Gazprom Bank"])


def test_a_copy_of_a_token_starts_without_its_outcomes(screener_index: MatchIndex) -> None:
    """A reading's tokens are copies typed otherwise (``readings.prepare_query_reading``): outcomes
    the original kept do not hold for the copy."""
    (token,) = prepare(analyze("Khoroshev"), screener_index)
    score_name([token], 0, screener_index, {})
    assert token.compared
    copy = dataclasses.replace(token, typed=False)
    assert copy.compared == {}
    assert copy.compared is not token.compared


def _alike_queries(index: MatchIndex, name_id: int, taught: dict[str, str]) -> list[str]:
    """A listed name's text, its last word, and the name with a word an entry taught an
    equivalence of written as that equivalent (``local_equivalences``)."""
    text = index.name_text[name_id]
    found = [text, text.split()[-1]]
    words = [index.words[w] for w in index.tokens_of(name_id)[0]]
    found += [" ".join(taught.get(w, w) for w in words)] if taught.keys() & set(words) else []
    return found


def test_names_alike_score_as_if_each_were_scored_alone(real_screener: Screener) -> None:
    """Within a query, a name of the same words, roles and party type as one already scored
    takes that one's score under its own id (``score_name``'s ``alike``): on the real lists,
    where one name is often on two lists (or a person's and a firm's), each must equal the name
    scored with a fresh memo."""
    index = real_screener.index
    groups: dict[tuple[object, ...], list[int]] = {}
    for name_id in range(len(index.name_text)):
        words, roles = index.tokens_of(name_id)
        # Not by party type: names alike but for it must still score as their own.
        groups.setdefault((tuple(words), roles), []).append(name_id)
    alike = [ids for ids in groups.values() if len(ids) > 1]
    taught = {listed: key for key, by in index.local_equivalences.items() for listed in by}
    differ = 0
    for ids in alike:
        for query_text in _alike_queries(index, ids[0], taught):
            query = prepare(analyze(query_text), index)
            for cutoff in (0.0, 0.8):
                shared_memo: dict[Any, Any] = {}
                alone = [score_name(query, n, index, {}, cutoff) for n in ids]
                for name_id, expected in zip(ids, alone, strict=True):
                    assert score_name(query, name_id, index, shared_memo, cutoff) == expected
                differ += len({(s.score, len(s.penalties)) for s in alone}) > 1
    # Some names alike score differently (a person's and a firm's, an equivalence one entry
    # taught): the cases the sharing must leave alone are met.
    assert len(alike) > 1000 and differ > 0
