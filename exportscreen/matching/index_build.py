"""Building the candidate index (``index.MatchIndex``) from list entries: every name analysed
once, its words weighted by IDF over the lists, the route keys and 3-grams of each vocabulary word,
the mined equivalences (shared, or local to the entries that taught them), acronym forms and weak
aliases, packed into the arrays and postings the index searches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from exportscreen.matching.acronyms import (
    expanded_forms,
    learn_expansions,
    listed_forms,
    weak_alias_spelt_by,
)
from exportscreen.matching.alias_marks import AliasMarks, adopted_weak
from exportscreen.matching.analyze import AnalyzedName, NameRole, TokenKind
from exportscreen.matching.equivalences import mine
from exportscreen.matching.index import (
    MIN_IDENTIFIER_CHARS,
    MatchIndex,
    letter_bit,
    normalise_identifier,
)
from exportscreen.matching.postings import (
    KeyedPostings,
    LazyEntries,
    WordNeighbours,
    csr,
)
from exportscreen.matching.routes import (
    CONSONANTS,
    PHONETIC,
    ROUTES,
    SKELETON,
)
from exportscreen.matching.sound_keys import listed_keys as sound_keys_of
from exportscreen.matching.weights import GENERIC_WEIGHT as GENERIC_WEIGHT
from exportscreen.matching.weights import INITIAL_WEIGHT as INITIAL_WEIGHT
from exportscreen.matching.weights import ROLE_FACTOR as ROLE_FACTOR
from exportscreen.matching.weights import word_weights
from exportscreen.model import Entry, EntryType, ListCode


def build_index(
    entries: Iterable[Entry], marks: Sequence[AliasMarks] = (), *, neighbours: bool = False
) -> MatchIndex:
    """The index of ``entries``' names. ``marks``: weak-alias marks of other publications of the
    same parties (most recent first), adopted by entries whose format lost them (the CSL's rows
    of OFAC's lists; ``alias_marks``). ``neighbours``: search every listed word's spelled
    neighbours now (``spelled_neighbours``: some 6 s of CPU for the full lists, the build's
    time doubled) so that a query word the lists use needs no search: for an index kept and
    served (the store's cache), not one built for a few queries."""
    entry_list = list(entries)
    name_text: list[str] = []
    name_entry: list[int] = []
    analysed: list[AnalyzedName] = []
    roles: list[bytes] = []
    name_weak: list[bool] = []
    acronym_forms: dict[int, AnalyzedName] = {}
    weak_of: list[set[str]] = []
    adopted_of: list[dict[str, str]] = []
    weak_source: dict[int, str] = {}
    weak_spelt: dict[int, str] = {}
    # Each name's forms, analysed once: a name and, for initials ("T.E.G. LIMITED"), its
    # form with them joined ("TEG").
    forms_of: list[list[tuple[str, tuple[AnalyzedName, ...]]]] = []
    for entry in entry_list:
        person = entry.type is EntryType.INDIVIDUAL
        # Only an alias can be weak: the primary name, or the same text given as a strong
        # alias too, never is.
        weak_of.append(
            set(entry.weak_aliases).intersection(entry.aliases) - {entry.name}
            if entry.weak_aliases
            else set()
        )
        adopted_of.append(adopted_weak(entry, marks) if marks else {})
        weak_of[-1].update(adopted_of[-1])
        forms_of.append(
            [(text, listed_forms(text, person) if text.strip() else ()) for text in entry.names]
        )
    # Then its forms under its party's acronyms: those its strong names spell out, and those
    # several parties agree on.
    expansions = learn_expansions(
        [
            []
            if entry.type is EntryType.INDIVIDUAL
            else [forms[0] for text, forms in named if forms and text not in weak]
            for entry, named, weak in zip(entry_list, forms_of, weak_of, strict=True)
        ]
    )
    for position, named in enumerate(forms_of):
        weak = weak_of[position]
        adopted = adopted_of[position]
        spelt = _weak_aliases_spelt(entry_list[position], named, weak)
        for text, forms in named:
            extra = expanded_forms(forms[0], expansions[position]) if forms else []
            for number, analysis in enumerate((*forms, *extra)):
                if number >= len(forms):
                    acronym_forms[len(name_text)] = analysis
                name_text.append(text)
                name_entry.append(position)
                analysed.append(analysis)
                roles.append(bytes(int(t.role) for t in analysis.tokens))
                name_weak.append(text in weak)
                if text in spelt:
                    weak_spelt[len(name_text) - 1] = spelt[text]
                if text in adopted:
                    weak_source[len(name_text) - 1] = adopted[text]

    words: list[str] = []
    word_ids: dict[str, int] = {}
    kinds = bytearray()
    entry_sets: list[set[int]] = []
    name_tokens: list[tuple[int, ...]] = []
    for analysis, owner in zip(analysed, name_entry, strict=True):
        ids: list[int] = []
        for token in analysis.tokens:
            word = word_ids.get(token.key)
            if word is None:
                word = word_ids[token.key] = len(words)
                words.append(token.key)
                kinds.append(int(token.kind))
                entry_sets.append(set())
            entry_sets[word].add(owner)
            ids.append(word)
        name_tokens.append(tuple(ids))

    weights = word_weights(words, bytes(kinds), [len(s) for s in entry_sets], len(entry_list))
    route_keys = {route.prefix: [route.key_of(w) for w in words] for route in ROUTES.keys}
    keyed = [(route, route_keys[route.prefix]) for route in ROUTES.keys]
    near = ROUTES.near_words

    keys: dict[str, list[int]] = defaultdict(list)
    gram_lists: dict[str, list[int]] = defaultdict(list)
    gram_counts = np.zeros(len(words), dtype=np.int32)
    for word_id, text in enumerate(words):
        if kinds[word_id] != TokenKind.WORD:
            continue
        for route, by_word in keyed:
            if route.kept(by_word[word_id]):
                keys[route.prefix + by_word[word_id]].append(word_id)
        for sound_key in sound_keys_of(text):
            keys[sound_key].append(word_id)
        if near.applies(text):
            # Sorted, not in the set's order (the hash seed's): the same lists give the same
            # index, to the byte, in every process.
            word_grams = sorted(set(near.grams(text)))
            gram_counts[word_id] = len(word_grams)
            for gram in word_grams:
                gram_lists[gram].append(word_id)

    word_names: list[list[int]] = [[] for _ in words]
    word_name_masses: list[list[float]] = [[] for _ in words]
    # Python numbers in the loop: numpy scalars cost more than the arithmetic.
    word_weight = weights.tolist()
    role_factor = [ROLE_FACTOR[NameRole(role)] for role in range(len(NameRole))]
    legal, word_kind = int(TokenKind.LEGAL), int(TokenKind.WORD)
    bits = [letter_bit(w) if kinds[i] == word_kind else 0 for i, w in enumerate(words)]
    name_weights: list[float] = []
    legal_masses: list[float] = []
    initials: list[int] = []
    first_letters: list[int] = []
    for name_id, (name_words, name_roles) in enumerate(zip(name_tokens, roles, strict=True)):
        in_name: dict[int, float] = {}
        total = legal_total = 0.0
        name_initials = name_letters = 0
        for word_id, role in zip(name_words, name_roles, strict=True):
            mass = word_weight[word_id] * role_factor[role]
            total += mass
            in_name[word_id] = in_name.get(word_id, 0.0) + mass
            if kinds[word_id] == legal:
                legal_total += mass
            elif kinds[word_id] == word_kind:
                name_letters |= bits[word_id]
                if len(words[word_id]) == 1:
                    name_initials |= bits[word_id]
        for word_id, mass in in_name.items():
            word_names[word_id].append(name_id)
            word_name_masses[word_id].append(mass)
        name_weights.append(total)
        legal_masses.append(legal_total)
        initials.append(name_initials)
        first_letters.append(name_letters)
    name_weight = np.array(name_weights, dtype=np.float64)
    exact: dict[str, list[int]] = defaultdict(list)
    for name_id, analysis in enumerate(analysed):
        exact[analysis.exact_key].append(name_id)
    identifiers: dict[str, list[int]] = defaultdict(list)
    for position, entry in enumerate(entry_list):
        for identifier in entry.identifiers:
            value = normalise_identifier(identifier.value)
            if len(value) >= MIN_IDENTIFIER_CHARS:
                identifiers[value].append(position)

    by_entry: dict[int, list[tuple[str, AnalyzedName]]] = defaultdict(list)
    given_names: set[str] = set()
    for text, analysis, owner, is_weak in zip(
        name_text, analysed, name_entry, name_weak, strict=True
    ):
        if is_weak:
            # A weak alias teaches nothing: an equivalence learned from it ("RUSAG" =
            # "ROSSELKHOZBANK") would let it reach the entry through a strong name.
            continue
        if entry_list[owner].type is not EntryType.INDIVIDUAL:
            by_entry[owner].append((text, analysis))
        else:
            given_names.update(
                t.key for t in analysis.tokens if t.role in (NameRole.GIVEN, NameRole.MIDDLE)
            )
    learned = mine(
        ((entry_list[owner].id, names) for owner, names in by_entry.items()), given_names
    )
    position_of = {entry.id: position for position, entry in enumerate(entry_list)}
    local = {
        word: {
            other: {position_of[entry_id]: note for entry_id, note in taught.items()}
            for other, taught in others.items()
        }
        for word, others in learned.local.items()
    }

    list_codes = list(ListCode)
    types = list(EntryType)
    role_bytes = b"".join(roles)
    token_offsets, token_flat = csr(name_tokens)
    index = MatchIndex(
        entries=LazyEntries(entry_list),
        entry_ids=[e.id for e in entry_list],
        entry_types=bytes(types.index(e.type) for e in entry_list),
        name_text=name_text,
        name_entry=np.array(name_entry, dtype=np.int32),
        name_tokens=(token_offsets, token_flat),
        name_roles=(token_offsets, role_bytes),
        name_weight=name_weight,
        name_list=np.array(
            [list_codes.index(entry_list[e].list) for e in name_entry], dtype=np.int8
        ),
        words=words,
        word_ids=word_ids,
        word_kind=bytes(kinds),
        word_weight=weights.tolist(),
        word_skeleton=route_keys[SKELETON.prefix],
        word_consonants=route_keys[CONSONANTS.prefix],
        word_phonetic=route_keys[PHONETIC.prefix],
        word_names=csr(word_names),
        word_name_mass=np.fromiter(
            (m for masses in word_name_masses for m in masses), dtype=np.float64
        ),
        name_legal_mass=np.array(legal_masses, dtype=np.float64),
        name_initials=np.array(initials, dtype=np.int32),
        name_first_letters=np.array(first_letters, dtype=np.int32),
        keys=KeyedPostings.of(keys),
        word_grams=KeyedPostings.of(gram_lists),
        word_gram_count=gram_counts,
        exact=KeyedPostings.of(exact),
        identifiers=KeyedPostings.of({k: list(dict.fromkeys(v)) for k, v in identifiers.items()}),
        equivalences=learned.shared,
        local_equivalences=local,
        name_weak=np.array(name_weak, dtype=np.bool_),
        weak_sources=weak_source,
        weak_spelt=weak_spelt,
        acronym_forms=acronym_forms,
        word_spelled=None,  # searched below, with the index, if asked
    )
    index.entry_position = {entry_id: i for i, entry_id in enumerate(index.entry_ids)}
    if neighbours:
        index.word_spelled = spelled_neighbours(index)
    return index


def _weak_aliases_spelt(
    entry: Entry, named: Sequence[tuple[str, tuple[AnalyzedName, ...]]], weak: set[str]
) -> dict[str, str]:
    """An entry's weak aliases that one of its strong names spells out as an acronym, each with
    that name (``acronyms.weak_alias_spelt_by``); never a person's."""
    if not weak or entry.type is EntryType.INDIVIDUAL:
        return {}
    strong = [(text, forms[0]) for text, forms in named if forms and text not in weak]
    found: dict[str, str] = {}
    for text, forms in named:
        if text in weak and (by := weak_alias_spelt_by(forms, strong)) is not None:
            found[text] = by
    return found


def spelled_neighbours(index: MatchIndex) -> WordNeighbours:
    """What the spelled search finds for each vocabulary word of kind WORD as a query word
    (``MatchIndex.search_spelled_words``), in its order: ``spelled_words`` then gives the same
    dict without searching. Other kinds get an empty row (a query word is searched only as a
    WORD, and one equal to a listed legal form or number is searched live)."""
    word = int(TokenKind.WORD)
    found = WordNeighbours.of(
        index.search_spelled_words(text) if kind == word else {}
        for text, kind in zip(index.words, index.word_kind, strict=True)
    )
    # The search's vocabulary and its per-length caches (tens of MB after every word) are
    # made again on first use, as in an index loaded from its bytes.
    index.spelled = None
    return found
