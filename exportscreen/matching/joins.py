"""Words joined or split differently on the two sides of a comparison ("Gazprombank" /
"Gazprom Bank", "Myongc Hin" / "Myong Chin"): the options the scorer's alignment weighs beside
its one-to-one pairs (``score.score_name``)."""

from __future__ import annotations

import functools
import zlib
from collections.abc import Sequence
from typing import NamedTuple

from exportscreen.matching.similarity import spelling

MIN_JOINED_SIMILARITY = 0.95
MAX_JOINED_PARTS = 3
MIN_JOINED_LETTERS = 4  # a joined word is at least two words long
MAX_JOINED_LENGTH_GAP = 2


def joined_similarity(single: str, parts: list[str]) -> float:
    return _similar_to_joined(single, "".join(parts))


# An upper bound of the normalised OSA similarity below which ``spelling`` (its mean with
# Jaro-Winkler, at most 1) cannot reach MIN_JOINED_SIMILARITY, with a margin for rounding.
_MIN_JOINED_OSA = 2 * MIN_JOINED_SIMILARITY - 1 - 0.01


def _similar_to_joined(single: str, joined: str) -> float:
    if single == joined:
        return 1.0
    # Two different words are at least one edit apart, and at least their difference in length:
    # most pairs are too short or too unequal for spelling to reach the threshold.
    longest = max(len(single), len(joined))
    if 1 - max(1, abs(len(single) - len(joined))) / longest < _MIN_JOINED_OSA:
        return 0.0
    similarity = spelling(single, joined)
    return similarity if similarity >= MIN_JOINED_SIMILARITY else 0.0


# Run tables kept for this many word sequences: a customer file's names and the listed names
# they reach repeat, and a sequence's runs depend on its words only.
RUN_TABLES_KEPT = 65_536

_Run = tuple[int, int, int, str]  # start, end inclusive, joined length, joined text
# The runs in order, the shortest and longest joined length, and the runs by joined length
# (``[length - shortest]``, each in order): a long name has dozens of runs, and a word is
# compared with those of about its length only.
_Runs = tuple[tuple[_Run, ...], int, int, tuple[tuple[_Run, ...], ...]]


@functools.lru_cache(maxsize=RUN_TABLES_KEPT)
def _runs(others: tuple[str, ...]) -> _Runs:
    """The runs of two or three adjacent words of ``others``: ((start, end inclusive, joined
    length, joined text), ...), with the shortest and longest joined length (0, 0 without
    runs) and the runs by joined length."""
    runs: list[_Run] = []
    for start in range(len(others) - 1):
        total = len(others[start])
        if not total:
            continue
        for end in range(start + 1, min(start + MAX_JOINED_PARTS, len(others))):
            if not others[end]:
                break
            total += len(others[end])
            runs.append((start, end, total, "".join(others[start : end + 1])))
    if not runs:
        return (), 0, 0, ()
    lengths = [total for _, _, total, _ in runs]
    shortest, longest = min(lengths), max(lengths)
    by_length: list[list[_Run]] = [[] for _ in range(longest - shortest + 1)]
    for run in runs:
        by_length[run[2] - shortest].append(run)
    return tuple(runs), shortest, longest, tuple(tuple(runs) for runs in by_length)


class Joins(NamedTuple):
    """What the joins of one word sequence need of it, worked out once (a scorer keeps them per
    listed name and per query): which lengths and letters its words and its runs have, as bit
    masks, so that a pair of sequences that cannot join is told by two ANDs (``joined_pairs``;
    most pairs, and then the runs' table, ``_runs``, is never built), and its adjacent pairs
    joined (``regrouped_pairs``). Numbers and a dict of strings and tuples, which the garbage
    collector stops tracking: a batch worker keeps thousands."""

    # Bit L set: a word of L letters (from MIN_JOINED_LETTERS) that a run of the other side may
    # match (``joined_options`` compares no shorter word).
    lengths: int
    # Bit L set: a word of L letters whose spelling ``joined_options`` compares with a run's
    # (``run_reach``; a word of the run's very letters is told by ``words`` and ``runs``).
    reach: int
    # Two adjacent words joined -> the positions of the first.
    pairs: dict[str, tuple[int, ...]]
    # The words of ``lengths`` and the runs' joined texts, each as one bit of its CRC-32
    # (``letters_bit``): a word equal to a run has that run's bit.
    words: int
    runs: int


# Bits of the masks of letters: a name has a few words and runs, so two names' masks share a bit
# by chance for a few pairs in a hundred.
_LETTER_BITS = 256


def letters_bit(text: str) -> int:
    """One bit for ``text``, the same in every process (CRC-32, not the salted ``hash``)."""
    return 1 << (zlib.crc32(text.encode()) % _LETTER_BITS)


def spelled_join(length: int, total: int) -> bool:
    """Whether ``joined_options`` compares the spelling of a word of ``length`` letters with a
    run of ``total`` joined letters: within MAX_JOINED_LENGTH_GAP (its buckets) and passing
    its test of lengths, the same expression on the same numbers (most words within the gap
    fail it: a word and a run of under ten letters are compared only when their letters are
    equal, under nineteen when at most one letter apart)."""
    gap = abs(total - length)
    if length < MIN_JOINED_LETTERS or gap > MAX_JOINED_LENGTH_GAP:
        return False
    return not 1 - max(1, gap) / max(total, length) < _MIN_JOINED_OSA


@functools.cache
def run_reach(total: int) -> int:
    """Bit L set for each word length L whose spelling ``spelled_join`` compares with a run of
    ``total`` letters."""
    reach = 0
    for length in range(total - MAX_JOINED_LENGTH_GAP, total + MAX_JOINED_LENGTH_GAP + 1):
        if spelled_join(length, total):
            reach |= 1 << length
    return reach


def joins_of(keys: Sequence[str]) -> Joins:
    lengths = reach = words = runs = 0
    sizes = [len(key) for key in keys]
    for start, size in enumerate(sizes):
        if size >= MIN_JOINED_LETTERS:
            lengths |= 1 << size
            words |= letters_bit(keys[start])
        if not size:
            continue
        # The runs from ``start``, as ``_runs`` makes them.
        total = size
        for end in range(start + 1, min(start + MAX_JOINED_PARTS, len(sizes))):
            if not sizes[end]:
                break
            total += sizes[end]
            reach |= run_reach(total)
            runs |= letters_bit("".join(keys[start : end + 1]))
    return Joins(lengths, reach, _adjacent_pairs(keys), words, runs)


def joined_options(
    singles: Sequence[str], others: Sequence[str]
) -> list[tuple[int, tuple[int, ...], float]]:
    """Each word of ``singles`` against runs of two or three adjacent words of ``others`` whose
    joined length is close to its own: (single, run, similarity). An empty string is a token
    that takes no part in joins (a legal form, a number)."""
    # The runs and their lengths first (kept per word sequence): most names have no run of a
    # single's length, and then no word is compared at all.
    found: list[tuple[int, tuple[int, ...], float]] = []
    if len(others) < 2:
        return found
    runs, shortest, longest, by_length = _runs(tuple(others))
    if not runs:
        return found
    lowest = max(MIN_JOINED_LETTERS, shortest - MAX_JOINED_LENGTH_GAP)
    highest = longest + MAX_JOINED_LENGTH_GAP
    for single, text in enumerate(singles):
        length = len(text)
        if not lowest <= length <= highest:
            continue
        first = len(found)
        # The runs within MAX_JOINED_LENGTH_GAP of the word's length, bucket by bucket.
        near = length - shortest
        for bucket in by_length[
            max(0, near - MAX_JOINED_LENGTH_GAP) : near + MAX_JOINED_LENGTH_GAP + 1
        ]:
            for start, end, total, joined in bucket:
                # The test of _similar_to_joined, inline: most runs fail it.
                gap = abs(total - length)
                if text != joined and 1 - max(1, gap) / max(total, length) < _MIN_JOINED_OSA:
                    continue
                similarity = _similar_to_joined(text, joined)
                if similarity:
                    found.append((single, tuple(range(start, end + 1)), similarity))
        if len(found) - first > 1:
            # In run order, as the runs are (a span's tuple orders as its start, then end).
            found[first:] = sorted(found[first:], key=lambda option: option[1])
    return found


def _adjacent_pairs(keys: Sequence[str]) -> dict[str, tuple[int, ...]]:
    joined: dict[str, tuple[int, ...]] = {}
    for start in range(len(keys) - 1):
        first, second = keys[start], keys[start + 1]
        if first and second:
            joined[first + second] = (*joined.get(first + second, ()), start)
    return joined


def regrouped_pairs(
    query_keys: Sequence[str], listed_keys: Sequence[str], listed_joins: Joins | None = None
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Two adjacent words on each side that are the same letters cut elsewhere ("Myongc Hin" /
    "Myong Chin"): (query pair, listed pair). Equal words are left to the one-to-one pairs.
    ``listed_joins`` is ``joins_of(listed_keys)`` when the caller keeps it."""
    listed_runs = _adjacent_pairs(listed_keys) if listed_joins is None else listed_joins.pairs
    found: list[tuple[tuple[int, int], tuple[int, int]]] = []
    if not listed_runs:
        return found
    for start in range(len(query_keys) - 1):
        first, second = query_keys[start], query_keys[start + 1]
        if not first or not second:
            continue
        for listed in listed_runs.get(first + second, ()):
            if listed_keys[listed] != first and len(first + second) >= MIN_JOINED_LETTERS:
                found.append(((start, start + 1), (listed, listed + 1)))
    return found


def joined_pairs(
    query_keys: Sequence[str], query_joins: Joins, listed_keys: Sequence[str], listed_joins: Joins
) -> list[tuple[float, tuple[int, ...], tuple[int, ...]]]:
    """Every join between a query and a listed name (``joins_of`` of each side's keys):
    (similarity, query tokens, listed tokens); a query word against listed runs, then a listed
    word against query runs, then regrouped pairs, each in its function's order. A kind of join
    whose lengths (or adjacent pairs) the two sides do not share is not looked for: it would
    find nothing."""
    found: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []
    # A word joins a run when their letters are equal (a bit of ``words`` and ``runs`` in
    # common) or when their lengths let its spelling be compared (``spelled_join``).
    if len(listed_keys) > 1 and (
        query_joins.lengths & listed_joins.reach or query_joins.words & listed_joins.runs
    ):
        for q, span, similarity in joined_options(query_keys, listed_keys):
            found.append((similarity, (q,), span))
    if len(query_keys) > 1 and (
        listed_joins.lengths & query_joins.reach or listed_joins.words & query_joins.runs
    ):
        for w, span, similarity in joined_options(listed_keys, query_keys):
            found.append((similarity, span, (w,)))
    if (
        len(query_keys) > 1
        and len(listed_keys) > 1
        and not listed_joins.pairs.keys().isdisjoint(query_joins.pairs)
    ):
        for q_span, w_span in regrouped_pairs(query_keys, listed_keys, listed_joins):
            found.append((1.0, q_span, w_span))
    return found
