"""Licence determination on the real list files: Inspur Taiwan from its effective date, Nettrix,
denied persons, the Unverified List, SDN parties and owners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from exportscreen.decisions.country_controls import QUESTION_IDS
from exportscreen.decisions.determination import (
    FORWARDER_NOTE,
    Determination,
    ListingReason,
    MatchStatus,
    PartyScreener,
    determine,
)
from exportscreen.decisions.ownership import GroundKind, OwnershipGraph, Regime
from exportscreen.decisions.transaction import Transaction, load_transaction
from exportscreen.model import (
    Disposition,
    Entry,
    ListCode,
    Outcome,
    ReviewPolicy,
)
from tests.decisions.fr_dates import FR_DATING

FIXTURES = Path(__file__).parent.parent / "fixtures" / "decisions"
# These tests are about what the lists mean: every end-use question answered "no", so that the
# destination's catch-alls (tests/decisions/test_destination.py) stay out of the way.
NO_END_USE = dict.fromkeys(QUESTION_IDS, False)


@dataclass(frozen=True)
class RealLists:
    screener: PartyScreener
    entries: dict[tuple[ListCode, str], Entry]

    def entry(self, lst: ListCode, name: str) -> Entry:
        return self.entries[(lst, name)]


@pytest.fixture(scope="module")
def real(raw_dir: Path) -> RealLists:
    """The Entity List (eCFR-derived, 2026), the Denied Persons List (2023-11), the 2022 CSL's
    Unverified List rows and OFAC's SDN list (2021-07), in one screener."""
    from exportscreen.screening.screener import Screener
    from exportscreen.sources import parse

    entries = [
        *parse(raw_dir / "nsfreg_ecfr_derived" / "bis_entity_list.json.gz").entries,
        *parse(raw_dir / "watchman" / "bis_dpl" / "dpl_2023-11-30.txt.gz").entries,
        *(
            e
            for e in parse(raw_dir / "watchman" / "csl" / "consolidated_2022-05.csv.gz").entries
            if e.list is ListCode.UVL
        ),
        *parse(raw_dir / "watchman" / "ofac_sdn_2021-07" / "sdn.csv.gz").entries,
    ]
    return RealLists(Screener.from_entries(entries), {(e.list, e.name): e for e in entries})


def real_transaction(name: str, on: date, *eccns: str, country: str = "") -> Transaction:
    return Transaction.model_validate(
        {
            "date": on,
            "destination_country": country or "CN",
            "items": [{"eccn": e} for e in eccns or ("EAR99",)],
            "parties": [{"role": "end_user", "name": name, "country": country}],
            "answers": NO_END_USE,
        }
    )


def confirm(*pairs: tuple[str, Entry]) -> dict[tuple[str, str], Disposition]:
    return {(party, entry.id): Disposition.TRUE_MATCH for party, entry in pairs}


def only_reason(result: Determination, entry: Entry) -> ListingReason:
    reasons = [r for r in result.parties[0].listings if r.entry_id == entry.id]
    assert len(reasons) == 1, [r.entry_name for r in result.parties[0].listings]
    return reasons[0]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("on", "status", "expected"),
    [
        (date(2025, 3, 20), MatchStatus.NOT_IN_FORCE, Outcome.NO_LIST_RESTRICTION),
        (date(2025, 3, 25), MatchStatus.CONFIRMED, Outcome.LICENSE_REQUIRED),
        (date(2025, 4, 1), MatchStatus.CONFIRMED, Outcome.LICENSE_REQUIRED),
    ],
)
def test_inspur_taiwan_is_hit_from_the_effective_date_of_90_fr_14048(
    real: RealLists, on: date, status: MatchStatus, expected: Outcome
) -> None:
    inspur = real.entry(ListCode.EL, "Inspur Taiwan")
    tx = load_transaction(FIXTURES / "transaction_inspur_taiwan.yaml").model_copy(
        update={"date": on}
    )
    # Dated by 90 FR 14048's document (effective 2025-03-25), as update caches it from the API.
    result = determine(
        tx, real.screener, confirmed=confirm(("Inspur Taiwan", inspur)), dating=FR_DATING
    )
    consignee, forwarder = result.parties
    reason = only_reason(result, inspur)
    assert (reason.status, consignee.outcome) == (status, expected)
    assert result.outcome is expected
    assert forwarder.outcome is Outcome.NO_LIST_RESTRICTION
    assert FORWARDER_NOTE in forwarder.notes
    # As printed in the eCFR-derived file: "90 FR 14048, 3/28/25", footnote 4, all items.
    assert reason.citations == ("90 FR 14048, 2025-03-28",)
    assert reason.effective_date == date(2025, 3, 25)
    assert [f.number for f in reason.footnotes] == [4]
    assert [(c.eccn, c.covered) for c in reason.consequence.items] == [
        ("EAR99", True),
        ("5A992.c", True),
    ]
    if status is MatchStatus.NOT_IN_FORCE:
        assert reason.note == "not in force on 2025-03-20: effective 2025-03-25"


@pytest.mark.shared
def test_an_unconfirmed_inspur_taiwan_hit_holds_and_says_what_confirming_means(
    real: RealLists,
) -> None:
    inspur = real.entry(ListCode.EL, "Inspur Taiwan")
    result = determine(
        real_transaction("Inspur Taiwan", date(2025, 4, 1), country="TW"), real.screener
    )
    reason = only_reason(result, inspur)
    assert (reason.status, reason.outcome, reason.if_confirmed) == (
        MatchStatus.POTENTIAL,
        Outcome.HOLD,
        Outcome.LICENSE_REQUIRED,
    )
    assert result.outcome is Outcome.HOLD


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "Nettrix Information Industry Co., Ltd.",
        "Ningchang Information Industry (Beijing) Co., Ltd.",
    ],
)
def test_nettrix_needs_a_licence_for_ear99_items(real: RealLists, name: str) -> None:
    nettrix = real.entry(ListCode.EL, "Nettrix Information Industry Co., Ltd.")
    tx = real_transaction(name, date(2025, 6, 2), "EAR99", country="CN")
    result = determine(tx, real.screener, confirmed=confirm((name, nettrix)))
    reason = only_reason(result, nettrix)
    assert reason.outcome is Outcome.LICENSE_REQUIRED
    assert reason.consequence.requirement.startswith("For all items subject to the EAR.")
    assert reason.consequence.items[0].covered is True
    # The eCFR-derived file has no License Review Policy column.
    assert reason.consequence.review_policy is ReviewPolicy.NONE


@pytest.mark.shared
@pytest.mark.parametrize(
    ("on", "expected", "note"),
    [
        (date(2020, 10, 29), Outcome.NO_LIST_RESTRICTION, "effective 2020-10-30"),
        (date(2025, 6, 1), Outcome.PROHIBITED, ""),
        (date(2026, 3, 13), Outcome.PROHIBITED, ""),
        (date(2026, 3, 14), Outcome.NO_LIST_RESTRICTION, "ended 2026-03-13"),
    ],
)
def test_a_denied_person_is_prohibited_while_the_order_runs(
    real: RealLists, on: date, expected: Outcome, note: str
) -> None:
    # dpl_2023-11-30.txt: "ABDUL MAJID SAIDI" effective 10/30/2020, expires 03/13/2026.
    saidi = real.entry(ListCode.DPL, "ABDUL MAJID SAIDI")
    tx = real_transaction("Abdul Majid Saidi", on, "3A001")
    # The analyst confirmed the Denied Persons entry and cleared any namesake the screener also
    # proposed, so that the outcome is the DPL listing's alone.
    decisions = {
        ("Abdul Majid Saidi", hit.entry.id): Disposition.FALSE_POSITIVE
        for hit in real.screener.screen("Abdul Majid Saidi")
        if hit.entry.id != saidi.id
    }
    decisions.update(confirm(("Abdul Majid Saidi", saidi)))
    result = determine(tx, real.screener, confirmed=decisions)
    reason = only_reason(result, saidi)
    assert (reason.outcome, result.outcome) == (expected, expected)
    assert note in reason.note


@pytest.mark.shared
def test_an_unverified_list_party_holds_for_a_uvl_statement(real: RealLists) -> None:
    uvl = real.entry(ListCode.UVL, "AECC South Industry Co. Ltd")
    tx = real_transaction("AECC South Industry Co., Ltd.", date(2022, 6, 1), country="CN")
    result = determine(tx, real.screener, confirmed=confirm(("AECC South Industry Co., Ltd.", uvl)))
    reason = only_reason(result, uvl)
    assert (reason.status, reason.outcome) == (MatchStatus.CONFIRMED, Outcome.HOLD)
    assert any("UVL statement" in n for n in reason.consequence.notes)


@pytest.mark.shared
def test_an_sdn_party_is_prohibited_and_its_sdgt_tag_needs_an_ear_licence(
    real: RealLists,
) -> None:
    # sdn.csv (2021-07), ent_num 4642: "BANK SADERAT PLC", programs IRAN, SDGT, IFSR.
    saderat = real.entry(ListCode.SDN, "BANK SADERAT PLC")
    assert saderat.id == "SDN-4642"
    tx = real_transaction("Bank Saderat PLC", date(2021, 8, 1))
    result = determine(tx, real.screener, confirmed=confirm(("Bank Saderat PLC", saderat)))
    reason = only_reason(result, saderat)
    assert reason.outcome is Outcome.PROHIBITED
    assert any("[SDGT] 15 CFR 744.12." in n for n in reason.consequence.notes)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("on", "kind", "expected"),
    [
        (date(2025, 7, 15), GroundKind.RULE_NOT_IN_FORCE, Outcome.HOLD),
        (date(2025, 10, 15), GroundKind.RESTRICTED, Outcome.LICENSE_REQUIRED),
        (date(2026, 1, 15), GroundKind.RULE_NOT_IN_FORCE, Outcome.HOLD),
        (date(2026, 11, 10), GroundKind.RESTRICTED, Outcome.LICENSE_REQUIRED),
    ],
)
def test_a_60_percent_subsidiary_of_inspur_group(
    real: RealLists, on: date, kind: GroundKind, expected: Outcome
) -> None:
    graph = OwnershipGraph.from_csv(FIXTURES / "ownership_real_parents.csv")
    inspur = real.entry(ListCode.EL, "Inspur Group Co., Ltd.")
    tx = real_transaction("Jinan Lakeside Server Assembly Co. Ltd", on, "EAR99", country="CN")
    result = determine(
        tx,
        real.screener,
        ownership=graph,
        confirmed=confirm(("Inspur Group Co. Ltd", inspur)),
    )
    (party,) = result.parties
    assert [r.outcome for r in party.listings if r.outcome] == []  # not listed itself
    bis = [r for r in party.ownership if r.regime is Regime.BIS_AFFILIATES]
    assert [(r.kind, r.outcome) for r in bis] == [(kind, expected)]
    assert "ownership by Inspur Group Co. Ltd (60%, as of 2025-06-30)" in bis[0].text
    assert [r.entry_id for r in bis[0].inherited] == [inspur.id]
    assert result.outcome is expected


@pytest.mark.shared
def test_an_unconfirmed_owner_match_is_a_red_flag(real: RealLists) -> None:
    graph = OwnershipGraph.from_csv(FIXTURES / "ownership_real_parents.csv")
    tx = real_transaction("Jinan Lakeside Server Assembly Co. Ltd", date(2026, 12, 1))
    result = determine(tx, real.screener, ownership=graph)
    assert result.outcome is Outcome.HOLD
    assert {r.kind for r in result.parties[0].ownership} == {GroundKind.RED_FLAG}


@pytest.mark.shared
def test_a_60_percent_subsidiary_of_an_sdn_is_blocked(real: RealLists) -> None:
    graph = OwnershipGraph.from_csv(FIXTURES / "ownership_real_parents.csv")
    saderat = real.entry(ListCode.SDN, "BANK SADERAT PLC")
    tx = real_transaction("Meridian Trade Finance Ltd", date(2021, 8, 1), country="GB")
    result = determine(
        tx, real.screener, ownership=graph, confirmed=confirm(("Bank Saderat PLC", saderat))
    )
    (ofac,) = [r for r in result.parties[0].ownership if r.regime is Regime.OFAC_50_PERCENT]
    assert (ofac.kind, ofac.outcome) == (GroundKind.RESTRICTED, Outcome.PROHIBITED)
    assert "by Bank Saderat PLC (60%, as of 2021-03-31)" in ofac.text
    assert result.outcome is Outcome.PROHIBITED


# --- the findings on the real lists -------------------------------------------------


def unlisted_consignee(destination: str, address: str = "") -> Transaction:
    return Transaction.model_validate(
        {
            "date": date(2026, 12, 4),
            "destination_country": destination,
            "items": [{"eccn": "EAR99", "description": "office chairs"}],
            "parties": [
                {
                    "role": "ultimate_consignee",
                    "name": "Blue Meadow Furniture Trading",
                    "country": destination,
                    "address": address,
                }
            ],
        }
    )


@pytest.mark.shared
@pytest.mark.parametrize(
    ("destination", "address", "expected", "citation"),
    [
        ("IR", "", Outcome.PROHIBITED, "31 CFR 560.204; 15 CFR 746.7(e)"),
        ("CU", "", Outcome.LICENSE_REQUIRED, "15 CFR 746.2(a)"),
        ("KP", "", Outcome.LICENSE_REQUIRED, "15 CFR 746.4(a)"),
        ("SY", "", Outcome.HOLD,
         "15 CFR 746.9(a) as amended by 90 FR 42315; License Exception SPP"),
        ("UA", "vul. Kyivska 14, Simferopol, Crimea", Outcome.LICENSE_REQUIRED,
         "15 CFR 746.6(a)(1)(i)"),
    ],
)  # fmt: skip
def test_ear99_to_an_embargoed_destination_with_an_unlisted_consignee_is_not_clear(
    real: RealLists, destination: str, address: str, expected: Outcome, citation: str
) -> None:
    result = determine(unlisted_consignee(destination, address), real.screener)
    assert [r for r in result.parties[0].listings if r.outcome] == []  # nobody is listed
    assert result.outcome is expected
    assert citation in [g.citation for g in result.grounds]


@pytest.mark.shared
def test_rosneft_trade_is_undecided_until_the_746_8_a_4_end_use_is_answered(
    real: RealLists,
) -> None:
    # 80 FR 52968: "For all items subject to the EAR when used in projects specified in
    # § 746.8(a)(4) of the EAR" (Cyprus).
    rosneft = real.entry(ListCode.EL, "Rosneft Trade Limited")
    tx = real_transaction("Rosneft Trade Limited", date(2026, 12, 4), country="CY")
    confirmed = confirm(("Rosneft Trade Limited", rosneft))
    asked = tx.model_copy(
        update={"answers": {k: v for k, v in NO_END_USE.items() if k != "russia_oil_gas_project"}}
    )
    undecided = only_reason(determine(asked, real.screener, confirmed=confirmed), rosneft)
    assert undecided.outcome is Outcome.HOLD
    assert "746.8(a)(4)" in undecided.consequence.items[0].why
    answered = {**NO_END_USE, "russia_oil_gas_project": True}
    yes = determine(tx.model_copy(update={"answers": answered}), real.screener, confirmed=confirmed)
    assert only_reason(yes, rosneft).outcome is Outcome.LICENSE_REQUIRED
    no = only_reason(determine(tx, real.screener, confirmed=confirmed), rosneft)
    assert no.outcome is Outcome.NO_LIST_RESTRICTION


@pytest.mark.shared
def test_an_ear99_item_under_a_supplement_7_address_entry_is_undecided(raw_dir: Path) -> None:
    from exportscreen.decisions.consequence import consequence
    from exportscreen.decisions.transaction import PartyRole
    from exportscreen.sources import parse

    entries = parse(raw_dir / "nsfreg_ecfr_derived" / "bis_entity_list.json.gz").entries
    (address_09,) = [e for e in entries if e.name == "Address 09"]
    assert "EAR99 items listed in supplement no. 7" in address_09.licence.raw
    tx = unlisted_consignee("HK")
    effect = consequence(address_09, PartyRole.ULTIMATE_CONSIGNEE, tx)
    assert effect.outcome is Outcome.HOLD
    assert effect.items[0].covered is None and effect.items[0].question


@pytest.mark.shared
def test_a_60_percent_subsidiary_of_a_real_ssi_bank_is_held_with_the_ssi_ground(
    raw_dir: Path, tmp_path: Path
) -> None:
    from exportscreen.screening.screener import Screener
    from exportscreen.sources import parse

    csl = parse(raw_dir / "watchman" / "csl" / "consolidated_2022-05.csv.gz").entries
    ssi = [e for e in csl if e.list is ListCode.SSI]
    (bank,) = [e for e in ssi if e.name == "EXIMBANK OF RUSSIA JSC"]
    graph_file = tmp_path / "owners.csv"
    graph_file.write_text(
        "owner,owned,percent,as_of,source\n"
        "Eximbank of Russia JSC,Exim Trade Finance Services LLP,60,2022-01-10,annual report\n",
        encoding="utf-8",
    )
    tx = real_transaction("Exim Trade Finance Services LLP", date(2022, 5, 1), country="KZ")
    result = determine(
        tx,
        Screener.from_entries(ssi),
        ownership=OwnershipGraph.from_csv(graph_file),
        confirmed=confirm(("Eximbank of Russia JSC", bank)),
    )
    (party,) = result.parties
    (ground,) = party.ownership
    assert (ground.regime, ground.kind, ground.outcome) == (
        Regime.OFAC_SSI_50_PERCENT,
        GroundKind.RESTRICTED,
        Outcome.HOLD,
    )
    assert "EXIMBANK OF RUSSIA JSC" in ground.text
    assert result.outcome is Outcome.HOLD
