"""What scoring keeps across queries (``score.score_name``): what it needs of each listed
name, worked out once per name for a caller that scores many queries against one index (a
screener's ``names``), and one object per distinct outcome of comparing two words."""

from __future__ import annotations

from typing import NamedTuple

from exportscreen.matching.analyze import NameRole, TokenKind
from exportscreen.matching.index import ROLE_FACTOR, MatchIndex
from exportscreen.matching.joins import Joins, joins_of
from exportscreen.model import MatchKind

_ROLE_FACTORS = [ROLE_FACTOR[NameRole(role)] for role in range(len(NameRole))]
_WORD = int(TokenKind.WORD)


class ListedName(NamedTuple):
    """What scoring needs of one listed name, worked out once per name (``listed_name``): a
    tuple of tuples of numbers and strings, which the garbage collector stops tracking (a batch
    worker keeps thousands, and each full collection would walk them all)."""

    words: tuple[int, ...]  # vocabulary words, in name order
    roles: bytes  # NameRole per word
    keys: tuple[str, ...]  # words' keys for joins ("" for a legal form or a number)
    weights: tuple[float, ...]  # word weights, role factors applied
    total: float  # sum of weights
    weak: bool  # a weak alias (``MatchIndex.name_weak``)
    joins: Joins
    owner: int  # the entry's position (``MatchIndex.name_entry``)
    entry_type: int  # the entry's EntryType position (``MatchIndex.entry_types``)


def listed_name(index: MatchIndex, name_id: int) -> ListedName:
    """The words of name ``name_id``, their roles, keys for joins and weights."""
    words, roles = index.tokens_of(name_id)
    weights, kinds, texts = index.word_weight, index.word_kind, index.words
    listed_weight = tuple(
        [weights[word] * _ROLE_FACTORS[role] for word, role in zip(words, roles, strict=True)]
    )
    keys = tuple([texts[w] if kinds[w] == _WORD else "" for w in words])
    owner = int(index.name_entry[name_id])
    return ListedName(
        tuple(words),
        roles,
        keys,
        listed_weight,
        sum(listed_weight),
        bool(index.name_weak[name_id]),
        joins_of(keys),
        owner,
        index.entry_types[owner],
    )


# Listed names a caller's ``names`` cache keeps (``score_name``); emptied when full.
LISTED_NAMES_KEPT = 200_000


# One object per distinct outcome of ``compare`` (there are a few thousand: similarities of
# short words take few values), shared by every token's ``compared``: a batch worker keeps
# hundreds of thousands of outcomes, which would otherwise be as many objects for the garbage
# collector to walk. Emptied when full (sharing only saves memory).
_OUTCOMES: dict[tuple[float, MatchKind, str], tuple[float, MatchKind, str]] = {}
SHARED_OUTCOMES = 65_536


def shared(outcome: tuple[float, MatchKind, str]) -> tuple[float, MatchKind, str]:
    found = _OUTCOMES.get(outcome)
    if found is None:
        if len(_OUTCOMES) >= SHARED_OUTCOMES:
            _OUTCOMES.clear()
        found = _OUTCOMES[outcome] = outcome
    return found
