"""Legal forms (Co., Ltd. / LLC / ООО / 有限公司 / AG ...) recognised and canonicalised to a class.

A legal form says what kind of legal person a party is, not which one: it is weak evidence, so the
scorer gives it little weight and a class mismatch costs a small penalty at most. Canonicalising,
rather than deleting, lets "Co., Ltd." and "有限公司" agree and keeps the form in explanations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from exportscreen.matching.abbreviations import expand
from exportscreen.matching.normalize import Script, ascii_fold, clean, word_script, words
from exportscreen.matching.tables import read_rows
from exportscreen.matching.translit import romanisation_skeleton

# Forms this short ("SA", "AG", "AO", "BV") are also ordinary name parts ("Ao" is a Chinese
# surname), so they only count as a legal form at the start or the end of a name.
_EDGE_ONLY_MAX_LETTERS = 2
_NATIVE_SCRIPTS = (Script.HAN, Script.HANGUL, Script.KANA)
_END_ONLY = "end"  # legal_forms.tsv's third cell: a form at the end of a name only
# A one-word form split in two by a typist ("LIM ITED") is read as the form when the halves joined
# are a form of at least this many letters (shorter joins, "A G", are ordinary initials).
_MIN_SPLIT_FORM_LETTERS = 5
# Legal-form words a typist glues to the next or the previous word ("ALWEFAQLTD", "JSCARGUMENT",
# "BOGATYRILIMITED", "JOINTSTOCK", "LUKOILOAO"): long or unmistakable ones only, so that no
# ordinary word is cut ("Zinc" is not "Z" + "Inc", "Intercorp" stays whole). Folded spellings.
_GLUED_FORM_WORDS = (
    "ltd", "llc", "jsc", "pjsc", "ojsc", "cjsc", "gmbh", "fzco", "fze", "plc", "oao", "ooo",
    "limited", "corporation", "incorporated", "company",
    "obshchestvo", "otvetstvennostyu", "ogranichennoi", "ogranichennoy", "aktsionernoe",
)  # fmt: skip
# Words of a form that are ordinary words too ("Woodstock", "Livestock"): cut off only when what
# remains is a word of a form as well ("JOINTSTOCK").
_GLUED_PHRASE_WORDS = ("joint", "stock", "liability")
_AFTER_FORM_WORDS = frozenset(
    romanisation_skeleton(w)
    for w in ("group", "holding", "branch", "office", "representative", "head", "headquarters")
)
_MIN_GLUED_REST = 3  # what remains of the word when the form is cut off
_GLUED_ANY = (*_GLUED_FORM_WORDS, *_GLUED_PHRASE_WORDS)
_MIN_GLUED_LENGTH = min(len(w) for w in _GLUED_ANY) + _MIN_GLUED_REST


@lru_cache(maxsize=65536)
def phrase_key(folded_word: str) -> str:
    """How a word of a legal-form phrase is compared: abbreviation expanded ("Co" is "company",
    so "Joint Stock Co" is "Joint Stock Company"), then romanisation skeleton."""
    return romanisation_skeleton(expand(folded_word))


@dataclass(frozen=True, slots=True)
class LegalFormTable:
    # romanisation skeletons of the form's words -> class
    phrases: dict[tuple[str, ...], str]
    end_only: frozenset[tuple[str, ...]]  # phrases that are a form at the end of a name only
    # a form written in Han, Hangul or kana -> class (matched on the original characters)
    native: dict[str, str]
    first_words: frozenset[str]
    phrase_words: frozenset[str]  # every word of every phrase
    word_starts: frozenset[str]  # the first two letters of every phrase word, as written
    longest_word: int  # letters in the longest phrase word, as written (and a little more)
    longest_phrase: int
    longest_native: int

    def match(self, skeletons: Sequence[str], start: int) -> tuple[int, str] | None:
        """The longest legal form starting at ``skeletons[start]`` (``phrase_key`` of a name's
        words): (number of words, class)."""
        if skeletons[start] not in self.first_words:
            return None
        limit = min(self.longest_phrase, len(skeletons) - start)
        for length in range(limit, 0, -1):
            phrase = tuple(skeletons[start : start + length])
            found = self.phrases.get(phrase)
            if found is None:
                continue
            # A form followed only by words that place the company in a group ends the name
            # too ("Aelcomp Oy Group", "Sberbank Europe AG Holding"); "Banco SA Trading" does
            # not end at "SA".
            at_end = all(k in _AFTER_FORM_WORDS for k in skeletons[start + length :])
            if phrase in self.end_only and (start == 0 or not at_end):
                continue
            at_edge = start == 0 or at_end
            if sum(len(k) for k in phrase) <= _EDGE_ONLY_MAX_LETTERS and not at_edge:
                continue
            return length, found
        return None

    def match_split(self, skeletons: Sequence[str], start: int) -> str | None:
        """The class of a one-word legal form written as ``skeletons[start]`` and the next word
        ("lim" + "ited"), or None."""
        if start + 1 >= len(skeletons) or not skeletons[start] or not skeletons[start + 1]:
            return None
        joined = skeletons[start] + skeletons[start + 1]
        if len(joined) < _MIN_SPLIT_FORM_LETTERS:
            return None
        return self.phrases.get((romanisation_skeleton(joined),))

    def joined_word(self, first: str, second: str) -> bool:
        """Whether two folded words are one word of a legal-form phrase split by a typist ("com"
        + "pany", "obshch" + "estvo"), neither being one already."""
        joined = first + second
        if (
            not _MIN_SPLIT_FORM_LETTERS <= len(joined) <= self.longest_word
            or joined[:2] not in self.word_starts
            or not first.isalpha()
            or not second.isalpha()
        ):
            return False
        words = self.phrase_words
        return (
            phrase_key(joined) in words
            and phrase_key(first) not in words
            and phrase_key(second) not in words
        )

    def unglue(self, folded: str) -> tuple[str, ...]:
        """A folded word with a legal-form word glued to its start or end, in two ("alwefaqltd"
        -> "alwefaq", "ltd"); the word alone otherwise."""
        if (
            len(folded) < _MIN_GLUED_LENGTH
            or not (folded.endswith(_GLUED_ANY) or folded.startswith(_GLUED_ANY))
            or not folded.isalpha()
            or phrase_key(folded) in self.phrase_words
        ):
            return (folded,)
        for form in _GLUED_FORM_WORDS:
            if len(folded) < len(form) + _MIN_GLUED_REST:
                continue
            if folded.endswith(form):
                return (folded[: -len(form)], form)
            if folded.startswith(form):
                return (form, folded[len(form) :])
        for form in _GLUED_PHRASE_WORDS:
            if folded.endswith(form) and phrase_key(folded[: -len(form)]) in self.phrase_words:
                return (folded[: -len(form)], form)
            if folded.startswith(form) and phrase_key(folded[len(form) :]) in self.phrase_words:
                return (form, folded[len(form) :])
        return (folded,)

    def classes(self) -> frozenset[str]:
        return frozenset(self.phrases.values()) | frozenset(self.native.values())


@cache
def legal_forms() -> LegalFormTable:
    phrases: dict[tuple[str, ...], str] = {}
    end_only: set[tuple[str, ...]] = set()
    native: dict[str, str] = {}
    written: set[str] = set()
    for row in read_rows("legal_forms.tsv"):
        if len(row) not in (2, 3) or (len(row) == 3 and row[2] != _END_ONLY):
            raise ValueError(
                f"matching/data/legal_forms.tsv: expected class, variant and optionally "
                f"{_END_ONLY!r} in {row!r}"
            )
        form_class, variant = row[0], row[1]
        cleaned = clean(variant).text
        parts = words(cleaned)
        if any(word_script(p) in _NATIVE_SCRIPTS for p in parts):
            native["".join(parts)] = form_class
            continue
        written.update(ascii_fold(p) for p in parts if ascii_fold(p))
        key = tuple(phrase_key(ascii_fold(p)) for p in parts if ascii_fold(p))
        if key:
            phrases[key] = form_class
            if len(row) == 3:
                end_only.add(key)
    return LegalFormTable(
        phrases=phrases,
        end_only=frozenset(end_only),
        native=native,
        first_words=frozenset(k[0] for k in phrases),
        phrase_words=frozenset(w for k in phrases for w in k),
        word_starts=frozenset(w[:2] for w in written),
        longest_word=max(len(w) for w in written) + 2,
        longest_phrase=max(len(k) for k in phrases),
        longest_native=max(len(k) for k in native),
    )
