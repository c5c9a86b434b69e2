"""Spelling similarity of two words: the mean of Jaro-Winkler (kind to shared prefixes, as names
typed in a hurry keep their start) and normalised optimal-string-alignment distance (which counts
every edit, a transposition as one)."""

from __future__ import annotations

from rapidfuzz.distance import OSA, JaroWinkler


def spelling(a: str, b: str) -> float:
    return (JaroWinkler.normalized_similarity(a, b) + OSA.normalized_similarity(a, b)) / 2


def transposed(a: str, b: str) -> bool:
    """Two words equal but for two adjacent letters swapped after the first ("sko" / "sok")."""
    if len(a) != len(b) or a[0] != b[0] or a == b:
        return False
    differ = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and a[differ[0]] == b[differ[1]]
        and a[differ[1]] == b[differ[0]]
    )
