"""The spelled route (``routes.SpelledRoute``, searched by ``near_words``) reaches every listed
word the scorer may pair with a query word by spelling: checked against ``score.compare`` over
the whole vocabulary of the real lists, and its constants against the scorer's."""

from __future__ import annotations

import random

import pytest

from exportscreen.matching import score
from exportscreen.matching.analyze import TokenKind
from exportscreen.matching.near_words import HARD_C, SpelledWords, letter_code, query_code
from exportscreen.matching.routes import INITIAL_SOUND, PHONETIC, ROUTES
from exportscreen.matching.similarity import spelling
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
