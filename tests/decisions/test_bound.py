"""Analysts' decisions bound to what was decided: the counterparty (register id, or name, country
and address) and the entry version. A decision never crosses to another party; an expired one,
or one whose entry or counterparty changed since, clears nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from exportscreen.casework.register import Counterparty, Register
from exportscreen.decisions.country_controls import QUESTION_IDS
from exportscreen.decisions.determination import MatchStatus, determine
from exportscreen.decisions.transaction import Transaction
from exportscreen.model import Address, Disposition, Entry, EntryType, ListCode, Outcome
from exportscreen.screening.screener import Screener
from exportscreen.sources.common import ParsedSource
from exportscreen.store import Store
from tests.casework.clearing import clear

NO = dict.fromkeys(QUESTION_IDS, False)
HK_ADDRESS = "Flat 8, 12/F, Lucky Centre, 165 Wan Chai Road, Wan Chai, Hong Kong"
# As the 2026 Entity List prints it (89 FR 14388, 2/27/24), under the United Arab Emirates.
LUCKY_STAR_AE = Entry(
    id="EL-lucky-star-ae",
    list=ListCode.EL,
    type=EntryType.ENTITY,
    name="Lucky Star General Trading LLC",
    addresses=(
        Address(street="Airport Cargo Village, Agents Building 2013", city="Dubai", country="AE"),
    ),
    countries=("AE",),
)
SDN_PARTY = Entry(
    id="SDN-99001",
    list=ListCode.SDN,
    type=EntryType.ENTITY,
    name="Harbour Gate Shipping Ltd",
    countries=("AE",),
)


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'bound.db'}") as opened:
        yield opened


def publish(store: Store, *entries: Entry) -> Screener:
    body = "".join(e.content_hash() for e in entries).encode()
    store.import_source(
        ParsedSource(
            format="test",
            paths=(Path("fixture.json"),),
            sha256=hashlib.sha256(body).hexdigest(),
            as_of=date(2026, 12, 1),
            entries=list(entries),
        )
    )
    return Screener.from_entries(store.entries())


def decide(
    register: Register,
    screener: Screener,
    party: Counterparty,
    disposition: Disposition = Disposition.FALSE_POSITIVE,
    expires_at: datetime | None = None,
) -> int:
    """Register the party, screen it, and decide its one alert."""
    register.add(party)
    register.screen(screener, external_ids=[party.external_id])
    (alert,) = [a for a in register.alerts() if a.counterparty.external_id == party.external_id]
    if disposition is Disposition.FALSE_POSITIVE:  # approved by a second analyst if need be
        return clear(register, alert.id, "decided in a test", user="alice", expires_at=expires_at)
    return register.decide(
        alert.id, disposition, "decided in a test", user="alice", expires_at=expires_at
    )


def transaction(
    name: str, country: str, address: str = "", counterparty_id: str = ""
) -> Transaction:
    return Transaction.model_validate(
        {
            "date": "2026-12-04",
            "destination_country": country,
            "items": [{"eccn": "EAR99"}],
            "parties": [
                {
                    "role": "ultimate_consignee",
                    "name": name,
                    "country": country,
                    "address": address,
                    "counterparty_id": counterparty_id,
                }
            ],
            "answers": NO,
        }
    )


def test_a_false_positive_for_the_hong_kong_party_does_not_clear_the_uae_party(
    store: Store,
) -> None:
    screener = publish(store, LUCKY_STAR_AE)
    register = Register(store, actor="alice", threshold=0.77)
    hk = Counterparty("C-HK-1", "Lucky Star Trading Ltd", "HK", "company", HK_ADDRESS)
    decision_id = decide(register, screener, hk)
    decisions = register.bound_decisions()

    uae = determine(
        transaction("Lucky Star Trading Ltd", "AE"),
        screener,
        decisions=decisions,
        as_of=date(2026, 12, 4),
    )
    (reason,) = uae.parties[0].listings
    assert reason.status is MatchStatus.POTENTIAL
    assert uae.outcome is Outcome.HOLD
    assert uae.if_confirmed is Outcome.LICENSE_REQUIRED
    assert uae.decisions_applied == ()

    # The party it was made for: cleared, and the determination names the decision.
    own = determine(
        transaction("Lucky Star Trading Ltd", "HK", HK_ADDRESS),
        screener,
        decisions=decisions,
        as_of=date(2026, 12, 4),
    )
    (reason,) = own.parties[0].listings
    assert (reason.status, reason.decision_id) == (MatchStatus.FALSE_POSITIVE, decision_id)
    assert own.outcome is Outcome.NO_LIST_RESTRICTION
    assert [(d.decision_id, d.applied) for d in own.decisions_applied] == [(decision_id, True)]
    assert own.to_dict()["decisions_applied"][0]["decision_id"] == decision_id

    # The same name in Hong Kong at another address is another party.
    other = determine(
        transaction("Lucky Star Trading Ltd", "HK", "1 Queen's Road, Central"),
        screener,
        decisions=decisions,
    )
    assert other.parties[0].listings[0].status is MatchStatus.POTENTIAL
    # By register id, whatever the spelling in the transaction.
    by_id = determine(
        transaction("LUCKY STAR TRADING", "HK", counterparty_id="C-HK-1"),
        screener,
        decisions=decisions,
    )
    assert by_id.parties[0].listings[0].status is MatchStatus.FALSE_POSITIVE


def test_an_expired_decision_clears_nothing(store: Store) -> None:
    screener = publish(store, SDN_PARTY)
    register = Register(store, actor="alice", threshold=0.77)
    party = Counterparty("C-7", "Harbour Gate Shipping Ltd", "AE", "company", "Jebel Ali")
    expired = datetime(2026, 1, 1, tzinfo=UTC)
    decision_id = decide(register, screener, party, expires_at=expired)
    tx = transaction("Harbour Gate Shipping Ltd", "AE", "Jebel Ali")
    result = determine(tx, screener, decisions=register.bound_decisions(), as_of=date(2026, 12, 4))
    (reason,) = result.parties[0].listings
    assert reason.status is MatchStatus.POTENTIAL
    assert result.outcome is Outcome.HOLD
    assert result.if_confirmed is Outcome.PROHIBITED
    (record,) = result.decisions_applied
    assert (record.decision_id, record.applied) == (decision_id, False)
    assert record.why == "lapsed: expired on 2026-01-01"
    # Before its expiry the same decision applied.
    before = determine(tx, screener, decisions=register.bound_decisions(), as_of=date(2025, 12, 1))
    assert before.parties[0].listings[0].status is MatchStatus.FALSE_POSITIVE


def test_a_decision_lapses_when_the_entry_or_the_counterparty_changes(store: Store) -> None:
    screener = publish(store, SDN_PARTY)
    register = Register(store, actor="alice", threshold=0.77)
    party = Counterparty("C-8", "Harbour Gate Shipping Ltd", "AE", "company", "Jebel Ali")
    decide(register, screener, party)
    tx = transaction("Harbour Gate Shipping Ltd", "AE", "Jebel Ali")

    changed_entry = replace(SDN_PARTY, aliases=("Harbour Gate Marine",))
    republished = publish(store, changed_entry)
    result = determine(tx, republished, decisions=register.bound_decisions())
    assert result.parties[0].listings[0].status is MatchStatus.POTENTIAL
    assert result.decisions_applied[0].why == "lapsed: the list entry changed since the decision"

    register.add(replace(party, address="Jebel Ali Free Zone, Gate 5"))
    result = determine(tx, screener, decisions=register.bound_decisions())
    assert result.parties[0].listings[0].status is MatchStatus.POTENTIAL


def test_a_confirmed_true_match_applies_to_its_party_only(store: Store) -> None:
    screener = publish(store, SDN_PARTY)
    register = Register(store, actor="alice", threshold=0.77)
    party = Counterparty("C-9", "Harbour Gate Shipping Ltd", "AE", "company", "Jebel Ali")
    decide(register, screener, party, Disposition.TRUE_MATCH)
    decisions = register.bound_decisions()
    mine = determine(
        transaction("Harbour Gate Shipping Ltd", "AE", "Jebel Ali"), screener, decisions=decisions
    )
    assert mine.outcome is Outcome.PROHIBITED
    elsewhere = determine(
        transaction("Harbour Gate Shipping Ltd", "OM"), screener, decisions=decisions
    )
    assert elsewhere.outcome is Outcome.HOLD
    assert elsewhere.if_confirmed is Outcome.PROHIBITED


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        # A true match made for the register's counterparty makes its namesake owner confirmed
        # (it can only raise the outcome): the subsidiary is blocked.
        (Disposition.TRUE_MATCH, Outcome.PROHIBITED),
        # A false positive made for a counterparty never clears an owner known only by name.
        (Disposition.FALSE_POSITIVE, Outcome.HOLD),
    ],
)
def test_register_decisions_reach_owners_only_to_confirm_them(
    store: Store, disposition: Disposition, expected: Outcome
) -> None:
    from decimal import Decimal

    from exportscreen.decisions.ownership import OwnershipGraph, Stake

    screener = publish(store, SDN_PARTY)
    register = Register(store, actor="alice", threshold=0.77)
    owner = Counterparty("C-10", "Harbour Gate Shipping Ltd", "AE", "company", "Jebel Ali")
    decide(register, screener, owner, disposition)
    graph = OwnershipGraph(
        [Stake("Harbour Gate Shipping Ltd", "Front Co", Decimal(60), date(2026, 1, 1))]
    )
    result = determine(
        transaction("Front Co", "AE"),
        screener,
        decisions=register.bound_decisions(),
        ownership=graph,
    )
    assert result.outcome is expected


@pytest.mark.shared
def test_the_real_uae_entry_is_not_cleared_by_the_hong_kong_decision(
    store: Store, raw_dir: Path
) -> None:
    from exportscreen.sources import parse

    entries = parse(raw_dir / "nsfreg_ecfr_derived" / "bis_entity_list.json.gz").entries
    (uae,) = [e for e in entries if e.name == "Lucky Star General Trading LLC"]
    screener = publish(store, uae)
    register = Register(store, actor="alice", threshold=0.77)
    hk = Counterparty("C-HK-2", "Lucky Star Trading Ltd", "HK", "company", HK_ADDRESS)
    decide(register, screener, hk)
    result = determine(
        transaction("Lucky Star Trading Ltd", "AE"), screener, decisions=register.bound_decisions()
    )
    (reason,) = result.parties[0].listings
    assert (reason.entry_id, reason.status) == (uae.id, MatchStatus.POTENTIAL)
    assert (result.outcome, result.if_confirmed) == (Outcome.HOLD, Outcome.LICENSE_REQUIRED)
