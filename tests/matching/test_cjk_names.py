"""Chinese, Korean and Japanese person names in native script, read as the lists spell them
(issue 16, "Chinese-script person names read as surname + given name in pinyin; Korean and
Japanese likewise")."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.matching.cjk_names import person_readings, romanise_syllable
from exportscreen.matching.delta_filter import InvertedMaps, delta_names
from exportscreen.matching.signature import Signature, signature
from exportscreen.model import Entry, EntryType, Hit, ListCode
from exportscreen.screening.screener import Screener, candidate_bound


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Han characters: Mandarin, then the Korean reading of the Hanja (金 is 김 as a surname).
        ("金正恩", ["Jin Zhengen", "Kim Jong Un", "Kim Jeong Eun"]),
        # Written with a space, the order is a guess (yente's "明 李" is 李明): not read.
        ("金 正恩", []),
        ("明 李", []),
        # 龍 inside a name keeps its ㄹ (최룡해), as the North writes it.
        ("崔龍海", ["Cui Longhai", "Choe Ryong Hae", "Choi Ryong Hae"]),
        # 李 is 이 in the South and 리 in the North; the lists' North Koreans are "RI".
        ("李炳哲", ["Li Bingzhe", "Ri Pyong Chol", "Lee Byeong Cheol"]),
        # Simplified characters are read as the traditional ones Korean names are written in.
        ("崔龙海", ["Cui Longhai", "Choe Ryong Hae", "Choi Ryong Hae"]),
        # A compound surname; not a Korean one.
        ("欧阳娜娜", ["Ouyang Nana"]),
        # Hangul: the North Korean and the South Korean spelling.
        ("김정은", ["Kim Jong Un", "Kim Jeong Eun"]),
        ("최룡해", ["Choe Ryong Hae", "Choi Ryong Hae"]),
        # McCune-Reischauer voices a plain stop after a voiced sound: Man Gon, not Man Kon.
        ("리만건", ["Ri Man Gon", "Lee Man Geon"]),
        # Not a person's name: a company, a brand, a place, too long, or no known surname.
        ("华为技术有限公司", []),
        ("海康威视", []),
        ("中国电子", []),
        ("北京", []),
        ("金正恩金正恩", []),
        ("习", []),
        ("Kim Jong Un", []),
        ("삼성전자", []),
        # Japanese: a surname and a given name by UniDic, in Hepburn without long-vowel marks
        # (ゴトウ is Goto, as the lists write GOTO, Tadamasa); solid or written apart.
        ("後藤忠政", ["Goto Tadamasa"]),
        ("後藤 忠政", ["Goto Tadamasa"]),
        ("井上邦雄", ["Inoue Kunio"]),  # a written vowel pair that is not a long vowel
        ("さとう ひろし", ["Sato Hiroshi"]),
        ("いのうえ くにお", ["Inoue Kunio"]),
        ("おおたに しょうへい", ["Otani Shohei"]),
        # Given name first, a place, a company: not read in Japanese.
        ("忠政 後藤", []),
        ("東京", []),
        ("トヨタ自動車", []),
        ("ソニー株式会社", []),
    ],
)
def test_person_readings(name: str, expected: list[str]) -> None:
    assert [r.romanised for r in person_readings(name)] == expected


@pytest.mark.parametrize(
    ("syllable", "mccune_reischauer", "revised"),
    [("한", "han", "han"), ("글", "kul", "geul"), ("택", "thaek", "taek"), ("은", "un", "eun")],
)
def test_romanise_syllable(syllable: str, mccune_reischauer: str, revised: str) -> None:
    assert romanise_syllable(syllable, 0) == mccune_reischauer
    assert romanise_syllable(syllable, 1) == revised


# Listed North Koreans (OFAC's SDN list, in the real CSL and consolidated files) asked in Hangul
# and in Hanja, traditional or simplified.
@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("金正恩", "KIM, Jong Un"),
        ("김정은", "KIM, Jong Un"),
        ("崔龍海", "CHOE, Ryong Hae"),
        ("崔龙海", "CHOE, Ryong Hae"),
        ("최룡해", "CHOE, Ryong Hae"),
        ("리병철", "RI, Pyong Chol"),
        ("金與正", "KIM, Yo Jong"),
        ("金与正", "KIM, Yo Jong"),
        # The UN list's own Chinese form of a North Korean's name ("Jin Tiesan (金铁三)").
        ("金铁三", "KIM, Chol Sam"),
    ],
)
def test_native_script_names_find_listed_persons(
    real_screener: Screener, query: str, listed: str
) -> None:
    top = _found_through(real_screener, query, listed, "Reischauer")
    assert "read as a person's name" in top.explanation.summary


# Japanese nationals on OFAC's SDN list (TCO program: Yamaguchi-gumi, Sumiyoshi-kai, Inagawa-kai
# figures, in the real consolidated list), asked in kanji as the Japanese press writes their names,
# or in kana. Not reached, because UniDic reads the given name otherwise: 高山清司 (Seiji; listed
# TAKAYAMA, Kiyoshi), 入江禎 (Sada; IRIE, Tadashi), 篠田建市 (SHINODA, Kenichi: not taken for a
# name); these are the limits of a dictionary reading.
@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("後藤忠政", "GOTO, Tadamasa"),
        ("後藤 忠政", "GOTO, Tadamasa"),
        ("ごとう ただまさ", "GOTO, Tadamasa"),
        ("ゴトウ タダマサ", "GOTO, Tadamasa"),
        ("西口茂男", "NISHIGUCHI, Shigeo"),
        ("清田次郎", "KIYOTA, Jiro"),
        ("内堀和也", "UCHIBORI, Kazuya"),
        ("井上邦雄", "INOUE, Kunio"),
        ("寺岡修", "TERAOKA, Osamu"),
        ("池田孝志", "IKEDA, Takashi"),
        ("高木康男", "TAKAGI, Yasuo"),
        ("竹内照明", "TAKEUCHI, Teruaki"),
        ("司忍", "TSUKASA, Shinobu"),
    ],
)
def test_japanese_names_find_listed_persons(
    real_screener: Screener, query: str, listed: str
) -> None:
    _found_through(real_screener, query, listed, "Japanese, Hepburn")


# Chinese names in traditional characters are read in Japanese too (鄧小平 "To Shohei"), as kanji
# are; those readings must not alert on anyone listed.
@pytest.mark.parametrize(
    "query", ["鄧小平", "李登輝", "馬英九", "李小龍", "陳水扁", "林志玲", "王建民", "成龍"]
)
def test_japanese_readings_of_chinese_names_do_not_alert(
    real_screener: Screener, query: str
) -> None:
    assert not any(
        "Japanese" in hit.explanation.summary for hit in real_screener.screen(query, limit=10)
    )


@pytest.mark.parametrize(
    ("name", "japanese"),
    [
        # A Chinese or Korean surname in its Sino-Japanese sound is a Chinese or Korean person
        # written in Japanese: read as Chinese and Korean only (李 would be "Ri", 崔 "Sai").
        ("李明", []),
        ("崔龍海", []),
        ("鄧小平", []),
        ("陳水扁", []),
        # A Japanese surname of one kanji that is Chinese too (林 Lin) keeps its Japanese reading
        # (Hayashi Yasuo, of Aum Shinrikyo), beside the Chinese and Korean ones.
        ("林泰男", ["Hayashi Yasuo"]),
    ],
)
def test_when_kanji_are_read_in_japanese(name: str, japanese: list[str]) -> None:
    readings = person_readings(name)
    assert [r.romanised for r in readings if r.scheme.startswith("Japanese")] == japanese
    assert readings[0].scheme == "Mandarin pinyin"  # kanji are valid Chinese: pinyin is kept


# Other people written the same way: their readings must not alert on listed namesakes' near
# spellings (Kim Jong Il is not Kim Jong Un; Son Heung-min, Lee Jae-yong, Jack Ma are not listed).
@pytest.mark.parametrize(
    "query",
    [
        *("金正日", "김정일", "손흥민", "이재용", "김연아", "박지성", "马云", "周杰伦", "刘强东"),
        # Japanese namesakes of listed persons' surnames (GOTO, INOUE, TAKAYAMA).
        *("後藤久美子", "井上陽水", "高山善廣", "鈴木一郎", "山田太郎", "田中角栄"),
    ],
)
def test_readings_do_not_alert_on_other_people(real_screener: Screener, query: str) -> None:
    assert real_screener.screen(query) == []


def test_delta_filter_passes_native_script_counterparties() -> None:
    """A re-screen after KIM, Jong Un is listed must not drop a counterparty written 김정은: the
    filter keeps every counterparty the full screen hits, readings included."""
    kim = Entry(id="SDN-1", list=ListCode.SDN, type=EntryType.INDIVIDUAL, name="KIM, Jong Un")
    other = Entry(id="SDN-2", list=ListCode.SDN, type=EntryType.ENTITY, name="Inspur Group")
    screener = Screener.from_entries([kim, other])
    names = {"a": "김정은", "b": "金正恩", "c": "Kim Jong Un", "d": "김연아", "e": "马云"}
    cutoff = settings.DEFAULT_THRESHOLD
    hit = {p for p, n in names.items() if any(h.entry.id == "SDN-1" for h in screener.screen(n))}
    assert hit == {"a", "b", "c"}
    maps = InvertedMaps.build((party, name, signature(name)) for party, name in names.items())
    index = screener.index
    found = maps.filter(index, delta_names(index, {"SDN-1"}), cutoff, candidate_bound(cutoff))
    assert hit <= found.passing


def test_signature_keeps_readings_through_json() -> None:
    found = signature("김정은")
    assert [t.key for t in found.readings[0].tokens] == ["kim", "jongun"]
    assert Signature.from_json(found.to_json()) == found


def _found_through(screener: Screener, query: str, listed: str, reading: str) -> Hit:
    """The top hit for ``query``: ``listed``, alerting, its explanation naming ``reading``."""
    hits = screener.screen(query, limit=3)
    assert hits, query
    top = hits[0]
    assert top.matched_name == listed
    assert top.score >= settings.DEFAULT_THRESHOLD
    assert reading in top.explanation.summary  # the reading that matched is named
    return top
