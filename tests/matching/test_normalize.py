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
