"""Arabic and Persian names written in katakana are read back into Arabic letters and screened
as names written in Arabic (サダム・フセイン is صدام حسين, Saddam Hussein); names that read as no
Arabic words are not read so."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.matching import kana_arabic
from exportscreen.matching.kana_arabic import arabic_spelling
from exportscreen.matching.readings import query_readings
from exportscreen.screening.screener import Screener
from tests.matching.table_checks import assert_table_refused

THRESHOLD = settings.DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("katakana", "arabic"),
    [
        # The vowel Japanese adds after a final consonant (ム, ド) is not written; フ before u
        # is h as often as f.
        ("サダム・フセイン", "صدام حسين"),
        # The article written apart (アル＝) is joined to the next word; ッ is one letter, ー a
        # long vowel.
        ("バッシャール・アル＝アサド", "بشار الأسد"),
        ("マーヘル・アル＝アサド", "ماهر الأسد"),
        # ン before m is the m written twice (ムハンマド); ヴ is w.
        ("ムハンマド・ジャヴァード・ザリーフ", "محمد جواد ظريف"),
        # A vowel with no consonant before it: an ʿayn at a word's start (アリー), a hamza's
        # seat within (ハーメネイー), an ʿayn before a long i (ナイム, نعيم, not نعم "yes").
        ("アリー・ハーメネイー", "علي خامنئي"),
        ("ナイム・カーシム", "نعيم قاسم"),
        # シ is si as well as shi, Japanese having no si.
        ("カーシム・ソレイマーニー", "قاسم سليماني"),
        # The article written solid; a final a as the feminine ending.
        ("アルカイダ", "القاعدة"),
        ("ハマス", "حماس"),
        # bin written solid; a short i or u after a consonant is unwritten (لادن, not راضين;
        # بكر, not بقول), a short a may be long (باكر).
        ("オサマ・ビンラディン", "أسامة بن لادن"),
        ("アブ・バクル・アル＝バグダディ", "ابو باكر البغدادي"),
        # A Western name that reads as no Arabic words once its short vowels are unwritten.
        ("ジョン・スミス", None),
        # A word Arabic text does not write (from Zipf 3.5), and names in other scripts: not read.
        ("ウラジーミル・プーチン", None),
        ("ブラムレット", None),
        ("東京タワー", None),
        ("Saddam Hussein", None),
    ],
)
def test_arabic_spelling(katakana: str, arabic: str | None) -> None:
    assert arabic_spelling(katakana) == arabic


def test_a_name_read_as_arabic_is_one_of_the_query_readings() -> None:
    notes = [r.note for r in query_readings("サダム・フセイン")]
    assert "katakana read as Arabic: صدام حسين" in notes
    assert not any("katakana" in r.note for r in query_readings("ブラムレット"))


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([("b", "ب")], "expected"),
        ([("b", "ب", "b"), ("b", "ب", "b")], "twice"),
        ([("b", "b", "b")], "not Arabic"),
        ([("b", "ب|", "b")], "not Arabic"),
        ([("ب", "ب", "b")], "expected"),
    ],
)
def test_consonant_table_is_checked_at_load(
    monkeypatch: pytest.MonkeyPatch, rows: list[tuple[str, ...]], problem: str
) -> None:
    assert_table_refused(monkeypatch, kana_arabic, kana_arabic._consonants, rows, problem)


def test_the_shipped_consonant_table_reads_every_hepburn_consonant() -> None:
    table = kana_arabic._consonants()
    assert set("bdfghjkmnprstvwyz") | {"sh", "ch", "ts"} <= set(table)
    assert table["f"] == ("ف", "ه", "ح")


@pytest.mark.shared
@pytest.mark.parametrize(
    ("katakana", "listed"),
    [
        # None of them alerted before: Saddam Hussein and Hamas were not found at all,
        # Bashar al-Assad scored 0.617, Naim Qassem 0.73, Zarif 0.676, Raisi 0.731.
        ("サダム・フセイン", "AL-TIKRITI, Saddam Hussein"),
        ("バッシャール・アル＝アサド", "AL-ASSAD, Bashar"),
        ("ナイム・カーシム", "QASIM, Naim"),
        ("ムハンマド・ジャヴァード・ザリーフ", "ZARIF, Mohammad Javad"),
        ("エブラーヒーム・ライースィー", "RAISI, Ebrahim"),
        ("ハマス", "HAMAS"),
        ("オサマ・ビンラディン", "BIN LADIN, Usama bin Muhammad bin Awad"),
    ],
)
def test_real_arab_names_in_katakana_alert(
    real_screener: Screener, katakana: str, listed: str
) -> None:
    hits = real_screener.screen(katakana)
    alerting = {h.entry.name for h in hits if h.score >= THRESHOLD}
    assert listed in alerting, [(h.entry.name, h.score) for h in hits[:3]]
