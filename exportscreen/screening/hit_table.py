"""The table a bulk screening run produces, defined once for the batch files and for Spark.

An input row becomes a ``Query``; the screener's hits for it become rows of ``OUTPUT_COLUMNS``.
Both ``exportscreen.screening.batch`` (worker processes) and ``exportscreen.screening.spark``
(executors) go through ``screen_query`` so that the same input gives the same rows on a laptop
and on a cluster.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, Self, TypeVar

from exportscreen.model import EntryType, Hit, LicenceScope, PartyScreener, ReviewPolicy
from exportscreen.screening.screener import entry_type
from exportscreen.screening.tabular import Column, ColumnKind
from exportscreen.text.countries import country_code

OUTPUT_COLUMNS: tuple[Column, ...] = (
    Column("input_id"),
    Column("input_name"),
    Column("rank", ColumnKind.INTEGER),  # 1 = best hit for this input; empty when it has none
    Column("score", ColumnKind.REAL),
    Column("list"),  # ListCode value: EL, SDN, MEU...
    Column("entry_id"),
    Column("entry_name"),
    Column("matched_name"),  # the primary name or alias that matched
    Column("licence_requirement"),
    Column("review_policy"),
    Column("explanation"),
)
OUTPUT_NAMES: tuple[str, ...] = tuple(c.name for c in OUTPUT_COLUMNS)

OutputRow = tuple[str | int | float | None, ...]
_RepeatKey = tuple[str, str | None, EntryType | None, tuple[tuple[str, str | tuple[str, ...]], ...]]


class ShippableScreener(PartyScreener, Protocol):
    """A screener that can be sent to another process or machine: ``to_bytes`` there and the
    class's ``from_bytes`` back (``exportscreen.screening.screener.Screener`` is one)."""

    def to_bytes(self) -> bytes: ...

    @classmethod
    def from_bytes(cls, data: bytes) -> Self: ...


@dataclass(frozen=True, slots=True)
class Query:
    """One counterparty to screen, as read from one input row."""

    row: int  # the input row number, for the errors file
    line: int | None
    input_id: str
    name: str
    country: str | None = None  # ISO 3166-1 alpha-2
    type: EntryType | None = None
    # The optional qualifiers a row gives (batch.QUALIFIER_ROLES), as Screener.screen's keyword
    # arguments: date_of_birth, nationality, identifiers, address.
    qualifiers: tuple[tuple[str, str | tuple[str, ...]], ...] = ()


class QueryError(ValueError):
    """An input row that cannot be screened. ``role`` says which input is at fault ("name",
    "country" or "type"); the caller knows which column of its file that is."""

    def __init__(self, role: str, reason: str):
        super().__init__(reason)
        self.role = role
        self.reason = reason


def make_query(
    row: int,
    line: int | None,
    input_id: str,
    name: str | None,
    country: str | None = None,
    type: str | None = None,
    qualifiers: Mapping[str, str] | None = None,
) -> Query:
    """A Query from raw cell values, or QueryError for an empty name, an unknown type or an
    unknown nationality.

    A country that names no country (``"N/A"``, ``"?"``) is dropped rather than refused: the
    name can still be screened, only without the country qualifier. ``qualifiers`` are the
    cells of the qualifier columns by role ("date_of_birth", "nationality", "identifier" with
    several identifiers separated by ";", "address"); an empty cell is no qualifier."""
    text = " ".join((name or "").split())
    if not text:
        raise QueryError("name", "empty name")
    try:
        party_type = entry_type(type) if type and type.strip() else None
    except ValueError as error:
        raise QueryError("type", str(error)) from error
    given: list[tuple[str, str | tuple[str, ...]]] = []
    for role, cell in (qualifiers or {}).items():
        value = " ".join(cell.split())
        if not value:
            continue
        if role == "identifier":
            given.append(("identifiers", tuple(v.strip() for v in value.split(";") if v.strip())))
        elif role == "nationality":
            if not country_code(value):
                raise QueryError(role, f"unknown nationality {value!r}")
            given.append((role, value))
        else:
            given.append((role, value))
    return Query(
        row=row,
        line=line,
        input_id=input_id,
        name=text,
        country=(country_code(country) or None) if country else None,
        type=party_type,
        qualifiers=tuple(given),
    )


def _licence_text(hit: Hit) -> str:
    licence = hit.entry.licence
    if licence.raw:
        return licence.raw
    return "" if licence.scope is LicenceScope.NONE else licence.scope.value


def _review_text(hit: Hit) -> str:
    review = hit.entry.review
    if review.policy is not ReviewPolicy.NONE:
        return review.policy.value
    return review.raw


def _hit_row(query: Query, rank: int, hit: Hit) -> OutputRow:
    return (
        query.input_id,
        query.name,
        rank,
        hit.score,
        hit.entry.list.value,
        hit.entry.id,
        hit.entry.name,
        hit.matched_name,
        _licence_text(hit),
        _review_text(hit),
        hit.explanation.summary,
    )


def rows_for(query: Query, hits: Sequence[Hit], *, best_only: bool = False) -> list[OutputRow]:
    """Output rows for one query: one per hit, best first, or with ``best_only`` exactly one
    (the best hit, or the input alone when nothing reached the threshold)."""
    ranked = sorted(hits, key=lambda h: -h.score)
    if best_only:
        if not ranked:
            return [(query.input_id, query.name) + (None,) * (len(OUTPUT_COLUMNS) - 2)]
        ranked = ranked[:1]
    return [_hit_row(query, rank, hit) for rank, hit in enumerate(ranked, 1)]


_Kept = TypeVar("_Kept")
# Distinct queries whose answers a bulk run keeps (a few hundred bytes each: most have no hit).
REPEAT_CAPACITY = 200_000


class RepeatedQueries(Generic[_Kept]):
    """What a bulk run keeps of each distinct query, by name, country, type and qualifiers
    (``repeat_key``): a customer file repeats parties (branches, duplicates, one party as buyer
    and consignee), and the same screener gives the same hits to the same query. The most
    recent ``capacity`` queries are kept, the oldest dropped first. Valid for one screener and
    one set of options only. A Spark executor keeps the hits themselves (``screen_query``); a
    batch run's parent process keeps each query's answer, to come from whichever worker
    screened it (``batch._Answer``)."""

    def __init__(self, capacity: int = REPEAT_CAPACITY):
        self.capacity = capacity
        # Ordered for dropping the oldest in constant time (a plain dict's first key is found
        # by scanning past every slot deleted before it: quadratic in a long run).
        self.answers: OrderedDict[_RepeatKey, _Kept] = OrderedDict()
        self.reused = 0  # queries answered from an earlier one

    def get(self, query: Query) -> _Kept | None:
        found = self.answers.get(repeat_key(query))
        if found is not None:
            self.reused += 1
        return found

    def put(self, query: Query, answer: _Kept) -> None:
        if len(self.answers) >= self.capacity:
            self.answers.popitem(last=False)
        self.answers[repeat_key(query)] = answer

    def get_or_put(self, query: Query, new: Callable[[], _Kept]) -> tuple[_Kept, bool]:
        """The query's answer, and whether it is new (``new()``, kept): the first row asking."""
        found = self.get(query)
        if found is not None:
            return found, False
        answer = new()
        self.put(query, answer)
        return answer, True


def repeat_key(query: Query) -> _RepeatKey:
    """What makes two queries the same: rows with equal keys get the same hits."""
    return query.name, query.country, query.type, query.qualifiers


def screen_query(
    screener: PartyScreener,
    query: Query,
    *,
    threshold: float | None = None,
    limit: int = 10,
    best_only: bool = False,
    repeats: RepeatedQueries[list[Hit] | QueryError] | None = None,
) -> list[OutputRow]:
    """The output rows for one query; QueryError when the screener refuses the name (one with
    no letter or digit in it, such as "---"). With ``repeats``, a query asked before in this
    run is answered from it (the options must be the same for every query of the run)."""
    answer = repeats.get(query) if repeats is not None else None
    if answer is None:
        try:
            # Qualifiers only when the row gives some: a PartyScreener need not take them.
            answer = screener.screen(
                query.name,
                country=query.country,
                type=query.type,
                limit=1 if best_only else limit,
                threshold=threshold,
                **dict(query.qualifiers),
            )
        except ValueError as error:
            answer = QueryError("name", str(error))
        if repeats is not None:
            repeats.put(query, answer)
    if isinstance(answer, QueryError):
        # A new exception each time: one raised again would carry every earlier traceback.
        raise QueryError(answer.role, answer.reason)
    return rows_for(query, answer, best_only=best_only)
