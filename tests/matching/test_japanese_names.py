"""Japanese names romanised as the lists write them (``matching.japanese_names``): Hepburn, long
vowels unmarked, no apostrophe after n."""

from __future__ import annotations

import pytest

from exportscreen.matching.japanese_names import hepburn, japanese_names, passport_kana


@pytest.mark.parametrize(
    ("kana", "pronunciation", "passport"),
    [
        ("ゴトウ", "ゴトー", "ゴト"),  # a long o written う: Goto
        ("オオタニ", "オータニ", "オタニ"),  # written お: Otani
        ("ジロウ", "ジロー", "ジロ"),
        ("イノウエ", "イノウエ", "イノウエ"),  # not a long vowel: Inoue
        ("セイジ", "セージ", "セイジ"),  # ei is written ei in Hepburn: Seiji
        ("ユウコ", "ユーコ", "ユコ"),
        ("ゴトー", "ゴトー", "ゴト"),
    ],
)
def test_passport_kana(kana: str, pronunciation: str, passport: str) -> None:
    assert passport_kana(kana, pronunciation) == passport


@pytest.mark.parametrize(
    ("kana", "romaji"),
    [
        ("ケンイチ", "kenichi"),  # SHINODA, Kenichi: no apostrophe
        ("シノブ", "shinobu"),
        ("ツカサ", "tsukasa"),
        ("チヅオ", "chizuo"),
        ("じろ", "jiro"),
        ("ふくだ", "fukuda"),
        ("ヒッタ", "hitta"),
    ],
)
def test_hepburn(kana: str, romaji: str) -> None:
    assert hepburn(kana) == romaji


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # Kana written apart need no dictionary; a long vowel before a consonant or at the end is
        # left out, a vowel before another vowel is not.
        (["こうの", "たろう"], [("kono", "taro")]),
        (["きょうこ", "たかはし"], [("kyoko", "takahashi")]),
        (["いのうえ", "くにお"], [("inoue", "kunio")]),
        # UniDic's best analysis is not a name: nothing.
        (["山口組"], []),
        (["株式会社"], []),
        (["太郎", "山田"], []),  # given name first
        (["山田", "太郎", "花子"], []),
    ],
)
def test_japanese_names(written: list[str], expected: list[tuple[str, str]]) -> None:
    assert [(n.surname_romaji, n.given_romaji) for n in japanese_names(written)] == expected
