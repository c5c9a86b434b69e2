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


def _kind(char: str) -> str:
    """ "c" a consonant, "m" a vowel sign, "v" an independent vowel, "x" a virama, "n" a nukta,
    "o" anything else (anusvara, visarga, candrabindu, digits)."""
    if _is_consonant(char):
        return "c"
    name = unicodedata.name(char, "")
    if "VOWEL SIGN" in name:
        return "m"
    if " LETTER " in name:
        return "v"
    if "VIRAMA" in name:
        return "x"
    return "n" if "NUKTA" in name else "o"


def _silent_vowels_marked(word: str, virama: str) -> str:
    """The word with a virama after each consonant whose inherent vowel Hindi, Bengali, Punjabi
    and Gujarati do not say (Ohala's schwa deletion, read right to left): the last one (मोदी
    keeps its ī, चौहान is Chauhan), and one between a vowel and a consonant that has a vowel of
    its own (सरकार Sarkar, রহমান Rahman, ਅਮਰਿੰਦਰ Amrindar; but कमल Kamal, भारत Bharat).
    A consonant in a conjunct, or with a nasal or visarga after its vowel, keeps its vowel
    (नरेन्द्र Narendra, संमानित); so does a word of one letter."""
    chars: list[str] = []  # a nukta stays with its letter: it does not change the syllables
    for char in word:
        if chars and _kind(char) == "n":
            chars[-1] += char
        else:
            chars.append(char)
    kinds = [_kind(c[0]) for c in chars]

    def voiced(i: int) -> bool:  # the consonant at i still has a vowel after it
        return i + 1 >= len(chars) or kinds[i + 1] not in ("x",)

    def inherent(i: int) -> bool:  # the consonant at i has its inherent vowel
        return kinds[i] == "c" and (i + 1 >= len(chars) or kinds[i + 1] in ("c", "v"))

    last = len(chars) - 1
    if last >= 1 and inherent(last) and kinds[last - 1] != "x":
        chars.append(virama)
        kinds.append("x")
    for i in range(last - 1, 0, -1):
        if not inherent(i) or kinds[i - 1] not in ("c", "m", "v"):
            continue
        if kinds[i + 1] != "c" or not voiced(i + 1):
            continue
        if kinds[i - 1] == "c" and not voiced(i - 1):
            continue
        if kinds[i - 1] == "c" and i - 2 >= 0 and kinds[i - 2] == "x":
            continue  # the syllable after a conjunct keeps its vowel
        chars.insert(i + 1, virama)
        kinds.insert(i + 1, "x")
    return "".join(chars)


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
    if script in _drop_final_vowel():
        word = _silent_vowels_marked(word, unicodedata.lookup(f"{script.value} sign virama"))
    iast = sanscript.transliterate(word, scheme, sanscript.IAST)
    for written, spelling in _rewrites()[script]:
        if written in iast:
            iast = iast.replace(written, spelling)
    return ascii_fold(iast)
