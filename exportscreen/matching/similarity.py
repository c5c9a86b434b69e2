"""Spelling similarity of two words: the mean of Jaro-Winkler (kind to shared prefixes, as names
typed in a hurry keep their start) and normalised Levenshtein (which counts every edit)."""

from __future__ import annotations

from rapidfuzz.distance import JaroWinkler, Levenshtein


def spelling(a: str, b: str) -> float:
    return (JaroWinkler.normalized_similarity(a, b) + Levenshtein.normalized_similarity(a, b)) / 2
