"""An upper bound of a listed name's score from the pairs its alignment may choose
(``score.score_name``): a name whose bound is below the cutoff is not aligned at all, and most
candidates end there. What the bound reads of the options is gathered while they are made."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import compress
from operator import mul

from exportscreen.matching.index import precision_bound
from exportscreen.model import MatchKind

# An alignment option: (similarity, query token indices, listed token indices, kind, note).
Option = tuple[float, tuple[int, ...], tuple[int, ...], MatchKind, str]

# The one-token index tuples of options, made once: (0,), (1,), ... (a name rarely has more).
SINGLES = tuple((i,) for i in range(32))


def singles(count: int) -> tuple[tuple[int], ...]:
    """One-token index tuples for ``count`` tokens (``SINGLES`` when it has enough)."""
    return SINGLES if count <= len(SINGLES) else tuple((i,) for i in range(count))


def score_bound(
    query_weights: Sequence[float],
    everything: float,
    listed_weights: Sequence[float],
    listed_total: float,
    best_listed: Sequence[float],
    pairable: Sequence[bool],
) -> float:
    """An upper bound of the name score before penalties (which only lower it): each listed
    token matched at its best similarity among the options (recall), and every query token
    that is in an option (``pairable``) matched in full (precision). ``everything`` is the
    query's weight (``query_weights`` summed), ``listed_total`` the listed name's. The sums are
    taken in token order, as the scorer takes them (most candidates end here: ``map`` and
    ``compress`` rather than generators)."""
    recall = sum(map(mul, listed_weights, best_listed)) / listed_total if listed_total else 0.0
    # Precision grows with the weight of the query tokens that can be matched.
    matchable = sum(compress(query_weights, pairable))
    precision = min(1.0, precision_bound(matchable, everything)) if everything else 0.0
    return math.sqrt(precision * min(1.0, recall))
