"""Determinations for a date, on the lists as they stood then (``screening.history``): the real
2022 CSL, the 2023 Federal Register rule, the 2023 BIS Denied Persons file and the 2026 BIS files,
loaded into one store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from exportscreen.decisions.determination import Determination, MatchStatus, determine
from exportscreen.decisions.transaction import Transaction
from exportscreen.model import Disposition, ListCode, Outcome
from exportscreen.ops.loading import load_paths
from exportscreen.screening.history import lists_on
from exportscreen.store import Store

CSL_2022 = "watchman/csl/consolidated_2022-05.csv.gz"
RULE_2023 = "federal_register/2023-03929_88FR12170_entity_list_additions.xml"
DPL_2023 = "watchman/bis_dpl/dpl_2023-11-30.txt.gz"
BIS_2026 = "nsfreg_ecfr_derived"


@pytest.fixture(scope="module")
def store(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("history")
    with Store.open(f"sqlite:///{folder / 'store.db'}") as opened:
        for name in (CSL_2022, RULE_2023, DPL_2023, BIS_2026):
            # allow_shrink: the three DPL formats' ids still differ (identity linking is another
            # change), so the plausibility check would stage each newer DPL as mostly removals.
            load_paths(opened, [raw_dir / name], allow_shrink=True)
        assert [v.source_format for v in opened.versions("DPL")] == [
            "csl_csv",
            "dpl_tsv",
            "bis_json",
        ]
        yield opened


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index")


def shipment(name: str, on: date) -> Transaction:
    return Transaction.model_validate(
        {
            "date": on,
            "destination_country": "US",
            "items": [{"eccn": "EAR99"}],
            "parties": [{"role": "ultimate_consignee", "name": name, "country": "US"}],
        }
    )


def run(store: Store, cache: Path, name: str, on: date, *, confirm: bool = True) -> Determination:
    history = lists_on(store, on, cache)
    first = determine(shipment(name, on), history.screener, history=history)
    if not confirm:
        return first
    # An analyst confirms every DPL hit on the party, as after checking the order's details.
    confirmed = {
        (name, r.entry_id): Disposition.TRUE_MATCH
        for r in first.parties[0].listings
        if r.list is ListCode.DPL
    }
    return determine(shipment(name, on), history.screener, history=history, confirmed=confirmed)


def dpl_listings(result: Determination) -> list[object]:
    return [r for r in result.parties[0].listings if r.list is ListCode.DPL]


@pytest.mark.shared
def test_robert_luba_is_not_prohibited_after_his_order_expired(store: Store, cache: Path) -> None:
    # 82 FR 1690: denied from 2016-12-29; the 2026 BIS file says "Expires: 2026-04-25".
    after = run(store, cache, "ROBERT LUBA", date(2026, 12, 4))
    (listing,) = [r for r in after.parties[0].listings if r.list is ListCode.DPL]
    assert listing.status is MatchStatus.NOT_IN_FORCE
    assert listing.outcome is Outcome.NO_LIST_RESTRICTION
    assert listing.end_date == date(2026, 4, 25)
    assert "ended 2026-04-25" in listing.note
    assert all(r.outcome < Outcome.PROHIBITED for r in after.parties[0].listings)
    # While the order ran, the same confirmed hit prohibits.
    during = run(store, cache, "ROBERT LUBA", date(2026, 4, 1))
    assert [r.outcome for r in during.parties[0].listings if r.list is ListCode.DPL] == [
        Outcome.PROHIBITED
    ]


@pytest.mark.shared
def test_a_2025_shipment_to_abdul_majid_saidi_hits_the_dpl_of_the_day(
    store: Store, cache: Path
) -> None:
    # On the DPL from 2020-10-30 to 2026-03-13 (the 2023 file); not in the 2026 file.
    result = run(store, cache, "ABDUL MAJID SAIDI", date(2025, 6, 1))
    (listing,) = [r for r in result.parties[0].listings if r.list is ListCode.DPL]
    assert listing.status is MatchStatus.CONFIRMED
    assert listing.outcome is Outcome.PROHIBITED
    assert listing.removed_since.startswith("no longer listed: not in the current DPL version")
    dpl = next(v for v in result.versions_used if v.list is ListCode.DPL)
    assert dpl.file_name == "dpl_2023-11-30.txt.gz"
    assert not dpl.is_current
    # Unconfirmed, the hit holds the shipment.
    assert run(store, cache, "ABDUL MAJID SAIDI", date(2025, 6, 1), confirm=False).outcome is (
        Outcome.HOLD
    )
    # Screened today, the current DPL no longer lists him.
    today = run(store, cache, "ABDUL MAJID SAIDI", date(2026, 12, 4))
    assert not [r for r in today.parties[0].listings if r.list is ListCode.DPL]
    assert all(v.is_current for v in today.versions_used)


@pytest.mark.shared
def test_a_party_a_later_version_dates_before_the_shipment_is_screened(
    store: Store, cache: Path
) -> None:
    # Inspur Taiwan: in the 2026 Entity List only, effective 2025-03-25 (90 FR 14048): the EL
    # version in force on 2025-06-01 is the 2023 rule's, which does not hold it.
    history = lists_on(store, date(2025, 6, 1), cache)
    el = next(v for v in history.versions_used if v.list is ListCode.EL)
    assert "2023-03929" in el.file_name
    result = run(store, cache, "Inspur Taiwan Co., Ltd.", date(2025, 6, 1), confirm=False)
    listing = next(r for r in result.parties[0].listings if r.list is ListCode.EL)
    assert listing.status is MatchStatus.POTENTIAL and listing.removed_since == ""
    before = run(store, cache, "Inspur Taiwan Co., Ltd.", date(2025, 3, 1), confirm=False)
    listing = next(r for r in before.parties[0].listings if r.list is ListCode.EL)
    assert listing.status is MatchStatus.NOT_IN_FORCE


@pytest.mark.shared
def test_a_date_before_any_loaded_version_never_clears_silently(store: Store, cache: Path) -> None:
    # Banco Nacional de Cuba has been on the SDN list since the 1960s; the store's first SDN
    # version is the 2022 CSL, which gives it no start date. For a 2015 shipment no loaded
    # version says what the SDN list held: the hit is a possible listing (HOLD), not "not in
    # force", and the result says which lists had no version then.
    history = lists_on(store, date(2015, 1, 1), cache)
    assert ListCode.SDN in history.not_yet_loaded
    assert any("SDN: no version on or before 2015-01-01" in line for line in history.describe())
    result = run(store, cache, "BANCO NACIONAL DE CUBA", date(2015, 1, 1), confirm=False)
    listing = next(r for r in result.parties[0].listings if r.list is ListCode.SDN)
    assert listing.status is MatchStatus.POTENTIAL
    assert result.outcome is Outcome.HOLD
