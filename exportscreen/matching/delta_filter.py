"""The delta re-screen filter: which counterparties a list update could give a hit.

A full screen of a counterparty can only hit a listed name the index proposes as a candidate, and
the index proposes only names that share a *reachable vocabulary word* with the query (the routes
of ``routes.ROUTES``: the same word, a key route, a mined equivalence, any spelling the scorer may
pair, near spelling or containment for words the lists do not use, the listed words such a word
is made of, two adjacent query words joined; a word in Arabic script by its consonants read
letter by letter and mined equivalences only), or whose whole-name exact key equals the query's;
it aligns only candidates that pass its *reach* cut; and a name raises an alert only if it scores
at least the threshold. So after a list update the register is filtered against the names of the
added and changed entries (the *delta names*, ``delta_names``) in three steps, each keeping a
superset of what the screener would keep:

1. counterparties with a token that reaches a word of a delta name (or the name's exact key);
2. of those, the ones whose shared query weight lets a delta name pass the reach cut;
3. of those, the ones a delta name scores at least the threshold against (``score``).

Step 1 runs from the counterparties' signatures (``signature``), inverted into maps from keys back
to counterparties (``InvertedMaps``). Most routes are walked backwards through the same table the
index walks forwards, from the delta words to the keys that reach them. Two are followed forwards,
from the register's distinct keys, by the index's own methods: a word the lists do not use split
into listed words (``MatchIndex.split_words``: the split depends on the whole vocabulary) and a
word in Arabic script (``MatchIndex.reachable_words`` given its consonants).

On a register of made-up names step 1 passes about 60% of the counterparties (common words, short
names, loose phonetic keys), and step 2 still about 20%: step 3 is what makes the delta cheap, at
the cost of scoring those against the delta names.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import JaroWinkler

from exportscreen.matching.analyze import TokenKind, analyze
from exportscreen.matching.index import (
    INITIAL_WEIGHT,
    UNMATCHED_QUERY_FACTOR,
    MatchIndex,
    letter_bit,
    precision_bound,
)
from exportscreen.matching.near_words import SpelledVocabulary
from exportscreen.matching.readings import prepare_query_reading, query_readings
from exportscreen.matching.routes import ROUTES
from exportscreen.matching.score import prepare, score_name
from exportscreen.matching.signature import Signature, SignatureToken

# The filter sums weights in another order than the screener does: keep borderline names.
SCORE_SLACK = 1e-9

IntArray = npt.NDArray[np.int64]
_WORD = int(TokenKind.WORD)


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
class InvertedMaps:
    """The register's signatures inverted: from each key a route looks up back to the
    counterparties whose tokens have it."""

    parties: list[str]  # slot -> external id
    names: list[str]  # slot -> counterparty name
    signatures: list[Signature]  # slot -> signature
    by_key: dict[str, list[int]]  # token key (not a legal form) -> slots
    by_joined: dict[str, list[int]]
    by_exact: dict[str, list[int]]
    # Distinct keys of the word tokens the index reads as Latin (not by Arabic consonants): only
    # those reach listed words by key routes, near spelling and split words.
    word_keys: list[str]
    # Distinct (key, consonants) of Arabic-script words, and (key, sound key) of words read by sound
    arabic_keys: list[tuple[str, str]]
    by_route_key: dict[str, list[int]]  # key route prefix + key -> word key ids
    gram_slots: dict[str, int]  # character n-gram -> row of gram_offsets
    gram_offsets: IntArray
    gram_keys: IntArray  # word key ids, by gram (CSR)
    word_skeletons: list[str] = field(default_factory=list)  # by word key id
    # The word keys searchable by spelling (``SpelledRoute``), made on first use.
    spelled: SpelledVocabulary | None = None

    @classmethod
    def build(cls, signatures: Iterable[tuple[str, str, Signature]]) -> InvertedMaps:
        """The maps of (external id, name, signature) of every counterparty."""
        parties: list[str] = []
        names: list[str] = []
        kept: list[Signature] = []
        by_key: dict[str, list[int]] = defaultdict(list)
        by_joined: dict[str, list[int]] = defaultdict(list)
        by_exact: dict[str, list[int]] = defaultdict(list)
        word_key_ids: dict[str, int] = {}
        word_skeletons: list[str] = []
        arabic_keys: set[tuple[str, str]] = set()
        by_route_key: dict[str, list[int]] = defaultdict(list)
        for party_id, name, found in signatures:
            slot = len(parties)
            parties.append(party_id)
            names.append(name)
            kept.append(found)
            by_exact[found.exact_key].append(slot)
            parts = (found, *found.readings)
            for joined in {j for part in parts for j in part.joined}:
                by_joined[joined].append(slot)
            tokens = {t for part in parts for t in part.tokens}
            for token in {t for t in tokens if t.kind is not TokenKind.LEGAL}:
                by_key[token.key].append(slot)
                if token.arabic:
                    arabic_keys.add((token.key, token.arabic))
                elif token.kind is TokenKind.WORD and token.key not in word_key_ids:
                    key_id = word_key_ids[token.key] = len(word_key_ids)
                    word_skeletons.append(token.skeleton)
                    for route in ROUTES.keys:
                        value = token.route_key(route)
                        if route.looked_up(value):
                            by_route_key[route.prefix + value].append(key_id)
        word_keys = list(word_key_ids)
        gram_lists: dict[str, list[int]] = defaultdict(list)
        near = ROUTES.near_words
        for key_id, key in enumerate(word_keys):
            if near.applies(key):
                for gram in set(near.grams(key)):
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
            by_route_key=dict(by_route_key),
            gram_slots={gram: i for i, gram in enumerate(gram_lists)},
            gram_offsets=offsets,
            gram_keys=flat,
            word_skeletons=word_skeletons,
        )

    def _spelled_keys(self, index: MatchIndex, word: int) -> list[str]:
        """Counterparty words (in the vocabulary or not) from which ``SpelledRoute`` reaches
        ``word``: the route's condition is symmetric, so the counterparty words are searched
        from the listed word as the index searches listed words from a query word, and each is
        compared as the index compares it (the counterparty's word first)."""
        if self.spelled is None:
            self.spelled = SpelledVocabulary(
                range(len(self.word_keys)), self.word_keys, self.word_skeletons, ROUTES.spelled
            )
        # Whatever the first letters: whether an equal metaphone lets another first sound pair
        # depends on the counterparty word's metaphone.
        found = self.spelled.near(
            index.words[word], index.word_skeleton[word], key_first=False, any_start=True
        )
        return [self.word_keys[key_id] for key_id in found]

    def _near_keys(self, index: MatchIndex, text: str) -> list[str]:
        """Counterparty words outside the vocabulary that ``MatchIndex.near_words`` could lead
        to ``text``: sharing enough n-grams and close in spelling, or containing it. A superset of
        near_words (no shortlist, no posting cap), which is what the filter needs."""
        near = ROUTES.near_words
        rows = [self.gram_slots[g] for g in set(near.grams(text)) if g in self.gram_slots]
        if len(rows) < near.min_shared_grams:
            return []
        postings = [self.gram_keys[self.gram_offsets[r] : self.gram_offsets[r + 1]] for r in rows]
        ids, counts = np.unique(np.concatenate(postings), return_counts=True)
        found: list[str] = []
        contained = len(text) >= ROUTES.contained.min_word
        for key_id in ids[counts >= near.min_shared_grams].tolist():
            key = self.word_keys[key_id]
            if key in index.word_ids:
                continue  # a listed word reaches only through its own keys, not near words
            if JaroWinkler.normalized_similarity(key, text) >= near.min_similarity or (
                contained and text in key
            ):
                found.append(key)
        return found

    def _keys_reaching(
        self, index: MatchIndex, word: int, equivalent_keys: Mapping[str, set[str]]
    ) -> tuple[set[str], list[str]]:
        """Counterparty token keys from which ``MatchIndex.reachable_words`` could reach
        ``word``, following its routes backwards: as the same word (in another form), and by
        spelling (``_spelled_keys``, ``_near_keys``), which the index marks as guessed."""
        text = index.words[word]
        keys = {text, *equivalent_keys.get(text, ())}
        if index.word_kind[word] != _WORD:
            return keys, []  # key routes and near words lead to words only
        for route in ROUTES.keys:
            value = index.listed_keys(route)[word]
            if route.looked_up(value):
                found = self.by_route_key.get(route.prefix + value, ())
                keys.update(self.word_keys[k] for k in found)
        spelt = self._spelled_keys(index, word)
        if ROUTES.near_words.applies(text):
            spelt.extend(self._near_keys(index, text))
        return keys, spelt

    def _split_routes(self, index: MatchIndex) -> Iterator[tuple[str, int]]:
        """(counterparty word key, listed word) for each word (the lists use it or not) and each
        of the listed words ``MatchIndex.split_words`` finds it is made of ("huaxin" -> "hua",
        "xin": parts too short for the near-word route to find)."""
        for key in self.word_keys:
            for part in index.split_words(key):
                yield key, part

    def filter(
        self, index: MatchIndex, delta: DeltaNames, threshold: float, reach_cut: float
    ) -> FilterResult:
        """The counterparties a screener on ``index`` could give a hit on a delta name scoring
        at least ``threshold``, when it aligns only candidates whose bound is at least
        ``reach_cut`` (see ``FilterResult``)."""
        # Equivalences are stored from each word to its equivalents; the filter walks them from
        # the listed word back to the query words that lead to it.
        equivalent_keys: dict[str, set[str]] = defaultdict(set)
        for key, others in index.equivalences.items():
            for other in others:
                equivalent_keys[other].add(key)
        # Those local to an entry too: the filter may let more through, never fewer.
        for key, local in index.local_equivalences.items():
            for other in local:
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
            index, key_names, guessed, joined_names, listed, reach_cut, delta_initials
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
                found = self.signatures[slot]
                candidates = exact.get(slot, set()).union(
                    *(bound.names_within_reach(part) for part in (found, *found.readings))
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
        names = list(names)
        queries = [prepare(analysis, self.index)]
        queries.extend(prepare_query_reading(r, self.index) for r in query_readings(name, analysis))
        for query in queries:
            memo: dict[tuple[int, int], Any] = {}
            # With the cutoff, a name whose possible pairs fall short is bounded, not aligned
            # (its score is then the bound, below the cutoff), as in Screener.screen.
            if any(
                score_name(query, name_id, self.index, memo, self.needed).score >= self.needed
                for name_id in names
            ):
                return True
        return False


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
    the query's words reach) passes ``reach_cut``. This recomputes both for each
    delta name from the key-level routes, which can only over-estimate the index's, so a
    counterparty it rejects has no delta name among its candidates."""

    def __init__(
        self,
        index: MatchIndex,
        key_names: Mapping[str, set[int]],
        guessed: _Guessed,
        joined_names: Mapping[str, set[int]],
        listed: _ListedMass,
        reach_cut: float,
        delta_initials: int,
    ):
        self.index = index
        self.delta_initials = delta_initials
        self._names: dict[int, tuple[int, int, float, float]] = {}
        self.key_names = key_names
        self.guessed = guessed
        self.joined_names = joined_names
        self.listed = listed.by_key
        self.needed = max(0.0, reach_cut) ** 2 - SCORE_SLACK
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


@dataclass(frozen=True, slots=True)
class DeltaNames:
    """The names of the added and changed entries, as an index holds them."""

    # Vocabulary word -> the delta names that contain it; only words through which a query can
    # make a name a candidate (legal forms and words too common to search by never do).
    words: Mapping[int, frozenset[int]]
    exact_keys: Mapping[str, frozenset[int]]  # whole-name key (the index's exact lookup) -> names


def delta_names(index: MatchIndex, entry_ids: Collection[str]) -> DeltaNames:
    """The names of the entries ``entry_ids`` (those the index holds), as the filter needs them."""
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
        {word: frozenset(found) for word, found in words.items() if index.finds_candidates(word)},
        {key: frozenset(found) for key, found in exact_keys.items()},
    )
