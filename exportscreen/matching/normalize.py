"""Text clean-up shared by queries and listed names: Unicode and control characters, length cap,
scripts, and the ASCII folding of one word."""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from exportscreen.text.folding import fold

# A name longer than this is cut (deterministically, at this many characters) before analysis:
# no listed name comes near it, and it bounds the work done on a hostile or garbled input.
MAX_NAME_CHARS = 500

# Zero-width joiners and non-joiners (Persian "ZWNJ" inside a word) join, they do not separate.
_JOINERS = {"\u200c", "\u200d", "\u2060", "\ufeff"}
# Apostrophes and modifier letters inside names ("Sa'id", "O'Brien", "'ABD") are dropped, not
# split on, so that "Said" meets "Sa'id".
_APOSTROPHES = re.compile(r"['’‘`ʻʼʿʾ´]")
_WORD = re.compile(r"[^\W_]+")


def _mark_class() -> str:
    """A regular-expression class of every combining mark (Unicode categories Mn, Mc, Me)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x20000):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


# Python's \w has no combining marks, but the vowel signs and viramas of Brahmic scripts
# (नरेन्द्र, மின்), Thai and Burmese tone marks are parts of the word they sit in: a word is a run
# of letters, digits and marks.
# (One class, with underscores made spaces first: an alternation costs twice the time.)
_MARKED_WORD = re.compile(f"[\\w{_mark_class()}]+")
# Arabic short vowels, shadda and Quranic marks: the lists write Arabic names without them, so a
# vocalised مُحَمَّد is read as محمد.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Script(enum.StrEnum):
    LATIN = "latin"
    CYRILLIC = "cyrillic"
    HAN = "han"
    KANA = "kana"
    HANGUL = "hangul"
    ARABIC = "arabic"
    # Brahmic scripts of South Asia, romanised with their inherent vowel (matching.brahmic).
    DEVANAGARI = "devanagari"
    BENGALI = "bengali"
    GURMUKHI = "gurmukhi"
    GUJARATI = "gujarati"
    ORIYA = "oriya"
    TAMIL = "tamil"
    TELUGU = "telugu"
    KANNADA = "kannada"
    MALAYALAM = "malayalam"
    SINHALA = "sinhala"
    # Brahmic scripts of South-East Asia and Tibet, romanised by anyascii a whole word at a time.
    THAI = "thai"
    LAO = "lao"
    TIBETAN = "tibetan"
    MYANMAR = "myanmar"
    KHMER = "khmer"
    OTHER = "other"


# The blocks of the Brahmic scripts (Unicode 15 block ranges; each script's extension blocks too).
_BRAHMIC_BLOCKS: tuple[tuple[int, int, Script], ...] = (
    (0x0900, 0x097F, Script.DEVANAGARI),
    (0x0980, 0x09FF, Script.BENGALI),
    (0x0A00, 0x0A7F, Script.GURMUKHI),
    (0x0A80, 0x0AFF, Script.GUJARATI),
    (0x0B00, 0x0B7F, Script.ORIYA),
    (0x0B80, 0x0BFF, Script.TAMIL),
    (0x0C00, 0x0C7F, Script.TELUGU),
    (0x0C80, 0x0CFF, Script.KANNADA),
    (0x0D00, 0x0D7F, Script.MALAYALAM),
    (0x0D80, 0x0DFF, Script.SINHALA),
    (0x0E00, 0x0E7F, Script.THAI),
    (0x0E80, 0x0EFF, Script.LAO),
    (0x0F00, 0x0FFF, Script.TIBETAN),
    (0x1000, 0x109F, Script.MYANMAR),
    (0x1780, 0x17FF, Script.KHMER),
    (0x19E0, 0x19FF, Script.KHMER),
    (0xA8E0, 0xA8FF, Script.DEVANAGARI),
    (0xA9E0, 0xA9FF, Script.MYANMAR),
    (0xAA60, 0xAA7F, Script.MYANMAR),
)


@dataclass(frozen=True, slots=True)
class CleanName:
    text: str  # NFKC, casefolded, control characters removed, whitespace collapsed
    truncated: bool  # the input was longer than MAX_NAME_CHARS


def clean(text: str, max_chars: int = MAX_NAME_CHARS) -> CleanName:
    """NFKC, case folding, control and format characters dropped, whitespace collapsed, and the
    result cut at ``max_chars``."""
    if text.isascii():  # most listed names: only ASCII control characters to drop
        stripped = _ASCII_CONTROL.sub(lambda m: " " if m.group() in "\t\n\r\x0b\x0c" else "", text)
    else:
        kept: list[str] = []
        for char in unicodedata.normalize("NFKC", text):
            if char in _JOINERS:
                continue
            if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
                kept.append(" " if char in "\t\n\r\x0b\x0c" else "")
            else:
                kept.append(char)
        stripped = "".join(kept)
    folded = " ".join(stripped.casefold().split())
    truncated = len(folded) > max_chars
    if truncated:
        folded = folded[:max_chars].rstrip()
    return CleanName(folded, truncated)


def words(text: str) -> list[str]:
    """The words of a cleaned name: runs of letters, digits and combining marks in any script,
    without apostrophes or Arabic short vowels."""
    if text.isascii():
        return _WORD.findall(_APOSTROPHES.sub("", text))
    text = _ARABIC_MARKS.sub("", _APOSTROPHES.sub("", text)).replace("_", " ")
    return _MARKED_WORD.findall(text)


def script_of(char: str) -> Script:
    """The script of one character, for the scripts the matcher treats differently."""
    code = ord(char)
    if code < 0x250:
        return Script.LATIN
    if 0x400 <= code <= 0x52F:
        return Script.CYRILLIC
    if 0x600 <= code <= 0x6FF or 0x750 <= code <= 0x77F or 0xFB50 <= code <= 0xFEFF:
        return Script.ARABIC
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return Script.KANA
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return Script.HANGUL
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return Script.HAN
    if 0x20000 <= code <= 0x2FA1F:
        return Script.HAN
    if 0x900 <= code <= 0x17FF or 0x19E0 <= code <= 0x19FF or 0xA8E0 <= code <= 0xAA7F:
        for first, last, script in _BRAHMIC_BLOCKS:
            if first <= code <= last:
                return script
    if code < 0x2000:
        return Script.LATIN if unicodedata.category(char).startswith("L") else Script.OTHER
    return Script.OTHER


def word_script(word: str) -> Script:
    """The script of a word: its first non-Latin script, else Latin."""
    if word.isascii():
        return Script.LATIN
    for char in word:
        if char.isdigit():
            continue
        found = script_of(char)
        if found is not Script.LATIN:
            return found
    return Script.LATIN


def ascii_fold(text: str) -> str:
    """One token's ASCII key: lower-case letters and digits only, its pieces joined
    (``exportscreen.text.folding``)."""
    return fold(text, separator="")
