"""Comparison keys that let the several romanisations of one name meet.

Russian names reach the lists through BGN/PCGN, ISO 9, passport (ICAO), German and French
schemes: Yuliya / Iuliia / Julija, Khoroshev / Horoshev, Dmitriy / Dmitrii / Dmitry, Tsarev /
Zarev / Carev. ``romanisation_skeleton`` rewrites a Latin word so that these variants give one key.
Arabic and Persian names are written with or without short vowels (Muhammad / Mohamed / mhmd):
``consonant_skeleton`` drops vowels so that they meet. Both keys are deliberately lossy: they
propose a match, and the scorer weighs how far the words are apart.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jellyfish

# Ordered rewrites: longer clusters first, so that "shch" is not read as "sh" + "ch".
_CLUSTERS: tuple[tuple[str, str], ...] = (
    ("shtch", "s"),
    ("shch", "s"),
    ("sch", "s"),
    ("tsch", "c"),
    ("tch", "c"),
    ("dzh", "z"),
    ("zh", "z"),
    ("kh", "h"),
    ("ch", "c"),
    ("sh", "s"),
    ("ts", "c"),
    ("tz", "c"),
    ("ph", "f"),
    ("x", "ks"),
    ("w", "v"),
    ("q", "k"),
    ("ck", "k"),
    ("ou", "u"),
    ("j", "i"),
    ("y", "i"),
)
# Adjectival and given-name endings -iy / -ii / -yi / -ij / -y all become "i" once y and j are i;
# the collapse of doubled letters then finishes the job (Dmitrii -> dmitri).
_DOUBLES = re.compile(r"(.)\1+")
_INITIAL_IE = re.compile(r"^ie")  # Yevgeny / Evgeny: the Ye- of BGN is E- elsewhere
# In consonant skeletons, w (written v by then) is a long vowel as often as a consonant
# (Mahmoud / محمود "mhmwd").
_VOWELS = re.compile(r"[aeiouyv]")
# Arabic letters romanised two ways: ظ / ذ are z or dh, ث th or s, غ gh or g, ج j, dj or g (and
# a consonant: the romanisation skeleton's j -> i is for Slavic names).
# "Abdul Karim", "Abdel Karim", "Abd al-Karim" and the Arabic-script عبد كريم: the article that
# Latin spellings glue to Abd- is not written in Arabic script before a name without it.
_ABD_ARTICLE = re.compile(r"^(abd)(?:ul|el|al|ol|oul)$")
_ARABIC_CONSONANTS: tuple[tuple[str, str], ...] = (
    ("dh", "z"),
    ("th", "s"),
    ("gh", "g"),
    ("dj", "g"),
    ("j", "g"),
)


@lru_cache(maxsize=65536)
def romanisation_skeleton(word: str) -> str:
    """A key shared by the usual romanisations of one Cyrillic name (``word`` is ASCII, lower)."""
    if not word.isalpha():
        return word
    key = word
    for cluster, replacement in _CLUSTERS:
        if cluster in key:
            key = key.replace(cluster, replacement)
    key = _INITIAL_IE.sub("e", key)
    return _DOUBLES.sub(r"\1", key)


@lru_cache(maxsize=65536)
def consonant_skeleton(word: str) -> str:
    """The consonants of the romanisation skeleton, doubled letters collapsed (Muhammad -> mhmd,
    and the Arabic-script محمد, romanised "mhmd", too; Abdul -> bd, as عبد)."""
    if not word.isalpha():
        return word
    word = _ABD_ARTICLE.sub(r"\1", word)
    for written, spoken in _ARABIC_CONSONANTS:
        word = word.replace(written, spoken)
    return _DOUBLES.sub(r"\1", _VOWELS.sub("", romanisation_skeleton(word)))


# Arabic and Persian letters by the consonant class ``consonant_skeleton`` gives their usual Latin
# spellings (ث "th" -> s, خ "kh" -> h, ق "q" -> k...). Letters written as vowels in Latin (alif,
# waw, ya, alif maqsura), hamza, ʿayn and tāʾ marbūṭa ("-a" / "-ah") have none. Read letter by
# letter, not from a romanisation, so that ط + ه ("th" in "Taher") is not taken for ث.
_ARABIC_LETTER_CLASS = str.maketrans(
    {
        **dict.fromkeys("اأإآٱءؤئىعةوۇيیۀ", ""),
        "ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "g", "چ": "c", "ح": "h", "خ": "h",
        "د": "d", "ذ": "z", "ر": "r", "ز": "z", "ژ": "z", "س": "s", "ش": "s", "ص": "s",
        "ض": "d", "ط": "t", "ظ": "z", "غ": "g", "ف": "f", "ق": "k", "ك": "k", "ک": "k",
        "گ": "g", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ھ": "h",
    }
)  # fmt: skip
_NOT_LOWER_ASCII = re.compile(r"[^a-z]")


@lru_cache(maxsize=65536)
def arabic_consonants(word: str) -> str:
    """The consonant skeleton of a word in Arabic script, comparable with ``consonant_skeleton``
    of its Latin spellings (محمد -> mhmd, as Muhammad; طاهر -> thr, as Taher)."""
    letters = _NOT_LOWER_ASCII.sub("", word.translate(_ARABIC_LETTER_CLASS))
    return _DOUBLES.sub(r"\1", letters)


@lru_cache(maxsize=65536)
def phonetic_key(word: str) -> str:
    """Metaphone of the word, for candidate generation across spellings that sound alike."""
    if not word.isalpha() or len(word) < 3:
        return ""
    return str(jellyfish.metaphone(word)).lower()


# Arabic letters that write a long vowel (alif, alif maqsura, waw, ya): Arabic script leaves
# short vowels out, but writes these where the word has a long vowel (or w / y, which
# consonant skeletons also drop: Nawaf / نواف). Each with the vowels it writes, as Latin
# spellings write them after the romanisation skeleton (w is v there, y is i, ou is u): alif a
# (or e, Persian and Levantine imala: Mehran, Hesham), waw u or o (or w: Nawaf), ya i or e
# (Hussein, Pervez), alif maqsura a (Mustafa) or i (Egyptian spelling writes على for Ali).
_VOWEL_QUALITIES: dict[str, frozenset[str]] = {
    **dict.fromkeys("اأإآٱ", frozenset("ae")),
    **dict.fromkeys("وۇ", frozenset("uov")),
    **dict.fromkeys("يی", frozenset("ie")),
    "ى": frozenset("aei"),
}
# The article's alif, at a word's start or after عبد ("Abd al-", written apart or solid): a
# vowel Latin spellings write as they please (Abdullah, Abdallah, Abdel), not a long one.
_ARTICLE_ALIF = re.compile(r"(?:^|(?<=[\s\-])|(?<=عبد))[اٱ](?=ل)")


def _gapped(letters: list[tuple[str, bool]]) -> tuple[str, tuple[str, ...]]:
    """Consonants and, for each gap around them (before the first, between two, after the
    last), the vowel letters written there; ``letters`` holds (a consonant class or a vowel
    letter, whether it is a vowel). A consonant written twice with no vowel between is one (as
    ``_DOUBLES``)."""
    consonants: list[str] = []
    gaps = [""]
    for letter, vowel in letters:
        if vowel:
            gaps[-1] += letter
        elif not (consonants and consonants[-1] == letter and not gaps[-1]):
            consonants.append(letter)
            gaps.append("")
    return "".join(consonants), tuple(gaps)


def _arabic_gaps(word: str) -> tuple[str, tuple[str, ...]]:
    letters: list[tuple[str, bool]] = []
    for char in word:
        if char in _VOWEL_QUALITIES:
            letters.append((char, True))
        else:
            latin = _NOT_LOWER_ASCII.sub("", char.translate(_ARABIC_LETTER_CLASS))
            if latin:
                letters.append((latin, False))
    return _gapped(letters)


def _latin_gaps(word: str) -> tuple[str, tuple[str, ...]]:
    word = _ABD_ARTICLE.sub(r"\1", word)
    for written, spoken in _ARABIC_CONSONANTS:
        word = word.replace(written, spoken)
    return _gapped([(c, bool(_VOWELS.match(c))) for c in romanisation_skeleton(word)])


def _vowel_gaps(arabic: str, latin: str) -> list[tuple[str, str]] | None:
    """The vowel letters the Arabic word and the Latin word write in each gap after a consonant
    (pairs, in order), when the two have the same consonants, read alike by the gaps and by
    the skeletons (not falling together across a vowel: تات is "t"); None otherwise.
    ``arabic`` may have its article's alif taken out beforehand: it is no consonant."""
    if not latin.isalpha():
        return None
    arabic_consonants_, arabic_gaps = _arabic_gaps(arabic)
    latin_consonants, latin_gaps = _latin_gaps(latin)
    if not arabic_consonants_ or arabic_consonants_ != latin_consonants:
        return None
    if arabic_consonants_ != arabic_consonants(arabic) or latin_consonants != consonant_skeleton(
        latin
    ):
        return None
    return list(zip(arabic_gaps[1:], latin_gaps[1:], strict=True))


def written_vowels_disagree(arabic: str, latin: str) -> bool:
    """Whether a word in Arabic script writes a long vowel between two consonants, or after
    the last, where a Latin word of the same consonants has none (ايرانيت, Iranit, "rnt"
    with vowels written after r and n, against RENTA: none between n and t): the Latin word is
    then another word, not a reading of it. Short vowels go unwritten, so a Latin vowel where
    the Arabic writes none tells nothing; nor does the gap before the first consonant (an
    alif there is the seat of any initial vowel, or the one Persian writes before two
    consonants: استالین, Stalin). False when the two words' consonants differ, or fall
    together across a vowel (تات, "t": ``arabic_consonants`` reads one t)."""
    gaps = _vowel_gaps(arabic, latin)
    return gaps is not None and any(written and not spelt for written, spelt in gaps)


def written_vowels_differ(arabic: str, latin: str) -> bool:
    """Whether a word in Arabic script writes a long vowel between two consonants, or after the
    last, that the Latin word of the same consonants does not spell there: none at all
    (``written_vowels_disagree``), or another (دورسي, "Dorsey" with o, is not DARWISH with a;
    لوي, two vowels, is not WALI). Arabic writes its long vowels, and a Latin spelling writes
    each with the letters of its sound (``_VOWEL_QUALITIES``); the article's alif is no long
    vowel. A Latin vowel where the Arabic writes none tells nothing (short vowels go
    unwritten), nor does the gap before the first consonant. False when the two words'
    consonants differ, or fall together across a vowel."""
    gaps = _vowel_gaps(_ARTICLE_ALIF.sub("", arabic), latin)
    return gaps is not None and any(
        not _VOWEL_QUALITIES[letter].intersection(spelt)
        for written, spelt in gaps
        for letter in written
    )
