"""Brahmic-script words romanised as the lists spell the names: inherent vowels read, those that
Hindi, Bengali, Punjabi and Gujarati do not say dropped, English-style letters (sh, ch, ri)."""

from __future__ import annotations

import pytest

from exportscreen.matching.analyze import analyze
from exportscreen.matching.brahmic import SCHEMES, romanise
from exportscreen.matching.normalize import Script, ascii_fold


@pytest.mark.parametrize(
    ("word", "script", "romanised"),
    [
        ("नरेन्द्र", Script.DEVANAGARI, "narendra"),  # conjunct at the end: its vowel is said
        ("मोदी", Script.DEVANAGARI, "modi"),
        ("चौहान", Script.DEVANAGARI, "chauhan"),  # the final inherent vowel is silent
        ("राम", Script.DEVANAGARI, "ram"),
        ("न", Script.DEVANAGARI, "na"),  # one letter keeps its vowel
        ("इब्राहिम", Script.DEVANAGARI, "ibrahim"),
        ("कृष्ण", Script.DEVANAGARI, "krishna"),  # vocalic r, conjunct
        ("ज़ाकिर", Script.DEVANAGARI, "zakir"),  # nukta
        ("मुहम्मद", Script.DEVANAGARI, "muhammad"),
        ("शेख", Script.DEVANAGARI, "shekh"),
        ("শেখ", Script.BENGALI, "shekh"),
        ("মুজিবুর", Script.BENGALI, "mujibur"),  # Bengali ব is b
        ("ਸਿੰਘ", Script.GURMUKHI, "singh"),  # anusvara before g is n
        ("ਬੱਬਰ", Script.GURMUKHI, "babbar"),  # addak doubles the next consonant
        ("ਖ\u0a3cਾਲਸਾ", Script.GURMUKHI, "khalsa"),  # ਖ਼ as NFKC leaves it: the nukta is dropped
        ("ਅਮਰਿੰਦਰ", Script.GURMUKHI, "amrindar"),  # a vowel between VC and CV is silent
        ("सरकार", Script.DEVANAGARI, "sarkar"),
        ("कमल", Script.DEVANAGARI, "kamal"),  # read right to left: l lost its vowel first
        ("कमला", Script.DEVANAGARI, "kamla"),
        ("भारत", Script.DEVANAGARI, "bharat"),
        ("अमरजीत", Script.DEVANAGARI, "amarjit"),  # never two in a row
        ("রহমান", Script.BENGALI, "rahman"),
        ("ઈબ્રાહીમ", Script.GUJARATI, "ibrahim"),
        ("రామ", Script.TELUGU, "rama"),  # Telugu says the final vowel
        ("క్రిష్ణ", Script.TELUGU, "krishna"),
        ("வேலுப்பிள்ளை", Script.TAMIL, "veluppillai"),  # plain Tamil letters: p, not bh
        ("புலிகள்", Script.TAMIL, "pulikal"),
        ("ලංකා", Script.SINHALA, "lanka"),
    ],
)
def test_romanise(word: str, script: Script, romanised: str) -> None:
    assert romanise(word, script) == romanised


@pytest.mark.parametrize(
    ("name", "script"),
    [("ประยุทธ์", Script.THAI), ("ສີສຸລິດ", Script.LAO), ("ហ៊ុន", Script.KHMER)],
)
def test_scripts_the_library_does_not_read_are_folded_a_whole_word_at_a_time(
    name: str, script: Script
) -> None:
    assert script not in SCHEMES
    (token,) = analyze(name).tokens
    assert token.script is script
    assert token.surface == name
    assert token.ascii == ascii_fold(name)


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("नरेन्द्र मोदी", ["narendra", "modi"]),
        ("संमानित मोहना चौहान", ["sammanit", "mohna", "chauhan"]),
        ("शेख हसीना", ["shekh", "hasina"]),
    ],
)
def test_analysed_words_are_whole_and_transliterated(name: str, keys: list[str]) -> None:
    tokens = analyze(name).tokens
    assert [t.key for t in tokens] == keys
    assert {t.script for t in tokens} == {Script.DEVANAGARI}
