"""Acronyms and initials, written dotted, spaced or solid: "T.E.G." = "T E G" = "TEG", and
"SMIC" = "S.M.I.C.". The index keeps a listed name in each form (``listed_forms``), so a query
in any of them finds it by the same exact-token route as any other word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from wordfreq import zipf_frequency

from exportscreen.matching.analyze import AnalyzedName, Token, TokenKind, analyze
from exportscreen.matching.equivalences import reads_as_pinyin
from exportscreen.matching.legal_forms import legal_forms, phrase_key
from exportscreen.matching.normalize import ascii_fold
from exportscreen.model import MatchKind

# Initials in a run this long are an acronym ("T.E.G.", "T M G"), not a person's initials.
MIN_ACRONYM_LETTERS = 2


def _letters(token: Token) -> str:
    """The letters of a token written as initials: a single-letter word ("T" of "T.E.G."), or a
    legal form written in initials ("B.V." of "B.V.I."); "" for any other token."""
    if token.kind is TokenKind.WORD:
        return token.key if len(token.key) == 1 and token.key.isalpha() else ""
    parts = token.surface.split()
    if token.kind is TokenKind.LEGAL:
        folded = [ascii_fold(p) for p in parts]
        if all(len(f) == 1 and f.isalpha() for f in folded):
            return "".join(folded)
    return ""


def initials_joined(name: AnalyzedName) -> AnalyzedName | None:
    """The name with each run of initials joined into one word ("T.E.G. LIMITED" -> "TEG
    LIMITED"), or None when it has no such run. An acronym is written dotted, spaced or solid
    ("T.E.G." = "T E G" = "TEG"): the index keeps both forms of a listed name, and a query is
    screened in both (``readings``). A legal form written in initials inside a run is part of the
    acronym ("B.V.I." is BVI, not the form B.V. and an I), and a run whose letters are a legal
    form is that form ("F.Z.E." is FZE)."""
    original = name.tokens
    # A run is joined only when it holds a one-letter word: most names have none.
    if not any(t.kind is TokenKind.WORD and len(t.key) == 1 for t in original):
        return None
    tokens: list[Token] = []
    joined = False
    position = 0
    while position < len(original):
        end = position
        while end < len(original) and _letters(original[end]):
            end += 1
        run = original[position:end]
        # A run of letters alone ("B.V."), or one letter: nothing to join.
        words = sum(t.kind is TokenKind.WORD for t in run)
        if words == 0 or sum(len(_letters(t)) for t in run) < MIN_ACRONYM_LETTERS:
            tokens.extend(run)
            if end == position:
                tokens.append(original[position])
                end += 1
            position = end
            continue
        letters = "".join(_letters(t) for t in run)
        first = run[0]
        surface = " ".join(t.surface for t in run)
        form = _legal_form_of(letters, [t.ascii for t in original[end:]], at_start=not tokens)
        if form is None:
            token = Token(surface, letters, letters, TokenKind.WORD, None, first.script, first.role)
        else:
            token = Token(
                surface, letters, form, TokenKind.LEGAL, MatchKind.LEGAL_FORM, first.script,
                first.role,
            )  # fmt: skip
        tokens.append(token)
        joined = True
        position = end
    if not joined:
        return None
    return AnalyzedName(name.text, name.exact_key, tuple(tokens), name.truncated)


def _legal_form_of(letters: str, after: Sequence[str], at_start: bool) -> str | None:
    """The class of the legal form a run of initials spells ("fze"), by the table's rules for a
    form that word would be at that place in the name (``LegalFormTable.match``), or None."""
    before = [] if at_start else [""]  # what precedes the run matters only as being something
    skeletons = [*before, phrase_key(letters), *(phrase_key(a) for a in after)]
    found = legal_forms().match(skeletons, len(before))
    return found[1] if found is not None and found[0] == 1 else None


# A word of this many letters that is no word of English text nor a pinyin reading is taken for
# an acronym ("SMIC", "CETC", "AVIC"), and indexed spelt out too.
ACRONYM_LETTERS = (3, 5)
MAX_ACRONYM_ZIPF = 1.5


@lru_cache(maxsize=65536)
def is_acronym(key: str) -> bool:
    low, high = ACRONYM_LETTERS
    return (
        low <= len(key) <= high
        and key.isalpha()
        and key.isascii()
        and not reads_as_pinyin(key)
        and zipf_frequency(key, "en") < MAX_ACRONYM_ZIPF
    )


def acronyms_spelt(name: AnalyzedName) -> AnalyzedName | None:
    """The name with each acronym spelt out in letters ("SMIC" -> "S M I C"), as a query that
    writes it dotted is read; None when the name has none."""
    tokens: list[Token] = []
    spelt = False
    for token in name.tokens:
        if token.kind is TokenKind.WORD and token.via is None and is_acronym(token.key):
            tokens.extend(
                Token(token.surface, letter, letter, TokenKind.WORD, None, token.script, token.role)
                for letter in token.key
            )
            spelt = True
        else:
            tokens.append(token)
    if not spelt:
        return None
    return AnalyzedName(name.text, name.exact_key, tuple(tokens), name.truncated)


@lru_cache(maxsize=8192)  # the screener asks again for every hit it explains
def listed_forms(text: str, person: bool) -> tuple[AnalyzedName, ...]:
    """The analyses of a listed name the index keeps: the name, and for a party that is not a
    person, the name with its initials joined (``initials_joined``) and with its acronyms spelt
    out (``acronyms_spelt``). Empty for a name without tokens."""
    analysis = analyze.__wrapped__(text, person)
    if not analysis.tokens:
        return ()
    if person:
        return (analysis,)
    variants = (initials_joined(analysis), acronyms_spelt(analysis))
    return (analysis, *(v for v in variants if v is not None))


# --- acronyms an entry spells out itself ---------------------------------------------------------

# An acronym of this many letters at least: two letters ("GE", "AB") meet a run of initials by
# chance.
MIN_EXPANDED_LETTERS = 3
MAX_EXPANDED_LETTERS = 8
# Words an acronym may leave out of its expansion ("Bank of Kunlun" -> BK) or keep (BOK).
_SKIPPABLE = frozenset({"of", "and", "for", "the", "de", "du", "des", "la", "le", "al"})
# Entries, with different names, that must spell an acronym out the same way before the
# expansion serves every listed name holding it.
MIN_TEACHING_ENTRIES = 2


def _is_word(token: Token) -> bool:
    return token.kind is TokenKind.WORD and token.key.isalpha() and token.key.isascii()


def _could_be_acronym(token: Token) -> bool:
    return (
        _is_word(token)
        and MIN_EXPANDED_LETTERS <= len(token.key) <= MAX_EXPANDED_LETTERS
        and not _pinyin(token.key)
    )


_pinyin = lru_cache(maxsize=65536)(reads_as_pinyin)


def _spelt_beside(token: Token, name: AnalyzedName) -> bool:
    """A word that reads as pinyin but that its own name spells out beside it: an acronym all
    the same ("Beijing University of Aeronautics and Astronautics (BUAA)": bu-a-a)."""
    return (
        _is_word(token)
        and MIN_EXPANDED_LETTERS <= len(token.key) <= MAX_EXPANDED_LETTERS
        and bool(_runs_spelling(token.key, name.tokens))
    )


def _initial(token: Token) -> str:
    """The letter a word gives an acronym: its key's first (an abbreviation expanded: "Mfg" is
    M), a legal form's as written ("Corporation" is the C of SMIC); "" for anything else."""
    if _is_word(token):
        return token.key[0]
    if token.kind is TokenKind.LEGAL and token.ascii[:1].isalpha():
        return token.ascii[0]
    return ""


def _runs_spelling(acronym: str, tokens: tuple[Token, ...]) -> list[tuple[int, int]]:
    """The runs of adjacent words (start, end exclusive) whose initials spell ``acronym``, the
    small words of ``_SKIPPABLE`` inside a run counted or not, never at its ends."""
    found: list[tuple[int, int]] = []
    for start in range(len(tokens)):
        first = tokens[start]
        if not _is_word(first) or first.key in _SKIPPABLE or first.key[0] != acronym[0]:
            continue
        # Depth-first over the words: each either gives its initial or, if skippable, none.
        stack = [(start, 0)]  # (next token, letters of the acronym spelt so far)
        while stack:
            position, spelt = stack.pop()
            if spelt == len(acronym):
                last = tokens[position - 1]
                if last.key not in _SKIPPABLE and position - start >= 2:
                    found.append((start, position))
                continue
            if position >= len(tokens) or tokens[position].key == acronym:
                continue
            token = tokens[position]
            initial = _initial(token)
            if not initial:
                continue
            if token.key in _SKIPPABLE and position > start:
                stack.append((position + 1, spelt))
            if initial == acronym[spelt] and len(token.ascii) > 1:
                stack.append((position + 1, spelt + 1))
    return sorted(set(found))


def spelt_out(names: Sequence[AnalyzedName]) -> dict[str, tuple[str, ...]]:
    """The acronyms among one party's names that another of its names spells out: acronym key
    -> the keys of the words it stands for ("smic" -> semiconductor manufacturing
    international, from "SMIC Beijing" and "Semiconductor Manufacturing International
    (Beijing) Corporation"). An acronym spelt out two ways by the same party is left out."""
    found: dict[str, set[tuple[str, ...]]] = {}
    acronyms = {
        t.key
        for name in names
        for t in name.tokens
        if t.via is None and (_could_be_acronym(t) or _spelt_beside(t, name))
    }
    if not acronyms:
        return {}
    # The letters each name's words give: a name lacking one of an acronym's cannot spell it.
    letters = [{_initial(t) for t in name.tokens} for name in names]
    # In a fixed order, not the set's (which the hash seed decides): the expansions' order is
    # the order of the listed forms they add, so of the index's name ids, and the index of
    # the same lists must be the same in every process (ties among candidates follow ids).
    for acronym in sorted(acronyms):
        needed = set(acronym)
        for name, given in zip(names, letters, strict=True):
            if not needed <= given:
                continue
            # In the acronym's own name too: "Semiconductor Manufacturing International
            # Corporation (SMIC)".
            for start, end in _runs_spelling(acronym, name.tokens):
                found.setdefault(acronym, set()).add(tuple(t.key for t in name.tokens[start:end]))
    return {a: next(iter(e)) for a, e in found.items() if len(e) == 1}


# A weak alias this long at least counts as its party's acronym (``weak_alias_spelt_by``):
# three letters ("CSC", "SSB") name too many companies by chance.
MIN_WEAK_ACRONYM_LETTERS = 4


def weak_alias_spelt_by(
    alias: Sequence[AnalyzedName], strong: Sequence[tuple[str, AnalyzedName]]
) -> str | None:
    """The text of a strong name of the same party that spells out a weak alias (its listed
    forms, ``alias``) as an acronym: "MOGE" and "M.O.G.E." by MYANMA OIL AND GAS ENTERPRISE.
    OFAC marks such aliases weak for the hits any short word brings; but an acronym its own
    party's name spells out is that party's usual short name (``score.WEAK_SPELT_LIFT``).
    None when no form of the alias is one acronym-like word of MIN_WEAK_ACRONYM_LETTERS or
    more, or no strong name spells it."""
    keys = {
        form.tokens[0].key
        for form in alias
        if len(form.tokens) == 1
        and _is_word(form.tokens[0])
        and MIN_WEAK_ACRONYM_LETTERS <= len(form.tokens[0].key) <= MAX_EXPANDED_LETTERS
        # Not a word in its own right ("CARD", "MEDIC", "NADA"): pinyin-like is allowed, an
        # acronym that its party's name spells is no Chinese name ("MOGE": mo-ge).
        and zipf_frequency(form.tokens[0].key, "en") < MAX_ACRONYM_ZIPF
    }
    for key in sorted(keys):
        for text, name in strong:
            if key not in {t.key for t in name.tokens} and _runs_spelling(key, name.tokens):
                return text
    return None


def _replace(
    tokens: tuple[Token, ...], start: int, end: int, new: Sequence[Token]
) -> tuple[Token, ...]:
    return (*tokens[:start], *new, *tokens[end:])


def _holds(keys: Sequence[str], words: tuple[str, ...]) -> bool:
    return any(
        tuple(keys[start : start + len(words)]) == words
        for start in range(len(keys) - len(words) + 1)
    )


def expanded_forms(
    name: AnalyzedName, expansions: Mapping[str, tuple[str, ...]]
) -> list[AnalyzedName]:
    """Other forms of a listed name under its party's acronyms (``spelt_out``): each acronym
    spelt out in words ("SMIC Beijing" -> "Semiconductor Manufacturing International
    Beijing"), and each expansion written as its acronym (-> "SMIC (Beijing) Corporation"); a
    name holding both, without the acronym and (if other words remain) without the expansion.
    Never the acronym as the name's only word. The new tokens keep the surface of what they
    replace, for explanations."""
    forms: list[AnalyzedName] = []
    tokens = name.tokens
    keys = [t.key for t in tokens]
    for position, token in enumerate(tokens):
        words = expansions.get(token.key) if token.kind is TokenKind.WORD else None
        if words and not _holds(keys, words):  # "... of Iran (AEOI)" spells it out already
            spelt = [
                Token(token.surface, word, word, TokenKind.WORD, MatchKind.ABBREVIATION,
                      token.script, token.role)
                for word in words
            ]  # fmt: skip
            forms.append(
                AnalyzedName(
                    name.text, name.exact_key, _replace(tokens, position, position + 1, spelt),
                    name.truncated,
                )
            )  # fmt: skip
    for acronym, words in expansions.items():
        for start in range(len(tokens) - len(words) + 1):
            if tuple(keys[start : start + len(words)]) != words:
                continue
            if acronym in keys:
                # Both in one name ("Atomic Energy Organization of Iran (AEOI)"): the name
                # without its acronym, and without the expansion when words are left beside the
                # acronym ("CSSC 701st Research Institute"). An acronym alone is a short word
                # that other scripts' words meet by chance (شمر / SMERI by its consonants).
                at = keys.index(acronym)
                kept = [_replace(tokens, at, at + 1, [])]
                rest = _replace(tokens, start, start + len(words), [])
                if sum(t.kind is not TokenKind.LEGAL for t in rest) > 1:
                    kept.append(rest)
                forms.extend(
                    AnalyzedName(name.text, name.exact_key, k, name.truncated) for k in kept
                )
                break
            outside = (*tokens[:start], *tokens[start + len(words) :])
            if all(t.kind is TokenKind.LEGAL for t in outside):
                break  # the acronym would be the name's only word: see above
            run = tokens[start : start + len(words)]
            short = Token(
                " ".join(t.surface for t in run), acronym, acronym, TokenKind.WORD,
                MatchKind.ABBREVIATION, run[0].script, run[0].role,
            )  # fmt: skip
            forms.append(
                AnalyzedName(
                    name.text, name.exact_key,
                    _replace(tokens, start, start + len(words), [short]), name.truncated,
                )
            )  # fmt: skip
            break
    return forms


def learn_expansions(
    entries_names: Sequence[Sequence[AnalyzedName]],
) -> list[dict[str, tuple[str, ...]]]:
    """Per entry (its names' analyses; empty for a person or a party not to learn from), the
    acronym expansions that apply to its names: those its own names spell out (``spelt_out``),
    and those that MIN_TEACHING_ENTRIES entries or more spell out the same single way ("CSSC" is
    China State Shipbuilding Corporation for 27 entries), wherever its names hold the acronym
    or the expansion. An entry's own expansion wins over a shared one."""
    own = [spelt_out(names) if names else {} for names in entries_names]
    taught: dict[str, dict[tuple[str, ...], int]] = {}
    for expansions in own:
        for acronym, words in expansions.items():
            ways = taught.setdefault(acronym, {})
            ways[words] = ways.get(words, 0) + 1
    shared = {
        acronym: words
        for acronym, ways in taught.items()
        if len(ways) == 1 and (words := next(iter(ways))) and ways[words] >= MIN_TEACHING_ENTRIES
    }
    by_word: dict[str, list[str]] = {}  # an acronym or its expansion's first word -> acronyms
    for acronym, words in shared.items():
        by_word.setdefault(acronym, []).append(acronym)
        by_word.setdefault(words[0], []).append(acronym)
    result: list[dict[str, tuple[str, ...]]] = []
    for names, expansions in zip(entries_names, own, strict=True):
        found: dict[str, tuple[str, ...]] = {}
        for name in names:
            for token in name.tokens:
                for acronym in by_word.get(token.key, ()):
                    found[acronym] = shared[acronym]
        found.update(expansions)
        result.append(found)
    return result
