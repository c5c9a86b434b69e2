"""Hanja read in Hangul from Unicode's Unihan kHangul (``matching.hanja_readings``), which replaced
the ``hanja`` library: the table, the choice among a character's readings, the South Korean
initial-sound law and the check of the surname table against Unihan."""

from __future__ import annotations

import bz2
from pathlib import Path

import opencc
import pytest

from exportscreen.matching.hanja_readings import (
    TABLE,
    all_readings,
    generate,
    hangul,
    south_spelling,
    word_initial,
)
from exportscreen.matching.tables import read_rows

UNIHAN = Path("/usr/share/unicode/Unihan_Readings.txt.bz2")  # Debian's unicode-data


@pytest.mark.parametrize(
    ("char", "reading"),
    [
        # One reading per character: the school reading (E) over a name reading (N) ...
        ("金", "금"),  # 금:0E 김:0N (김 is the surname, from chinese_surnames.tsv)
        ("北", "북"),  # 배:0N 북:0E
        ("樂", "락"),  # 낙:0 락:0E 악:0N 요:0N
        # ... and never the initial-sound law's form of another reading: inside a name a
        # character keeps its own sound, as North Korea writes it everywhere.
        ("李", "리"),  # 리:0E 이:0
        ("龍", "룡"),  # 룡:0E 용:0
        ("盧", "로"),  # 노:0 로:0N (the law's 노 is listed first, untagged)
        ("率", "률"),  # 률:0E 솔:0N 율:0
        ("女", "녀"),
        ("恩", "은"),
        ("炳", "병"),  # a name reading only
        ("龙", None),  # simplified: Unihan has no Korean reading, cjk_names reads 龍
    ],
)
def test_hangul_reading(char: str, reading: str | None) -> None:
    assert hangul(char) == reading


@pytest.mark.parametrize(
    ("syllable", "initial"),
    [
        ("리", "이"),
        ("류", "유"),
        ("림", "임"),
        ("로", "노"),
        ("룡", "용"),
        ("녀", "여"),
        ("뢰", "뇌"),
        ("라", "나"),
        ("김", "김"),
        ("년", "연"),
        ("냥", "양"),
    ],
)
def test_word_initial_applies_the_initial_sound_law(syllable: str, initial: str) -> None:
    assert word_initial(syllable) == initial


@pytest.mark.parametrize(
    ("given", "before", "south"),
    [
        ("렬", "최", "열"),  # 崔烈: after a vowel
        ("률", "신", "율"),  # after ㄴ
        ("렬", "정", "렬"),  # after another consonant it stays
        ("룡해", "최", "룡해"),  # only 렬 and 률: 崔龍海 stays 최룡해
        ("명렬", "김", "명렬"),
        ("순렬", "김", "순열"),
    ],
)
def test_south_spelling(given: str, before: str, south: str) -> None:
    assert south_spelling(given, before) == south


# Surname rows whose characters Unihan gives no Korean reading: the form Korean uses instead.
_VARIANTS = {"肖": "蕭", "闫": "閻", "慎": "愼"}


def test_korean_surnames_agree_with_unihan() -> None:
    """Each Korean surname in chinese_surnames.tsv is Unihan's reading of its characters (the
    North's form, last), and the South's form, first, is that form under the initial-sound law."""
    to_traditional = opencc.OpenCC("s2t")
    wrong = []
    for chars, _pinyin, korean, *_ in read_rows("chinese_surnames.tsv"):
        if korean == "-":
            continue
        forms = korean.split()
        north, south = forms[-1], forms[0]
        for char, syllable in zip(chars, north, strict=True):
            known = {char, to_traditional.convert(char), _VARIANTS.get(char, char)}
            if not any(syllable in all_readings(k) for k in known):
                wrong.append((chars, syllable))
        if south != word_initial(north[0]) + north[1:]:
            wrong.append((chars, korean))
    assert wrong == []


def test_table_is_unihan_khangul() -> None:
    """The committed table is what the generator writes from the Unicode release it names."""
    if not UNIHAN.exists():
        pytest.skip("Debian's unicode-data is not installed")
    committed = Path(__file__).resolve().parents[2] / "exportscreen/matching/data" / TABLE
    assert generate(UNIHAN) == committed.read_text("utf-8")
    with bz2.open(UNIHAN, "rt", encoding="utf-8") as lines:
        assert "# Unicode version: 15.0.0" in lines.read(2000)


def test_table_is_checked_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from exportscreen.matching import hanja_readings

    monkeypatch.setattr(hanja_readings, "read_rows", lambda _name: (("金", "금:0E kim:0N"),))
    hanja_readings._table.cache_clear()
    try:
        with pytest.raises(ValueError, match="is not a reading"):
            hanja_readings.hangul("金")
    finally:
        hanja_readings._table.cache_clear()


def test_names_are_read_without_the_hanja_library() -> None:
    """The ``hanja`` package (which pinned pyyaml and declared pytest as a runtime dependency)
    is no longer needed: with it made unimportable, Hanja names are still read."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['hanja'] = None\n"
        "from exportscreen.matching.cjk_names import person_readings\n"
        "print([r.romanised for r in person_readings('崔龍海')])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Choe Ryong Hae" in done.stdout
