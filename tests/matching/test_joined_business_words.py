"""A business word written onto a name's word ("NETPOSATECHNOLOGIES", "ConduitTechnologies"):
the index splits it into the listed words and the scorer joins them, with the business word's
variant made canonical as the listed words are (``abbreviations.canonical_suffix``). Both scored
0.09 before (benchmarks/accuracy.py, joined/split words)."""

from __future__ import annotations

import pytest

from exportscreen import settings
from exportscreen.matching.abbreviations import canonical_suffix
from exportscreen.screening.screener import Screener


@pytest.mark.parametrize(
    ("word", "joined"),
    [
        ("netposatechnologies", "netposatechnology"),
        ("conduittechnologies", "conduittechnology"),
        ("acmeindustries", "acmeindustry"),
        ("biotech", "biotechnology"),
        # The variant alone, or with fewer than three letters before it: the word itself.
        ("technologies", "technologies"),
        ("hitech", "hitech"),
        # No variant at its end.
        ("constitution", "constitution"),
        ("hklimited", "hklimited"),
    ],
)
def test_canonical_suffix(word: str, joined: str) -> None:
    assert canonical_suffix(word) == joined


@pytest.mark.shared
@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("NETPOSATECHNOLOGIES LIMITED", "NETPOSA TECHNOLOGIES LIMITED"),
        ("ConduitTechnologies Pvt., Ltd.", "Conduit Technologies Pvt., Ltd."),
        ("Huaweitechnologies Co., Ltd.", "HUAWEI TECHNOLOGIES CO., LTD."),
    ],
)
def test_joined_business_words_are_found(real_screener: Screener, query: str, listed: str) -> None:
    hits = real_screener.screen(query, limit=10)
    found = [h for h in hits if listed in (h.entry.name, *h.entry.aliases)]
    assert found and found[0].score >= settings.DEFAULT_THRESHOLD, [
        (h.matched_name, h.score) for h in hits
    ]
