"""Token equivalences learned from the lists' own aliases.

The Entity List names one party "Inspur (Beijing) Electronic Information Industry Co., Ltd." and
also "Langchao (Beijing) Electronic Information Industry Co., Ltd.": two names of one entry that
differ by exactly one word each say that the two words name the same thing (浪潮 is "Langchao" in
pinyin and "Inspur" in the company's English). Once learned, the pair serves every query, so
浪潮集团 reaches "Inspur Group Co., Ltd.".

Guards against noise: only entries that are not individuals (a person's aliases often swap whole
given names); neither word generic, numeric, a legal form or shorter than three letters; the two
words not already close in spelling (the fuzzy matcher covers those) nor one inside the other (a
truncation); and no "enumeration" (an
entry listing many sub-units as "X Research Institute" with X a city teaches nothing).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from exportscreen.matching.abbreviations import generic_tokens
from exportscreen.matching.analyze import AnalyzedName, TokenKind
from exportscreen.matching.similarity import spelling
from exportscreen.matching.translit import romanisation_skeleton

MIN_WORD_LETTERS = 3
# Words whose skeletons are this similar are spelling variants, left to the fuzzy matcher.
SPELLING_VARIANT_SIMILARITY = 0.8
# More distinct one-word swaps than this around the same other words is a list of sub-units.
MAX_SWAPS_PER_CONTEXT = 4


@dataclass(frozen=True, slots=True)
class Equivalence:
    word: str
    other: str
    entry_id: str
    names: tuple[str, str]  # the two names that taught it

    def note(self) -> str:
        return f"learned from {self.entry_id}: '{self.names[0]}' / '{self.names[1]}'"


def _content(name: AnalyzedName) -> Counter[str]:
    return Counter(t.key for t in name.tokens if t.kind is TokenKind.WORD)


def _usable(word: str) -> bool:
    return word.isalpha() and len(word) >= MIN_WORD_LETTERS and word not in generic_tokens()


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
            swaps[context].append(Equivalence(word_a, word_b, entry_id, (text_a, text_b)))
    learned: list[Equivalence] = []
    for context, found in swaps.items():
        if len(words_by_context[context]) > MAX_SWAPS_PER_CONTEXT + 1:
            continue
        learned.extend(found)
    return learned


def mine(
    entries: Iterable[tuple[str, Sequence[tuple[str, AnalyzedName]]]],
) -> dict[str, dict[str, str]]:
    """word -> {equivalent word: note naming the entry and names that taught it}, both ways.

    ``entries`` yields (entry id, [(name as listed, its analysis)...]) for non-person entries.
    """
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for entry_id, names in entries:
        if len(names) < 2:
            continue
        for eq in _entry_pairs(entry_id, names):
            table[eq.word].setdefault(eq.other, eq.note())
            table[eq.other].setdefault(eq.word, eq.note())
    return dict(table)
