"""Matches that rest on a guess, checked after the alignment (``score.score_name`` caps them):
an Arabic-script word read by its consonants alone, and one word in common between two names
that each keep a distinctive word of their own.

Kept out of ``score`` so that the alignment's hot path stays as it is; these look only at the
pairs the alignment chose and at the words left over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from exportscreen.matching.acronyms import is_acronym
from exportscreen.matching.analyze import TokenKind
from exportscreen.matching.index import MatchIndex
from exportscreen.matching.normalize import Script
from exportscreen.model import MatchKind

# Below the default alert threshold.
GUESS_CAP = 0.7
# A matched word this heavy is real evidence (``score.DISTINCTIVE_WEIGHT``).
DISTINCTIVE_WEIGHT = 0.3
# A word this short is an acronym many names share (``score.SHORT_ALIAS_LETTERS``).
SHORT_WORD_LETTERS = 3
CONSONANT_GUESS_FEATURE = "consonant_guess"
OWN_WORDS_FEATURE = "one_word_and_words_of_their_own"

# An Arabic word of three consonants or more that equal a listed word's is a reading; fewer,
# (اسما "sm", نوری "nr") meet many words by chance (ISSAM, ASMA, SAMI...).
FIRM_CONSONANTS = 3


def consonant_guess(
    readings: Sequence[int | None], listed_words_left: bool, acronym: bool = False
) -> bool:
    """Whether the one distinctive word matched is an Arabic-script word read by its consonants
    alone (``readings``: one per distinctive pair, the number of consonants read, None for a
    pair found otherwise), and that reading is a guess: fewer than FIRM_CONSONANTS consonants
    ("الرباب" / El Arabe), or a listed name that keeps distinctive words of its own ("ايرانيت" /
    URANTIA SERVICES, "الماني" / AMANA FUEL). A listed name matched whole by a firm word (حماس /
    HAMAS) is a reading; so are two words read ("بانک تات" / TAT BANK, "عبد عزيز" / AZIZ, Abdul:
    Arabic names are short in consonants, and two that agree are evidence). A listed word
    that is an acronym (``acronyms.is_acronym``: no word of English text; المفتي / MFTI,
    الفتياني / FTIAN) is Latin letters: an Arabic word whose consonants spell it is another
    word (مفتي is mufti)."""
    if len(readings) != 1 or readings[0] is None:
        return False
    return readings[0] < FIRM_CONSONANTS or listed_words_left or acronym


class _Token(Protocol):
    @property
    def kind(self) -> TokenKind: ...
    @property
    def script(self) -> Script: ...
    @property
    def key(self) -> str: ...


class _QueryToken(Protocol):
    @property
    def token(self) -> _Token: ...
    @property
    def consonants(self) -> str: ...
    @property
    def weight(self) -> float: ...


class _Pair(Protocol):
    @property
    def query(self) -> tuple[int, ...]: ...
    @property
    def listed(self) -> tuple[int, ...]: ...
    @property
    def kind(self) -> MatchKind: ...


def _guessed_word(pair: _Pair, token: _Token) -> bool:
    """Whether a word in common says little of which party is meant: an acronym of
    SHORT_WORD_LETTERS or fewer (MBP) or a pinyin reading of Chinese characters (天益 "tianyi"
    is also 天一, 天翼...: many names read alike); a translation the dictionaries know (中芯国际
    / SMIC) is not a guess."""
    if len(token.key) <= SHORT_WORD_LETTERS:
        return True
    return token.script is Script.HAN and pair.kind is MatchKind.TRANSLITERATED


def guess(
    pairs: Sequence[_Pair],
    query: Sequence[_QueryToken],
    query_used: Sequence[float],
    words: Sequence[int],
    free_query: set[int],
    free_listed: set[int],
    index: MatchIndex,
) -> tuple[str, str] | None:
    """The feature and reason when the match the alignment chose rests on a guess, else None:
    ``consonant_guess``, or one word in common that is itself a guess (``_guessed_word``) while
    each name keeps words of its own ("MBP软件科技有限公司", MBP Software Technology, against
    "MBP Trading Ltd."; "天益信息有限公司" against TIANYI INTERNATIONAL DALIAN): two companies
    that share a short or homophone word."""
    word = TokenKind.WORD
    worded = [
        p
        for p in pairs
        if p.kind is not MatchKind.INITIAL and any(query[q].token.kind == word for q in p.query)
    ]
    readings = [
        len(query[p.query[0]].consonants)
        if p.kind is MatchKind.TRANSLITERATED and query[p.query[0]].token.script is Script.ARABIC
        else None
        for p in worded
        if any(query_used[q] >= DISTINCTIVE_WEIGHT for q in p.query)
    ]
    listed_left = any(index.word_kind[words[w]] == word for w in free_listed)
    acronym = len(worded) == 1 and all(is_acronym(index.words[words[w]]) for w in worded[0].listed)
    if consonant_guess(readings, listed_left, acronym):
        return CONSONANT_GUESS_FEATURE, "an Arabic-script word read by its consonants alone"
    if (
        len(worded) == 1
        and listed_left
        and any(query[q].token.kind == word for q in free_query)
        and all(_guessed_word(worded[0], query[q].token) for q in worded[0].query)
    ):
        return OWN_WORDS_FEATURE, "one word in common, and words of their own on both sides"
    return None
