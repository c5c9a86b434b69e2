"""Scoring one listed name against a query: token alignment, then coverage of both names.

1. Align: every query token is paired with at most one listed token (and vice versa), best pairs
   first, by the first of these that holds: equal keys (exact, or equal after a legal-form,
   abbreviation or translation rewrite), a mined equivalence, equal romanisation skeletons
   (transliteration variants), similar spelling (Jaro-Winkler and optimal string alignment,
   fuzzy), equal metaphone (phonetic), an initial. A word in Arabic script is compared by its
   consonants and the long vowels it writes (``arabic_pairs``), shorter skeletons counting
   less. One token against two or three adjacent ones joined ("Gazprombank" / "Gazprom
   Bank", "zhipuhuazhang" / "Zhipu Huazhang") competes in the same best-first order, so a
   loose spelling pair of one half does not take a word the join matches better. A near
   spelling counts only beside a word matched otherwise (a loose pair) when it is likelier
   another word than a variant: a word in Hangul or kana, one three letters longer or
   shorter, two names common in the population.
2. Score: with each token weighted by IDF (generic words and legal forms weigh little), precision
   is the share of the query's weight matched (unmatched query words counting
   UNMATCHED_QUERY_FACTOR of their weight), recall the share of the listed name's weight
   matched (a person's middle names and patronymic count half, the family name more); the name
   score is their geometric mean, each pair counting its similarity. A pair through an initial
   carries an initial's weight on both sides ("I" / "Ingvarsson" is not evidence of the name).
3. Adjust: a name that matched only generic words cannot score above GENERIC_ONLY_CAP; one whose
   matched words tell too little of a party (less than MIN_EVIDENCE: each matched word's weight,
   similarity and rarity in the population, on the poorer side) cannot score above
   LITTLE_EVIDENCE_CAP unless it is the whole name on both sides and more than one word; differing
   numbers (No. 13 / No. 14) cost NUMBER_MISMATCH_PENALTY; different legal-form classes cost
   LEGAL_FORM_MISMATCH_PENALTY; a name the list marks weak cannot score above WEAK_ALIAS_CAP.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from rapidfuzz.distance import OSA

from exportscreen.matching.abbreviations import canonical_suffix
from exportscreen.matching.alignment_facts import (
    FULL_COVERAGE,
    MIN_WORD_PAIRS,
    anchored,
    one_side_whole,
    word_pairs,
)
from exportscreen.matching.alignment_facts import whole_name as _whole_name
from exportscreen.matching.analyze import AnalyzedName, NameRole, Token, TokenKind
from exportscreen.matching.arabic_pairs import consonant_similarity
from exportscreen.matching.evidence import evidence as _evidence
from exportscreen.matching.guesses import DISTINCTIVE_WEIGHT, GUESS_CAP, GUESS_FEATURES, guess
from exportscreen.matching.index import (
    INITIAL_WEIGHT,
    ROLE_FACTOR,
    UNMATCHED_QUERY_FACTOR,
    MatchIndex,
    QueryKey,
)
from exportscreen.matching.joins import Joins, joined_pairs, joins_of
from exportscreen.matching.near_words import HARD_C
from exportscreen.matching.normalize import Script
from exportscreen.matching.routes import INITIAL_SOUND, MIN_KEY_LENGTH
from exportscreen.matching.score_bound import key_only_words, options_of, score_bound
from exportscreen.matching.score_keep import LISTED_NAMES_KEPT, ListedName, listed_name, shared
from exportscreen.matching.similarity import spelling, transposed
from exportscreen.matching.sound_keys import pair_similarity
from exportscreen.matching.translit import (
    arabic_consonants,
    consonant_skeleton,
    phonetic_key,
    romanisation_skeleton,
)
from exportscreen.matching.weights import population_rarity
from exportscreen.model import EntryType, MatchKind

# Pair similarities by how the pair was found.
EQUIVALENCE_SIMILARITY = 0.92
SKELETON_SIMILARITY = 0.95
SHORT_SKELETON_SIMILARITY = 0.8  # "san" / "saan": short words share skeletons by chance
MIN_SKELETON_LETTERS = 4
PHONETIC_SIMILARITY = 0.8
INITIAL_SIMILARITY = 0.7
# Spelling similarity (mean of Jaro-Winkler and normalised OSA) below this is no match. Low enough
# for two edits in a word of six letters ("Klunun" / "Kunlun"): the pair then counts only its
# similarity, so a name resting on one loose pair stays low while one among exact words is found.
MIN_FUZZY_SIMILARITY = 0.76
MIN_FUZZY_LETTERS = 4  # shorter words must agree through a key, not by spelling
# Two edits in a short word ("Leihua" / "Leimva", "Azzam" / "Azazi") fall below
# MIN_FUZZY_SIMILARITY. Such a loose pair counts only in a name that another distinctive word
# matches exactly (or through a key): beside "AVIC ... (LETRI)" it is a typo, alone it is
# another name.
MIN_LOOSE_SIMILARITY = 0.72
MIN_LOOSE_LETTERS = 5
# A word of four letters is near another by one edit at most ("Boet" is not "Bouvet", "Romo"
# not "Romero"): two edits in four letters make another word.
MAX_ONE_EDIT_LETTERS = 4
# Three-letter words are too short for spelling similarity, but two letters swapped ("Sko" /
# "Sok") is a typo: as a loose pair, counted only beside an anchor.
TRANSPOSED_LETTERS = 3
TRANSPOSED_SIMILARITY = 0.74
MIN_PHONETIC_SPELLING = 0.72  # metaphone alone pairs too much ("Merlion" / "Marlin")
# A near spelling of a word in Hangul or kana: below MIN_FUZZY_SIMILARITY, a loose pair.
SYLLABIC_SIMILARITY = 0.74
_SYLLABIC = (Script.HANGUL, Script.KANA)

GENERIC_ONLY_CAP = 0.5
# Below the default alert threshold: "Prime Logistics" / "Prime International" rests on one
# common English word, "7" / "07" on a number alone.
LITTLE_EVIDENCE_CAP = 0.7
MIN_EVIDENCE = 0.6
# A near spelling whose first letters differ counts only beside another matched word (a loose
# pair): "Fritsch" is not "Afric".
OTHER_START_SIMILARITY = 0.75
# A near spelling three letters longer or shorter is another word on the same stem
# ("Konstantinova" / KONSTANTA, "Villar" / VILLARREAL) more often than a typo: a loose pair too,
# and so is one between two names common in the population (``_common``).
MAX_LENGTH_DIFFERENCE = 2
NUMBER_MISMATCH_PENALTY = 0.3
# A weak or low-quality alias (OFAC's "weak a.k.a.", the UN's "Low"): below the default alert
# threshold, so that it alerts only with other evidence (an address or identifier in common).
WEAK_ALIAS_CAP = 0.7
# A weak alias that its party's own name spells out as an acronym ("MOGE": MYANMA OIL AND GAS
# ENTERPRISE) is that party's usual short name: capped this much higher, over the threshold.
WEAK_SPELT_LIFT = 0.1
LEGAL_FORM_MISMATCH_PENALTY = 0.03
# One word of a person's (or ship's) name in common and a distinctive word of the query's own
# ("Mauro Gallardo" / the alias MAURO, "Lena Persson" / the vessel LENA): two who share a given
# name. Below the default alert threshold.
LONE_PERSON_NAME_CAP = 0.7
SHORT_ALIAS_LETTERS = 3
# The adjustments' names in explanations (``Penalty.feature``), stable for API clients.
GENERIC_ONLY_FEATURE = "only_generic_words_matched"
LITTLE_EVIDENCE_FEATURE = "too_little_evidence"
NUMBER_MISMATCH_FEATURE = "number_mismatch"
LEGAL_FORM_MISMATCH_FEATURE = "legal_form_mismatch"
WEAK_ALIAS_FEATURE = "weak_alias"
LONE_PERSON_NAME_FEATURE = "one_name_of_a_person"
# Vocabulary words whose ``compare`` a query token keeps (``QueryToken.compared``); emptied
# when full. A token meets the words of the names its queries reach: a few hundred at most for
# most words of a customer file.
COMPARED_WORDS = 4096
# A name is left unaligned only when its bound is below the cutoff by more than the rounding of
# a differently ordered sum.
BOUND_SLACK = 1e-9


# A near spelling whose first letters differ loses this much, unless the two letters are one
# sound in the usual romanisations (C/K/Q, G/H, V/W, a vowel or Y/J for another): typists
# rarely get the first letter wrong ("Varma" / "Karma", "General" / "Central").
FIRST_LETTER_PENALTY = 0.05
_LATIN_END = 0x250  # Latin letters with their diacritics end here (normalize.script_of)

_ROLE_FACTORS = [ROLE_FACTOR[NameRole(role)] for role in range(len(NameRole))]


@dataclass(frozen=True, slots=True)
class QueryToken:
    token: Token
    weight: float
    skeleton: str
    consonants: str
    phonetic: str
    equivalents: dict[str, str]
    # Typed in Latin letters (not romanised from another script): typing-error rules apply.
    typed: bool = True
    # Equivalents that hold for some entries only: listed word -> {entry position: note}.
    local: dict[str, dict[int, str]] = field(default_factory=dict)
    sound: str = ""  # a word read by sound (``sound``): its sound key, its only route
    sound_joint: bool = False  # others too (``sound_keys.JOINT_CLASSES``)
    # ``compare`` of this token with each vocabulary word it met (word -> result): a pure
    # function of the two, so kept for the rows after (a screener keeps its prepared tokens).
    # Not an init field: ``dataclasses.replace`` (a reading's tokens) starts a copy empty.
    compared: dict[int, tuple[float, MatchKind, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )


@dataclass(frozen=True, slots=True)
class Pair:
    """Query tokens ``query`` matched listed tokens ``listed`` (indices; more than one = joined)."""

    query: tuple[int, ...]
    listed: tuple[int, ...]
    kind: MatchKind
    similarity: float
    note: str = ""


@dataclass(slots=True)
class NameScore:
    name_id: int
    score: float
    precision: float
    recall: float
    pairs: list[Pair]
    penalties: list[tuple[str, str, float]] = field(default_factory=list)  # feature, reason, amount
    capped: bool = False
    # Not aligned: the score is an upper bound below the cutoff asked for (see score_name).
    bounded: bool = False


def _consonants(token: Token) -> str:
    if token.script is Script.ARABIC:
        return arabic_consonants(token.surface)
    return consonant_skeleton(token.key)


def prepare(query: AnalyzedName, index: MatchIndex) -> list[QueryToken]:
    return [prepare_token(token, index) for token in query.tokens]


def candidate_keys(tokens: Sequence[QueryToken]) -> list[QueryKey]:
    """What ``MatchIndex.candidates`` needs of prepared query tokens (the consonants of a word
    in Arabic script, the key of a word read by sound: they reach listed words by them)."""
    return [
        QueryKey(
            q.token.key,
            q.token.kind,
            q.weight,
            q.sound or (q.consonants if q.token.script is Script.ARABIC else ""),
        )
        for q in tokens
    ]


def prepare_token(token: Token, index: MatchIndex) -> QueryToken:
    """One query token with what scoring compares it by; depends on the token and the index
    only (a screener keeps them for the tokens its queries repeat)."""
    is_word = token.kind is TokenKind.WORD
    return QueryToken(
        token=token,
        weight=index.word_weight_of(token.key, token.kind),
        skeleton=romanisation_skeleton(token.key) if is_word else token.key,
        consonants=_consonants(token) if is_word else "",
        phonetic=phonetic_key(token.key) if is_word else "",
        equivalents=index.equivalences.get(token.key, {}) if is_word else {},
        typed=all(ord(char) < _LATIN_END for char in token.surface),
        local=index.local_equivalences.get(token.key, {}) if is_word else {},
    )


_WORD = int(TokenKind.WORD)
_LEGAL = int(TokenKind.LEGAL)
_NUMBER = int(TokenKind.NUMBER)
_PERSON = list(EntryType).index(EntryType.INDIVIDUAL)  # as MatchIndex.entry_types holds it
_VESSEL = list(EntryType).index(EntryType.VESSEL)
_NO_MATCH: tuple[float, MatchKind, str] = (0.0, MatchKind.EXACT, "")
_FIRST = itemgetter(0)  # an outcome's similarity


def compare(query: QueryToken, word: int, index: MatchIndex) -> tuple[float, MatchKind, str]:
    """How well one query token matches one vocabulary word: (similarity, kind, note)."""
    key = index.words[word]
    kind = index.word_kind[word]
    token = query.token
    if query.sound:
        similarity = pair_similarity(query.sound, key, query.sound_joint) if kind == _WORD else 0.0
        return (similarity, MatchKind.SOUND, "") if similarity else _NO_MATCH
    if token.script is Script.ARABIC and token.kind == _WORD and kind == _WORD:
        return _arabic(query, word, index)
    if token.kind != _WORD or kind != _WORD:
        if token.kind == kind and token.key == key:
            return 1.0, (MatchKind.LEGAL_FORM if kind == _LEGAL else MatchKind.EXACT), ""
        return _NO_MATCH
    if token.key == key:
        return 1.0, token.via or MatchKind.EXACT, ""
    note = query.equivalents.get(key)
    if note is not None:
        return EQUIVALENCE_SIMILARITY, MatchKind.EQUIVALENCE, note
    if token.script is Script.HAN:
        # Pinyin read from characters is exact: a near spelling is other characters.
        return _NO_MATCH
    found = _spelled(query, key, word, index)
    if token.script in _SYLLABIC and found[1] in (MatchKind.FUZZY, MatchKind.PHONETIC):
        # Hangul and kana are folded to Latin letters syllable by syllable: a near spelling of
        # that reading is other syllables as often as a variant (민수 "minsu" / MINSA, 코리아
        # "koria" / KALIA), so it is a loose pair, counted only beside an anchor.
        return min(found[0], SYLLABIC_SIMILARITY), MatchKind.FUZZY, ""
    return found


def _spelled(
    query: QueryToken, key: str, word: int, index: MatchIndex
) -> tuple[float, MatchKind, str]:
    """``compare`` of two words by their letters: romanisation skeletons, spelling, sound."""
    token = query.token
    skeleton = index.word_skeleton[word]
    if len(skeleton) >= MIN_KEY_LENGTH and query.skeleton == skeleton:
        if min(len(token.key), len(key)) >= MIN_SKELETON_LETTERS:
            return SKELETON_SIMILARITY, MatchKind.TRANSLITERATED, ""
        return SHORT_SKELETON_SIMILARITY, MatchKind.TRANSLITERATED, ""
    if len(token.key) == 1 or len(key) == 1:
        if token.key[0] == key[0]:
            return INITIAL_SIMILARITY, MatchKind.INITIAL, ""
        return _NO_MATCH
    similar = spelling(token.key, key)
    if min(len(query.skeleton), len(skeleton)) >= MIN_FUZZY_LETTERS:
        similar = max(similar, spelling(query.skeleton, skeleton))
    # The rules for typing errors apply to words typed in Latin letters; a word romanised from
    # another script varies as romanisations do (Korean G/K, Hebrew H/Kh, vowels).
    typed = query.typed
    same_start = INITIAL_SOUND.get(token.key[0], token.key[0]) == INITIAL_SOUND.get(key[0], key[0])
    if typed and not same_start:
        similar -= FIRST_LETTER_PENALTY
    shorter = min(len(token.key), len(key))
    if shorter < MIN_FUZZY_LETTERS:
        if typed and shorter == TRANSPOSED_LETTERS and transposed(token.key, key):
            return TRANSPOSED_SIMILARITY, MatchKind.FUZZY, ""
        if len(token.key) == len(key) and token.key.translate(HARD_C) == key.translate(HARD_C):
            # A short word is mostly an acronym, and Cyrillic writes its C by sound: ICC is
            # ИКК, read back "ikk"; CIS is "kis". C and K are then one letter.
            return SHORT_SKELETON_SIMILARITY, MatchKind.TRANSLITERATED, ""
    elif (
        typed
        and shorter <= MAX_ONE_EDIT_LETTERS
        and OSA.distance(token.key, key) > 1
        and OSA.distance(query.skeleton, skeleton) > 1
    ):
        return _NO_MATCH
    elif similar >= MIN_FUZZY_SIMILARITY:
        if (
            (typed and not same_start)
            or abs(len(token.key) - len(key)) > MAX_LENGTH_DIFFERENCE
            or (typed and _common(token.key) and _common(key))
        ):
            return min(similar, OTHER_START_SIMILARITY), MatchKind.FUZZY, ""
        return similar, MatchKind.FUZZY, ""
    if (
        query.phonetic
        and query.phonetic == index.word_phonetic[word]
        and similar >= MIN_PHONETIC_SPELLING
    ):
        return max(similar, PHONETIC_SIMILARITY), MatchKind.PHONETIC, ""
    if same_start and shorter >= MIN_LOOSE_LETTERS and similar >= MIN_LOOSE_SIMILARITY:
        return similar, MatchKind.FUZZY, ""
    return _NO_MATCH


def _common(word: str) -> bool:
    """A name common in the population (``weights.population_rarity`` below 1): two such names
    a letter or two apart are two names ("Stephanie" / STEPHEN, "Martine" / MARTINA,
    "Johansson" / JOHNSON), not a typo of one (a typo makes a word few people use)."""
    return population_rarity(word) < 1.0


def _arabic(query: QueryToken, word: int, index: MatchIndex) -> tuple[float, MatchKind, str]:
    """An Arabic-script word against a listed word: by a mined equivalence, or by consonants
    and the vowels the Arabic writes (``arabic_pairs``)."""
    listed = index.words[word]
    note = query.equivalents.get(listed)
    if note is not None:
        return EQUIVALENCE_SIMILARITY, MatchKind.EQUIVALENCE, note
    similarity = consonant_similarity(
        query.token.surface, query.consonants, listed, index.word_consonants[word]
    )
    return (similarity, MatchKind.TRANSLITERATED, "") if similarity else _NO_MATCH


_CAPS = (
    GENERIC_ONLY_FEATURE,
    LITTLE_EVIDENCE_FEATURE,
    LONE_PERSON_NAME_FEATURE,
    *GUESS_FEATURES,
)


@dataclass(frozen=True, slots=True)
class _QueryView:
    """What scoring needs of the query as a whole, worked out once per query: kept in the
    caller's ``memo``."""

    tokens: list[QueryToken]
    keys: list[str]  # tokens' keys for joins ("" for a legal form or a number)
    joins: Joins
    weights: list[float]  # the tokens' weights
    weight: float  # the query's weight, every token's summed
    local: bool  # a token has equivalences that hold for some entries only
    key_words: frozenset[int] | None  # ``score_bound.key_only_words``
    # Scores by what they depend on of a listed name (``score_name``): names alike score alike.
    alike: dict[tuple[Any, ...], NameScore]


_QUERY_VIEW = "query"


def _query_view(query: list[QueryToken], memo: dict[Any, Any], index: MatchIndex) -> _QueryView:
    view: _QueryView | None = memo.get(_QUERY_VIEW)
    if view is None or view.tokens is not query:
        keys = [_join_key(q.token.key, index) if q.token.kind == _WORD else "" for q in query]
        weights = [q.weight for q in query]
        view = memo[_QUERY_VIEW] = _QueryView(
            query,
            keys,
            joins_of(keys),
            weights,
            sum(weights),
            any(q.local for q in query),
            key_only_words(query, index),
            {},
        )
    return view


def _join_key(key: str, index: MatchIndex) -> str:
    """A query word as joins compare it: an unlisted word's business word at its end made
    canonical ("netposatechnologies" joins NETPOSA TECHNOLOGIES: "netposa", "technology")."""
    return key if key in index.word_ids else canonical_suffix(key)


def score_name(
    query: list[QueryToken],
    name_id: int,
    index: MatchIndex,
    memo: dict[Any, Any],
    cutoff: float = 0.0,
    names: dict[int, ListedName] | None = None,
    *,
    number_mismatch: float = NUMBER_MISMATCH_PENALTY,
    legal_form_mismatch: float = LEGAL_FORM_MISMATCH_PENALTY,
    weak_alias: float = WEAK_ALIAS_CAP,
) -> NameScore:
    """Align the query with one listed name and score the alignment (see the module doc).

    A name whose possible pairs cannot bring its score to ``cutoff`` is not aligned: its
    NameScore has ``bounded`` set, no pairs, and as score the bound, below ``cutoff``.
    ``number_mismatch`` and ``legal_form_mismatch`` are those penalties' weights (a request's
    ``MatcherConfig``); being penalties, they leave the bound an upper bound. ``weak_alias``
    caps the score of a name its list marks weak (``MatchIndex.name_weak``).

    ``memo`` is the caller's scratch for one query, kept across the names it scores (what
    scoring works out of the query as a whole). ``names`` keeps ``listed_name`` per name id for
    a caller that scores many queries against one index (a screener). What a query token
    compared is kept on the token (``QueryToken.compared``)."""
    listed = None if names is None else names.get(name_id)
    if listed is None:
        listed = listed_name(index, name_id)
        if names is not None:
            if len(names) >= LISTED_NAMES_KEPT:
                names.clear()
            names[name_id] = listed
    weak = listed.weak
    spelt_by = index.weak_spelt.get(name_id) if weak else None
    if spelt_by:
        weak_alias += WEAK_SPELT_LIFT
    if weak and weak_alias + BOUND_SLACK < cutoff:
        return NameScore(name_id, weak_alias, 0.0, 0.0, [], bounded=True)
    view = _query_view(query, memo, index)
    listed_words, roles = listed.words, listed.roles
    found_joins = None  # looked for once: the shortcut below and the options need them
    key_words = view.key_words
    if cutoff > BOUND_SLACK and key_words is not None and key_words.isdisjoint(listed_words):
        found_joins = joined_pairs(view.keys, view.joins, listed.keys, listed.joins)
        if not found_joins:  # no word the query can pair, no join: a bound of 0.0
            return NameScore(name_id, 0.0, 0.0, 0.0, [], bounded=True)
    entry_type = listed.entry_type
    # Names of the same words, roles and party type (one name on two lists, an alias repeated)
    # score alike: the first one's score serves the others under their own ids. Not a weak
    # alias (its cap names where its mark is from) nor beside equivalences local to an entry.
    alike = (listed_words, roles, entry_type, cutoff, number_mismatch, legal_form_mismatch)
    if not weak and not view.local:
        same = view.alike.get(alike)
        if same is not None:
            # Every field, as ``dataclasses.replace`` would copy them, without its introspection.
            return NameScore(
                name_id,
                same.score,
                same.precision,
                same.recall,
                [*same.pairs],
                [*same.penalties],
                same.capped,
                same.bounded,
            )
    # Each query token's outcomes against the listed words: what the bound reads (each listed
    # word's best similarity, which tokens pair) first, the options only past the bound.
    rows: list[list[tuple[float, MatchKind, str]]] = []
    best_listed = [0.0] * len(listed_words)
    pairable = [False] * len(query)
    for q, prepared in enumerate(query):
        compared, local = prepared.compared, prepared.local
        if len(compared) >= COMPARED_WORDS:
            compared.clear()
        row: list[Any] = [*map(compared.get, listed_words)]
        if None in row:  # each looked up again: a word twice in the name is compared once
            for w, word in enumerate(listed_words):
                cached = compared.get(word)
                if cached is None:
                    cached = compared[word] = shared(compare(prepared, word, index))
                row[w] = cached
        if local:
            for w, cached in enumerate(row):
                if cached[0] < EQUIVALENCE_SIMILARITY:
                    # An equivalence the name's own entry taught (not in ``compared``).
                    note = local.get(index.words[listed_words[w]], {}).get(listed.owner)
                    if note is not None:
                        row[w] = (EQUIVALENCE_SIMILARITY, MatchKind.EQUIVALENCE, note)
        rows.append(row)
        if row.count(_NO_MATCH) != len(row):  # most pair nothing: nothing for the bound
            similarities = [*map(_FIRST, row)]
            if max(similarities) > 0.0:
                pairable[q] = True
                # ``max`` keeps the first unless the second is greater, as the options did.
                best_listed = [*map(max, best_listed, similarities)]
    # Joined words compete with single pairs, so that a loose spelling match of one half
    # ("lim" / "limited") does not take the word that "lim ited" joined matches better.
    if found_joins is None:
        found_joins = joined_pairs(view.keys, view.joins, listed.keys, listed.joins)
    for similarity, qs, ws in found_joins:
        for q in qs:
            pairable[q] = True
        for w in ws:
            if similarity > best_listed[w]:
                best_listed[w] = similarity
    if cutoff > 0.0:
        # No option: no token pairable, no word matched, the bound sqrt(0.0 * 0.0) that
        # ``score_bound`` works out (weights are not negative).
        bound = 0.0
        if True in pairable:
            bound = score_bound(
                view.weights, view.weight, listed.weights, listed.total, best_listed, pairable
            )
        if bound + BOUND_SLACK < cutoff:
            return _kept(view, weak, alike, NameScore(name_id, bound, 0.0, 0.0, [], bounded=True))
    options = options_of(rows, found_joins)
    words, listed_weight = list(listed_words), list(listed.weights)
    # Best first; at equal similarity a one-to-one pair before a join.
    options.sort(key=lambda o: (-o[0], len(o[1]) + len(o[2]), o[1], o[2]))
    free_query = set(range(len(query)))
    free_listed = set(range(len(words)))
    pairs: list[Pair] = []
    for similarity, qs, ws, kind, note in options:
        if free_query.issuperset(qs) and free_listed.issuperset(ws):
            pairs.append(Pair(qs, ws, kind, similarity, note))
            free_query.difference_update(qs)
            free_listed.difference_update(ws)

    loose = [p for p in pairs if p.kind is MatchKind.FUZZY and p.similarity < MIN_FUZZY_SIMILARITY]
    if loose and not anchored(pairs, query, listed_weight):
        pairs = [p for p in pairs if p not in loose]
        for pair in loose:
            free_query.update(pair.query)
            free_listed.update(pair.listed)

    # An initial carries an initial's information whichever side writes the full word: "I"
    # matches "Ingvarsson" as evidence worth INITIAL_WEIGHT, and the rest of the full word's
    # weight is unmatched.
    query_used = list(view.weights)
    listed_used = list(listed_weight)
    for pair in pairs:
        if pair.kind is MatchKind.INITIAL:
            for q in pair.query:
                query_used[q] = min(query_used[q], INITIAL_WEIGHT)
            for w in pair.listed:
                listed_used[w] = min(listed_used[w], INITIAL_WEIGHT)
    query_matched = sum(query_used[q] * p.similarity for p in pairs for q in p.query)
    listed_matched = sum(listed_used[w] * p.similarity for p in pairs for w in p.listed)
    query_unmatched = view.weight - sum(query_used[q] for p in pairs for q in p.query)
    query_total = view.weight - query_unmatched * (1 - UNMATCHED_QUERY_FACTOR)
    listed_total = sum(listed_weight)
    precision = query_matched / query_total if query_total else 0.0
    recall = listed_matched / listed_total if listed_total else 0.0
    score = math.sqrt(precision * recall)
    result = NameScore(name_id, score, precision, recall, pairs)

    person = entry_type == _PERSON
    distinctive = any(
        query_used[q] >= DISTINCTIVE_WEIGHT or listed_used[w] >= DISTINCTIVE_WEIGHT
        for p in pairs
        for q in p.query
        for w in p.listed
    )
    whole_name = _whole_name(pairs, query, free_query, words, free_listed, index)
    # A name of numbers only, each matched ("7-28", a vessel): the whole name, which a single
    # number ("7" / "07") is not.
    whole_number = (
        len(pairs) >= MIN_WORD_PAIRS
        and all(p.similarity >= FULL_COVERAGE for p in pairs)
        and all(query[q].token.kind == _NUMBER for p in pairs for q in p.query)
        and not free_query
        and not free_listed
    )
    if not distinctive and not whole_name and score > GENERIC_ONLY_CAP:
        result.penalties.append(
            (
                GENERIC_ONLY_FEATURE,
                f"only generic words matched: capped at {GENERIC_ONLY_CAP}",
                score - GENERIC_ONLY_CAP,
            )
        )
        result.score = GENERIC_ONLY_CAP
        result.capped = True

    query_numbers = {query[q].token.key for q in free_query if query[q].token.kind == _NUMBER}
    listed_numbers = {
        index.words[words[w]] for w in free_listed if index.word_kind[words[w]] == _NUMBER
    }
    if query_numbers and listed_numbers:
        shown = f"{', '.join(sorted(query_numbers))} vs {', '.join(sorted(listed_numbers))}"
        result.penalties.append(
            (NUMBER_MISMATCH_FEATURE, f"number mismatch: {shown}", number_mismatch)
        )
    # A person's whole name of one word is still checked for evidence: "Santos" is all of the
    # alias SANTOS, and "Martin GmbH" all of the alias Martin, but a name that common in the
    # population names thousands of people (issue 16: single common tokens do not alert). An
    # organisation's one-word name is its name ("Element" is JSC Element).
    if (
        not result.capped
        and not (whole_name and (word_pairs(pairs, query) >= MIN_WORD_PAIRS or not person))
        and not whole_number
        and result.score > LITTLE_EVIDENCE_CAP
        and not one_side_whole(pairs, query, free_query, words, free_listed, index)
    ):
        evidence = _evidence(pairs, query, query_used, words, listed_used, index)
        if evidence < MIN_EVIDENCE:
            result.penalties.append(
                (
                    LITTLE_EVIDENCE_FEATURE,
                    f"too little evidence ({evidence:.2f}): capped at {LITTLE_EVIDENCE_CAP}",
                    result.score - LITTLE_EVIDENCE_CAP,
                )
            )
            result.score = LITTLE_EVIDENCE_CAP
            result.capped = True
    # A ship's one-word name is a person's name as often as not (CHRISTINA, LENA): the same
    # holds of "Christina Harvey" against it; and so does an organisation's alias of a short
    # word, an acronym that many other names share ("Hong Mai" / MAI, "Airbus SE" / SE).
    # Beside such an acronym any word or legal form of the query's own is another name ("Hồng
    # Mai", "Mai Công ty TNHH"): "MAI" says too little to take them as variants of it.
    short_alias = len(words) == 1 and len(index.words[words[0]]) <= SHORT_ALIAS_LETTERS
    if (
        not result.capped
        and (person or entry_type == _VESSEL or short_alias)
        and result.score > LONE_PERSON_NAME_CAP
        and word_pairs(pairs, query) == 1
        and any(
            (query[q].token.kind == _WORD and query[q].weight >= DISTINCTIVE_WEIGHT)
            or (short_alias and query[q].token.kind in (_WORD, _LEGAL))
            for q in free_query
        )
    ):
        result.penalties.append(
            (
                LONE_PERSON_NAME_FEATURE,
                "one name of a person in common, and a name of the query's own: capped at "
                f"{LONE_PERSON_NAME_CAP}",
                result.score - LONE_PERSON_NAME_CAP,
            )
        )
        result.score = LONE_PERSON_NAME_CAP
        result.capped = True
    if not result.capped and result.score > GUESS_CAP:
        found = guess(
            pairs, query, query_used, words, free_query, free_listed, index, roles, person
        )
        if found:
            result.penalties.append(
                (found[0], f"{found[1]}: capped at {GUESS_CAP}", result.score - GUESS_CAP)
            )
            result.score = GUESS_CAP
            result.capped = True
    query_forms = {q.token.key for q in query if q.token.kind == _LEGAL}
    listed_forms = {index.words[w] for w in words if index.word_kind[w] == _LEGAL}
    if query_forms and listed_forms and not query_forms & listed_forms:
        shown = f"{'/'.join(sorted(query_forms))} vs {'/'.join(sorted(listed_forms))}"
        result.penalties.append(
            (
                LEGAL_FORM_MISMATCH_FEATURE,
                f"legal form mismatch: {shown}",
                legal_form_mismatch,
            )
        )
    for feature, _, amount in result.penalties:
        if feature not in _CAPS:  # caps are already applied
            result.score -= amount
    result.score = min(1.0, max(0.0, result.score))
    if weak and result.score > weak_alias:
        # A mark adopted from another publication of the party names it (``alias_marks``).
        adopted = index.weak_sources.get(name_id)
        marker = f"marked low quality by {adopted}" if adopted else "the list marks it low quality"
        if spelt_by:
            marker += f"; an acronym its party's name {spelt_by!r} spells out"
        result.penalties.append(
            (
                WEAK_ALIAS_FEATURE,
                f"weak alias ({marker}): capped at {weak_alias}",
                result.score - weak_alias,
            )
        )
        result.score = weak_alias
        result.capped = True
    return _kept(view, weak, alike, result)


def _kept(view: _QueryView, weak: bool, alike: tuple[Any, ...], result: NameScore) -> NameScore:
    if not weak and not view.local:
        view.alike[alike] = result
    return result
