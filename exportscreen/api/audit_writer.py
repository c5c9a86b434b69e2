"""Group commit of the API's audit records: small transactions on the event loop, no lost answer.

Each screening request used to append its audit record in a transaction of its own; on SQLite
that is a ``BEGIN IMMEDIATE``, a read of the chain's tail and a commit per request, and two
worker processes queue on the database lock for every one of them. Here requests hand their
record over; once the event loop has run the handlers that are ready, one callback appends
everything handed over meanwhile (up to ``max_batch`` per transaction) with ``audit.record``,
so the chain is built exactly as before, record by record under the write lock, only committed
together.

Why on the event loop and not on a writer thread: the work is Python code between a dozen
short database calls per record, and each call releases the GIL. A thread has to win the GIL
back after each of them from an event loop busy screening, which takes up to the interpreter's
switch interval (5 ms) every time: measured, the thread made requests wait longer for their
records than writing them on the loop costs. Writing on the loop holds it for the batch (about
half a millisecond per record). Only when another process holds SQLite's write lock for more
than ``QUICK_LOCK_SECONDS`` (a list import does, for seconds) is the batch handed to a thread
that waits for the lock as long as the store allows, so that the loop goes on serving.

A batch does not have to wait for the loop's turn alone: when the server has other requests in
progress than those whose records wait (``in_flight``), it waits up to ``linger_seconds`` (2 ms)
for theirs, or until it holds ``max_batch``. One transaction costs about as much as eight
records in one (its BEGIN, the chain's tail, the seal of the head, the COMMIT and the anchor
file), so under load this turns most of the audit write's cost into a share of a transaction,
for at most 2 ms more per answer; a request alone on its server is written at once. Each batch
is one multi-row insert after one read of the chain's tail (``audit_log.record_many``), chained
exactly as records written one by one are.

Durability: the caller still waits for the commit (``submit`` returns a future that resolves to
the committed record), so no screening is answered before its record is in the database, and
the response can name the record's sequence number. What changes is only that the records of
requests that finished together commit together: they succeed or fail together, and each
request waits for its batch. If the process dies, records not yet committed are lost, but
their requests were not answered either; on a clean shutdown ``close`` writes every record
handed over before the store is closed. SQLite's own setting (``synchronous=NORMAL`` in WAL
mode, chosen by the store) can lose the last commits on power loss, as it could before.

A batch that fails for a reason of one record (a payload the database rejects) is retried one
record per transaction, so that only that record's request fails; a batch that fails on the
database itself (locked past the store's timeout, disk error) fails every request in it.

Before ``start`` (an app driven without its lifespan, as some test harnesses do) records are
written at once by the caller, one transaction each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from exportscreen.casework import audit_trail as audit
from exportscreen.store import audit_log
from exportscreen.store.engine import Connection, Engine, create_engine
from exportscreen.store.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

# Small transactions: a batch holds the database's write lock, which the other workers and the
# CLI wait for, and the event loop; batches of 8 to 16 already save most of what batching saves
# (measured, issue 19: 0.90 ms a record alone, 0.14 ms in eights, 0.09 ms in sixteens).
DEFAULT_MAX_BATCH = 16
# How long a batch may wait for the requests in progress to hand their records over too, when
# there are any: one transaction costs about as much as eight records in it (measured: 0.90 ms a
# record alone, 0.14 ms in eights), and a request waits at most this much longer for its answer.
DEFAULT_LINGER_SECONDS = 0.002
# How long a batch written on the loop waits for SQLite's write lock before it is handed to a
# thread: other workers' batches hold it for milliseconds, a list import for seconds.
QUICK_LOCK_SECONDS = 0.05

_Outcome = tuple["_Pending", audit.AuditRecord | None, BaseException | None]


# Compared by identity: a payload can be large and two requests can ask the same thing.
@dataclass(frozen=True, slots=True, eq=False)
class _Pending:
    actor: str
    action: str
    payload: Mapping[str, Any]
    # An asyncio future for a caller on the loop (resolved without another hop), a thread-safe
    # one for a caller on a worker thread.
    done: asyncio.Future[audit.AuditRecord] | Future[audit.AuditRecord]


class AuditWriterClosed(RuntimeError):
    """A record was submitted after ``close``: the process is shutting down."""


class AuditWriter:
    """Appends audit records in batches on an event loop, for callers that wait for them."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        in_flight: Callable[[], int] | None = None,
        linger_seconds: float = DEFAULT_LINGER_SECONDS,
    ):
        """``in_flight``: how many requests this process has in progress (``Capacity``); while
        more are in progress than records wait, a batch waits up to ``linger_seconds`` for
        theirs. Without it every batch is written as soon as the loop turns."""
        if max_batch < 1:
            raise ValueError("a batch holds at least one record")
        self._in_flight = in_flight
        self._linger = linger_seconds
        # The pending wait for more records (``_linger_for_more``), if one is.
        self._linger_timer: asyncio.TimerHandle | None = None
        self._engine = engine
        self._quick_engine = _quick_engine(engine)
        # The loop's batches are written on one connection of the quick engine, kept between
        # them (``_on_loop``); dropped after a failure, so that the next batch starts afresh.
        self._kept: Connection | None = None
        self._contended = False  # a batch is waiting for the lock on a thread
        self._max_batch = max_batch
        self._pending: deque[_Pending] = deque()
        # Sync endpoints submit from worker threads: the queue, the flags and the loop are
        # read and changed under this lock.
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flush_scheduled = False
        self._closed = False

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Write from now on in batches on ``loop`` (the server's)."""
        with self._lock:
            self._loop = loop
            self._closed = False  # an app whose lifespan is entered anew (tests' transports)

    async def write(self, actor: str, action: str, payload: Mapping[str, Any]) -> audit.AuditRecord:
        """Append one record and return it once committed (for callers on the writer's loop).
        Raises what prevented the commit; AuditWriterClosed after ``close``."""
        with self._lock:
            on_loop = self._loop is not None
        if not on_loop:
            return self.submit(actor, action, payload).result()
        waiter: asyncio.Future[audit.AuditRecord] = asyncio.get_running_loop().create_future()
        # A request cancelled meanwhile (its client left) cancels the waiter, not the record.
        self._hand_over(_Pending(actor, action, payload, waiter))
        return await waiter

    def submit(
        self, actor: str, action: str, payload: Mapping[str, Any]
    ) -> Future[audit.AuditRecord]:
        """Hand one record over from any thread but the loop's; the future resolves to it once
        committed, or to the error that prevented the commit. AuditWriterClosed after
        ``close``."""
        done: Future[audit.AuditRecord] = Future()
        pending = _Pending(actor, action, payload, done)
        if not self._hand_over(pending):
            self._write_now([pending])
        return done

    def append(self, actor: str, action: str, payload: Mapping[str, Any]) -> audit.AuditRecord:
        """``submit`` and wait for the commit (for callers on worker threads)."""
        return self.submit(actor, action, payload).result()

    def close(self) -> None:
        """Write every record handed over, in the calling thread, and refuse new ones. Called
        when the server stops, after the requests in progress finished."""
        with self._lock:
            self._closed = True
        while batch := self._take():
            self._write_now(batch)
        with self._lock:
            # Nothing is left to flush: a wait or a flush still scheduled (on a loop that may
            # have stopped) must not keep an app started anew from scheduling its own.
            self._flush_scheduled = False
            self._linger_timer = None
        self._drop_kept()
        if self._quick_engine is not self._engine:
            self._quick_engine.dispose()

    def _hand_over(self, pending: _Pending) -> bool:
        """Queue ``pending`` for the loop; False when there is no loop to write it."""
        with self._lock:
            if self._closed:
                raise AuditWriterClosed("the audit writer is closed")
            loop = self._loop
            if loop is None:
                return False
            self._pending.append(pending)
            schedule = not self._flush_scheduled
            self._flush_scheduled = True
            full = self._linger_timer is not None and len(self._pending) >= self._max_batch
        if schedule:
            loop.call_soon_threadsafe(self._flush)
        elif full:
            loop.call_soon_threadsafe(self._end_linger)
        return True

    def _take(self) -> list[_Pending]:
        with self._lock:
            count = min(len(self._pending), self._max_batch)
            return [self._pending.popleft() for _ in range(count)]

    def _linger_for_more(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Wait a little for more records, when other requests are in progress (they will
        likely hand theirs over within the wait) and the batch is not full; True if waiting.
        The records stay queued meanwhile: ``close`` writes them like any other."""
        if self._in_flight is None or self._linger <= 0:
            return False
        with self._lock:
            waiting = len(self._pending)
            if waiting >= self._max_batch or self._in_flight() <= waiting:
                return False
            self._linger_timer = loop.call_later(self._linger, self._flush, True)
        return True

    def _end_linger(self) -> None:
        """The batch filled up while it waited: write it now."""
        with self._lock:
            timer, self._linger_timer = self._linger_timer, None
        if timer is not None:  # else the wait ended already and the batch was written
            timer.cancel()
            self._flush(True)

    def _flush(self, lingered: bool = False) -> None:
        with self._lock:
            loop = self._loop
            self._linger_timer = None
        if loop is not None and not lingered and self._linger_for_more(loop):
            return
        batch = self._take()
        if batch and loop is not None:
            self._claim(batch)
            if self._contended:
                self._write_elsewhere(batch, loop)
            else:
                try:
                    outcomes = self._append(self._quick_engine, batch, on_loop=True)
                except DatabaseUnavailable:
                    # Another process holds the write lock for longer (a list import on
                    # SQLite can, for seconds): wait for it on a thread, not on the loop.
                    self._contended = True
                    self._write_elsewhere(batch, loop)
                except Exception as error:  # a bug of the writer's own, say: no request waits
                    _settle_all(self._failed(batch, error))  # forever, none is answered
                else:
                    _settle_all(outcomes)
        with self._lock:
            more = bool(self._pending)
            self._flush_scheduled = more
        if more and loop is not None:
            # One batch per turn: the requests waiting on the loop run between batches. The
            # rest waited already: no second wait for it.
            loop.call_soon(self._flush, True)

    def _write_elsewhere(self, batch: list[_Pending], loop: asyncio.AbstractEventLoop) -> None:
        def write() -> None:
            try:
                outcomes = self._append(self._engine, batch)
            except DatabaseUnavailable as error:
                outcomes = self._failed(batch, error)
            else:
                self._contended = False
            # Asyncio futures are resolved on their loop.
            loop.call_soon_threadsafe(_settle_all, outcomes)

        loop.run_in_executor(None, write)

    def _write_now(self, batch: list[_Pending]) -> None:
        """Write ``batch`` in the calling thread, waiting for the lock as long as the store
        does, and resolve its futures."""
        self._claim(batch)
        try:
            outcomes = self._append(self._engine, batch)
        except DatabaseUnavailable as error:
            outcomes = self._failed(batch, error)
        _settle_all(outcomes)

    @staticmethod
    def _claim(batch: list[_Pending]) -> None:
        # A thread-safe future cannot be cancelled from here on. Cancelled or not, every record
        # is written: the screening did happen.
        for pending in batch:
            if isinstance(pending.done, Future):
                pending.done.set_running_or_notify_cancel()

    @staticmethod
    def _failed(batch: list[_Pending], error: BaseException) -> list[_Outcome]:
        # The database itself failed (lock timeout, I/O): alone, each would fail the same.
        log.error("writing %d audit records failed: %s", len(batch), error)
        return [(pending, None, error) for pending in batch]

    def _append(
        self, engine: Engine, batch: list[_Pending], *, alone: bool = False, on_loop: bool = False
    ) -> list[_Outcome]:
        """Append ``batch`` in one transaction; DatabaseUnavailable when the database fails.
        ``alone``: a record written again on its own after its batch failed. ``on_loop``: on
        the quick engine's kept connection (only the loop writes with it)."""
        try:
            with self._transaction(engine, on_loop) as conn:
                # No savepoint and retry for a batch, even of one (a savepoint is two more
                # statements that SQLAlchemy compiles anew every time): if it fails, each
                # record is written again below in a transaction of its own, which does retry.
                entries = [(p.actor, p.action, p.payload) for p in batch]
                written = audit.record_many(conn, entries, retry=alone)
        except DatabaseUnavailable:
            raise
        except Exception as error:
            if not alone:
                return [
                    outcome
                    for p in batch
                    for outcome in self._append(engine, [p], alone=True, on_loop=on_loop)
                ]
            log.error("writing an audit record (%s) failed: %s", batch[0].action, error)
            return [(batch[0], None, error)]
        return [(p, record, None) for p, record in zip(batch, written, strict=True)]

    @contextmanager
    def _transaction(self, engine: Engine, on_loop: bool) -> Iterator[Connection]:
        # Only a SQLite file's quick engine is the writer's own: another engine is the store's,
        # whose pool (an in-memory SQLite's one connection, say) others share.
        if not on_loop or self._quick_engine is self._engine:
            with audit.writing(engine) as conn:
                yield conn
            return
        if self._kept is None:
            self._kept = audit_log.writer_connection(self._quick_engine)
        try:
            with audit_log.writing_on(self._kept) as conn:
                yield conn
        except BaseException:
            self._drop_kept()
            raise

    def _drop_kept(self) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            with contextlib.suppress(Exception):  # a broken connection: the pool discards it
                kept.close()


def _quick_engine(engine: Engine) -> Engine:
    """An engine on the same SQLite file that gives up on a held write lock at once; other
    databases (and an in-memory SQLite, which a second engine would not share) use
    ``engine``."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return engine
    return create_engine(url.render_as_string(hide_password=False), lock_timeout=QUICK_LOCK_SECONDS)


def _settle_all(outcomes: list[_Outcome]) -> None:
    for pending, record, error in outcomes:
        _settle(pending, record=record, error=error)


def _settle(
    pending: _Pending,
    *,
    record: audit.AuditRecord | None = None,
    error: BaseException | None = None,
) -> None:
    if pending.done.cancelled():  # its request was cancelled: nobody waits for the answer
        return
    if error is not None:
        pending.done.set_exception(error)
    else:
        assert record is not None
        pending.done.set_result(record)
