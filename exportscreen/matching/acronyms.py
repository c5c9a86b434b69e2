"""Acronyms and initials, written dotted, spaced or solid: "T.E.G." = "T E G" = "TEG", and
"SMIC" = "S.M.I.C.". The index keeps a listed name in each form (``listed_forms``), so a query
in any of them finds it by the same exact-token route as any other word.
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import zipf_frequency

from exportscreen.matching.analyze import AnalyzedName, Token, TokenKind, analyze
from exportscreen.matching.equivalences import reads_as_pinyin

# Initials in a run this long are an acronym ("T.E.G.", "T M G"), not a person's initials.
MIN_ACRONYM_LETTERS = 2


def initials_joined(name: AnalyzedName) -> AnalyzedName | None:
    """The name with each run of single letters joined into one word ("T.E.G. LIMITED" ->
    "TEG LIMITED"), or None when it has no such run. An acronym is written dotted, spaced or
    solid ("T.E.G." = "T E G" = "TEG"): the index keeps both forms of a listed name."""
    tokens: list[Token] = []
    run: list[Token] = []
    joined = False

    def close() -> None:
        nonlocal joined
        if len(run) >= MIN_ACRONYM_LETTERS:
            letters = "".join(t.key for t in run)
            surface = " ".join(t.surface for t in run)
            first = run[0]
            tokens.append(
                Token(surface, letters, letters, TokenKind.WORD, None, first.script, first.role)
            )
            joined = True
        else:
            tokens.extend(run)
        run.clear()

    for token in name.tokens:
        if token.kind is TokenKind.WORD and len(token.key) == 1 and token.key.isalpha():
            run.append(token)
            continue
        close()
        tokens.append(token)
    close()
    if not joined:
        return None
    return AnalyzedName(name.text, name.exact_key, tuple(tokens), name.truncated)


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
