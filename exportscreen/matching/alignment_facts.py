"""What the score adjustments ask of an alignment (``score.score_name``): whether a distinctive
word anchors it, how many of its pairs are words, whether one side matched whole. Read through
``pair_views``' structural types, so that this module need not import ``score``."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from exportscreen.matching.abbreviations import joining_words
from exportscreen.matching.analyze import TokenKind
from exportscreen.matching.guesses import DISTINCTIVE_WEIGHT
from exportscreen.matching.index import MatchIndex
from exportscreen.matching.pair_views import PairView, QueryTokenView
from exportscreen.model import MatchKind

MIN_WORD_PAIRS = 2
FULL_COVERAGE = 0.999
_WORD = int(TokenKind.WORD)
_NEAR = (MatchKind.FUZZY, MatchKind.PHONETIC, MatchKind.INITIAL)


def anchored(
    pairs: Sequence[PairView], query: Sequence[QueryTokenView], listed_weight: Sequence[float]
) -> bool:
    """Whether a distinctive word of the name matched otherwise than by a near spelling."""
    return any(
        p.kind not in _NEAR
        and (
            any(query[q].weight >= DISTINCTIVE_WEIGHT for q in p.query)
            or any(listed_weight[w] >= DISTINCTIVE_WEIGHT for w in p.listed)
        )
        for p in pairs
    )


def word_pairs(pairs: Sequence[PairView], query: Sequence[QueryTokenView]) -> int:
    """How many pairs matched a word of the query (not a legal form or a number)."""
    return sum(1 for p in pairs if any(query[q].token.kind == _WORD for q in p.query))


def one_side_whole(
    pairs: Sequence[PairView],
    query: Sequence[QueryTokenView],
    free_query: Collection[int],
    words: Sequence[int],
    free_listed: Collection[int],
    index: MatchIndex,
) -> bool:
    """Whether two words or more matched and every word of one side did (a typo in "Golden
    Business", a word dropped from or added to the listed name): the names agree on all that
    one of them says. Two names that each keep words of their own ("Prime Logistics" / "Prime
    International") do not, and an initial is not a word in common ("Toyota Motor" / T-MOTOR)."""
    if word_pairs([p for p in pairs if p.kind is not MatchKind.INITIAL], query) < MIN_WORD_PAIRS:
        return False
    return not any(query[q].token.kind == _WORD for q in free_query) or not any(
        index.word_kind[words[w]] == _WORD for w in free_listed
    )


def whole_name(
    pairs: Sequence[PairView],
    query: Sequence[QueryTokenView],
    free_query: Collection[int],
    words: Sequence[int],
    free_listed: Collection[int],
    index: MatchIndex,
) -> bool:
    """Whether every word of both names matched in full, but for joining words (of, and:
    ``joining_words.txt``: "China University of Science and Technology" is University of
    Science and Technology of China) and whatever
    the legal forms: a listed name made only of generic words is still a hit when the query
    is that name ("China Precision Machinery Import-Export" is "China Precision Machinery
    Import-Export Corp.")."""
    joining = joining_words()
    return (
        all(p.similarity >= FULL_COVERAGE for p in pairs)
        and any(query[q].token.kind == _WORD for p in pairs for q in p.query)
        and not any(
            query[q].token.kind == _WORD and query[q].token.key not in joining for q in free_query
        )
        and not any(
            index.word_kind[words[w]] == _WORD and index.words[words[w]] not in joining
            for w in free_listed
        )
    )
