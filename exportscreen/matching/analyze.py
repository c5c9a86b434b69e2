"""A name turned into the tokens the index and the scorer compare.

Each token keeps the text it came from (``surface``, original script) for explanations, its
romanised letters (``ascii``), and its canonical comparison form (``key``): a legal form's class,
an abbreviation's full word, a Chinese business word's English, a Cyrillic word's romanisation.
``via`` records which of those rewrites produced the key, so that an explanation can say
"translated" or "abbreviation" rather than "exact".
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache

from exportscreen.matching.abbreviations import expand
from exportscreen.matching.brahmic import SCHEMES, romanise
from exportscreen.matching.chinese import PieceKind, han_runs, segment
from exportscreen.matching.legal_forms import legal_forms, phrase_key
from exportscreen.matching.myanmar import romanise_syllable, syllables
from exportscreen.matching.normalize import (
    MAX_NAME_CHARS,
    Script,
    ascii_fold,
    clean,
    script_of,
    word_script,
    words,
)
from exportscreen.model import MatchKind

# Analysis cost grows with the number of tokens; no real name has more than a few dozen.
MAX_TOKENS = 40
_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")
_ARABIC_ARTICLE = "ال"
_ABD = "عبد"
_ALLAH = "الله"


class TokenKind(enum.IntEnum):
    WORD = 0
    LEGAL = 1  # key is the legal-form class ("ltd", "jsc"...)
    NUMBER = 2  # contains a digit; only ever equal or different


class NameRole(enum.IntEnum):
    """Where a token sits in a listed person's name ("FAMILY, Given Middle")."""

    OTHER = 0
    FAMILY = 1
    GIVEN = 2
    MIDDLE = 3  # middle names and patronymics: often omitted by whoever types the name
    # One of two or more family names ("AGUIRRE CARDONA, Armando"): either is often left out.
    FAMILY_PART = 4


@dataclass(frozen=True, slots=True)
class Token:
    surface: str
    ascii: str
    key: str
    kind: TokenKind
    via: MatchKind | None
    script: Script
    role: NameRole = NameRole.OTHER


@dataclass(frozen=True, slots=True)
class AnalyzedName:
    text: str  # the cleaned name
    exact_key: str  # its words joined by single spaces, in the original script
    tokens: tuple[Token, ...]
    truncated: bool  # the input was cut at MAX_NAME_CHARS


@dataclass(slots=True)
class _Raw:
    """A token before legal forms and abbreviations are recognised."""

    surface: str
    ascii: str
    script: Script
    group: int  # 0 before the first comma of a person's name, 1 after
    fixed: Token | None = None  # already final (a Chinese piece)


def _han_tokens(run: str, group: int) -> list[_Raw]:
    raws: list[_Raw] = []
    for piece in segment(run):
        if piece.kind is PieceKind.LEGAL:
            token = Token(
                piece.original,
                ascii_fold(piece.original),
                piece.value,
                TokenKind.LEGAL,
                MatchKind.LEGAL_FORM,
                Script.HAN,
            )
            raws.append(_Raw(piece.original, token.ascii, Script.HAN, group, token))
        elif piece.kind is PieceKind.NUMBER:
            token = Token(
                piece.original,
                piece.value,
                piece.value,
                TokenKind.NUMBER,
                MatchKind.TRANSLATED,
                Script.HAN,
            )
            raws.append(_Raw(piece.original, piece.value, Script.HAN, group, token))
        elif piece.kind is PieceKind.TRANSLATED:
            for english in piece.value.split():
                token = Token(
                    piece.original,
                    english,
                    expand(english) if english.isalpha() else english,
                    TokenKind.WORD if english.isalpha() else TokenKind.NUMBER,  # "h3c"
                    MatchKind.TRANSLATED,
                    Script.HAN,
                )
                raws.append(_Raw(piece.original, english, Script.HAN, group, token))
        else:
            token = Token(
                piece.original,
                piece.value,
                piece.value,
                TokenKind.WORD,
                MatchKind.TRANSLITERATED,
                Script.HAN,
            )
            raws.append(_Raw(piece.original, piece.value, Script.HAN, group, token))
    return raws


# One word's raw tokens, before legal forms and abbreviations: (surface, ascii, script, fixed).
_Piece = tuple[str, str, Script, Token | None]


# A customer file repeats its words (first names, surnames, company words) far more than its
# names: each word's pieces are worked out once. Bounded: a long-running process meets ever new
# words.
@lru_cache(maxsize=65536)
def _word_pieces(word: str) -> tuple[_Piece, ...]:
    """The raw tokens of one word of a name, which depend on the word alone (the one rule that
    looks at the previous word, عبد الله, is ``_raw_tokens``')."""
    script = word_script(word)
    if script is not Script.LATIN and any(script_of(c) is Script.HAN for c in word):
        pieces: list[_Piece] = []
        for run, is_han in han_runs(word):
            if is_han:
                pieces.extend((r.surface, r.ascii, r.script, r.fixed) for r in _han_tokens(run, 0))
            elif folded := ascii_fold(run):
                pieces.append((run, folded, word_script(run), None))
        return tuple(pieces)
    native = legal_forms().native
    if word in native:
        token = Token(
            word, ascii_fold(word), native[word], TokenKind.LEGAL, MatchKind.LEGAL_FORM, script
        )
        return ((word, token.ascii, script, token),)
    article: tuple[_Piece, ...] = ()
    if script is Script.ARABIC and word.startswith(_ARABIC_ARTICLE) and len(word) > 3:
        article = ((_ARABIC_ARTICLE, "al", script, None),)
        word = word[len(_ARABIC_ARTICLE) :]
    if script is Script.MYANMAR:  # a name's syllables are its words in Latin letters
        return tuple(
            (syllable, spelt, script, None)
            for syllable in syllables(word)
            if (spelt := romanise_syllable(syllable))
        )
    # Brahmic words keep their inherent vowels (नरेन्द्र "narendra", not "nrendr").
    folded = romanise(word, script) if script in SCHEMES else ascii_fold(word)
    return (*article, (word, folded, script, None)) if folded else article


def _raw_tokens(text: str, person: bool, text_words: list[str]) -> list[_Raw]:
    """``text``'s raw tokens; ``text_words`` is ``words(text)``, made once for the exact key."""
    if person and "," in text:
        family, _, given = text.partition(",")
        segments = [(words(family), 0), (words(given), 1)]
    else:
        segments = [(text_words, 0)]
    raws: list[_Raw] = []
    for segment_words, group in segments:
        for word in segment_words:
            if word == _ALLAH and raws and raws[-1].surface == _ABD:
                # عبد الله is one name in Latin spellings (Abdullah, Abdallah).
                last = raws[-1]
                raws[-1] = _Raw(
                    f"{last.surface} {word}", last.ascii + ascii_fold(word), Script.ARABIC, group
                )
                continue
            for surface, folded, script, fixed in _word_pieces(word):
                raws.append(_Raw(surface, folded, script, group, fixed))
    return raws[: MAX_TOKENS * 2]


# Generational suffixes: after a comma ("PRADO, JR.") they are not a given name.
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def _roles(raws: list[_Raw], person: bool) -> list[NameRole]:
    """Each token's place in a listed person's name, when a comma says "FAMILY, Given Middle"
    (without one, the order is anybody's guess: "Xu Weibo", "JAMES MWANGANGI KIILU")."""
    roles = [NameRole.OTHER] * len(raws)
    if not person:
        return roles
    named = [i for i, r in enumerate(raws) if r.ascii not in _SUFFIXES and r.fixed is None]
    after_comma = [i for i in named if raws[i].group]
    if after_comma:
        family = [i for i in named if not raws[i].group]
        for i in family:
            roles[i] = NameRole.FAMILY if len(family) == 1 else NameRole.FAMILY_PART
        roles[after_comma[0]] = NameRole.GIVEN
        for i in after_comma[1:]:
            roles[i] = NameRole.MIDDLE
    return roles


def _word_token(raw: _Raw, role: NameRole) -> Token:
    return _word_token_of(raw.surface, raw.ascii, raw.script, role)


# Tokens depend on their word and role only: a customer file's repeated words make theirs once.
@lru_cache(maxsize=65536)
def _word_token_of(surface: str, folded: str, script: Script, role: NameRole) -> Token:
    via = MatchKind.TRANSLITERATED if script is not Script.LATIN else None
    if not folded.isalpha():
        # "No. 013" is number 13; a code such as "a320" keeps its letters.
        digits = _ORDINAL.fullmatch(folded)  # "14th" is number 14, as "第十四" and "No. 14"
        number = digits.group(1) if digits else folded
        key = (number.lstrip("0") or "0") if number.isdigit() else folded
        return Token(surface, folded, key, TokenKind.NUMBER, via, script, role)
    key = expand(folded)
    if key != folded:
        via = MatchKind.ABBREVIATION
    return Token(surface, folded, key, TokenKind.WORD, via, script, role)


@lru_cache(maxsize=65536)
def _unglued(folded: str) -> tuple[str, ...]:
    return legal_forms().unglue(folded)


@lru_cache(maxsize=65536)
def _joined_form_word(first: str, second: str) -> bool:
    return legal_forms().joined_word(first, second)


def _legal_words_rejoined(raws: list[_Raw]) -> list[_Raw]:
    """Legal-form words a typist split ("LIMI TED", "COM PANY") joined again, and those glued to
    a neighbour ("ALWEFAQLTD", "JOINTSTOCK") cut off, so that the form is recognised whole."""
    out: list[_Raw] = []
    for raw in raws:
        plain = raw.fixed is None and raw.script is Script.LATIN and raw.surface == raw.ascii
        previous = out[-1] if out else None
        if (
            plain
            and previous is not None
            and previous.fixed is None
            and previous.script is Script.LATIN
            and previous.surface == previous.ascii
            and previous.group == raw.group
            and _joined_form_word(previous.ascii, raw.ascii)
        ):
            joined = previous.ascii + raw.ascii
            out[-1] = _Raw(joined, joined, Script.LATIN, raw.group)
            continue
        parts = _unglued(raw.ascii) if plain else (raw.ascii,)
        if len(parts) == 1:
            out.append(raw)
        else:
            out.extend(_Raw(part, part, Script.LATIN, raw.group) for part in parts)
    return out


@lru_cache(maxsize=8192)
def analyze(name: str, person: bool = False) -> AnalyzedName:
    """Tokens of a name. ``person`` reads a comma as "FAMILY, Given Middle" (the lists' order)."""
    cleaned = clean(name, MAX_NAME_CHARS)
    text_words = words(cleaned.text)
    raws = _legal_words_rejoined(_raw_tokens(cleaned.text, person, text_words))
    roles = _roles(raws, person)
    table = legal_forms()
    # Chinese pieces are final already, and the letters of an Arabic-script word romanised
    # ("أبو" -> "bw") say nothing of Latin legal forms ("BV"), nor a Burmese syllable (ဦး "oo",
    # the honorific U): an empty key matches no form.
    keys = [
        ""
        if raw.fixed is not None or raw.script in (Script.ARABIC, Script.MYANMAR)
        else phrase_key(raw.ascii)
        for raw in raws
    ]
    tokens: list[Token] = []
    position = 0
    while position < len(raws) and len(tokens) < MAX_TOKENS:
        raw = raws[position]
        if raw.fixed is not None:
            tokens.append(_with_role(raw.fixed, roles[position]))
            position += 1
            continue
        found = table.match(keys, position)
        if found is not None:
            length, form_class = found
            span = raws[position : position + length]
            surface = " ".join(r.surface for r in span)
            folded = "".join(r.ascii for r in span)
            tokens.append(
                Token(
                    surface,
                    folded,
                    form_class,
                    TokenKind.LEGAL,
                    MatchKind.LEGAL_FORM,
                    raw.script,
                    roles[position],
                )
            )
            position += length
            continue
        split_class = table.match_split(keys, position)
        if split_class is not None and raws[position + 1].fixed is None:
            span = raws[position : position + 2]
            tokens.append(
                Token(
                    " ".join(r.surface for r in span),
                    "".join(r.ascii for r in span),
                    split_class,
                    TokenKind.LEGAL,
                    MatchKind.LEGAL_FORM,
                    raw.script,
                    roles[position],
                )
            )
            position += 2
            continue
        tokens.append(_word_token(raw, roles[position]))
        position += 1
    exact_key = " ".join(text_words)
    return AnalyzedName(cleaned.text, exact_key, tuple(tokens), cleaned.truncated)


def _with_role(token: Token, role: NameRole) -> Token:
    if token.role is role:
        return token
    return Token(token.surface, token.ascii, token.key, token.kind, token.via, token.script, role)
