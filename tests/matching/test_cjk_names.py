"""Chinese and Korean person names in native script, read as the lists spell them (issue 16,
"Chinese-script person names read as surname + given name in pinyin; Korean likewise")."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.matching.cjk_names import person_readings, romanise_syllable
from exportscreen.matching.delta_filter import InvertedMaps, delta_names
from exportscreen.matching.signature import Signature, signature
from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.screening.screener import REACH_MARGIN, Screener


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
    hits = real_screener.screen(query, limit=3)
    assert hits, query
    top = hits[0]
    assert top.matched_name == listed
    assert top.score >= settings.DEFAULT_THRESHOLD
    assert "read as a person's name" in top.explanation.summary
    assert "Reischauer" in top.explanation.summary  # the reading that matched is named


# Other people written the same way: their readings must not alert on listed namesakes' near
# spellings (Kim Jong Il is not Kim Jong Un; Son Heung-min, Lee Jae-yong, Jack Ma are not listed).
@pytest.mark.parametrize(
    "query",
    ["金正日", "김정일", "손흥민", "이재용", "김연아", "박지성", "马云", "周杰伦", "刘强东"],
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
    found = maps.filter(index, delta_names(index, {"SDN-1"}), cutoff, cutoff - REACH_MARGIN)
    assert hit <= found.passing


def test_signature_keeps_readings_through_json() -> None:
    found = signature("김정은")
    assert [t.key for t in found.readings[0].tokens] == ["kim", "jongun"]
    assert Signature.from_json(found.to_json()) == found
