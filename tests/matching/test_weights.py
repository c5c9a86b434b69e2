"""Word weights and population frequencies (``matching.weights``)."""

from __future__ import annotations

import pytest
from wordfreq import zipf_frequency

from exportscreen.matching.weights import (
    MIN_POPULATION_LETTERS,
    POPULATION_LANGUAGES,
    _zipf,
    population_zipf,
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
