"""What the words two names have in common tell of the listed party: ``evidence``, the measure
behind ``score``'s ``too_little_evidence`` cap.

Kept out of ``score`` so that the alignment's hot path stays as it is: evidence is counted only
for a name whose score would alert, from the pairs the alignment chose.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import OSA, Levenshtein

from exportscreen.matching.analyze import TokenKind
from exportscreen.matching.guesses import DISTINCTIVE_WEIGHT
from exportscreen.matching.index import MatchIndex
from exportscreen.matching.near_words import HARD_C
from exportscreen.matching.normalize import Script
from exportscreen.matching.pair_views import PairView, QueryTokenView
from exportscreen.matching.translit import romanisation_skeleton
from exportscreen.matching.weights import in_use, population_rarity
from exportscreen.model import MatchKind

# A consonant skeleton shared by more listed words than this is ambiguous: a match through it
# counts as evidence in proportion (HAMAS's "hms" is shared by 16, "hmd" by 41).
AMBIGUOUS_CONSONANT_WORDS = 20
LONE_NEAR_SPELLING_FACTOR = 0.5
_LONE_NEAR = (MatchKind.FUZZY, MatchKind.PHONETIC, MatchKind.TRANSLITERATED)
# A near spelling alone, of a word read from another script, that changes letters is evidence
# of the party in proportion to the letters the two words keep in common, in full from this
# many up: two short names a letter or two apart meet by chance, the lists having some 13,000
# words of five to seven letters ("Салій" / SALMI, "कदम" / KARDIAM), while a long word's
# reading keeps most of it. Words typed in Latin letters are exempt (``evidence``).
TYPO_KEPT_LETTERS = 8
_SPELLED = (MatchKind.FUZZY, MatchKind.PHONETIC)
_WORD = TokenKind.WORD
_NUMBER = TokenKind.NUMBER


def informative(weight: float) -> float:
    """A word's weight as evidence of a party: a word many listed parties share (Huawei, Bank)
    is still a word of the name; how common it is in the world is ``population_rarity``'s
    part. Full from DISTINCTIVE_WEIGHT up."""
    return min(1.0, weight / DISTINCTIVE_WEIGHT)


def consonant_rarity(consonants: str, index: MatchIndex) -> float:
    """How much a match by consonants alone tells: a word written without its vowels (Arabic
    script) is any of the listed words that share its consonants, and the more there are the
    more the match is a guess (حميضة is Khimmed, Ahmadi, Hamid... by "hmd": 41 words)."""
    sharing = index.words_sharing_consonants(consonants)
    return min(1.0, AMBIGUOUS_CONSONANT_WORDS / sharing) if sharing else 1.0


def _spelling_key(word: str) -> str:
    """A word as its romanisations agree on: its romanisation skeleton, C and Q read K."""
    return romanisation_skeleton(word).translate(HARD_C)


def _changed(a: str, b: str) -> int:
    """Letters changed between two spellings: the optimal string alignment's edits less its
    swaps of two neighbouring letters, which keep both (a swap is two Levenshtein edits, one
    OSA edit)."""
    return 2 * OSA.distance(a, b) - Levenshtein.distance(a, b)


def _slips(typed: str, listed: Sequence[str]) -> int:
    """The fewest edits (optimal string alignment: a swap of neighbours is one) from ``typed``
    to one of the ``listed`` words. One slip of a listed word often makes a word that the large
    word lists hold among their rarer words ("charo", a Spanish name, for CHARSO LIMITED): a
    word found only there is another name when two slips or more away ("mitter" / MYTEL)."""
    return min((OSA.distance(typed, word) for word in listed), default=2)


def kept_letters_factor(typed: str, listed: str) -> float:
    """What a lone near spelling of ``listed`` as ``typed`` tells of the party, 0..1: 1 for a
    romanisation variant (equal romanisation skeletons, C and Q read K: "nuklin" / NUCLIN,
    "belshyna" / BELSHINA), else the letters the two keep in common over TYPO_KEPT_LETTERS:
    the longer word's letters less those changed, by their keys or their skeletons, whichever
    changes fewer ("mitter" / MYTEL: "miter" / "mitel", one). A swap of neighbouring letters
    keeps both ("maniwya" / MAINWAY)."""
    forms = ((typed, listed), (_spelling_key(typed), _spelling_key(listed)))
    if any(a == b for a, b in forms):
        return 1.0
    kept = max(len(typed), len(listed)) - min(_changed(a, b) for a, b in forms)
    return max(0.0, min(1.0, kept / TYPO_KEPT_LETTERS))


def evidence(
    pairs: Sequence[PairView],
    query: Sequence[QueryTokenView],
    query_used: Sequence[float],
    words: Sequence[int],
    listed_used: Sequence[float],
    index: MatchIndex,
) -> float:
    """What the matched words tell of the party, on the side that tells less: each matched word
    (not a legal form or initial) counts its weight, the pair's similarity and its rarity in the
    population; words read from another script count in full, but an Arabic word matched by its
    consonants only counts as the guess it is, on both sides (``consonant_rarity``). A number
    counts beside a matched word ("Research Institute 14") and a code with letters in it always
    ("H3C"), but a number alone ("7" / "07") tells nothing. A near spelling alone counts as
    another name when the word typed is one people use, and a word read from another script in
    proportion to the letters it keeps of the listed word when it changes some
    (``kept_letters_factor``)."""
    query_side = listed_side = 0.0
    numbers_query = numbers_listed = 0.0
    worded = False
    for pair in pairs:
        if pair.kind is MatchKind.INITIAL:
            continue
        for q in pair.query:
            token = query[q].token
            if token.kind == _WORD:
                worded = True
                rarity = population_rarity(token.key) if query[q].typed else 1.0
                if token.script is Script.ARABIC and pair.kind is MatchKind.TRANSLITERATED:
                    rarity = consonant_rarity(query[q].consonants, index)
                query_side += informative(query_used[q]) * pair.similarity * rarity
            elif token.kind == _NUMBER:
                if token.key.isdigit():
                    numbers_query += query_used[q] * pair.similarity
                else:
                    query_side += query_used[q] * pair.similarity
        # An Arabic word read by its consonants counts as that guess on both sides: how often
        # Latin text writes the listed word ("Hamas") says little of how common the name is
        # where it is written حماس.
        read = [
            consonant_rarity(query[q].consonants, index)
            for q in pair.query
            if query[q].token.script is Script.ARABIC and pair.kind is MatchKind.TRANSLITERATED
        ]
        for w in pair.listed:
            kind, key = index.word_kind[words[w]], index.words[words[w]]
            if kind == _WORD:
                rarity = min(read) if read else population_rarity(key)
                listed_side += informative(listed_used[w]) * pair.similarity * rarity
            elif kind == _NUMBER:
                if key.isdigit():
                    numbers_listed += listed_used[w] * pair.similarity
                else:
                    listed_side += listed_used[w] * pair.similarity
    if worded or query_side or listed_side:
        query_side += numbers_query
        listed_side += numbers_listed
    found = min(query_side, listed_side)
    # A near spelling alone, when the word typed is itself a word or name people use
    # ("Bachmann" / "BAHMAN", "Marion" / "MARIVAN", "Mitter" / MYTEL, "Pavlík" / PAWLIN), is
    # another name more often than a typo (a typo makes a word nobody uses: "Hikvisoin"): half
    # the evidence.
    worded_pairs = [
        p
        for p in pairs
        if p.kind is not MatchKind.INITIAL and any(query[q].token.kind == _WORD for q in p.query)
    ]
    if len(worded_pairs) == 1 and worded_pairs[0].kind in _LONE_NEAR:
        typed = [query[q] for q in worded_pairs[0].query if query[q].typed]
        listed_keys = [index.words[words[w]] for w in worded_pairs[0].listed]
        # Two romanisations of one name ("Baron" / "BAROON": equal skeletons) are near
        # spellings too. A word read from another script is left alone: حماس is HAMAS by its
        # consonants only.
        # A sound alike alone ("Allain" / ALANNA) is another name as often: a typo keeps most
        # letters and is found by spelling.
        if typed and (
            worded_pairs[0].kind is MatchKind.PHONETIC
            or all(
                in_use(t.token.key, t.token.surface, rarer=_slips(t.token.key, listed_keys) > 1)
                for t in typed
            )
        ):
            found *= LONE_NEAR_SPELLING_FACTOR
        # A word read from another script (Салій "saliy" / SALMI, कदम "kadam" / KARDIAM) is
        # spelt by a transliteration, whose variants equal skeletons catch: a letter changed
        # beyond them is another name more often than the same one. A word typed in Latin
        # letters keeps its full evidence: a typist's slip in a short brand ("Inspor" / INSPUR,
        # "Huawai" / HUAWEI, "Dahau" / DAHUA) is the listed party, and missing it is a false
        # clear, which costs more than the nuisance alert of "Aygaz" / AYNAZ (a Turkish brand
        # that no word list knows).
        lone = worded_pairs[0]
        spelt = query[lone.query[0]] if len(lone.query) == 1 else None
        if (
            lone.kind in _SPELLED
            and spelt is not None
            and not spelt.typed
            and len(lone.listed) == 1
        ):
            found *= kept_letters_factor(spelt.token.key, index.words[words[lone.listed[0]]])
    return found
