"""Spelling similarity of two words: the mean of Jaro-Winkler (kind to shared prefixes, as names
typed in a hurry keep their start) and normalised optimal-string-alignment distance (which counts
every edit, a transposition as one)."""

from __future__ import annotations

from rapidfuzz.distance import OSA, JaroWinkler


def spelling(a: str, b: str) -> float:
    return (JaroWinkler.normalized_similarity(a, b) + OSA.normalized_similarity(a, b)) / 2
