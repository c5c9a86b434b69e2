"""Arabic names written in Hebrew letters are read back into Arabic script and screened as names
written in Arabic (נעים קאסם is نعيم قاسم, Naim Qassem); Israeli names in Hebrew letters are not
read so."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.matching import hebrew_arabic
from exportscreen.matching.analyze import analyze
from exportscreen.matching.hebrew_arabic import arabic_spelling, is_hebrew_word
from exportscreen.matching.readings import query_readings
from exportscreen.screening.screener import Screener
from tests.matching.table_checks import assert_table_refused

THRESHOLD = settings.DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("hebrew", "arabic"),
    [
        # Letter for letter, as Arabic writes them.
        ("נעים קאסם", "نعيم قاسم"),
        ("פארוק", "فاروق"),
        # The article written apart, its lam assimilated before a sun letter (א-) or not (אל-).
        ("פארוק א-שרע", "فاروق الشرع"),
        ("מאהר אל-אסד", "ماهر الأسد"),
        # A letter with a geresh (typed as an apostrophe too) writes a sound Hebrew lacks.
        ("ח׳אלד", "خالد"),
        ("ח'אלד", "خالد"),
        # ס writes ص as well as س, ה at a word's end ة, א an alif maqsura: the spelling Arabic
        # text writes is taken.
        ("סדאם", "صدام"),
        ("סאלח", "صالح"),
        ("מרוואן עיסא", "مروان عيسى"),
        # A name whose words read as Arabic have fewer than three consonants is not taken for
        # an Arab name on their strength alone (عيسى, "s").
        ("עיסא", None),
        ("חסן נסראללה", "حسن نصرالله"),
        # A short vowel Hebrew writes with ו and Arabic does not.
        ("מוחמד", "محمد"),
        ("חוסיין", "حسين"),
        # Not the most frequent word of fewer letters: نعيم, not نعم "yes".
        ("נעים קאסם", "نعيم قاسم"),
        # Latin text is kept as it is.
        ("קאסם Inc", "قاسم Inc"),
        # A Hebrew word Arabic text does not write, or writes much less than Hebrew text does:
        # the name is not read (in its reading, that word would pair listed words by chance:
        # כהן, written كهن, meets KHAN by its consonants).
        ("מוחמד ג'אמה", None),
        ("מוחמד כהן", None),
        ("מוחמד לוי", None),
        # Points (niqqud) do not change the letters.
        ("קָאסֵם", "قاسم"),
        # Israeli names: Hebrew words, or no word that is Arabic rather than Hebrew.
        ("לוי כהן", None),
        ("מעיין לוי", None),
        ("אלי שמיר", None),
        ("אליאב פרץ", None),
        ("שמעון שניידר", None),
        # A Hebrew abbreviation is left as it is, and alone is no name to read.
        ('בע"מ', None),
        ("בע״מ", None),
        # No Hebrew at all.
        ("Naim Qassem", None),
        ("O'Brien", None),
    ],
)
def test_arabic_spelling(hebrew: str, arabic: str | None) -> None:
    assert arabic_spelling(hebrew) == arabic


@pytest.mark.parametrize(
    ("word", "hebrew"),
    [("קאסם", True), ("זינצ'נקו", True), ("ח׳אלד", True), ("qassem", False), ("قاسم", False)],
)
def test_is_hebrew_word(word: str, hebrew: bool) -> None:
    assert is_hebrew_word(word) is hebrew


def test_the_reading_is_one_of_the_querys_others() -> None:
    notes = [r.note for r in query_readings("נעים קאסם")]
    assert "Hebrew letters read as Arabic: نعيم قاسم" in notes
    assert not any("Arabic" in r.note for r in query_readings("לוי כהן"))
    assert not any("Arabic" in r.note for r in query_readings("Naim Qassem"))


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([("ב", "ب", "b")], "no row for"),
        ([*((chr(c), "ب", "x") for c in range(0x5D0, 0x5EB)), ("ב", "ب", "b")], "twice"),
        ([*((chr(c), "ب", "x") for c in range(0x5D1, 0x5EB)), ("א", "a", "x")], "not Hebrew"),
        ([*((chr(c), "ب", "x") for c in range(0x5D1, 0x5EB)), ("א", "ا|x", "x")], "not Hebrew"),
        ([*((chr(c), "ب", "x") for c in range(0x5D1, 0x5EB)), ("א", "ا", "")], "expected"),
    ],
)
def test_letter_table_is_checked_at_load(
    monkeypatch: pytest.MonkeyPatch, rows: list[tuple[str, str, str]], problem: str
) -> None:
    assert_table_refused(monkeypatch, hebrew_arabic, hebrew_arabic._letters, rows, problem)


def test_the_shipped_letter_table_covers_every_letter() -> None:
    table, longest = hebrew_arabic._letters()
    assert all(chr(c) in table for c in range(0x5D0, 0x5EB))
    assert table["ס"] == ("س", "ص")
    assert longest == 2  # a letter and its geresh


@pytest.mark.shared
@pytest.mark.parametrize(
    ("hebrew", "listed"),
    [
        ("נעים קאסם", {"QASSEM, Naim"}),  # Hezbollah's secretary-general
        ("פארוק א-שרע", {"AL-SHARA, Farouk"}),
        ("מאהר אל-אסד", {"AL-ASAD, Mahir"}),
        ("חסן נסראללה", {"NASRALLAH, Hasan"}),
        # One party, two spellings of it scored alike: either is shown.
        ("סדאם חוסיין", {"HUSAYN, Saddam", "HUSSAIN, Saddam"}),
    ],
)
def test_real_arab_names_in_hebrew_letters_alert(
    real_screener: Screener, hebrew: str, listed: set[str]
) -> None:
    hits = real_screener.screen(hebrew)
    assert hits and hits[0].score >= THRESHOLD, hits[:1]
    assert listed & {h.matched_name for h in hits if h.score >= THRESHOLD}
    assert "Hebrew letters read as Arabic" in str(hits[0].explanation)


@pytest.mark.shared
@pytest.mark.parametrize("hebrew", ["לוי כהן", "אלי כהן", "מעיין לוי", "אלי שמיר", "יואל כהן"])
def test_real_israeli_names_do_not_alert(real_screener: Screener, hebrew: str) -> None:
    assert not [h for h in real_screener.screen(hebrew) if h.score >= THRESHOLD]


def test_the_reading_is_analysed_as_arabic_script() -> None:
    reading = next(r for r in query_readings("נעים קאסם") if "Arabic" in r.note)
    assert [t.script.name for t in reading.analysis.tokens] == ["ARABIC", "ARABIC"]
    assert reading.analysis.tokens == analyze("نعيم قاسم").tokens
