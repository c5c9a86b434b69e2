"""A word in Arabic script against a listed word: equal consonants, fewer counting less, and the
long vowels the Arabic writes spelt by the listed word."""

from __future__ import annotations

import pytest

from exportscreen.matching.arabic_pairs import (
    CONSONANT_SIMILARITY,
    SHORT_CONSONANT_SIMILARITY,
    consonant_similarity,
)
from exportscreen.matching.translit import arabic_consonants, consonant_skeleton


@pytest.mark.parametrize(
    ("arabic", "listed", "similarity"),
    [
        ("محمد", "muhammad", CONSONANT_SIMILARITY),
        ("حسين", "husayn", CONSONANT_SIMILARITY),
        # Two consonants, one: found, but counting less.
        ("عمر", "omar", SHORT_CONSONANT_SIMILARITY[2]),
        ("علي", "ali", SHORT_CONSONANT_SIMILARITY[1]),
        # Other consonants.
        ("محمد", "ahmad", 0.0),
        # The same consonants, but a long vowel the listed word does not spell there: دورسي is
        # "Dorsey", not DARWISH; لاو, "Lao", is not ALI.
        ("دورسي", "darwish", 0.0),
        ("لاو", "ali", 0.0),
    ],
)
def test_consonant_similarity(arabic: str, listed: str, similarity: float) -> None:
    found = consonant_similarity(
        arabic, arabic_consonants(arabic), listed, consonant_skeleton(listed)
    )
    assert found == similarity
