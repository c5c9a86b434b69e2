"""Word weights and population frequencies (``matching.weights``)."""

from __future__ import annotations

import pytest
from wordfreq import zipf_frequency

from exportscreen.matching.analyze import TokenKind
from exportscreen.matching.weights import (
    GENERIC_WEIGHT,
    JOINING_WEIGHT,
    LEGAL_WEIGHT,
    MIN_POPULATION_LETTERS,
    POPULATION_LANGUAGES,
    _zipf,
    in_use,
    population_zipf,
    spelt_in_a_language,
    weight_of_unseen,
    word_weights,
)
from exportscreen.screening.screener import Screener

_LISTS = (("en", "best"), *((language, "small") for language in POPULATION_LANGUAGES))


def test_direct_lookup_equals_wordfreq_on_every_listed_word(real_screener: Screener) -> None:
    """``_zipf`` skips wordfreq's tokenizer: it must give zipf_frequency's value for every
    lowercase ASCII word of the real lists, in every list ``population_zipf`` reads (found and
    not found alike)."""
    words = [w for w in real_screener.index.words if w.isalpha() and w.isascii() and w.islower()]
    assert len(words) > 10_000
    found = 0
    for language, wordlist in _LISTS:
        for word in words:
            if language != "en" and len(word) < MIN_POPULATION_LETTERS:
                continue  # population_zipf reads English alone for these
            expected = zipf_frequency(word, language, wordlist)
            assert _zipf(word, language, wordlist) == expected, (word, language)
            found += expected > 0
    assert found > 1_000  # both branches met


@pytest.mark.parametrize(
    ("key", "common"),
    [
        ("david", True),
        ("santos", True),  # Portuguese and Spanish lists
        ("hikvision", False),
        ("khoroshev", False),
        ("David", True),  # not a key (keys are lowercase): through wordfreq's tokenizer
    ],
)
def test_population_zipf_reads_the_population_lists(key: str, common: bool) -> None:
    expected = max(
        zipf_frequency(key, language, wordlist)
        for language, wordlist in _LISTS
        if language == "en" or len(key) >= MIN_POPULATION_LETTERS
    )
    assert population_zipf(key) == expected
    assert (population_zipf(key) > 3.0) is common


@pytest.mark.parametrize(
    ("key", "surface", "used", "why"),
    [
        # Faker negatives (issue 16): typed with their language's letters, words of it.
        ("pavlik", "pavlík", True, "a Czech family name (Zipf 3.5 in Czech)"),
        ("tichy", "tichý", True, "Czech for quiet, and a family name"),
        ("dang", "đặng", True, "a Vietnamese family name"),
        # Family names too rare in text for the small lists, in the large ones from Zipf 2.
        ("mitter", "mitter", True, "German, Zipf 2.3: not a slip in MYTEL"),
        ("allain", "allain", True, "French, Zipf 2.8: not a slip in ALAMIR"),
        # Typists' slips in listed brands (tests/matching/test_evidence.py) are no words.
        ("inspor", "inspor", False, "INSPUR"),
        ("sugan", "sugan", False, "SUGON"),
        ("huawai", "huawai", False, "HUAWEI"),
        ("rizqa", "rizqa", False, "RIZMA"),
        ("cnoszc", "cnoszc", False, "CNOOC"),
        ("aygaz", "aygaz", False, "a Turkish brand, but in no list: it still alerts as AYNAZ"),
        # The ASCII folding is not looked up in the other languages' lists: "pavlik" is not a
        # word of Czech, and "dahau", a Serbo-Croatian word, is also DAHUA with two letters
        # swapped (a typist's slip of a listed brand).
        ("pavlik", "pavlik", False, "typed without its diacritic"),
        ("dahau", "dahau", False, "ASCII: English and the population languages only"),
        # A diacritic on a word no language writes is no word.
        ("huawai", "huawái", False, "a slip in Huawei, with an accent"),
        ("inspur", "inspür", False, "Inspur with an umlaut"),
    ],
)
def test_in_use_in_the_languages_of_the_population(
    key: str, surface: str, used: bool, why: str
) -> None:
    assert in_use(key, surface) is used, why


def test_spelt_words_are_read_from_every_latin_language() -> None:
    # Czech, Hungarian and Turkish words: population_zipf reads ASCII words only.
    for word in ("příliš", "ő", "şirket"):
        assert spelt_in_a_language(word), word
    assert not spelt_in_a_language("hikvisión")


@pytest.mark.parametrize(
    ("word", "kind", "weight"),
    [
        # Joining words weigh next to nothing, below generic words, whatever their IDF: a name
        # read from Chinese (中国科学技术大学) has none of the listed name's "of, and, of".
        ("of", TokenKind.WORD, JOINING_WEIGHT),
        ("and", TokenKind.WORD, JOINING_WEIGHT),
        ("university", TokenKind.WORD, GENERIC_WEIGHT),
        ("ltd", TokenKind.LEGAL, LEGAL_WEIGHT),
        ("kunlun", TokenKind.WORD, 1.0),
    ],
)
def test_word_weights_by_kind(word: str, kind: TokenKind, weight: float) -> None:
    # A word in one entry of many: as distinctive as IDF allows, then capped by its kind.
    found = word_weights([word], bytes([kind]), [1], 10_000)
    assert found[0] == pytest.approx(weight)
    assert weight_of_unseen(word, kind) == pytest.approx(weight)
