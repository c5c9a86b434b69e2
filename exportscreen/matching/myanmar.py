"""Burmese names read a syllable at a time as the lists spell them (data/myanmar_romanisation.tsv).

Burmese writes a name without spaces (မင်းအောင်လှိုင်) and the lists write each syllable as a name
("HLAING, Min Aung"); anyascii reads the letters one by one ("mneanlhiun"). Each syllable is an
onset consonant (or an independent vowel), its medials (ျ ြ y, ွ w, ှ before the onset as h) and a
rhyme: the vowel signs and the final consonant with its asat (်).
"""

from __future__ import annotations

from functools import cache, lru_cache

from exportscreen.matching.normalize import ascii_fold
from exportscreen.matching.tables import read_rows

_ASAT = "\u103a"
_STACK = "\u1039"  # the virama that stacks the next consonant under a final one
_HIGH_TONE = "\u1038"
_CREAKY_TONE = "\u1037"
_H_MEDIAL = "\u103e"


@cache
def _table() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {"onset": {}, "vowel": {}, "medial": {}, "rhyme": {}}
    for row in read_rows("myanmar_romanisation.tsv"):
        if len(row) != 3 or row[0] not in table:
            raise ValueError(f"myanmar_romanisation.tsv: expected part, letters, spelling: {row!r}")
        part, letters, spelling = row
        table[part]["" if letters == "-" else letters] = "" if spelling == "-" else spelling
    return table


def syllables(word: str) -> list[str]:
    """The syllables of a Burmese word: each starts at an onset that is not a final consonant
    (one followed by an asat or by the stacking virama)."""
    onsets = _table()["onset"].keys() | _table()["vowel"].keys()
    word = word.replace(_STACK, _ASAT)
    found: list[str] = []
    for i, char in enumerate(word):
        is_final = i + 1 < len(word) and word[i + 1] in (_ASAT, _CREAKY_TONE)
        if (char in onsets and not is_final) or not found:
            found.append(char)
        else:
            found[-1] += char
    return found


@lru_cache(maxsize=65536)
def romanise_syllable(syllable: str) -> str:
    """One syllable in Latin letters (မင်း min, အောင် aung, လှိုင် hlaing, မြင့် myint)."""
    table = _table()
    onset, rest = syllable[0], syllable[1:].replace(_HIGH_TONE, "")
    if onset in table["vowel"] and not rest.replace(_CREAKY_TONE, ""):
        return table["vowel"][onset]  # ဦး oo
    if onset not in table["onset"]:
        return ascii_fold(syllable)
    spelt_onset = table["onset"][onset]
    h = "h" if _H_MEDIAL in rest else ""
    if h and spelt_onset == "y":
        h, spelt_onset = "", "sh"  # ရှ, ယှ
    rest = rest.replace(_H_MEDIAL, "")
    medials = ""
    while rest and rest[0] in table["medial"]:
        medials += rest[0]
        rest = rest[1:]
    rhyme = table["rhyme"].get(rest)
    if rhyme is None:
        rhyme = table["rhyme"].get(rest.replace(_CREAKY_TONE, ""))
    if rhyme is not None and medials.endswith("\u103d") and "\u103d" + rest in table["rhyme"]:
        medials, rhyme = medials[:-1], table["rhyme"]["\u103d" + rest]  # ထွန်း tun
    if rhyme is None:
        return ascii_fold(syllable)
    spelt_medials = "".join(table["medial"][m] for m in medials)
    return h + spelt_onset + spelt_medials + rhyme
