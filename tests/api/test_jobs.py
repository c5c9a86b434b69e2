"""Batch jobs under faults, on SQLite and PostgreSQL: a worker killed mid-job (SIGKILL) leaves
a job another worker takes over once its lease runs out, and runs to the end, recorded once; a
full jobs folder or disk is refused cleanly (507) with nothing left behind; finished jobs and
orphan folders are deleted after the retention period."""

from __future__ import annotations

import csv
import errno
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exportscreen.api import jobs as jobs_module
from exportscreen.api.jobs import ERRORS_NAME, RESULT_NAME, JobsFull, JobStore
from exportscreen.casework import audit_trail as audit
from exportscreen.casework.evidence import reference
from exportscreen.matching.index_build import build_index
from exportscreen.screening.batch import run_batch
from exportscreen.screening.screener import Screener
from exportscreen.store import Store, batch_jobs
from tests.api.job_worker import LEASE_SECONDS
from tests.api.support import (
    FIXTURES,
    add_users,
    build_app,
    config_for,
    load_fixture_lists,
    running,
)

ROOT = Path(__file__).resolve().parents[2]
ROWS = 3_000
WORDS = ("Alder", "Birch", "Cedar", "Dune", "Ember", "Fjord", "Grove", "Heath", "Inlet", "Juniper",
         "Kestrel")  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = (
        f"sqlite:///{tmp_path / 'jobs.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    with Store.open(url) as opened:
        load_fixture_lists(opened)
        yield opened


def screener_of(store: Store) -> tuple[Screener, dict[str, int]]:
    versions = {code.value: number for code, number in store.current_version_ids().items()}
    return Screener(build_index(store.entries()), store.current_version_ids()), versions


def parties_csv(rows: int = ROWS) -> bytes:
    """The fixture parties (some listed, one without a name) every tenth row; in between,
    parties of unique names, so that each is screened (repeated names are screened once)."""
    base = list(csv.DictReader(io.StringIO((FIXTURES / "parties.csv").read_text("utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(base[0]))
    writer.writeheader()
    for n in range(rows):
        row = dict(base[(n // 10) % len(base)]) if n % 10 == 0 else {
            **{key: "" for key in base[0]}, "name": f"{WORDS[n % 7]} {WORDS[n // 7 % 11]} {n}"
        }  # fmt: skip
        row["id"] = f"P-{n:05d}"
        writer.writerow(row)
    return out.getvalue().encode()


def submit(jobs: JobStore, store: Store, data: bytes, name: str = "parties.csv") -> str:
    screener, versions = screener_of(store)
    status = jobs.submit(
        owner="viewer",
        file_name=name,
        upload=io.BytesIO(data),
        screener=screener,
        version_ids=versions,
        threshold=0.8,
    )
    return status.id


def wait_for(marker: Path, process: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            _, errors = process.communicate()
            pytest.fail(f"the worker ended before it was killed: {errors.decode()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the worker never reached the middle of the job")
        time.sleep(0.05)


def test_a_job_whose_worker_is_killed_is_taken_over_and_finished(
    store: Store, tmp_path: Path
) -> None:
    root = tmp_path / "jobs"
    front = JobStore(root, store, start=False)  # the worker that took the upload
    job_id = submit(front, store, parties_csv())
    marker = tmp_path / "stalled"
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.api.job_worker", str(store.engine.url.render_as_string(
            hide_password=False)), str(root), "--stall-after", str(ROWS // 3), str(marker)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    wait_for(marker, worker)
    held = batch_jobs.get(store.engine, job_id)
    assert held is not None and held.status == "running" and held.attempts == 1
    os.kill(worker.pid, signal.SIGKILL)
    worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    # Until its lease runs out the job is left alone: its worker might only be slow.
    screener, versions = screener_of(store)
    rescuer = JobStore(
        root, store, current=lambda: (screener, versions), lease_seconds=60, start=False
    )
    time.sleep(LEASE_SECONDS * 1.5)
    assert rescuer.run_next()

    job = rescuer.get(job_id)
    assert job is not None
    assert (job.status, job.attempts, job.rows_done) == ("done", 2, ROWS)
    assert len(job.notes) == 1 and "stopped without finishing" in job.notes[0]
    assert "died" in job.notes[0]
    # Nothing lost: the results are those of an uninterrupted run of the same file.
    expected = tmp_path / "expected.csv"
    run_batch(root / job_id / "input.csv", expected, screener=screener, threshold=0.8, workers=1)
    assert (root / job_id / RESULT_NAME).read_text("utf-8") == expected.read_text("utf-8")
    assert sorted(p.name for p in (root / job_id).iterdir()) == sorted(
        ["input.csv", RESULT_NAME, ERRORS_NAME]
    )
    # Recorded once, by the run that finished.
    records = [r for r in audit.records(store.engine) if r.payload.get("job") == job_id]
    assert [(r.action, r.payload["rows"]) for r in records] == [("screening.batch", ROWS)]
    assert audit.verify(store.engine).ok
    # The job names that record: its evidence reference.
    assert job.reference == reference(records[0].seq)


def test_a_job_that_kills_every_worker_fails_for_good(store: Store, tmp_path: Path) -> None:
    jobs = JobStore(tmp_path / "jobs", store, start=False, lease_seconds=60)
    job_id = submit(jobs, store, parties_csv(10))
    start = datetime.now(UTC)
    for attempt in range(batch_jobs.MAX_ATTEMPTS):
        # Each run's worker "dies": its lease is simply never renewed.
        taken = batch_jobs.claim(
            store.engine,
            f"doomed-{attempt}",
            timedelta(seconds=1),
            start + timedelta(hours=attempt),
        )
        assert taken is not None and taken.attempts == attempt + 1
    later = start + timedelta(hours=batch_jobs.MAX_ATTEMPTS)
    assert batch_jobs.claim(store.engine, "next", timedelta(seconds=1), later) is None
    job = jobs.get(job_id)
    assert job is not None and job.status == "failed"
    assert job.error is not None and "died in each of 3 runs" in job.error
    assert len(job.notes) == 3


def test_a_full_jobs_folder_is_refused_and_keeps_nothing(store: Store, tmp_path: Path) -> None:
    data = parties_csv(200)
    jobs = JobStore(tmp_path / "jobs", store, start=False, max_bytes=len(data) + 100)
    first = submit(jobs, store, data)
    with pytest.raises(JobsFull, match="jobs folder is full"):
        submit(jobs, store, data)
    assert [p.name for p in (tmp_path / "jobs").iterdir()] == [first]
    assert batch_jobs.all_ids(store.engine) == {first}


def test_a_full_disk_is_refused_and_keeps_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(*_: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(jobs_module, "_copy_at_most", no_space)
    jobs = JobStore(tmp_path / "jobs", store, start=False)
    with pytest.raises(JobsFull, match="disk of the jobs folder is full"):
        submit(jobs, store, parties_csv(10))
    assert list((tmp_path / "jobs").iterdir()) == []
    assert batch_jobs.all_ids(store.engine) == set()


def test_finished_jobs_and_orphan_folders_go_after_the_retention_period(
    store: Store, tmp_path: Path
) -> None:
    root = tmp_path / "jobs"
    screener, versions = screener_of(store)
    jobs = JobStore(
        root, store, start=False, current=lambda: (screener, versions),
        retention=timedelta(days=7),
    )  # fmt: skip
    done = submit(jobs, store, parties_csv(10))
    assert jobs.run_next()
    waiting = submit(jobs, store, parties_csv(10))  # queued: never deleted by age
    orphan = root / ("f" * 32)  # a crash between the upload and its row
    orphan.mkdir()
    old = time.time() - 2 * 3600
    os.utime(orphan, (old, old))
    fresh_orphan = root / ("e" * 32)  # an upload still arriving
    fresh_orphan.mkdir()

    assert jobs.sweep() == []
    assert not orphan.exists() and fresh_orphan.exists()
    deleted = jobs.sweep(now=datetime.now(UTC) + timedelta(days=8))
    assert deleted == [done]
    assert not (root / done).exists() and jobs.get(done) is None
    assert (root / waiting).is_dir() and jobs.get(waiting) is not None


def test_the_api_answers_507_when_the_jobs_folder_is_full(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'api.db'}") as opened:
        load_fixture_lists(opened)
        keys = add_users(opened)
        config = config_for(tmp_path, str(opened.engine.url), jobs_max_bytes=1)
        from exportscreen.api.auth import Role

        with running(build_app(opened, config)) as client:
            assert isinstance(client, TestClient)
            upload = parties_csv(50)
            response = client.post(
                "/v1/batch",
                files={"file": ("parties.csv", upload, "text/csv")},
                headers=keys.header(Role.VIEWER),
            )
        assert response.status_code == 507, response.text
        assert "jobs folder is full" in response.json()["detail"]
        assert [p for p in (tmp_path / "jobs").iterdir() if p.is_dir()] == []
