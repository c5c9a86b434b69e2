from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from exportscreen.api.audit_writer import AuditWriter, AuditWriterClosed
from exportscreen.casework import audit_trail as audit
from exportscreen.store import Store
from exportscreen.store.engine import SQLITE_WRITER
from tests.api.support import commits_counted


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'audit.db'}", lock_timeout=0.5) as opened:
        yield opened


@pytest.fixture()
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread of its own, as the server's does."""
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    yield running
    running.call_soon_threadsafe(running.stop)
    thread.join(timeout=10)
    running.close()


def _writer(store: Store, loop: asyncio.AbstractEventLoop, max_batch: int = 16) -> AuditWriter:
    writer = AuditWriter(store.engine, max_batch=max_batch)
    writer.start(loop)
    return writer


def _held_write_lock(store: Store) -> tuple[sa.Connection, sa.Transaction]:
    """Another writer holding the database's write lock until the test commits it."""
    conn = store.engine.connect().execution_options(**{SQLITE_WRITER: True})
    return conn, conn.begin()


@pytest.mark.parametrize("max_batch", [1, 4, 32])
def test_concurrent_records_form_one_intact_chain(
    store: Store, loop: asyncio.AbstractEventLoop, max_batch: int
) -> None:
    writer = _writer(store, loop, max_batch)
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [
            pool.submit(writer.append, f"user{i % 3}", "api.screen", {"n": i}) for i in range(60)
        ]
        written = [f.result() for f in futures]
    writer.close()
    seqs = sorted(r.seq for r in written)
    assert seqs == list(range(seqs[0], seqs[0] + 60))
    stored = {r.seq: r for r in audit.records(store.engine)}
    for record in written:
        assert stored[record.seq].payload == record.payload
        assert stored[record.seq].actor == record.actor
    assert sorted(r.payload["n"] for r in written) == list(range(60))
    assert audit.verify(store.engine).ok


def test_records_queued_behind_a_lock_commit_in_order(
    store: Store, loop: asyncio.AbstractEventLoop
) -> None:
    conn, held = _held_write_lock(store)
    writer = _writer(store, loop, max_batch=4)
    futures = [writer.submit("viewer", "api.screen", {"n": i}) for i in range(10)]
    assert not any(f.done() for f in futures)  # nothing is answered before its commit
    held.commit()
    conn.close()
    records = [f.result(timeout=10) for f in futures]
    writer.close()
    # Submission order is chain order, across batches.
    assert [r.seq for r in records] == sorted(r.seq for r in records)
    assert [r.payload["n"] for r in records] == list(range(10))
    assert audit.verify(store.engine).ok


def test_close_writes_every_record_handed_over_and_refuses_new_ones(store: Store) -> None:
    # A loop that never runs: only close can write what was handed over.
    idle = asyncio.new_event_loop()
    writer = _writer(store, idle)
    futures = [writer.submit("viewer", "api.screen", {"n": i}) for i in range(20)]
    assert not any(f.done() for f in futures)
    writer.close()
    idle.close()
    assert all(f.done() and f.exception() is None for f in futures)
    assert len(audit.records(store.engine)) == 20
    with pytest.raises(AuditWriterClosed):
        writer.submit("viewer", "api.screen", {"n": 99})


def test_a_record_the_database_rejects_fails_alone(
    store: Store, loop: asyncio.AbstractEventLoop
) -> None:
    conn, held = _held_write_lock(store)
    writer = _writer(store, loop)
    first = writer.submit("viewer", "api.screen", {"n": 0})
    # A value the serialiser does not know cannot be written, whichever batch it lands in.
    bad = writer.submit("viewer", "api.screen", {"n": object()})
    good = writer.submit("viewer", "api.screen", {"n": 2})
    held.commit()
    conn.close()
    assert first.result(timeout=10).payload == {"n": 0}
    assert good.result(timeout=10).payload == {"n": 2}
    with pytest.raises(TypeError):
        bad.result(timeout=10)
    writer.close()
    assert [r.payload["n"] for r in audit.records(store.engine)] == [0, 2]
    assert audit.verify(store.engine).ok


def test_a_database_that_stays_locked_fails_the_waiting_records(
    store: Store, loop: asyncio.AbstractEventLoop
) -> None:
    conn, held = _held_write_lock(store)
    writer = _writer(store, loop)
    futures = [writer.submit("viewer", "api.screen", {"n": i}) for i in range(3)]
    try:
        for future in futures:  # the store waits 0.5 s for the lock, then gives up
            with pytest.raises(sa.exc.OperationalError):
                future.result(timeout=10)
    finally:
        held.rollback()
        conn.close()
    # The writer survives the failure: the next record is written.
    assert writer.append("viewer", "api.screen", {"n": 3}).seq == 1
    writer.close()


def test_before_start_each_record_is_written_at_once(store: Store) -> None:
    writer = AuditWriter(store.engine)
    record = writer.submit("viewer", "api.screen", {"n": 0})
    assert record.done() and record.result().seq == 1
    writer.close()
    writer.close()  # twice is harmless
    with pytest.raises(AuditWriterClosed):
        writer.append("viewer", "api.screen", {})


def test_requests_on_the_loop_share_transactions(store: Store) -> None:
    writer = AuditWriter(store.engine, max_batch=8)

    async def scenario() -> list[audit.AuditRecord]:
        writer.start(asyncio.get_running_loop())
        return await asyncio.gather(
            *(writer.write("viewer", "api.screen", {"n": i}) for i in range(30))
        )

    with commits_counted() as commits:
        written = asyncio.run(scenario())
    writer.close()
    assert [r.payload["n"] for r in written] == list(range(30))
    assert [r.seq for r in written] == list(range(1, 31))
    assert commits[0] == 4  # 8 + 8 + 8 + 6, not 30
    assert audit.verify(store.engine).ok


def test_a_request_cancelled_while_waiting_still_leaves_its_record(store: Store) -> None:
    writer = AuditWriter(store.engine)

    async def scenario() -> None:
        writer.start(asyncio.get_running_loop())
        waiting = asyncio.create_task(writer.write("viewer", "api.screen", {"n": 0}))
        await asyncio.sleep(0)  # handed over, not yet written
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert (await writer.write("viewer", "api.screen", {"n": 1})).seq == 2

    asyncio.run(scenario())
    writer.close()
    assert [r.payload["n"] for r in audit.records(store.engine)] == [0, 1]


def test_a_long_held_lock_does_not_stop_the_loop(store: Store) -> None:
    # A list import holds SQLite's write lock for seconds: the loop must go on serving while a
    # record waits for the lock. The lock is released only once the loop has run other work;
    # a loop stuck in the lock wait (30 s here) could not, and the test would fail.
    patient = Store.open(str(store.engine.url), lock_timeout=30)
    writer = AuditWriter(patient.engine)
    conn, held = _held_write_lock(store)
    loop_ran = threading.Event()

    async def scenario() -> int:
        writer.start(asyncio.get_running_loop())
        waiting = asyncio.create_task(writer.write("viewer", "api.screen", {"n": 0}))
        for _ in range(20):  # other work on the loop while the record waits for the lock
            await asyncio.sleep(0.01)
        assert not waiting.done()
        loop_ran.set()
        return (await waiting).seq

    def release_once_the_loop_ran() -> None:
        loop_ran.wait(timeout=10)
        held.commit()
        conn.close()

    releaser = threading.Thread(target=release_once_the_loop_ran)
    releaser.start()
    try:
        seq = asyncio.run(scenario())
    finally:
        releaser.join()
        writer.close()
        patient.close()
    assert loop_ran.is_set() and seq == 1
    assert [r.payload["n"] for r in audit.records(store.engine)] == [0]


def _lingering_writer(store: Store, in_flight: int, max_batch: int = 16) -> AuditWriter:
    # A wait far longer than any test: a batch that is not written until it ends fails the
    # test's own timeout instead.
    return AuditWriter(
        store.engine, max_batch=max_batch, in_flight=lambda: in_flight, linger_seconds=60.0
    )


def test_a_batch_waits_for_requests_in_progress_until_it_is_full(store: Store) -> None:
    writer = _lingering_writer(store, in_flight=3, max_batch=3)

    async def scenario() -> list[audit.AuditRecord]:
        writer.start(asyncio.get_running_loop())
        first = asyncio.create_task(writer.write("viewer", "api.screen", {"n": 0}))
        await asyncio.sleep(0.01)  # the loop turned: alone, the first would be written now
        assert not first.done()
        rest = [writer.write("viewer", "api.screen", {"n": n}) for n in (1, 2)]
        return list(await asyncio.wait_for(asyncio.gather(first, *rest), timeout=10))

    with commits_counted() as commits:
        written = asyncio.run(scenario())
    writer.close()
    assert [r.seq for r in written] == [1, 2, 3]
    assert commits[0] == 1
    assert audit.verify(store.engine).ok


def test_a_request_alone_is_written_without_waiting(store: Store) -> None:
    writer = _lingering_writer(store, in_flight=1)

    async def scenario() -> int:
        writer.start(asyncio.get_running_loop())
        written = writer.write("viewer", "api.screen", {"n": 0})
        return (await asyncio.wait_for(written, timeout=10)).seq

    assert asyncio.run(scenario()) == 1
    writer.close()


def test_close_writes_a_batch_that_is_still_waiting(store: Store) -> None:
    writer = _lingering_writer(store, in_flight=5)

    async def scenario() -> int:
        writer.start(asyncio.get_running_loop())
        waiting = asyncio.create_task(writer.write("viewer", "api.screen", {"n": 0}))
        await asyncio.sleep(0.01)
        assert not waiting.done()
        writer.close()  # the server stops: what was handed over is written, not dropped
        return (await asyncio.wait_for(waiting, timeout=10)).seq

    assert asyncio.run(scenario()) == 1
    assert [r.payload["n"] for r in audit.records(store.engine)] == [0]


def test_a_writer_started_anew_after_closing_mid_wait_writes_again(store: Store) -> None:
    """An app whose lifespan ends while a batch waits for more, then starts again (as test
    transports do): the new loop's records are written, not left waiting for a flush that was
    scheduled on the old one."""
    busy = [5]
    writer = AuditWriter(store.engine, in_flight=lambda: busy[0], linger_seconds=60.0)

    async def first() -> int:
        writer.start(asyncio.get_running_loop())
        waiting = asyncio.create_task(writer.write("viewer", "api.screen", {"n": 0}))
        await asyncio.sleep(0.01)
        assert not waiting.done()  # waiting for the other requests' records
        writer.close()
        return (await waiting).seq

    async def second() -> int:
        writer.start(asyncio.get_running_loop())
        return (await asyncio.wait_for(writer.write("viewer", "api.screen", {"n": 1}), 10)).seq

    assert asyncio.run(first()) == 1
    busy[0] = 1  # alone now: written at once
    assert asyncio.run(second()) == 2
    writer.close()
