"""The counterparty register: alerts are raised once per pair, decisions suppress false positives
until either side changes, and everything lands in the audit trail."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.register import Counterparty, Register, parse_disposition
from exportscreen.model import Address, Disposition, Entry, EntryType, ListCode
from exportscreen.screening.screener import Screener
from exportscreen.sources.common import ParsedSource, SourceError
from exportscreen.store import Store
from tests.casework.clearing import clear
from tests.conftest import FIXTURES

INSPUR_SOFTWARE = Entry(
    id="EL-inspursoft",
    list=ListCode.EL,
    type=EntryType.ENTITY,
    name="Inspur Software Co., Ltd.",
    aliases=("Shandong Langchao Cheeloosoft Co., Ltd",),
    addresses=(Address(street="No. 1036 Langchao Road", city="Jinan", country="CN"),),
    countries=("CN",),
)
NETTRIX = Entry(
    id="EL-nettrix",
    list=ListCode.EL,
    type=EntryType.ENTITY,
    name="Nettrix Information Industry (Beijing) Co., Ltd.",
    countries=("CN",),
)
OTHER = Entry(
    id="SDN-1", list=ListCode.SDN, type=EntryType.ENTITY, name="Bank Saderat PLC", countries=("GB",)
)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'review.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    with Store.open(url) as opened:
        yield opened


@pytest.fixture()
def register(store: Store) -> Register:
    reg = Register(store, actor="alice", threshold=0.8)
    reg.import_file(FIXTURES / "review" / "counterparties.csv")
    return reg


def screener(*entries: Entry) -> Screener:
    return Screener.from_entries(entries or (INSPUR_SOFTWARE, NETTRIX, OTHER))


def publish(store: Store, *entries: Entry, on: date) -> Screener:
    """Store the entries as a version of their lists and screen against them, as in production."""
    body = "".join(e.content_hash() for e in entries).encode()
    parsed = ParsedSource(
        format="test",
        paths=(Path("fixture.json"),),
        sha256=hashlib.sha256(body).hexdigest(),
        as_of=on,
        entries=list(entries),
    )
    store.import_source(parsed)
    return Screener.from_entries(store.entries())


def pairs(reg: Register, status: str | None = "open") -> set[tuple[str, str]]:
    return {(a.counterparty.external_id, a.entry_id) for a in reg.alerts(status)}


def test_import_is_all_or_nothing(store: Store) -> None:
    reg = Register(store, actor="alice")
    with pytest.raises(SourceError) as caught:
        reg.import_file(FIXTURES / "review" / "bad_counterparties.csv")
    assert caught.value.line == 3 and caught.value.field == "name"
    assert reg.counterparties() == []
    report = reg.import_file(FIXTURES / "review" / "bad_counterparties.csv", skip_bad_rows=True)
    assert report.added == 1
    assert [(p.line, p.field) for p in report.problems] == [(3, "name"), (4, "country")]
    assert [c.external_id for c in reg.counterparties()] == ["X1"]


def test_reimport_updates_changed_rows_only(register: Register) -> None:
    again = register.import_file(FIXTURES / "review" / "counterparties.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


def test_screening_raises_each_pair_once(register: Register) -> None:
    first = register.screen(screener())
    assert pairs(register) == {("C1", "EL-inspursoft"), ("C3", "EL-nettrix")}
    assert len(first.raised) == 2 and first.screened == 4
    second = register.screen(screener())
    assert second.raised == [] and second.already_open == 2
    assert len(register.alerts()) == 2


def test_false_positive_is_suppressed_until_the_entry_changes(register: Register) -> None:
    first = publish(register.store, INSPUR_SOFTWARE, NETTRIX, OTHER, on=date(2025, 1, 1))
    register.screen(first)
    alert = next(a for a in register.alerts() if a.entry_id == "EL-nettrix")
    clear(register, alert.id, "different company", user="bob")
    assert register.screen(first).suppressed == 1
    assert ("C3", "EL-nettrix") not in pairs(register)

    moved = replace(
        NETTRIX, addresses=(Address(street="5 New Street", city="Beijing", country="CN"),)
    )
    second = publish(register.store, INSPUR_SOFTWARE, moved, OTHER, on=date(2025, 4, 1))
    run = register.screen(second)
    assert len(run.raised) == 1
    realert = register.alert(run.raised[0])
    assert realert is not None and realert.entry_id == "EL-nettrix"
    changed = realert.explanation["changed_since_decision"]["entry"]
    assert [c["field"] for c in changed] == ["addresses"]


def test_false_positive_is_suppressed_until_the_counterparty_changes(register: Register) -> None:
    register.screen(screener())
    alert = next(a for a in register.alerts() if a.entry_id == "EL-inspursoft")
    clear(register, alert.id, "a namesake", user="bob")
    register.add(
        Counterparty("C1", "Inspur Software Co Ltd", "CN", "company", "9 Other Road, Jinan")
    )
    run = register.screen(screener())
    assert len(run.raised) == 1
    fresh = register.alert(run.raised[0])
    assert fresh is not None
    assert "counterparty" in fresh.explanation["changed_since_decision"]


def test_expired_suppression_alerts_again(register: Register) -> None:
    register.screen(screener())
    alert = next(a for a in register.alerts() if a.entry_id == "EL-inspursoft")
    past = datetime.now(UTC) - timedelta(days=1)
    clear(register, alert.id, "namesake", user="bob", expires_at=past)
    run = register.screen(screener())
    assert len(run.raised) == 1
    fresh = register.alert(run.raised[0])
    assert (
        fresh is not None
        and "expired" in fresh.explanation["changed_since_decision"]["suppression"]
    )


def test_true_match_is_not_raised_again(register: Register) -> None:
    register.screen(screener())
    alert = next(a for a in register.alerts() if a.entry_id == "EL-inspursoft")
    register.decide(alert.id, Disposition.TRUE_MATCH, "same registration number", user="bob")
    assert register.screen(screener()).raised == []
    (decision,) = [d for d in register.bound_decisions() if d.entry_id == "EL-inspursoft"]
    assert decision.disposition is Disposition.TRUE_MATCH
    # Bound to what was decided: the counterparty as the register holds it, the entry's state.
    assert (decision.name, decision.counterparty_unchanged) == ("Inspur Software Co Ltd", True)
    assert decision.entry_state_hash == INSPUR_SOFTWARE.content_hash()


def test_needs_info_keeps_the_alert_open(register: Register) -> None:
    register.screen(screener())
    alert = register.alerts()[0]
    register.decide(
        alert.id, Disposition.NEEDS_INFO, "asked the customer for its registration", user="bob"
    )
    assert alert.id in {a.id for a in register.alerts("open")}


def test_alerts_on_removed_entries_are_closed(register: Register) -> None:
    register.screen(screener())
    closed = register.close_removed({"EL-inspursoft", "SDN-1"})
    assert len(closed) == 1
    assert pairs(register) == {("C1", "EL-inspursoft")}
    (gone,) = register.alerts("closed")
    assert gone.entry_id == "EL-nettrix" and "removed" in (gone.closed_reason or "")


def test_decisions_need_a_reason_and_an_open_alert(register: Register) -> None:
    register.screen(screener())
    alert = register.alerts()[0]
    with pytest.raises(ValueError, match="reason"):
        register.decide(alert.id, Disposition.FALSE_POSITIVE, "  ", user="bob")
    with pytest.raises(LookupError):
        register.decide(9999, Disposition.FALSE_POSITIVE, "x", user="bob")


def test_everything_is_audited(register: Register) -> None:
    register.screen(screener())
    alert = register.alerts()[0]
    register.decide(alert.id, Disposition.ESCALATED, "needs the compliance officer", user="bob")
    records = audit.records(register.engine)
    assert [r.action for r in records] == ["register.import", "register.screen", "alert.decide"]
    assert records[1].payload["threshold"] == 0.8
    assert records[1].payload["algorithm"] == screener().algorithm
    assert records[2].actor == "bob" and records[2].payload["disposition"] == "escalated"
    assert audit.verify(register.engine).ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fp", Disposition.FALSE_POSITIVE),
        ("True match", Disposition.TRUE_MATCH),
        ("needs-info", Disposition.NEEDS_INFO),
        ("escalated", Disposition.ESCALATED),
    ],
)
def test_parse_disposition(text: str, expected: Disposition) -> None:
    assert parse_disposition(text) is expected


def test_parse_disposition_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="one of"):
        parse_disposition("maybe")


# Names with no letter or digit once analysed: nothing to screen them on.
NAMES_WITHOUT_LETTERS = ["%' --", "¤", "÷", "-- ;"]


@pytest.mark.parametrize("name", NAMES_WITHOUT_LETTERS)
def test_import_refuses_a_name_without_letters_or_digits(tmp_path: Path, name: str) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'r.db'}") as store:
        reg = Register(store, actor="alice")
        source = tmp_path / "parties.csv"
        source.write_text(f'id,name\nA1,Acme Widgets\nA2,"{name}"\n', encoding="utf-8")
        with pytest.raises(SourceError) as caught:
            reg.import_file(source)
        assert (caught.value.line, caught.value.field) == (3, "name")
        assert "no letters or digits" in str(caught.value)
        assert reg.counterparties() == []
        with pytest.raises(ValueError, match="no letters or digits"):
            reg.add(Counterparty("A2", name))


def _store_unchecked(store: Store, party: Counterparty) -> None:
    """A row as a release that did not check names at input could have stored it."""
    from exportscreen.store import counterparties as stored_parties

    with store.engine.begin() as conn:
        stored_parties.upsert(
            conn,
            external_id=party.external_id,
            name=party.name,
            country=party.country,
            type=party.type,
            address=party.address,
            state_hash=party.state_hash(),
        )


@pytest.mark.parametrize("name", NAMES_WITHOUT_LETTERS)
def test_a_stored_name_without_letters_is_reported_and_the_rest_screened(
    register: Register, store: Store, name: str
) -> None:
    _store_unchecked(store, Counterparty("BAD", name))
    run = register.screen(screener())
    # The others are screened and alert as before; the bad one is named, not cleared.
    assert pairs(register) == {("C1", "EL-inspursoft"), ("C3", "EL-nettrix")}
    assert run.screened == 4
    assert [(u.external_id, u.name) for u in run.unscreened] == [("BAD", name)]
    assert "no letters or digits" in run.unscreened[0].reason
    record = audit.records(register.engine)[-1]
    assert record.action == "register.screen"
    assert record.payload["unscreened"] == [
        {"external_id": "BAD", "name": name, "reason": run.unscreened[0].reason}
    ]


@pytest.mark.shared
def test_an_alert_on_a_party_still_listed_under_another_record_stays_open(
    raw_dir: Path, tmp_path: Path
) -> None:
    """The 2022 CSL lists Ann Teck Tong in two rows; the 2026 Entity List in one, under another
    record id (identity linking: merged). The old record is gone, the party is not: its alert
    must not be closed as "removed from its list"."""
    from exportscreen.ops import reviews
    from exportscreen.ops.loading import load_paths

    with Store.open(f"sqlite:///{tmp_path / 'merged.db'}") as store:
        load_paths(store, [raw_dir / "watchman/csl/consolidated_2022-05.csv.gz"])
        register = Register(store, actor="test")
        register.add(Counterparty("C-1", "Ann Teck Tong", "SG", "company"))
        register.screen(Screener.open(str(store.engine.url)))
        opened = {a.entry_id: a.id for a in register.alerts()}
        assert "EL-830afccddeb4" in opened
        load_paths(store, [raw_dir / "nsfreg_ecfr_derived"])
        # The new Entity List drops the record an alert is open on, so it is staged for review
        # (ops.reviews); an analyst accepts it, and only then is the old record gone.
        (staged,) = [v for v in reviews.pending(store) if v.list is ListCode.EL]
        reviews.accept(store, staged.id, actor="admin", reason="the party is merged, not gone")
        current = {e.id for e in store.entries()}
        assert "EL-830afccddeb4" not in current
        closed = register.close_removed(current)
        assert opened["EL-830afccddeb4"] not in closed
        assert opened["EL-830afccddeb4"] in {a.id for a in register.alerts()}
        (record,) = [r for r in audit.records(store.engine) if r.action == "alerts.close_removed"]
        assert str(opened["EL-830afccddeb4"]) in record.payload["left_open_party_still_listed"]
