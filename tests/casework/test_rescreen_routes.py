"""The delta re-screen on routes the filter follows forwards, by the index's own methods: words in
Arabic script (by consonants read letter by letter) and words the lists do not use that split into
listed words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exportscreen.casework.register import Register
from exportscreen.casework.rescreen import SignatureCache, rescreen
from exportscreen.matching.delta_filter import delta_names
from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.store import Store
from tests.casework.test_rescreen import (
    STEADY,
    THRESHOLD,
    V1_DATE,
    V2_DATE,
    current_screener,
    pairs,
    publish,
    write_register,
)

TAHER = Entry(
    id="SDN-taher",
    list=ListCode.SDN,
    type=EntryType.INDIVIDUAL,
    name="TAHER, Ali",
    countries=("LB",),
)
YOUSEF = Entry(
    id="SDN-yousef",
    list=ListCode.SDN,
    type=EntryType.INDIVIDUAL,
    name="YOUSEF, Hasan",
    countries=("LB",),
)
HUAXIN = Entry(
    id="EL-huaxin",
    list=ListCode.EL,
    type=EntryType.ENTITY,
    name="Hua Xin Trading Co., Ltd.",
    countries=("CN",),
)
SUGON = Entry(
    id="EL-sugon",
    list=ListCode.EL,
    type=EntryType.ENTITY,
    name="Zhongke Shuguang Information Industry Co., Ltd.",
    countries=("CN",),
)
LATER_ROUTE_ENTRIES = (TAHER, YOUSEF, HUAXIN, SUGON)
# (counterparty, the delta entry a full screen hits, the highest of the tested thresholds it hits
# at). Arabic
# script reaches listed words only by consonants read letter by letter (ط+ه is t+h, as in
# "Taher", where the romanised key "thr" reads as ث), and by skeletons of one or two consonants
# (علي "l", يوسف "sf"); a word the lists do not use reaches the listed words it is made of
# ("huaxin": both parts too short to be found by spelling).
LATER_ROUTES = [
    ("arabic-taher", "علي طاهر", TAHER.id, 0.8),
    ("arabic-taher-alone", "طاهر", TAHER.id, 0.6),
    ("arabic-yousef", "حسن يوسف", YOUSEF.id, 0.8),
    ("arabic-yousef-alone", "يوسف", YOUSEF.id, 0.6),
    ("split-short", "Huaxin", HUAXIN.id, 0.8),
    ("split-short-trading", "Huaxin Trading", HUAXIN.id, 0.8),
    ("split-long", "zhongkeshuguang", SUGON.id, 0.8),
]


@pytest.fixture()
def later_routes(tmp_path: Path) -> Iterator[tuple[Store, Register]]:
    with Store.open(f"sqlite:///{tmp_path / 'routes.db'}") as store:
        lists = [ListCode.EL, ListCode.SDN]
        publish(store, [STEADY], V1_DATE, lists)
        register = Register(store, actor="tester", threshold=THRESHOLD)
        rows = [(party_id, name) for party_id, name, _, _ in LATER_ROUTES]
        register.import_file(write_register(tmp_path / "register.csv", rows))
        register.screen(current_screener(store))
        publish(store, [STEADY, *LATER_ROUTE_ENTRIES], V2_DATE, lists)
        yield store, register


@pytest.mark.parametrize("threshold", [0.6, THRESHOLD])
def test_filter_follows_arabic_consonants_and_split_words(
    later_routes: tuple[Store, Register], threshold: float
) -> None:
    store, register = later_routes
    screener = current_screener(store)
    index = screener.index
    expected = {party_id for party_id, _, _, highest in LATER_ROUTES if threshold <= highest}
    for party_id, name, entry_id, highest in LATER_ROUTES:
        hits = {h.entry.id for h in screener.screen(name, threshold=threshold)}
        # The table is checked against the screener, so that it keeps meaning something.
        assert (entry_id in hits) == (threshold <= highest), (party_id, hits)
    cache = SignatureCache("test")
    cache.sync(register, persist=False)
    delta = {e.id for e in LATER_ROUTE_ENTRIES}
    found = cache.filter(index, delta_names(index, delta), threshold)
    assert expected <= found.passing


def test_delta_rescreen_reaches_arabic_script_and_split_words(
    later_routes: tuple[Store, Register],
) -> None:
    store, register = later_routes
    screener = current_screener(store)
    delta = {e.id for e in LATER_ROUTE_ENTRIES}
    expected = {
        (party_id, hit.entry.id)
        for party_id, name, _, _ in LATER_ROUTES
        for hit in screener.screen(name, threshold=THRESHOLD)
        if hit.entry.id in delta
    }
    assert {p for p, _, _, highest in LATER_ROUTES if highest >= THRESHOLD} == {
        p for p, _ in expected
    }
    report = rescreen(store, register, screener)
    assert {(h.external_id, h.entry_id) for h in report.hits} == expected
    assert pairs(register) == expected
