"""An upper bound of a listed name's score from the pairs its alignment may choose
(``score.score_name``): a name whose bound is below the cutoff is not aligned at all, and most
candidates end there. What the bound reads of the options is gathered while they are made."""

from __future__ import annotations

import math
from collections.abc import Sequence

from exportscreen.matching.index import precision_bound
from exportscreen.matching.pair_views import QueryTokenView
from exportscreen.model import MatchKind

# An alignment option: (similarity, query token indices, listed token indices, kind, note).
Option = tuple[float, tuple[int, ...], tuple[int, ...], MatchKind, str]

# The one-token index tuples of options, made once: (0,), (1,), ... (a name rarely has more).
SINGLES = tuple((i,) for i in range(32))


def singles(count: int) -> tuple[tuple[int], ...]:
    """One-token index tuples for ``count`` tokens (``SINGLES`` when it has enough)."""
    return SINGLES if count <= len(SINGLES) else tuple((i,) for i in range(count))


def score_bound(
    query: Sequence[QueryTokenView],
    everything: float,
    listed_weights: Sequence[float],
    listed_total: float,
    best_listed: Sequence[float],
    pairable: Sequence[bool],
) -> float:
    """An upper bound of the name score before penalties (which only lower it): each listed
    token matched at its best similarity among the options (recall), and every query token
    that is in an option (``pairable``) matched in full (precision). ``everything`` is the
    query's weight, ``listed_total`` the listed name's."""
    recall = (
        sum(w * s for w, s in zip(listed_weights, best_listed, strict=True)) / listed_total
        if listed_total
        else 0.0
    )
    # Precision grows with the weight of the query tokens that can be matched.
    matchable = sum(q.weight for q, can in zip(query, pairable, strict=True) if can)
    precision = min(1.0, precision_bound(matchable, everything)) if everything else 0.0
    return math.sqrt(precision * min(1.0, recall))
