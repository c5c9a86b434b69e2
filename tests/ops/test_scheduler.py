"""The update scheduler and the list status it feeds: intervals, the background loop, the update
log, the new-versions hook, workers sharing a store, and real updates from the local mirror."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from exportscreen.model import ListCode
from exportscreen.ops.scheduler import Scheduler, VersionChange
from exportscreen.ops.status import list_status, parse_every, record_update
from exportscreen.ops.updater import SourceUpdate, UpdateReport, UpdateStatus, run_update
from exportscreen.sources import fetch
from exportscreen.sources.common import ParsedSource
from exportscreen.store import ImportStatus, Store
from exportscreen.store.schema import update_runs
from tests import httpserver
from tests.httpserver import MirrorServer, mirror_server
from tests.store.factories import HUAWEI, NETTRIX, SUMA_USI, moved, parsed

__all__ = ["mirror_server"]  # a fixture, imported for pytest to find

TICK = timedelta(seconds=0.2)
NOW = timedelta(0)
FAST = fetch.Backoff(base=0.001, cap=0.01)
DPL = fetch.source("bis-dpl")


# --- parse_every -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6h", timedelta(hours=6)),
        ("30m", timedelta(minutes=30)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 2H ", timedelta(hours=2)),
        ("90s", timedelta(seconds=90)),
        ("1d 12h", timedelta(days=1, hours=12)),
    ],
)
def test_parse_every_reads_intervals(text: str, expected: timedelta) -> None:
    assert parse_every(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not an interval"),
        ("6", "not an interval"),
        ("h", "not an interval"),
        ("6x", "not an interval"),
        ("-1h", "not an interval"),
        ("1.5h", "not an interval"),
        ("every 6h", "not an interval"),
        ("0m", "shorter than 60 s"),
        ("30s", "shorter than 60 s"),
    ],
)
def test_parse_every_refuses_bad_intervals(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_every(text)


# --- helpers ---------------------------------------------------------------------------------


def importing(store: Store, *sources: ParsedSource) -> Callable[[], UpdateReport]:
    """A stand-in for run_update: each call imports the next parse result (the last one again
    once they run out) and reports it the way run_update does."""
    queue = list(sources)

    def run() -> UpdateReport:
        source = queue.pop(0) if len(queue) > 1 else queue[0]
        started = datetime.now(UTC)
        result = store.import_source(source)
        unchanged = all(item.status is ImportStatus.UNCHANGED for item in result.lists)
        return UpdateReport(
            (
                SourceUpdate(
                    source="test",
                    status=UpdateStatus.UNCHANGED if unchanged else UpdateStatus.UPDATED,
                    started_at=started,
                    finished_at=datetime.now(UTC),
                    lists=source.lists,
                    versions={v.list: v.id for v in result.created},
                ),
            )
        )

    return run


def failing_report(code: ListCode, error: str) -> UpdateReport:
    now = datetime.now(UTC)
    return UpdateReport(
        (SourceUpdate("test", UpdateStatus.FAILED, now, now, (code,), error=error),)
    )


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll until ``condition`` holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for the scheduler")
        time.sleep(0.02)


def logged_runs(store: Store) -> list[sa.Row[tuple[object, ...]]]:
    with store.engine.connect() as connection:
        return list(connection.execute(sa.select(update_runs).order_by(update_runs.c.id)))


FIRST = parsed([HUAWEI, NETTRIX], name="el-1.csv", as_of=date(2025, 4, 1), lists=(ListCode.EL,))
SECOND = parsed(
    [moved(HUAWEI, "2 New Road"), NETTRIX, SUMA_USI],
    name="el-2.csv",
    as_of=date(2025, 5, 1),
    lists=(ListCode.EL,),
)


@pytest.fixture()
def started() -> Iterator[list[Scheduler]]:
    """Schedulers a test starts, stopped even when the test fails."""
    schedulers: list[Scheduler] = []
    yield schedulers
    for scheduler in schedulers:
        assert scheduler.stop(timeout=10)


# --- the loop --------------------------------------------------------------------------------


def test_new_versions_call_the_hook_once_with_what_changed(
    store: Store, started: list[Scheduler]
) -> None:
    changes: list[VersionChange] = []
    ids_seen: list[set[str]] = []

    def hook(change: VersionChange) -> None:
        changes.append(change)
        ids_seen.append(change.entry_ids(store))

    scheduler = Scheduler(
        store,
        every=TICK,
        run=importing(store, FIRST, SECOND),
        on_new_versions=hook,
        first_run_after=NOW,
    )
    started.append(scheduler)
    scheduler.start()
    wait_for(lambda: scheduler.cycles >= 4)
    assert scheduler.stop(timeout=10)

    # Two imports changed the current EL version; the later cycles re-imported the same file.
    assert len(changes) == 2
    first_version, second_version = (v.id for v in store.versions(ListCode.EL))
    assert changes[0].before == {} and changes[0].after == {ListCode.EL: first_version}
    assert changes[1].before == {ListCode.EL: first_version}
    assert changes[1].after == {ListCode.EL: second_version}
    assert changes[1].lists == (ListCode.EL,)
    assert ids_seen == [{HUAWEI.id, NETTRIX.id}, {HUAWEI.id, SUMA_USI.id}]

    per_list = [r for r in logged_runs(store) if r.list is not None]
    assert len(per_list) == scheduler.cycles
    assert [r.status for r in per_list[:3]] == ["updated", "updated", "unchanged"]
    assert [r.version_id for r in per_list[:3]] == [first_version, second_version, None]
    whole = [r for r in logged_runs(store) if r.list is None]
    assert len(whole) == scheduler.cycles and {r.status for r in whole} == {"finished"}


def test_the_loop_survives_a_run_that_raises_and_a_hook_that_raises(
    store: Store, started: list[Scheduler]
) -> None:
    calls = 0
    good = importing(store, FIRST)

    def run() -> UpdateReport:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("parser bug")
        return good()

    def hook(change: VersionChange) -> None:
        raise LookupError("index rebuild failed")

    scheduler = Scheduler(store, every=TICK, run=run, on_new_versions=hook, first_run_after=NOW)
    started.append(scheduler)
    scheduler.start()
    wait_for(lambda: scheduler.cycles >= 3)
    assert scheduler.running
    assert scheduler.stop(timeout=10)

    whole = [r for r in logged_runs(store) if r.list is None]
    assert whole[0].status == "failed"
    assert whole[0].error == "unexpected RuntimeError: parser bug"
    assert whole[0].finished_at is not None
    # The second cycle imported, then the hook failed; the version is in and the loop went on.
    assert [v.list for v in store.versions(ListCode.EL)] == [ListCode.EL]
    (status,) = list_status(store)
    assert status.version_id == store.current_version_ids()[ListCode.EL]
    assert status.last_attempt is not None and status.last_attempt.status == "unchanged"
    # The crash of the first run counts as a failed attempt of every list.
    assert status.last_failure is not None
    assert status.last_failure.error == "unexpected RuntimeError: parser bug"
    assert not status.failing


def test_a_failed_update_keeps_the_last_good_version_and_status_says_so(
    store: Store, started: list[Scheduler]
) -> None:
    good = importing(store, FIRST)
    good()
    serving = store.current_version_ids()
    record_update(store, UpdateReport(()))  # nothing to log: no row, no error
    assert logged_runs(store) == []

    scheduler = Scheduler(
        store,
        every=TICK,
        run=lambda: failing_report(ListCode.EL, "HTTP 500 from www.trade.gov"),
        first_run_after=NOW,
    )
    started.append(scheduler)
    scheduler.start()
    wait_for(lambda: scheduler.cycles >= 2)
    assert scheduler.stop(timeout=10)

    assert store.current_version_ids() == serving
    outcome = scheduler.last_outcome
    assert outcome is not None and outcome.report is not None and not outcome.ok
    (status,) = list_status(store)
    assert status.failing
    assert status.last_attempt is not None
    assert status.last_attempt.error == "HTTP 500 from www.trade.gov"
    assert status.last_success is None  # loaded by hand, never by an update
    assert status.version_id == serving[ListCode.EL]
    assert status.entry_count == 2


def test_stop_ends_the_thread_between_cycles(store: Store) -> None:
    scheduler = Scheduler(
        store, every=timedelta(hours=6), run=importing(store, FIRST), first_run_after=NOW
    )
    scheduler.start()
    wait_for(lambda: scheduler.cycles == 1)
    with pytest.raises(RuntimeError, match="already started"):
        scheduler.start()
    assert scheduler.stop(timeout=5)  # waiting six hours: stop must not
    assert not scheduler.running
    assert scheduler.cycles == 1


@pytest.mark.parametrize(
    ("every", "jitter", "message"),
    [
        (timedelta(0), 0.1, "must be positive"),
        (timedelta(seconds=-1), 0.1, "must be positive"),
        (TICK, 1.0, "jitter"),
        (TICK, -0.1, "jitter"),
    ],
)
def test_bad_schedules_are_refused(
    tmp_path: Path, every: timedelta, jitter: float, message: str
) -> None:
    with (
        Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store,
        pytest.raises(ValueError, match=message),
    ):
        Scheduler(store, every=every, run=importing(store, FIRST), jitter=jitter)


def test_workers_sharing_a_store_run_each_cycle_once(store_url: str) -> None:
    """Two API workers on one database: the first to claim a cycle runs it, the other skips it,
    until half an interval has passed."""
    with Store.open(store_url) as first_store, Store.open(store_url) as second_store:
        runs: list[str] = []

        def run_for(name: str, store: Store) -> Callable[[], UpdateReport]:
            inner = importing(store, FIRST)

            def run() -> UpdateReport:
                runs.append(name)
                return inner()

            return run

        every = timedelta(hours=6)
        first = Scheduler(first_store, every=every, run=run_for("first", first_store))
        second = Scheduler(second_store, every=every, run=run_for("second", second_store))

        ran = first.run_once()
        skipped = second.run_once()

        assert not ran.skipped and ran.ok and ran.change is not None
        assert skipped.skipped and skipped.report is None and skipped.ok
        assert runs == ["first"]

        # Half an interval later (the claim backdated), the next cycle is the second's to run.
        with second_store.engine.begin() as connection:
            connection.execute(
                sa.update(update_runs).values(started_at=datetime.now(UTC) - every / 2)
            )
        again = second.run_once()
        assert not again.skipped and runs == ["first", "second"]
        assert again.change is None  # the same file: no new version


def test_concurrent_claims_let_exactly_one_worker_run(store_url: str) -> None:
    with Store.open(store_url) as shared:
        runs: list[int] = []
        lock = threading.Lock()
        inner = importing(shared, FIRST)

        def run() -> UpdateReport:
            with lock:
                runs.append(1)
            return inner()

        schedulers = [Scheduler(shared, every=timedelta(hours=1), run=run) for _ in range(4)]
        gate = threading.Barrier(len(schedulers))
        outcomes = []

        def cycle(scheduler: Scheduler) -> None:
            gate.wait()
            outcomes.append(scheduler.run_once())

        threads = [threading.Thread(target=cycle, args=(s,)) for s in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert len(runs) == 1
        assert sorted(o.skipped for o in outcomes) == [False, True, True, True]


# --- status ----------------------------------------------------------------------------------


def run(
    started_at: datetime,
    status: str,
    code: str | None,
    *,
    error: str | None = None,
    version_id: int | None = None,
) -> dict[str, object]:
    """An update_runs row, finished a minute after it started."""
    return {
        "started_at": started_at,
        "finished_at": started_at + timedelta(minutes=1),
        "status": status,
        "list": code,
        "error": error,
        "version_id": version_id,
    }


def test_list_status_reports_ages_and_the_latest_attempts(store: Store) -> None:
    importing(store, FIRST)()
    version = store.versions(ListCode.EL)[0]
    early = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
    with store.engine.begin() as connection:
        connection.execute(
            sa.insert(update_runs),
            [
                # EL: worked, then failed twice; SDN: only ever failed; a whole run that died.
                run(early, "updated", "EL", version_id=version.id),
                run(early + timedelta(hours=6), "failed", "EL", error="HTTP 500"),
                run(early + timedelta(hours=12), "failed", "EL", error="timed out"),
                run(
                    early + timedelta(hours=6),
                    "failed",
                    "SDN",
                    error="not a ofac_csv file any more",
                ),
                run(
                    early + timedelta(hours=3), "failed", None, error="unexpected OperationalError"
                ),
                # A cycle in progress is not an attempt of any list.
                run(early + timedelta(hours=18), "running", None),
            ],
        )
    now = datetime.combine(version.as_of, datetime.min.time(), UTC) + timedelta(days=10, hours=1)

    by_list = {s.list: s for s in list_status(store, now=now)}

    assert list(by_list) == [ListCode.EL, ListCode.SDN]  # ListCode order
    el = by_list[ListCode.EL]
    assert el.version_id == version.id and el.as_of == version.as_of == date(2025, 4, 1)
    assert el.entry_count == 2
    assert el.data_age_days == 10
    assert el.import_age == now - version.imported_at
    assert el.last_attempt is not None and el.last_attempt.error == "timed out"
    assert el.last_failure == el.last_attempt
    assert el.last_success is not None and el.last_success.version_id == version.id
    assert el.failing
    sdn = by_list[ListCode.SDN]
    assert sdn.version_id is None and sdn.data_age_days is None and sdn.import_age is None
    assert sdn.failing and sdn.last_attempt is not None
    assert sdn.last_attempt.error == "not a ofac_csv file any more"


def test_list_status_of_an_empty_store_is_empty(store: Store) -> None:
    assert list_status(store) == []


# --- real updates through the scheduler ------------------------------------------------------


def mirror_update(store: Store, server: MirrorServer, *sources: str) -> Callable[[], UpdateReport]:
    return lambda: run_update(
        store, sources=list(sources), mirror=server.url, timeout=0.5, retries=1, backoff=FAST
    )


@pytest.mark.shared
def test_scheduled_updates_from_the_mirror_then_an_outage(
    mirror_server: MirrorServer, store: Store, started: list[Scheduler]
) -> None:
    changes: list[VersionChange] = []
    scheduler = Scheduler(
        store,
        every=TICK,
        run=mirror_update(store, mirror_server, "bis-dpl"),
        on_new_versions=changes.append,
        first_run_after=NOW,
    )
    started.append(scheduler)
    scheduler.start()
    wait_for(lambda: scheduler.cycles >= 2)
    # The publisher's site goes down: every later cycle fails, the DPL stays served.
    mirror_server.route_official(
        DPL.primary.url, httpserver.failing(10_000, 500, httpserver.empty())
    )
    done = scheduler.cycles
    wait_for(lambda: scheduler.cycles >= done + 2)
    assert scheduler.stop(timeout=10)

    (change,) = changes
    assert change.lists == (ListCode.DPL,)
    (version,) = store.versions(ListCode.DPL)
    assert store.current_version_ids() == {ListCode.DPL: version.id}
    (status,) = list_status(store)
    assert status.failing
    assert status.last_attempt is not None and "HTTP 500" in (status.last_attempt.error or "")
    assert status.last_success is not None and status.last_success.status in {
        "updated",
        "unchanged",
    }
    assert status.entry_count == version.entry_count > 400
