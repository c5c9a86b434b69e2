"""Group commit of the API's audit records: one writer thread, small transactions, no lost answer.

Each screening request used to append its audit record in a transaction of its own; on SQLite
that is a ``BEGIN IMMEDIATE``, a read of the chain's tail and a commit per request, and two
worker processes queue on the database lock for every one of them. Here requests hand their
record to a queue; one thread per process takes whatever has accumulated (up to
``max_batch``) and appends it with ``audit.record`` in one transaction, so the chain is built
exactly as before, record by record under the write lock, only committed together.

Durability: the caller still waits for the commit (``submit`` returns a future that resolves to
the committed record), so no screening is answered before its record is in the database, and
the response can name the record's sequence number. What changes is only that up to
``max_batch`` screenings commit together: they succeed or fail together, and a request waits at
most for the batch in progress plus its own (a few milliseconds). If the process dies, records
still in the queue are lost, but their requests were not answered either; on a clean shutdown
``close`` writes every queued record before the store is closed. SQLite's own setting
(``synchronous=NORMAL`` in WAL mode, chosen by the store) can lose the last commits on power
loss, as it could before.

A batch that fails for a reason of one record (a payload the database rejects) is retried one
record per transaction, so that only that record's request fails; a batch that fails on the
database itself (locked past the store's timeout, disk error) fails every request in it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from exportscreen import audit

log = logging.getLogger(__name__)

# Small transactions: a batch holds the database's write lock, which the other workers and the
# CLI wait for; 32 records take a few milliseconds to append.
DEFAULT_MAX_BATCH = 32


# Compared by identity: a payload can be large and two requests can ask the same thing.
@dataclass(frozen=True, slots=True, eq=False)
class _Pending:
    actor: str
    action: str
    payload: Mapping[str, Any]
    done: Future[audit.AuditRecord] = field(default_factory=Future)


class AuditWriterClosed(RuntimeError):
    """A record was submitted after ``close``: the process is shutting down."""


class AuditWriter:
    """Appends audit records from one background thread, in batches, for callers that wait."""

    def __init__(self, engine: Engine, *, max_batch: int = DEFAULT_MAX_BATCH):
        if max_batch < 1:
            raise ValueError("a batch holds at least one record")
        self._engine = engine
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()  # None: stop
        # Guards the closed flag with the put that follows its check, so that no record can be
        # queued behind the stop marker and never written.
        self._lock = threading.Lock()
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(
        self, actor: str, action: str, payload: Mapping[str, Any]
    ) -> Future[audit.AuditRecord]:
        """Queue one record; the future resolves to it once committed, or to the error that
        prevented the commit. AuditWriterClosed after ``close``."""
        pending = _Pending(actor, action, payload)
        with self._lock:
            if self._closed:
                raise AuditWriterClosed("the audit writer is closed")
            if self._thread is None:
                # Started on first use, so an app that never screens starts no thread.
                self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
                self._thread.start()
            self._queue.put(pending)
        return pending.done

    def append(self, actor: str, action: str, payload: Mapping[str, Any]) -> audit.AuditRecord:
        """``submit`` and wait for the commit (for callers on worker threads)."""
        return self.submit(actor, action, payload).result()

    def close(self, timeout: float | None = None) -> None:
        """Write everything queued, then stop the thread. Later submissions are refused."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            self._queue.put(None)
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.error("the audit writer did not finish within %s s", timeout)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    following = self._queue.get_nowait()
                except queue.Empty:
                    break
                if following is None:
                    stopping = True
                    break
                batch.append(following)
            # From here on a caller cannot cancel (an asyncio caller whose client went away
            # would): its record is written all the same, the screening did happen.
            live = [p for p in batch if p.done.set_running_or_notify_cancel()]
            self._write(batch, live)

    def _write(self, batch: list[_Pending], live: list[_Pending]) -> None:
        """Append ``batch`` in one transaction and resolve the futures in ``live``."""
        try:
            with audit.writing(self._engine) as conn:
                written = [audit.record(conn, p.actor, p.action, p.payload) for p in batch]
        except sa.exc.OperationalError as error:
            # The database itself failed (lock timeout, I/O): alone, each would fail the same.
            log.error("writing %d audit records failed: %s", len(batch), error)
            for pending in batch:
                if pending in live:
                    pending.done.set_exception(error)
            return
        except Exception as error:
            if len(batch) > 1:
                for pending in batch:
                    self._write([pending], live)
                return
            log.error("writing an audit record (%s) failed: %s", batch[0].action, error)
            if batch[0] in live:
                batch[0].done.set_exception(error)
            return
        for pending, record in zip(batch, written, strict=True):
            if pending in live:
                pending.done.set_result(record)
