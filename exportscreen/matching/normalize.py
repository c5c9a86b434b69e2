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
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Script(enum.StrEnum):
    LATIN = "latin"
    CYRILLIC = "cyrillic"
    HAN = "han"
    KANA = "kana"
    HANGUL = "hangul"
    ARABIC = "arabic"
    OTHER = "other"


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
    """The words of a cleaned name: runs of letters and digits in any script, without
    apostrophes."""
    return _WORD.findall(_APOSTROPHES.sub("", text))


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
