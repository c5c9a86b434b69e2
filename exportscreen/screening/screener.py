"""The Screener: every listed party that a name (and optionally a country, type, date of birth or
identifier) may refer to, scored 0..1 and explained.

A score means the same on every list: name evidence from ``matching.score`` (IDF-weighted token
alignment), then the features of a ``MatcherConfig`` (``screening.features``): lowered by
qualifiers (entity type, country, date of birth) that disagree (a legal form in the query says it
names a company, so a listed person is a type mismatch), and raised to at least
``IDENTIFIER_MATCH_SCORE`` by an equal identifier. Agreement on a qualifier never raises a score
above its name evidence.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt

from exportscreen import settings
from exportscreen.matching.acronyms import listed_forms
from exportscreen.matching.alias_marks import AliasMarks
from exportscreen.matching.analyze import AnalyzedName, Token, analyze
from exportscreen.matching.equivalences import pinyin_syllables
from exportscreen.matching.explain import explain
from exportscreen.matching.index import (
    DEFAULT_CANDIDATES,
    MatchIndex,
    normalise_identifier,
)
from exportscreen.matching.index_build import build_index
from exportscreen.matching.normalize import MAX_NAME_CHARS
from exportscreen.matching.postings import LearntRoutes
from exportscreen.matching.readings import prepare_query_reading, query_readings
from exportscreen.matching.score import (
    NameScore,
    QueryToken,
    candidate_keys,
    prepare_token,
    score_name,
)
from exportscreen.matching.score_keep import ListedName
from exportscreen.matching.weights import population_zipf
from exportscreen.model import Entry, EntryType, Explanation, Hit, ListCode, MatchKind, TokenMatch
from exportscreen.screening.features import ALGORITHM as ALGORITHM  # screener.ALGORITHM, as before
from exportscreen.screening.features import (
    DEFAULT_CONFIG,
    SAME_ADDRESS,
    AddressMatch,
    IdentifierMatch,
    MatcherConfig,
    QueryFacts,
    best_address,
    qualify,
)
from exportscreen.screening.table_cache import load_word_sets
from exportscreen.text.countries import country_code

# Candidates from the index that are aligned and scored in full, best first.
SCORED_CANDIDATES = 60
# Query tokens whose prepared form (``score.prepare_token``) a screener keeps: a customer file
# repeats its words far more than its names. Emptied when full.
PREPARED_TOKENS = 65_536
# Names whose analysis and readings load every table the matcher otherwise loads when a name first
# needs it (CC-CEDICT's business words, pinyin, OpenCC, the Hanja readings, wordfreq's Arabic
# list for katakana read as Arabic): ``load_tables``.
TABLE_LOADING_NAMES = ("北京华为技术有限公司", "崔龍海", "김정은", "サダム・フセイン")
# Slack below the cutoff for names aligned all the same. The bound counts every listed word
# the scorer pairs one to one, but not every join: a query word a near spelling of two listed
# words written together (spelling 0.95 or more, ``joins``) reaches them only when a route
# reaches each part, and words in more than MAX_POSTING names find no candidates.
REACH_MARGIN = 0.02


def candidate_bound(cutoff: float) -> float:
    """The least index bound of a name aligned for a query at ``cutoff`` (what the delta
    re-screen filter must pass). The index's bound counts every listed word the scorer may pair
    with a query word (``routes.SpelledRoute`` reaches the near spellings), so a name bounded
    below the cutoff cannot score above it."""
    return cutoff - REACH_MARGIN


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


def _indexed_form(index: MatchIndex, name_id: int, person: bool) -> AnalyzedName:
    """The analysis of a listed name the index holds as ``name_id`` (a name may be indexed in
    more than one form: ``analyze.listed_forms``), for the explanation's token positions."""
    derived = index.acronym_forms.get(name_id)
    if derived is not None:
        return derived
    words, _ = index.tokens_of(name_id)
    keys = [index.words[w] for w in words]
    forms = listed_forms(index.name_text[name_id], person)
    return next((f for f in forms if [t.key for t in f.tokens] == keys), forms[0])


class UnscreenableName(ValueError):
    """A name with nothing to screen: empty, or no letters or digits once analysed (``%' --``,
    ``¤``). Nothing can be said about such a party, so it is refused, never cleared."""


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be screened, or None when it can: the check ``screen`` makes, for
    callers that validate input before screening (the API's request models, imports)."""
    analysis = analyze(name)
    if analysis.tokens:
        return None
    if analysis.text:
        return f"name {name[:80]!r} has no letters or digits to screen"
    return "name is empty or whitespace only"


@dataclass(frozen=True, slots=True)
class _Query:
    analysis: AnalyzedName
    tokens: list[QueryToken]
    # How the name was read when it is one of its other readings (``matching.readings``: "read as
    # a person's name, Korean, McCune-Reischauer: Kim Jong Un"); "" for its ordinary analysis.
    reading: str = ""


class Screener:
    """Screens names against an index of list entries. Build with ``open`` (from the store) or
    ``from_entries``; ship to other processes with ``to_bytes`` / ``from_bytes`` (or pickle)."""

    algorithm = ALGORITHM

    def __init__(self, index: MatchIndex, version_ids: Mapping[ListCode, int] | None = None):
        self._match_index = index
        self.version_ids: dict[ListCode, int] = dict(version_ids or {})
        self._address_only: list[int] | None = None  # entry positions, found when first asked
        self._prepared: dict[Token, QueryToken] = {}
        # What scoring needs of each listed name it met (``score.listed_name``).
        self._listed: dict[int, ListedName] = {}

    # --- construction ----------------------------------------------------------------------

    @classmethod
    def from_entries(
        cls, entries: Iterable[Entry], marks: Sequence[AliasMarks] = (), *, neighbours: bool = False
    ) -> Screener:
        """A screener of ``entries``; ``marks``: other publications' weak-alias marks that
        the entries adopt (``matching.alias_marks``; the store's are ``index_cache``'s).
        ``neighbours``: the listed words' spelled neighbours searched now, as the store's
        cached screeners have them (``index_build.build_index``): slower to build, faster to
        query, the same answers."""
        return cls(build_index(entries, marks, neighbours=neighbours))

    @classmethod
    def open(cls, db: str | None = None) -> Screener:
        """The current version of every list in the store at ``db``: a URL or a SQLite file path,
        as ``--db`` takes (default: settings)."""
        # Imported by name: the store is optional for users who only screen from entries, and
        # index_cache imports this module. Built there, as every screener from the store is, so
        # that it adopts OFAC's weak-alias marks (``index_cache.build_from_store``).
        store_module: Any = importlib.import_module("exportscreen.store")
        building: Any = importlib.import_module("exportscreen.screening.index_cache")
        with store_module.Store.open(settings.db_url(db)) as store:
            versions: Mapping[ListCode, int] = store.current_version_ids()
            built: Screener = building.build_from_store(store, versions)
        return cls(built.index, versions)

    def to_bytes(self) -> bytes:
        """The index and version ids, for ``from_bytes`` in another process."""
        header = msgspec.json.encode(dict(self.version_ids))
        return len(header).to_bytes(4, "big") + header + self._match_index.to_bytes()

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

    def load_tables(self) -> None:
        """Load now the tables the matcher reads lazily on a name's first need of them: a batch
        run calls this before forking its workers, which then share them instead of each
        loading them (a few seconds of CPU each: CC-CEDICT, the Unihan Hanja table, wordfreq's
        lists).
        Screening changes no answer: what it leaves behind are caches."""
        for name in TABLE_LOADING_NAMES:
            self.screen(name, limit=1)
        # Read only once a pair is weighed as evidence, which these names need not reach; the
        # word sets from their file under the cache folder (``load_word_sets`` hands them to
        # ``weights``), built only when it is not usable.
        load_word_sets()
        population_zipf("table")
        pinyin_syllables()

    def after_fork(self) -> None:
        """Make a forked child's copy safe to use (``screening.batch`` forks its workers)."""
        self._match_index.route_cache.after_fork()

    def share_routes(self) -> None:
        """Keep the candidate routes worked out from now on for ``learnt_routes``: a batch
        worker sends them to the other workers, whose files share most of their words."""
        self._match_index.route_cache.learn()

    def learnt_routes(self) -> LearntRoutes:
        """The routes worked out since the last call (after ``share_routes``)."""
        return self._match_index.route_cache.take_learnt()

    def adopt_routes(self, learnt: LearntRoutes) -> int:
        """Routes another screener of the same index learnt (its ``learnt_routes``): kept as
        if worked out here. Returns how many were new here."""
        return self._match_index.route_cache.adopt(learnt)

    # --- lookups ---------------------------------------------------------------------------

    @property
    def index(self) -> MatchIndex:
        """The index screened against: what the delta re-screen filter must see, since the
        screener's candidates come from exactly its vocabulary and keys. Read only."""
        return self._match_index

    @property
    def entries(self) -> Sequence[Entry]:
        """Every indexed entry (unpickled on access after ``from_bytes``)."""
        return self._match_index.entries

    def entry(self, entry_id: str) -> Entry | None:
        position = self._match_index.entry_position.get(entry_id)
        return None if position is None else self._match_index.entries[position]

    def __len__(self) -> int:
        return len(self._match_index.entries)

    # --- screening -------------------------------------------------------------------------

    def _query(self, name: str) -> _Query:
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, not {type(name).__name__}")
        analysis = analyze(name)
        if not analysis.tokens:
            raise UnscreenableName(name_problem(name))
        return _Query(analysis, self._prepare(analysis.tokens))

    def _prepare(self, tokens: Sequence[Token]) -> list[QueryToken]:
        """``score.prepare`` of these tokens, each kept for the queries that repeat it."""
        prepared_tokens = []
        for token in tokens:
            prepared = self._prepared.get(token)
            if prepared is None:
                if len(self._prepared) >= PREPARED_TOKENS:
                    self._prepared.clear()
                prepared = self._prepared[token] = prepare_token(token, self._match_index)
            prepared_tokens.append(prepared)
        return prepared_tokens

    def _readings(self, name: str, query: _Query) -> list[_Query]:
        """The query's other readings (``matching.readings``: a native-script person's name as
        the lists spell it, initials as one word), each screened beside the ordinary analysis.
        Their tokens are prepared through the same keeping as the query's: a reading's are
        mostly the query's own or the runs of initials the file repeats."""
        index = self._match_index
        return [
            _Query(
                r.analysis,
                prepare_query_reading(r, index, self._prepare(r.analysis.tokens)),
                r.note,
            )
            for r in query_readings(name, query.analysis)
        ]

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
        config: MatcherConfig | None = None,
        nationality: str | None = None,
        address: str | None = None,
    ) -> list[Hit]:
        """Listed parties ``name`` may refer to, best first: at most ``limit`` hits scoring at
        least ``threshold`` (default: ``config``'s, else ``settings.DEFAULT_THRESHOLD``).
        ``config`` sets the features' weights (default ``features.DEFAULT_CONFIG``). The
        qualifiers ``country``, ``type``, ``date_of_birth`` (a year, a date or a range),
        ``nationality`` (a country code or name), ``identifiers`` and ``address`` are checked
        against each listed party (``screening.features``); an address also finds the
        address-only entries at that address."""
        if threshold is not None:
            cutoff = float(threshold)
        else:
            cutoff = settings.DEFAULT_THRESHOLD if config is None else config.threshold
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
        wanted_nationality = ""
        if nationality is not None and nationality.strip():
            wanted_nationality = country_code(nationality)
            if not wanted_nationality:
                raise ValueError(f"unknown nationality {nationality!r}")
        query = self._query(name)
        if limit == 0:
            return []
        config = config or DEFAULT_CONFIG
        address = (address or "").strip()
        # An agreeing address may raise a name below the cutoff up to it: score names from there.
        raise_by = config.weight(AddressMatch.name) if address else 0.0
        cutoff, final_cutoff = max(0.0, cutoff - raise_by), cutoff
        index = self._match_index
        allowed = None
        if lists is not None:
            codes = list(ListCode)
            allowed = np.zeros(len(codes), dtype=np.bool_)
            for code in lists:
                allowed[codes.index(ListCode(code))] = True

        identifier_entries: dict[int, str] = {}
        for value in identifiers or ():
            normal = normalise_identifier(value)
            for position in index.identifiers.get(normal).tolist():
                identifier_entries.setdefault(position, value)

        # The default weights are score_name's defaults: no arguments on the default path.
        name_weights = {} if config is DEFAULT_CONFIG else config.name_weights()
        best: dict[int, NameScore] = {}
        read_as: dict[int, _Query] = {}  # the reading that gave an entry its best score
        for reading in [query, *self._readings(name, query)]:
            keyed = candidate_keys(reading.tokens)
            # A name scores at most its bound (see MatchIndex.candidates): names that cannot
            # reach the cutoff are not aligned at all.
            ranked = index.candidates(
                keyed, DEFAULT_CANDIDATES, allowed, min_bound=candidate_bound(cutoff)
            )
            candidates = [name_id for name_id, _ in ranked[:SCORED_CANDIDATES]]
            if reading is query:
                seen = set(candidates)
                for name_id in index.exact.get(query.analysis.exact_key).tolist():
                    if name_id not in seen and (
                        allowed is None or allowed[index.name_list[name_id]]
                    ):
                        candidates.append(name_id)
                        seen.add(name_id)
            memo: dict[Any, Any] = {}
            listed_names = self._listed
            for name_id in candidates:
                # The entry of a name scored before, as ``score_name`` kept it: a numpy scalar
                # read and its conversion cost more than the dict look-up.
                listed = listed_names.get(name_id)
                owner = int(index.name_entry[name_id]) if listed is None else listed.owner
                # A name scoring below the cutoff is dropped unless an identifier makes its
                # entry a hit: only those names need their exact score.
                needed = 0.0 if owner in identifier_entries else cutoff
                scored = score_name(
                    reading.tokens, name_id, index, memo, needed, self._listed, **name_weights
                )
                if owner not in best or scored.score > best[owner].score:
                    best[owner] = scored
                    read_as[owner] = reading
        memo = {}
        for position in identifier_entries:
            if position not in best and (
                allowed is None or allowed[list(ListCode).index(index.entries[position].list)]
            ):
                name_id = int(np.flatnonzero(index.name_entry == position)[0])
                best[position] = score_name(
                    query.tokens, name_id, index, memo, 0.0, self._listed, **name_weights
                )

        facts = QueryFacts(
            query.analysis,
            wanted_type,
            wanted_country,
            date_of_birth or "",
            wanted_nationality,
            address,
        )
        hits: list[Hit] = []
        for position, scored in best.items():
            if scored.score < cutoff and position not in identifier_entries:
                continue  # qualifiers only lower a score: no need to look at the entry
            hit = self._qualify(
                read_as.get(position, query),
                facts,
                config,
                index.entries[position],
                scored,
                identifier_entries.get(position),
                final_cutoff,
            )
            if hit is not None:
                hits.append(hit)
        if address:
            found = {h.entry.id for h in hits}
            hits.extend(
                hit
                for hit in self._address_hits(address, final_cutoff, allowed)
                if hit.entry.id not in found
            )
        hits.sort(key=lambda h: (-h.score, h.entry.list.value, h.entry.id))
        return hits[:limit]

    def screen_identifiers(
        self,
        identifiers: Iterable[str],
        *,
        lists: Collection[ListCode | str] | None = None,
        config: MatcherConfig | None = None,
    ) -> list[Hit]:
        """Listed parties holding one of ``identifiers`` (compared without spaces, punctuation or
        case), for a query that gives no name: each scores the identifier feature's weight
        (``IdentifierMatch``), as an equal identifier does in ``screen``."""
        weight = (config or DEFAULT_CONFIG).weight(IdentifierMatch.name)
        allowed = None if lists is None else {ListCode(code) for code in lists}
        index = self._match_index
        found: dict[int, str] = {}
        for value in identifiers:
            for position in index.identifiers.get(normalise_identifier(value)).tolist():
                found.setdefault(position, value)
        hits = []
        for position, value in found.items():
            entry = index.entries[position]
            if allowed is not None and entry.list not in allowed:
                continue
            token = TokenMatch(value, value, MatchKind.EXACT, 1.0, 1.0, "identifier match")
            summary = f"identifier {value} equals one of the listed party's ({weight:.2f})"
            hits.append(Hit(entry, weight, entry.name, Explanation((token,), summary=summary)))
        hits.sort(key=lambda h: (h.entry.list.value, h.entry.id))
        return hits

    def _address_hits(
        self, address: str, cutoff: float, allowed: npt.NDArray[np.bool_] | None
    ) -> list[Hit]:
        """The address-only entries at ``address``, each scored by the similarity of the
        addresses (``features.AddressMatch``)."""
        index = self._match_index
        if self._address_only is None:
            kind = list(EntryType).index(EntryType.ADDRESS_ONLY)
            self._address_only = [i for i, t in enumerate(index.entry_types) if t == kind]
        codes = list(ListCode)
        hits: list[Hit] = []
        for position in self._address_only:
            entry = index.entries[position]
            if allowed is not None and not allowed[codes.index(entry.list)]:
                continue
            similarity, listed = best_address(address, entry)
            score = round(similarity, 4)
            if similarity < SAME_ADDRESS or score < cutoff:
                continue
            match = TokenMatch(address, listed, MatchKind.FUZZY, similarity, 1.0, "address match")
            summary = (
                f"score {score:.2f}: the address matched listed address '{listed}' of "
                f"address-only entry {entry.name}"
            )
            hits.append(Hit(entry, score, listed, Explanation((match,), summary=summary)))
        return hits

    def _qualify(
        self,
        query: _Query,
        facts: QueryFacts,
        config: MatcherConfig,
        entry: Entry,
        scored: NameScore,
        identifier: str | None,
        cutoff: float,
    ) -> Hit | None:
        """Apply the configured features to the best name score; None below the cutoff."""
        qualified = qualify(config, facts, entry, identifier, scored.score)
        score = round(min(1.0, max(0.0, qualified.score)), 4)
        if score < cutoff:
            return None
        index = self._match_index
        listed = _indexed_form(index, scored.name_id, entry.type is EntryType.INDIVIDUAL)
        notes = []
        if query.reading:
            notes.append(query.reading)
        if query.analysis.truncated:
            notes.append(f"query truncated to its first {MAX_NAME_CHARS} characters")
        explanation: Explanation = explain(
            scored, query.tokens, listed, qualified.tokens, qualified.penalties, notes, score
        )
        return Hit(entry, score, index.name_text[scored.name_id], explanation)
