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

import functools
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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
# Least overlaps kept per (query length, first letter, sound, view), 36 kB each for the index's
# vocabulary: some thousand combinations occur, and a long-running screener must not keep
# every one (2,000 single queries made 955).
BASE_CACHE = 1024

IntArray = npt.NDArray[np.int64]
_WINKLER = JaroWinkler.normalized_similarity
_OSA = OSA.normalized_similarity


def letter_code(text: str) -> int:
    """A word's letters as bits: bit i (a = 0) when it has letter i, bit 32 + i when it has
    two or more of it. The letters two words have in common (counted with repeats) are at
    least the bits their codes share, and at most that plus ``query_code``'s extra."""
    return query_code(text)[0]


def query_code(text: str) -> tuple[int, int]:
    """``letter_code`` of a word searched for, and the letters its code leaves out: repeats
    beyond the second, and characters other than a-z (each may match one of the other word's).
    Made from ``query_rows``, the one count of a word's letters."""
    rows, extra = query_rows(text)
    code = 0
    for row in rows:
        letter = row % _LETTERS
        code |= 1 << letter if row < _LETTERS else (1 << letter) | (1 << (32 + letter))
    return code, extra


def query_rows(text: str) -> tuple[list[int], int]:
    """The rows of ``SpelledWords.letter_rows`` to add up for a word searched for, one per
    letter it has (letter i once: row i; twice or more: row 26 + i), and the letters they
    leave out (``query_code``). The search's own count: the hot path takes it directly."""
    rows: list[int] = []
    extra = 0
    for char in set(text):  # str.count over a short word's letters: cheaper than a Counter
        repeats = text.count(char)
        row = ord(char) - 97
        if 0 <= row < _LETTERS:
            rows.append(row + _LETTERS if repeats > 1 else row)
            if repeats > 2:
                extra += repeats - 2
        else:
            extra += repeats
    return rows, extra


def sound_bit(sound: str) -> int:
    """A first letter's sound (``initial_sound``) as a bit: a..z one each, any other character
    bit 26 (so two other characters count as one sound: the search then keeps more, not
    fewer)."""
    row = ord(sound) - 97
    return 1 << row if 0 <= row < _LETTERS else 1 << _LETTERS


class SpelledWords:
    """A list of words (``texts``) searchable by spelling similarity (see the module doc).

    Kept sorted by length, so that the least overlap of a word sharing no first letter with the
    query is a run per length (``np.repeat``); a second order, by the words themselves, makes the
    words sharing the query's first one to four letters a run, looked up by that prefix
    (``runs``): only the words sharing two or more need their common prefix counted per query
    (those sharing the first letter are counted once per query length and first letter).

    ``views`` restrict a search to some of the words: per view, per word (in ``texts``' order),
    the first sounds of what the word stands for as a bit mask (``sound_bit``); a word whose mask
    lacks the query's sound needs ``other_start``, and a word of mask 0 is not searched. The
    default view ``""`` is every word as itself: its own first letter's sound."""

    def __init__(
        self,
        texts: Sequence[str],
        threshold: float,
        other_start: float,
        initial_sound: Mapping[str, str],
        views: Mapping[str, Sequence[int]] | None = None,
    ):
        self.threshold = threshold
        # Words starting with another sound need at least this much.
        self.other_start = other_start
        self.initial_sound = initial_sound
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        self.positions: IntArray = np.array(order, dtype=np.int64)  # sorted -> given position
        self.texts = [texts[i] for i in order]
        self.text_array = np.array(self.texts, dtype=object)  # gathered faster than a list
        codes = np.array([letter_code(text) for text in self.texts], dtype=np.uint64)
        # The codes by letter: row i 1 for a word having letter i (its code's bit i), row
        # 26 + i that plus 1 for a word having it twice or more (bit 32 + i). A query's code
        # sets bit i, or bits i and 32 + i, per letter it has: the bits a word's code shares
        # with it are the sum of one row per letter (``query_rows``), exactly. A few additions
        # of bytes: a popcount of the AND of the 8-byte codes took three times as long.
        bits = np.unpackbits(
            codes.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little"
        )
        has = bits[:, :_LETTERS].T
        self.letter_rows: npt.NDArray[np.uint8] = np.ascontiguousarray(
            np.concatenate([has, has + bits[:, 32 : 32 + _LETTERS].T])
        )
        lengths = [len(t) for t in self.texts]
        self.longest = max(lengths, default=1)
        self.lengths: IntArray = np.array(lengths, dtype=np.int64)
        # The words in the order of their texts (as positions in the length order), and those
        # texts: the words starting with a prefix are a run of them.
        alphabetical = sorted(range(len(self.texts)), key=self.texts.__getitem__)
        self.alphabetical: IntArray = np.array(alphabetical, dtype=np.int64)
        # The run of every prefix of one to four letters: (start, end) in that order.
        self.runs: dict[str, tuple[int, int]] = {}
        for size in range(1, _PREFIX + 1):
            for at, i in enumerate(alphabetical):
                prefix = self.texts[i][:size]
                if len(prefix) == size:
                    start = self.runs.get(prefix, (at, at))[0]
                    self.runs[prefix] = (start, at + 1)
        self.alphabetical_lengths: IntArray = self.lengths[self.alphabetical]
        own = [sound_bit(initial_sound.get(text[:1], text[:1])) for text in self.texts]
        self.views: dict[str, npt.NDArray[np.uint32]] = {"": np.array(own, dtype=np.uint32)}
        for view, masks in (views or {}).items():
            self.views[view] = np.array([masks[i] for i in order], dtype=np.uint32)
        # The same as lists, read a few words at a time (an element of an array is slower).
        self.view_lists: dict[str, list[int]] = {v: m.tolist() for v, m in self.views.items()}
        self.position_list: list[int] = self.positions.tolist()
        # Per view, 255 for the words it does not search (0 for the others): a floor of their
        # least overlap.
        self.unsearched = {
            view: np.where(m == 0, 255, 0).astype(np.uint8) for view, m in self.views.items()
        }
        # How many words of each length 0..longest, for np.repeat.
        self.per_length: IntArray = np.bincount(self.lengths, minlength=self.longest + 1)
        self._needed: dict[tuple[int, float], npt.NDArray[np.uint8]] = {}
        self._base_needed: dict[tuple[int, str, int, str], npt.NDArray[np.uint8]] = {}
        self._by_length: dict[tuple[int, float], npt.NDArray[np.uint8]] = {}
        self._at_threshold: dict[tuple[str, int], npt.NDArray[np.bool_]] = {}
        self._pairs: dict[int, npt.NDArray[np.uint8]] = {}
        self._run_indexes: dict[tuple[str, int], npt.NDArray[np.integer[Any]]] = {}
        # ``_least_flat``'s layout: [kind, prefix, length], flattened.
        self._step = self.longest + 1
        self._kind_step = (_PREFIX + 1) * self._step
        self._index_type = np.uint16 if 3 * self._kind_step <= 1 << 16 else np.int64

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

    def _least_flat(self, length: int) -> npt.NDArray[np.uint8]:
        """``_least_overlap`` by ``other_start``, by the threshold, and 255 (a word the view
        does not search), as kinds 0, 1, 2 of one flat array indexed by (kind, common prefix,
        other word's length): ``_run_index`` plus the prefix's steps."""
        found = self._pairs.get(length)
        if found is None:
            unsearched = np.full((_PREFIX + 1, self._step), 255, dtype=np.uint8)
            found = self._pairs[length] = np.stack(
                [
                    self._least_overlap(length, self.other_start),
                    self._least_overlap(length, self.threshold),
                    unsearched,
                ]
            ).ravel()
        return found

    def _run_index(self, view: str, bit: int) -> npt.NDArray[np.integer[Any]]:
        """Per word in the alphabetical order, where ``_least_flat`` holds its least overlap
        with a word of sound ``bit`` sharing no leading letter: its kind in ``view``
        (``_least_flat``) and its length. Kept per (view, sound): a few dozen."""
        found = self._run_indexes.get((view, bit))
        if found is None:
            masks = self.views[view][self.alphabetical]
            kind = np.where(masks == 0, 2, self._reachable_at(masks, bit).astype(np.int64))
            index = kind * self._kind_step + self.alphabetical_lengths
            found = self._run_indexes[(view, bit)] = index.astype(self._index_type)
        return found

    def _run_least(
        self,
        length: int,
        view: str,
        bit: int,
        run: tuple[int, int],
        shared: int,
        nested: list[tuple[int, int]],
    ) -> npt.NDArray[np.uint8]:
        """The least overlap with a word of ``length`` letters of the words of ``run`` (start,
        end in the alphabetical order), which share its first ``shared`` letters, and those of
        each run of ``nested`` (runs inside it, each inside the one before) one more: the
        longest common prefix counts."""
        start, end = run
        step = self._step
        index = self._run_index(view, bit)[start:end] + shared * step
        for inner_start, inner_end in nested:
            index[inner_start - start : inner_end - start] += step
        least: npt.NDArray[np.uint8] = self._least_flat(length)[index]
        return least

    def _least_by_length(self, length: int, threshold: float) -> npt.NDArray[np.uint8]:
        """``_least_overlap`` of every word as if it shared no first letter (by length runs:
        the words are sorted by length)."""
        found = self._by_length.get((length, threshold))
        if found is None:
            least = self._least_overlap(length, threshold)[0]
            found = self._by_length[(length, threshold)] = np.repeat(least, self.per_length)
        return found

    def _threshold_words(self, view: str, bit: int) -> npt.NDArray[np.bool_]:
        """Which words of ``view`` pair from the threshold with a word of sound ``bit``."""
        found = self._at_threshold.get((view, bit))
        if found is None:
            found = self._at_threshold[(view, bit)] = self._reachable_at(self.views[view], bit)
        return found

    def _reachable_at(self, masks: npt.NDArray[np.uint32], bit: int) -> npt.NDArray[np.bool_]:
        """Which words of these view masks pair from the threshold with a word of sound ``bit``
        (0: any sound): the others need ``other_start``."""
        reachable: npt.NDArray[np.bool_] = masks != 0 if not bit else (masks & np.uint32(bit)) != 0
        return reachable

    def _letters_needed(
        self, length: int, first: str, bit: int, view: str
    ) -> npt.NDArray[np.uint8]:
        """The least overlap of every word with a word of ``length`` letters starting with
        ``first``, of sound ``bit`` (0: any start), as if none shared more than its first
        letter (those are set per query, by their common prefix); 255 where ``view`` does not
        search the word. Kept per (length, first letter, sound, view): it depends on nothing
        else."""
        key = (length, first, bit, view)
        found = self._base_needed.get(key)
        if found is not None:
            return found
        # By length runs, as if no word shared a first letter.
        needed = np.where(
            self._threshold_words(view, bit),
            self._least_by_length(length, self.threshold),
            self._least_by_length(length, self.other_start),
        )
        np.maximum(needed, self.unsearched[view], out=needed)
        start, end = self.runs.get(first, (0, 0))
        if start < end:
            needed[self.alphabetical[start:end]] = self._run_least(
                length, view, bit, (start, end), 1, []
            )
        needed.flags.writeable = False
        if len(self._base_needed) >= BASE_CACHE:
            self._base_needed.clear()
        self._base_needed[key] = needed
        return needed

    def candidates(
        self, text: str, *, any_start: bool = False, sound: str = "", view: str = ""
    ) -> IntArray:
        """Sorted positions of the words whose bound lets them reach the threshold against
        ``text`` (``other_start`` for a word of ``view`` whose mask lacks ``sound``, by default
        ``text``'s first letter's, unless ``any_start``): a superset of those that do."""
        if not self.texts or not text:
            return np.zeros(0, dtype=np.int64)
        rows, extra = query_rows(text)
        letter_rows = self.letter_rows
        # The bits each word's code shares with the query's: popcount(code & query's code).
        overlap: npt.NDArray[np.integer[Any]]
        if len(rows) > 1:
            overlap = np.add(letter_rows[rows[0]], letter_rows[rows[1]])
            for row in rows[2:]:
                np.add(overlap, letter_rows[row], out=overlap)
        elif rows:
            overlap = letter_rows[rows[0]]  # only read
        else:
            overlap = np.zeros(len(self.texts), dtype=np.uint8)
        if extra:
            overlap = overlap.astype(np.int64) + extra
        first = text[0]
        bit = 0 if any_start else sound_bit(sound or self.initial_sound.get(first, first))
        needed = self._letters_needed(len(text), first, bit, view)
        reaching = overlap >= needed
        run = self.runs.get(text[:2]) if len(text) > 1 else None
        if run is not None:
            # The words sharing two, three, four letters: nested runs, each word's least
            # overlap by its longest common prefix.
            nested: list[tuple[int, int]] = []
            for size in range(3, min(len(text), _PREFIX) + 1):
                inner = self.runs.get(text[:size])
                if inner is None:
                    break
                nested.append(inner)
            members = self.alphabetical[run[0] : run[1]]
            least = self._run_least(len(text), view, bit, run, 2, nested)
            reaching[members] = overlap[members] >= least
        return np.flatnonzero(reaching)

    def similar(
        self,
        text: str,
        *,
        text_first: bool = True,
        any_start: bool = False,
        sound: str = "",
        view: str = "",
    ) -> list[tuple[int, float]]:
        """(position in the given texts, spelling similarity) of every word of ``view`` whose
        spelling similarity with ``text`` reaches the threshold (``other_start`` for a word whose
        view mask lacks ``sound``, by default ``text``'s first letter's, unless ``any_start``),
        compared as ``spelling(text, word)`` (or ``spelling(word, text)`` unless ``text_first``:
        the query word comes first, as ``score._spelled`` compares them)."""
        found = self.candidates(text, any_start=any_start, sound=sound, view=view)
        if not len(found):
            return []
        words: list[str] = self.text_array[found].tolist()
        # In double precision, as ``similarity.spelling`` gives it: cdist's default single
        # precision rounded a pair on the threshold below it (khalilzadeh / "hakimzadha",
        # 0.72 by their skeletons) and the route missed a word the scorer pairs.
        if text_first:
            winkler = cdist([text], words, scorer=_WINKLER, dtype=np.float64)[0]
            osa = cdist([text], words, scorer=_OSA, dtype=np.float64)[0]
        else:
            winkler = cdist(words, [text], scorer=_WINKLER, dtype=np.float64)[:, 0]
            osa = cdist(words, [text], scorer=_OSA, dtype=np.float64)[:, 0]
        similarity = (winkler + osa) / 2
        passing = np.flatnonzero(similarity >= self.threshold - _SLACK)
        if not len(passing):
            return []
        # The few words left, one by one: a word whose view mask lacks the query's sound
        # needs ``other_start``.
        positions = self.position_list
        kept = found[passing].tolist()
        similarities: list[float] = similarity[passing].tolist()
        if any_start:
            return [(positions[i], s) for i, s in zip(kept, similarities, strict=True)]
        bit = sound_bit(sound or self.initial_sound.get(text[0], text[0]))
        masks = self.view_lists[view]
        other_start = self.other_start - _SLACK
        return [
            (positions[i], s)
            for i, s in zip(kept, similarities, strict=True)
            if masks[i] & bit or s >= other_start
        ]


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
        # Per form, the first sounds of the words it stands for as a word, as a skeleton, and
        # both: a search skips the forms standing for nothing it looks for, and needs
        # other_start of those whose words all start with another sound.
        as_word = [
            sound_bit(self.first[found[0][0]]) if found[0] else 0 for found in forms.values()
        ]
        as_skeleton = [
            functools.reduce(operator.or_, (sound_bit(self.first[w]) for w in found[1]), 0)
            for found in forms.values()
        ]
        both = [w | k for w, k in zip(as_word, as_skeleton, strict=True)]
        self.forms = SpelledWords(
            list(forms),
            route.min_similarity,
            route.other_start_similarity,
            sound,
            {"word": as_word, "skeleton": as_skeleton, "both": both},
        )
        self.as_word = [found[0] for found in forms.values()]
        self.as_skeleton = [found[1] for found in forms.values()]
        # A form's words as a word, then as a skeleton: kept in the order of one then the other.
        self.as_both = [found[0] + found[1] for found in forms.values()]

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

        first = self.first

        def keep(kept: list[tuple[int, float]], words: list[list[int]]) -> None:
            for form, similarity in kept:
                anyone = any_start or similarity >= other_start
                for word in words[form]:
                    if similarity > found.get(word, -1.0) and (anyone or first[word] == sound):
                        found[word] = similarity

        by_skeleton = len(skeleton) >= route.min_skeleton
        forms = self.forms
        # The forms are searched for what they stand for (as words, as skeletons) and the first
        # sound of those words: the search drops only forms ``keep`` would drop.
        if by_skeleton and skeleton == key:
            # One search for both; a skeleton may start with another letter than its words
            # ("kh" is "h"): the first letters are the words', checked in ``keep``.
            kept = forms.similar(key, text_first=key_first, any_start=any_start, view="both")
            keep(kept, self.as_both)
        else:
            kept = forms.similar(key, text_first=key_first, any_start=any_start, view="word")
            keep(kept, self.as_word)
            if by_skeleton:
                kept = forms.similar(
                    skeleton,
                    text_first=key_first,
                    any_start=any_start,
                    sound=sound,
                    view="skeleton",
                )
                keep(kept, self.as_skeleton)
        if len(key) < route.short_letters:
            for word in self.hard_c.get(key.translate(HARD_C), ()):
                found.setdefault(word, route.min_similarity)
        if len(key) == route.transposed_letters:
            # Jaro-Winkler matches only letters in place in a word this short ("iab" / IBA).
            swapped = key[0] + key[2:0:-1]
            for word in self.transposable.get(swapped, ()):
                found.setdefault(word, route.min_similarity)
        return found
