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
half a millisecond per record), and for as long as another process holds the write lock.

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
import logging
import threading
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from exportscreen import audit

log = logging.getLogger(__name__)

# Small transactions: a batch holds the database's write lock, which the other workers and the
# CLI wait for, and the event loop; 16 records take about 8 ms to append, and batches of 8 to 16
# already save most of what batching saves (measured: 0.72 ms a record alone, 0.53 in 8s).
DEFAULT_MAX_BATCH = 16


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

    def __init__(self, engine: Engine, *, max_batch: int = DEFAULT_MAX_BATCH):
        if max_batch < 1:
            raise ValueError("a batch holds at least one record")
        self._engine = engine
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
        if schedule:
            loop.call_soon_threadsafe(self._flush)
        return True

    def _take(self) -> list[_Pending]:
        with self._lock:
            count = min(len(self._pending), self._max_batch)
            return [self._pending.popleft() for _ in range(count)]

    def _flush(self) -> None:
        batch = self._take()
        if batch:
            self._write_now(batch)
        with self._lock:
            more = bool(self._pending)
            self._flush_scheduled = more
            loop = self._loop
        if more and loop is not None:
            # One batch per turn: the requests waiting on the loop run between batches.
            loop.call_soon(self._flush)

    def _write_now(self, batch: list[_Pending]) -> None:
        # A thread-safe future cannot be cancelled from here on. Cancelled or not, every record
        # is written: the screening did happen.
        for pending in batch:
            if isinstance(pending.done, Future):
                pending.done.set_running_or_notify_cancel()
        self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        """Append ``batch`` in one transaction and resolve its futures."""
        try:
            with audit.writing(self._engine) as conn:
                written = [audit.record(conn, p.actor, p.action, p.payload) for p in batch]
        except sa.exc.OperationalError as error:
            # The database itself failed (lock timeout, I/O): alone, each would fail the same.
            log.error("writing %d audit records failed: %s", len(batch), error)
            for pending in batch:
                _settle(pending, error=error)
            return
        except Exception as error:
            if len(batch) > 1:
                for pending in batch:
                    self._write([pending])
                return
            log.error("writing an audit record (%s) failed: %s", batch[0].action, error)
            _settle(batch[0], error=error)
            return
        for pending, record in zip(batch, written, strict=True):
            _settle(pending, record=record)


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
