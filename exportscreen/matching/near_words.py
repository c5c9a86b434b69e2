"""Every word of a word list that the scorer may pair with a given word by its spelling.

``score._spelled`` pairs two words whose spelling similarity (``similarity.spelling``: the mean
of Jaro-Winkler and normalised optimal string alignment), or that of their romanisation
skeletons, is at least ``SpelledRoute.min_similarity`` (no rule of the scorer pairs by spelling
below it: first-letter penalties and the rules for short words only lower or refuse a pair), and
short words of equal length equal but for C/K/Q. Comparing a word against a whole vocabulary
with rapidfuzz costs milliseconds; ``SpelledWords`` compares it only against the words that a
necessary condition lets through, then verifies those exactly.

The condition bounds the similarity from above by what letter counts allow. With lengths ``a``
and ``b``, ``c`` letters in common (counted with repeats: the multiset overlap) and ``p`` equal
leading letters (at most 4):

- Jaro matches at most ``c`` letters, so Jaro <= J = (c/a + c/b + 1) / 3 (0 when c = 0);
- Jaro-Winkler adds p * 0.1 of what Jaro misses, and grows with Jaro: JW <= J + 0.1 p (1 - J);
- every edit (insertion, deletion, substitution, adjacent transposition) changes the letters
  one word has and the other lacks by at most one, so the OSA distance is at least
  max(a, b) - c, and the normalised OSA similarity at most c / max(a, b).

So spelling <= (J + 0.1 p (1 - J) + c / max(a, b)) / 2, which depends on (a, b, p, c) only: for
each query length a table gives the least ``c`` that can reach the threshold, and the overlap of
the query with every listed word is a few numpy operations on a letter-count matrix.
The bound is symmetric in the two words, so the delta re-screen filter runs the same search
from a listed word over the counterparties' words (``delta_filter``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.process import cdist

from exportscreen.matching.routes import SpelledRoute

# C and Q read as K: the scorer pairs short words equal once so read (``score._spelled``).
HARD_C = str.maketrans("cq", "kk")
_LETTERS = 26  # a..z; other characters are counted as if they matched
_PREFIX = 4  # Jaro-Winkler weighs at most four common leading letters
_PREFIX_WEIGHT = 0.1
# Rounding: a word on the threshold is kept (the scorer compares Python floats the same way).
_SLACK = 1e-9

IntArray = npt.NDArray[np.int64]


def letter_code(text: str) -> int:
    """A word's letters as bits: bit i (a = 0) when it has letter i, bit 32 + i when it has
    two or more of it. The letters two words have in common (counted with repeats) are at
    least the bits their codes share, and at most that plus ``query_code``'s extra."""
    code = 0
    for char, repeats in Counter(text).items():
        row = ord(char) - 97
        if 0 <= row < _LETTERS:
            code |= 1 << row
            if repeats > 1:
                code |= 1 << (32 + row)
    return code


def query_code(text: str) -> tuple[int, int]:
    """``letter_code`` of a word searched for, and the letters its code leaves out: repeats
    beyond the second, and characters other than a-z (each may match one of the other word's)."""
    extra = 0
    for char, repeats in Counter(text).items():
        row = ord(char) - 97
        extra += repeats - 2 if 0 <= row < _LETTERS and repeats > 2 else 0
        extra += repeats if not 0 <= row < _LETTERS else 0
    return letter_code(text), extra


class SpelledWords:
    """A list of words (``texts``) searchable by spelling similarity (see the module doc).

    Kept sorted by length, so that the least overlap of a word with no common first letter is a
    run per length (``np.repeat``); only the words of the query's first letter need their
    common prefix counted."""

    def __init__(
        self,
        texts: Sequence[str],
        threshold: float,
        other_start: float,
        initial_sound: Mapping[str, str],
    ):
        self.threshold = threshold
        # Words starting with another sound need at least this much.
        self.other_start = other_start
        self.initial_sound = initial_sound
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        self.positions: IntArray = np.array(order, dtype=np.int64)  # sorted -> given position
        self.texts = [texts[i] for i in order]
        self.text_array = np.array(self.texts, dtype=object)  # gathered faster than a list
        by_first: dict[str, list[int]] = {}
        for i, text in enumerate(self.texts):
            by_first.setdefault(text[:1], []).append(i)
        self.codes: npt.NDArray[np.uint64] = np.array(
            [letter_code(text) for text in self.texts], dtype=np.uint64
        )
        lengths = [len(t) for t in self.texts]
        self.longest = max(lengths, default=1)
        self.lengths: IntArray = np.array(lengths, dtype=np.int64)
        # How many words of each length 0..longest, for np.repeat.
        self.per_length: IntArray = np.bincount(self.lengths, minlength=self.longest + 1)
        # Per first letter: the words (sorted positions), their lengths and next three letters.
        self.by_first: dict[str, tuple[IntArray, IntArray, npt.NDArray[np.int32]]] = {}
        for first, members in by_first.items():
            leading = np.full((_PREFIX - 1, len(members)), -1, dtype=np.int32)
            for j, i in enumerate(members):
                for k, char in enumerate(self.texts[i][1:_PREFIX]):
                    leading[k, j] = ord(char)
            found = np.array(members, dtype=np.int64)
            self.by_first[first] = (found, self.lengths[found], leading)
        # First letters by their sound.
        self.sounding: dict[str, list[str]] = {}
        for first in self.by_first:
            self.sounding.setdefault(initial_sound.get(first, first), []).append(first)
        self._needed: dict[tuple[int, float], npt.NDArray[np.uint8]] = {}
        self._base_needed: dict[tuple[int, str], npt.NDArray[np.uint8]] = {}

    def _least_overlap(self, length: int, threshold: float) -> npt.NDArray[np.uint8]:
        """For a word of ``length`` letters: per (common prefix p, other word's length b), the
        least letter overlap c whose bound reaches ``threshold`` (255, more than any overlap,
        when none does), as an array [p, b]."""
        found = self._needed.get((length, threshold))
        if found is not None:
            return found
        longest = self.longest
        b = np.arange(longest + 1, dtype=np.float64)[None, :, None]
        p = np.arange(_PREFIX + 1, dtype=np.float64)[:, None, None]
        c = np.arange(longest + 2, dtype=np.float64)[None, None, :]
        a = float(length)
        with np.errstate(divide="ignore", invalid="ignore"):
            jaro = np.where(c > 0, (c / a + c / b + 1) / 3, 0.0)
            winkler = jaro + _PREFIX_WEIGHT * np.minimum(p, np.minimum(a, b)) * (1 - jaro)
            bound = (winkler + c / np.maximum(a, b)) / 2
        possible = (bound >= threshold - _SLACK) & (c <= np.minimum(a, b)) & (b > 0)
        least = np.where(possible.any(axis=2), possible.argmax(axis=2), 255)
        found = self._needed[(length, threshold)] = np.minimum(least, 255).astype(np.uint8)
        return found

    def _other_letters_needed(
        self, length: int, first: str, any_start: bool
    ) -> npt.NDArray[np.uint8]:
        """The least overlap of every word with a word of ``length`` letters starting with
        ``first``, as if no word shared its first letter (those are set per query, by their
        common prefix): ``other_start`` for a word starting with another sound, unless
        ``any_start``. Kept per (length, first letter): it depends on nothing else."""
        key = (length, "" if any_start else first)
        found = self._base_needed.get(key)
        if found is not None:
            return found
        least = self._least_overlap(length, self.threshold)
        other = least if any_start else self._least_overlap(length, self.other_start)
        needed = np.repeat(other[0], self.per_length)
        if not any_start:
            for letter in self.sounding.get(self.initial_sound.get(first, first), ()):
                if letter != first:
                    members, lengths, _ = self.by_first[letter]
                    needed[members] = least[0, lengths]
        needed.flags.writeable = False
        self._base_needed[key] = needed
        return needed

    def candidates(self, text: str, *, any_start: bool = False) -> IntArray:
        """Sorted positions of the words whose bound lets them reach the threshold against
        ``text`` (``other_start`` for a word starting with another sound, unless
        ``any_start``): a superset of those that do."""
        if not self.texts or not text:
            return np.zeros(0, dtype=np.int64)
        code, extra = query_code(text)
        overlap = np.bitwise_count(self.codes & np.uint64(code))
        if extra:
            overlap = overlap.astype(np.int64) + extra
        first = text[0]
        reaching = overlap >= self._other_letters_needed(len(text), first, any_start)
        same = self.by_first.get(first)
        if same is not None:
            # The words sharing the first letter: their least overlap by their common prefix.
            members, lengths, leading = same
            prefix = np.ones(len(members), dtype=np.int64)
            common = np.ones(len(members), dtype=np.bool_)
            for k, char in enumerate(text[1:_PREFIX]):
                common &= leading[k] == ord(char)
                prefix += common
            least = self._least_overlap(len(text), self.threshold)
            reaching[members] = overlap[members] >= least[prefix, lengths]
        return np.flatnonzero(reaching)

    def similar(
        self, text: str, *, text_first: bool = True, any_start: bool = False
    ) -> list[tuple[int, float]]:
        """(position in the given texts, spelling similarity) of every word whose spelling
        similarity with ``text`` reaches the threshold, compared as ``spelling(text, word)``
        (or ``spelling(word, text)`` unless ``text_first``: the query word comes first, as
        ``score._spelled`` compares them)."""
        found = self.candidates(text, any_start=any_start)
        if not len(found):
            return []
        words: list[str] = self.text_array[found].tolist()
        if text_first:
            winkler = cdist([text], words, scorer=JaroWinkler.normalized_similarity)[0]
            osa = cdist([text], words, scorer=OSA.normalized_similarity)[0]
        else:
            winkler = cdist(words, [text], scorer=JaroWinkler.normalized_similarity)[:, 0]
            osa = cdist(words, [text], scorer=OSA.normalized_similarity)[:, 0]
        similarity = (winkler.astype(np.float64) + osa.astype(np.float64)) / 2
        kept = np.flatnonzero(similarity >= self.threshold - _SLACK)
        if not any_start and len(kept):
            sound = self.initial_sound.get(text[0], text[0])
            kept = np.array(
                [
                    i
                    for i in kept.tolist()
                    if similarity[i] >= self.other_start - _SLACK
                    or self.initial_sound.get(words[i][0], words[i][0]) == sound
                ],
                dtype=np.int64,
            )
        given = self.positions[found[kept]]
        return list(zip(given.tolist(), similarity[kept].tolist(), strict=True))


class SpelledVocabulary:
    """Words (by id) searchable by spelling and by their romanisation skeletons' spelling, as
    ``SpelledRoute`` pairs them: the index's vocabulary words, or the delta re-screen filter's
    counterparty words. Words and skeletons are searched as one list of forms: most words are
    their own skeleton, and then one search finds both."""

    def __init__(
        self,
        ids: Iterable[int],
        texts: Sequence[str],
        skeletons: Sequence[str],
        route: SpelledRoute,
    ):
        self.route = route
        forms: dict[str, tuple[list[int], list[int]]] = {}  # form -> (as word, as skeleton)
        self.hard_c: dict[str, list[int]] = {}
        self.transposable: dict[str, list[int]] = {}  # words of transposed_letters letters
        self.first: dict[int, str] = {}  # word -> its first letter's sound
        sound = route.initial_sound
        for word, text, skeleton in zip(ids, texts, skeletons, strict=True):
            self.first[word] = sound.get(text[0], text[0])
            forms.setdefault(text, ([], []))[0].append(word)
            if len(skeleton) >= route.min_skeleton:
                forms.setdefault(skeleton, ([], []))[1].append(word)
            if len(text) < route.short_letters:
                self.hard_c.setdefault(text.translate(HARD_C), []).append(word)
            if len(text) == route.transposed_letters:
                self.transposable.setdefault(text, []).append(word)
        self.forms = SpelledWords(
            list(forms), route.min_similarity, route.other_start_similarity, sound
        )
        self.as_word = [found[0] for found in forms.values()]
        self.as_skeleton = [found[1] for found in forms.values()]

    def near(
        self, key: str, skeleton: str, *, key_first: bool = True, any_start: bool = False
    ) -> dict[int, float]:
        """Every word (id) the scorer may pair with ``key`` (whose skeleton is ``skeleton``) by
        spelling, with the similarity found: its spelling, its skeleton's when both skeletons
        have at least ``min_skeleton`` letters, the short words of its length equal to it but
        for C/K/Q, and for a word of ``transposed_letters``, the word with its last two swapped.
        A word whose first letter is another sound than ``key``'s needs
        ``other_start_similarity``, unless ``any_start``. Compared as ``spelling(key, word)``
        (``spelling(word, key)`` unless ``key_first``)."""
        route = self.route
        found: dict[int, float] = {}
        sound = route.initial_sound.get(key[0], key[0])
        other_start = route.other_start_similarity - _SLACK

        def keep(words: list[int], similarity: float) -> None:
            for word in words:
                if similarity > found.get(word, -1.0) and (
                    any_start or similarity >= other_start or self.first[word] == sound
                ):
                    found[word] = similarity

        by_skeleton = len(skeleton) >= route.min_skeleton
        forms = self.forms
        if by_skeleton and skeleton == key:
            # One search for both; a skeleton may start with another letter than its words
            # ("kh" is "h"): the first letters are the words', checked in ``keep``.
            for form, similarity in forms.similar(key, text_first=key_first, any_start=True):
                keep(self.as_word[form], similarity)
                keep(self.as_skeleton[form], similarity)
        else:
            for form, similarity in forms.similar(key, text_first=key_first, any_start=any_start):
                keep(self.as_word[form], similarity)
            if by_skeleton:
                for form, similarity in forms.similar(
                    skeleton, text_first=key_first, any_start=True
                ):
                    keep(self.as_skeleton[form], similarity)
        if len(key) < route.short_letters:
            for word in self.hard_c.get(key.translate(HARD_C), ()):
                found.setdefault(word, route.min_similarity)
        if len(key) == route.transposed_letters:
            # Jaro-Winkler matches only letters in place in a word this short ("iab" / IBA).
            swapped = key[0] + key[2:0:-1]
            for word in self.transposable.get(swapped, ()):
                found.setdefault(word, route.min_similarity)
        return found
