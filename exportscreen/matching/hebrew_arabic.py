"""Arabic names written in Hebrew letters, read back into Arabic script.

Hebrew writes an Arabic name letter for letter (``data/hebrew_arabic.tsv``): נעים קאסם is
نعيم قاسم, Naim Qassem; פארוק א-שרע is فاروق الشرع, Farouk al-Sharaa. Read as Latin letters
("nym ksm", with the vowels Hebrew leaves out missing) such a name meets nothing, and its words
are too short to read by sound; read back into Arabic script, it is screened as a name written
in Arabic, by the consonants its Latin spellings share (``translit.arabic_consonants``). The
reading is one of the query's others (``readings``), screened beside the ordinary analysis, so a
Hebrew name that is no Arabic name loses nothing by it.
"""

from __future__ import annotations

import itertools
import math
import re
from functools import cache, lru_cache

from wordfreq import zipf_frequency

from exportscreen.matching.tables import read_rows
from exportscreen.matching.translit import arabic_consonants

_HEBREW_LETTERS = (0x5D0, 0x5EA)
# A geresh after a letter: the Hebrew sign, or an apostrophe typed for it.
_GERESH = "׳"
_TYPED_GERESH = re.compile("(?<=[\u05d0-\u05ea])['’`]")
# Points (niqqud) and cantillation marks: Arabic names are written without them, and a pointed
# name reads the same letters.
_POINTS = re.compile("[\u0591-\u05bd\u05bf-\u05c7]")
# The Arabic article written apart, as Hebrew writes it: אל-אסד (al-Asad), and before a sun
# letter with its lam assimilated, א-שרע (ash-Sharaa); a hyphen or the Hebrew maqaf.
_ARTICLE = re.compile("(?<![\u05d0-\u05ea])(?:אל|א)[-\u05be]\\s*(?=[\u05d0-\u05ea])")
# A word of Hebrew letters, each with its geresh if it has one.
_WORD = re.compile("[\u05d0-\u05ea][\u05d0-\u05ea׳]*")
# A Hebrew abbreviation, gershayim (or a quotation mark typed for it) before its last letter
# (בע״מ, צה"ל): a Hebrew word, not a name, left as it is.
_ABBREVIATION = re.compile('[\u05d0-\u05ea]+[״"][\u05d0-\u05ea]')
# A word read back into Arabic is taken for an Arabic name when Arabic text writes it from this
# frequency up (wordfreq's Zipf scale: once per 10 million words): قاسم 4.4, فاروق 4.2, حسن 5.4.
# A Western or Hebrew name in Hebrew letters read so is seldom an Arabic word (دورسي for
# Dorsey, ططيانة for Tatiana), and a name with such a word is not read as Arabic.
MIN_ARABIC_ZIPF = 3.0
# A word Hebrew text writes much more than Arabic text writes its reading is a Hebrew word or
# name (לוי Levi 5.2 in Hebrew, لوي 3.8 in Arabic; אלה "these" 5.8, إله 4.7): left as it is.
MAX_HEBREW_LEAD = 1.0
# A name is read in Arabic only when one of its words is an Arabic word rather than a Hebrew
# one, by this much (קאסם 3.9 in Hebrew, قاسم 4.4 in Arabic; פארוק 3.2, فاروق 4.2), and has
# FIRM_CONSONANTS consonants or more: Arab names in Hebrew letters have such a word, and
# Israeli names in Hebrew (מעיין לוי, אלי כהן) seldom do.
MIN_ARABIC_LEAD = 0.4
FIRM_CONSONANTS = 3
# Hebrew spells a name in full, writing a short vowel with ו or י where Arabic writes none
# (מוחמד, محمد Muhammad): a word that is no Arabic word is tried without one of them.
MAX_MATRES = 1
_MATRES = "وي"
# A word whose letters may be read in more ways than this is left as it is (a long word of
# ambiguous letters is seldom an Arabic name, and each way costs a lookup).
MAX_SPELLINGS = 256


def is_hebrew_word(word: str) -> bool:
    """Whether a word is written in Hebrew letters (and gereshes) only."""
    if word.isascii():
        return False  # most words: no need to look at each character
    low, high = _HEBREW_LETTERS
    return any(low <= ord(c) <= high for c in word) and all(
        low <= ord(c) <= high or c in "'׳" for c in word
    )


@cache
def _letters() -> tuple[dict[str, tuple[str, ...]], int]:
    """Hebrew letters (with geresh) -> the Arabic letters they may stand for, the usual first,
    and the longest Hebrew form, checked: each Hebrew letter has a row, each Arabic side is
    Arabic letters."""
    table: dict[str, tuple[str, ...]] = {}
    for row in read_rows("hebrew_arabic.tsv"):
        if len(row) != 3 or not row[0] or not row[2]:
            raise ValueError(
                f"matching/data/hebrew_arabic.tsv: expected Hebrew, Arabic and a note in {row!r}"
            )
        hebrew, arabic = row[0], tuple(row[1].split("|"))
        if not _WORD.fullmatch(hebrew) or not all(
            len(a) == 1 and "\u0621" <= a <= "\u064a" for a in arabic
        ):
            raise ValueError(f"matching/data/hebrew_arabic.tsv: not Hebrew to Arabic: {row!r}")
        if hebrew in table:
            raise ValueError(f"matching/data/hebrew_arabic.tsv: {hebrew} twice")
        table[hebrew] = arabic
    low, high = _HEBREW_LETTERS
    missing = [chr(c) for c in range(low, high + 1) if chr(c) not in table]
    if missing:
        raise ValueError(f"matching/data/hebrew_arabic.tsv: no row for {' '.join(missing)}")
    return table, max(map(len, table))


def _letter_options(word: str) -> list[tuple[str, ...]]:
    """Per Hebrew letter (with its geresh) of ``word``, the Arabic letters it may stand for."""
    table, longest = _letters()
    options: list[tuple[str, ...]] = []
    at = 0
    while at < len(word):
        for size in range(min(longest, len(word) - at), 0, -1):
            found = table.get(word[at : at + size])
            if found is not None:
                options.append(found)
                at += size
                break
        else:
            at += 1  # a geresh alone, after no letter that takes one
    return options


@lru_cache(maxsize=4096)
def _arabic_word(word: str) -> str | None:
    """A Hebrew word's Arabic spelling, if Arabic text writes it from ``MIN_ARABIC_ZIPF`` up:
    each letter read as each Arabic letter it may stand for, the spelling Arabic text writes
    most taken; failing any, the same without one of the ו and י that may write a short vowel
    Arabic leaves out (``MAX_MATRES``): נעים is نعيم Naim, not نعم "yes"."""
    options = _letter_options(word)
    if not options or math.prod(map(len, options)) > MAX_SPELLINGS:
        return None
    matres = [i for i in range(1, len(options) - 1) if options[i][0] in _MATRES]
    for dropped in range(min(len(matres), MAX_MATRES) + 1):
        best, best_zipf = None, MIN_ARABIC_ZIPF
        for left_out in itertools.combinations(matres, dropped):
            kept = [o for i, o in enumerate(options) if i not in left_out]
            for letters in itertools.product(*kept):
                arabic = "".join(letters)
                frequency = zipf_frequency(arabic, "ar")
                if frequency > best_zipf or (best is None and frequency == best_zipf):
                    best, best_zipf = arabic, frequency
        if best is not None:
            return best
    return None


def _arabic_reading(word: str) -> tuple[str, bool] | None:
    """A Hebrew word in the Arabic letters Arabic text spells it with (``_arabic_word``), and
    whether it is an Arabic word rather than a Hebrew one, firm in consonants
    (``MIN_ARABIC_LEAD``); None when Arabic text does not write it, or it is a Hebrew word
    (``MAX_HEBREW_LEAD``)."""
    arabic = _arabic_word(word)
    if arabic is None:
        return None
    lead = zipf_frequency(arabic, "ar") - zipf_frequency(word, "he")
    if lead < -MAX_HEBREW_LEAD:
        return None
    return arabic, lead >= MIN_ARABIC_LEAD and len(arabic_consonants(arabic)) >= FIRM_CONSONANTS


def arabic_spelling(name: str) -> str | None:
    """``name`` with its Hebrew words in Arabic letters (``_arabic_reading``; other text as it
    is), or None unless every Hebrew word of it is an Arabic word and one is an Arabic word
    rather than a Hebrew one: a Hebrew word in an Arab name's reading, written letter for letter
    or left as it is, pairs listed words by chance (מוחמד כהן is no Arab name; כהן, كهن, meets
    KHAN by its consonants)."""
    text = _TYPED_GERESH.sub(_GERESH, _POINTS.sub("", name))
    text = _ARTICLE.sub("ال", text)
    parts = text.split(" ")
    readings: dict[str, str] = {}
    arab = False
    for part in parts:
        if _ABBREVIATION.search(part):
            continue
        for word in _WORD.findall(part):
            read = _arabic_reading(word)
            if read is None:
                return None
            readings[word], arabic_word = read
            arab = arab or arabic_word
    if not arab:
        return None
    return " ".join(
        part if _ABBREVIATION.search(part) else _WORD.sub(lambda m: readings[m.group()], part)
        for part in parts
    )
