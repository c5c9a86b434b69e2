"""Issue 16, fifth round: near spellings that are likelier another name than a variant count only
beside an anchor (``score.compare``), and names that agree only in part or by guess are capped
(``guesses``, ``evidence``). Each case that must not alert was a false alert of the Faker or
accuracy negatives (``benchmarks.accuracy_negatives``, ``benchmarks.accuracy``); each that must
alert is a name of the tuning set or the issue, on the real lists."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.matching.guesses import GUESS_CAP, consonant_guess
from exportscreen.screening.screener import Screener


def _best(screener: Screener, query: str, listed: str) -> tuple[float, list[str]]:
    """The best score of the entries that have ``listed`` among their names, with its features."""
    hits = [h for h in screener.screen(query, threshold=0.0, limit=50) if listed in h.entry.names]
    if not hits:
        return 0.0, []
    best = max(hits, key=lambda h: h.score)
    return best.score, [p.feature for p in best.explanation.penalties]


@pytest.mark.parametrize(
    ("readings", "person", "guess", "why"),
    [
        ([2, 2], False, True, "two short readings against a company: ISSAM ANWAR, ORION ELEVEN"),
        ([1, 2], False, True, "ایلیا جلالی, 'l' and 'gl', against the hotel AL-JALAA"),
        ([2, 2], True, False, "a person's names are the same few Arabic names: عبد هادي"),
        ([3, 1], False, False, "one firm reading among them: بانک تات / TAT BANK"),
        ([2, None], False, False, "a word found otherwise than by its consonants"),
    ],
)
def test_two_short_readings(
    readings: list[int | None], person: bool, guess: bool, why: str
) -> None:
    assert consonant_guess(readings, False, False, person) is guess, why


@pytest.mark.shared
@pytest.mark.parametrize(
    ("query", "listed", "feature", "why"),
    [
        # Hangul and kana folded to Latin letters: a near spelling is other syllables.
        ("민수 이", "LA MINSA", "", "minsu / minsa"),
        ("주식회사 코리아", "Kalia", "", "koria / kalia"),
        ("이보람", "CHIBOLA", "", "iboram / chibola"),
        ("キヤノン株式会社", "YANGON AIRWAYS COMPANY LIMITED", "", "kiyanon / yangon"),
        # A name in Chinese characters is a surname and a given name, each whole.
        ("韦娜", "WEI, Lin Na", "cjk_name_in_part", "Lin left over"),
        ("张畅", "JANG, Chang Ha", "cjk_name_in_part", "Ha left over"),
        ("健 阳 张", "ZHANG, Jian", "cjk_name_in_part", "阳 left over"),
        ("秦柳", "RYU, Jin", "cjk_name_in_part", "the surname 秦 (Jin) against the given name"),
        # Two Arabic-script words of one or two consonants: their long vowels are not the listed
        # words' (ایروانی's o and a after r, ORION's o; اسما's final a), so they do not pair.
        ("آیلین ایروانی", "Orion Eleven Pvt. Ltd.", "", "ln rn"),
        ("اسما نوری", "ISSAM ANWAR", "", "sm nr"),
        # Another word on the same stem, and two common names a letter or two apart.
        ("ОАО «Константинова»", "KONSTANTA", "", "four letters longer"),
        ("Stephanie Smith", "STEPHEN EDWARD SMITH", "", "Stephanie is not Stephen"),
        ("Mikael Johansson", "WILLIAM MICHAEL JOHNSON", "", "Johansson is not Johnson"),
        ("Thibault Martine Andre", "ANDREA MARTINA LIMITED", "", "Martine, Andre"),
        # One common word alone, and an initial that is no word in common.
        ("Khan Ltd", "KHAN ORGANIZATION", "too_little_evidence", "Khan alone"),
        ("Roche Holding AG", "Roche Consulting Limited", "", "Roche alone"),
        ("Toyota Motor Corporation", "T-MOTOR", "too_little_evidence", "Motor and an initial"),
    ],
)
def test_does_not_alert(
    real_screener: Screener, query: str, listed: str, feature: str, why: str
) -> None:
    score, features = _best(real_screener, query, listed)
    assert score < settings.DEFAULT_THRESHOLD, (why, score, features)
    if feature:
        assert feature in features, (why, score, features)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("query", "listed", "why"),
    [
        # A three-letter word written in Cyrillic writes C by its sound, K.
        ("Миландр ИКК АО", "Milandr ICC JSC", "ИКК is ICC"),
        ("KORUS KONSULTING KIS OOO", "KORUS CONSULTING CIS LIMITED LIABILITY COMPANY", "KIS"),
        # A Russian legal form glued to the name.
        ("LUKOILOAO", "LUKOIL OAO", "LUKOIL + OAO"),
        # A legal form written out in French.
        ("GLOBAL CLEANERS SOCIÉTÉ À RESPONSABILITÉ LIMITÉE", "GLOBAL CLEANERS S.A.R.L.", "SARL"),
        # Whole readings of CJK names still alert.
        ("김상호", "KIM, Sang-ho", "the Korean reading, whole"),
        ("金正恩", "KIM, Jong Un", "the Korean reading of the Hanja, whole"),
    ],
)
def test_still_alerts(real_screener: Screener, query: str, listed: str, why: str) -> None:
    score, features = _best(real_screener, query, listed)
    assert score >= settings.DEFAULT_THRESHOLD, (why, score, features)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("query", "listed", "why"),
    [
        # Below the default threshold, above the accuracy benchmark's: left uncapped.
        ("DROBOT, Mawis Vladimirovna", "DROBOT, Maria Vladimirovna", "Mawis is nobody's name"),
        ("Sajida Khayrallah", "TILFAH, Sajida Khayrallah", "a rare name, the family name left"),
    ],
)
def test_typos_of_no_common_name_stay_uncapped(
    real_screener: Screener, query: str, listed: str, why: str
) -> None:
    score, features = _best(real_screener, query, listed)
    assert score > GUESS_CAP and not features, (why, score, features)
