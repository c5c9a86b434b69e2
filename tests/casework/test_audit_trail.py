"""The audit chain: records link up, and any edit, deletion or re-ordering is detected."""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from exportscreen.casework import audit_trail as audit
from exportscreen.decisions.determination import Determination, PartyDetermination
from exportscreen.decisions.transaction import Transaction
from exportscreen.model import ListCode, Outcome
from exportscreen.store import Store
from exportscreen.store.schema import audit_log


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = (
        f"sqlite:///{tmp_path / 'audit.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    with Store.open(url) as opened:
        yield opened


def _fill(store: Store, n: int = 5) -> None:
    for i in range(n):
        audit.append(store.engine, "alice", "screen", {"query": f"name {i}", "hits": [i, i + 1]})


def test_chain_verifies_and_links(store: Store) -> None:
    _fill(store)
    result = audit.verify(store.engine)
    assert result.ok and result.records == 5
    rows = audit.records(store.engine)
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        (
            lambda c: c.execute(
                audit_log.update().where(audit_log.c.seq == 3).values(actor="mallory")
            ),
            3,
        ),
        (
            lambda c: c.execute(
                audit_log.update()
                .where(audit_log.c.seq == 2)
                .values(payload={"query": "other", "hits": []})
            ),
            2,
        ),
        (lambda c: c.execute(audit_log.delete().where(audit_log.c.seq == 4)), 4),
        # A cut tail: the signed head still says the chain reached record 5.
        (lambda c: c.execute(audit_log.delete().where(audit_log.c.seq == 5)), 5),
        (
            lambda c: c.execute(
                audit_log.update()
                .where(audit_log.c.seq == 1)
                .values(created_at=datetime(2020, 1, 1, tzinfo=UTC))
            ),
            1,
        ),
    ],
    ids=["edited-actor", "edited-payload", "deleted-middle", "deleted-last", "backdated"],
)
def test_tampering_is_detected(store: Store, tamper: object, first_bad: int) -> None:
    _fill(store)
    with store.engine.begin() as conn:
        tamper(conn)  # type: ignore[operator]
    result = audit.verify(store.engine)
    assert not result.ok
    assert result.first_bad_seq == first_bad


def test_record_rolls_back_with_the_change(store: Store) -> None:
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        audit.record(conn, "bob", "decide", {"alert": 1})
        raise RuntimeError("the audited change failed")
    assert audit.records(store.engine) == []


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_export_for_an_auditor(store: Store, tmp_path: Path, suffix: str) -> None:
    _fill(store, 3)
    today = datetime.now(UTC).date()
    out = tmp_path / f"audit{suffix}"
    assert audit.export(store.engine, out, today, today) == 3
    if suffix == ".json":
        rows = json.loads(out.read_text(encoding="utf-8"))
        assert rows[2]["payload"] == {"query": "name 2", "hits": [2, 3]}
    else:
        with out.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert json.loads(rows[2]["payload"]) == {"query": "name 2", "hits": [2, 3]}
    assert rows[0]["keep_until"] == today.replace(year=today.year + 5).isoformat()
    assert (
        audit.export(
            store.engine,
            tmp_path / "none.json",
            datetime(2001, 1, 1).date(),
            datetime(2001, 1, 2).date(),
        )
        == 0
    )


def test_concurrent_writers_do_not_fork_the_chain(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def write(i: int) -> None:
        audit.append(store.engine, f"user{i}", "screen", {"i": i})

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(40)))
    result = audit.verify(store.engine)
    assert result.ok and result.records == 40
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar() == 40


def test_a_determination_records_each_party_even_when_two_share_a_name() -> None:
    """The record lists parties in the transaction's order with their roles: keyed by name, a
    purchaser and an end user of the same name would collapse into one outcome."""
    tx = Transaction.model_validate(
        {
            "date": "2026-12-04",
            "destination_country": "CN",
            "items": [{"eccn": "EAR99"}],
            "parties": [
                {"role": "purchaser", "name": "Acme Trading"},
                {"role": "end_user", "name": "Acme Trading"},
            ],
        }
    )
    purchaser, end_user = tx.parties
    result = Determination(
        transaction=tx,
        outcome=Outcome.HOLD,
        parties=(
            PartyDetermination(purchaser, Outcome.NO_LIST_RESTRICTION, (), (), ()),
            PartyDetermination(end_user, Outcome.HOLD, (), (), ()),
        ),
        threshold=0.77,
    )
    event = audit.determination_event(
        audit.Caller("alice", audit.Interface.PYTHON),
        tx,
        result,
        algorithm="exportscreen",
        list_versions={ListCode.EL: 3},
    )
    assert event.payload["outcome"] == "HOLD"
    assert event.payload["parties"] == [
        {"role": "purchaser", "name": "Acme Trading", "outcome": "NO_LIST_RESTRICTION"},
        {"role": "end_user", "name": "Acme Trading", "outcome": "HOLD"},
    ]
