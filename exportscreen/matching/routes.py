"""The routes by which a query token reaches listed words, declared once.

A query reaches a listed name only through a *vocabulary word* of that name; the routes are the
ways a query token finds such words. Each route kind is one row below, with its tuning
constants. ``MatchIndex`` builds its postings from the rows and walks them forwards (from a
query token to the listed words it reaches); the delta re-screen filter (``delta_filter``) walks
the same rows backwards (from a listed word of a changed entry to the counterparty keys that
reach it). Because both read one table, a constant changed here changes both walks: the filter
cannot drift from the matcher.

Closeness values only rank the words a token reaches; what a route brings a name's score is for
the scorer to decide (``score``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from exportscreen.matching.translit import (
    consonant_skeleton,
    phonetic_key,
    romanisation_skeleton,
)

# A comparison key (skeleton, consonants, metaphone) shorter than this is shared by too many
# unrelated words to be looked up from a word in Latin letters, or to pair two words by itself.
MIN_KEY_LENGTH = 3
# A vocabulary word in more names than this is too common to find candidates by.
MAX_POSTING = 6000
# First letters that are one sound in the usual romanisations (C/K/Q, G/H, V/W, a vowel or Y/J
# for another): a near spelling starting with another sound is a typist's rarer error
# (``score.FIRST_LETTER_PENALTY``).
INITIAL_SOUND: Mapping[str, str] = {
    "k": "c", "q": "c", "h": "g", "w": "v",
    **dict.fromkeys("aeiouyj", "a"),  # Osama / Usama, Ibrahim / Ebrahim, Yevgeny / Evgeny
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SameWordRoute:
    """The query token's key is itself a vocabulary word."""

    closeness: float


@dataclass(frozen=True, slots=True)
class EquivalenceRoute:
    """A mined equivalence leads from the query word to another listed word (a translation or
    an abbreviation the lists themselves show, ``equivalences.mine``)."""

    closeness: float


@dataclass(frozen=True, slots=True)
class KeyRoute:
    """A query word reaches the listed words whose comparison key equals its own; the index
    keeps them in ``MatchIndex.keys`` under ``prefix + key``."""

    prefix: str
    key_of: Callable[[str], str]
    # A Latin query word's key shorter than this is not looked up.
    min_length: int
    # Listed words' keys are kept from this length: shorter ones only for the Arabic route,
    # which looks keys up whatever their length.
    listed_min_length: int
    closeness: float
    # Listed words' keys are kept only when made of letters.
    letters_only: bool = False

    def looked_up(self, key: str) -> bool:
        """Whether a Latin query word with this key looks it up."""
        return len(key) >= self.min_length

    def kept(self, key: str) -> bool:
        """Whether a listed word's key gets a posting."""
        return len(key) >= self.listed_min_length and (not self.letters_only or key.isalpha())


@dataclass(frozen=True, slots=True)
class ArabicRoute:
    """A word written in Arabic script has no short vowels: it reaches listed words only by its
    consonants read letter by letter (through ``key``, at any length) and mined equivalences."""

    key: KeyRoute
    closeness: float
    equivalence_closeness: float


@dataclass(frozen=True, slots=True)
class SoundRoute:
    """A word read by sound in Han, Hangul, kana or Hebrew (``sound``) reaches listed words
    only by its sound key, equal or one class apart (``sound_keys.query_keys``); the index
    keeps listed words' keys under ``sound_keys.listed_keys``. Each word reached ranks by the
    most the scorer can give it (``sound_keys.sound_words``): equal keys before keys one
    class apart."""


@dataclass(frozen=True, slots=True)
class NearWordRoute:
    """A word the lists do not use reaches listed words of close spelling (typos): those sharing
    at least ``min_shared_grams`` character ``gram_size``-grams, the ``shortlist`` sharing most
    verified by Jaro-Winkler similarity of at least ``min_similarity``. Not every word the
    scorer pairs: ``SpelledRoute`` reaches those; these rank candidates, and find the listed
    words written inside a joined word (``ContainedWordRoute``)."""

    gram_size: int
    min_word: int  # words shorter than this are not looked up by n-grams
    max_gram_posting: int  # a gram in more words than this finds nothing
    min_shared_grams: int
    shortlist: int
    min_similarity: float

    def applies(self, key: str) -> bool:
        """Whether a word (query or listed) takes part in this route."""
        return len(key) >= self.min_word and key.isalpha()

    def grams(self, word: str) -> list[str]:
        """The word's character n-grams, the word padded with "#" at both ends."""
        padded = f"#{word}#"
        size = self.gram_size
        return [padded[i : i + size] for i in range(len(padded) - size + 1)]


@dataclass(frozen=True, slots=True)
class SpelledRoute:
    """A Latin query word (one the lists use or not) reaches every listed word the scorer may
    pair with it by spelling (``score._spelled``): spelling similarity of the two words, or of
    their romanisation skeletons when both have at least ``min_skeleton`` letters, of at least
    ``min_similarity`` (the least any of the scorer's spelling rules accepts: the first-letter
    penalty and the rules for short words only lower or refuse a pair), words shorter than
    ``short_letters`` of equal length equal but for C/K/Q, and three-letter words with two
    letters swapped. Found without comparing every listed
    word by a bound of the similarity from letter counts (``near_words``): so the index's bound
    of a name's score counts every word the scorer may pair, and is a true upper bound."""

    min_similarity: float
    # A word starting with another sound (``initial_sound``) pairs only from this similarity,
    # or by an equal metaphone: the key route finds those of ``MIN_KEY_LENGTH`` letters or
    # more, and a query word whose metaphone is shorter is searched with ``min_similarity``.
    other_start_similarity: float
    min_skeleton: int
    short_letters: int
    # Words of this many letters pair with their two letters after the first swapped.
    transposed_letters: int
    initial_sound: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ContainedWordRoute:
    """A word the lists do not use reaches a listed word of at least ``min_word`` letters
    written inside it ("gazprombank" contains "gazprom"), among the near-word shortlist."""

    min_word: int


@dataclass(frozen=True, slots=True)
class SplitRoute:
    """A word reaches the two or three (``max_parts``) listed words it is made of ("qingshanli"
    is "qingshan" + "li"; "zhuhai", a listed word too, is "zhu" + "hai"), each of at least
    ``min_part`` letters."""

    min_part: int
    max_parts: int
    closeness: float


@dataclass(frozen=True, slots=True)
class JoinedRoute:
    """Two adjacent query words written together reach a listed word ("Gazprom Bank" reaches
    "GAZPROMBANK")."""

    closeness: float


@dataclass(frozen=True, slots=True)
class RouteTable:
    """Every route, in the order ``MatchIndex.reachable_words`` tries them: the first route to
    reach a word gives its closeness."""

    same_word: SameWordRoute
    keys: tuple[KeyRoute, ...]
    equivalence: EquivalenceRoute
    arabic: ArabicRoute
    sound: SoundRoute
    near_words: NearWordRoute
    spelled: SpelledRoute
    contained: ContainedWordRoute
    split: SplitRoute
    joined: JoinedRoute


SKELETON = KeyRoute("s:", romanisation_skeleton, MIN_KEY_LENGTH, MIN_KEY_LENGTH, 0.8)
CONSONANTS = KeyRoute("c:", consonant_skeleton, MIN_KEY_LENGTH, 1, 0.8, letters_only=True)
PHONETIC = KeyRoute("p:", phonetic_key, MIN_KEY_LENGTH, 1, 0.8)

ROUTES = RouteTable(
    same_word=SameWordRoute(closeness=1.0),
    keys=(SKELETON, CONSONANTS, PHONETIC),
    equivalence=EquivalenceRoute(closeness=0.9),
    arabic=ArabicRoute(CONSONANTS, closeness=0.8, equivalence_closeness=0.9),
    sound=SoundRoute(),
    near_words=NearWordRoute(
        gram_size=3,
        min_word=4,
        max_gram_posting=3000,
        min_shared_grams=2,
        shortlist=24,
        min_similarity=0.8,
    ),
    # score.MIN_LOOSE_SIMILARITY and MIN_PHONETIC_SPELLING; score.MIN_FUZZY_LETTERS twice
    # (tests/matching/test_near_words.py ties them).
    spelled=SpelledRoute(
        min_similarity=0.72,
        other_start_similarity=0.76,
        min_skeleton=4,
        short_letters=4,
        transposed_letters=3,
        initial_sound=INITIAL_SOUND,
    ),
    contained=ContainedWordRoute(min_word=4),
    split=SplitRoute(min_part=2, max_parts=3, closeness=0.9),
    joined=JoinedRoute(closeness=1.0),
)
