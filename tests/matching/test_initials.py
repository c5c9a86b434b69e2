"""Initials written dotted, spaced or solid (issue 16, held-out category "initials"): a listed
"AECC Aviation Power" asked "A.E.C.C. Aviation Power", a listed "T.E.G. LIMITED" asked "TEG
LIMITED", and legal forms written in initials ("F.Z.E.", "A.S." asked "AS")."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.matching import delta_filter
from exportscreen.matching import signature as signature_module
from exportscreen.matching.acronyms import initials_joined
from exportscreen.matching.analyze import TokenKind, analyze
from exportscreen.matching.delta_filter import InvertedMaps, delta_names
from exportscreen.matching.readings import prepare_query_reading, query_readings
from exportscreen.matching.signature import signature
from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.screening.screener import Screener, candidate_bound

THRESHOLD = settings.DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("name", "joined"),
    [
        ("T.E.G. LIMITED", ["teg", "LEGAL:ltd"]),
        ("T E G Ltd", ["teg", "LEGAL:ltd"]),
        ("A.V.I.C. Chengdu", ["avic", "chengdu"]),
        # A legal form written in initials inside a longer run is part of the acronym: "B.V.I."
        # is BVI, not the Dutch B.V. and an I; "A.S.P." is not the Turkish A.S. and a P.
        ("B.V.I. Electronics", ["bvi", "electronic"]),
        ("A.S.P. BUILDERS", ["asp", "builders"]),
        # A run whose letters are a legal form is that form.
        ("E and I Systems F.Z.E.", ["e", "and", "i", "system", "LEGAL:fze"]),
        ("О.О.О. Ромашка", ["LEGAL:ltd", "romashka"]),
        # Nothing to join: a lone initial, a legal form alone.
        ("John F. Kennedy", None),
        ("Acme S.A.", None),
    ],
)
def test_initials_joined(name: str, joined: list[str] | None) -> None:
    found = initials_joined(analyze(name))
    keys = (
        None
        if found is None
        else [t.key if t.kind is TokenKind.WORD else f"LEGAL:{t.key}" for t in found.tokens]
    )
    assert keys == joined


def test_a_query_with_initials_is_read_with_them_joined() -> None:
    (reading,) = query_readings("A.E.C.C. Aviation Power Co. Ltd.")
    assert [t.key for t in reading.analysis.tokens] == ["aecc", "aviation", "power", "ltd"]
    assert reading.note == "initials read as one word: AECC"
    assert query_readings("AECC Aviation Power Co. Ltd.") == ()


@pytest.mark.shared
@pytest.mark.parametrize(
    ("query", "listed"),
    [
        # Acronyms the index does not spell out (words of English text: "VIP", "DJI", "AVIC"),
        # asked dotted.
        ("A.E.C.C. Aviation Power Co. Ltd.", "AECC Aviation Power Co. Ltd."),
        ("V.I.P. Technology Ltd.", "VIP Technology Ltd."),
        (
            "Shenzhen D.J.I. Innovation Technology Co., Ltd.",
            "Shenzhen DJI Innovation Technology Co., Ltd.",
        ),
        ("A.V.I.C. International Holding Corporation", "AVIC International Holding Corporation"),
        ("Chengdu R.M.L. Technology Co., Ltd.", "Chengdu RML Technology Co., Ltd."),
        ("AO S.K.B. Turbina", "AO SKB Turbina"),
        ("B.V.I. Electronics", "BVI Electronics"),
        ("E and I Systems F.Z.E.", "E and I Systems FZE"),
        # Listed dotted, asked solid.
        ("ASP Builders", "A.S.P. BUILDERS"),
        ("TMA International", "T.M.A. International"),
        # The Turkish A.S. written solid at the end of a name.
        (
            "INTERNATIONAL INVESTMENT DEVELOPMENT HOLDING AS",
            "INTERNATIONAL INVESTMENT DEVELOPMENT HOLDING A.S.",
        ),
        ("ETI Elektroteknik Sanayi ve Ticaret AS", "ETI Elektroteknik Sanayi ve Ticaret A.S."),
        # The Czech and Slovak s.r.o. written solid: was a distinctive unmatched word (0.71,
        # cleared at the default threshold, while "Bonitopto" alone scored 0.95).
        ("Bonitopto SRO", "Bonitopto S.R.O."),
    ],
)  # fmt: skip
def test_real_lists(real_screener: Screener, query: str, listed: str) -> None:
    hits = real_screener.screen(query, limit=10)
    assert any(listed in h.entry.names and h.score >= THRESHOLD for h in hits), [
        (h.entry.name, h.score) for h in hits
    ]


@pytest.mark.shared
def test_the_explanation_says_the_initials_were_joined(real_screener: Screener) -> None:
    (hit, *_) = real_screener.screen("V.I.P. Technology Ltd.")
    assert hit.matched_name == "VIP Technology Ltd."
    assert "initials read as one word: VIP" in hit.explanation.summary


# Names of the Entity List and the MEU list, beside unrelated names for the words' weights.
ENTRIES = [
    Entry(
        id="MEU-aecc",
        list=ListCode.MEU,
        type=EntryType.ENTITY,
        name="AECC Aviation Power Co. Ltd.",
    ),
    Entry(id="EL-vip", list=ListCode.EL, type=EntryType.ENTITY, name="VIP Technology Ltd."),
    Entry(id="EL-bvi", list=ListCode.EL, type=EntryType.ENTITY, name="BVI Electronics"),
    Entry(id="SDN-x", list=ListCode.SDN, type=EntryType.ENTITY, name="Power Plant Equipment"),
    Entry(id="SDN-y", list=ListCode.SDN, type=EntryType.ENTITY, name="Opto Electronics"),
]
COUNTERPARTIES = {
    "c1": "A.E.C.C. Aviation Power Co. Ltd.",
    "c2": "V.I.P. Technology Ltd.",
    "c3": "B.V.I. Electronics",
}


def test_the_delta_filter_sees_the_joined_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """A counterparty the screener hits through its initials joined passes the delta re-screen
    filter (which takes the readings from the same place); without that reading it would not."""
    screener = Screener.from_entries(ENTRIES)
    index = screener.index
    expected = {"c1": "MEU-aecc", "c2": "EL-vip", "c3": "EL-bvi"}
    for party, name in COUNTERPARTIES.items():
        assert screener.screen(name)[0].entry.id == expected[party]

    def passing() -> frozenset[str]:
        maps = InvertedMaps.build((p, n, signature(n)) for p, n in COUNTERPARTIES.items())
        delta = delta_names(index, set(expected.values()))
        cutoff = THRESHOLD
        return maps.filter(index, delta, cutoff, candidate_bound(cutoff)).passing

    assert passing() == set(COUNTERPARTIES)
    for module in (delta_filter, signature_module):
        monkeypatch.setattr(module, "query_readings", lambda name, analysis=None: ())
    assert passing() != set(COUNTERPARTIES)


@pytest.mark.shared
@pytest.mark.parametrize(
    "query",
    ["A.E.C.C. Aviation Power Co. Ltd.", "T E G LIMITED", "김정은", "V.I.P. Technology Ltd."],
)
def test_a_screeners_readings_are_prepared_as_prepare_makes_them(
    real_screener: Screener, query: str
) -> None:
    """The screener prepares a reading's tokens through the tokens it keeps: the same tokens
    ``prepare_query_reading`` makes afresh (typed for a romanised reading), kept or not."""
    fresh = [
        prepare_query_reading(reading, real_screener.index) for reading in query_readings(query)
    ]
    assert fresh
    for _ in range(2):  # the second time, every token is a kept one
        readings = real_screener._readings(query, real_screener._query(query))
        assert [reading.tokens for reading in readings] == fresh
