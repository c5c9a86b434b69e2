"""Sound readings: a name written phonetically in Han, Hangul, kana or Hebrew, read by its sound
against the Latin spelling of listed words.

Chinese, Korean, Japanese and Hebrew text writes a Western, Russian or Iranian name by sound:
CREWSON is 克魯森 (ke lu sen), BALABANOV 巴拉巴诺夫, WASHINGTON 워싱턴 (wo sing teon), BRAMLETT
ブラムレット (buramuretto), CAMRAS קמראס. Their romanisations share few letters with the listed
spelling, so no spelling route finds them. Both sides are rewritten into coarse sound classes
(``data/sound_classes.tsv``: L = R, B = P = F = V, K = G = C, T = D, S = Z = SH = CH = J = TH;
vowels, H, W and Y dropped), which forgives what these scripts cannot write: "KRSN" is both
crewson and ke-lu-sen (``sound_keys``).

Only words likely to be a foreign name are read so: a Han word made wholly of the characters
that transcribe foreign names (``data/transcription_han.txt``, the Xinhua tables); a Hangul word
not read as a Korean person's name; a word in katakana (Japanese writes foreign names in
katakana, its own in kanji and hiragana); a Hebrew word that is not a common Hebrew word. The
reading is screened beside the ordinary analysis (``readings``), and a pair by sound scores
below an exact spelling (``SOUND_SIMILARITY``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from anyascii import anyascii
from pypinyin import Style, lazy_pinyin
from wordfreq import zipf_frequency

from exportscreen.matching.analyze import AnalyzedName, Token, TokenKind
from exportscreen.matching.chinese import simplified
from exportscreen.matching.cjk_names import korean_surnames, person_readings, romanise_syllable
from exportscreen.matching.hebrew_arabic import is_hebrew_word
from exportscreen.matching.japanese_names import hepburn
from exportscreen.matching.normalize import Script
from exportscreen.matching.sound_keys import (
    MIN_CLASSES,
    SHORT_CLASSES,
    classes_of,
    key_of,
    read_jointly,
)
from exportscreen.matching.tables import read_rows
from exportscreen.model import MatchKind

# A Hebrew word at least this common in Hebrew text (wordfreq's Zipf scale: once per 30,000
# words) is a Hebrew word (חברה, מערכות, כהן) rather than a foreign name written by sound.
COMMON_HEBREW_ZIPF = 4.5
# Chinese names of a one-character surname have at most this many characters: a longer word of
# transcription characters is a foreign name even when it starts with a surname (伊万诺夫).
MAX_HAN_NAME = 3
# Two characters of the table are a Chinese word (东京 Tokyo, 金华 Jinhua) more often than a
# foreign name.
MIN_HAN_CHARS = 3
# The dots Chinese writes between the parts of a foreign person's name (弗拉基米尔·普京,
# Vladimir Putin): in such a name every part is read by sound, two characters (普京) and a
# surname first (谢尔盖 Sergei) included. A Chinese name never has them.
FOREIGN_NAME_DOTS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff][·・•‧･][\u3400-\u9fff\uf900-\ufaff]")
MIN_SYLLABLES = 2  # a one-character Han, Hangul or kana word is too short to read by sound
_KATAKANA = (0x30A1, 0x30FA)
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_HEARD = (Script.HAN, Script.HANGUL, Script.KANA)  # and Hebrew, which analysis calls Latin
# A Hangul syllable's code is 0xAC00 + (initial * 21 + medial) * 28 + final (Unicode 3.12).
_FINALS = 28
_SYLLABLE_BLOCK = 21 * _FINALS
_EU = 18  # the medial ㅡ
_KANA_MARKS = "ー・"


@cache
def transcription_characters() -> frozenset[str]:
    """The Han characters that transcribe foreign names (``data/transcription_han.txt``)."""
    chars: list[str] = []
    for row in read_rows("transcription_han.txt"):
        chars.extend(row[0])
    bad = [c for c in chars if not 0x4E00 <= ord(c) <= 0x9FFF]
    if bad or len(set(chars)) != len(chars):
        raise ValueError(f"matching/data/transcription_han.txt: not Han or twice: {bad}")
    return frozenset(chars)


@dataclass(frozen=True, slots=True)
class SoundWord:
    heard: str  # the romanised reading, syllables apart ("ke lu sen")
    key: str  # its sound classes ("KRSN")


def _is_syllable(char: str) -> bool:
    return _HANGUL_FIRST <= ord(char) <= _HANGUL_LAST


def _epenthetic(syllable: str) -> bool:
    """A Hangul syllable of the vowel ㅡ and no final (르 스 트 크 프 브...): Korean writes it
    after a consonant a foreign word ends or clusters with (Smith 스미스, Berto 베르토), and
    hardly in a Korean given name, so a name with one is a foreign name whatever its first
    syllable."""
    offset = ord(syllable) - _HANGUL_FIRST
    return (offset % _SYLLABLE_BLOCK) // _FINALS == _EU and offset % _FINALS == 0


def _is_katakana(word: str) -> bool:
    low, high = _KATAKANA
    return all(low <= ord(c) <= high or c in _KANA_MARKS for c in word)


def _foreign_hangul(token: Token) -> bool:
    """A Hangul word with a syllable of the added vowel ㅡ (``_epenthetic``): a foreign word."""
    return token.script is Script.HANGUL and any(_epenthetic(c) for c in token.surface)


def _sound_word(token: Token, dotted: bool, foreign: bool = False) -> SoundWord | None:
    """``token`` read by sound, if it may be a foreign name written so; ``dotted``: the query
    is a Han name with FOREIGN_NAME_DOTS; ``foreign``: another Hangul word of the query is
    a foreign word (``_foreign_hangul``), so that the name is a foreign person's, and each of
    its Hangul words is read by sound (람잔 카디로프, Ramzan Kadyrov: 람잔 of two syllables
    and no ㅡ would be a Korean given name alone)."""
    surface = token.surface
    if token.script is Script.HAN:
        chars = simplified(surface)
        if token.via is not MatchKind.TRANSLITERATED:
            return None  # a translated word or a legal form
        if len(chars) < (MIN_SYLLABLES if dotted else MIN_HAN_CHARS):
            return None  # a word of two is Chinese, but for the dots
        if not set(chars) <= transcription_characters():
            return None
        if not dotted and len(chars) <= MAX_HAN_NAME and person_readings(surface):
            return None  # a Chinese person's name (马丽娜), read as one (cjk_names)
        syllables = lazy_pinyin(chars, style=Style.NORMAL, v_to_u=False)
        return _joined(syllables, "pinyin")
    if token.script is Script.HANGUL:
        if len(surface) < MIN_SYLLABLES or not all(_is_syllable(c) for c in surface):
            return None
        if (
            not foreign
            and not any(_epenthetic(c) for c in surface)
            and (len(surface) == MIN_SYLLABLES or person_readings(surface))
        ):
            # A Korean person's name (cjk_names reads it), or a word of two syllables: most
            # Korean given names are (상철 "sang cheol" is SANSRI's key).
            return None
        return _joined([romanise_syllable(c, 1) for c in surface], "hangul")
    if token.script is Script.KANA:
        if len(surface) < MIN_SYLLABLES or not _is_katakana(surface):
            return None
        return _joined([hepburn(surface.replace("・", ""))], "kana")
    if is_hebrew_word(surface) and zipf_frequency(surface, "he") < COMMON_HEBREW_ZIPF:
        classes = classes_of(surface, "hebrew")
        if classes is None:
            return None
        key = key_of(classes)
        return SoundWord(anyascii(surface).lower(), key) if len(key) >= SHORT_CLASSES else None
    return None


def _joined(syllables: list[str], system: str) -> SoundWord | None:
    """Syllables read one at a time (so that pinyin "sen ge" is not read "seng e"), joined."""
    parts = [classes_of(s.lower(), system) for s in syllables]
    if any(p is None for p in parts):
        return None
    key = key_of("".join(p for p in parts if p))
    return SoundWord(" ".join(syllables).lower(), key) if len(key) >= SHORT_CLASSES else None


def sound_reading(analysis: AnalyzedName) -> tuple[AnalyzedName, tuple[str, ...], str] | None:
    """The query's words that may be foreign names written by sound, read so: the analysis with
    those words' tokens as their readings, each token's sound key ("" for a token kept as it
    is) and a note for the explanation ("sound reading of 克魯森: ke lu sen"); None when no
    word is read by sound."""
    if not any(t.script in _HEARD or is_hebrew_word(t.surface) for t in analysis.tokens):
        return None  # most queries: Latin, Cyrillic, Arabic...
    tokens: list[Token] = []
    keys: list[str] = []
    notes: list[str] = []
    # A Korean name written apart ("상철 주", "주 상철"): its surname alone, its given name
    # a Korean word.
    korean_name = any(t.surface in korean_surnames() for t in analysis.tokens)
    dotted = FOREIGN_NAME_DOTS.search(analysis.text) is not None
    foreign = sum(map(_foreign_hangul, analysis.tokens))
    heard_words: list[SoundWord | None] = []
    for token in analysis.tokens:
        read = token.kind is TokenKind.WORD and not (korean_name and token.script is Script.HANGUL)
        # Another word foreign, not this one only.
        beside_foreign = foreign > _foreign_hangul(token)
        heard_words.append(_sound_word(token, dotted, beside_foreign) if read else None)
    # A word of a key shorter than MIN_CLASSES is read only beside a longer one, the words
    # read as one name (sound_keys.SHORT_CLASSES, read_jointly): alone it pairs nothing.
    heard_keys = [h.key for h in heard_words if h is not None]
    short_read = any(len(k) >= MIN_CLASSES for k in heard_keys) and read_jointly(heard_keys)
    for token, heard in zip(analysis.tokens, heard_words, strict=True):
        if heard is not None and len(heard.key) < MIN_CLASSES and not short_read:
            heard = None
        if heard is None:
            tokens.append(token)
            keys.append("")
            continue
        spelt = heard.heard.replace(" ", "")
        tokens.append(
            Token(
                token.surface, spelt, spelt, TokenKind.WORD, MatchKind.SOUND, token.script,
                token.role,
            )
        )  # fmt: skip
        keys.append(heard.key)
        notes.append(f"{token.surface}: {heard.heard}")
    if not notes:
        return None
    text = " ".join(t.key for t in tokens)
    reading = AnalyzedName(analysis.text, text, tuple(tokens), analysis.truncated)
    return reading, tuple(keys), "sound reading of " + "; ".join(notes)
