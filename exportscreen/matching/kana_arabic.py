"""Arabic and Persian names written in katakana, read back into Arabic letters.

Japanese writes a foreign name in katakana by its sound (``data/kana_arabic.tsv``): サダム・フセイン
is صدام حسين, Saddam Hussein; バッシャール・アル＝アサド بشار الأسد, Bashar al-Assad. Romanised
("sadamu fusein") such a name shares too few letters with its listed spelling, and its words are
too short to read by sound (``sound``); read back into Arabic letters, it is screened as a name
written in Arabic, by the consonants its Latin spellings share (``translit.arabic_consonants``),
as an Arab name in Hebrew letters is (``hebrew_arabic``). The reading is one of the query's
others (``readings``), screened beside the ordinary analysis and the sound reading, so a name
that is no Arabic name loses nothing by it.
"""

from __future__ import annotations

import itertools
import math
import re
from functools import cache, lru_cache

from wordfreq import get_frequency_dict

from exportscreen.matching.japanese_names import hepburn
from exportscreen.matching.tables import read_rows
from exportscreen.matching.translit import arabic_consonants

# A word read back into Arabic is taken for an Arabic name when Arabic text writes it from this
# frequency up (wordfreq's Zipf scale, as ``hebrew_arabic.MIN_ARABIC_ZIPF``): a Western name in
# katakana read so is seldom an Arabic word, and a name with such a word is not read as Arabic.
MIN_ARABIC_ZIPF = 3.5
# And one word of the name has this many consonants or more (صدام, حسين): two-consonant words
# are Arabic words by chance too often (ジョン, جون).
FIRM_CONSONANTS = 3
# A word whose syllables may be read in more ways than this is left as it is (each way costs a
# look-up, and a long word of many ways is seldom an Arabic name).
MAX_SPELLINGS = 4096
# Katakana, the prolonged sound mark and the middle dot: a name written wholly in them.
_KATAKANA_NAME = re.compile(r"[\u30a1-\u30fa\u30fc・＝=\s-]+")
_SEPARATORS = re.compile(r"[・＝=\s-]+")
_VOWELS = "aeiou"
_NOT_SYLLABIC_N = (*_VOWELS, "y")  # an n before these is a syllable's consonant, not ン
# After a consonant, a vowel katakana does not mark long (ー) is short in Arabic, unwritten,
# but for a: Japanese marks Arabic's long i and u (ザリーフ, マフムード) and often not its long a
# (サダム, Saddām; ハマス, Ḥamās). (Its u and o are often the vowel Japanese adds: バクル, Bakr,
# read with و came out بقول.)
_SHORT_ONLY = frozenset("iueo")
# A vowel written long: a (ا), i and e (ي), u and o (و).
_LONG = {"a": "ا", "i": "ي", "e": "ي", "u": "و", "o": "و"}
# A word's last vowel: Japanese adds u and o after a final consonant (サダム, アサド), which
# Arabic does not write; a final a, i or e is the name's own, written: a as alif, the feminine
# ending (أسامة, Osama) or alif maqsura (موسى); i and e as ya or the Persian -eh. (Alif and
# hamza, أسماء Asma, was tried: オサマ was read as it, of as many letters and more common.)
_FINAL = {
    "a": ("ا", "ة", "ى", "ه"),
    "i": ("ي", "ة", "ه"),
    "e": ("ي", "ة", "ه"),
    "u": ("", "و"),
    "o": ("", "و"),
}
# A vowel with no consonant before it: at a word's start, its alif, with or without hamza, or an
# ʿayn (アリー, علي Ali); within a word, an ʿayn, a hamza's seat, or the glide of i and u
# (ハーメネイー, خامنئي).
_INITIAL = ("ا", "أ", "إ", "ع")
_MEDIAL = {"i": ("ي", "ئ", "ع"), "u": ("و", "ؤ", "ع"), "a": ("ع", "ا", "ء")}
# Arabic particles as katakana writes them apart: the article (アル＝アサド, الأسد) is joined
# to the next word; the others are words of their own.
_ARTICLE = ("aru", "eru")
_PARTICLES = {"bin": "بن", "ibun": "ابن", "abu": "ابو", "abuu": "ابو", "umu": "ام"}
_UNIT = re.compile(r"(sh|ch|ts|[bcdfghjkmnprstvwyz])?y?([aeiou]?)")


@cache
def _consonants() -> dict[str, tuple[str, ...]]:
    """``data/kana_arabic.tsv``, checked: romanised consonants -> the Arabic letters they may
    stand for."""
    table: dict[str, tuple[str, ...]] = {}
    for row in read_rows("kana_arabic.tsv"):
        if len(row) != 3 or not row[0].isalpha() or not row[0].isascii():
            raise ValueError(
                f"matching/data/kana_arabic.tsv: expected a romanised consonant, Arabic letters "
                f"and a note in {row!r}"
            )
        arabic = tuple(row[1].split("|"))
        if not all(a and all("\u0621" <= c <= "\u064a" for c in a) for a in arabic):
            raise ValueError(f"matching/data/kana_arabic.tsv: not Arabic letters in {row!r}")
        if row[0] in table:
            raise ValueError(f"matching/data/kana_arabic.tsv: {row[0]} twice")
        table[row[0]] = arabic
    return table


def _syllables(romanised: str) -> list[tuple[str, str, bool]] | None:
    """A romanised katakana word's syllables: (consonant, vowel, long), a doubled consonant (ッ)
    once, a vowel written twice (ー) once and long, a syllabic n with no vowel; None for a
    letter the table does not read."""
    table = _consonants()
    found: list[tuple[str, str, bool]] = []
    at = 0
    while at < len(romanised):
        char = romanised[at]
        if char in _VOWELS and found and found[-1][1] == char:
            consonant, vowel, _ = found[-1]
            found[-1] = (consonant, vowel, True)  # ー: the vowel before, long
            at += 1
            continue
        if char == "n" and romanised[at + 1 : at + 2] not in _NOT_SYLLABIC_N:
            # ン; before m, the m written twice as often (ムハンマド, محمد)
            found.append(("nm" if romanised[at + 1 : at + 2] == "m" else "n", "", False))
            at += 1
            continue
        if char not in _VOWELS and romanised[at + 1 : at + 2] == char:
            at += 1  # ッ: the consonant after it written once
            continue
        unit = _UNIT.match(romanised, at)
        if unit is None or unit.end() == at:
            return None
        consonant, vowel = unit.group(1) or "", unit.group(2)
        if consonant and consonant not in table:
            return None
        found.append((consonant, vowel, False))
        at = unit.end()
    return found


def _options(syllables: list[tuple[str, str, bool]]) -> list[tuple[str, ...]]:
    """Per syllable, the Arabic letters it may be written with."""
    table = _consonants()
    options: list[tuple[str, ...]] = []
    last = len(syllables) - 1
    for i, (consonant, vowel, long) in enumerate(syllables):
        letters: tuple[str, ...]
        if consonant == "nm":
            letters = ("", "ن")
        elif consonant:
            letters = table[consonant]
        elif i == 0:
            letters = _INITIAL
        else:
            letters = _MEDIAL.get(vowel, ("ع", "ء"))
        if not vowel:
            vowels: tuple[str, ...] = ("",)
        elif long:
            vowels = (_LONG[vowel],)
        elif i == last:
            vowels = _FINAL[vowel]
        elif not consonant and i == 0:
            vowels = ("",)  # the alif writes it
        elif consonant and vowel in _SHORT_ONLY:
            vowels = ("",)
        else:
            vowels = ("", _LONG[vowel])
        options.append(tuple(c + v for c in letters for v in vowels))
    return options


@lru_cache(maxsize=4096)
def _arabic_word(romanised: str, article: str = "") -> str | None:
    """A romanised katakana word's Arabic spelling, if Arabic text writes it (after the
    ``article``, if it has one: البغدادي, al-Baghdadi) from ``MIN_ARABIC_ZIPF`` up: each
    syllable read in each way, the longest spelling Arabic text writes taken."""
    syllables = _syllables(romanised)
    if not syllables:
        return None
    options = _options(syllables)
    if math.prod(map(len, options)) > MAX_SPELLINGS:
        return None
    frequencies = get_frequency_dict("ar")
    least = 10 ** (MIN_ARABIC_ZIPF - 9)  # Zipf is log10 of the frequency per billion words
    best, best_rank = None, (0, 0.0)
    for letters in itertools.product(*options):
        arabic = "".join(letters)
        frequency = frequencies.get(article + arabic, 0.0)
        # The longest spelling first: katakana writes every vowel, and a name spelt with its
        # long vowels is longer than the common word of its consonants (نعيم Naim, not نعم
        # "yes"; أسامة Osama, not اسم "name"); then the one Arabic text writes most.
        rank = (len(arabic), frequency)
        if frequency >= least and rank > best_rank:
            best, best_rank = arabic, rank
    return best


def arabic_spelling(name: str) -> str | None:
    """``name``, written wholly in katakana, in Arabic letters, or None unless every word of it
    is an Arabic word (``_arabic_word``) and one has FIRM_CONSONANTS consonants."""
    if not _KATAKANA_NAME.fullmatch(name):
        return None
    words = [w for w in _SEPARATORS.split(name) if w]
    read: list[str] = []
    article = False
    for word in words:
        romanised = hepburn(word)
        if romanised in _ARTICLE:
            article = True
            continue
        # A particle written solid (ビンラディン, アルカイダ), when the rest is a word.
        for joined in (*_ARTICLE, "bin"):
            rest = romanised[len(joined) :]
            if (
                romanised.startswith(joined)
                and not _arabic_word(romanised)
                and _arabic_word(rest, "ال" if joined in _ARTICLE else "")
            ):
                if joined in _ARTICLE:
                    article = True
                else:
                    read.append(_PARTICLES[joined])
                romanised = rest
                break
        spelt = _PARTICLES.get(romanised) or _arabic_word(romanised, "ال" if article else "")
        if spelt is None:
            return None
        read.append(("ال" + spelt) if article else spelt)
        article = False
    if article or not any(len(arabic_consonants(w)) >= FIRM_CONSONANTS for w in read):
        return None
    return " ".join(read)
