"""The other readings of a query, each screened beside its ordinary analysis (the best score per
listed party wins, and the explanation names the reading that matched):

- a Chinese, Korean or Japanese person's name in native script, read as the lists spell it
  (``cjk_names.person_readings``: 김정은 as "Kim Jong Un");
- a name in Chinese characters with its words in their other renderings
  (``chinese.other_readings``): 哈尔滨工业大学 as "harbin institute of technology" and "harbin
  polytechnical university", for the lists write a Chinese university's name in several ways;
- a name with a run of initials, the run read as one word: "A.E.C.C. Aviation Power" as "AECC
  Aviation Power", "T E G LIMITED" as "TEG LIMITED". The index keeps a listed name with initials
  in both forms (``acronyms.listed_forms``), but spells a solid acronym out in letters only when
  it is no word of English text ("SMIC"), and many are ("VIP", "NEC", "AVIC", "DJI" appear in
  English text): a query's initials joined find those by the listed word itself;
- the words that may be a foreign name written by sound in Han, Hangul, kana or Hebrew, read by
  their sound (``sound.sound_reading``: 克魯森 as "ke lu sen", key KRSN, meets CREWSON);
- a name in Hebrew letters read back into Arabic script (``hebrew_arabic.arabic_spelling``):
  נעים קאסם as نعيم قاسم, screened as a name written in Arabic (Naim Qassem); and a name in
  katakana (``kana_arabic.arabic_spelling``): サダム・フセイン as صدام حسين.

The screener, the delta re-screen filter and the signatures all take a query's readings from
here, so that the filter sees every reading the screener screens.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from exportscreen.matching.acronyms import initials_joined
from exportscreen.matching.analyze import AnalyzedName, analyze
from exportscreen.matching.chinese import other_readings
from exportscreen.matching.cjk_names import person_readings
from exportscreen.matching.hebrew_arabic import arabic_spelling, is_hebrew_word
from exportscreen.matching.index import MatchIndex
from exportscreen.matching.kana_arabic import arabic_spelling as kana_arabic_spelling
from exportscreen.matching.normalize import Script
from exportscreen.matching.score import QueryToken, prepare
from exportscreen.matching.sound import sound_reading
from exportscreen.matching.sound_keys import read_jointly


@dataclass(frozen=True, slots=True)
class QueryReading:
    note: str  # how the query was read, for the explanation
    analysis: AnalyzedName
    # Spelt as the lists spell a name (a native-script name romanised): compared as a name typed
    # in Latin letters (``prepare_query_reading``). False: each token as the query has it.
    romanised: bool
    # Per token, the sound key of a word read by sound ("" for the others): the token reaches
    # and pairs listed words by it only (``sound``).
    sounds: tuple[str, ...] = ()


def query_readings(name: str, analysis: AnalyzedName | None = None) -> tuple[QueryReading, ...]:
    """The readings of ``name`` besides its ordinary analysis (``analysis``, if already made)."""
    found = [
        QueryReading(f"read as a person's name, {r.scheme}: {r.romanised}", r.analysis, True)
        for r in person_readings(name)
    ]
    ordinary = analysis if analysis is not None else analyze(name)
    if any(t.script is Script.HAN for t in ordinary.tokens):
        found.extend(
            QueryReading(f"Chinese words read as: {shown}", analyze(written), False)
            for written, shown in other_readings(name)
        )
    joined = initials_joined(ordinary)
    if joined is not None:
        runs = [t.ascii.upper() for t in joined.tokens if t not in ordinary.tokens]
        found.append(QueryReading(f"initials read as one word: {', '.join(runs)}", joined, False))
    heard = sound_reading(ordinary)
    if heard is not None:
        by_sound, keys, note = heard
        found.append(QueryReading(note, by_sound, False, keys))
    if any(is_hebrew_word(t.surface) for t in ordinary.tokens):
        in_arabic = arabic_spelling(name)
        if in_arabic is not None:
            note = f"Hebrew letters read as Arabic: {in_arabic}"
            found.append(QueryReading(note, analyze(in_arabic), False))
    if any(t.script is Script.KANA for t in ordinary.tokens):
        in_arabic = kana_arabic_spelling(name)
        if in_arabic is not None:
            note = f"katakana read as Arabic: {in_arabic}"
            found.append(QueryReading(note, analyze(in_arabic), False))
    return tuple(found)


def prepare_query_reading(
    reading: QueryReading, index: MatchIndex, prepared: list[QueryToken] | None = None
) -> list[QueryToken]:
    """The query tokens of a reading. A romanised reading is spelt as the lists spell the name,
    so it is compared like a name typed in Latin letters: a word one letter off in a short name
    ("Jongil" / "Jong") is another name, not a romanisation variant. ``prepared``: ``prepare``
    of the reading's analysis, if the caller keeps its tokens prepared (a screener does)."""
    tokens = prepare(reading.analysis, index) if prepared is None else prepared
    if reading.sounds:
        joint = read_jointly([key for key in reading.sounds if key])
        return [
            dataclasses.replace(q, sound=key, sound_joint=joint) if key else q
            for q, key in zip(tokens, reading.sounds, strict=True)
        ]
    if reading.romanised:
        return [dataclasses.replace(q, typed=True) for q in tokens]
    return tokens
