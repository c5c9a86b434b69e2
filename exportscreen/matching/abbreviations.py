"""Business-word abbreviations and inflections (Tech / Technology / Technologies, Intl /
International, Industries / Industry), rewritten on both sides to one canonical word."""

from __future__ import annotations

from functools import cache

from exportscreen.matching.tables import read_pairs, read_words


@cache
def abbreviations() -> dict[str, str]:
    """Folded word -> canonical word."""
    return dict(read_pairs("abbreviations.tsv"))


def expand(word: str) -> str:
    """The canonical form of a folded (ASCII, lower-case) word; the word itself if it has none."""
    return abbreviations().get(word, word)


@cache
def generic_tokens() -> frozenset[str]:
    """Canonical words that are weak evidence wherever they appear (see generic_tokens.txt)."""
    return read_words("generic_tokens.txt")


@cache
def descriptor_words() -> frozenset[str]:
    """Canonical words that say what kind of body a name is or where, not which: weak evidence
    wherever they appear (see descriptor_words.txt)."""
    return read_words("descriptor_words.txt")
