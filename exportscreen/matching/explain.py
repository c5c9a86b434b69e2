"""Turning a scored alignment into the ``Explanation`` analysts read: which query words matched
which listed words and how, what was left over, and what lowered the score."""

from __future__ import annotations

from collections.abc import Sequence

from exportscreen.matching.analyze import AnalyzedName, Token
from exportscreen.matching.score import NameScore, QueryToken
from exportscreen.model import Explanation, MatchKind, Penalty, TokenMatch

# A listed word rewritten from an abbreviation or a translation explains an equal-key pair better
# than "exact" does.
_REWRITES = (MatchKind.ABBREVIATION, MatchKind.TRANSLATED, MatchKind.LEGAL_FORM)
_SHOWN_PAIRS = 6


def _kind(kind: MatchKind, query: Sequence[Token], listed: Sequence[Token]) -> MatchKind:
    if kind is not MatchKind.EXACT:
        return kind
    for token in (*query, *listed):
        if token.via in _REWRITES and token.via is not None:
            return token.via
    if any(q.surface != q.key for q in query) and any(
        t.via is MatchKind.TRANSLITERATED for t in (*query, *listed)
    ):
        return MatchKind.TRANSLITERATED
    return MatchKind.EXACT


def explain(
    scored: NameScore,
    query: list[QueryToken],
    listed: AnalyzedName,
    extra_tokens: Sequence[TokenMatch] = (),
    extra_penalties: Sequence[Penalty] = (),
    notes: Sequence[str] = (),
    final_score: float | None = None,
) -> Explanation:
    """The explanation of one hit. ``final_score`` is the score after entry qualifiers."""
    tokens: list[TokenMatch] = []
    used_query: set[int] = set()
    used_listed: set[int] = set()
    for pair in scored.pairs:
        query_tokens = [query[i].token for i in pair.query]
        listed_tokens = [listed.tokens[i] for i in pair.listed]
        used_query.update(pair.query)
        used_listed.update(pair.listed)
        tokens.append(
            TokenMatch(
                query=" ".join(dict.fromkeys(t.surface for t in query_tokens)),
                candidate=" ".join(dict.fromkeys(t.surface for t in listed_tokens)),
                kind=_kind(pair.kind, query_tokens, listed_tokens),
                similarity=round(pair.similarity, 4),
                weight=round(sum(query[i].weight for i in pair.query), 4),
                note=pair.note,
            )
        )
    tokens.extend(extra_tokens)
    unmatched_query = tuple(
        query[i].token.surface for i in range(len(query)) if i not in used_query
    )
    unmatched_listed = tuple(
        listed.tokens[i].surface for i in range(len(listed.tokens)) if i not in used_listed
    )
    penalties = [
        Penalty(reason, round(amount, 4), feature) for feature, reason, amount in scored.penalties
    ]
    penalties.extend(extra_penalties)
    score = scored.score if final_score is None else final_score
    return Explanation(
        tokens=tuple(tokens),
        penalties=tuple(penalties),
        unmatched_query=unmatched_query,
        unmatched_candidate=unmatched_listed,
        summary=_summary(
            score, scored, tokens, unmatched_query, unmatched_listed, penalties, notes
        ),
    )


def _summary(
    score: float,
    scored: NameScore,
    tokens: Sequence[TokenMatch],
    unmatched_query: Sequence[str],
    unmatched_listed: Sequence[str],
    penalties: Sequence[Penalty],
    notes: Sequence[str],
) -> str:
    shown = [
        f"{t.query}={t.candidate}" + ("" if t.kind is MatchKind.EXACT else f" ({t.kind.value})")
        for t in tokens[:_SHOWN_PAIRS]
    ]
    if len(tokens) > _SHOWN_PAIRS:
        shown.append(f"+{len(tokens) - _SHOWN_PAIRS} more")
    parts = [f"score {score:.2f}: matched " + (", ".join(shown) if shown else "nothing")]
    if unmatched_query:
        parts.append("query words not found: " + ", ".join(unmatched_query))
    if unmatched_listed:
        parts.append("listed words not in query: " + ", ".join(unmatched_listed))
    if penalties:
        parts.append("lowered by: " + "; ".join(p.reason for p in penalties))
    parts.append(f"coverage {scored.precision:.0%} of query, {scored.recall:.0%} of listed name")
    parts.extend(notes)
    return "; ".join(parts)
