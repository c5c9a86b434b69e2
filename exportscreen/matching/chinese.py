"""Chinese (and kanji) names: business words translated, legal forms recognised, the rest read as
toneless pinyin.

Listed Chinese companies are written in English with a pinyin core: 北京智谱华章科技有限公司 is
"Beijing Zhipu Huazhang Technology Co., Ltd.". A run of Han characters is cut greedily, longest
first, into known words (translated through ``chinese_terms.tsv``), legal forms, and the
characters between them, which become one pinyin word ("zhipuhuazhang"): the scorer compares it
join-insensitively with "Zhipu Huazhang". Traditional characters are read as their simplified
forms (OpenCC's t2s), and the native names of listed parties and brands (``chinese_names.tsv``,
each row with its source: 海康威视 is "Hikvision") are words like the business words. An ordinal
(第十四) is its number ("14"), as the lists write it ("14th Research Institute", "CETC 14").
A common business word that the curated tables lack is translated through CC-CEDICT
(``cedict.business_words``: 理工大学 "university science engineering") when the curated words
do not read it whole and it cuts none of them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache, lru_cache

import opencc
from pypinyin import lazy_pinyin

from exportscreen.matching.cedict import MAX_WORD_CHARS, business_words
from exportscreen.matching.legal_forms import legal_forms
from exportscreen.matching.tables import read_pairs, read_rows

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
_ORDINAL_PREFIX = "第"


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplified(run: str) -> str:
    """Traditional characters as simplified ones (華為 -> 华为), character for character; a run
    the converter would change in length is kept as it is."""
    converted: str = _to_simplified().convert(run)
    return converted if len(converted) == len(run) else run


def numeral(chars: str) -> int | None:
    """The value of a Chinese numeral up to 999 (十四 = 14, 五十五 = 55, 一百零八 = 108)."""
    if not chars or any(c not in _DIGITS and c not in "十百" for c in chars):
        return None
    total = current = 0
    for char in chars:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _DIGITS[char]
    return total + current


class PieceKind(enum.Enum):
    TRANSLATED = "translated"  # a business word, place or listed brand: value is its English
    NUMBER = "number"  # an ordinal (第十四): value is its digits
    LEGAL = "legal"  # a legal form: value is its class
    PINYIN = "pinyin"  # anything else: value is the toneless pinyin, syllables joined


@dataclass(frozen=True, slots=True)
class Piece:
    original: str
    kind: PieceKind
    value: str


@cache
def _terms() -> tuple[dict[str, tuple[PieceKind, str]], int]:
    terms: dict[str, tuple[PieceKind, str]] = {
        chars: (PieceKind.TRANSLATED, english) for chars, english in read_pairs("chinese_terms.tsv")
    }
    for row in read_rows("chinese_names.tsv"):
        if len(row) != 3 or not row[2]:
            raise ValueError(
                f"matching/data/chinese_names.tsv: expected characters, English and a source in "
                f"{row!r}"
            )
        terms[row[0]] = (PieceKind.TRANSLATED, row[1])
    table = legal_forms()
    for chars, form_class in table.native.items():
        terms[chars] = (PieceKind.LEGAL, form_class)
    return terms, max(len(k) for k in terms)


def _pinyin(chars: str) -> str:
    return "".join(lazy_pinyin(chars)).lower()


_Terms = dict[str, tuple[PieceKind, str]]


def _curated_at(
    run: str, position: int, terms: _Terms, longest: int
) -> tuple[int, tuple[PieceKind, str] | None]:
    """The longest curated word (business word, listed name, legal form) at ``position``."""
    for length in range(min(longest, len(run) - position), 0, -1):
        found = terms.get(run[position : position + length])
        if found is not None:
            return length, found
    return 0, None


def _dictionary_word(
    run: str, position: int, curated: int, terms: _Terms, longest: int
) -> tuple[str, str] | None:
    """A CC-CEDICT business word at ``position`` longer than the curated word there, that the
    curated words do not read whole (理工大学: 理工 is no curated word) and that does not cut a
    curated word starting inside it (有电 in 国有电力 would cut 电力): (characters, English)."""
    words = business_words()
    for length in range(min(MAX_WORD_CHARS, len(run) - position), max(curated, 1), -1):
        chars = run[position : position + length]
        english = words.get(chars)
        if english is None or chars in terms:
            continue
        end = position + length
        if _covered(run, position, end, terms, longest):
            continue  # the curated words read it already: 科技大学 is 科技 + 大学
        if all(
            start + _curated_at(run, start, terms, longest)[0] <= end
            for start in range(position + 1, end)
        ):
            return chars, english
    return None


def _covered(run: str, start: int, end: int, terms: _Terms, longest: int) -> bool:
    """Whether the curated words cut ``run[start:end]`` into words with no character left."""
    position = start
    while position < end:
        length, _ = _curated_at(run[:end], position, terms, longest)
        if not length:
            return False
        position += length
    return True


@lru_cache(maxsize=4096)
def segment(run: str) -> tuple[Piece, ...]:
    """Cut a run of Han characters into translated words, legal forms, ordinals and pinyin
    words; each piece keeps the characters as written, and is read from their simplified form."""
    terms, longest = _terms()
    written, run = run, simplified(run)
    pieces: list[Piece] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            chars = "".join(pending)
            start = position - len(chars)
            pieces.append(Piece(written[start:position], PieceKind.PINYIN, _pinyin(chars)))
            pending.clear()

    position = 0
    while position < len(run):
        if run[position] == _ORDINAL_PREFIX:
            end = position + 1
            while end < len(run) and (run[end] in _DIGITS or run[end] in "十百"):
                end += 1
            number = numeral(run[position + 1 : end])
            if number is not None:
                flush()
                pieces.append(Piece(written[position:end], PieceKind.NUMBER, str(number)))
                position = end
                continue
        length, found = _curated_at(run, position, terms, longest)
        word = _dictionary_word(run, position, length, terms, longest)
        if word is not None:
            flush()
            end = position + len(word[0])
            pieces.append(Piece(written[position:end], PieceKind.TRANSLATED, word[1]))
            position = end
        elif found is not None:
            flush()
            kind, value = found
            pieces.append(Piece(written[position : position + length], kind, value))
            position += length
        else:
            pending.append(run[position])
            position += 1
    flush()
    return tuple(pieces)
