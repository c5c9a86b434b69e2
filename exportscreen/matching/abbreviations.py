"""Business-word abbreviations and inflections (Tech / Technology / Technologies, Intl /
International, Industries / Industry), rewritten on both sides to one canonical word."""

from __future__ import annotations

from functools import cache, lru_cache

from exportscreen.matching.tables import read_pairs, read_words


@cache
def abbreviations() -> dict[str, str]:
    """Folded word -> canonical word."""
    return dict(read_pairs("abbreviations.tsv"))


def expand(word: str) -> str:
    """The canonical form of a folded (ASCII, lower-case) word; the word itself if it has none."""
    return abbreviations().get(word, word)


# A business word written onto another ("NETPOSATECHNOLOGIES", "ConduitTechnologies"): the
# variant at its end is rewritten when it has this many letters, and the word before it as many.
MIN_SUFFIX_LETTERS = 4
MIN_HEAD_LETTERS = 3


@cache
def _suffix_variants() -> tuple[dict[str, str], int]:
    variants = {
        variant: canonical
        for variant, canonical in abbreviations().items()
        if variant.isalpha() and len(variant) >= MIN_SUFFIX_LETTERS
    }
    return variants, max(map(len, variants), default=0)


@lru_cache(maxsize=65536)
def canonical_suffix(word: str) -> str:
    """``word`` with a business word's variant at its end rewritten to the canonical word, as
    that word alone would be ("netposatechnologies" -> "netposatechnology", which is NETPOSA
    TECHNOLOGIES' words joined); the word itself when it ends with none. The longest variant
    wins ("electronics" before "tronics")."""
    variants, longest = _suffix_variants()
    for length in range(min(longest, len(word) - MIN_HEAD_LETTERS), MIN_SUFFIX_LETTERS - 1, -1):
        canonical = variants.get(word[-length:])
        if canonical is not None:
            return word[:-length] + canonical
    return word


@cache
def joining_words() -> frozenset[str]:
    """Words that only join a name's words (see joining_words.txt)."""
    return read_words("joining_words.txt")


@cache
def generic_tokens() -> frozenset[str]:
    """Canonical words that are weak evidence wherever they appear (see generic_tokens.txt)."""
    return read_words("generic_tokens.txt")


@cache
def descriptor_words() -> frozenset[str]:
    """Canonical words that say what kind of body a name is or where, not which: weak evidence
    wherever they appear (see descriptor_words.txt)."""
    return read_words("descriptor_words.txt")
