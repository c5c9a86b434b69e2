"""Token equivalences learned from the lists' own aliases, kept as evidence about the parties
that taught them.

The Entity List names one party "Inspur (Beijing) Electronic Information Industry Co., Ltd." and
also "Langchao (Beijing) Electronic Information Industry Co., Ltd.": two names of one entry that
differ by exactly one word each say that the two words name the same thing for that party (浪潮
is "Langchao" in pinyin and "Inspur" in the company's English).

An equivalence is evidence about the listed party, not a synonym of the language: "DAVID LEE"
and "SAM LEE" as aliases of one company do not make every David a Sam. So a pair applies only to
the entries that taught it (``Learned.local``), and serves every query (``Learned.shared``) only
when several independent entries (different names around the swapped word) teach it and the two
words are related as a transliteration or translation: one of them reads as pinyin and the other
does not (Beifang / Northern, Qixing / Sevenstar, Tuojing / Piotech). A given name of a listed
person never becomes a shared equivalence, whatever the support.

Guards against noise: only entries that are not individuals (a person's aliases often swap whole
given names); neither word generic, numeric, a legal form or shorter than three letters; the two
words not already close in spelling (the fuzzy matcher covers those) nor one inside the other (a
truncation); and no "enumeration" (an entry listing many sub-units as "X Research Institute" with
X a city teaches nothing).
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from pypinyin.pinyin_dict import pinyin_dict

from exportscreen.matching.abbreviations import descriptor_words, generic_tokens
from exportscreen.matching.analyze import AnalyzedName, TokenKind
from exportscreen.matching.similarity import spelling
from exportscreen.matching.translit import romanisation_skeleton

MIN_WORD_LETTERS = 3
# Words whose skeletons are this similar are spelling variants, left to the fuzzy matcher.
SPELLING_VARIANT_SIMILARITY = 0.8
# More distinct one-word swaps than this around the same other words is a list of sub-units.
MAX_SWAPS_PER_CONTEXT = 4
# Entries, with different names around the swapped words, that must teach a pair before it
# serves every query.
MIN_INDEPENDENT_ENTRIES = 2
_LONGEST_SYLLABLE = 6  # "zhuang", "shuang"


@dataclass(frozen=True, slots=True)
class Equivalence:
    word: str
    other: str
    entry_id: str
    names: tuple[str, str]  # the two names that taught it
    context: tuple[str, ...] = ()  # the words the two names share

    def note(self) -> str:
        return f"learned from {self.entry_id}: '{self.names[0]}' / '{self.names[1]}'"


@dataclass(slots=True)
class Learned:
    """What the lists' aliases teach: ``shared`` pairs serve every query (word -> equivalent ->
    note naming the entries that taught it); ``local`` pairs apply to the entries that taught
    them only (word -> equivalent -> {entry id: note}). Both ways round."""

    shared: dict[str, dict[str, str]] = field(default_factory=dict)
    local: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)


@cache
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows ("lang", "chao", "zhuang"...)."""
    syllables: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = unicodedata.normalize("NFKD", reading)
            letters = "".join(c for c in plain if "a" <= c <= "z")
            if letters:
                syllables.add(letters.replace("v", "u"))
    return frozenset(syllables)


def reads_as_pinyin(word: str) -> bool:
    """Whether a word is a run of pinyin syllables ("langchao", "kaishitong"): the romanisation
    of a Chinese name rather than an English or European word."""
    syllables = pinyin_syllables()
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        reachable[end] = any(
            reachable[start] and word[start:end] in syllables
            for start in range(max(0, end - _LONGEST_SYLLABLE), end)
        )
    return reachable[-1]


def _content(name: AnalyzedName) -> Counter[str]:
    return Counter(t.key for t in name.tokens if t.kind is TokenKind.WORD)


def _usable(word: str) -> bool:
    return (
        word.isalpha()
        and len(word) >= MIN_WORD_LETTERS
        and word not in generic_tokens()
        and word not in descriptor_words()
    )


def _entry_pairs(entry_id: str, names: Sequence[tuple[str, AnalyzedName]]) -> list[Equivalence]:
    swaps: dict[tuple[str, ...], list[Equivalence]] = defaultdict(list)
    words_by_context: dict[tuple[str, ...], set[str]] = defaultdict(set)
    contents = [(text, _content(analyzed)) for text, analyzed in names]
    for i, (text_a, a) in enumerate(contents):
        for text_b, b in contents[i + 1 :]:
            if a.total() != b.total():  # one word swapped keeps the count
                continue
            only_a, only_b = a - b, b - a
            if only_a.total() != 1 or only_b.total() != 1:
                continue
            (word_a,), (word_b,) = only_a, only_b
            context = tuple(sorted((a & b).elements()))
            words_by_context[context].update((word_a, word_b))
            if not (_usable(word_a) and _usable(word_b)):
                continue
            if word_a in word_b or word_b in word_a:  # a truncation ("Sam" / "Samson")
                continue
            similarity = max(
                spelling(word_a, word_b),
                spelling(romanisation_skeleton(word_a), romanisation_skeleton(word_b)),
            )
            if similarity >= SPELLING_VARIANT_SIMILARITY:
                continue
            swaps[context].append(Equivalence(word_a, word_b, entry_id, (text_a, text_b), context))
    learned: list[Equivalence] = []
    for context, found in swaps.items():
        if len(words_by_context[context]) > MAX_SWAPS_PER_CONTEXT + 1:
            continue
        learned.extend(found)
    return learned


def _shared(pair: tuple[str, str], taught: list[Equivalence], given_names: Collection[str]) -> bool:
    """Whether a pair serves every query: independent support and a transliteration relation,
    and neither word a listed person's given name."""
    word, other = pair
    if word in given_names or other in given_names:
        return False
    if reads_as_pinyin(word) == reads_as_pinyin(other):
        return False
    independent = {eq.context for eq in taught}
    return len({eq.entry_id for eq in taught}) >= MIN_INDEPENDENT_ENTRIES and (
        len(independent) >= MIN_INDEPENDENT_ENTRIES
    )


def mine(
    entries: Iterable[tuple[str, Sequence[tuple[str, AnalyzedName]]]],
    given_names: Collection[str] = frozenset(),
) -> Learned:
    """The equivalences the entries' aliases teach (see the module doc).

    ``entries`` yields (entry id, [(name as listed, its analysis)...]) for non-person entries;
    ``given_names`` are the keys of words the lists use as persons' given names.
    """
    taught: dict[tuple[str, str], list[Equivalence]] = defaultdict(list)
    for entry_id, names in entries:
        if len(names) < 2:
            continue
        for eq in _entry_pairs(entry_id, names):
            taught[(eq.word, eq.other) if eq.word < eq.other else (eq.other, eq.word)].append(eq)
    learned = Learned()
    for pair, found in taught.items():
        word, other = pair
        if _shared(pair, found, given_names):
            ids = sorted({eq.entry_id for eq in found})
            first = found[0]
            note = (
                f"learned from {len(ids)} entries ({', '.join(ids[:3])}"
                f"{', ...' if len(ids) > 3 else ''}): '{first.names[0]}' / '{first.names[1]}'"
            )
            learned.shared.setdefault(word, {})[other] = note
            learned.shared.setdefault(other, {})[word] = note
            continue
        for eq in found:
            note = f"{eq.note()} (applies to {eq.entry_id} only)"
            learned.local.setdefault(word, {}).setdefault(other, {}).setdefault(eq.entry_id, note)
            learned.local.setdefault(other, {}).setdefault(word, {}).setdefault(eq.entry_id, note)
    return learned
