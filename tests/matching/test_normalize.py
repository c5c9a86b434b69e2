from __future__ import annotations

import pytest

from exportscreen.matching.normalize import (
    MAX_NAME_CHARS,
    Script,
    ascii_fold,
    clean,
    word_script,
    words,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Inspur   Group\t", "inspur group"),
        ("ＩＮＳＰＵＲ", "inspur"),  # full-width letters: NFKC
        ("Acme\x00 Trading\x07", "acme trading"),  # control characters dropped
        ("Acme\nTrading", "acme trading"),  # line breaks are spaces
        ("Straße", "strasse"),  # casefold
        ("Inspur\u200bTaiwan", "inspurtaiwan"),  # zero-width space is a format character
        ("مهدی\u200cزاده", "مهدیزاده"),  # ZWNJ joins
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw).text == expected


def test_clean_truncates_long_names_deterministically() -> None:
    long_name = "abc " * 3000
    first, second = clean(long_name), clean(long_name)
    assert first.truncated and first == second
    assert len(first.text) <= MAX_NAME_CHARS
    assert not clean("Inspur").truncated


@pytest.mark.parametrize(
    ("word", "script"),
    [
        ("inspur", Script.LATIN),
        ("müller", Script.LATIN),
        ("битривер", Script.CYRILLIC),
        ("浪潮", Script.HAN),
        ("محمد", Script.ARABIC),
        ("주식회사", Script.HANGUL),
        ("ヤマダ", Script.KANA),
        ("13", Script.LATIN),
    ],
)
def test_word_script(word: str, script: Script) -> None:
    assert word_script(word) is script


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Müller", "muller"), ("Битривер", "bitriver"), ("A.Ş.", "as"), ("Co., Ltd.", "coltd")],
)
def test_ascii_fold(text: str, folded: str) -> None:
    assert ascii_fold(text) == folded


def test_words_drop_apostrophes_and_split_on_punctuation() -> None:
    assert words("sa'id al-rashid, co.") == ["said", "al", "rashid", "co"]


# Vowel signs, viramas and tone marks are combining marks (Mn, Mc), not \w to Python's re: each
# word below is one word of its script, in names of listed parties or of their countries' people.
@pytest.mark.parametrize(
    ("name", "expected", "script"),
    [
        ("नरेन्द्र मोदी", ["नरेन्द्र", "मोदी"], Script.DEVANAGARI),
        ("दाऊद इब्राहिम", ["दाऊद", "इब्राहिम"], Script.DEVANAGARI),
        ("শেখ হাসিনা", ["শেখ", "হাসিনা"], Script.BENGALI),
        ("ਬੱਬਰ ਖ਼ਾਲਸਾ", ["ਬੱਬਰ", "ਖ਼ਾਲਸਾ"], Script.GURMUKHI),
        ("લશ્કર-એ-તૈયબા", ["લશ્કર", "એ", "તૈયબા"], Script.GUJARATI),
        ("ଓଡ଼ିଶା", ["ଓଡ଼ିଶା"], Script.ORIYA),
        ("வேலுப்பிள்ளை பிரபாகரன்", ["வேலுப்பிள்ளை", "பிரபாகரன்"], Script.TAMIL),
        ("క్రిష్ణ రెడ్డి", ["క్రిష్ణ", "రెడ్డి"], Script.TELUGU),
        ("ಬೆಂಗಳೂರು", ["ಬೆಂಗಳೂರು"], Script.KANNADA),
        ("തിരുവനന്തപുരം", ["തിരുവനന്തപുരം"], Script.MALAYALAM),
        ("ශ්‍රී ලංකා", ["ශ්රී", "ලංකා"], Script.SINHALA),  # the joiner goes, the word stays
        ("ประยุทธ์ จันทร์โอชา", ["ประยุทธ์", "จันทร์โอชา"], Script.THAI),
        ("ສີສຸລິດ", ["ສີສຸລິດ"], Script.LAO),
        ("བོད་ལྗོངས", ["བོད", "ལྗོངས"], Script.TIBETAN),  # the tsheg (་) separates syllables
        ("မင်းအောင်လှိုင်", ["မင်းအောင်လှိုင်"], Script.MYANMAR),
        ("ហ៊ុន សែន", ["ហ៊ុន", "សែន"], Script.KHMER),
    ],
)
def test_marks_stay_in_their_word(name: str, expected: list[str], script: Script) -> None:
    found = words(clean(name).text)
    assert found == expected
    assert {word_script(word) for word in found} == {script}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("مُحَمَّد", ["محمد"]),  # short vowels and shadda: the lists write Arabic without them
        ("عَبْد الله", ["عبد", "الله"]),
        ("Dmitriy O'Brien-Smith", ["dmitriy", "obrien", "smith"]),
        ("Ива\u0301нов", ["ива\u0301нов"]),  # a stress mark stays in its word (was two words)
        ("snake_case", ["snake", "case"]),
    ],
)
def test_other_scripts_words(name: str, expected: list[str]) -> None:
    assert words(clean(name).text) == expected
