"""Sound keys: a word's consonants in coarse sound classes, shared by the Latin spelling of a
listed word and the romanised reading of a word written by sound in Han, Hangul, kana or Hebrew
(``sound``).

The classes (``data/sound_classes.tsv``) merge what those scripts cannot tell apart or write
otherwise than English: L = R, B = P = F = V, K = G = C = Q, T = D, S = Z = SH = CH = J = TH;
vowels, H, W and Y are dropped, which forgives the vowels these scripts add (Korean eu, Japanese
final u and o) or leave out (Hebrew). "crewson" and 克魯森 "ke lu sen" are both KRSN. Two keys
pair when equal, or one class apart when both have ``MIN_NEAR_CLASSES``; the index keeps
each listed word's key and its keys one class shorter (``listed_keys``), so that a query key
reaches every listed word it may pair with (``query_keys``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Protocol

from rapidfuzz.distance import Levenshtein

from exportscreen.matching.postings import IntArray
from exportscreen.matching.tables import read_rows

SYSTEMS = ("latin", "pinyin", "hangul", "kana", "hebrew")
CLASSES = frozenset("PTKSRMN")
# Classes of a query's reading that stand for any of several (``data/sound_classes.tsv``): J
# (kana ch, j) is S or T, Q (pinyin j, q) is S, T or K, W (kana's word-initial u of "ura") is
# nothing or P ("-" silent). A listed key never has them.
AMBIGUOUS = {"J": "ST", "Q": "STK", "W": "-P"}
# A query key's readings with those classes resolved, at most this many (the last ambiguous
# letters vary first): two Q give 9, three 27.
MAX_KEY_READINGS = 9
_VOWEL = "V"
_SILENT = "-"
_WORD_START = "^"  # a written form read only at a word's start
# A key of fewer classes is shared by too many listed words to pair two words by itself.
MIN_CLASSES = 3
# Keys one class apart pair only when both have this many: a class more or less in a shorter
# key is another name as often as a variant (a dropped R, an added epenthetic N).
MIN_NEAR_CLASSES = 4
# Pair similarities: below an exact spelling (1.0) and a romanisation variant (0.95), since a
# sound is weaker evidence than a spelling. A whole name matched by a key of ALERT_CLASSES or
# more reaches the default alert threshold (0.77). Shorter keys are shared by many words: 1,000
# foreign names of Wikidata written in Han, Hangul, kana and Hebrew, screened against the real
# lists, alerted 10 times without sound readings, 92 with keys of four classes alerting (레윙턴
# "re wing teon" / LANTANA, RNTN; 빌모츠 / PARMIS), 273 with three (格魯喬 / KLISE, KRS), and 20
# from five. Those, and a key one class apart from another (겨레센터 / KHOLTSVUD, KRSNT / KRSPT,
# in the Faker negatives), count beside another word matched, but do not alert alone.
ALERT_CLASSES = 5
SOUND_SIMILARITY = 0.86
WEAK_SOUND_SIMILARITY = 0.72
# Two words or more of one query read by sound, their keys of JOINT_CLASSES classes together
# (谢尔盖·拉夫罗夫, "xie er gai" SRK and "la fu luo fu" RPRP): a word's key equal to a listed
# word's pairs at JOINT_SOUND_SIMILARITY, so that the whole name alerts, just over the default
# threshold, when each word agrees with a word of one listed name. Keys one class apart stay
# weak: with them, three-class keys on both words agreed by chance far too often.
JOINT_CLASSES = 7
JOINT_SOUND_SIMILARITY = 0.8
# Beside them, a word of a key of two classes, too short to pair alone (オレグ "oregu" RK,
# Oleg; 이고르 Igor), pairs a short listed word of that key at JOINT_SOUND_SIMILARITY, so that
# オレグ・デリパスカ (RK + TRPSK) is a person's whole name. Measured on Wikidata's full names
# (benchmarks/native_names): Hebrew listed alerting 20 -> 21 of 34, others alerting 33 and 36
# -> 33 and 37 of some 12,000 (a Korean Abdullah Ahmad's namesakes, as in Latin letters).
SHORT_CLASSES = 2
SHORT_LETTERS = 5
# The index's key prefixes: a listed word's sound key, and its keys one class shorter.
SOUND_PREFIX = "h:"
SHORTER_PREFIX = "hd:"
SHORT_PREFIX = "hs:"  # a listed word's key of SHORT_CLASSES
# A listed word of one syllable or none (PCF, HFTC, BLMZ, DJEL, CNOOC: mostly acronyms, and
# short words) has no sound key: on the real lists, Wikidata's foreign names written in Han,
# Hangul, kana or Hebrew met such words by sound far more often than by being them.
MIN_VOWELS = 2
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_LATIN_R = "r"
_LATIN_VOWELS = frozenset("aeiouy")


@dataclass(frozen=True, slots=True)
class _System:
    classes: Mapping[str, str]  # written letters -> classes
    longest: int


@cache
def _systems() -> Mapping[str, _System]:
    """``data/sound_classes.tsv``, checked: known systems and classes, no letters twice."""
    found: dict[str, dict[str, str]] = {system: {} for system in SYSTEMS}
    for row in read_rows("sound_classes.tsv"):
        if len(row) != 3:
            raise ValueError(f"matching/data/sound_classes.tsv: expected 3 cells in {row!r}")
        system, written, classes = row
        if system not in found:
            raise ValueError(f"matching/data/sound_classes.tsv: unknown system {system!r}")
        allowed = CLASSES | {_VOWEL} | (set(AMBIGUOUS) if system != "latin" else set())
        if classes != _SILENT and not set(classes) <= allowed:
            raise ValueError(f"matching/data/sound_classes.tsv: unknown class in {row!r}")
        if written in found[system]:
            raise ValueError(f"matching/data/sound_classes.tsv: {written!r} twice in {system}")
        found[system][written] = "" if classes == _SILENT else classes
    for system, table in found.items():
        if not table:
            raise ValueError(f"matching/data/sound_classes.tsv: no rows for {system}")
    return {s: _System(t, max(len(w) for w in t)) for s, t in found.items()}


def classes_of(text: str, system: str) -> str | None:
    """``text`` in sound classes (vowels as V), longest written form first; None when a
    character has no row (not a word of that system)."""
    table = _systems()[system]
    out: list[str] = []
    i = 0
    while i < len(text):
        for size in range(min(table.longest, len(text) - i), 0, -1):
            found = table.classes.get(_WORD_START + text[:size]) if i == 0 else None
            if found is None:
                found = table.classes.get(text[i : i + size])
            if found is not None:
                out.append(found)
                i += size
                break
        else:
            return None
    return "".join(out)


def key_of(classes: str) -> str:
    """Classes with a consonant written twice in a row as one (tt, ッ) and vowels dropped."""
    out: list[str] = []
    previous = ""
    for c in classes:
        if c != previous and c != _VOWEL:
            out.append(c)
        previous = c
    return "".join(out)


def _unspoken_r(word: str) -> str:
    """``word`` without the r that follows a vowel and precedes no vowel, as English, which many
    transcriptions follow, does not say it (Parker 파커 "pakeo", 帕克 "pake"); others write it
    (Shamir 샤미르 "syamireu", Marthe 瑪爾特 "ma er te"), so a word has both keys."""
    kept = []
    for i, char in enumerate(word):
        if char == _LATIN_R and i and word[i - 1] in _LATIN_VOWELS:
            following = word[i + 1 : i + 2]
            if not following or (following not in _LATIN_VOWELS and following != _LATIN_R):
                continue
        kept.append(char)
    return "".join(kept)


@lru_cache(maxsize=65536)
def _latin_keys(word: str) -> tuple[str, ...]:
    """Every sound key of SHORT_CLASSES or more of a listed word (``latin_sound_keys``)."""
    if not word.isascii() or not word.isalpha() or len(_VOWEL_GROUPS.findall(word)) < MIN_VOWELS:
        return ()
    found = []
    for spelt in dict.fromkeys((word, _unspoken_r(word))):
        classes = classes_of(spelt, "latin")
        key = key_of(classes) if classes else ""
        if len(key) >= SHORT_CLASSES and key not in found:
            found.append(key)
    return tuple(found)


@lru_cache(maxsize=65536)
def latin_sound_keys(word: str) -> tuple[str, ...]:
    """The sound keys of a listed word in Latin letters (ASCII, lower case), each once: with
    every r and without those English leaves unsaid ("parker": PRKR, PK; "crewson": KRSN);
    () for anything else or a key shorter than MIN_CLASSES."""
    return tuple(k for k in _latin_keys(word) if len(k) >= MIN_CLASSES)


def latin_short_keys(word: str) -> tuple[str, ...]:
    """The sound key of a short listed word (SHORT_LETTERS at most), if it has SHORT_CLASSES
    with every r ("oleg", "igor": RK, KR). A longer word of so short a key (HAQQANI, KN) met
    two-class words of Wikidata's foreign names in Hangul and Hebrew by chance (גון "gvn")."""
    if len(word) > SHORT_LETTERS:
        return ()
    return tuple(k for k in _latin_keys(word)[:1] if len(k) == SHORT_CLASSES)


def shorter_keys(key: str) -> list[str]:
    """``key`` with one class left out, each once, in order: what the index keeps under
    ``SHORTER_PREFIX`` for a listed key of ``MIN_NEAR_CLASSES`` or more."""
    return list(dict.fromkeys(key[:i] + key[i + 1 :] for i in range(len(key))))


def listed_keys(word: str) -> list[str]:
    """The index's sound keys of a listed word, with their prefixes, each once: its keys, and
    their keys one class shorter when those are long enough to pair one class apart."""
    found: list[str] = []
    for key in latin_sound_keys(word):
        found.append(SOUND_PREFIX + key)
        if len(key) >= MIN_NEAR_CLASSES:
            found.extend(SHORTER_PREFIX + k for k in shorter_keys(key))
    found.extend(SHORT_PREFIX + k for k in latin_short_keys(word))
    return list(dict.fromkeys(found))


@lru_cache(maxsize=8192)
def _all_readings(key: str) -> tuple[str, ...]:
    options = [AMBIGUOUS.get(c, c) for c in key]
    readings = (
        "".join(r).replace(_SILENT, "")
        for r in itertools.islice(itertools.product(*options), MAX_KEY_READINGS)
    )
    return tuple(dict.fromkeys(readings))


@lru_cache(maxsize=8192)
def key_readings(key: str) -> tuple[str, ...]:
    """A query key with its ambiguous classes (``AMBIGUOUS``) resolved every way, at most
    MAX_KEY_READINGS, of MIN_CLASSES or more: "PQN" (普京) is PSN, PTN (Putin) and PKN; a key
    without them is its own one reading. (Two classes made equal stay two: a vowel stood
    between them.)"""
    return tuple(r for r in _all_readings(key) if len(r) >= MIN_CLASSES)


def short_readings(key: str) -> tuple[str, ...]:
    """A query key's readings of SHORT_CLASSES (オレグ "oregu", RK)."""
    return tuple(r for r in _all_readings(key) if len(r) == SHORT_CLASSES)


def fewest_classes(key: str) -> int:
    """The classes of ``key``'s shortest reading: an ambiguous class that may be nothing (W)
    does not count."""
    return sum(_SILENT not in AMBIGUOUS.get(c, c) for c in key)


def read_jointly(keys: Sequence[str]) -> bool:
    """Whether a query's words read by sound (their ``keys``) pair as one name: two or more, of
    JOINT_CLASSES classes together (a W that may be nothing not counted)."""
    return len(keys) > 1 and sum(map(fewest_classes, keys)) >= JOINT_CLASSES


def query_keys(key: str) -> list[str]:
    """The index keys a query's sound key looks up: every listed word with a key equal to one
    of its readings or one class apart (``pair_similarity`` above 0) is filed under one, and
    under SHORT_PREFIX every listed word of a key equal to a reading of SHORT_CLASSES."""
    if len(key) < SHORT_CLASSES:
        return []
    found: list[str] = [SHORT_PREFIX + r for r in short_readings(key)]
    for reading in key_readings(key):
        found.append(SOUND_PREFIX + reading)
        if len(reading) >= MIN_NEAR_CLASSES:
            found.append(SHORTER_PREFIX + reading)  # the listed key a class longer
            for shorter in shorter_keys(reading):
                found.append(SHORTER_PREFIX + shorter)  # another class in one place
                if len(shorter) >= MIN_NEAR_CLASSES:
                    found.append(SOUND_PREFIX + shorter)  # the listed key a class shorter
    return list(dict.fromkeys(found))


class _Postings(Protocol):
    def get(self, key: str) -> IntArray: ...


def sound_words(keys: _Postings, words: Sequence[str], key: str) -> dict[int, float]:
    """The listed words (``MatchIndex.keys``, spelt ``words``) a query word of sound key
    ``key`` pairs with, in the order found, each with the most ``pair_similarity`` gives it,
    beside other words read by sound or not. The index ranks candidates by it, equal keys
    before the many a class apart (ヤヌコーヴィチ's YANUKOVYCH among 127 names), and leaves
    out the words its postings reach but the scorer does not pair (two classes apart)."""
    found: dict[int, float] = {}
    for looked_up in query_keys(key):
        for word in keys.get(looked_up).tolist():
            if word not in found:
                found[word] = pair_similarity(key, words[word], joint=True)
    return {word: most for word, most in found.items() if most}


def pair_similarity(query_key: str, listed_word: str, joint: bool = False) -> float:
    """How well a query word read by sound (``query_key``) matches a listed word, by the
    closest of its keys: 0.0 when each differs by more than one class, or is too short.
    ``joint``: the query reads other words by sound, of JOINT_CLASSES classes together; only
    then does a key of SHORT_CLASSES pair, equal."""
    best = 0.0
    if joint and any(r in latin_short_keys(listed_word) for r in short_readings(query_key)):
        best = JOINT_SOUND_SIMILARITY
    keys = latin_sound_keys(listed_word) if len(query_key) >= MIN_CLASSES else ()
    for listed in keys:
        for reading in key_readings(query_key):
            if listed == reading:
                if len(listed) >= ALERT_CLASSES:
                    return SOUND_SIMILARITY
                best = max(best, JOINT_SOUND_SIMILARITY if joint else WEAK_SOUND_SIMILARITY)
            elif (
                min(len(listed), len(reading)) >= MIN_NEAR_CLASSES
                and Levenshtein.distance(listed, reading, score_cutoff=1) <= 1
            ):
                best = max(best, WEAK_SOUND_SIMILARITY)
    return best


def is_sound_key(value: str) -> bool:
    """Whether a ``QueryKey``'s script key is a sound key (classes are upper case; an Arabic
    word's consonants are lower case)."""
    return bool(value) and value.isupper()
