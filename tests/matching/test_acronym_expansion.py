"""Acronym <-> expansion from a party's own names (issue 16: "SMIC" <-> "Semiconductor
Manufacturing International Corporation"), and from several parties that agree on it."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.matching.acronyms import expanded_forms, learn_expansions, spelt_out
from exportscreen.matching.analyze import analyze
from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.screening.screener import Screener


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (
            ["SEMICONDUCTOR MANUFACTURING INTERNATIONAL CORPORATION", "SMIC"],
            {"smic": ("semiconductor", "manufacturing", "international", "corp")},
        ),
        # The acronym beside its expansion in one name; "of" spelt or not.
        (
            ["Atomic Energy Organization of Iran (AEOI)"],
            {"aeoi": ("atomic", "energy", "organization", "of", "iran")},
        ),
        (["Bank of Kunlun", "BOK"], {"bok": ("bank", "of", "kunlun")}),
        (["Bank of Kunlun", "BK Ltd"], {}),  # two letters: by chance too often
        # An abbreviation in the expansion counts by the word it stands for (Mfg: M).
        (
            ["Semiconductor Mfg International Corp.", "SMIC Shanghai"],
            {"smic": ("semiconductor", "manufacturing", "international", "corp")},
        ),
        # No run spells it, or it is pinyin, or it is spelt two ways: nothing learned.
        (["SMIC Beijing", "Semiconductor Manufacturing International (Beijing) Corp"], {}),
        (["Zhongxing Telecom", "ZTE"], {}),
        (["Huawei", "Hua Wei Technologies"], {}),
        # A word that reads as pinyin (bu-a-a) but that its own name spells out beside it is an
        # acronym all the same; spelt by another name only, it stays a pinyin word.
        (
            ["Beijing University of Aeronautics and Astronautics (BUAA)"],
            {"buaa": ("beijing", "university", "of", "aeronautics", "and", "astronautics")},
        ),
        (["Beijing University Aeronautics", "BUA Company"], {}),
        (["ABC", "Alpha Beta Corp", "Active Business Consult"], {}),
    ],
)
def test_spelt_out(names: list[str], expected: dict[str, tuple[str, ...]]) -> None:
    assert spelt_out([analyze(n) for n in names]) == expected


def test_shared_expansions_need_several_parties_agreeing() -> None:
    teaching = [
        ["China State Shipbuilding Corporation", "CSSC"],
        [
            "China State Shipbuilding Corp. 701st Research Institute",
            "CSSC 701st Research Institute",
        ],
        ["CSSC Systems Engineering Research Institute"],  # learns nothing, is taught
        ["Active Business Consult", "ABC"],
        ["ABC Trading"],  # one party teaching ABC is not enough
    ]
    learned = learn_expansions([[analyze(n) for n in names] for names in teaching])
    cssc = ("china", "state", "shipbuilding", "corp")
    assert learned[2] == {"cssc": cssc}
    assert learned[3] == {"abc": ("active", "business", "consult")}  # its own
    assert learned[4] == {}
    # A person's names are not learned from (empty list).
    assert learn_expansions([[], *[[analyze(n) for n in t] for t in teaching[:2]]])[0] == {}


def test_expanded_forms_both_ways() -> None:
    expansions = {"smic": ("semiconductor", "manufacturing", "international", "corp")}
    short = expanded_forms(analyze("SMIC Beijing"), expansions)
    assert [[t.key for t in f.tokens] for f in short] == [
        ["semiconductor", "manufacturing", "international", "corp", "beijing"]
    ]
    # explained by what is listed
    assert {t.surface for t in short[0].tokens[:4]} == {analyze("SMIC Beijing").tokens[0].surface}
    long = expanded_forms(
        analyze("SEMICONDUCTOR MANUFACTURING INTERNATIONAL CORP SHANGHAI"), expansions
    )
    assert [[t.key for t in f.tokens] for f in long] == [["smic", "shanghai"]]
    # Never the acronym alone (nor with legal forms only): a short word other scripts meet by
    # chance (السروري / "SRA Limited" by its consonants).
    alone = analyze("Semiconductor Manufacturing International Corp Ltd")
    assert expanded_forms(alone, expansions) == []
    # A name that holds both already gains nothing.
    assert expanded_forms(analyze("Semiconductor Manufacturing International Corp SMIC"), {}) == []
    # A name holding both: without the acronym, and without the expansion only when other
    # words remain (an acronym alone is a short word other scripts meet by chance).
    both = analyze("Semiconductor Manufacturing International Corp (SMIC)")
    assert [[t.key for t in f.tokens] for f in expanded_forms(both, expansions)] == [
        ["semiconductor", "manufacturing", "international", "corp"]
    ]
    cssc = analyze("China State Shipbuilding Corp (CSSC) 701st Research Institute")
    forms = expanded_forms(cssc, {"cssc": ("china", "state", "shipbuilding", "corp")})
    assert [[t.key for t in f.tokens] for f in forms] == [
        ["china", "state", "shipbuilding", "corp", "701", "research", "institute"],
        ["cssc", "701", "research", "institute"],
    ]


ENTRIES = [
    Entry(
        id="CMIC-1",
        list=ListCode.CMIC,
        type=EntryType.ENTITY,
        name="SEMICONDUCTOR MANUFACTURING INTERNATIONAL CORPORATION",
        aliases=("SMIC",),
    ),
    Entry(
        id="EL-2",
        list=ListCode.EL,
        type=EntryType.ENTITY,
        name="Semiconductor Manufacturing International Corporation (SMIC)",
    ),
    Entry(id="EL-3", list=ListCode.EL, type=EntryType.ENTITY, name="SMIC Holdings Limited"),
    # A person's initials are never an acronym to expand.
    Entry(id="SDN-4", list=ListCode.SDN, type=EntryType.INDIVIDUAL, name="SMITH, Ian Charles"),
]
THRESHOLD = settings.DEFAULT_THRESHOLD


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.from_entries(ENTRIES)


@pytest.mark.parametrize(
    ("query", "entry_id", "matched"),
    [
        # The expansion found through the party's acronym, and the other way round.
        (
            "Semiconductor Manufacturing International Holdings Limited",
            "EL-3",
            "SMIC Holdings Limited",
        ),
        ("SMIC Holdings", "EL-3", "SMIC Holdings Limited"),
        ("SMIC", "CMIC-1", "SMIC"),
    ],
)
def test_the_screener_finds_either_form(
    screener: Screener, query: str, entry_id: str, matched: str
) -> None:
    hits = {h.entry.id: h for h in screener.screen(query, limit=10)}
    assert entry_id in hits and hits[entry_id].score >= THRESHOLD
    assert hits[entry_id].matched_name == matched
    # The explanation names the listed words as printed.
    assert all(t.candidate for t in hits[entry_id].explanation.tokens)


def test_no_person_is_reached_by_an_acronym(screener: Screener) -> None:
    assert all(h.entry.id != "SDN-4" for h in screener.screen("SMIC", threshold=0.3))


def test_the_index_round_trip_keeps_the_forms(screener: Screener) -> None:
    copy = Screener.from_bytes(screener.to_bytes())
    query = "Semiconductor Manufacturing International Holdings Limited"
    assert [h.entry.id for h in copy.screen(query)] == [h.entry.id for h in screener.screen(query)]
    assert copy.screen(query)[0].explanation == screener.screen(query)[0].explanation


@pytest.mark.shared
@pytest.mark.parametrize(
    ("query", "entry_name"),
    [
        # Taught by the CMIC entry and the Entity List's own "(SMIC)", applied to its sisters.
        (
            "Semiconductor Manufacturing International Corporation Holdings",
            "SMIC Holdings Limited",
        ),
        ("CASIC Second Academy", "China Aerospace Science and Industry Corporation Second Academy"),
        (
            "National University of Defense Technology",
            "National University of Defense Technology (NUDT)",
        ),
    ],
)
def test_real_lists(real_screener: Screener, query: str, entry_name: str) -> None:
    hits = real_screener.screen(query, limit=10)
    assert any(h.entry.name == entry_name and h.score >= THRESHOLD for h in hits), [
        (h.entry.name, h.score) for h in hits
    ]
