"""An upper bound of a listed name's score from the pairs its alignment may choose
(``score.score_name``): a name whose bound is below the cutoff is not aligned at all, and most
candidates end there. What the bound reads of the options is gathered while they are made."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import compress
from operator import mul
from typing import Protocol

from exportscreen.matching.analyze import Token, TokenKind
from exportscreen.matching.index import MatchIndex, precision_bound
from exportscreen.matching.normalize import Script
from exportscreen.model import MatchKind


class PreparedToken(Protocol):
    """What ``key_only_words`` reads of a query token as ``score`` prepares it (its
    ``QueryToken``; described here, since score imports this module)."""

    @property
    def token(self) -> Token: ...
    @property
    def equivalents(self) -> dict[str, str]: ...
    @property
    def local(self) -> dict[str, dict[int, str]]: ...
    @property
    def sound(self) -> str: ...


# An alignment option: (similarity, query token indices, listed token indices, kind, note).
Option = tuple[float, tuple[int, ...], tuple[int, ...], MatchKind, str]

# The one-token index tuples of options, made once: (0,), (1,), ... (a name rarely has more).
SINGLES = tuple((i,) for i in range(32))


def singles(count: int) -> tuple[tuple[int], ...]:
    """One-token index tuples for ``count`` tokens (``SINGLES`` when it has enough)."""
    return SINGLES if count <= len(SINGLES) else tuple((i,) for i in range(count))


def options_of(
    rows: Sequence[Sequence[tuple[float, MatchKind, str]]],
    joins: Sequence[tuple[float, tuple[int, ...], tuple[int, ...]]],
) -> list[Option]:
    """The alignment's options, made once a name passes its bound: each query token's outcome
    against each listed word (``rows``, (similarity, kind, note)) that pairs them, token by
    token and word by word, then the joins (``joins.joined_pairs``)."""
    options: list[Option] = []
    for q, row in enumerate(rows):
        single_q, ones = (q,), singles(len(row))
        for w, (similarity, kind, note) in enumerate(row):
            if similarity > 0.0:
                options.append((similarity, single_q, ones[w], kind, note))
    options.extend((similarity, qs, ws, MatchKind.JOINED, "") for similarity, qs, ws in joins)
    return options


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


def key_only_words(query: Sequence[PreparedToken], index: MatchIndex) -> frozenset[int] | None:
    """Every vocabulary word a query may pair one to one when each of its tokens pairs by its
    key alone, else None. ``score.compare`` pairs a legal form or a number only with a listed
    token of the same kind and key, and a word in Han characters (its pinyin, or a reading of
    it) only with the listed word of its key or of one of its ``equivalents``: a near spelling
    of characters read aloud is other characters, so no skeleton, spelling or sound is tried.
    Equivalences local to an entry pair more (``score_name`` reads them per entry): None then.
    A listed name holding none of these words has no one-to-one option at all, and without a
    join its ``score_bound`` is 0.0 (no listed word matched, no query token pairable); most
    candidates of a name in Chinese characters or of a Korean name's readings are such names,
    reached by the spelled, key and near-word routes that a Latin word of that spelling takes.
    A superset of the words paired is safe: it only leaves more names to the full bound."""
    words: set[int] = set()
    for prepared in query:
        token = prepared.token
        if (
            prepared.local
            or prepared.sound  # a word read by sound pairs the listed words of its sound key
            or (token.kind == TokenKind.WORD and token.script is not Script.HAN)
        ):
            return None
        found = index.word_ids.get(token.key)
        if found is not None:
            words.add(found)
        if token.kind == TokenKind.WORD:
            # ``compare`` reads ``equivalents`` only for a word against a word.
            for other in prepared.equivalents:
                if (equivalent := index.word_ids.get(other)) is not None:
                    words.add(equivalent)
    return frozenset(words)
