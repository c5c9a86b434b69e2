"""Chinese (and kanji) names: business words translated, legal forms recognised, the rest read as
toneless pinyin.

Listed Chinese companies are written in English with a pinyin core: 北京智谱华章科技有限公司 is
"Beijing Zhipu Huazhang Technology Co., Ltd.". A run of Han characters is cut into known words
(translated through ``chinese_terms.tsv``), legal forms, and the characters between them, which
become one pinyin word ("zhipuhuazhang"): the scorer compares it join-insensitively with "Zhipu
Huazhang". Of the cuts, the one that leaves the fewest characters to pinyin (``segment``). The
lists write some words in several ways (学院 "Institute", "College", "Academy"; 工业大学
"Institute of Technology", "Polytechnical University"): the name's other readings
(``other_readings``) take the other renderings, and the screener screens each. Traditional
characters are read as their simplified forms (OpenCC's t2s), and the native names of listed
parties and brands (``chinese_names.tsv``, each row with its source: 海康威视 is "Hikvision")
are words like the business words. An ordinal (第十四) is its number ("14"), as the lists write
it ("14th Research Institute", "CETC 14"). A common business word that the curated tables lack
is translated through CC-CEDICT (``cedict.business_words``: 重工业 "heavy industry") when the
curated words do not read it whole and it cuts none of them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache, lru_cache

import opencc
from pypinyin import lazy_pinyin

from exportscreen.matching.cedict import MAX_WORD_CHARS, business_words
from exportscreen.matching.chinese_terms import OWN_PINYIN, term_renderings
from exportscreen.matching.legal_forms import legal_forms
from exportscreen.matching.normalize import Script, script_of
from exportscreen.matching.tables import read_rows

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


# A reading of a name's Chinese words: the rendering every word takes (its last if it has fewer),
# and the words that take another, as (characters, rendering) pairs.
Reading = tuple[int, tuple[tuple[str, int], ...]]
FIRST: Reading = (0, ())
# Readings with every word's second, then third rendering; each word's other renderings alone.
PARALLEL_READINGS = 3
# Other readings screened at most, the parallel ones first: each costs a query's screening.
MAX_OTHER_READINGS = 6


def _read(chars: str, chosen: str) -> tuple[PieceKind, str]:
    if chosen == OWN_PINYIN:
        return PieceKind.PINYIN, _pinyin(chars)
    return PieceKind.TRANSLATED, chosen


@cache
def _terms(rendering: int = 0) -> tuple[dict[str, tuple[PieceKind, str]], int]:
    """The words of a run and what they read as in ``rendering`` (a term with fewer renderings
    keeps its last), with the longest word's length."""
    terms: dict[str, tuple[PieceKind, str]] = {
        chars: _read(chars, options[min(rendering, len(options) - 1)])
        for chars, options in term_renderings().items()
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


@cache
def _reading_terms(reading: Reading) -> tuple[dict[str, tuple[PieceKind, str]], int]:
    rendering, overrides = reading
    terms, longest = _terms(rendering)
    if overrides:
        terms = dict(terms)
        for chars, chosen in overrides:
            terms[chars] = _read(chars, term_renderings()[chars][chosen])
    return terms, longest


def _pinyin(chars: str) -> str:
    return "".join(lazy_pinyin(chars)).lower()


_Terms = dict[str, tuple[PieceKind, str]]


def _cost(option: tuple[tuple[int, int, int], object]) -> tuple[int, int, int]:
    return option[0]


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
def segment(run: str, reading: Reading = FIRST) -> tuple[Piece, ...]:
    """Cut a run of Han characters into translated words, legal forms, ordinals and pinyin
    words; each piece keeps the characters as written, and is read from their simplified form.

    Of the cuts the words allow, the one that leaves the fewest characters to pinyin, then has
    the fewest pieces, then the longest first word: 龙芯中科技术 is 龙芯 + 中科 (pinyin) + 技术,
    not 龙芯 + 中 + 科技 + 术, which a greedy longest-first cut makes (the same characters left
    to pinyin, in two stray pieces). A word read as its own pinyin ("~") counts as characters
    left to pinyin. ``reading``: which rendering of each word (``other_readings``)."""
    terms, longest = _reading_terms(reading)
    written, run = run, simplified(run)
    size = len(run)
    # The words that may start at each position: (end, kind, value), longest first.
    words: list[list[tuple[int, PieceKind, str]]] = []
    for position in range(size):
        here: list[tuple[int, PieceKind, str]] = []
        if run[position] == _ORDINAL_PREFIX:
            end = position + 1
            while end < size and (run[end] in _DIGITS or run[end] in "十百"):
                end += 1
            number = numeral(run[position + 1 : end])
            if number is not None:
                here.append((end, PieceKind.NUMBER, str(number)))
        dictionary = _dictionary_word(run, position, 0, terms, longest)
        if dictionary is not None:
            here.append((position + len(dictionary[0]), PieceKind.TRANSLATED, dictionary[1]))
        for length in range(min(longest, size - position), 0, -1):
            found = terms.get(run[position : position + length])
            if found is not None:
                here.append((position + length, *found))
        words.append(here)
    # best[i]: the cost of the best cut of run[i:] that starts with a word (or is empty), and
    # free[i]: of the best cut of run[i:] that may start with pinyin. Cost: (characters left to
    # pinyin, pieces, the first piece's length, negated); the cut itself as (end, word) steps.
    Cost = tuple[int, int, int]
    best: list[tuple[Cost, tuple[tuple[int, tuple[PieceKind, str] | None], ...]]] = [
        ((0, 0, 0), ())
    ] * (size + 1)
    free = list(best)
    for position in range(size - 1, -1, -1):
        options = [
            (
                (
                    left + (end - position if kind is PieceKind.PINYIN else 0),
                    count + 1,
                    position - end,
                ),
                ((end, (kind, value)), *steps),
            )
            for end, kind, value in words[position]
            for (left, count, _), steps in (free[end],)
        ]
        # Compared by cost alone; of equal costs the first (the longer word, a word before pinyin).
        best[position] = min(options, key=_cost) if options else ((size + 1, 0, 0), ())
        free[position] = best[position]
        for end in range(position + 1, size + 1):
            (left, count, _), steps = best[end]
            option = ((left + end - position, count + 1, position - end), ((end, None), *steps))
            if option[0] < free[position][0]:
                free[position] = option
    pieces: list[Piece] = []
    position = 0
    for end, word in free[0][1]:
        chars = written[position:end]
        if word is None:
            pieces.append(Piece(chars, PieceKind.PINYIN, _pinyin(run[position:end])))
        else:
            pieces.append(Piece(chars, *word))
        position = end
    return tuple(pieces)


def _written(piece: Piece) -> str:
    """A piece as another reading's text writes it for analysis: a word in its English, an
    ordinal in digits, pinyin and legal forms in their characters, so that they are read as
    Chinese again (a pinyin word compared as pinyin, not as a word typed in Latin letters)."""
    if piece.kind in (PieceKind.TRANSLATED, PieceKind.NUMBER):
        return piece.value
    return piece.original


def _shown(piece: Piece) -> str:
    if piece.kind is PieceKind.PINYIN and not piece.value.isalnum():
        return " "  # a bracket or other sign
    return piece.value


def han_runs(text: str) -> list[tuple[str, bool]]:
    """Runs of Han and of other characters, each with a flag for Han."""
    runs: list[tuple[str, bool]] = []
    for char in text:
        han = script_of(char) is Script.HAN
        if runs and runs[-1][1] == han:
            runs[-1] = (runs[-1][0] + char, han)
        else:
            runs.append((char, han))
    return runs


def _candidate_readings(runs: list[str]) -> list[Reading]:
    """Every word's second, then third rendering; then each word of the runs with renderings
    of its own taking them alone, in the order of the runs (``MAX_OTHER_READINGS`` at most)."""
    text = "".join(simplified(run) for run in runs)
    alone: list[Reading] = []
    for chars, options in term_renderings().items():
        if len(options) > 1 and chars in text:
            alone.extend((0, ((chars, k),)) for k in range(1, len(options)))
    if not alone:
        # No word of the runs has another rendering: every reading would cut and read them as
        # the first does (the terms of each reading differ only in such words), so none is
        # tried (most Chinese names: a person's, a company's of pinyin words).
        return []
    return [*((k, ()) for k in range(1, PARALLEL_READINGS)), *alone]


def other_readings(name: str) -> tuple[tuple[str, str], ...]:
    """The other readings of ``name``'s Chinese words that cut or read them otherwise than the
    first, each as (the name so written, to be analysed; the name so read, in Latin letters,
    for the explanation): 哈尔滨工业大学 ("harbin polytechnical university", the same),
    ("harbin university of technology", the same); 中国电子科技集团公司 also with 公司
    "corporation" alone; 北京智谱华章学院 ("beijing 智谱华章 college", "beijing zhipuhuazhang
    college"). Other text is kept as it is."""
    runs = han_runs(name)
    if not any(han for _, han in runs):
        return ()
    seen = {tuple(segment(text) if han else text for text, han in runs)}
    found: list[tuple[str, str]] = []
    for reading in _candidate_readings([text for text, han in runs if han]):
        cut = tuple(segment(text, reading) if han else text for text, han in runs)
        if cut in seen:
            continue
        seen.add(cut)
        written = [" ".join(map(_written, p)) if isinstance(p, tuple) else p for p in cut]
        shown = [" ".join(map(_shown, p)) if isinstance(p, tuple) else p for p in cut]
        found.append((" ".join(" ".join(written).split()), " ".join(" ".join(shown).split())))
        if len(found) == MAX_OTHER_READINGS:
            break
    return tuple(found)
