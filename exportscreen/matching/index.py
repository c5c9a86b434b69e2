"""The candidate index: which listed names could match a query, found without scanning them all.

Names are analysed once (``analyze``) into tokens; each distinct token key is a vocabulary word
with an IDF weight over the lists. A query token reaches vocabulary words through several keys
(exact key, romanisation skeleton, consonant skeleton, metaphone, mined equivalences, every listed
word the scorer may pair with it by spelling (``near_words``; searched at build time for the
listed words themselves), and, for a word the lists do not contain, character 3-grams that catch
typos and the two or three listed words it may be made of: the route table, ``routes.ROUTES``);
each vocabulary word reaches the names that contain it.
Candidates are ranked by the IDF mass they share with the query (a word reached by spelling brings
no more than its own weight) and capped.
"""

from __future__ import annotations

import itertools
import pickle
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast, overload

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cdist

from exportscreen.matching.abbreviations import canonical_suffix
from exportscreen.matching.analyze import AnalyzedName, TokenKind
from exportscreen.matching.near_words import SpelledVocabulary
from exportscreen.matching.postings import (
    FloatArray,
    IntArray,
    KeyedPostings,
    LazyEntries,
    RouteCache,
    RouteKey,
    Routes,
    WordNeighbours,
)
from exportscreen.matching.route_union import (
    RoutePart,
    repeated,
    small_routes,
    small_union,
    union_inverse,
    union_slots,
)
from exportscreen.matching.routes import (
    CONSONANTS,
    MAX_POSTING,
    PHONETIC,
    ROUTES,
    SKELETON,
    KeyRoute,
)
from exportscreen.matching.sound_keys import is_sound_key, sound_words
from exportscreen.matching.translit import phonetic_key, romanisation_skeleton
from exportscreen.matching.weights import GENERIC_WEIGHT as GENERIC_WEIGHT
from exportscreen.matching.weights import INITIAL_BONUS, weight_of_unseen
from exportscreen.matching.weights import INITIAL_WEIGHT as INITIAL_WEIGHT
from exportscreen.matching.weights import ROLE_FACTOR as ROLE_FACTOR

FORMAT_VERSION = 8  # 7: sound keys (matching.sound); 8: weak_spelt

# Query words that match nothing count this much of their weight against a name, in the scorer's
# precision and in the index's bound of it. A generic word added to a listed name (a branch, a
# city, "Trading") weighs little whatever this factor; a distinctive one ("Mauro Gallardo"
# against an alias "MAURO") is most of the evidence that the query names someone else. A listed
# word missing from the query counts in full.
UNMATCHED_QUERY_FACTOR = 0.8

# --- candidate generation (the routes' own constants are in routes.ROUTES) -----------------
DEFAULT_CANDIDATES = 200
MIN_IDENTIFIER_CHARS = 4
_NOT_SERIALISED = ("entry_position", "route_cache", "consonant_words", "spelled")

# Unions of at most this many reached names are summed in Python: numpy's unique and bincount
# cost more in call overhead than the loop on a few dozen names (the sums are the same floats:
# added in the same order from 0.0). Measured: 16-32 names 20 us in Python against 30-45 with
# numpy, even at 48-64, numpy ahead from 96 (2-3 routes, loaded 2-core machine).
SMALL_UNION = 48
# A token's reached words up to this many have their postings' bounds read one by one
# (``_routes``): fewer numpy calls than reading them together.
_BOUNDS_ONE_BY_ONE = 4

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


@overload
def precision_bound(paired: float, total: float) -> float: ...
@overload
def precision_bound(paired: FloatArray, total: float) -> FloatArray: ...
def precision_bound(paired: float | FloatArray, total: float) -> float | FloatArray:
    """The most the scorer's precision can be when query tokens weighing ``paired`` (at most
    ``total``, the query's weight) find a pair: the unpaired rest counts UNMATCHED_QUERY_FACTOR
    of its weight. The scorer, the index's candidate bound and the delta re-screen's filter all
    use this one expression, so that their bounds agree to the last bit."""
    return paired / (paired * (1 - UNMATCHED_QUERY_FACTOR) + UNMATCHED_QUERY_FACTOR * total)


def letter_bit(word: str) -> int:
    """A word's first letter as a bit of a 26-letter mask (0 for a digit or other character)."""
    offset = ord(word[0]) - 97
    return 1 << offset if 0 <= offset < 26 else 0


def normalise_identifier(value: str) -> str:
    """Identifiers compared without spaces, dashes or case ("RU-1173850041749" == "1173850041749"
    is not claimed: only punctuation and case are ignored)."""
    return _NON_ALNUM.sub("", value).upper()


class QueryKey(NamedTuple):
    """What candidate generation needs of one query token."""

    key: str
    kind: TokenKind
    weight: float
    # Consonants of a word written in Arabic script, or the sound key (upper case) of a word read
    # by sound (``sound.is_sound_key``), which reach listed words by them only.
    arabic_consonants: str = ""


@dataclass(slots=True)
class VocabularyHit:
    """A vocabulary word a query token reaches, and how close it is (for ranking only)."""

    word: int
    closeness: float
    # Reached by spelling (near words, parts of a joined word) rather than as the same word in
    # another form: the listed word's own weight bounds the evidence.
    guessed: bool = False
    # Its rank mass is scaled by its closeness (the spelled route's hits: a near spelling
    # brings its similarity at most, and ranks below the same word).
    scaled: bool = False


@dataclass(slots=True)
class MatchIndex:
    entries: LazyEntries
    entry_ids: list[str]
    entry_types: bytes  # EntryType position per entry, for qualifiers without unpickling
    name_text: list[str]
    name_entry: IntArray
    name_tokens: tuple[IntArray, IntArray]  # CSR: name -> vocabulary words in name order
    name_roles: tuple[IntArray, bytes]  # offsets (as name_tokens) and NameRole per token
    name_weight: FloatArray
    name_list: npt.NDArray[np.int8]
    words: list[str]
    word_ids: dict[str, int]
    word_kind: bytes
    word_weight: list[float]
    word_skeleton: list[str]
    word_consonants: list[str]
    word_phonetic: list[str]
    word_names: tuple[IntArray, IntArray]  # CSR: vocabulary word -> names
    # Parallel to word_names' flat array: the word's weight in that name (role factors applied,
    # summed over repeats), what matching it can add to the name's recall.
    word_name_mass: FloatArray
    # Per name, the weight of its legal forms and letter masks of its initials and of its words'
    # first letters: the scorer pairs legal forms and initials (with any word of that letter)
    # without any candidate route reaching them.
    name_legal_mass: FloatArray
    name_initials: npt.NDArray[np.int32]  # letter mask (a = bit 0) of its one-letter words
    name_first_letters: npt.NDArray[np.int32]  # letter mask of its words' first letters
    keys: KeyedPostings  # a key route's prefix + key ("s:" skeleton, "c:", "p:") -> words
    word_grams: KeyedPostings  # character 3-gram -> words
    word_gram_count: IntArray
    exact: KeyedPostings  # whole name in its original script -> names
    identifiers: KeyedPostings  # normalised identifier -> entries
    # Mined equivalences (``equivalences.mine``): shared ones serve every query (word ->
    # equivalent -> note); local ones only the entries that taught them (word -> equivalent ->
    # {entry position: note}).
    equivalences: dict[str, dict[str, str]]
    local_equivalences: dict[str, dict[str, dict[int, str]]]
    # Per name: an alias marked weak (``Entry.weak_aliases``), capped (``score.WEAK_ALIAS_CAP``).
    name_weak: npt.NDArray[np.bool_]
    # Per weak name whose mark another publication of the party gave (``alias_marks``: OFAC's
    # weak a.k.a. adopted by the CSL's row), by name id: that publication, for explanations.
    weak_sources: dict[int, str]
    weak_spelt: dict[int, str]  # weak name id -> the party's name spelling it ("MOGE")
    # The names indexed in a form of their party's acronyms (``acronyms.learn_expansions``:
    # "SMIC Beijing" as "Semiconductor Manufacturing International Corporation Beijing"), by
    # name id: the analysis that ``listed_forms`` of the text does not give, for explanations.
    acronym_forms: dict[int, AnalyzedName]
    # Per vocabulary word of kind WORD, what the spelled search (``search_spelled_words``)
    # finds for it, searched when the index is built with ``neighbours`` (the store's cached
    # indexes are): most query words are listed words, and their search was a third of a
    # single query's time (empty rows for the other kinds, which ``spelled_words`` searches
    # live). None: every query word is searched live.
    word_spelled: WordNeighbours | None
    entry_position: dict[str, int] = field(default_factory=dict)
    # Not serialised (see to_bytes).
    route_cache: RouteCache = field(default_factory=lambda: RouteCache(), repr=False, compare=False)
    # Not serialised: how many vocabulary words share each consonant skeleton, counted on first
    # use (``words_sharing_consonants``).
    consonant_words: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    # Not serialised: the vocabulary's words searchable by spelling (``SpelledRoute``), made
    # on first use (``search_spelled_words``: a query word the lists do not use).
    spelled: SpelledVocabulary | None = field(default=None, repr=False, compare=False)

    # Built by ``index_build.build_index``.

    # --- serialisation -------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        state = {
            name: getattr(self, name) for name in self.__slots__ if name not in _NOT_SERIALISED
        }
        state["entries"] = self.entries.blobs()
        return pickle.dumps((FORMAT_VERSION, state), protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_bytes(cls, data: bytes) -> MatchIndex:
        loaded: Any = pickle.loads(data)
        if not isinstance(loaded, tuple) or loaded[0] != FORMAT_VERSION:
            raise ValueError("not a serialised exportscreen match index of this version")
        state = loaded[1]
        state["entries"] = LazyEntries(blobs=state["entries"])
        index = cls(**state)
        index.entry_position = {entry_id: i for i, entry_id in enumerate(index.entry_ids)}
        return index

    # --- lookups -------------------------------------------------------------------------

    def word_weight_of(self, key: str, kind: TokenKind) -> float:
        """The weight of a query token: its vocabulary weight, or that of an unseen word."""
        word = self.word_ids.get(key)
        if word is not None:
            return self.word_weight[word]
        return weight_of_unseen(key, kind)

    def words_sharing_consonants(self, consonants: str) -> int:
        """How many listed words have these consonants (``word_consonants``): how many a word
        written without its vowels (Arabic script) may be."""
        if not self.consonant_words:
            counts: dict[str, int] = {}
            for word, kind in zip(self.word_consonants, self.word_kind, strict=True):
                if word and kind == TokenKind.WORD:
                    counts[word] = counts.get(word, 0) + 1
            self.consonant_words = counts or {"": 0}
        return self.consonant_words.get(consonants, 0)

    def tokens_of(self, name: int) -> tuple[list[int], bytes]:
        """A listed name's vocabulary words and their NameRoles, in name order."""
        offsets, flat = self.name_tokens
        start, end = offsets[name], offsets[name + 1]
        return flat[start:end].tolist(), self.name_roles[1][start:end]

    def names_of_word(self, word: int) -> IntArray:
        """The listed names that contain vocabulary word ``word``, ascending."""
        offsets, flat = self.word_names
        return flat[offsets[word] : offsets[word + 1]]

    def finds_candidates(self, word: int) -> bool:
        """Whether a query reaching ``word`` makes the names holding it candidates: legal forms
        and words in more than MAX_POSTING names never do (``_routes``)."""
        offsets = self.word_names[0]
        return (
            self.word_kind[word] != TokenKind.LEGAL
            and int(offsets[word + 1]) - int(offsets[word]) <= MAX_POSTING
        )

    def listed_keys(self, route: KeyRoute) -> list[str]:
        """Every vocabulary word's key for ``route``, by word (``build`` computed them with
        ``route.key_of``), for walking the route backwards: a query word with an equal key, if
        ``route.looked_up`` it, reaches the word."""
        if route is SKELETON:
            return self.word_skeleton
        if route is CONSONANTS:
            return self.word_consonants
        if route is PHONETIC:
            return self.word_phonetic
        raise ValueError(f"the index keeps no keys for route {route.prefix!r}")

    def listed_mass(self, word: int, name: int) -> float:
        """The weight ``word`` carries in listed name ``name`` (0 if the name lacks it): what
        matching it adds to the name's recall, as ``candidates`` counts it."""
        offsets, flat = self.word_names
        start, end = int(offsets[word]), int(offsets[word + 1])
        at = start + int(np.searchsorted(flat[start:end], name))
        return float(self.word_name_mass[at]) if at < end and flat[at] == name else 0.0

    def near_words(self, key: str) -> list[VocabularyHit]:
        """Vocabulary words a word the lists do not contain may stand for: close spellings
        (typos) and the words it is made of (joined words)."""
        near = ROUTES.near_words
        if not near.applies(key):
            return []
        key_grams = set(near.grams(key))
        gathered = [
            posting
            for gram in key_grams
            if 0 < len(posting := self.word_grams.get(gram)) <= near.max_gram_posting
        ]
        if not gathered:
            return []
        # Counted over the words reached only, not the whole vocabulary: ascending word order,
        # as np.flatnonzero over a bincount would give.
        # (concatenate copies: repeated's sort in place leaves the postings as they are.)
        shared, counts = repeated(np.concatenate(gathered), near.min_shared_grams)
        if not len(shared):
            return []
        overlap = counts / np.minimum(self.word_gram_count[shared], len(key_grams))
        order = shared[np.argsort(-overlap, kind="stable")[: near.shortlist]].tolist()
        texts = [self.words[word] for word in order]
        similarities = cdist(
            [key], texts, scorer=JaroWinkler.normalized_similarity, dtype=np.float64
        )[0]
        hits: list[VocabularyHit] = []
        for word, text, similarity in zip(order, texts, similarities.tolist(), strict=True):
            if similarity >= near.min_similarity:
                hits.append(VocabularyHit(word, similarity))
            elif len(text) >= ROUTES.contained.min_word and text in key:
                hits.append(VocabularyHit(word, len(text) / len(key)))
        return hits

    def spelled_vocabulary(self) -> SpelledVocabulary:
        """The vocabulary's words (not legal forms or numbers: the scorer pairs those only when
        equal) searchable by spelling, made on first use."""
        if self.spelled is None:
            ids = [w for w, kind in enumerate(self.word_kind) if kind == TokenKind.WORD]
            self.spelled = SpelledVocabulary(
                ids,
                [self.words[w] for w in ids],
                [self.word_skeleton[w] for w in ids],
                ROUTES.spelled,
            )
        return self.spelled

    def spelled_words(self, key: str) -> dict[int, float]:
        """Every vocabulary word the scorer may pair with the Latin query word ``key`` by
        spelling (``SpelledRoute``), with its spelling similarity: ``search_spelled_words``,
        found at build time for the vocabulary's words (``word_spelled``)."""
        if self.word_spelled is not None:
            word = self.word_ids.get(key)
            if word is not None and self.word_kind[word] == TokenKind.WORD:
                return self.word_spelled.row(word)
        return self.search_spelled_words(key)

    def search_spelled_words(self, key: str) -> dict[int, float]:
        """``spelled_words`` searched in the vocabulary (``near_words``)."""
        # An equal metaphone pairs a word starting with another sound from min_similarity:
        # the phonetic key route finds those whose metaphone it looks up.
        phonetic = len(phonetic_key(key))
        return self.spelled_vocabulary().near(
            key, romanisation_skeleton(key), any_start=0 < phonetic < PHONETIC.min_length
        )

    def split_words(self, key: str) -> list[int]:
        """The vocabulary words a word the lists do not contain is made of, when it is two or
        three of them joined ("megviitechnology", "zhongkeshuguang"): the fewest parts, the
        longest first part. A business word at its end is also tried canonical, as the scorer
        joins it ("netposatechnologies" is NETPOSA + TECHNOLOGY, ``score._join_key``)."""
        if len(key) < 2 * ROUTES.split.min_part or not key.isalpha():
            return []
        texts = dict.fromkeys((key, canonical_suffix(key)))
        parts = range(2, ROUTES.split.max_parts + 1)
        return next((found for t in texts for n in parts if (found := self._split(t, n))), [])

    def _split(self, key: str, parts: int) -> list[int]:
        min_part = ROUTES.split.min_part
        for cut in range(len(key) - min_part, min_part - 1, -1):
            head = self.word_ids.get(key[:cut])
            if head is None or self.word_kind[head] != TokenKind.WORD:
                continue
            if parts == 2:
                tail = self.word_ids.get(key[cut:])
                if tail is not None and self.word_kind[tail] == TokenKind.WORD:
                    return [head, tail]
            elif rest := self._split(key[cut:], parts - 1):
                return [head, *rest]
        return []

    def reachable_words(
        self, key: str, kind: TokenKind, arabic_consonants: str = ""
    ) -> list[VocabularyHit]:
        """Every vocabulary word a query token may match, for candidate generation. A word
        written in Arabic script (``arabic_consonants`` given) reaches words by its consonants
        and mined equivalences only; a word read by sound, by its sound key (``sound_keys``)."""
        if is_sound_key(arabic_consonants):
            heard = sound_words(self.keys, self.words, arabic_consonants)
            return [VocabularyHit(w, c, scaled=True) for w, c in heard.items()]
        if arabic_consonants:
            arabic = ROUTES.arabic
            found = dict.fromkeys(
                self.keys.get(arabic.key.prefix + arabic_consonants).tolist(), arabic.closeness
            )
            for other in self.equivalences.get(key, {}):
                if (equivalent := self.word_ids.get(other)) is not None:
                    found.setdefault(equivalent, arabic.equivalence_closeness)
            return [VocabularyHit(w, c) for w, c in found.items()]
        found = {}
        word = self.word_ids.get(key)
        if word is not None:
            found[word] = ROUTES.same_word.closeness
        if kind is TokenKind.WORD:
            for route in ROUTES.keys:
                value = route.key_of(key)
                if route.looked_up(value):
                    for other in self.keys.get(route.prefix + value).tolist():
                        found.setdefault(other, route.closeness)
            for other in self.equivalences.get(key, {}):
                if (equivalent := self.word_ids.get(other)) is not None:
                    found.setdefault(equivalent, ROUTES.equivalence.closeness)
            # Every listed word the scorer may pair by spelling, whether the lists use the
            # query word or not ("indian" is a listed word, and so is "indiana").
            guessed = [VocabularyHit(w, c, True, True) for w, c in self.spelled_words(key).items()]
            # The listed words it is made of, whether the lists use it or not: the scorer pairs
            # "zhuhai" with ZHU HAI joined.
            guessed.extend(
                VocabularyHit(part, ROUTES.split.closeness) for part in self.split_words(key)
            )
            if word is None:
                guessed.extend(self.near_words(key))
            return [VocabularyHit(w, c) for w, c in found.items()] + [
                VocabularyHit(hit.word, hit.closeness, True, hit.scaled)
                for hit in guessed
                if hit.word not in found
            ]
        return [VocabularyHit(w, c) for w, c in found.items()]

    def candidates(
        self,
        tokens: Sequence[QueryKey],
        limit: int = DEFAULT_CANDIDATES,
        allowed_lists: npt.NDArray[np.bool_] | None = None,
        min_bound: float = 0.0,
    ) -> list[tuple[int, float]]:
        """Names sharing the most query weight, best first, at most ``limit``: (name, bound),
        where bound is the geometric mean of the share of the query's weight the name's words
        can match (precision) and the share of the name's weight the query can match (recall),
        each counted as if every reached word matched exactly: the scorer's name score cannot
        exceed it through the routes the index knows. Names whose bound is below ``min_bound``
        are left out before the ``limit`` best are taken.

        Adjacent query words are also tried joined, so that "Gazprom Bank" reaches
        "GAZPROMBANK".
        """
        ids: list[IntArray] = []
        masses: list[FloatArray] = []
        covered: list[FloatArray] = []
        # Each route's token weight in full: the scorer may pair a word reached by spelling
        # with its whole weight ("dgttechnology" / "Technology"), whatever its rank mass.
        full_weights: list[float] = []
        total = 0.0
        legal_weight = 0.0
        query_initials = 0  # letter mask of the query's one-letter words
        query_letters = 0  # and of its words' first letters

        for token in tokens:
            key, kind, weight, _ = token
            total += weight
            if kind is TokenKind.LEGAL:
                legal_weight += weight
                continue
            if kind is TokenKind.WORD:
                bit = letter_bit(key)
                query_letters |= bit
                if len(key) == 1:
                    query_initials |= bit
            routes = self._query_routes(token)
            if routes is not None:
                ids.append(routes[0])
                masses.append(routes[1])
                covered.append(routes[2])
                full_weights.append(weight)
        for (left, left_kind, left_w, _), (right, right_kind, right_w, _) in itertools.pairwise(
            tokens
        ):
            if left_kind is TokenKind.WORD and right_kind is TokenKind.WORD:
                joined = self.word_ids.get(left + right)
                if joined is not None:
                    routes = self._routes(
                        [VocabularyHit(joined, ROUTES.joined.closeness)], left_w + right_w
                    )
                    if routes is not None:
                        ids.append(routes[0])
                        masses.append(routes[1])
                        covered.append(routes[2])
                        full_weights.append(left_w + right_w)
        if not ids:
            return []
        # The masses are summed for the names kept only (most queries keep none): ``mass`` is
        # None until then, and ``slot`` says which name each concatenated mass adds to.
        mass: FloatArray | None
        slot: npt.NDArray[np.intp] | None = None
        union_size = 0
        lengths = [len(found) for found in ids]
        # What each name's words can pair of the query's weight: one number when one route
        # reaches them all (what np.full repeated; the arithmetic below is the same on it).
        full: float | FloatArray
        if len(ids) == 1:
            reached, mass, listed = ids[0], masses[0], covered[0]
            full = float(full_weights[0])
        elif sum(lengths) <= SMALL_UNION:
            reached, mass, listed, full = small_union(ids, masses, covered, full_weights)
        else:
            # Summed over the names reached only (a query reaches thousands of names, the
            # lists hold hundreds of thousands): sorted as flatnonzero over all names would
            # order them, and bincount adds each name's masses in the same order, so the sums
            # are the same floats.
            reached, slot = union_inverse(np.concatenate(ids))
            mass, union_size = None, len(reached)
            # bincount with weights sums in float64 already: no astype, only its type said.
            full = cast(
                FloatArray, np.bincount(slot, np.array(full_weights).repeat(lengths), union_size)
            )
            # The listed weights are summed once the precision leaves a name a chance.
            listed = None
        allowed: npt.NDArray[np.intp] | None = None
        if allowed_lists is not None:
            allowed = in_lists = allowed_lists[self.name_list.take(reached)].nonzero()[0]
            if not len(in_lists):
                return []
            reached = reached.take(allowed)
            full = full if isinstance(full, float) else full.take(allowed)
            if listed is not None:
                listed = listed.take(allowed)
            if mass is not None:
                mass = mass.take(allowed)
        if not len(reached):
            return []
        # What the scorer pairs without a route, on both sides: the same legal form, and
        # initials (a one-letter word against any word of that letter), each worth at most
        # INITIAL_WEIGHT. Most names have no initials: then nothing is added (x + 0.0 is x),
        # and a query without words (query_letters 0, so no query_initials either) pairs none.
        # (The masks as int32 scalars, the arrays' type: a Python int costs numpy a range check
        # per call; ``take`` selects as indexing does, at less call cost.)
        initial_bonus = None
        if query_letters:
            initials = self.name_initials.take(reached) & np.int32(query_letters)
            initial_pairs = np.bitwise_count(initials) if np.count_nonzero(initials) else None
            if query_initials:
                first_pairs = np.bitwise_count(
                    self.name_first_letters.take(reached) & np.int32(query_initials)
                )
                initial_pairs = (
                    first_pairs if initial_pairs is None else initial_pairs + first_pairs
                )
            if initial_pairs is not None:
                # Added to both sides: worked out once, the same floats (INITIAL_WEIGHT times
                # the pairs, from a table: a take costs numpy less than that product).
                initial_bonus = INITIAL_BONUS.take(initial_pairs)
        paired: float | npt.NDArray[np.floating[Any]] = full
        if initial_bonus is not None:
            paired = full + initial_bonus
        legal_mass = None
        if legal_weight:
            legal_mass = self.name_legal_mass.take(reached)
            paired = paired + legal_weight * (legal_mass > 0)
        # Precision at most shared / (shared + F * (total - shared)), recall at most
        # listed / name_weight; compared squared, so that only names kept take a square root.
        # (One route and nothing added: a float, and min as np.minimum: ``paired`` unless
        # ``total`` is less; a NaN total makes the bound NaN either way.)
        precision: float | FloatArray
        if isinstance(paired, float):
            precision = precision_bound(min(paired, total), total)
        else:
            precision = precision_bound(np.minimum(paired, total), total)
        least = min_bound * abs(min_bound)
        # Early exit, exact: a name's squared bound is precision x min(recall, 1.0), a product
        # with a factor at most 1.0, which rounds to at most the precision itself (rounding is
        # monotone and the precision is a float). So when no precision reaches ``least`` no
        # name is kept, and the recall need not be worked out. (A NaN precision makes max NaN,
        # which compares False: no early exit, as if the check were not made.)
        if (precision if isinstance(precision, float) else np.maximum.reduce(precision)) < least:
            return []
        if listed is None:
            assert slot is not None
            listed = cast(FloatArray, np.bincount(slot, np.concatenate(covered), union_size))
            if allowed is not None:
                listed = listed.take(allowed)
        if initial_bonus is not None:
            listed = listed + initial_bonus
        if legal_mass is not None:
            listed = listed + legal_mass
        name_weight = self.name_weight.take(reached)
        recall = np.minimum(listed / name_weight, 1.0)
        squared = precision * recall
        kept = (squared >= least).nonzero()[0]
        if not len(kept):
            return []
        if mass is None:
            assert slot is not None
            mass = cast(FloatArray, np.bincount(slot, np.concatenate(masses), union_size))
            if allowed is not None:
                mass = mass.take(allowed)
        found = reached.take(kept)
        bound = np.sqrt(squared.take(kept))
        # Ranked like precision x recall: the query's mass the name's reached words bring, and
        # the share of the name's weight reached, each at most 1. Two query words reaching one
        # listed word ("shaqir", "shaqiri" both reach ISKRA by consonants) bring their mass
        # twice but cover the word once: by the query's mass alone the names of one such word
        # ranked above the name both words spell (SHAQIRI, Shaqir, below the aligned 60).
        # (The bound's recall: the same floats as worked out again.)
        rank = np.minimum(mass.take(kept) / total, 1.0) * recall.take(kept)
        if len(found) > limit:
            top = np.argpartition(-rank, limit)[:limit]
            found, rank, bound = found.take(top), rank.take(top), bound.take(top)
        order = np.argsort(-rank, kind="stable")
        return list(zip(found.take(order).tolist(), bound.take(order).tolist(), strict=True))

    def _routes(
        self, reached: list[VocabularyHit], weight: float, local: Sequence[RoutePart] = ()
    ) -> Routes | None:
        """The names ``reached`` words lead to (and the ``local`` parts: names reached through
        an equivalence of their own entry), each with the mass of its heaviest route and the
        weight of the name's reached words."""
        # A name counts the query token's weight; through a guessed word, no more than that
        # word's weight: "megviitechnology" reaching "technology" brings a generic word's
        # mass, not an unknown word's.
        word_weight = self.word_weight
        heaviest: dict[int, float] = {}  # a word reached several ways counts once
        for hit in reached:
            mass = min(weight, word_weight[hit.word]) if hit.guessed else weight
            if hit.scaled:
                mass *= hit.closeness
            if mass > heaviest.get(hit.word, -1.0):
                heaviest[hit.word] = mass
        (offsets, flat), covered, word_kind = self.word_names, self.word_name_mass, self.word_kind
        words = list(heaviest)
        # The words' bounds in the postings as Python ints: read together (four numpy calls)
        # when there are more than a few words, one numpy scalar at a time otherwise.
        if len(words) > _BOUNDS_ONE_BY_ONE:
            at = np.array(words, dtype=np.intp)
            starts, ends = offsets.take(at).tolist(), offsets.take(at + 1).tolist()
        else:
            starts = [int(offsets[word]) for word in words]
            ends = [int(offsets[word + 1]) for word in words]
        found: list[RoutePart] = []
        for word, mass, start, end in zip(words, heaviest.values(), starts, ends, strict=True):
            # finds_candidates, with the word's bounds read as Python ints.
            if word_kind[word] != TokenKind.LEGAL and end - start <= MAX_POSTING:
                found.append((mass, flat[start:end], covered[start:end]))
        found.extend(local)
        if not found:
            return None
        if len(found) == 1:
            # One word's names: sorted and distinct already.
            route_mass, names_of, covered_of = found[0]
            return names_of, np.full(len(names_of), route_mass), covered_of
        found.sort(key=lambda item: -item[0])
        if sum(len(names_of) for _, names_of, _ in found) <= SMALL_UNION:
            return small_routes(found)
        all_names = np.concatenate([names_of for _, names_of, _ in found])
        weights = np.array([m for m, _, _ in found]).repeat(
            [len(names_of) for _, names_of, _ in found]
        )
        # The heaviest route to each name (its first occurrence: the heaviest first); the listed
        # words reached in a name add up (a joined word's parts are all matched).
        names, slot, first = union_slots(all_names)
        listed = np.bincount(
            slot,
            weights=np.concatenate([covered_of for _, _, covered_of in found]),
            minlength=len(names),
        ).astype(np.float64, copy=False)
        heaviest_mass: FloatArray = weights.take(first)
        # Shared by every later query with this token (token_routes caches them).
        for array in (names, heaviest_mass, listed):
            array.setflags(write=False)
        return names, heaviest_mass, listed

    def token_routes(
        self, key: str, kind: TokenKind, weight: float, arabic_consonants: str = ""
    ) -> Routes | None:
        """The names one query token reaches and the mass each brings, for ``candidates``:
        cached per index, since the names of a customer file share most of their words."""
        return self._query_routes((key, kind, weight, arabic_consonants))

    def _query_routes(self, token: RouteKey) -> Routes | None:
        """``token_routes`` of a token (key, kind, weight, Arabic consonants) as it comes:
        ``candidates`` asks the cache with its QueryKey, which hashes and compares as the
        plain tuple, and keeps a plain tuple (what ``token_routes`` keeps and workers share)."""
        known, routes = self.route_cache.get(token)
        if not known:
            key, kind, weight, arabic_consonants = token
            routes = self._routes(
                self.reachable_words(key, kind, arabic_consonants),
                weight,
                self._local_parts(key, weight),
            )
            self.route_cache.put((key, kind, weight, arabic_consonants), routes)
        return routes

    def _local_parts(self, key: str, weight: float) -> list[RoutePart]:
        """The names a query word reaches through equivalences local to their own entries."""
        parts: list[RoutePart] = []
        offsets, flat = self.word_names
        for other, taught in self.local_equivalences.get(key, {}).items():
            word = self.word_ids.get(other)
            if word is None or not self.finds_candidates(word):
                continue
            start, end = int(offsets[word]), int(offsets[word + 1])
            names = flat[start:end]
            own = np.isin(self.name_entry[names], np.fromiter(taught, dtype=np.int32))
            if own.any():
                parts.append((weight, names[own], self.word_name_mass[start:end][own]))
        return parts
