"""Four-eyes: a clearance (false positive) at or above the four-eyes score, or on a list whose
match prohibits the transaction, takes effect only once a second analyst approves it; every
decision can be reversed by a new one, and a reversed clearance stops suppressing.

Which lists prohibit is lists.yaml's ``meaning.action: prohibited`` (SDN: blocked property,
31 CFR 501.603 / 15 CFR 744.8; DPL: 15 CFR 764.3(a)(2); FSE, PLC)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.four_eyes import FourEyes
from exportscreen.casework.register import Counterparty, Register
from exportscreen.decisions.bound import DecisionBook
from exportscreen.decisions.transaction import Party, PartyRole
from exportscreen.model import (
    Disposition,
    Entry,
    EntryType,
    Explanation,
    Hit,
    ListCode,
    MatchKind,
    TokenMatch,
)
from exportscreen.sources.common import ParsedSource
from exportscreen.store import Store
from exportscreen.store.alerts import QueueQuery


def entry_on(code: ListCode) -> Entry:
    return Entry(
        id=f"{code.value}-harbour",
        list=code,
        type=EntryType.ENTITY,
        name="Harbour Gate Shipping Ltd",
        countries=("AE",),
    )


@dataclass
class FixedScreener:
    """Every counterparty hits the one entry at the score given (the register's rules are under
    test here, not the matching)."""

    entry: Entry
    score: float
    algorithm: str = "test-fixed"

    def screen(
        self,
        name: str,
        country: str | None = None,
        type: str | None = None,
        limit: int = 10,
        threshold: float | None = None,
    ) -> list[Hit]:
        token = TokenMatch(name, self.entry.name, MatchKind.FUZZY, self.score, 1.0)
        explanation = Explanation(tokens=(token,), summary="test match")
        return [Hit(self.entry, self.score, self.entry.name, explanation)]


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'four-eyes.db'}") as opened:
        yield opened


@pytest.fixture()
def pg_store(pg_url: str) -> Iterator[Store]:
    with Store.open(pg_url) as opened:
        yield opened


def raise_alert(
    store: Store, code: ListCode, score: float, **settings: float
) -> tuple[Register, int]:
    entry = entry_on(code)
    store.import_source(
        ParsedSource(
            format="test",
            paths=(Path("fixture.json"),),
            sha256=hashlib.sha256(entry.content_hash().encode()).hexdigest(),
            as_of=date(2026, 1, 5),
            entries=[entry],
        )
    )
    register = Register(store, actor="setup", threshold=0.5, **settings)
    register.add(Counterparty("C-1", "Harbour Gate Shipping LLC", "AE"))
    (alert_id,) = register.screen(FixedScreener(entry, score)).raised
    return register, alert_id


# (disposition, list, score, four-eyes score, needs a second analyst, why)
CASES = [
    (Disposition.FALSE_POSITIVE, ListCode.EL, 1.00, 0.95, True, "score 1.00 is at or above 0.95"),
    (Disposition.FALSE_POSITIVE, ListCode.EL, 0.95, 0.95, True, "score 0.95 is at or above 0.95"),
    (Disposition.FALSE_POSITIVE, ListCode.EL, 0.94, 0.95, False, None),
    (Disposition.FALSE_POSITIVE, ListCode.EL, 0.92, 0.90, True, "at or above 0.90"),
    (Disposition.FALSE_POSITIVE, ListCode.SDN, 0.80, 0.95, True, "Specially Designated"),
    (Disposition.FALSE_POSITIVE, ListCode.DPL, 0.80, 0.95, True, "Denied Persons"),
    (Disposition.FALSE_POSITIVE, ListCode.FSE, 0.80, 0.95, True, "prohibits"),
    (Disposition.FALSE_POSITIVE, ListCode.UVL, 0.80, 0.95, False, None),  # hold, not prohibited
    (Disposition.FALSE_POSITIVE, ListCode.CMIC, 0.80, 0.95, False, None),  # investment ban
    (Disposition.FALSE_POSITIVE, ListCode.MEU, 0.80, 0.95, False, None),  # licence required
    (Disposition.TRUE_MATCH, ListCode.SDN, 1.00, 0.95, False, None),
    (Disposition.ESCALATED, ListCode.SDN, 1.00, 0.95, False, None),
    (Disposition.NEEDS_INFO, ListCode.DPL, 1.00, 0.95, False, None),
]


@pytest.mark.parametrize(("disposition", "code", "score", "limit", "pending", "why"), CASES)
def test_which_decisions_need_a_second_analyst(
    store: Store,
    disposition: Disposition,
    code: ListCode,
    score: float,
    limit: float,
    pending: bool,
    why: str | None,
) -> None:
    register, alert_id = raise_alert(store, code, score, four_eyes_score=limit)
    outcome = register.decide_with(alert_id, disposition, "reviewed", user="alice")
    assert (outcome.review_status == "pending_approval") is pending
    if why is None:
        assert outcome.four_eyes is None
    else:
        assert outcome.four_eyes is not None and why in outcome.four_eyes
    alert = register.alert(alert_id)
    assert alert is not None
    # A clearance waiting for approval changes nothing; others take effect at once.
    expected = "open" if pending or disposition is Disposition.NEEDS_INFO else "decided"
    assert alert.status == expected
    rescreen = register.screen(FixedScreener(entry_on(code), score))
    suppressed = disposition is Disposition.FALSE_POSITIVE and not pending
    assert rescreen.suppressed == int(suppressed)


def test_a_pending_clearance_is_approved_by_a_second_analyst_only(store: Store) -> None:
    register, alert_id = raise_alert(store, ListCode.SDN, 1.0)
    screener = FixedScreener(entry_on(ListCode.SDN), 1.0)
    decision_id = register.decide_with(
        alert_id, Disposition.FALSE_POSITIVE, "other company: Dubai bakery", user="alice"
    ).decision_id
    # Nothing clears yet: the alert is open, re-screening suppresses nothing, a determination
    # finds no decision for the party.
    assert register.screen(screener).suppressed == 0
    assert register.bound_decisions() == []
    (waiting,), total = register.queue(QueueQuery(view="pending_approval"))
    assert (waiting.id, total) == (alert_id, 1)
    with pytest.raises(FourEyes, match="second analyst"):
        register.approve(decision_id, "I checked my own work", user="alice")
    with pytest.raises(ValueError, match="awaits a second analyst"):
        register.decide(alert_id, Disposition.FALSE_POSITIVE, "again", user="carol")

    register.approve(decision_id, "agreed: the bakery's registry extract", user="bob")
    assert register.queue_counts()["pending_approval"] == 0
    alert = register.alert(alert_id)
    assert alert is not None and alert.status == "decided"
    assert register.screen(screener).suppressed == 1
    (bound,) = register.bound_decisions()
    assert bound.disposition is Disposition.FALSE_POSITIVE
    (made,) = register.history([alert_id])[alert_id]
    assert (made.decided_by, made.review_status, made.reviewed_by) == ("alice", "effective", "bob")
    with pytest.raises(ValueError, match="not awaiting approval"):
        register.reject(decision_id, "too late", user="carol")
    trail = [
        (r.actor, r.action) for r in audit.records(store.engine) if r.action.startswith("alert.")
    ]
    assert trail == [("alice", "alert.decide"), ("bob", "alert.approve")]
    assert audit.verify(store.engine).ok


def test_a_rejected_clearance_never_takes_effect(store: Store) -> None:
    register, alert_id = raise_alert(store, ListCode.DPL, 0.97)
    decision_id = register.decide(alert_id, Disposition.FALSE_POSITIVE, "namesake", user="alice")
    register.reject(decision_id, "same address as the denial order", user="bob")
    alert = register.alert(alert_id)
    assert alert is not None and alert.status == "open"
    assert register.screen(FixedScreener(entry_on(ListCode.DPL), 0.97)).suppressed == 0
    assert register.bound_decisions() == []
    # The alert can be decided again; the rejected proposal stays in the history.
    register.decide(alert_id, Disposition.TRUE_MATCH, "the denied person", user="bob")
    history = register.history([alert_id])[alert_id]
    assert [(d.disposition, d.review_status) for d in history] == [
        (Disposition.FALSE_POSITIVE, "rejected"),
        (Disposition.TRUE_MATCH, "effective"),
    ]
    assert audit.verify(store.engine).ok


def test_the_decider_may_withdraw_a_pending_clearance(store: Store) -> None:
    register, alert_id = raise_alert(store, ListCode.SDN, 0.9)
    decision_id = register.decide(alert_id, Disposition.FALSE_POSITIVE, "typo", user="alice")
    register.reject(decision_id, "withdrawn: wrong alert", user="alice")
    decision = register.decision(decision_id)
    assert decision is not None and decision.review_status == "rejected"


def test_a_reversed_clearance_stops_suppressing_and_binding(store: Store) -> None:
    register, alert_id = raise_alert(store, ListCode.EL, 0.85)  # no four-eyes: 0.85 on the EL
    screener = FixedScreener(entry_on(ListCode.EL), 0.85)
    register.decide(alert_id, Disposition.FALSE_POSITIVE, "different firm", user="alice")
    assert register.screen(screener).suppressed == 1
    # A later look finds it is the listed party: the new decision governs, history is kept.
    register.decide(alert_id, Disposition.TRUE_MATCH, "same director", user="bob")
    run = register.screen(screener)
    assert (run.suppressed, run.already_open, run.raised) == (0, 1, [])
    book = DecisionBook(register.bound_decisions(), now=datetime.now(UTC))
    party = Party(
        role=PartyRole.END_USER,
        name="Harbour Gate Shipping LLC",
        country="AE",
        counterparty_id="C-1",
    )
    disposition, _ = book.lookup(party, entry_on(ListCode.EL))
    assert disposition is Disposition.TRUE_MATCH
    # And back to needs_info: the alert is in the queue again, nothing suppresses.
    register.decide(alert_id, Disposition.NEEDS_INFO, "ask the customer", user="carol")
    alert = register.alert(alert_id)
    assert alert is not None and alert.status == "open"
    assert register.screen(screener).suppressed == 0
    assert [d.disposition for d in register.history([alert_id])[alert_id]] == [
        Disposition.FALSE_POSITIVE,
        Disposition.TRUE_MATCH,
        Disposition.NEEDS_INFO,
    ]
    assert audit.verify(store.engine).ok


def test_assignment_is_audited_and_filters_the_queue(store: Store) -> None:
    register, alert_id = raise_alert(store, ListCode.EL, 0.85)
    assert register.assign([alert_id], "bob", user="alice") == [alert_id]
    mine, total = register.queue(QueueQuery(assignee="bob"))
    assert ([a.id for a in mine], total) == ([alert_id], 1)
    assert register.queue(QueueQuery(assignee="-"))[1] == 0
    assert register.assignees() == ["bob"]
    with pytest.raises(LookupError):
        register.assign([999], "bob", user="alice")
    (record,) = [r for r in audit.records(store.engine) if r.action == "alert.assign"]
    assert (record.actor, record.payload) == ("alice", {"alerts": [alert_id], "assigned_to": "bob"})


def test_the_queue_and_four_eyes_on_postgresql(pg_store: Store) -> None:
    """The same queries on PostgreSQL: pending view and counts, approval, reversal."""
    register, alert_id = raise_alert(pg_store, ListCode.SDN, 1.0)
    screener = FixedScreener(entry_on(ListCode.SDN), 1.0)
    decision_id = register.decide(alert_id, Disposition.FALSE_POSITIVE, "namesake", user="alice")
    assert register.queue_counts()["pending_approval"] == 1
    assert register.queue(QueueQuery(view="pending_approval", list="SDN", min_score=0.9))[1] == 1
    register.approve(decision_id, "agreed", user="bob")
    assert register.screen(screener).suppressed == 1
    register.decide(alert_id, Disposition.TRUE_MATCH, "same vessel owner", user="carol")
    assert register.screen(screener).suppressed == 0
    assert audit.verify(pg_store.engine).ok
