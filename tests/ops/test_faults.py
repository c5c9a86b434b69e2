"""Fault injection: a killed import, two imports at once, a full disk, schema drift and broken
downloads. In every case what the store already held is intact and serving, and the next run
completes."""

from __future__ import annotations

import csv
import gzip
import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from exportscreen import sources
from exportscreen.model import ListCode
from exportscreen.ops.scheduler import Scheduler
from exportscreen.ops.status import list_status
from exportscreen.ops.updater import UpdateReport, run_update
from exportscreen.sources import fetch
from exportscreen.sources.common import ParsedSource
from exportscreen.store import ListSummary, Store, StoreBusyError
from exportscreen.store.schema import (
    entry_states,
    import_lock,
    list_versions,
    update_runs,
    version_entries,
)
from tests import httpserver
from tests.httpserver import OFFICIAL_FILES, MirrorServer, mirror_server
from tests.store.factories import HUAWEI, NETTRIX, SUMA_USI, el_entry, moved, parsed

__all__ = ["mirror_server"]  # a fixture, imported for pytest to find

ROOT = Path(__file__).resolve().parents[2]
CSL_2022 = "watchman/csl/consolidated_2022-05.csv.gz"
CSL_2019 = "watchman/csl/csl_sample_2019-12.csv"
CSL_2025_SAMPLE = "watchman/csl/consolidated_sample_2025-06.csv"
FAST = fetch.Backoff(base=0.001, cap=0.01)
CSL = fetch.source("csl")
DPL = fetch.source("bis-dpl")


@dataclass(frozen=True, slots=True)
class StoreState:
    """Everything an import touches: what readers see and the rows underneath."""

    lists: list[ListSummary]
    rows: dict[str, int]


def state_of(store: Store) -> StoreState:
    with store.engine.connect() as connection:
        rows = {
            table.name: connection.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
            for table in (list_versions, entry_states, version_entries)
        }
    return StoreState(sorted(store.lists(), key=lambda s: s.list), rows)


def lock_row(store: Store) -> tuple[Any, ...]:
    """Who last held the write lock: a killed import's claim on it must roll back too."""
    with store.engine.connect() as connection:
        return tuple(connection.execute(sa.select(import_lock)).one())


def assert_sound(store: Store) -> None:
    """SQLite's own check of the file after a crash (PostgreSQL recovers by its WAL)."""
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def counts_by_list(source: ParsedSource) -> dict[ListCode, int]:
    return dict(Counter(entry.list for entry in source.entries))


# --- SIGKILL in the middle of an import -----------------------------------------------------


@pytest.fixture(scope="module")
def csl_2022(raw_dir: Path) -> ParsedSource:
    return sources.parse(raw_dir / CSL_2022)


def wait_for_marker(marker: Path, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            _, errors = process.communicate()
            pytest.fail(f"the import process ended early: {errors.decode()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the import never reached its transaction")
        time.sleep(0.05)


@pytest.mark.shared
def test_sigkill_during_an_import_loses_nothing(
    store_url: str, raw_dir: Path, tmp_path: Path, csl_2022: ParsedSource
) -> None:
    with Store.open(store_url) as store:
        store.import_source(sources.parse(raw_dir / CSL_2019))
        before = state_of(store)
        holder = lock_row(store)
    marker = tmp_path / "in-transaction"

    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ops.import_worker", store_url, str(raw_dir / CSL_2022),
         "--stall", str(marker)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    wait_for_marker(marker, process)
    if store_url.startswith("sqlite"):
        # The transaction has written pages: SQLite's write-ahead log holds them, uncommitted.
        assert Path(store_url.removeprefix("sqlite:///") + "-wal").stat().st_size > 0
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL

    with Store.open(store_url, lock_timeout=30) as store:
        assert_sound(store)
        assert state_of(store) == before  # no half version, the previous versions intact
        assert lock_row(store) == holder
        result = store.import_source(csl_2022)
        expected = counts_by_list(csl_2022)
        assert {v.list: v.entry_count for v in result.created} == expected
        current = {s.list: s for s in store.lists()}
        assert {code: current[code].entry_count for code in expected} == expected
        # Each list of the 2019 sample now has its old version and the new one.
        assert {s.list: s.version_count for s in current.values() if s.version_count > 1} == {
            s.list: 2 for s in before.lists
        }


# --- two imports at once --------------------------------------------------------------------

FIRST = parsed([HUAWEI, NETTRIX], name="el-1.csv", lists=(ListCode.EL,))
SECOND = parsed(
    [moved(HUAWEI, "2 New Road"), NETTRIX, SUMA_USI], name="el-2.csv", lists=(ListCode.EL,)
)


class HeldImport:
    """An import in a thread that stops inside its transaction until released."""

    def __init__(self, store: Store, source: ParsedSource) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(store, source))

    def _run(self, store: Store, source: ParsedSource) -> None:
        def hold(done: int, total: int) -> None:
            self.inside.set()
            self.release.wait(30)

        try:
            store.import_source(source, progress=hold)
        except BaseException as error:  # reported to the test, which asserts on it
            self.error = error

    def __enter__(self) -> HeldImport:
        self._thread.start()
        assert self.inside.wait(30), "the first import never began"
        return self

    def __exit__(self, *_: object) -> None:
        self.release.set()
        self._thread.join(30)


def test_a_second_import_waits_for_the_first_then_builds_on_it(store_url: str) -> None:
    with (
        Store.open(store_url, lock_timeout=30) as one,
        Store.open(store_url, lock_timeout=30) as two,
    ):
        outcome: list[Any] = []
        with HeldImport(one, FIRST) as first:
            second = threading.Thread(target=lambda: outcome.append(two.import_source(SECOND)))
            second.start()
            second.join(0.5)
            assert second.is_alive()  # it cannot get the write lock while the first holds it
        second.join(30)
        assert first.error is None

        versions = one.versions(ListCode.EL)
        assert [v.id for v in versions] == [v.id for v in sorted(versions, key=lambda v: v.id)]
        older, newer = versions
        assert {e.id for e in one.entries(version_id=older.id)} == {HUAWEI.id, NETTRIX.id}
        assert one.entries(version_id=newer.id) == SECOND.entries
        # The second import diffed against the first one's version, not the empty store it saw
        # before waiting: never interleaved.
        assert {k: newer.counts[k] for k in ("added", "changed", "unchanged")} == {
            "added": 1,
            "changed": 1,
            "unchanged": 1,
        }
        assert outcome and outcome[0].created == (newer,)


def test_a_second_import_that_cannot_wait_fails_cleanly(store_url: str) -> None:
    with (
        Store.open(store_url, lock_timeout=30) as one,
        Store.open(store_url, lock_timeout=0.3) as two,
    ):
        with (
            HeldImport(one, FIRST) as first,
            pytest.raises(StoreBusyError, match="another import is writing"),
        ):
            two.import_source(SECOND)
        assert first.error is None
        (only,) = one.versions(ListCode.EL)
        assert one.entries(version_id=only.id) == FIRST.entries
        # Once the first is done, the second goes through.
        two.import_source(SECOND)
        assert len(one.versions(ListCode.EL)) == 2


# --- a full disk ----------------------------------------------------------------------------

BIG = parsed(
    [el_entry(f"bulk-{n}", f"Bulk Trading Company Number {n}") for n in range(3000)],
    name="el-big.csv",
    lists=(ListCode.EL,),
)


@pytest.fixture()
def full_disk_store(tmp_path: Path) -> Iterator[tuple[Store, Callable[[], None]]]:
    """A SQLite store whose file cannot grow past a few pages beyond what it holds: the disk
    is full as far as SQLite can tell. Calling the second item frees the space."""
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        store.import_source(FIRST)
        with store.engine.connect() as connection:
            pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()

        def cap(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 4}")

        event.listen(store.engine, "connect", cap)
        store.engine.dispose()  # the pooled connections were opened without the cap

        def free() -> None:
            event.remove(store.engine, "connect", cap)
            store.engine.dispose()

        yield store, free


def test_a_full_disk_fails_the_import_clearly_and_keeps_the_data(
    full_disk_store: tuple[Store, Callable[[], None]],
) -> None:
    store, free = full_disk_store
    before = state_of(store)

    with pytest.raises(sa.exc.OperationalError, match="database or disk is full"):
        store.import_source(BIG)

    assert state_of(store) == before
    assert_sound(store)
    (version,) = store.versions(ListCode.EL)
    assert store.entries(version_id=version.id) == FIRST.entries
    free()
    result = store.import_source(BIG)
    assert [v.entry_count for v in result.created] == [3000]


def test_a_full_disk_during_a_scheduled_update_is_logged_and_keeps_the_data(
    full_disk_store: tuple[Store, Callable[[], None]],
) -> None:
    """The import fails; the cycle's small log row still fits, and says why."""
    store, _free = full_disk_store
    before = state_of(store)

    def run() -> UpdateReport:
        store.import_source(BIG)
        raise AssertionError("the import should have failed")

    outcome = Scheduler(store, every=timedelta(hours=1), run=run).run_once()

    assert not outcome.ok
    assert "database or disk is full" in outcome.error
    assert state_of(store) == before
    (logged,) = failed_runs(store)
    assert logged.list is None and "database or disk is full" in logged.error


# --- schema drift and broken downloads, through the scheduler --------------------------------


def drifted_csl(sample: Path, change: Callable[[list[str]], list[str] | None]) -> bytes:
    """The CSL sample with each row (header included) passed through ``change``."""
    reader = csv.reader(io.StringIO(sample.read_text(encoding="utf-8")))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in reader:
        changed = change(row)
        writer.writerow(row if changed is None else changed)
    return out.getvalue().encode("utf-8")


def rename_name_column(row: list[str]) -> list[str] | None:
    return ["entity_name" if cell == "name" else cell for cell in row] if "source" in row else None


def without_column(header: list[str], column: str) -> Callable[[list[str]], list[str]]:
    index = header.index(column)
    return lambda row: row[:index] + row[index + 1 :]


def scheduled_once(store: Store, server: MirrorServer, source: str) -> None:
    scheduler = Scheduler(
        store,
        every=timedelta(hours=1),
        run=lambda: run_update(
            store, sources=[source], mirror=server.url, timeout=0.5, retries=1, backoff=FAST
        ),
    )
    outcome = scheduler.run_once()
    assert not outcome.skipped and outcome.report is not None


def failed_runs(store: Store) -> list[Any]:
    with store.engine.connect() as connection:
        return list(
            connection.execute(sa.select(update_runs).where(update_runs.c.status == "failed"))
        )


@pytest.mark.shared
@pytest.mark.parametrize("drift", ["renamed-column", "missing-column"])
def test_schema_drift_in_a_downloaded_csl_is_refused(
    mirror_server: MirrorServer, store: Store, raw_dir: Path, drift: str
) -> None:
    sample = raw_dir / CSL_2025_SAMPLE
    store.import_source(sources.parse(sample))
    before = state_of(store)
    header = next(csv.reader(io.StringIO(sample.read_text(encoding="utf-8"))))
    change = (
        rename_name_column if drift == "renamed-column" else without_column(header, "addresses")
    )
    mirror_server.route_official(CSL.primary.url, httpserver.body(drifted_csl(sample, change)))

    scheduled_once(store, mirror_server, "csl")

    assert state_of(store) == before
    failures = failed_runs(store)
    assert {ListCode(r.list) for r in failures} == set(CSL.lists)
    assert all("not a csl_csv file any more" in r.error for r in failures)
    status = {s.list: s for s in list_status(store)}
    loaded = {s.list for s in before.lists}
    assert all(status[code].failing and status[code].version_id is not None for code in loaded)


Fault = Callable[[MirrorServer], httpserver.Responder]


def _dpl_file(server: MirrorServer) -> Path:
    return server.shared_file(OFFICIAL_FILES[DPL.primary.url][0])


DOWNLOAD_FAULTS: list[tuple[str, Fault, str]] = [
    ("http-500", lambda s: httpserver.failing(99, 500, httpserver.empty()), "HTTP 500"),
    ("timeout", lambda s: httpserver.hanging(s, 5.0), "timed out"),
    (
        "truncated",
        lambda s: httpserver.truncated(_dpl_file(s), keep=0.6, as_transfer_encoding=True),
        "truncated or corrupt gzip",
    ),
    (
        "connection-dropped",
        lambda s: httpserver.short_body(gzip.decompress(_dpl_file(s).read_bytes())),
        "connection closed after",
    ),
    ("html-instead", lambda s: httpserver.html_page("text/plain"), "HTML page"),
    (
        "corrupt",
        lambda s: httpserver.body(random.Random(7).randbytes(50_000), "text/plain"),
        "does not look like dpl.txt",
    ),
]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("fault", "message"), [pytest.param(f, m, id=case) for case, f, m in DOWNLOAD_FAULTS]
)
def test_a_broken_download_keeps_the_last_good_version(
    mirror_server: MirrorServer, store: Store, fault: Fault, message: str
) -> None:
    baseline = run_update(store, sources=["bis-dpl"], mirror=mirror_server.url, backoff=FAST)
    assert baseline.ok
    before = state_of(store)
    mirror_server.route_official(DPL.primary.url, fault(mirror_server))

    scheduled_once(store, mirror_server, "bis-dpl")

    assert state_of(store) == before
    (failure,) = failed_runs(store)
    assert failure.list == "DPL" and message in failure.error
    (status,) = list_status(store)
    assert status.failing and status.last_attempt is not None
    assert status.last_attempt.error == failure.error
    assert status.entry_count == before.lists[0].entry_count
