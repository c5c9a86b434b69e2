"""Scheduled list updates in a server: a background thread that updates, logs and never dies.

The API (``exportscreen serve --update-every 6h``) makes one ``Scheduler`` per worker process::

    scheduler = Scheduler(
        store,
        every=parse_every("6h"),
        run=lambda: run_update(store),
        on_new_versions=reload_and_rescreen,   # called with a VersionChange
    )
    scheduler.start()      # at startup
    ...
    scheduler.stop()       # at shutdown

Each cycle the scheduler:

1. claims the cycle in the store's update log, so that of several workers sharing one database
   only one runs it (the others find a claim younger than half an interval and skip);
2. calls ``run`` (normally ``updater.run_update``), which imports each source whole or not at
   all, so a failed download or a bad file leaves the last good version serving;
3. logs the outcome of every list in ``update_runs`` (``status.record_update``), where
   ``exportscreen status`` and ``/readyz`` read it;
4. when the store's current version ids differ from before the run, calls ``on_new_versions``:
   there the API reloads its index and re-screens the register against the changed entries.

Nothing raised by ``run`` or ``on_new_versions`` escapes the thread: it is logged and recorded,
and the next cycle comes as planned. Cycles start ``every`` apart, spread by a random jitter so
that workers (and installations) do not all hit the publishers at the same second.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType

from exportscreen.model import ListCode
from exportscreen.ops.status import RUN_CLAIMED, RUN_FINISHED, record_update
from exportscreen.ops.updater import UpdateReport, UpdateStatus
from exportscreen.store import Store, StoreError, update_runs

log = logging.getLogger(__name__)

# Share of the interval by which each wait is randomly lengthened or shortened.
DEFAULT_JITTER = 0.1
# The first cycle of a server starts within this many seconds (plus jitter): a server started on
# a stale database should not wait hours for its first update.
FIRST_RUN_WITHIN_SECONDS = 30.0
# Claiming a cycle waits this long for a running import to release the write lock; past it the
# cycle is skipped and the next one tries again.
CLAIM_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class VersionChange:
    """The store's current version ids before and after an update run."""

    before: Mapping[ListCode, int]
    after: Mapping[ListCode, int]

    @property
    def lists(self) -> tuple[ListCode, ...]:
        """The lists whose current version changed (or appeared, or vanished)."""
        return tuple(code for code in ListCode if self.before.get(code) != self.after.get(code))

    def entry_ids(self, store: Store) -> set[str]:
        """The ids of the entries added or changed by the new versions: what a re-screen of the
        register has to look at (``Register.screen(screener, only_entries=...)``)."""
        found: set[str] = set()
        for code in self.lists:
            if code not in self.after:
                continue
            diff = store.diff(code, from_=self.before.get(code), to=self.after[code])
            found.update(diff.to_screen)
        return found


@dataclass(frozen=True, slots=True)
class CycleOutcome:
    """What one cycle did. ``report`` is None when the cycle was skipped or ``run`` raised."""

    started_at: datetime
    skipped: bool = False  # another worker claimed this cycle
    report: UpdateReport | None = None
    change: VersionChange | None = None  # set when the current versions changed
    error: str = ""  # why run, the claim or on_new_versions failed

    @property
    def ok(self) -> bool:
        return not self.error and (self.report is None or self.report.ok)


class Scheduler:
    """Runs ``run`` every ``every`` in a daemon thread; see the module docstring."""

    def __init__(
        self,
        store: Store,
        *,
        every: timedelta,
        run: Callable[[], UpdateReport],
        on_new_versions: Callable[[VersionChange], None] | None = None,
        jitter: float = DEFAULT_JITTER,
        first_run_after: timedelta | None = None,
        claim_timeout: float = CLAIM_TIMEOUT_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        """``first_run_after`` defaults to a random delay under FIRST_RUN_WITHIN_SECONDS.
        ``store`` is used, not owned: the caller closes it after ``stop()``."""
        if every <= timedelta():
            raise ValueError(f"the update interval must be positive, not {every}")
        if not 0 <= jitter < 1:
            raise ValueError(f"jitter is a share of the interval in [0, 1), not {jitter}")
        self._store = store
        self._every = every
        self._run = run
        self._on_new_versions = on_new_versions
        self._jitter = jitter
        self._claim_timeout = claim_timeout
        self._rng = rng or random.Random()
        self._first_delay = (
            first_run_after.total_seconds()
            if first_run_after is not None
            else self._rng.uniform(0, min(FIRST_RUN_WITHIN_SECONDS, every.total_seconds()))
        )
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last: CycleOutcome | None = None
        self._cycles = 0

    @property
    def every(self) -> timedelta:
        return self._every

    @property
    def last_outcome(self) -> CycleOutcome | None:
        """The latest finished cycle, skipped ones included."""
        with self._lock:
            return self._last

    @property
    def cycles(self) -> int:
        """How many cycles finished since start, skipped ones included."""
        with self._lock:
            return self._cycles

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the background thread; an error to start twice."""
        if self._thread is not None:
            raise RuntimeError("the scheduler was already started")
        self._thread = threading.Thread(
            target=self._loop, name="exportscreen-scheduler", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the thread to stop and wait for it up to ``timeout`` seconds (None: as long as a
        run in progress takes; a download cannot be interrupted half-way). True once stopped."""
        self._stopping.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def __enter__(self) -> Scheduler:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _loop(self) -> None:
        delay = self._first_delay
        while not self._stopping.wait(delay):
            self.run_once()
            delay = self._next_delay()

    def _next_delay(self) -> float:
        spread = self._rng.uniform(-self._jitter, self._jitter)
        return self._every.total_seconds() * (1 + spread)

    def run_once(self) -> CycleOutcome:
        """One cycle, now, in the calling thread (the loop's body; also for tests and a manual
        "update now"). Never raises."""
        started_at = datetime.now(UTC)
        try:
            outcome = self._cycle(started_at)
        except Exception as error:  # the loop must outlive any bug; the log has the traceback
            log.exception("scheduled update cycle failed")
            outcome = CycleOutcome(started_at, error=f"{type(error).__name__}: {error}")
        with self._lock:
            self._last = outcome
            self._cycles += 1
        return outcome

    def _cycle(self, started_at: datetime) -> CycleOutcome:
        try:
            claim = self._claim(started_at)
        except StoreError as error:
            log.warning("scheduled update skipped: %s", error)
            return CycleOutcome(started_at, skipped=True, error=str(error))
        if claim is None:
            log.info("scheduled update skipped: another worker ran one recently")
            return CycleOutcome(started_at, skipped=True)
        before = self._store.current_version_ids()
        try:
            report = self._run()
        except Exception as error:
            log.exception("scheduled update raised")
            message = f"unexpected {type(error).__name__}: {error}"
            self._finish(claim, UpdateStatus.FAILED.value, message)
            return CycleOutcome(started_at, error=message)
        record_update(self._store, report)
        self._finish(claim, RUN_FINISHED, None)
        after = self._store.current_version_ids()
        if after == before:
            return CycleOutcome(started_at, report=report)
        change = VersionChange(before, after)
        log.info("new list versions: %s", ", ".join(code.value for code in change.lists))
        if self._on_new_versions is not None:
            try:
                self._on_new_versions(change)
            except Exception as error:
                log.exception("on_new_versions failed after an update")
                return CycleOutcome(
                    started_at, report=report, change=change, error=f"on_new_versions: {error}"
                )
        return CycleOutcome(started_at, report=report, change=change)

    def _claim(self, started_at: datetime) -> int | None:
        """Log this cycle as running, unless a cycle started less than half an interval ago
        (another worker's). Under the store's write lock, so that two workers cannot both see
        no recent claim and both run. Returns the claim's row id, None when skipped."""
        return update_runs.claim_run(
            self._store.engine,
            started_at,
            unless_since=started_at - self._every / 2,
            status=RUN_CLAIMED,
            lock_timeout=self._claim_timeout,
        )

    def _finish(self, claim_id: int, status: str, error: str | None) -> None:
        update_runs.finish_run(self._store.engine, claim_id, status, error)


__all__ = [
    "CLAIM_TIMEOUT_SECONDS",
    "DEFAULT_JITTER",
    "FIRST_RUN_WITHIN_SECONDS",
    "CycleOutcome",
    "Scheduler",
    "VersionChange",
]
