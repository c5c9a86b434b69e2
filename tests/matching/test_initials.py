"""Initials written dotted, spaced or solid (issue 16, held-out category "initials"): a listed
"AECC Aviation Power" asked "A.E.C.C. Aviation Power", a listed "T.E.G. LIMITED" asked "TEG
LIMITED", and legal forms written in initials ("F.Z.E.", "A.S." asked "AS")."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.matching.acronyms import initials_joined
from exportscreen.matching.analyze import TokenKind, analyze
from exportscreen.matching.readings import query_readings
from exportscreen.screening.screener import Screener

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
