"""Token weights: how much a word tells of a name, from its IDF over the lists, capped for generic
words, legal forms and initials; and how much a listed person's name part counts."""

from __future__ import annotations

import gzip
import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache

import msgpack
import numpy as np
import numpy.typing as npt
from wordfreq import (
    DATA_PATH,
    available_languages,
    freq_to_zipf,
    get_frequency_dict,
    zipf_frequency,
)

from exportscreen.matching.abbreviations import descriptor_words, generic_tokens, joining_words
from exportscreen.matching.analyze import NameRole, TokenKind
from exportscreen.matching.postings import FloatArray

# --- token weights ---------------------------------------------------------------
# A word in at most this many entries is fully distinctive (weight 1); commoner words weigh
# less in proportion to their IDF, down to MIN_WEIGHT.
RARE_ENTRY_COUNT = 5
MIN_WEIGHT = 0.1
GENERIC_WEIGHT = 0.15  # stop-listed words, whatever their IDF
# Joining words (joining_words.txt: of, and): a name read from Chinese or written in another order
# keeps or drops them, so they must not weigh like its words ("University of Science and
# Technology of China" is 中国科学技术大学, china science technology university).
JOINING_WEIGHT = 0.02
# Descriptor words (descriptor_words.txt: ORGANIZATION, GOVERNMENT, AIRLINES, LEBANESE): what kind
# of body or where, not which. As weak as generic words, so that "HEZBOLLAH ORGANIZATION" is
# HEZBOLLAH and "AEROCARIBBEAN" is AEROCARIBBEAN AIRLINES; below score.DISTINCTIVE_WEIGHT, so that
# a descriptor alone never makes a hit.
DESCRIPTOR_WEIGHT = 0.15
LEGAL_WEIGHT = 0.1  # legal forms: weak evidence
INITIAL_WEIGHT = 0.2  # one-letter tokens
# INITIAL_WEIGHT times each count of initial pairs a listed name can have with a query (one a
# letter on each side: at most 2 x 26), for ``MatchIndex.candidates``: the very products.
INITIAL_BONUS: FloatArray = INITIAL_WEIGHT * np.arange(2 * 26 + 1, dtype=np.float64)
NUMBER_MIN_WEIGHT = 0.5  # numbers tell sibling entities apart ("No. 13" vs "No. 14")
UNKNOWN_WEIGHT = 1.0  # a query word the lists never use is as distinctive as it gets
# How much a listed name's token counts, by its place in a person's name.
ROLE_FACTOR = {
    NameRole.OTHER: 1.0,
    NameRole.FAMILY: 1.3,
    NameRole.GIVEN: 1.0,
    NameRole.MIDDLE: 0.5,
    NameRole.FAMILY_PART: 0.9,
}


def weight_of_unseen(key: str, kind: TokenKind) -> float:
    if kind is TokenKind.LEGAL:
        return LEGAL_WEIGHT
    if kind is TokenKind.NUMBER:
        return UNKNOWN_WEIGHT
    if key in joining_words():
        return JOINING_WEIGHT
    if key in generic_tokens():
        return GENERIC_WEIGHT
    if key in descriptor_words():
        return DESCRIPTOR_WEIGHT
    if len(key) == 1:
        return INITIAL_WEIGHT
    return UNKNOWN_WEIGHT


def word_weights(
    words: Sequence[str], kinds: bytes, entry_counts: Sequence[int], entry_total: int
) -> FloatArray:
    """IDF weights in MIN_WEIGHT..1, capped for generic and descriptor words, legal forms and
    initials."""
    rare_idf = math.log((entry_total + 1) / (RARE_ENTRY_COUNT + 0.5))
    generic = generic_tokens()
    joining = joining_words()
    descriptors = descriptor_words()
    weights = np.empty(len(words), dtype=np.float64)
    for word_id, word in enumerate(words):
        idf = math.log((entry_total + 1) / (entry_counts[word_id] + 0.5))
        weight = min(1.0, max(MIN_WEIGHT, idf / rare_idf)) if rare_idf > 0 else 1.0
        kind = TokenKind(kinds[word_id])
        if kind is TokenKind.LEGAL:
            weight = LEGAL_WEIGHT
        elif kind is TokenKind.NUMBER:
            weight = max(weight, NUMBER_MIN_WEIGHT)
        elif word in joining:
            weight = min(weight, JOINING_WEIGHT)
        elif word in generic:
            weight = min(weight, GENERIC_WEIGHT)
        elif word in descriptors:
            weight = min(weight, DESCRIPTOR_WEIGHT)
        elif len(word) == 1:
            weight = min(weight, INITIAL_WEIGHT)
        weights[word_id] = weight
    return weights


# A word more frequent in the population's text than COMMON_ZIPF (Zipf scale: 3 is once per
# million words) is common in the population: "David", "King", "Prime", "Mobile", "Santos",
# "Giuseppe". The lists' IDF cannot say so (few listed parties are called Prime), the population's
# frequency can. The population writes more than English: a customer file is full of Portuguese,
# Spanish, German, Italian... names, so a word's frequency is its highest in English (wordfreq's
# full list) and in POPULATION_LANGUAGES (their small lists, words from about Zipf 3 up: enough
# for "common", and 35 MB where the full lists would take about 280).
COMMON_ZIPF = 3.0
COMMONEST_ZIPF = 5.0
MIN_RARITY = 0.25
POPULATION_LANGUAGES = ("es", "pt", "fr", "de", "it", "nl", "pl", "tr")
# Their words shorter than this are mostly little function words ("cas", "les", "con"), which
# in a name are an acronym more often than the word: CAS is the Chinese Academy of Sciences.
MIN_POPULATION_LETTERS = 4


@lru_cache(maxsize=65536)
def population_zipf(key: str) -> float:
    """A word's frequency in the population's text (Zipf scale), the highest of English and
    POPULATION_LANGUAGES (English alone for a word shorter than MIN_POPULATION_LETTERS); 0 for
    a word none of them uses."""
    if not key.isalpha() or not key.isascii():
        return 0.0
    # A key is lowercase: looked up directly (``_zipf``), not through wordfreq's tokenizer.
    lookup = _zipf if key.islower() else zipf_frequency
    found = lookup(key, "en", "best")
    if len(key) < MIN_POPULATION_LETTERS:
        return found
    for language in POPULATION_LANGUAGES:
        found = max(found, lookup(key, language, "small"))
    return found


def _zipf(word: str, language: str, wordlist: str) -> float:
    """``wordfreq.zipf_frequency`` of a lowercase ASCII word, without its tokenizer (most of its
    cost: a name's words first met in a query are looked up while the query waits). Such a word
    is its own only token in every language of the population lists, so the value is the
    word's list frequency rounded as wordfreq rounds it (``_word_frequency``); 0 for a word the
    list lacks (zipf_frequency's default minimum). tests/matching/test_weights.py checks it
    equals zipf_frequency on every such word of the lists' vocabulary."""
    frequency = get_frequency_dict(language, wordlist).get(word)
    if frequency is None:
        return 0.0
    frequency = round(frequency, math.floor(-math.log(frequency, 10)) + 3)
    return round(freq_to_zipf(frequency), 2)


@lru_cache(maxsize=65536)
def population_rarity(key: str) -> float:
    """How much a matched word tells of the party outside the lists, 1 for a word rare in
    the population's text ("Hikvision", "Khoroshev") down to MIN_RARITY for the commonest
    ("David", "Police", "Santos"), from its word frequency (``population_zipf``)."""
    zipf = population_zipf(key)
    if zipf <= COMMON_ZIPF:
        return 1.0
    share = (zipf - COMMON_ZIPF) / (COMMONEST_ZIPF - COMMON_ZIPF)
    return max(MIN_RARITY, 1.0 - share * (1.0 - MIN_RARITY))


# A word at least this frequent in the population's text is in use (a name or a word people
# write): a typing error seldom makes one.
IN_USE_ZIPF = 2.0


# The languages wordfreq knows that are written in Latin letters: a word typed with letters
# beyond ASCII is looked up as typed in their small lists (words from Zipf 3 up).
LATIN_LANGUAGES = (
    "ca", "cs", "da", "de", "en", "es", "fi", "fil", "fr", "hu", "id", "is", "it", "lt", "lv",
    "ms", "nb", "nl", "pl", "pt", "ro", "sh", "sk", "sl", "sv", "tr", "vi",
)  # fmt: skip


def in_use(key: str, surface: str = "", *, rarer: bool = True) -> bool:
    """Whether a word is one people use ("bachmann", "marion", "farias"), not a typing error of
    another ("hikvisoin"), by its frequency in the population's text: from IN_USE_ZIPF up in
    English or one of POPULATION_LANGUAGES (``population_zipf``, and for those languages the
    words under Zipf 3 their small lists leave out: ``written_in_the_population``); or, typed
    with letters beyond ASCII (``surface`` "pavlík", "tichý"), a word of a language written in
    Latin letters as it is spelt there (``spelt_in_a_language``): its letters say it was
    written in its own language, and a typist's slip of a listed name (the lists write them in
    ASCII) seldom adds a diacritic. ``rarer``: whether the large lists' words under Zipf 3
    count (a caller leaves them out where a typing slip could have made one)."""
    if population_zipf(key) >= IN_USE_ZIPF or (rarer and written_in_the_population(key)):
        return True
    return bool(surface) and not surface.isascii() and spelt_in_a_language(surface)


def written_in_the_population(key: str) -> bool:
    """Whether a lowercase ASCII word of MIN_POPULATION_LETTERS or more is written from
    IN_USE_ZIPF up in the large list of one of POPULATION_LANGUAGES (those that have one):
    family names too rare in text for the small lists ("mitter", German, Zipf 2.3; "allain",
    French, 2.8) are still names people bear."""
    return len(key) >= MIN_POPULATION_LETTERS and _hashed(key) in _population_words()


def spelt_in_a_language(word: str) -> bool:
    """Whether a lowercase word with letters beyond ASCII is a word of one of LATIN_LANGUAGES
    (in its small list: from Zipf 3 up) as spelt: "pavlík" and "tichý" are Czech, "đặng"
    Vietnamese; its ASCII folding "pavlik" is not the test."""
    return _hashed(word) in _spelt_words()


def _hashed(word: str) -> int:
    """A word's stable 64-bit hash (BLAKE2b's 8 bytes, signed): the same in every process, so
    that a word set's hashes can be kept in a file and read back (``screening.table_cache``),
    where Python's ``hash`` of a str differs from process to process."""
    digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _listed_words(language: str, wordlist: str, min_zipf: float) -> Iterator[str]:
    """A wordfreq list's words from ``min_zipf`` up, read from its file (wordfreq's
    ``read_cBpack`` format: a header, then bucket i holds the words of frequency 10^(-i/100),
    Zipf 9 - i/100) bucket by bucket, so that the rarer words, most of a large list, are never
    decoded; and not through wordfreq's cache, which would keep every list whole."""
    with gzip.open(DATA_PATH / f"{wordlist}_{language}.msgpack.gz", "rb") as handle:
        unpacker = msgpack.Unpacker(handle, raw=False)
        buckets = unpacker.read_array_header() - 1
        unpacker.skip()  # the header
        for i in range(buckets):
            if 9 - i / 100 < min_zipf:
                return
            yield from unpacker.unpack()


# Sets of words kept as sorted arrays of 64-bit hashes: half a million words take 4 MB where a
# set of the strings would take some 60; two words meeting by hash is a chance of 1 in 10^13.


# The word sets by name: what ``word_set_hashes`` builds and ``adopt_word_sets`` takes.
WORD_SETS = ("population", "spelt")
# Word sets read from a store of them (``adopt_word_sets``), used instead of building them.
_adopted: dict[str, npt.NDArray[np.int64]] = {}


def word_set_hashes(name: str) -> npt.NDArray[np.int64]:
    """One of WORD_SETS built from wordfreq's lists: its words' sorted distinct hashes
    (``_hashed``)."""
    lists = {"population": _population_word_list, "spelt": _spelt_word_list}
    words = lists[name]()
    return np.unique(np.fromiter((_hashed(word) for word in words), dtype=np.int64))


def adopt_word_sets(hashes: Mapping[str, npt.NDArray[np.int64]]) -> None:
    """Use these hashes (each of WORD_SETS, as ``word_set_hashes`` built them, kept and read back
    by the caller) instead of building the sets from wordfreq's lists: a second of CPU saved."""
    _adopted.update((name, hashes[name]) for name in WORD_SETS)
    _spelt_words.cache_clear()
    _population_words.cache_clear()
    _spelt_words()
    _population_words()


def word_sets_loaded() -> bool:
    return _spelt_words.cache_info().currsize > 0 and _population_words.cache_info().currsize > 0


@lru_cache(maxsize=1)
def _spelt_words() -> _HashSet:
    """The words with letters beyond ASCII of LATIN_LANGUAGES' small lists (some 310,000)."""
    adopted = _adopted.get("spelt")
    return _HashSet(adopted if adopted is not None else word_set_hashes("spelt"))


@lru_cache(maxsize=1)
def _population_words() -> _HashSet:
    """The ASCII words of MIN_POPULATION_LETTERS or more from IN_USE_ZIPF up in the large
    lists of POPULATION_LANGUAGES (some 510,000)."""
    adopted = _adopted.get("population")
    return _HashSet(adopted if adopted is not None else word_set_hashes("population"))


def _spelt_word_list() -> Iterator[str]:
    return (
        word
        for language in LATIN_LANGUAGES
        for word in _listed_words(language, "small", 0.0)
        if not word.isascii() and word.isalpha()
    )


def _population_word_list() -> Iterator[str]:
    large = available_languages("large")
    return (
        word
        for language in POPULATION_LANGUAGES
        if language in large
        for word in _listed_words(language, "large", IN_USE_ZIPF)
        if len(word) >= MIN_POPULATION_LETTERS and word.isascii() and word.isalpha()
    )


class _HashSet:
    """A sorted array of hashes, searched by bisection."""

    def __init__(self, hashes: npt.NDArray[np.int64]) -> None:
        self.hashes = hashes

    def __contains__(self, value: int) -> bool:
        at = int(np.searchsorted(self.hashes, value))
        return at < len(self.hashes) and int(self.hashes[at]) == value
