"""Burmese names read a syllable at a time, each syllable a word, as the lists spell them."""

from __future__ import annotations

import pytest

from exportscreen.matching.analyze import analyze
from exportscreen.matching.myanmar import romanise_syllable, syllables


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("မင်းအောင်လှိုင်", ["min", "aung", "hlaing"]),  # final consonants with asat; ှ is h before
        ("သန်းရွှေ", ["than", "shwe"]),  # ရှ is sh
        ("မိုးမြင့်ထွန်း", ["mo", "myint", "htun"]),  # medial ြ y, creaky -int, ွန် un
        ("ကိုကိုလှိုင်", ["ko", "ko", "hlaing"]),
        ("စိုးဝင်း", ["so", "win"]),
        ("ဦးမြင့်ဆွေ", ["oo", "myint", "swe"]),  # an independent vowel is a syllable
        ("ရန်ကုန်", ["yan", "kon"]),
    ],
)
def test_syllables_romanised(word: str, expected: list[str]) -> None:
    assert [romanise_syllable(s) for s in syllables(word)] == expected


def test_a_burmese_name_is_one_token_a_syllable() -> None:
    tokens = analyze("ဦးမြင့်ဆွေ").tokens
    assert [t.surface for t in tokens] == ["ဦး", "မြင့်", "ဆွေ"]  # tone marks stay in the surface
    assert [t.key for t in tokens] == ["oo", "myint", "swe"]  # "oo" is no legal form (OOO)
