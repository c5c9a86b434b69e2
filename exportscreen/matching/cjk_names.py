"""Chinese, Korean and Japanese person names written in their own script, read as the lists spell
them.

The lists write a Chinese person in pinyin, surname first ("XU, Weibo"), and a Korean person in
a McCune-Reischauer romanisation by syllable ("KIM, Jong Un", "CHOE, Ryong Hae"). A query written
金正恩 or 김정은 is read as every name it may be: a run of two to four Han characters that begins
with a known surname (``chinese_surnames.tsv``, compound surnames such as 欧阳 included) is read in
Mandarin ("Jin Zhengen") and, since Korean names are written in Hanja too, in Korean: the surname
by its Korean reading (金 is 김 as a surname), the given name by Unicode's Unihan readings
(``hanja_readings``), then the Hangul in the North Korean spelling ("Kim Jong Un") and in the
Revised Romanization ("Kim Jeong Eun"). A Hangul name of two to four syllables that begins
with a Korean surname (``korean_surnames.tsv``) is read in both romanisations. A given name is
one word in each reading ("jongun"), compared join-insensitively with the lists' "Jong Un".
A Japanese person's name in kanji or kana, solid or surname and given name apart, is read in
Hepburn when UniDic takes it for a surname and a given name (``japanese_names``: 後藤忠政 "Goto
Tadamasa"); kanji are valid Chinese too, so a run that is also read in pinyin keeps that reading.

Each reading is an ``AnalyzedName`` of its own, screened beside the query's ordinary analysis:
the best score per listed party wins, and the explanation names the reading that matched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

import opencc
from pypinyin import lazy_pinyin

from exportscreen.matching.analyze import AnalyzedName, NameRole, Token, TokenKind
from exportscreen.matching.chinese import PieceKind, segment, simplified
from exportscreen.matching.hanja_readings import hangul as hanja_hangul
from exportscreen.matching.hanja_readings import south_spelling
from exportscreen.matching.japanese_names import japanese_names
from exportscreen.matching.normalize import MAX_NAME_CHARS, Script, clean, script_of, words
from exportscreen.matching.tables import read_rows
from exportscreen.model import MatchKind

# A Chinese or Korean personal name: a surname of one or two characters and a given name of one
# or two. Longer runs are company names, places or foreign names written in characters.
NAME_CHARS = (2, 4)
# A Japanese name: a surname of one to three kanji and a given name of one to three, or either in
# kana (さとう ひろし).
JAPANESE_CHARS = (2, 10)
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_FIRST_CJK = 0x1100  # Hangul jamo; Han characters and Hangul syllables come later
_FIRST_CJK_CHAR = chr(_FIRST_CJK)  # compared with a name's greatest character, in C
_MEDIALS, _FINALS = 21, 28


@dataclass(frozen=True, slots=True)
class Reading:
    """One way of reading a native-script name: ``scheme`` says which ("Mandarin pinyin",
    "Korean, McCune-Reischauer"), ``romanised`` is the name as the lists would write it. Its
    tokens are the surname and the given name, each one word ("kim", "jongun")."""

    scheme: str
    romanised: str
    analysis: AnalyzedName


@dataclass(frozen=True, slots=True)
class _Surname:
    pinyin: str
    korean: tuple[str, ...]  # Hangul forms, the South Korean one first; empty: not Korean


@cache
def _chinese_surnames() -> Mapping[str, _Surname]:
    table: dict[str, _Surname] = {}
    for row in read_rows("chinese_surnames.tsv"):
        if len(row) != 4 or not row[1].isascii() or not row[1].isalpha():
            raise ValueError(
                f"matching/data/chinese_surnames.tsv: expected characters, pinyin, Korean "
                f"reading (or -) and a source in {row!r}"
            )
        korean = () if row[2] == "-" else tuple(row[2].split())
        if any(not _is_hangul(form) for form in korean):
            raise ValueError(f"matching/data/chinese_surnames.tsv: {row[2]!r} is not Hangul")
        table[row[0]] = _Surname(row[1], korean)
    return table


@cache
def _korean_surnames() -> Mapping[str, tuple[str, str]]:
    """Hangul surname -> (North Korean spelling, South Korean spelling)."""
    table: dict[str, tuple[str, str]] = {}
    for row in read_rows("korean_surnames.tsv"):
        if len(row) != 4 or not _is_hangul(row[0]) or not (row[1] + row[2]).isalpha():
            raise ValueError(
                f"matching/data/korean_surnames.tsv: expected Hangul, two spellings and a "
                f"source in {row!r}"
            )
        table[row[0]] = (row[1], row[2])
    return table


@cache
def korean_surnames() -> frozenset[str]:
    """The Korean surnames in Hangul (``korean_surnames.tsv``)."""
    return frozenset(_korean_surnames())


@cache
def _jamo() -> Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Position -> (McCune-Reischauer forms, Revised Romanization forms), in Unicode order."""
    expected = {"initial": 19, "medial": _MEDIALS, "final": _FINALS - 1}
    mr: dict[str, list[str]] = {p: [] for p in expected}
    rr: dict[str, list[str]] = {p: [] for p in expected}
    for row in read_rows("hangul_romanisation.tsv"):
        if len(row) != 4 or row[0] not in expected:
            raise ValueError(
                f"matching/data/hangul_romanisation.tsv: expected position, letter and two "
                f"romanisations in {row!r}"
            )
        mr[row[0]].append("" if row[2] == "-" else row[2])
        rr[row[0]].append("" if row[3] == "-" else row[3])
    for position, count in expected.items():
        if len(mr[position]) != count:
            raise ValueError(
                f"matching/data/hangul_romanisation.tsv: {len(mr[position])} {position} letters, "
                f"expected {count}"
            )
    return {p: (tuple(mr[p]), tuple(rr[p])) for p in expected}


def _is_hangul(text: str) -> bool:
    return bool(text) and all(_HANGUL_FIRST <= ord(c) <= _HANGUL_LAST for c in text)


def romanise_syllable(syllable: str, scheme: int) -> str:
    """One Hangul syllable in the McCune-Reischauer (``scheme`` 0) or Revised (1) romanisation."""
    offset = ord(syllable) - _HANGUL_FIRST
    initial, rest = divmod(offset, _MEDIALS * _FINALS)
    medial, final = divmod(rest, _FINALS)
    table = _jamo()
    final_text = table["final"][scheme][final - 1] if final else ""
    return table["initial"][scheme][initial] + table["medial"][scheme][medial] + final_text


# McCune-Reischauer voices a plain stop after a voiced sound inside a name: 리만건 is "Ri Man Gon"
# (ㄱ after n), 박봉주 "Pak Pong Ju"; the first syllable of the given name keeps k, t, p ("Ki Nam").
_VOICED = {"k": "g", "t": "d", "p": "b"}
_VOICED_ENDS = ("n", "m", "ng", "l")


def _voiced(hangul: str, syllables: list[str]) -> list[str]:
    out = syllables[:1]
    for previous, syllable, char in zip(syllables, syllables[1:], hangul[1:], strict=False):
        initial = (ord(char) - _HANGUL_FIRST) // (_MEDIALS * _FINALS)
        plain = initial in _PLAIN_STOPS
        if plain and (previous[-1] in "aeiouy" or previous.endswith(_VOICED_ENDS)):
            syllable = _VOICED[syllable[0]] + syllable[1:]
        out.append(syllable)
    return out


_PLAIN_STOPS = frozenset({0, 3, 7})  # ㄱ, ㄷ, ㅂ (ㅈ is written j already)


@cache
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def _korean_surname_split(hangul: str) -> tuple[str, str] | None:
    surnames = _korean_surnames()
    for length in (2, 1):
        if hangul[:length] in surnames and len(hangul) - length >= 1:
            return hangul[:length], hangul[length:]
    return None


def _token(surface: str, romanised: str, role: NameRole, script: Script = Script.HAN) -> Token:
    # Every reading is compared as pinyin read from characters is (``score.compare``): exactly.
    # It is already the spelling the lists use, so a near spelling is another name (Chinese
    # names read in Korean came within fuzzy reach of listed North Koreans far too often:
    # 张桂英 "Jang Gye Yeong" / JANG GYONG). Its role says which is the surname and which the
    # given name (``guesses.cjk_name_in_part``).
    return Token(
        surface, romanised, romanised, TokenKind.WORD, MatchKind.TRANSLITERATED, script, role
    )


def _analysis(text: str, tokens: list[Token]) -> AnalyzedName:
    return AnalyzedName(text, " ".join(t.key for t in tokens), tuple(tokens), False)


def _korean_readings(
    text: str, surname: str, given: tuple[str, str], written: tuple[str, str]
) -> list[Reading]:
    """A Korean name (Hangul ``surname`` + ``given``, written as ``written``) in the North
    Korean and the South Korean spelling, read syllable by syllable; ``given`` is the given
    name in the North's Hangul and in the South's (they differ only for a name read from
    Hanja: 崔烈 is 최렬 in the North, 최열 in the South)."""
    readings: list[Reading] = []
    spelled = _korean_surnames().get(surname)
    for scheme, label in ((0, "Korean, McCune-Reischauer"), (1, "Korean, Revised Romanization")):
        family = (
            spelled[scheme]
            if spelled is not None
            else "".join(romanise_syllable(c, scheme) for c in surname)
        )
        syllables = [romanise_syllable(syllable, scheme) for syllable in given[scheme]]
        if scheme == 0:
            syllables = _voiced(given[0], syllables)
        # The given name is one word, as the lists' "Jong Un" is compared join-insensitively:
        # one syllable in common ("Jae Yong" / "Jae Il") is not half a match.
        tokens = [
            _token(written[0], family, NameRole.FAMILY),
            _token(written[1], "".join(syllables), NameRole.GIVEN),
        ]
        romanised = " ".join([family.capitalize(), *(s.capitalize() for s in syllables)])
        readings.append(Reading(label, romanised, _analysis(text, tokens)))
    return readings


def _han_readings(text: str, run: str) -> list[Reading]:
    simple = simplified(run)
    if any(piece.kind is not PieceKind.PINYIN for piece in segment(run)):
        return []  # a business word, place, brand or legal form: not a person's name
    surnames = _chinese_surnames()
    for length in (2, 1):
        surname = surnames.get(simple[:length])
        if surname is not None and len(run) - length >= 1:
            break
    else:
        return []
    given_simple = simple[length:]
    given_pinyin = "".join(lazy_pinyin(given_simple)).lower()
    if not given_pinyin.isalpha() or not given_pinyin.isascii():
        return []
    tokens = [
        _token(run[:length], surname.pinyin, NameRole.FAMILY),
        _token(run[length:], given_pinyin, NameRole.GIVEN),
    ]
    readings = [
        Reading(
            "Mandarin pinyin",
            f"{surname.pinyin.capitalize()} {given_pinyin.capitalize()}",
            _analysis(text, tokens),
        )
    ]
    given_hangul = _given_hangul(run[length:]) if surname.korean else None
    if given_hangul is not None:
        for hangul in dict.fromkeys(surname.korean):
            # Each character keeps its own sound inside the name (崔龍海 is 최룡해, Choe Ryong
            # Hae, not 최용해): the initial-sound law is the surname table's business.
            given = (given_hangul, south_spelling(given_hangul, hangul[-1]))
            readings.extend(_korean_readings(text, hangul, given, (run[:length], run[length:])))
    return _distinct(readings)


def _given_hangul(given: str) -> str | None:
    """A given name in Hanja read in Hangul, character by character; Korean names are written
    in traditional characters, so a simplified one is read as its traditional form (龙 as 龍)."""
    traditional = _to_traditional().convert(given)
    if len(traditional) != len(given):
        return None
    out: list[str] = []
    for char, old in zip(given, traditional, strict=True):
        reading = hanja_hangul(old) or hanja_hangul(char)
        if reading is None:
            return None
        out.append(reading)
    return "".join(out)


def _distinct(readings: list[Reading]) -> list[Reading]:
    seen: set[str] = set()
    kept: list[Reading] = []
    for reading in readings:
        if reading.analysis.exact_key not in seen:
            seen.add(reading.analysis.exact_key)
            kept.append(reading)
    return kept


@lru_cache(maxsize=8192)
def person_readings(name: str) -> tuple[Reading, ...]:
    """The readings of ``name`` as a Chinese, Korean or Japanese person's name, or () when it
    does not look like one (not one word of two to four Han characters or Hangul syllables
    beginning with a surname, nor a Japanese surname and given name)."""
    if not name or max(name) < _FIRST_CJK_CHAR:
        return ()  # most queries (Latin, Cyrillic, Arabic): nothing to read
    text = clean(name, MAX_NAME_CHARS).text
    found = words(text)
    japanese = _japanese_readings(text, found)
    if len(found) != 1:
        # Written solid, as Chinese and Korean names are: a space is a Latin-script system's
        # given-name-first order ("明 李" for 李明) as often as not, which would read it backwards.
        return tuple(japanese)
    run = found[0]
    low, high = NAME_CHARS
    if not low <= len(run) <= high:
        return tuple(japanese)
    if all(script_of(c) is Script.HAN for c in run):
        # Kanji names are valid Chinese (and Hanja) too: every reading is screened.
        return tuple(_distinct([*_han_readings(text, run), *japanese]))
    if _is_hangul(run):
        split = _korean_surname_split(run)
        if split is None:
            return ()
        surname, given = split
        return tuple(_distinct(_korean_readings(text, surname, (given, given), split)))
    return tuple(japanese)


def _japanese_readings(text: str, found: list[str]) -> list[Reading]:
    """A name in kanji and kana, solid or as surname and given name apart, read as a Japanese
    person's when UniDic takes it for one (``japanese_names``)."""
    if (
        not 1 <= len(found) <= 2
        or not JAPANESE_CHARS[0] <= sum(map(len, found)) <= JAPANESE_CHARS[1]
    ):
        return []
    if any(script_of(c) not in (Script.HAN, Script.KANA) for word in found for c in word):
        return []
    readings = []
    for name in japanese_names(found):
        if (
            len(name.surname) == 1
            and simplified(name.surname) in _chinese_surnames()
            and name.surname_morae <= 2
        ):
            # A Chinese or Korean surname in its Sino-Japanese sound (李 Ri, 崔 Sai, 鄧 To) is
            # how Japanese writes a Chinese or Korean person, whom the readings above read as
            # the lists do; a Japanese surname of one kanji is read otherwise (林 Hayashi).
            continue
        tokens = [
            _token(name.surname, name.surname_romaji, NameRole.FAMILY, script_of(name.surname[0])),
            _token(name.given, name.given_romaji, NameRole.GIVEN, script_of(name.given[0])),
        ]
        romanised = f"{name.surname_romaji.capitalize()} {name.given_romaji.capitalize()}"
        readings.append(Reading("Japanese, Hepburn", romanised, _analysis(text, tokens)))
    return readings
