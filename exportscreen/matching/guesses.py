"""Matches that rest on a guess, checked after the alignment (``score.score_name`` caps them):
an Arabic-script word read by its consonants alone, and one word in common between two names
that each keep a distinctive word of their own.

Kept out of ``score`` so that the alignment's hot path stays as it is; these look only at the
pairs the alignment chose and at the words left over.
"""

from __future__ import annotations

from collections.abc import Sequence

from exportscreen.matching.acronyms import is_acronym
from exportscreen.matching.analyze import NameRole, TokenKind
from exportscreen.matching.index import MatchIndex
from exportscreen.matching.normalize import Script
from exportscreen.matching.pair_views import PairView, QueryTokenView, TokenView
from exportscreen.matching.translit import written_vowels_disagree
from exportscreen.model import MatchKind

# Below the default alert threshold.
GUESS_CAP = 0.7
# A matched word this heavy is real evidence (``score.DISTINCTIVE_WEIGHT``).
DISTINCTIVE_WEIGHT = 0.3
# A word this short is an acronym many names share (``score.SHORT_ALIAS_LETTERS``).
SHORT_WORD_LETTERS = 3
CONSONANT_GUESS_FEATURE = "consonant_guess"
OWN_WORDS_FEATURE = "one_word_and_words_of_their_own"
CJK_NAME_IN_PART_FEATURE = "cjk_name_in_part"
# The caps this module applies, for ``score``'s list of them.
GUESS_FEATURES = (
    CONSONANT_GUESS_FEATURE,
    OWN_WORDS_FEATURE,
    CJK_NAME_IN_PART_FEATURE,
)

# An Arabic word of three consonants or more that equal a listed word's is a reading; fewer,
# (اسما "sm", نوری "nr") meet many words by chance (ISSAM, ASMA, SAMI...).
FIRM_CONSONANTS = 3


def consonant_guess(
    readings: Sequence[int | None],
    listed_words_left: bool,
    acronym: bool = False,
    person: bool = True,
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
    word (مفتي is mufti). Two words read are a guess when neither has FIRM_CONSONANTS and the
    listed party is not a ``person`` (ایلیا جلالی, "l" and "gl", against the hotel AL-JALAA)."""
    if len(readings) > 1:
        # Two words read, neither of them firm, against a company's name (آیلین ایروانی, "ln rn",
        # against ORION ELEVEN): two guesses do not make a reading. A listed person's names are
        # the same few Arabic names the query's are (عبد هادي / HADI, Abd): there they agree.
        return not person and all(r is not None and r < FIRM_CONSONANTS for r in readings)
    if not readings or readings[0] is None:
        return False
    return readings[0] < FIRM_CONSONANTS or listed_words_left or acronym


def _guessed_word(pair: PairView, token: TokenView) -> bool:
    """Whether a word in common says little of which party is meant: an acronym of
    SHORT_WORD_LETTERS or fewer (MBP) or a pinyin reading of Chinese characters (天益 "tianyi"
    is also 天一, 天翼...: many names read alike); a translation the dictionaries know (中芯国际
    / SMIC) is not a guess."""
    if len(token.key) <= SHORT_WORD_LETTERS:
        return True
    return token.script is Script.HAN and pair.kind is MatchKind.TRANSLITERATED


def _reading(
    pair: PairView, query: Sequence[QueryTokenView], words: Sequence[int], index: MatchIndex
) -> int:
    """The consonants an Arabic-script word is read by against the listed word(s) of its pair:
    none when the vowels the Arabic writes disagree with the listed word's
    (``translit.written_vowels_disagree``: ايرانيت, Iranit, is not RENTA), a reading then
    being no more than a guess."""
    word = query[pair.query[0]]
    listed = "".join(index.words[words[w]] for w in pair.listed)
    if written_vowels_disagree(word.token.surface, listed):
        return 0
    return len(word.consonants)


_FAMILY = (NameRole.FAMILY, NameRole.FAMILY_PART)


def cjk_name_in_part(
    worded: Sequence[PairView],
    query: Sequence[QueryTokenView],
    roles: bytes,
    free_query: set[int],
    free_listed: set[int],
    index: MatchIndex,
    words: Sequence[int],
) -> bool:
    """Whether a listed person is matched by a name in Chinese characters (or Hangul read as
    them, ``cjk_names``) in part only. Such a name is a surname and a given name, each whole:
    a syllable left over on either side is another given name (韦娜, Wei Na, against WEI, Lin
    Na; 健 阳 张 against ZHANG, Jian), and a reading's surname paired with the listed given
    name is another person (秦柳, Jin Ryu in Korean, against RYU, Jin)."""
    if not worded or not all(query[q].token.script is Script.HAN for p in worded for q in p.query):
        return False
    word = TokenKind.WORD
    if any(query[q].token.kind == word for q in free_query) or any(
        index.word_kind[words[w]] == word for w in free_listed
    ):
        return True
    if not any(role in _FAMILY for role in roles):
        return False  # a listed name without a comma: which is the surname is unknown
    return any(
        query[q].token.role is NameRole.FAMILY and roles[w] not in _FAMILY
        for p in worded
        for q in p.query
        for w in p.listed
    )


def guess(
    pairs: Sequence[PairView],
    query: Sequence[QueryTokenView],
    query_used: Sequence[float],
    words: Sequence[int],
    free_query: set[int],
    free_listed: set[int],
    index: MatchIndex,
    roles: bytes = b"",
    person: bool = False,
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
        _reading(p, query, words, index)
        if p.kind is MatchKind.TRANSLITERATED and query[p.query[0]].token.script is Script.ARABIC
        else None
        for p in worded
        if any(query_used[q] >= DISTINCTIVE_WEIGHT for q in p.query)
    ]
    listed_left = any(index.word_kind[words[w]] == word for w in free_listed)
    acronym = len(worded) == 1 and all(is_acronym(index.words[words[w]]) for w in worded[0].listed)
    if consonant_guess(readings, listed_left, acronym, person):
        return CONSONANT_GUESS_FEATURE, "an Arabic-script word read by its consonants alone"
    if person and cjk_name_in_part(worded, query, roles, free_query, free_listed, index, words):
        return CJK_NAME_IN_PART_FEATURE, "a name in Chinese characters that agrees only in part"
    if (
        len(worded) == 1
        and listed_left
        and any(query[q].token.kind == word for q in free_query)
        and all(_guessed_word(worded[0], query[q].token) for q in worded[0].query)
    ):
        return OWN_WORDS_FEATURE, "one word in common, and words of their own on both sides"
    return None
