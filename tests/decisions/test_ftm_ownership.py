"""Ownership relations from a FollowTheMoney stream feed the ownership rules: the stakes the
entries carry (``details["relations"]``, as ``sources.ftm_json`` writes them) make an
``OwnershipGraph``, and an SDN owner's 75% subsidiary is blocked under the OFAC 50 Percent Rule."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from exportscreen.decisions.determination import determine
from exportscreen.decisions.ownership import GroundKind, OwnershipGraph, Regime, Stake
from exportscreen.model import Disposition, Entry, EntryType, ListCode, Outcome
from tests.decisions.test_determination import TableScreener, make_entry, transaction


def owned_company(*relations: dict[str, str]) -> Entry:
    return Entry(
        id="ACME-company",
        list=ListCode.SDN,  # the list does not matter to the graph: the relations do
        type=EntryType.ENTITY,
        name="Examplenko Trading LLC",
        details={"relations": json.dumps(list(relations))},
    )


OWNED_BY_VIKTOR = {
    "kind": "Ownership",
    "role": "owned",
    "other_role": "owner",
    "other_id": "acme-person-1",
    "other_name": "Viktor Examplenko",
    "percentage": "75",
    "start_date": "2019",
}


def test_stakes_come_from_the_owned_partys_relations() -> None:
    director = {"kind": "Directorship", "role": "organization", "other_name": "A Director"}
    unknown_share = {**OWNED_BY_VIKTOR, "other_name": "Someone Else", "percentage": "most"}
    undated = {**OWNED_BY_VIKTOR, "other_name": "Third Owner", "start_date": ""}
    owner_side = Entry(
        id="ACME-person",
        list=ListCode.SDN,
        type=EntryType.INDIVIDUAL,
        name="Viktor Examplenko",
        details={"relations": json.dumps([{**OWNED_BY_VIKTOR, "role": "owner"}])},
    )
    graph = OwnershipGraph.from_relations(
        [owned_company(OWNED_BY_VIKTOR, director, unknown_share, undated), owner_side],
        as_of=date(2026, 2, 3),
    )
    assert graph.stakes == (
        Stake(
            "Viktor Examplenko",
            "Examplenko Trading LLC",
            Decimal(75),
            date(2019, 1, 1),
            "ACME-company (FtM Ownership)",
        ),
        Stake(
            "Someone Else",
            "Examplenko Trading LLC",
            None,
            date(2019, 1, 1),
            "ACME-company (FtM Ownership)",
        ),
        Stake(
            "Third Owner",
            "Examplenko Trading LLC",
            Decimal(75),
            date(2026, 2, 3),
            "ACME-company (FtM Ownership)",
        ),
    )


def test_an_sdn_owners_subsidiary_from_an_ftm_stream_is_blocked() -> None:
    graph = OwnershipGraph.from_relations([owned_company(OWNED_BY_VIKTOR)], date(2026, 2, 3))
    owner = make_entry(ListCode.SDN, "Viktor Examplenko", programs=("RUSSIA-EO14024",))
    screener = TableScreener()
    screener.add("Viktor Examplenko", owner, 0.97)
    result = determine(
        transaction("EAR99", on=date(2026, 3, 1), name="Examplenko Trading LLC"),
        screener,
        confirmed={("Viktor Examplenko", owner.id): Disposition.TRUE_MATCH},
        ownership=graph,
    )
    (party,) = result.parties
    (reason,) = [o for o in party.ownership if o.regime is Regime.OFAC_50_PERCENT]
    assert reason.kind is GroundKind.RESTRICTED
    assert result.outcome is Outcome.PROHIBITED
