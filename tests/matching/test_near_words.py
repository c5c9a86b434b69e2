"""The spelled route (``routes.SpelledRoute``, searched by ``near_words``) reaches every listed
word the scorer may pair with a query word by spelling: checked against ``score.compare`` over
the whole vocabulary of the real lists, and its constants against the scorer's."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.process import cdist

from exportscreen.matching import near_words, score
from exportscreen.matching.analyze import TokenKind
from exportscreen.matching.near_words import (
    HARD_C,
    SpelledWords,
    letter_code,
    query_code,
    query_rows,
    sound_bit,
)
from exportscreen.matching.routes import INITIAL_SOUND, PHONETIC, ROUTES
from exportscreen.matching.similarity import spelling
from exportscreen.matching.translit import romanisation_skeleton
from exportscreen.screening.screener import Screener

SEED = 16
SPELLED = ROUTES.spelled


def test_the_route_accepts_whatever_the_scorer_pairs_by_spelling() -> None:
    # No spelling rule of the scorer pairs below min_similarity; a word starting with another
    # sound pairs from MIN_FUZZY_SIMILARITY (untyped: no first-letter penalty) or by metaphone.
    assert SPELLED.min_similarity <= min(
        score.MIN_LOOSE_SIMILARITY, score.MIN_PHONETIC_SPELLING, score.MIN_FUZZY_SIMILARITY
    )
    assert SPELLED.other_start_similarity <= score.MIN_FUZZY_SIMILARITY
    assert SPELLED.min_skeleton == score.MIN_FUZZY_LETTERS == SPELLED.short_letters
    assert SPELLED.transposed_letters == score.TRANSPOSED_LETTERS
    # The scorer reads the index's tables, not copies of them.
    assert score.INITIAL_SOUND is INITIAL_SOUND is SPELLED.initial_sound
    assert score.HARD_C is HARD_C
    assert PHONETIC.min_length == score.MIN_KEY_LENGTH


@pytest.mark.parametrize(
    ("a", "b"),
    [("kunlun", "klunun"), ("mohammad", "muhammad"), ("aaaa", "aaab"), ("straße", "strasse")],
)
def test_the_letter_codes_bound_the_letters_in_common(a: str, b: str) -> None:
    common = sum(min(a.count(c), b.count(c)) for c in set(a))
    code, extra = query_code(a)
    assert common <= (code & letter_code(b)).bit_count() + extra


def test_the_letter_rows_add_up_to_the_bits_the_codes_share() -> None:
    words = ["kunlun", "klunun", "aaaa", "aaab", "straße", "mohammad", "x", "abcabcabc"]
    found = SpelledWords(words, 0.72, 0.76, INITIAL_SOUND)
    for query in [*words, "muhammad", "ba", "zz", "q-9", "-9"]:
        rows, extra = query_rows(query)
        code, code_extra = query_code(query)
        assert extra == code_extra
        shared = found.letter_rows[rows].sum(axis=0).tolist()
        assert shared == [(code & letter_code(text)).bit_count() for text in found.texts], query


def test_a_search_finds_exactly_the_words_of_close_spelling() -> None:
    words = ["kunlun", "klunun", "sanaa", "hikvision", "hikvsion", "indian", "intiyan", "iba"]
    found = SpelledWords(words, 0.72, 0.76, INITIAL_SOUND)
    for text in words:
        got = {words[i] for i, _ in found.similar(text, any_start=True)}
        assert got == {w for w in words if spelling(text, w) >= 0.72}, text


def _typo(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word))
    choice = rng.randrange(4)
    if choice == 0:
        return word[:at] + word[at + 1 :]
    if choice == 1:
        return word[:at] + rng.choice("aeiouyhkt") + word[at:]
    if choice == 2:
        return word[:at] + rng.choice("aeiouybpdt") + word[at + 1 :]
    return rng.choice("aeiykhcqw") + word[1:]  # another first letter, often the same sound


@pytest.mark.shared
def test_every_word_the_scorer_pairs_is_reachable(real_screener: Screener) -> None:
    index = real_screener.index
    rng = random.Random(SEED)
    vocabulary = [w for w, kind in enumerate(index.word_kind) if kind == TokenKind.WORD]
    queries = [_typo(index.words[rng.choice(vocabulary)], rng) for _ in range(30)]
    # Words the lists use (the near-word route skips them), short ones among them.
    queries += [index.words[rng.choice(vocabulary)] for _ in range(20)]
    queries += ["iab", "cis", "toypa", "intiyan", "mujahitin"]
    pairs = 0
    for query in queries:
        for token in real_screener._query(query).tokens:
            if token.token.kind is not TokenKind.WORD or len(token.token.key) == 1:
                continue
            reached = {hit.word for hit in index.reachable_words(token.token.key, TokenKind.WORD)}
            for word in vocabulary:
                # An initial (a one-letter word) pairs without a route: the bound counts it.
                if len(index.words[word]) > 1 and score.compare(token, word, index)[0] > 0:
                    pairs += 1
                    assert word in reached, (token.token.key, index.words[word])
    assert pairs > len(queries)


def test_a_view_searches_its_words_by_the_sound_of_what_they_stand_for() -> None:
    # Per word, the first sounds of the words it stands for (a skeleton stands for the words
    # written with it): 0 leaves it out of the view.
    words = ["han", "hans", "kanun", "ganun", "anun", "hanun", "xanun", "qanun"]
    sounds = {"": 0, "c": sound_bit("c"), "g": sound_bit("g"), "a": sound_bit("a")}
    views = {
        "some": [sounds["c"], 0, sounds["c"] | sounds["a"], sounds["g"], 0, 0, sounds["g"], 0],
        "all": [sounds["a"]] * len(words),
    }
    found = SpelledWords(words, 0.72, 0.76, INITIAL_SOUND, views)
    for view, masks in views.items():
        for text in [*words, "kanum", "hanum", "anum"]:
            for sound in ("c", "g", "a"):
                for any_start in (False, True):
                    got = {
                        words[i]: similarity
                        for i, similarity in found.similar(
                            text, any_start=any_start, sound=sound, view=view
                        )
                    }
                    expected = {
                        w: spelling(text, w)
                        for w, mask in zip(words, masks, strict=True)
                        if mask
                        and spelling(text, w) >= 0.72
                        and (any_start or mask & sounds[sound] or spelling(text, w) >= 0.76)
                    }
                    assert got == expected, (view, text, sound, any_start)


def _brute_near(
    vocabulary: list[tuple[int, str, str]], key: str, skeleton: str, any_start: bool
) -> dict[int, float]:
    """``SpelledVocabulary.near`` by comparing the key and its skeleton with every word."""
    sound = INITIAL_SOUND.get(key[0], key[0])
    found: dict[int, float] = {}
    for word, text, listed_skeleton in vocabulary:
        similar = spelling(key, text)
        if len(skeleton) >= SPELLED.min_skeleton and len(listed_skeleton) >= SPELLED.min_skeleton:
            similar = max(similar, spelling(skeleton, listed_skeleton))
        same = INITIAL_SOUND.get(text[0], text[0]) == sound
        if similar >= SPELLED.min_similarity and (
            any_start or same or similar >= SPELLED.other_start_similarity
        ):
            found[word] = similar
        elif (
            len(key) < SPELLED.short_letters and key.translate(HARD_C) == text.translate(HARD_C)
        ) or (len(key) == len(text) == SPELLED.transposed_letters and key[0] + key[2:0:-1] == text):
            found[word] = SPELLED.min_similarity
    return found


@pytest.mark.shared
def test_the_vocabulary_search_equals_comparing_every_word(real_screener: Screener) -> None:
    index = real_screener.index
    rng = random.Random(SEED + 1)
    ids = [w for w, kind in enumerate(index.word_kind) if kind == TokenKind.WORD]
    vocabulary = [(w, index.words[w], index.word_skeleton[w]) for w in ids]
    spelled = index.spelled_vocabulary()
    # Listed words, typos of them, and words whose skeleton starts with another letter.
    queries = [index.words[rng.choice(ids)] for _ in range(12)]
    queries += [_typo(index.words[rng.choice(ids)], rng) for _ in range(12)]
    queries += ["khanov", "tsarev", "yevgeny", "iab", "cis", "shchukin", "xiaomi", "qasim"]
    for key in queries:
        skeleton = romanisation_skeleton(key)
        for any_start in (False, True):
            got = spelled.near(key, skeleton, any_start=any_start)
            expected = _brute_near(vocabulary, key, skeleton, any_start)
            assert got.keys() == expected.keys(), (key, any_start)
            for word, similar in got.items():
                # The scorer's own similarity, to the last bit: a pair on the threshold is found.
                assert similar == expected[word], (key, index.words[word])


def _spelled_variant(word: str, rng: random.Random) -> str:
    """A spelling of ``word`` as another romanisation might write it (its skeleton differs),
    or with one or two slips: the words the spelled search meets in a batch."""
    swaps = [("i", "y"), ("f", "ph"), ("k", "kh"), ("v", "w"), ("s", "sch"), ("c", "ch")]
    old, new = rng.choice(swaps)
    if old in word and rng.random() < 0.7:
        word = word.replace(old, new, 1)
    elif len(word) > 2:
        at = rng.randrange(1, len(word))
        word = word[:at] + word[at] + word[at:]  # a doubled letter
    for _ in range(rng.randrange(3)):
        if len(word) > 2:
            word = _typo(word, rng)
    return word


def _close_spellings(
    texts: list[str], skeletons: list[str], key: str, key_first: bool
) -> np.ndarray:
    """The spelling similarity of ``key`` with every word (by position in ``texts``), or of
    its skeleton with the word's when higher: rapidfuzz over every word, none left out."""

    def spelled(query: str, others: list[str]) -> np.ndarray:
        if key_first:
            pairs = [cdist([query], others, scorer=s, dtype=np.float64)[0] for s in SCORERS]
        else:
            pairs = [cdist(others, [query], scorer=s, dtype=np.float64)[:, 0] for s in SCORERS]
        return (pairs[0] + pairs[1]) / 2

    similar = spelled(key, texts)
    skeleton = romanisation_skeleton(key)
    if len(skeleton) >= SPELLED.min_skeleton:
        long_enough = np.array([len(k) >= SPELLED.min_skeleton for k in skeletons])
        similar = np.maximum(similar, np.where(long_enough, spelled(skeleton, skeletons), 0.0))
    return similar


def _every_close_word(
    texts: list[str], similar: np.ndarray, key: str, any_start: bool
) -> dict[int, float]:
    """``SpelledVocabulary.near`` from ``_close_spellings``, by the route's rules."""
    sound = INITIAL_SOUND.get(key[0], key[0])
    found: dict[int, float] = {}
    for at in np.flatnonzero(similar >= SPELLED.min_similarity - 1e-9).tolist():
        text = texts[at]
        same = INITIAL_SOUND.get(text[0], text[0]) == sound
        if any_start or same or similar[at] >= SPELLED.other_start_similarity - 1e-9:
            found[at] = float(similar[at])
    short = len(key) < SPELLED.short_letters or len(key) == SPELLED.transposed_letters
    for at, text in enumerate(texts if short else []):
        if at not in found and (
            (len(key) < SPELLED.short_letters and key.translate(HARD_C) == text.translate(HARD_C))
            or (
                len(key) == len(text) == SPELLED.transposed_letters and key[0] + key[2:0:-1] == text
            )
        ):
            found[at] = SPELLED.min_similarity
    return found


SCORERS = (JaroWinkler.normalized_similarity, OSA.normalized_similarity)


@pytest.mark.shared
def test_the_search_finds_what_rapidfuzz_finds_over_every_listed_word(
    real_screener: Screener,
) -> None:
    # Hundreds of words the lists do not use, compared with every listed word by rapidfuzz:
    # each filter before the exact comparison drops only words that cannot reach the
    # threshold, so the search finds the same words with the same similarity, to the bit.
    index = real_screener.index
    rng = random.Random(SEED + 2)
    ids = [w for w, kind in enumerate(index.word_kind) if kind == TokenKind.WORD]
    texts = [index.words[w] for w in ids]
    skeletons = [index.word_skeleton[w] for w in ids]
    spelled = index.spelled_vocabulary()
    queries = {_spelled_variant(rng.choice(texts), rng) for _ in range(240)}
    queries |= {
        "".join(rng.choice("aeiou" if i % 2 else "bdgklmnrstvz") for i in range(n))
        for n in (3, 4, 5, 6, 7, 9, 12)
        for _ in range(10)
    }
    queries = {q for q in queries if q.isalpha() and q not in index.word_ids}
    assert len(queries) > 250
    reached = 0
    for number, key in enumerate(sorted(queries)):
        skeleton = romanisation_skeleton(key)
        key_first = number % 4 != 0  # the delta filter compares the listed word first
        similar = _close_spellings(texts, skeletons, key, key_first)
        for any_start in (False, True):
            got = spelled.near(key, skeleton, key_first=key_first, any_start=any_start)
            expected = _every_close_word(texts, similar, key, any_start)
            assert got == {ids[at]: similar for at, similar in expected.items()}, key
            reached += len(got)
    assert reached > len(queries)


def test_the_kept_least_overlaps_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(near_words, "BASE_CACHE", 3)
    words = ["kunlun", "klunun", "sanaa", "hikvision", "hikvsion", "indian", "intiyan", "iba"]
    found = SpelledWords(words, 0.72, 0.76, INITIAL_SOUND)
    for text in [*words, *words]:  # searched again once forgotten: the same words found
        got = {words[i] for i, _ in found.similar(text)}
        assert len(found._base_needed) <= 3
        assert got == {
            w
            for w in words
            if spelling(text, w) >= 0.76
            or (
                spelling(text, w) >= 0.72
                and INITIAL_SOUND.get(w[0], w[0]) == INITIAL_SOUND.get(text[0], text[0])
            )
        }, text
