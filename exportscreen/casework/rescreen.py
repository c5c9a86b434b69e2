"""Re-screening the counterparty register when a list changes, against the changed entries only.

A full screen of a counterparty can only hit a listed name the index proposes as a candidate, and
the index proposes only names that share a *reachable vocabulary word* with the query (exact key,
romanisation / consonant / phonetic skeleton, mined equivalence, near spelling or containment for
words the lists do not use, the two or three listed words such a word is made of, two adjacent query
words joined; a word in Arabic script by its consonants read letter by letter and mined equivalences
only), or whose whole-name exact key equals the query's; it aligns only candidates that pass its
*reach* cut; and a name raises an alert only if it scores at least the threshold. So after a list
update the register is filtered against the names of the added and changed entries (the *delta
names*) in three steps, each keeping a superset of what the screener would keep:

1. counterparties with a token that reaches a word of a delta name (or the name's exact key);
2. of those, the ones whose shared query weight lets a delta name pass the reach cut;
3. of those, the ones a delta name scores at least the threshold against (``matching.score``).

Step 1 runs without the lists' help, from a *signature* per counterparty: its analysed tokens and
their comparison keys, which do not depend on the lists, inverted into maps from keys back to
counterparties. Most routes are followed backwards, from the delta words to the keys that reach
them. Two are followed forwards, from the register's distinct keys, by the matcher's own functions,
so that the filter cannot drift from it: a word the lists do not use split into listed words
(``MatchIndex.split_words``: the split depends on the whole vocabulary) and a word in Arabic script
(``MatchIndex.reachable_words`` given its consonants). Signatures are cached in memory
(``SignatureCache``) and in the ``counterparties.data`` column, so a restarted process does not
analyse the whole register again. The counterparties left are screened with the full new screener
through ``Register.screen(only_entries=...)``, so alerts, suppressions, the hit limit and the audit
trail behave exactly as in a full screen.

The lead's design stopped at step 1; on a register of made-up names it passes about 60% of the
counterparties (common words, short names, loose phonetic keys), and step 2 still about 20%:
step 3 is what makes the delta cheap, at the cost of scoring those against the delta names.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import JaroWinkler

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.register import Counterparty, Register
from exportscreen.matching.analyze import TokenKind, analyze
from exportscreen.matching.index import (
    GRAM_MIN_SIMILARITY,
    INITIAL_WEIGHT,
    MAX_POSTING,
    MIN_CONTAINED_WORD,
    MIN_GRAM_WORD,
    UNMATCHED_QUERY_FACTOR,
    MatchIndex,
    grams,
    letter_bit,
    precision_bound,
)
from exportscreen.matching.normalize import Script
from exportscreen.matching.score import prepare, score_name
from exportscreen.matching.translit import (
    arabic_consonants,
    consonant_skeleton,
    phonetic_key,
    romanisation_skeleton,
)
from exportscreen.model import EntryChange, ListCode, to_plain
from exportscreen.screening.screener import REACH_MARGIN, Screener
from exportscreen.store import Store, StoreError, audit_log
from exportscreen.store import counterparties as stored_parties

# Bump when the signature's content or meaning changes: stored signatures of another format are
# recomputed rather than trusted.
SIGNATURE_FORMAT = 2  # 2: Arabic-script consonants
# Where the signature lives inside ``counterparties.data``.
DATA_KEY = "rescreen_signature"
SCREEN_ACTIONS = ("register.screen", "register.rescreen")
RESCREEN_ACTION = "register.rescreen"
# Counterparties screened per Register.screen call: keeps the SQL ``IN`` list well below the
# bound-parameter limits of SQLite and PostgreSQL drivers.
SCREEN_CHUNK = 10_000
# A Latin query word's skeleton, consonant and phonetic keys shorter than this are not looked up
# (MatchIndex.reachable_words, which names no constant for it).
MIN_SKELETON = 3
# The filter sums weights in another order than the screener does: keep borderline names.
SCORE_SLACK = 1e-9

IntArray = npt.NDArray[np.int64]
_WORD = int(TokenKind.WORD)
_LEGAL = int(TokenKind.LEGAL)


# --- signatures -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignatureToken:
    """One analysed query token and the keys the index could reach vocabulary words through."""

    key: str
    kind: TokenKind
    skeleton: str = ""  # romanisation skeleton; "" unless a word
    consonants: str = ""
    phonetic: str = ""
    # A word in Arabic script: its consonants read letter by letter from the original script
    # (what ``Screener.screen`` gives the index as ``QueryKey.arabic_consonants``), "" otherwise.
    arabic: str = ""


@dataclass(frozen=True, slots=True)
class Signature:
    """What the candidate index can ever see of a counterparty's name, independent of the lists."""

    tokens: tuple[SignatureToken, ...]
    joined: tuple[str, ...]  # adjacent words written together ("gazprom bank" -> "gazprombank")
    exact_key: str

    def to_json(self) -> dict[str, Any]:
        return {
            "tokens": [
                [t.key, int(t.kind), t.skeleton, t.consonants, t.phonetic, t.arabic]
                for t in self.tokens
            ],
            "joined": list(self.joined),
            "exact": self.exact_key,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Signature:
        return cls(
            tokens=tuple(
                SignatureToken(str(k), TokenKind(int(kind)), str(s), str(c), str(p), str(a))
                for k, kind, s, c, p, a in data["tokens"]
            ),
            joined=tuple(str(j) for j in data["joined"]),
            exact_key=str(data["exact"]),
        )


def signature(name: str) -> Signature:
    """The signature of a counterparty name, analysed as ``Screener.screen`` analyses a query."""
    analysis = analyze(name)
    tokens: list[SignatureToken] = []
    for token in analysis.tokens:
        if token.kind is TokenKind.WORD:
            tokens.append(
                SignatureToken(
                    token.key,
                    token.kind,
                    romanisation_skeleton(token.key),
                    consonant_skeleton(token.key),
                    phonetic_key(token.key),
                    arabic_consonants(token.surface) if token.script is Script.ARABIC else "",
                )
            )
        else:
            tokens.append(SignatureToken(token.key, token.kind))
    joined = tuple(
        left.key + right.key
        for left, right in itertools.pairwise(tokens)
        if left.kind is TokenKind.WORD and right.kind is TokenKind.WORD
    )
    return Signature(tuple(tokens), joined, analysis.exact_key)


def signature_version(screener_algorithm: str) -> str:
    """The key stored signatures are valid under: the matcher's algorithm, the matcher's code
    (so that a change to name analysis never leaves stale signatures trusted) and this format."""
    from exportscreen.screening.index_cache import code_fingerprint

    return f"{screener_algorithm}+{code_fingerprint()}+signature/{SIGNATURE_FORMAT}"


# --- stored signatures ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredParty:
    """A counterparty row as the cache needs it."""

    row_id: int
    party: Counterparty
    data: Mapping[str, Any]


def load_parties(register: Register, *, with_data: bool = True) -> list[StoredParty]:
    """Every counterparty, with its ``data`` column (which holds any stored signature) unless
    ``with_data`` is False (a warm cache only needs to see which counterparties changed)."""
    return [
        StoredParty(r.id, Counterparty(r.external_id, r.name, r.country, r.type, r.address), r.data)
        for r in stored_parties.rows(register.engine, with_data=with_data)
    ]


def load_data(register: Register, row_ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
    """The ``data`` column of some counterparties, by row id."""
    return stored_parties.data_of(register.engine, row_ids, chunk=SCREEN_CHUNK)


def stored_signature(data: Mapping[str, Any], version: str, party_hash: str) -> Signature | None:
    """The signature kept in a ``data`` column, None when absent or made for another algorithm
    or another state of the counterparty."""
    kept = data.get(DATA_KEY)
    if not isinstance(kept, Mapping):
        return None
    if kept.get("version") != version or kept.get("hash") != party_hash:
        return None
    try:
        return Signature.from_json(kept)
    except (KeyError, TypeError, ValueError):
        return None  # a damaged cache entry is recomputed, never trusted


def save_signatures(
    register: Register, items: Iterable[tuple[StoredParty, Signature]], version: str
) -> int:
    """Write signatures into ``counterparties.data`` in one transaction; returns rows written.

    A row whose name, country, type or address changed since it was read is left alone: the
    signature would not be its own, and the next sync recomputes it."""
    updates = [
        stored_parties.SignatureUpdate(
            row_id=stored.row_id,
            seen_name=stored.party.name,
            seen_country=stored.party.country,
            seen_type=stored.party.type,
            seen_address=stored.party.address,
            data={
                **stored.data,
                DATA_KEY: {
                    "version": version,
                    "hash": stored.party.state_hash(),
                    **found.to_json(),
                },
            },
        )
        for stored, found in items
    ]
    return stored_parties.save_data_if_unchanged(register.engine, updates)


# --- the cache and its inverted maps ------------------------------------------------------


@dataclass
class SyncStats:
    kept: int = 0  # already in memory and current
    loaded: int = 0  # read from the database
    computed: int = 0  # analysed now (new or changed counterparties)
    written: int = 0  # written back to the database
    dropped: int = 0  # no longer in the register


def register_state(register: Register) -> tuple[Any, ...]:
    """What changes whenever a counterparty is added or edited (the register has no deletion):
    the row count, the highest id and the latest update time."""
    return stored_parties.state(register.engine)


class SignatureCache:
    """Signatures of the register's counterparties and maps from their keys back to them.

    ``sync`` brings the cache in line with the register (loading stored signatures, computing
    missing ones and writing them back); ``filter`` answers which counterparties a screener could
    give a hit on some delta names.
    """

    def __init__(self, version: str):
        self.version = version
        self._signatures: dict[str, _Cached] = {}  # by external id
        self._persisted: set[str] = set()  # external ids whose stored signature is current
        self._maps: _InvertedMaps | None = None
        # (rows, highest id, latest update) of the register when the cache was last in line
        # with it and every signature was stored: unchanged, a sync need not read the rows.
        self._settled_at: tuple[Any, ...] | None = None

    def __len__(self) -> int:
        return len(self._signatures)

    def sync(self, register: Register, *, persist: bool = True) -> SyncStats:
        """Bring the cache in line with the register: keep what is current, load stored
        signatures, analyse the rest, and (``persist``) store what was not stored yet."""
        stats = SyncStats()
        # Taken before reading, so that an edit made while this sync runs changes the next one.
        state = register_state(register)
        if state == self._settled_at:
            stats.kept = len(self._signatures)
            return stats
        parties = load_parties(register, with_data=False)
        unsettled: list[StoredParty] = []
        for stored in parties:
            cached = self._signatures.get(stored.party.external_id)
            current = cached is not None and cached.party == stored.party
            if current and stored.party.external_id in self._persisted:
                stats.kept += 1
            else:
                unsettled.append(stored)
        data = load_data(register, [s.row_id for s in unsettled]) if unsettled else {}
        to_write: list[tuple[StoredParty, Signature]] = []
        for bare in unsettled:
            stored = replace(bare, data=data.get(bare.row_id, {}))
            party_id, party_hash = stored.party.external_id, stored.party.state_hash()
            found = stored_signature(stored.data, self.version, party_hash)
            if found is not None:
                stats.loaded += 1
                self._persisted.add(party_id)
            else:
                cached = self._signatures.get(party_id)
                if cached is not None and cached.party == stored.party:
                    found = cached.signature
                    stats.kept += 1
                else:
                    found = signature(stored.party.name)
                    stats.computed += 1
                self._persisted.discard(party_id)
                to_write.append((stored, found))
            self._signatures[party_id] = _Cached(stored.party, found)
            self._maps = None
        present = {s.party.external_id for s in parties}
        for gone in set(self._signatures) - present:
            del self._signatures[gone]
            self._persisted.discard(gone)
            stats.dropped += 1
            self._maps = None
        if persist and to_write:
            stats.written = save_signatures(register, to_write, self.version)
            # Rows edited meanwhile were not written; they stay unpersisted and are redone.
            if stats.written == len(to_write):
                self._persisted.update(s.party.external_id for s, _ in to_write)
        if len(self._persisted) == len(self._signatures) or not persist:
            self._settled_at = state
        return stats

    def maps(self) -> _InvertedMaps:
        """The inverted maps, rebuilt after the cache changed."""
        if self._maps is None:
            self._maps = _InvertedMaps.build(self._signatures.items())
        return self._maps

    def filter(self, index: MatchIndex, delta: DeltaNames, threshold: float) -> FilterResult:
        """The counterparties a screener on ``index`` could give a hit on a delta name scoring
        at least ``threshold`` (see ``FilterResult``)."""
        return self.maps().filter(index, delta, threshold)


class _Cached(NamedTuple):
    party: Counterparty  # as the signature was made for it
    signature: Signature


@dataclass(frozen=True, slots=True)
class FilterResult:
    """Which counterparties a re-screen must screen, and how the filter narrowed them.

    A full screen hits a listed name only if the index proposes it as a candidate (a query token
    reaches one of its words, or the whole name's exact key is equal), the candidate passes the
    screener's reach cut, and the name scores at least the threshold (qualifiers only lower a
    score). The filter applies the three tests in that order to the delta names only; each keeps
    a superset of what the screener would keep."""

    passing: frozenset[str]  # external ids to screen
    reached: int  # a token reaches a word of a delta name, or the exact key is equal
    within_reach: int  # ... and a delta name passes the reach cut (or is an exact match)


@dataclass(slots=True)
class _InvertedMaps:
    parties: list[str]  # slot -> external id
    names: list[str]  # slot -> counterparty name
    signatures: list[Signature]  # slot -> signature
    by_key: dict[str, list[int]]  # token key (not a legal form) -> slots
    by_joined: dict[str, list[int]]
    by_exact: dict[str, list[int]]
    # Distinct keys of the word tokens the index reads as Latin (not by Arabic consonants): only
    # those reach listed words by skeletons, near spelling and split words.
    word_keys: list[str]
    arabic_keys: list[tuple[str, str]]  # distinct (key, consonants) of Arabic-script words
    by_skeleton: dict[str, list[int]]  # "s:" / "c:" / "p:" + key -> word key ids
    gram_slots: dict[str, int]  # character 3-gram -> row of gram_offsets
    gram_offsets: IntArray
    gram_keys: IntArray  # word key ids, by gram (CSR)

    @classmethod
    def build(cls, cached: Iterable[tuple[str, _Cached]]) -> _InvertedMaps:
        parties: list[str] = []
        names: list[str] = []
        kept: list[Signature] = []
        by_key: dict[str, list[int]] = defaultdict(list)
        by_joined: dict[str, list[int]] = defaultdict(list)
        by_exact: dict[str, list[int]] = defaultdict(list)
        word_key_ids: dict[str, int] = {}
        arabic_keys: set[tuple[str, str]] = set()
        by_skeleton: dict[str, list[int]] = defaultdict(list)
        for party_id, (party, found) in cached:
            slot = len(parties)
            parties.append(party_id)
            names.append(party.name)
            kept.append(found)
            by_exact[found.exact_key].append(slot)
            for joined in set(found.joined):
                by_joined[joined].append(slot)
            for token in {t for t in found.tokens if t.kind is not TokenKind.LEGAL}:
                by_key[token.key].append(slot)
                if token.arabic:
                    arabic_keys.add((token.key, token.arabic))
                elif token.kind is TokenKind.WORD and token.key not in word_key_ids:
                    key_id = word_key_ids[token.key] = len(word_key_ids)
                    for prefix, value in (
                        ("s:", token.skeleton),
                        ("c:", token.consonants),
                        ("p:", token.phonetic),
                    ):
                        if len(value) >= MIN_SKELETON:
                            by_skeleton[prefix + value].append(key_id)
        word_keys = list(word_key_ids)
        gram_lists: dict[str, list[int]] = defaultdict(list)
        for key_id, key in enumerate(word_keys):
            if len(key) >= MIN_GRAM_WORD and key.isalpha():
                for gram in set(grams(key)):
                    gram_lists[gram].append(key_id)
        offsets = np.zeros(len(gram_lists) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(v) for v in gram_lists.values()])
        flat = np.fromiter(
            (k for v in gram_lists.values() for k in v), dtype=np.int64, count=int(offsets[-1])
        )
        return cls(
            parties=parties,
            names=names,
            signatures=kept,
            by_key=dict(by_key),
            by_joined=dict(by_joined),
            by_exact=dict(by_exact),
            word_keys=word_keys,
            arabic_keys=sorted(arabic_keys),
            by_skeleton=dict(by_skeleton),
            gram_slots={gram: i for i, gram in enumerate(gram_lists)},
            gram_offsets=offsets,
            gram_keys=flat,
        )

    def _near_keys(self, index: MatchIndex, text: str) -> list[str]:
        """Counterparty words outside the vocabulary that ``MatchIndex.near_words`` could lead
        to ``text``: sharing two 3-grams and close in spelling, or containing it. A superset of
        near_words (no shortlist, no posting cap), which is what the filter needs."""
        rows = [self.gram_slots[g] for g in set(grams(text)) if g in self.gram_slots]
        if len(rows) < 2:
            return []
        postings = [self.gram_keys[self.gram_offsets[r] : self.gram_offsets[r + 1]] for r in rows]
        ids, counts = np.unique(np.concatenate(postings), return_counts=True)
        found: list[str] = []
        contained = len(text) >= MIN_CONTAINED_WORD
        for key_id in ids[counts >= 2].tolist():
            key = self.word_keys[key_id]
            if key in index.word_ids:
                continue  # a listed word reaches only through its own keys, not near words
            if JaroWinkler.normalized_similarity(key, text) >= GRAM_MIN_SIMILARITY or (
                contained and text in key
            ):
                found.append(key)
        return found

    def _keys_reaching(
        self, index: MatchIndex, word: int, equivalent_keys: Mapping[str, set[str]]
    ) -> tuple[set[str], list[str]]:
        """Counterparty token keys from which ``MatchIndex.reachable_words`` could reach
        ``word``, following its routes backwards: as the same word (in another form), and by
        spelling (``_near_keys``), which the index marks as guessed."""
        text = index.words[word]
        keys = {text, *equivalent_keys.get(text, ())}
        if index.word_kind[word] != _WORD:
            return keys, []  # skeleton keys and near words lead to words only
        for prefix, value in (
            ("s:", index.word_skeleton[word]),
            ("c:", index.word_consonants[word]),
            ("p:", index.word_phonetic[word]),
        ):
            if len(value) >= MIN_SKELETON:
                keys.update(self.word_keys[k] for k in self.by_skeleton.get(prefix + value, ()))
        if len(text) >= MIN_GRAM_WORD and text.isalpha():
            return keys, self._near_keys(index, text)
        return keys, []

    def _split_routes(self, index: MatchIndex) -> Iterator[tuple[str, int]]:
        """(counterparty word key, listed word) for each word the lists do not use and each of
        the listed words ``MatchIndex.split_words`` finds it is made of ("huaxin" -> "hua",
        "xin": parts too short for the near-word route to find)."""
        for key in self.word_keys:
            if key not in index.word_ids:
                for part in index.split_words(key):
                    yield key, part

    def filter(self, index: MatchIndex, delta: DeltaNames, threshold: float) -> FilterResult:
        # Equivalences are stored from each word to its equivalents; the filter walks them from
        # the listed word back to the query words that lead to it.
        equivalent_keys: dict[str, set[str]] = defaultdict(set)
        for key, others in index.equivalences.items():
            for other in others:
                equivalent_keys[other].add(key)
        key_names: dict[str, set[int]] = defaultdict(set)
        guessed = _Guessed()
        joined_names: dict[str, set[int]] = defaultdict(set)
        # Per counterparty key, the weight of the delta names' words it reaches (the recall
        # side of MatchIndex.candidates' bound).
        listed = _ListedMass(index)
        for word, names in delta.words.items():
            same_word, spelt = self._keys_reaching(index, word, equivalent_keys)
            for key in same_word:
                if key in self.by_key:
                    key_names[key].update(names)
                    listed.add(key, word, names)
            for key in spelt:
                guessed.add(key, names)
                listed.add(key, word, names)
            if index.words[word] in self.by_joined:
                joined_names[index.words[word]].update(names)
                listed.add(_JOINED + index.words[word], word, names)
        # Routes followed forwards. An Arabic-script word's route is filed under its key, which a
        # Latin token may share: that only lets a few more counterparties through.
        for key, word in self._split_routes(index):
            if (parts_of := delta.words.get(word)) is not None:
                guessed.add(key, parts_of)
                listed.add(key, word, parts_of)
        for key, consonants in self.arabic_keys:
            for hit in index.reachable_words(key, TokenKind.WORD, consonants):
                if (read := delta.words.get(hit.word)) is not None:
                    key_names[key].update(read)
                    listed.add(key, hit.word, read)
        exact: dict[int, set[int]] = defaultdict(set)
        for key, names in delta.exact_keys.items():
            for slot in self.by_exact.get(key, ()):
                exact[slot].update(names)
        reached = {slot for key in key_names for slot in self.by_key[key]}
        reached.update(slot for key in guessed.names for slot in self.by_key[key])
        reached.update(slot for key in joined_names for slot in self.by_joined[key])
        reached.update(exact)

        delta_initials = 0  # letters of the delta names' one-letter words
        for delta_word_names in delta.words.values():
            for name_id in delta_word_names:
                delta_initials |= int(index.name_initials[name_id])
        bound = _ReachBound(
            index, key_names, guessed, joined_names, listed, threshold, delta_initials
        )
        scorer = _DeltaScorer(index, threshold)
        within_reach = 0
        passing: set[str] = set()
        # Registers repeat names (branches, duplicates): (within reach, may hit) depends on the
        # name only.
        verdicts: dict[str, tuple[bool, bool]] = {}
        for slot in reached:
            name = self.names[slot]
            verdict = verdicts.get(name)
            if verdict is None:
                candidates = bound.names_within_reach(self.signatures[slot]) | exact.get(
                    slot, set()
                )
                verdict = verdicts[name] = (
                    bool(candidates),
                    bool(candidates) and scorer.may_hit(name, candidates),
                )
            within_reach += verdict[0]
            if verdict[1]:
                passing.add(self.parties[slot])
        return FilterResult(frozenset(passing), len(reached), within_reach)


class _DeltaScorer:
    """Scores a counterparty against delta names exactly as ``Screener.screen`` scores its
    candidates (``matching.score``), to drop those no delta name can give a hit."""

    def __init__(self, index: MatchIndex, threshold: float):
        self.index = index
        self.needed = threshold - SCORE_SLACK

    def may_hit(self, name: str, names: Iterable[int]) -> bool:
        analysis = analyze(name)
        if not analysis.tokens:
            return False  # the screener refuses such a name: it can raise no alert
        query = prepare(analysis, self.index)
        memo: dict[tuple[int, int], Any] = {}
        # With the cutoff, a name whose possible pairs fall short is bounded, not aligned (its
        # score is then the bound, below the cutoff), as in Screener.screen.
        return any(
            score_name(query, name_id, self.index, memo, self.needed).score >= self.needed
            for name_id in names
        )


@dataclass(slots=True)
class _Guessed:
    """Delta names a counterparty word the lists do not use reaches by spelling (near words,
    split words)."""

    names: dict[str, set[int]] = field(default_factory=dict)  # key -> delta names

    def add(self, key: str, names: Iterable[int]) -> None:
        self.names.setdefault(key, set()).update(names)


_JOINED = "\x00"  # prefix of a joined pair's key in _ListedMass


class _ListedMass:
    """Per counterparty key, the weight of the words of each delta name it reaches, summed as
    ``MatchIndex.candidates`` sums a token's routes into a name's recall."""

    def __init__(self, index: MatchIndex):
        self.index = index
        self.by_key: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        self._seen: set[tuple[str, int]] = set()

    def add(self, key: str, word: int, names: Iterable[int]) -> None:
        if (key, word) in self._seen:
            return  # one word counts once per key, whichever way the key reaches it
        self._seen.add((key, word))
        masses = self.by_key[key]
        for name in names:
            masses[name] += self.index.listed_mass(word, name)


class _ReachBound:
    """``Screener.screen`` aligns only candidates whose bound (``MatchIndex.candidates``: the
    share of the query's weight the name's words can match, and the share of the name's weight
    the query's words reach) passes ``threshold - REACH_MARGIN``. This recomputes both for each
    delta name from the key-level routes, which can only over-estimate the index's, so a
    counterparty it rejects has no delta name among its candidates."""

    def __init__(
        self,
        index: MatchIndex,
        key_names: Mapping[str, set[int]],
        guessed: _Guessed,
        joined_names: Mapping[str, set[int]],
        listed: _ListedMass,
        threshold: float,
        delta_initials: int,
    ):
        self.index = index
        self.delta_initials = delta_initials
        self._names: dict[int, tuple[int, int, float, float]] = {}
        self.key_names = key_names
        self.guessed = guessed
        self.joined_names = joined_names
        self.listed = listed.by_key
        self.needed = max(0.0, threshold - REACH_MARGIN) ** 2 - SCORE_SLACK
        self._weights: dict[tuple[str, TokenKind], float] = {}

    def _weight(self, token: SignatureToken) -> float:
        found = self._weights.get((token.key, token.kind))
        if found is None:
            found = self._weights[(token.key, token.kind)] = self.index.word_weight_of(
                token.key, token.kind
            )
        return found

    def names_within_reach(self, found: Signature) -> set[int]:
        """The delta names that could pass the reach cut for this counterparty."""
        # One pass over the tokens: this runs for every counterparty a delta word reaches.
        weights: list[float] = []
        total = legal_weight = 0.0
        letters = initials = 0
        reaching: list[tuple[float, Collection[int]]] = []
        # The most the tokens may bring any one name (for the quick test below).
        most = 0.0
        spelt: list[tuple[float, set[int], set[int] | None]] = []
        known_weights, key_names, guessed_names = self._weights, self.key_names, self.guessed.names
        for token in found.tokens:
            key = token.key
            weight = known_weights.get((key, token.kind))
            if weight is None:
                weight = self._weight(token)
            weights.append(weight)
            total += weight
            if token.kind is TokenKind.LEGAL:
                legal_weight += weight
                continue
            if token.kind is TokenKind.WORD:
                bit = letter_bit(key)
                letters |= bit
                if len(key) == 1:
                    initials |= bit
            names = key_names.get(key)
            if names is not None:
                reaching.append((weight, names))
                most += weight
            guessed = guessed_names.get(key)
            if guessed is not None:
                spelt.append((weight, guessed, names))
                if names is None:
                    most += weight
        if self.joined_names:
            for (left, left_w), (right, right_w) in itertools.pairwise(
                zip(found.tokens, weights, strict=True)
            ):
                if left.kind is TokenKind.WORD and right.kind is TokenKind.WORD:
                    names = self.joined_names.get(left.key + right.key)
                    if names is not None:
                        reaching.append((left_w + right_w, names))
                        most += left_w + right_w
        if not most:
            return set()
        # Legal forms and initials pair without routes: at most this much more per name.
        unrouted = legal_weight + INITIAL_WEIGHT * (
            (letters & self.delta_initials).bit_count() + initials.bit_count()
        )
        # The least shared weight that passes the cut: reach m / (m + F (total - m)) >= r
        # holds for m >= r F total / (1 - r + r F).
        r = min(max(self.needed, 0.0), 1.0)
        least = r * UNMATCHED_QUERY_FACTOR * total / (1 - r + r * UNMATCHED_QUERY_FACTOR)
        # Most counterparties fail even if every reaching token met in one name: skip the
        # per-name sums for them.
        if most + unrouted < least:
            return set()
        shared: dict[int, float] = defaultdict(float)
        for weight, reached_names in reaching:
            for name in reached_names:
                shared[name] += weight
        # A token counts once per name, with its whole weight (MatchIndex.candidates' bound:
        # a word reached by spelling may pair with all of it).
        for weight, guessed, same_word in spelt:
            for name in guessed:
                if same_word is None or name not in same_word:
                    shared[name] += weight
        within = [name for name, mass in shared.items() if mass + unrouted >= least]
        if not within:
            return set()
        return self._bound_within_reach(
            found, total, shared, within, legal_weight, letters, initials
        )

    def _bound_within_reach(
        self,
        found: Signature,
        total: float,
        shared: Mapping[int, float],
        names: list[int],
        legal_weight: float,
        letters: int,
        initials: int,
    ) -> set[int]:
        """Of ``names``, those whose bound, with the recall side and the pairs no route finds
        (legal forms, initials), passes as in MatchIndex.candidates."""
        reached = [
            masses
            for t in found.tokens
            if t.kind is not TokenKind.LEGAL and (masses := self.listed.get(t.key)) is not None
        ]
        reached.extend(
            masses
            for left, right in itertools.pairwise(found.tokens)
            if left.kind is TokenKind.WORD
            and right.kind is TokenKind.WORD
            and (masses := self.listed.get(_JOINED + left.key + right.key)) is not None
        )
        kept: set[int] = set()
        for name in names:
            name_initials, first_letters, legal_mass, name_weight = self._name(name)
            initial_pairs = INITIAL_WEIGHT * (
                (name_initials & letters).bit_count() + (first_letters & initials).bit_count()
            )
            paired = shared[name] + initial_pairs
            covered = sum(masses.get(name, 0.0) for masses in reached) + initial_pairs
            if legal_weight:
                paired += legal_weight if legal_mass > 0 else 0.0
                covered += legal_mass
            matched = min(paired, total)
            reach = precision_bound(matched, total)
            if reach * min(1.0, covered / name_weight) >= self.needed:
                kept.add(name)
        return kept

    def _name(self, name: int) -> tuple[int, int, float, float]:
        """A delta name's initials and first letters (masks), legal-form weight and weight, as
        Python numbers (numpy scalars cost more than the arithmetic done with them)."""
        found = self._names.get(name)
        if found is None:
            index = self.index
            found = self._names[name] = (
                int(index.name_initials[name]),
                int(index.name_first_letters[name]),
                float(index.name_legal_mass[name]),
                float(index.name_weight[name]),
            )
        return found


# --- the delta ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListDelta:
    """How one list moved between the version last screened and the current one."""

    list: ListCode
    from_version: int | None  # None: the list was not screened before (all entries are new)
    to_version: int
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list.value,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
        }


@dataclass(frozen=True, slots=True)
class LastScreening:
    versions: dict[ListCode, int]  # the list versions the register was screened against
    at: datetime  # when (the audit record's time)


def last_screening(register: Register) -> LastScreening | None:
    """The register's latest full screening or re-screening, None if it was never screened.

    A ``register.screen`` limited to some entries is a part of a re-screen (see ``rescreen``),
    not a screening of the whole lists: it is skipped, so a re-screen interrupted between its
    parts starts again from the versions before it."""
    with closing(audit_log.latest_of(register.engine, SCREEN_ACTIONS)) as newest_first:
        for rec in newest_first:
            if rec.action == "register.screen" and rec.payload.get("only_entries") is not None:
                continue
            versions = rec.payload.get("list_versions") or {}
            return LastScreening(
                {ListCode(code): int(number) for code, number in versions.items()}, rec.created_at
            )
    return None


def changed_since(register: Register, when: datetime | None) -> list[str]:
    """External ids of the counterparties added or edited since ``when`` (all when None)."""
    return stored_parties.changed_since(register.engine, when)


def list_deltas(
    store: Store, from_versions: Mapping[ListCode, int], to_versions: Mapping[ListCode, int]
) -> list[ListDelta]:
    """Per list, the entries added, changed and removed from one set of versions to another."""
    deltas: list[ListDelta] = []
    for code in sorted(to_versions, key=lambda c: list(ListCode).index(c)):
        before, after = from_versions.get(code), to_versions[code]
        if before == after:
            deltas.append(ListDelta(code, before, after))
            continue
        if before is None:
            added = tuple(e.id for e in store.entries(code, version_id=after))
            deltas.append(ListDelta(code, None, after, added=added))
            continue
        diff = store.diff(code, before, after)
        deltas.append(
            ListDelta(
                code,
                before,
                after,
                added=_ids(diff.added),
                changed=_ids(diff.changed),
                removed=_ids(diff.removed),
            )
        )
    return deltas


def _ids(changes: Sequence[EntryChange]) -> tuple[str, ...]:
    return tuple(change.entry_id for change in changes)


@dataclass(frozen=True, slots=True)
class DeltaNames:
    """The names of the added and changed entries, as an index holds them."""

    # Vocabulary word -> the delta names that contain it; only words through which a query can
    # make a name a candidate (legal forms and words too common to search by never do).
    words: Mapping[int, frozenset[int]]
    exact_keys: Mapping[str, frozenset[int]]  # whole-name key (the index's exact lookup) -> names


def delta_names(index: MatchIndex, entry_ids: Collection[str]) -> DeltaNames:
    positions = [index.entry_position[e] for e in entry_ids if e in index.entry_position]
    names = np.flatnonzero(np.isin(index.name_entry, np.array(positions, dtype=np.int64)))
    words: dict[int, set[int]] = defaultdict(set)
    exact_keys: dict[str, set[int]] = defaultdict(set)
    for name in names.tolist():
        exact_keys[analyze(index.name_text[name]).exact_key].add(name)
        name_words, _ = index.tokens_of(name)
        for word in name_words:
            words[word].add(name)
    return DeltaNames(
        {
            word: frozenset(found)
            for word, found in words.items()
            if index.word_kind[word] != _LEGAL and len(index.names_of_word(word)) <= MAX_POSTING
        },
        {key: frozenset(found) for key, found in exact_keys.items()},
    )


# --- the re-screen --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CounterpartyHit:
    """A new alert the re-screen raised."""

    alert_id: int
    external_id: str
    counterparty: str
    entry_id: str
    list: ListCode
    entry_name: str
    matched_name: str
    score: float


@dataclass
class RescreenReport:
    """What changed since the last screening (or ``since``) and which counterparties it hits."""

    since: date | None
    lists: list[ListDelta]
    counterparties: int  # in the register
    screened: int  # passed the filter and were screened against the delta
    fresh: int = 0  # added or edited since the last screening: screened against every entry
    # How the filter narrowed the register (see FilterResult).
    reached: int = 0
    within_reach: int = 0
    hits: list[CounterpartyHit] = field(default_factory=list)
    alerts_raised: list[int] = field(default_factory=list)
    alerts_closed: list[int] = field(default_factory=list)
    already_open: int = 0
    suppressed: int = 0
    cache: SyncStats = field(default_factory=SyncStats)

    @property
    def from_versions(self) -> dict[ListCode, int | None]:
        return {d.list: d.from_version for d in self.lists}

    @property
    def to_versions(self) -> dict[ListCode, int]:
        return {d.list: d.to_version for d in self.lists}

    def lines(self) -> list[str]:
        """The report as text: what changed since when, and which counterparties it hits."""
        since = f"since {self.since.isoformat()}" if self.since else "since the last screening"
        moved = [d for d in self.lists if d.from_version != d.to_version]
        result = [f"Changes {since}: " + ("none" if not moved else f"{len(moved)} list(s)")]
        for d in moved:
            start = f"version {d.from_version}" if d.from_version is not None else "nothing"
            result.append(
                f"  {d.list.value} ({start} -> version {d.to_version}): {len(d.added)} added, "
                f"{len(d.changed)} changed, {len(d.removed)} removed"
            )
        result.append(
            f"Screened {self.screened} of {self.counterparties} counterparties: "
            f"{len(self.alerts_raised)} alert(s) raised, {len(self.alerts_closed)} closed "
            "(entry removed)"
        )
        if self.fresh:
            result.append(f"Screened {self.fresh} new or edited counterparties against every entry")
        for hit in sorted(self.hits, key=lambda h: (h.external_id, -h.score, h.entry_id)):
            result.append(
                f"  {hit.external_id} {hit.counterparty!r} -> {hit.entry_id} "
                f"{hit.entry_name!r} ({hit.list.value}) score {hit.score:.2f}, "
                f"matched {hit.matched_name!r}, alert {hit.alert_id}"
            )
        return result

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "from_versions": {c.value: v for c, v in self.from_versions.items()},
            "to_versions": {c.value: v for c, v in self.to_versions.items()},
            "lists": [d.to_dict() for d in self.lists],
            "counterparties": self.counterparties,
            "reached": self.reached,
            "within_reach": self.within_reach,
            "screened": self.screened,
            "fresh": self.fresh,
            "hits": [to_plain(h) for h in self.hits],
            "alerts_raised": list(self.alerts_raised),
            "alerts_closed": list(self.alerts_closed),
            "already_open": self.already_open,
            "suppressed": self.suppressed,
            "signature_cache": to_plain(self.cache),
        }


def index_of(screener: Screener) -> MatchIndex:
    """The screener's index: the filter must see exactly the vocabulary and keys the screener's
    candidates come from."""
    return screener._index


def _check_screener(store: Store, screener: Screener) -> dict[ListCode, int]:
    """The current versions, after making sure the screener was built from them: a delta taken
    against other lists than the screener holds would miss or invent changes."""
    current = store.lists()
    versions = {s.list: s.version_id for s in current}
    if screener.version_ids and screener.version_ids != versions:
        raise ValueError(
            "the screener was built from other list versions than the store's current ones "
            f"({_shown(screener.version_ids)} vs {_shown(versions)}): rebuild it"
        )
    expected = sum(s.entry_count for s in current)
    if len(screener) != expected:
        raise ValueError(
            f"the screener holds {len(screener)} entries, the current lists {expected}: "
            "rebuild it from the store"
        )
    return versions


def _shown(versions: Mapping[ListCode, int]) -> str:
    return ", ".join(f"{c.value} {v}" for c, v in sorted(versions.items()))


def _since_versions(
    store: Store,
    last: LastScreening | None,
    since: date | Mapping[ListCode, int] | None,
    current: Mapping[ListCode, int],
) -> dict[ListCode, int]:
    if since is None:
        if last is None:
            raise StoreError(
                "the register was never screened: run a full screening first, or give a date"
            )
        return last.versions
    if isinstance(since, date):
        versions: dict[ListCode, int] = {}
        for code in current:
            version = store.version_at(code, since)
            if version is not None:
                versions[code] = version.id
        return versions
    return {ListCode(code): int(number) for code, number in since.items()}


def rescreen(
    store: Store,
    register: Register,
    screener: Screener,
    *,
    since: date | Mapping[ListCode, int] | None = None,
    cache: SignatureCache | None = None,
) -> RescreenReport:
    """Screen the register against the entries added or changed since the last screening (or
    since ``since``: a date, the versions in force then; or list versions by id), raise alerts
    for the new pairs and close alerts on entries no longer listed. Counterparties added or
    edited since the last screening were never screened as they are: they are screened against
    every entry, as a full re-screen would.

    ``screener`` must hold the store's current lists. Pass the same ``cache`` from one call to the
    next to skip re-reading signatures; without one, they are read from the database.
    """
    current = _check_screener(store, screener)
    last = last_screening(register)
    from_versions = _since_versions(store, last, since, current)
    deltas = list_deltas(store, from_versions, current)
    index = index_of(screener)
    delta_ids = {e for d in deltas for e in (*d.added, *d.changed)}

    closed = register.close_removed(set(index.entry_ids))

    cache = cache if cache is not None else SignatureCache(signature_version(screener.algorithm))
    stats = cache.sync(register)
    filtered = FilterResult(frozenset(), 0, 0)
    if delta_ids:
        filtered = cache.filter(index, delta_names(index, delta_ids), register.threshold)
    fresh = changed_since(register, last.at if last is not None else None)
    passing = sorted(filtered.passing - set(fresh))

    report = RescreenReport(
        since=since if isinstance(since, date) else None,
        lists=deltas,
        counterparties=len(cache),
        screened=0,
        reached=filtered.reached,
        within_reach=filtered.within_reach,
        alerts_closed=closed,
        cache=stats,
    )
    for start in range(0, len(passing), SCREEN_CHUNK):
        run = register.screen(
            screener, external_ids=passing[start : start + SCREEN_CHUNK], only_entries=delta_ids
        )
        report.screened += run.screened
        report.alerts_raised.extend(run.raised)
        report.already_open += run.already_open
        report.suppressed += run.suppressed
    # After the delta part, so that its record (a full screening of these counterparties) never
    # marks an unfinished delta as done.
    for start in range(0, len(fresh), SCREEN_CHUNK):
        run = register.screen(screener, external_ids=fresh[start : start + SCREEN_CHUNK])
        report.fresh += run.screened
        report.alerts_raised.extend(run.raised)
        report.already_open += run.already_open
        report.suppressed += run.suppressed
    for alert_id in report.alerts_raised:
        alert = register.alert(alert_id)
        entry = screener.entry(alert.entry_id) if alert else None
        if alert is None or entry is None:
            continue
        report.hits.append(
            CounterpartyHit(
                alert_id,
                alert.counterparty.external_id,
                alert.counterparty.name,
                entry.id,
                entry.list,
                entry.name,
                alert.matched_name,
                alert.score,
            )
        )
    audit.append(
        register.engine,
        register.actor,
        RESCREEN_ACTION,
        {
            "since": report.since,
            "from_versions": {c.value: v for c, v in from_versions.items()},
            # The same field as a full screening's record: the next re-screen starts here.
            "list_versions": {c.value: v for c, v in current.items()},
            "delta": [d.to_dict() for d in deltas],
            "counterparties_considered": report.counterparties,
            "counterparties_reached": report.reached,
            "counterparties_within_reach": report.within_reach,
            "counterparties_screened": report.screened,
            "counterparties_fresh": report.fresh,
            "alerts_raised": report.alerts_raised,
            "alerts_closed": report.alerts_closed,
            "already_open": report.already_open,
            "suppressed": report.suppressed,
        },
    )
    return report
