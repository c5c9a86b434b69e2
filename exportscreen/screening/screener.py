"""The Screener: every listed party that a name (and optionally a country, type, date of birth or
identifier) may refer to, scored 0..1 and explained.

A score means the same on every list: name evidence from ``matching.score`` (IDF-weighted token
alignment), lowered by qualifiers (entity type, country, date of birth) that disagree (a legal
form in the query says it names a company, so a listed person is a type mismatch), and
raised to at least IDENTIFIER_MATCH_SCORE by an equal identifier. Agreement on a qualifier never
raises a score above its name evidence.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np

from exportscreen import settings
from exportscreen.matching.analyze import AnalyzedName, TokenKind, analyze
from exportscreen.matching.explain import explain
from exportscreen.matching.index import (
    DEFAULT_CANDIDATES,
    MatchIndex,
    QueryKey,
    normalise_identifier,
)
from exportscreen.matching.normalize import MAX_NAME_CHARS, Script
from exportscreen.matching.score import NameScore, QueryToken, prepare, score_name
from exportscreen.model import (
    Entry,
    EntryType,
    Explanation,
    Hit,
    ListCode,
    MatchKind,
    Penalty,
    TokenMatch,
)
from exportscreen.text.countries import country_code

ALGORITHM = "exportscreen-match/2"
# Candidates from the index that are aligned and scored in full, best first.
SCORED_CANDIDATES = 60
# Slack for pairs the index does not propose but the scorer finds (a typo of a listed word that
# is itself another listed word).
REACH_MARGIN = 0.02
TYPE_MISMATCH_PENALTY = 0.15
COUNTRY_MISMATCH_PENALTY = 0.1
BIRTH_YEAR_MISMATCH_PENALTY = 0.15
IDENTIFIER_MATCH_SCORE = 0.95

_TYPE_WORDS: Mapping[str, EntryType] = {
    "person": EntryType.INDIVIDUAL,
    "individual": EntryType.INDIVIDUAL,
    "company": EntryType.ENTITY,
    "entity": EntryType.ENTITY,
    "organization": EntryType.ENTITY,
    "organisation": EntryType.ENTITY,
    "business": EntryType.ENTITY,
    "vessel": EntryType.VESSEL,
    "aircraft": EntryType.AIRCRAFT,
}
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_YEAR_RANGE = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)\s*(?:to|-|–)\s*(1[89]\d\d|20\d\d)(?!\d)")


def entry_type(value: str | EntryType | None) -> EntryType | None:
    """The entry type a query's ``type`` names ("person", "company", "vessel"...)."""
    if value is None or isinstance(value, EntryType):
        return value
    found = _TYPE_WORDS.get(value.strip().lower())
    if found is None:
        try:
            return EntryType(value.strip().lower())
        except ValueError:
            known = ", ".join(sorted(_TYPE_WORDS))
            raise ValueError(f"unknown entity type {value!r}; expected one of {known}") from None
    return found


def _birth_years(texts: Iterable[str]) -> set[int]:
    years: set[int] = set()
    for text in texts:
        for start, end in _YEAR_RANGE.findall(text):
            years.update(range(int(start), int(end) + 1))
        years.update(int(y) for y in _YEAR.findall(text))
    return years


def _entry_countries(entry: Entry) -> set[str]:
    found = {c for c in entry.countries if c}
    for value in (*entry.nationalities, *entry.citizenships):
        if code := country_code(value):
            found.add(code)
    return found


@dataclass(frozen=True, slots=True)
class _Query:
    analysis: AnalyzedName
    tokens: list[QueryToken]


class Screener:
    """Screens names against an index of list entries. Build with ``open`` (from the store) or
    ``from_entries``; ship to other processes with ``to_bytes`` / ``from_bytes`` (or pickle)."""

    algorithm = ALGORITHM

    def __init__(self, index: MatchIndex, version_ids: Mapping[ListCode, int] | None = None):
        self._index = index
        self.version_ids: dict[ListCode, int] = dict(version_ids or {})

    # --- construction ----------------------------------------------------------------------

    @classmethod
    def from_entries(cls, entries: Iterable[Entry]) -> Screener:
        return cls(MatchIndex.build(entries))

    @classmethod
    def open(cls, db: str | None = None) -> Screener:
        """The current version of every list in the store at ``db`` (default: settings)."""
        # Imported by name: the store is optional for users who only screen from entries.
        store_module: Any = importlib.import_module("exportscreen.store")
        store = store_module.Store.open(db or settings.default_db_url())
        versions: Mapping[ListCode, int] = store.current_version_ids()
        return cls(MatchIndex.build(store.entries()), versions)

    def to_bytes(self) -> bytes:
        """The index and version ids, for ``from_bytes`` in another process."""
        header = msgspec.json.encode(dict(self.version_ids))
        return len(header).to_bytes(4, "big") + header + self._index.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Screener:
        size = int.from_bytes(data[:4], "big")
        # A JSON object of list code -> version id, checked on the way in (an unknown list code
        # or a non-integer id raises rather than building a screener with wrong provenance).
        versions = msgspec.json.decode(data[4 : 4 + size], type=dict[ListCode, int])
        index = MatchIndex.from_bytes(data[4 + size :])
        return cls(index, versions)

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return (Screener.from_bytes, (self.to_bytes(),))

    # --- lookups ---------------------------------------------------------------------------

    @property
    def entries(self) -> Sequence[Entry]:
        """Every indexed entry (unpickled on access after ``from_bytes``)."""
        return self._index.entries

    def entry(self, entry_id: str) -> Entry | None:
        position = self._index.entry_position.get(entry_id)
        return None if position is None else self._index.entries[position]

    def __len__(self) -> int:
        return len(self._index.entries)

    # --- screening -------------------------------------------------------------------------

    def _query(self, name: str) -> _Query:
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, not {type(name).__name__}")
        analysis = analyze(name)
        if not analysis.tokens:
            raise ValueError(
                f"name {name[:80]!r} has no letters or digits to screen"
                if analysis.text
                else "name is empty or whitespace only"
            )
        return _Query(analysis, prepare(analysis, self._index))

    def screen(
        self,
        name: str,
        country: str | None = None,
        type: str | EntryType | None = None,
        limit: int = 10,
        threshold: float | None = None,
        *,
        lists: Collection[ListCode | str] | None = None,
        date_of_birth: str | None = None,
        identifiers: Iterable[str] | None = None,
    ) -> list[Hit]:
        """Listed parties ``name`` may refer to, best first: at most ``limit`` hits scoring at
        least ``threshold`` (default ``settings.DEFAULT_THRESHOLD``)."""
        cutoff = settings.DEFAULT_THRESHOLD if threshold is None else float(threshold)
        if not 0.0 <= cutoff <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
        if limit < 0:
            raise ValueError(f"limit must not be negative, not {limit}")
        wanted_type = entry_type(type)
        wanted_country = ""
        if country is not None and country.strip():
            wanted_country = country_code(country)
            if not wanted_country:
                raise ValueError(f"unknown country {country!r}")
        query = self._query(name)
        if limit == 0:
            return []
        index = self._index
        allowed = None
        if lists is not None:
            codes = list(ListCode)
            allowed = np.zeros(len(codes), dtype=np.bool_)
            for code in lists:
                allowed[codes.index(ListCode(code))] = True

        keyed = [
            QueryKey(
                q.token.key,
                q.token.kind,
                q.weight,
                q.consonants if q.token.script is Script.ARABIC else "",
            )
            for q in query.tokens
        ]
        # A name scores at most its bound (see MatchIndex.candidates): names that cannot reach
        # the cutoff are not aligned at all.
        candidates = [
            name_id
            for name_id, _ in index.candidates(
                keyed, DEFAULT_CANDIDATES, allowed, min_bound=cutoff - REACH_MARGIN
            )
        ][:SCORED_CANDIDATES]
        seen = set(candidates)
        for name_id in index.exact.get(query.analysis.exact_key).tolist():
            if name_id not in seen and (allowed is None or allowed[index.name_list[name_id]]):
                candidates.append(name_id)
                seen.add(name_id)

        identifier_entries: dict[int, str] = {}
        for value in identifiers or ():
            normal = normalise_identifier(value)
            for position in index.identifiers.get(normal).tolist():
                identifier_entries.setdefault(position, value)

        memo: dict[tuple[int, int], Any] = {}
        best: dict[int, NameScore] = {}
        for name_id in candidates:
            owner = int(index.name_entry[name_id])
            # A name scoring below the cutoff is dropped unless an identifier makes its entry a
            # hit: only those names need their exact score.
            needed = 0.0 if owner in identifier_entries else cutoff
            scored = score_name(query.tokens, name_id, index, memo, needed)
            if owner not in best or scored.score > best[owner].score:
                best[owner] = scored
        for position in identifier_entries:
            if position not in best and (
                allowed is None or allowed[list(ListCode).index(index.entries[position].list)]
            ):
                name_id = int(np.flatnonzero(index.name_entry == position)[0])
                best[position] = score_name(query.tokens, name_id, index, memo)

        hits: list[Hit] = []
        for position, scored in best.items():
            if scored.score < cutoff and position not in identifier_entries:
                continue  # qualifiers only lower a score: no need to look at the entry
            hit = self._qualify(
                query,
                index.entries[position],
                scored,
                wanted_type,
                wanted_country,
                date_of_birth,
                identifier_entries.get(position),
                cutoff,
            )
            if hit is not None:
                hits.append(hit)
        hits.sort(key=lambda h: (-h.score, h.entry.list.value, h.entry.id))
        return hits[:limit]

    def _qualify(
        self,
        query: _Query,
        entry: Entry,
        scored: NameScore,
        wanted_type: EntryType | None,
        wanted_country: str,
        date_of_birth: str | None,
        identifier: str | None,
        cutoff: float,
    ) -> Hit | None:
        """Apply entry-level qualifiers to the best name score; None below the cutoff."""
        score = scored.score
        penalties: list[Penalty] = []
        extra_tokens: list[TokenMatch] = []
        if wanted_type is not None and entry.type not in (wanted_type, EntryType.ADDRESS_ONLY):
            penalties.append(
                Penalty(
                    f"type mismatch: {wanted_type.value} vs {entry.type.value}",
                    TYPE_MISMATCH_PENALTY,
                )
            )
        if wanted_type is None and entry.type is EntryType.INDIVIDUAL:
            form = next((t for t in query.analysis.tokens if t.kind is TokenKind.LEGAL), None)
            if form is not None:
                # A legal form says the query names a company, whatever type was (not) given.
                penalties.append(
                    Penalty(
                        f"type mismatch: legal form {form.surface!r} names a company, "
                        "the listed party is a person",
                        TYPE_MISMATCH_PENALTY,
                    )
                )
        if wanted_country:
            listed_countries = _entry_countries(entry)
            if listed_countries and wanted_country not in listed_countries:
                shown = "/".join(sorted(listed_countries))
                penalties.append(
                    Penalty(
                        f"country mismatch: {wanted_country} vs {shown}", COUNTRY_MISMATCH_PENALTY
                    )
                )
        if date_of_birth:
            wanted_years = _birth_years([date_of_birth])
            listed_years = _birth_years(entry.dates_of_birth)
            if wanted_years and listed_years and not wanted_years & listed_years:
                shown = "/".join(str(y) for y in sorted(listed_years)[:4])
                penalties.append(
                    Penalty(
                        f"birth year mismatch: {date_of_birth} vs {shown}",
                        BIRTH_YEAR_MISMATCH_PENALTY,
                    )
                )
        for penalty in penalties:
            score -= penalty.amount
        if identifier is not None:
            extra_tokens.append(
                TokenMatch(identifier, identifier, MatchKind.EXACT, 1.0, 1.0, "identifier match")
            )
            score = max(score, IDENTIFIER_MATCH_SCORE)
        score = round(min(1.0, max(0.0, score)), 4)
        if score < cutoff:
            return None
        index = self._index
        listed = analyze(index.name_text[scored.name_id], entry.type is EntryType.INDIVIDUAL)
        notes = []
        if query.analysis.truncated:
            notes.append(f"query truncated to its first {MAX_NAME_CHARS} characters")
        explanation: Explanation = explain(
            scored, query.tokens, listed, extra_tokens, penalties, notes, score
        )
        return Hit(entry, score, index.name_text[scored.name_id], explanation)

    def screen_many(
        self, queries: Iterable[str | Mapping[str, Any]], **defaults: Any
    ) -> list[list[Hit]]:
        """``screen`` for each query: a name, or a mapping of ``screen``'s keyword arguments
        (``{"name": ..., "country": ...}``); ``defaults`` apply to every query."""
        results: list[list[Hit]] = []
        for query in queries:
            if isinstance(query, str):
                results.append(self.screen(query, **defaults))
            else:
                results.append(self.screen(**{**defaults, **query}))
        return results
