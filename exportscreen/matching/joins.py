"""Words joined or split differently on the two sides of a comparison ("Gazprombank" /
"Gazprom Bank", "Myongc Hin" / "Myong Chin"): the options the scorer's alignment weighs beside
its one-to-one pairs (``score.score_name``)."""

from __future__ import annotations

import functools

from exportscreen.matching.similarity import spelling

MIN_JOINED_SIMILARITY = 0.95
MAX_JOINED_PARTS = 3
MIN_JOINED_LETTERS = 4  # a joined word is at least two words long
MAX_JOINED_LENGTH_GAP = 2


def joined_similarity(single: str, parts: list[str]) -> float:
    joined = "".join(parts)
    if single == joined:
        return 1.0
    similarity = spelling(single, joined)
    return similarity if similarity >= MIN_JOINED_SIMILARITY else 0.0


# Run tables kept for this many word sequences: a customer file's names and the listed names
# they reach repeat, and a sequence's runs depend on its words only.
RUN_TABLES_KEPT = 65_536

_Runs = tuple[tuple[tuple[int, int, int], ...], int, int]


@functools.lru_cache(maxsize=RUN_TABLES_KEPT)
def _runs(others: tuple[str, ...]) -> _Runs:
    """The runs of two or three adjacent words of ``others``: ((start, end inclusive, joined
    length), ...), with the shortest and longest joined length (0, 0 without runs)."""
    runs: list[tuple[int, int, int]] = []
    for start in range(len(others) - 1):
        total = len(others[start])
        if not total:
            continue
        for end in range(start + 1, min(start + MAX_JOINED_PARTS, len(others))):
            if not others[end]:
                break
            total += len(others[end])
            runs.append((start, end, total))
    if not runs:
        return (), 0, 0
    lengths = [total for _, _, total in runs]
    return tuple(runs), min(lengths), max(lengths)


def joined_options(
    singles: list[str], others: list[str]
) -> list[tuple[int, tuple[int, ...], float]]:
    """Each word of ``singles`` against runs of two or three adjacent words of ``others`` whose
    joined length is close to its own: (single, run, similarity). An empty string is a token
    that takes no part in joins (a legal form, a number)."""
    # The runs and their lengths first (kept per word sequence): most names have no run of a
    # single's length, and then no word is compared at all.
    found: list[tuple[int, tuple[int, ...], float]] = []
    if len(others) < 2:
        return found
    runs, shortest, longest = _runs(tuple(others))
    if not runs:
        return found
    lowest = max(MIN_JOINED_LETTERS, shortest - MAX_JOINED_LENGTH_GAP)
    highest = longest + MAX_JOINED_LENGTH_GAP
    for single, text in enumerate(singles):
        if not lowest <= len(text) <= highest:
            continue
        for start, end, total in runs:
            if abs(total - len(text)) > MAX_JOINED_LENGTH_GAP:
                continue
            similarity = joined_similarity(text, others[start : end + 1])
            if similarity:
                found.append((single, tuple(range(start, end + 1)), similarity))
    return found


def regrouped_pairs(
    query_keys: list[str], listed_keys: list[str]
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Two adjacent words on each side that are the same letters cut elsewhere ("Myongc Hin" /
    "Myong Chin"): (query pair, listed pair). Equal words are left to the one-to-one pairs."""
    listed_runs: dict[str, list[int]] = {}
    for start in range(len(listed_keys) - 1):
        first, second = listed_keys[start], listed_keys[start + 1]
        if first and second:
            listed_runs.setdefault(first + second, []).append(start)
    found: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for start in range(len(query_keys) - 1):
        first, second = query_keys[start], query_keys[start + 1]
        if not first or not second:
            continue
        for listed in listed_runs.get(first + second, ()):
            if listed_keys[listed] != first and len(first + second) >= MIN_JOINED_LETTERS:
                found.append(((start, start + 1), (listed, listed + 1)))
    return found
