"""Fault injection on the audit trail, on SQLite and PostgreSQL: a cut tail, a chain rewritten
with recomputed hashes, forged checkpoints, and decisions or suppressions edited in the
database. In each case ``audit verify`` fails and names the first bad or missing record; the
records themselves are untouched by the check (nothing lost, the fault reported)."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from exportscreen import settings
from exportscreen.casework import audit_trail as audit
from exportscreen.store import Store, audit_seal
from exportscreen.store.audit_log import digest
from exportscreen.store.schema import audit_checkpoints, audit_log, decisions, suppressions
from tests.ops.test_backup import populate

EVERY = 10  # a periodic checkpoint every 10 records, so that 30 records have three


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = (
        f"sqlite:///{tmp_path / 'audit.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    with Store.open(url) as opened:
        yield opened


@pytest.fixture()
def thirty(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setattr(settings, "AUDIT_CHECKPOINT_EVERY", EVERY)
    for n in range(30):
        audit.append(store.engine, "alice", "screening.screen", {"query": f"name {n}"})
    return store


def anchor_of(store: Store) -> Path:
    genesis = audit.records(store.engine)[0].hash
    name = audit_seal.anchor_name(store.engine.url, genesis)
    return settings.audit_anchor_dir() / f"{name}.json"


def count_records(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one())


def test_a_sealed_chain_verifies(thirty: Store) -> None:
    result = audit.verify(thirty.engine)
    assert result.ok, result.problem
    assert (result.records, result.sealed_through, result.notes) == (30, 30, ())
    kinds = [(c.kind, c.seq) for c in audit_seal.checkpoints(thirty.engine)]
    assert sorted(kinds) == [("head", 30), ("periodic", 10), ("periodic", 20), ("periodic", 30)]
    assert anchor_of(thirty).exists()


def cut_tail(conn: Connection) -> None:
    conn.execute(audit_log.delete().where(audit_log.c.seq >= 24))


def cut_tail_and_checkpoints(conn: Connection) -> None:
    """What someone with the database but not the key can do to hide a cut: drop every
    checkpoint past it (a new head cannot be signed without the key)."""
    cut_tail(conn)
    conn.execute(audit_checkpoints.delete().where(audit_checkpoints.c.seq >= 24))


def cut_tail_with_a_forged_head(conn: Connection) -> None:
    """The cut hidden behind a head signed with another key."""
    cut_tail(conn)
    conn.execute(audit_checkpoints.delete().where(audit_checkpoints.c.seq >= 24))
    head = conn.execute(
        sa.select(audit_log.c.hash, audit_log.c.created_at).where(audit_log.c.seq == 23)
    ).one()
    forged = audit_seal.mac(b"k" * 32, 23, head.hash, head.created_at)
    conn.execute(
        audit_checkpoints.insert().values(
            kind="head", seq=23, hash=head.hash, signed_at=head.created_at, mac=forged
        )
    )


def rewrite_from_record_5(conn: Connection) -> None:
    """Record 5 edited and every hash after it recomputed: a chain that links up again."""
    rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq)).all()
    prev = rows[3].hash
    for row in rows[4:]:
        payload = {"query": "someone else"} if row.seq == 5 else row.payload
        new = digest(row.seq, row.created_at, row.actor, row.action, payload, prev)
        conn.execute(
            audit_log.update()
            .where(audit_log.c.seq == row.seq)
            .values(payload=payload, prev_hash=prev, hash=new)
        )
        prev = new


@pytest.mark.parametrize(
    ("tamper", "drop_anchor", "first_bad", "message"),
    [
        (cut_tail, False, 24, r"records 24\.\.30 missing after checkpoint 20"),
        (cut_tail, True, 24, r"records 24\.\.30 missing after checkpoint 20"),
        # The rows are gone with the records: the anchor outside the database still says 30.
        (cut_tail_and_checkpoints, False, 24, r"records 24\.\.30 missing after checkpoint 20"),
        (cut_tail_with_a_forged_head, True, 23, r"does not verify with this key"),
        (
            rewrite_from_record_5,
            False,
            10,
            r"the chain was rewritten between the first record "
            r"and record 10",
        ),
    ],
    ids=["cut", "cut-no-anchor", "cut-and-checkpoints", "forged-head", "recomputed-chain"],
)
def test_a_cut_or_rewritten_chain_is_named(
    thirty: Store,
    tamper: Callable[[Connection], None],
    drop_anchor: bool,
    first_bad: int,
    message: str,
) -> None:
    if drop_anchor:  # verified on another machine than the one that wrote
        anchor_of(thirty).unlink()
    with thirty.engine.begin() as conn:
        tamper(conn)
    before = count_records(thirty)
    result = audit.verify(thirty.engine)
    assert not result.ok
    assert result.first_bad_seq == first_bad
    assert re.search(message, result.problem), result.problem
    assert count_records(thirty) == before  # verify reads, never repairs


def test_an_old_store_verifies_as_before_and_says_what_is_not_protected(
    thirty: Store, tmp_path: Path
) -> None:
    # What a store written before the seal looks like: records, no checkpoint, no anchor.
    with thirty.engine.begin() as conn:
        conn.execute(audit_checkpoints.delete())
    anchor_of(thirty).unlink()
    result = audit.verify(thirty.engine)
    assert result.ok and result.records == 30
    assert result.sealed_through is None
    assert any("before the trail was sealed" in note for note in result.notes)

    # Its next write seals every record before it (the head's hash covers the whole chain).
    audit.append(thirty.engine, "alice", "screening.screen", {"query": "after the upgrade"})
    result = audit.verify(thirty.engine)
    assert (result.ok, result.sealed_through, result.notes) == (True, 31, ())


def test_without_the_key_checkpoints_are_not_checked_and_it_says_so(
    thirty: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EXPORTSCREEN_AUDIT_KEY_FILE", str(tmp_path / "absent" / "audit.key"))
    result = audit.verify(thirty.engine)
    assert result.ok and result.sealed_through is None
    assert any("no audit key on this machine" in note for note in result.notes)
    assert not (tmp_path / "absent").exists()  # a reader never makes a key


def test_the_key_is_made_on_first_use_readable_by_its_owner_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "config" / "audit.key"
    monkeypatch.setenv("EXPORTSCREEN_AUDIT_KEY_FILE", str(path))
    assert audit_seal.load_key(create=False) is None
    key = audit_seal.load_key(create=True)
    assert key is not None and len(key) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert bytes.fromhex(path.read_text()) == key
    # The environment's key wins over the file.
    monkeypatch.setenv("EXPORTSCREEN_AUDIT_KEY", "ab" * 32)
    assert audit_seal.load_key(create=False) == bytes.fromhex("ab" * 32)
    monkeypatch.setenv("EXPORTSCREEN_AUDIT_KEY", "too short")
    with pytest.raises(audit_seal.AuditKeyError, match="EXPORTSCREEN_AUDIT_KEY"):
        audit_seal.load_key(create=False)


# --- decisions and suppressions are covered by the chain -------------------------------------


@pytest.fixture()
def decided(store: Store) -> Store:
    populate(store)  # a true match, a false positive with its suppression
    assert audit.verify(store.engine).ok
    return store


def _first(conn: Connection, disposition: str) -> Any:
    return conn.execute(sa.select(decisions).where(decisions.c.disposition == disposition)).one()


def flip_true_match(conn: Connection) -> None:
    row = _first(conn, "true_match")
    conn.execute(
        decisions.update().where(decisions.c.id == row.id).values(disposition="false_positive")
    )


def reword(conn: Connection) -> None:
    row = _first(conn, "false_positive")
    conn.execute(decisions.update().where(decisions.c.id == row.id).values(reason="obviously"))


def unlink(conn: Connection) -> None:
    row = _first(conn, "true_match")
    conn.execute(decisions.update().where(decisions.c.id == row.id).values(audit_seq=None))


def delete_decision(conn: Connection) -> None:
    row = _first(conn, "false_positive")
    conn.execute(suppressions.delete().where(suppressions.c.decision_id == row.id))
    conn.execute(decisions.delete().where(decisions.c.id == row.id))


def suppress_the_true_match(conn: Connection) -> None:
    """A suppression slipped in for the true match (it would hide the party's next alerts)."""
    fp = conn.execute(sa.select(suppressions)).one()
    match = _first(conn, "true_match")
    alert = conn.execute(
        sa.text("SELECT counterparty_id, entry_id FROM alerts WHERE id = :id"),
        {"id": match.alert_id},
    ).one()
    conn.execute(
        suppressions.insert().values(
            counterparty_id=alert.counterparty_id,
            entry_id=alert.entry_id,
            entry_state_hash=fp.entry_state_hash,
            counterparty_hash=fp.counterparty_hash,
            expires_at=datetime(2099, 1, 1, tzinfo=UTC),
            decision_id=fp.decision_id,
        )
    )


def extend_suppression(conn: Connection) -> None:
    conn.execute(suppressions.update().values(expires_at=datetime(2099, 1, 1, tzinfo=UTC)))


def delete_suppression(conn: Connection) -> None:
    conn.execute(suppressions.delete())


def approve_by_the_decider(conn: Connection) -> None:
    """The clearance's approval rewritten as the decider's own (four-eyes bypassed)."""
    row = _first(conn, "false_positive")
    conn.execute(
        decisions.update().where(decisions.c.id == row.id).values(reviewed_by=row.decided_by)
    )


def approval_unlinked(conn: Connection) -> None:
    """A clearance made effective with no approval record behind it."""
    row = _first(conn, "false_positive")
    conn.execute(decisions.update().where(decisions.c.id == row.id).values(review_audit_seq=None))


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            flip_true_match,
            r"decision \d+ was changed after it was made: its disposition is "
            r"'false_positive', its audit record \d+ says 'true_match'",
        ),
        (reword, r"its reason is 'obviously'"),
        (unlink, r"decision \d+, made by audit record \d+, is .* no longer linked to its record"),
        (delete_decision, r"decision \d+, made by audit record \d+, is missing"),
        (suppress_the_true_match, r"suppression \d+ is not the one decision \d+ made"),
        (extend_suppression, r"suppression \d+ is not the one decision \d+ made"),
        (delete_suppression, r"the suppression decision \d+ made .* was deleted"),
        (approve_by_the_decider, r"its reviewed_by is 'bob', its audit record \d+ says 'second"),
        (
            approval_unlinked,
            r"its review_status is 'effective', its audit record \d+ says 'pending_approval'",
        ),
    ],
    ids=[
        "flipped",
        "reworded",
        "unlinked",
        "deleted",
        "forged-suppression",
        "extended-suppression",
        "deleted-suppression",
        "self-approved",
        "approval-unlinked",
    ],
)
def test_edited_decisions_fail_verify(
    decided: Store, tamper: Callable[[Connection], None], message: str
) -> None:
    with decided.engine.begin() as conn:
        tamper(conn)
    result = audit.verify(decided.engine)
    assert not result.ok
    assert re.search(message, result.problem), result.problem
    decide_seqs = {
        r.seq
        for r in audit.records(decided.engine)
        if r.action in ("alert.decide", "alert.approve")
    }
    if result.first_bad_seq is not None:
        assert result.first_bad_seq in decide_seqs


def test_an_unwritable_key_place_fails_the_write_clearly(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the key's folder should be")
    monkeypatch.setenv("EXPORTSCREEN_AUDIT_KEY_FILE", str(blocked / "audit.key"))
    with pytest.raises(audit_seal.AuditKeyError, match=r"cannot (read|create) the audit key"):
        audit.append(store.engine, "alice", "screening.screen", {"query": "x"})
    assert audit.records(store.engine) == []  # nothing written unsealed


def test_a_rolled_back_write_signs_nothing(store: Store) -> None:
    audit.append(store.engine, "alice", "screening.screen", {"query": "one"})
    with pytest.raises(RuntimeError), audit.writing(store.engine) as conn:
        audit.record(conn, "alice", "screening.screen", {"query": "rolled back"})
        raise RuntimeError("the audited change failed")
    result = audit.verify(store.engine)
    assert (result.ok, result.records, result.sealed_through) == (True, 1, 1)
    audit.append(store.engine, "alice", "screening.screen", {"query": "two"})
    result = audit.verify(store.engine)
    assert (result.ok, result.records, result.sealed_through) == (True, 2, 2)


# --- a store written before the seal ---------------------------------------------------------


def test_a_store_from_before_the_seal_upgrades_and_still_verifies(
    store: Store, tmp_path: Path
) -> None:
    """Records and a decision written as exportscreen did before revision 0004 (no checkpoint,
    no link from the decision to its record): it verifies, saying what is not protected; the
    first write after the upgrade seals the whole chain."""
    from exportscreen.casework.register import Register
    from exportscreen.model import Disposition
    from exportscreen.store.engine import create_engine
    from exportscreen.store.migrate import upgrade

    url = (
        f"sqlite:///{tmp_path / 'old.db'}"
        if store.engine.dialect.name == "sqlite"
        else store.engine.url.render_as_string(hide_password=False)
    )
    store.engine.dispose()
    if store.engine.dialect.name == "postgresql":  # start again from an empty database
        with store.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine = create_engine(url, lock_timeout=10)
    upgrade(engine, "0003")
    now = datetime(2026, 5, 2, 9, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO counterparties (external_id, name, country, type, address, "
                "data, created_at, updated_at) VALUES ('C-1', 'Acme', 'US', '', '', '{}', "
                ":now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO alerts (counterparty_id, entry_id, entry_state_hash, "
                "counterparty_hash, score, matched_name, explanation, status, created_at) "
                "VALUES (1, 'EL-1', 'e', 'c', 0.9, 'ACME', '{}', 'open', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO decisions (alert_id, disposition, reason, decided_by, "
                "created_at) VALUES (1, 'true_match', 'same company', 'bob', :now)"
            ),
            {"now": now},
        )
        prev = audit.GENESIS_HASH
        for seq, (action, payload) in enumerate(
            [("register.import", {"added": 1}), ("alert.decide", {"alert": 1, "reason": "x"})],
            start=1,
        ):
            hashed = digest(seq, now, "bob", action, payload, prev)
            conn.execute(
                sa.insert(audit_log).values(
                    seq=seq, created_at=now, actor="bob", action=action, payload=payload,
                    prev_hash=prev, hash=hashed,
                )
            )  # fmt: skip
            prev = hashed
    engine.dispose()

    with Store.open(url) as upgraded:
        result = audit.verify(upgraded.engine)
        assert (result.ok, result.records, result.sealed_through) == (True, 2, None)
        assert any(
            "records 1..2 were written before the trail was sealed" in n for n in result.notes
        )
        assert any("1 decision(s) made before" in n for n in result.notes)

        register = Register(upgraded, actor="bob")
        register.decide(1, Disposition.ESCALATED, "ask legal", user="bob")
        result = audit.verify(upgraded.engine)
        assert (result.ok, result.records, result.sealed_through) == (True, 3, 3)
        assert [n for n in result.notes if "sealed" in n] == []
        assert any("1 decision(s) made before" in n for n in result.notes)
