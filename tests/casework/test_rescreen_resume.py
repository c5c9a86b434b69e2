"""Fault injection: a re-screen killed in the middle (SIGKILL, on SQLite and PostgreSQL) resumes
where it stopped. Every counterparty of its plan is screened exactly once, no alert is lost or
doubled, and the audit trail says the job was interrupted, then complete."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.register import Register
from exportscreen.casework.rescreen import SCREEN_CHUNK, last_screening, rescreen
from exportscreen.matching.index_build import build_index
from exportscreen.model import ListCode
from exportscreen.screening.screener import Screener
from exportscreen.store import Store, rescreen_jobs
from tests.casework.rescreen_worker import THRESHOLD
from tests.casework.test_rescreen import NEW_ENTRIES, STEADY, V1_DATE, publish, write_register

ROOT = Path(__file__).resolve().parents[2]
REGISTER_SIZE = 25_000
# Listed names planted in the register, each under one id: the alerts a complete run raises.
PLANTED = {
    "hit-gazprombank": "Gazprombank",
    "hit-tatneft": "Tatneft",
    "hit-nettrix": "Nettrix Information Industry (Beijing) Co., Ltd.",
    "hit-khoroshev": "KHOROSHEV, Dmitriy Yuryevich",
}
WORDS = (
    "Alder",
    "Birch",
    "Cedar",
    "Dune",
    "Ember",
    "Fjord",
    "Grove",
    "Heath",
    "Inlet",
    "Juniper",
    "Kestrel",
    "Lagoon",
    "Moraine",
    "Nimbus",
    "Oriel",
    "Prairie",
    "Quarry",
    "Ridge",
    "Sorrel",
    "Tundra",
    "Umber",
    "Vale",
    "Willow",
    "Yarrow",
    "Zephyr",
)
KINDS = ("Trading", "Logistics", "Holdings", "Textiles", "Foods", "Ceramics", "Optics")


def register_rows() -> list[tuple[str, str]]:
    rng = random.Random(15)
    rows = [
        (f"cp-{n:05d}", f"{' '.join(rng.sample(WORDS, 2))} {rng.choice(KINDS)} {n}")
        for n in range(REGISTER_SIZE - len(PLANTED))
    ]
    rows[7_000:7_000] = [("hit-gazprombank", PLANTED["hit-gazprombank"])]  # in the first part
    rows[12_000:12_000] = [("hit-tatneft", PLANTED["hit-tatneft"])]  # in the killed part
    rows.extend((key, name) for key, name in PLANTED.items() if key.endswith(("nettrix", "shev")))
    return rows


@pytest.fixture()
def planted_store(store_url: str, tmp_path: Path) -> Iterator[str]:
    with Store.open(store_url, lock_timeout=30) as store:
        publish(store, [STEADY, *NEW_ENTRIES], V1_DATE, [ListCode.EL, ListCode.SDN, ListCode.SSI])
        register = Register(store, actor="tester", threshold=THRESHOLD)
        register.import_file(write_register(tmp_path / "register.csv", register_rows()))
    yield store_url


def start_worker(url: str, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.casework.rescreen_worker", url, "2020-01-01", *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(marker: Path, process: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            _, errors = process.communicate()
            pytest.fail(f"the re-screen ended before it was killed: {errors.decode()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the re-screen never reached its second part")
        time.sleep(0.05)


def test_a_rescreen_killed_midway_resumes_and_screens_everyone_once(
    planted_store: str, tmp_path: Path
) -> None:
    url = planted_store
    marker = tmp_path / "stalled"
    # Killed in the middle of its second part: 10,000 screened and written, 5,000 screened in
    # memory and lost with the process.
    halfway = SCREEN_CHUNK + SCREEN_CHUNK // 2
    process = start_worker(url, "--stall-after", str(halfway), str(marker))
    wait_for(marker, process)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL

    with Store.open(url) as store:
        job = rescreen_jobs.running(store.engine)
        assert job is not None
        assert (job.done, job.total) == (SCREEN_CHUNK, REGISTER_SIZE)
        register = Register(store, actor="tester", threshold=THRESHOLD)
        # The killed part's counterparties are not taken for screened.
        assert last_screening(register) is None
        assert {a.counterparty.external_id for a in register.alerts()} == {"hit-gazprombank"}

    rerun = start_worker(url)
    output, errors = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, errors.decode()
    report = json.loads(output)
    # The report covers the whole job, the part before the kill included.
    assert report["fresh"] == REGISTER_SIZE

    with Store.open(url) as store:
        register = Register(store, actor="tester", threshold=THRESHOLD)
        finished = rescreen_jobs.load(store.engine, job.id)
        assert finished is not None
        assert (finished.status, finished.done, finished.resumed) == ("complete", REGISTER_SIZE, 1)
        trail = [r for r in audit.records(store.engine) if r.payload.get("job") == job.id
                 or r.payload.get("rescreen_job") == job.id]  # fmt: skip
        parts = [tuple(r.payload["items"]) for r in trail if r.action == "register.screen"]
        # Each counterparty of the plan in exactly one committed part: the parts tile the plan.
        assert sorted(parts) == [(0, 10_000), (10_000, 20_000), (20_000, REGISTER_SIZE)]
        assert sum(r.payload["counterparties"] for r in trail if r.action == "register.screen") == (
            REGISTER_SIZE
        )
        assert [(r.action, r.payload.get("complete")) for r in trail if "rescreen" in r.action] == [
            ("register.rescreen_start", False),
            ("register.rescreen_resume", False),
            ("register.rescreen", True),
        ]
        resume = next(r for r in trail if r.action == "register.rescreen_resume")
        assert (resume.payload["done"], resume.payload["total"]) == (SCREEN_CHUNK, REGISTER_SIZE)
        # Nothing lost, nothing doubled: one open alert per planted counterparty.
        alerts = register.alerts()
        assert sorted(a.counterparty.external_id for a in alerts) == sorted(PLANTED)
        assert audit.verify(store.engine).ok

        # Recorded as complete: the next re-screen has nothing left to do.
        screener = Screener(build_index(store.entries()), store.current_version_ids())
        again = rescreen(store, register, screener)
        assert (again.screened, again.fresh, again.alerts_raised) == (0, 0, [])


def test_a_rescreen_interrupted_before_new_lists_is_superseded_not_lost(tmp_path: Path) -> None:
    """The lists moved on while an interrupted job waited: it is superseded, and the new job
    starts from the last complete screening, so it still covers the counterparties the old
    one never reached."""
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        publish(store, [STEADY], V1_DATE, [ListCode.EL, ListCode.SDN, ListCode.SSI])
        register = Register(store, actor="tester", threshold=THRESHOLD)
        register.import_file(
            write_register(tmp_path / "r.csv", [(k, v) for k, v in PLANTED.items()])
        )

        class Interrupted(Exception):
            pass

        class DiesAfterOnePart(Screener):
            calls = 0

            def screen(self, name: str, *args: object, **options: object) -> list:  # type: ignore[type-arg]
                self.calls += 1
                if self.calls > 2:
                    raise Interrupted
                return super().screen(name, *args, **options)  # type: ignore[arg-type]

        dying = DiesAfterOnePart(build_index(store.entries()), store.current_version_ids())
        with pytest.raises(Interrupted):
            rescreen(store, register, dying, since=date(2020, 1, 1), chunk=2)
        old = rescreen_jobs.running(store.engine)
        assert old is not None and old.done == 2

        publish(
            store,
            [STEADY, *NEW_ENTRIES],
            date(2026, 7, 1),
            [ListCode.EL, ListCode.SDN, ListCode.SSI],
        )
        screener = Screener(build_index(store.entries()), store.current_version_ids())
        report = rescreen(store, register, screener, since=date(2020, 1, 1), chunk=2)
        assert report.fresh == len(PLANTED)
        assert rescreen_jobs.load(store.engine, old.id).status == "superseded"  # type: ignore[union-attr]
        assert sorted(a.counterparty.external_id for a in register.alerts()) == sorted(PLANTED)
        actions = [r.action for r in audit.records(store.engine) if "rescreen" in r.action]
        assert actions == [
            "register.rescreen_start",
            "register.rescreen_superseded",
            "register.rescreen_start",
            "register.rescreen",
        ]
