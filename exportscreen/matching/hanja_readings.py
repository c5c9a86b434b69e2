"""Hanja (Chinese characters as Koreans write them) read in Hangul, from Unicode's Unihan database.

``data/hanja_hangul.tsv`` is the Unihan field kHangul, written by this module's ``__main__`` from
the Unicode Character Database's ``Unihan_Readings.txt`` (Debian's ``unicode-data`` package ships
it as ``/usr/share/unicode/Unihan_Readings.txt.bz2``):

    python -m exportscreen.matching.hanja_readings /usr/share/unicode/Unihan_Readings.txt.bz2

Each row is a character and its readings as Unihan gives them, with their source tags (``리:0E
이:0``: 0 = KS X 1001, 1 = KS X 1002, E = the reading taught in schools, N = a reading allowed in
personal names). Unihan lists a character's readings side by side, so two choices are made here,
in code rather than in the table:

- A character with several readings (金 금 김, 樂 락 낙 악 요, 更 갱 경) is read one way: the
  school reading (E), else a name reading (N), else the first. Each extra reading would be one
  more query screened for every Korean name, and one more chance of a namesake's near spelling;
  the surname, where the choice matters most (金 is 김 as a surname), comes from
  ``chinese_surnames.tsv`` instead.
- Unihan also lists the forms the South Korean initial-sound law (두음법칙, Hangul orthography
  articles 10-12) gives at the start of a word (리 -> 이, 룡 -> 용, 로 -> 노). Inside a name the
  character keeps its own sound (崔龍海 is 최룡해), and North Korea never applies the law, so a
  form that is the law's rewriting of another of the character's readings is not chosen.
"""

from __future__ import annotations

import bz2
import re
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from exportscreen.matching.tables import read_rows

TABLE = "hanja_hangul.tsv"
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_MEDIALS, _FINALS = 21, 28
_NIEUN, _RIEUL, _IEUNG = 2, 5, 11  # initial consonants ㄴ, ㄹ, ㅇ
# ㅑ ㅕ ㅖ ㅛ ㅠ ㅣ: before these the law drops an initial ㄴ (녀 -> 여) as well as ㄹ (리 -> 이).
_I_LIKE_MEDIALS = frozenset({2, 6, 7, 12, 17, 20})
_TAGS = re.compile(r"[0-9]*E?N?X?")
_READING = re.compile(r"\S+")


def _is_syllable(text: str) -> bool:
    return len(text) == 1 and _HANGUL_FIRST <= ord(text) <= _HANGUL_LAST


def _parts(syllable: str) -> tuple[int, int, int]:
    initial, rest = divmod(ord(syllable) - _HANGUL_FIRST, _MEDIALS * _FINALS)
    medial, final = divmod(rest, _FINALS)
    return initial, medial, final


def _syllable(initial: int, medial: int, final: int) -> str:
    return chr(_HANGUL_FIRST + (initial * _MEDIALS + medial) * _FINALS + final)


def word_initial(syllable: str) -> str:
    """A Sino-Korean syllable as South Korean spelling writes it at the start of a word (the
    initial-sound law): ㄹ becomes ㄴ (로 -> 노), and ㄴ before an i-like vowel becomes silent
    (리 -> 니 -> 이, 녀 -> 여). North Korean spelling keeps the syllable as it is."""
    initial, medial, final = _parts(syllable)
    if initial == _RIEUL:
        initial = _NIEUN
    if initial == _NIEUN and medial in _I_LIKE_MEDIALS:
        initial = _IEUNG
    return _syllable(initial, medial, final)


def south_spelling(given: str, before: str) -> str:
    """A Hangul given name as South Korean spelling writes it after the syllable ``before``: 렬
    and 률 after a vowel or ㄴ are written 열 and 율 (Hangul orthography, article 11; 나열, 비율).
    The first syllable keeps its sound, as the lists and the South's press write North Korean
    names (최룡해); only the law's 렬/률 rule, which applies inside words too, is applied."""
    out: list[str] = []
    for syllable in given:
        initial, medial, final = _parts(syllable)
        after_vowel_or_n = _parts(before)[2] in (0, 4)  # no final consonant, or ㄴ
        if initial == _RIEUL and final == 8 and medial in (6, 17) and after_vowel_or_n:
            syllable = _syllable(_IEUNG, medial, final)  # 렬 -> 열, 률 -> 율 (final ㄹ is 8)
        out.append(syllable)
        before = syllable
    return "".join(out)


def _choose(value: str, row: tuple[str, ...]) -> str:
    readings: list[tuple[str, str]] = []
    for item in _READING.findall(value):
        hangul, _, tags = item.partition(":")
        if not _is_syllable(hangul) or not _TAGS.fullmatch(tags):
            raise ValueError(f"matching/data/{TABLE}: {item!r} is not a reading in {row!r}")
        readings.append((hangul, tags))
    if not readings:
        raise ValueError(f"matching/data/{TABLE}: no reading in {row!r}")
    forms = {hangul for hangul, _ in readings}
    own = [
        (hangul, tags)
        for hangul, tags in readings
        if not any(word_initial(other) == hangul != other for other in forms)
    ] or readings
    for wanted in ("E", "N"):
        for hangul, tags in own:
            if wanted in tags:
                return hangul
    return own[0][0]


@cache
def _table() -> Mapping[str, str]:
    table: dict[str, str] = {}
    for row in read_rows(TABLE):
        if len(row) != 2 or len(row[0]) != 1 or not "\u3400" <= row[0] <= "\U0003134f":
            raise ValueError(f"matching/data/{TABLE}: expected a character and readings in {row!r}")
        if row[0] in table:
            raise ValueError(f"matching/data/{TABLE}: {row[0]} twice")
        table[row[0]] = _choose(row[1], row)
    return table


def hangul(char: str) -> str | None:
    """The Hangul reading of one Hanja inside a name (not at its start), or None if Unihan gives
    none (most simplified characters: read the traditional form)."""
    return _table().get(char)


def all_readings(char: str) -> tuple[str, ...]:
    """Every Hangul reading Unihan gives ``char``, for checking other tables against it."""
    for row in read_rows(TABLE):
        if row[0] == char:
            return tuple(item.partition(":")[0] for item in row[1].split())
    return ()


def generate(source: Path) -> str:
    """The table, from a Unihan_Readings.txt (plain or .bz2)."""
    opener = bz2.open if source.suffix == ".bz2" else open
    with opener(source, "rt", encoding="utf-8") as lines:
        text = lines.read()
    version = re.search(r"^# Unicode version: (\S+)", text, re.MULTILINE)
    date = re.search(r"^# Date: (.+)$", text, re.MULTILINE)
    if version is None or date is None:
        raise ValueError(f"{source}: no Unicode version or date in its header")
    fields = (line.split("\t", 2) for line in text.splitlines() if line.startswith("U+"))
    rows = [f"{chr(int(cp[2:], 16))}\t{value}" for cp, kind, value in fields if kind == "kHangul"]
    header = [
        "# Hanja -> Hangul readings: character <TAB> its readings as the Unihan database's field",
        "# kHangul gives them, each with its source tags (0 = KS X 1001, 1 = KS X 1002, E = the",
        "# school reading, N = allowed in personal names). Do not edit: written by",
        "# `python -m exportscreen.matching.hanja_readings Unihan_Readings.txt.bz2`.",
        f"# Source: Unicode Character Database, Unihan_Readings.txt, Unicode {version.group(1)}",
        f"# ({date.group(1).strip()}), as shipped in Debian's unicode-data package.",
        "# Licence: the Unicode, Inc. License Agreement - Data Files and Software (permissive;",
        "# since 2023 named Unicode License v3): https://www.unicode.org/license.txt",
    ]
    return "\n".join([*header, *rows]) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m exportscreen.matching.hanja_readings Unihan_Readings.txt[.bz2]")
        return 2
    target = Path(__file__).resolve().parent / "data" / TABLE
    target.write_text(generate(Path(argv[0])), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
