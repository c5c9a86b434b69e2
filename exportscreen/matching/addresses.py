"""Comparing addresses: a customer's address against a listed party's.

An address is compared as the set of its words and numbers, ASCII-folded: "Room 1003, 10/F,
Lippo Centre Tower 1, 89 Queensway, Admiralty, Hong Kong" and "Rm 1003 10F Lippo Centre Tower
One 89 Queensway Hong Kong" share nearly all of them. Numbers (house, floor, room, postal code)
are what tell two buildings of one street apart, so each counts in full and a number of the
listed address missing from the query counts against it; the words every address has ("room",
"floor", "road", "street", "building"; ``data/address_words.txt``) weigh little, so that two
addresses sharing only "Room ... Road, Hong Kong" are not the same place. The similarity is the
geometric mean of the share of each side's weight the other matches (words matched exactly or
by a close spelling), in 0..1.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz.distance import JaroWinkler

from exportscreen.matching.normalize import ascii_fold
from exportscreen.matching.tables import read_words

COMMON_WORD_WEIGHT = 0.2
NUMBER_WEIGHT = 1.0
WORD_WEIGHT = 1.0
# A word this close in spelling to one of the other address matches it ("Queensway" /
# "Queens Way" joined, "Centre" / "Center").
MIN_WORD_SIMILARITY = 0.9
MIN_FUZZY_LETTERS = 5

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"[a-z]+|\d+")
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}


@cache
def common_words() -> frozenset[str]:
    return read_words("address_words.txt")


@dataclass(frozen=True, slots=True)
class AddressTokens:
    text: str
    tokens: tuple[str, ...]

    @property
    def weight(self) -> float:
        return sum(_weight(t) for t in self.tokens)


def _weight(token: str) -> float:
    if token.isdigit():
        return NUMBER_WEIGHT
    # Two letters are a country code, a floor ("F") or a unit ("D"): common.
    return COMMON_WORD_WEIGHT if token in common_words() or len(token) <= 2 else WORD_WEIGHT


@lru_cache(maxsize=8192)
def address_tokens(text: str) -> AddressTokens:
    """The words and numbers of an address, folded; a number written as a word is a number,
    and a number glued to a letter ("10/F", "10F") is the number."""
    folded = " ".join(ascii_fold(word) for word in _WORD.findall(text.lower()))
    found: list[str] = []
    for token in _TOKEN.findall(folded):
        token = _NUMBER_WORDS.get(token, token)
        if token.isdigit():
            token = token.lstrip("0") or "0"
        if token not in found:
            found.append(token)
    return AddressTokens(text, tuple(found))


def _matched(token: str, others: tuple[str, ...], joined: str) -> bool:
    if token in others:
        return True
    if token.isdigit() or len(token) < MIN_FUZZY_LETTERS:
        return False
    if token in joined:  # "queensway" in "queens way" written apart
        return True
    return any(
        len(other) >= MIN_FUZZY_LETTERS
        and JaroWinkler.normalized_similarity(token, other) >= MIN_WORD_SIMILARITY
        for other in others
    )


def address_similarity(query: str, listed: str) -> float:
    """How alike two addresses are, 0..1 (see the module doc)."""
    a, b = address_tokens(query), address_tokens(listed)
    if not a.tokens or not b.tokens:
        return 0.0
    joined_a, joined_b = "".join(a.tokens), "".join(b.tokens)
    in_b = sum(_weight(t) for t in a.tokens if _matched(t, b.tokens, joined_b))
    in_a = sum(_weight(t) for t in b.tokens if _matched(t, a.tokens, joined_a))
    # A distinctive word or a number must be shared: common words alone are no place.
    if not any(_weight(t) >= WORD_WEIGHT and _matched(t, b.tokens, joined_b) for t in a.tokens):
        return 0.0
    return math.sqrt(min(1.0, in_b / a.weight) * min(1.0, in_a / b.weight))
