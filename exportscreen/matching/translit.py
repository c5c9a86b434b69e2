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
    and the Arabic-script محمد, romanised "mhmd", too)."""
    if not word.isalpha():
        return word
    for written, spoken in _ARABIC_CONSONANTS:
        word = word.replace(written, spoken)
    return _DOUBLES.sub(r"\1", _VOWELS.sub("", romanisation_skeleton(word)))


@lru_cache(maxsize=65536)
def phonetic_key(word: str) -> str:
    """Metaphone of the word, for candidate generation across spellings that sound alike."""
    if not word.isalpha() or len(word) < 3:
        return ""
    return str(jellyfish.metaphone(word)).lower()
