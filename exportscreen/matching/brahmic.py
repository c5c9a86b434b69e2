"""Names in the Brahmic scripts of South Asia romanised as the lists spell them.

Each consonant letter of these scripts carries an inherent vowel that is not written: नरेन्द्र मोदी
is "Narendra Modi", where a letter-by-letter romaniser (anyascii) gives "nrendr modi" and the name
meets nothing. indic-transliteration (MIT) reads a word with its inherent vowels into IAST; the
rewrites of ``data/brahmic_romanisation.tsv`` give the English-style spelling of the lists, and
the languages that do not pronounce a final inherent vowel (``data/brahmic_final_vowel.txt``)
lose it (मोदी Modi, चौहान Chauhan). Thai, Lao, Tibetan, Burmese and Khmer are not read here:
anyascii romanises their whole words.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache

from indic_transliteration import sanscript

from exportscreen.matching.normalize import Script, ascii_fold
from exportscreen.matching.tables import read_rows, read_words

# The library's scheme for each script. Tamil's plain letters are read as the first of their
# class (ப pa, not bha), as Tamil names are spelt (Prabhakaran is பிரபாகரன்).
SCHEMES: dict[Script, str] = {
    Script.DEVANAGARI: sanscript.DEVANAGARI,
    Script.BENGALI: sanscript.BENGALI,
    Script.GURMUKHI: sanscript.GURMUKHI,
    Script.GUJARATI: sanscript.GUJARATI,
    Script.ORIYA: sanscript.ORIYA,
    Script.TAMIL: "tamil_superscripted",
    Script.TELUGU: sanscript.TELUGU,
    Script.KANNADA: sanscript.KANNADA,
    Script.MALAYALAM: sanscript.MALAYALAM,
    Script.SINHALA: "sinhala",
}


@cache
def _rewrites() -> dict[Script, tuple[tuple[str, str], ...]]:
    """Each script's IAST rewrites, longest first, those of every script (*) included."""
    rows: list[tuple[str, str, str]] = []
    for row in read_rows("brahmic_romanisation.tsv"):
        if len(row) != 3:
            raise ValueError(f"brahmic_romanisation.tsv: expected 3 cells in {row!r}")
        script, iast, spelling = row
        if script != "*" and Script(script) not in SCHEMES:
            raise ValueError(f"brahmic_romanisation.tsv: {script!r} is not read by the library")
        rows.append((script, iast, spelling))
    table: dict[Script, tuple[tuple[str, str], ...]] = {}
    for script in SCHEMES:
        mine = {iast: spelling for s, iast, spelling in rows if s == "*"}
        mine.update({iast: spelling for s, iast, spelling in rows if s == script.value})
        table[script] = tuple(sorted(mine.items(), key=lambda pair: -len(pair[0])))
    return table


@cache
def _drop_final_vowel() -> frozenset[Script]:
    scripts = frozenset(Script(name) for name in read_words("brahmic_final_vowel.txt"))
    if not scripts <= SCHEMES.keys():
        raise ValueError("brahmic_final_vowel.txt names a script the library does not read")
    return scripts


def _is_consonant(char: str) -> bool:
    """A consonant letter ("DEVANAGARI LETTER KA"), not an independent vowel ("LETTER A", "AA")."""
    name = unicodedata.name(char, "")
    if " LETTER " not in name:
        return False
    letter = name.rsplit(" LETTER ", 1)[1]
    return letter.endswith("A") and letter not in ("A", "AA") and " " not in letter


def _ends_in_inherent_vowel(word: str) -> bool:
    """The word ends in a consonant that is neither the only letter nor the last of a conjunct:
    its inherent vowel is the last sound, and the one the languages concerned do not say."""
    letters = word.rstrip("".join(c for c in word[-2:] if "NUKTA" in unicodedata.name(c, "")))
    if len(letters) < 2 or not _is_consonant(letters[-1]):
        return False
    return "VIRAMA" not in unicodedata.name(letters[-2], "")


@lru_cache(maxsize=65536)
def romanise(word: str, script: Script) -> str:
    """A word of one of the ``SCHEMES`` scripts in ASCII as the lists spell such names
    (नरेन्द्र -> narendra, मोदी -> modi, চৌধুরী -> chaudhuri); other words as anyascii folds them."""
    scheme = SCHEMES.get(script)
    if scheme is None:
        return ascii_fold(word)
    if script is not Script.DEVANAGARI:
        # NFKC splits letters such as ਖ਼ into ਖ + nukta, and the library reads the nukta sign of
        # Devanagari only (ज़ z): elsewhere the letter is read without it (ਖ਼ kh, not "khaa").
        word = "".join(c for c in word if "NUKTA" not in unicodedata.name(c, ""))
    iast = sanscript.transliterate(word, scheme, sanscript.IAST)
    if script in _drop_final_vowel() and iast.endswith("a") and _ends_in_inherent_vowel(word):
        iast = iast[:-1]
    for written, spelling in _rewrites()[script]:
        if written in iast:
            iast = iast.replace(written, spelling)
    return ascii_fold(iast)
