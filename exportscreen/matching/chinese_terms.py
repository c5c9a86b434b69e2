"""The curated Chinese business words (``data/chinese_terms.tsv``): characters and the ways the
lists write them in English, read once for the Chinese reader (``chinese``) and the dictionary's
vocabulary (``cedict``)."""

from __future__ import annotations

from functools import cache

from exportscreen.matching.tables import read_pairs

# Renderings separated by "|" are the other ways the lists write a word (学院
# "institute|college|academy"), each read in another reading of the query; "~" is the word's
# own pinyin (西北 is "Xibei" in a name, "Northwestern" in a university's).
ALTERNATIVE = "|"
OWN_PINYIN = "~"


def renderings(english: str) -> tuple[str, ...]:
    """A term's renderings in chinese_terms.tsv (checked: none empty)."""
    found = tuple(part.strip() for part in english.split(ALTERNATIVE))
    if not all(found):
        raise ValueError(f"matching/data/chinese_terms.tsv: an empty rendering in {english!r}")
    return found


@cache
def term_renderings() -> dict[str, tuple[str, ...]]:
    """Characters -> their renderings, the first as the lists usually write them."""
    return {chars: renderings(english) for chars, english in read_pairs("chinese_terms.tsv")}


__all__ = ["ALTERNATIVE", "OWN_PINYIN", "renderings", "term_renderings"]
