"""A full disk for real: a SQLite store on a 2 MB tmpfs that a load cannot fit in. The load fails
with a one-line error saying the disk is full and that nothing was imported; what the store held
is intact (SQLite's own integrity check agrees); once space is freed the same load lands.

Mounting needs root (CAP_SYS_ADMIN); elsewhere these tests skip, saying so. The simulated full
disks (SQLite's page cap, an ENOSPC raised in the import) are in test_faults and tests/cli.
PostgreSQL is not covered here: its data directory is the shared test server's.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportscreen.cli.app import app
from exportscreen.model import ListCode
from exportscreen.ops.scheduler import Scheduler
from exportscreen.ops.updater import UpdateReport
from exportscreen.sources import parse
from exportscreen.store import Store
from tests.ops.test_faults import assert_sound, state_of

pytestmark = pytest.mark.shared

MEU = "nsfreg_ecfr_derived/bis_meu.json"
CSL_2022 = "watchman/csl/consolidated_2022-05.csv.gz"


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for the test (unmounted after it); skipped when it cannot be."""
    if os.geteuid() != 0:
        pytest.skip("a real full disk needs a tmpfs mount, and mounting needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs for a real full disk: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def grow(mount: Path) -> None:
    """Free space: the same file system, now large enough."""
    subprocess.run(["mount", "-o", "remount,size=256m", str(mount)], check=True)


def invoke(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--db", str(db), *args], env={"EXPORTSCREEN_USER": "tester", "COLUMNS": "300"}
    )
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def _cache_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The index cache is not what this test fills: it lives off the small disk.
    monkeypatch.setenv("EXPORTSCREEN_CACHE", str(tmp_path / "cache"))


def test_a_load_on_a_full_disk_is_one_line_and_keeps_what_the_store_held(
    small_disk: Path, raw_dir: Path
) -> None:
    db = small_disk / "store.db"
    code, output = invoke(db, "load", str(raw_dir / MEU))
    assert code == 0, output
    with Store.open(f"sqlite:///{db}") as store:
        before = state_of(store)

    code, output = invoke(db, "load", str(raw_dir / CSL_2022))

    assert code == 2, output
    lines = [line for line in output.splitlines() if line.strip()]
    error = next(line for line in lines if line.startswith("error:"))
    assert "the disk is full" in error and "free space and run it again" in error
    assert lines[-1] == "nothing was imported."
    assert "Traceback" not in output
    with Store.open(f"sqlite:///{db}") as store:
        assert state_of(store) == before
        assert_sound(store)
        (meu,) = store.lists()
        assert (meu.list, meu.entry_count) == (ListCode.MEU, 70)

    grow(small_disk)
    code, output = invoke(db, "load", str(raw_dir / CSL_2022))
    assert code == 0, output
    with Store.open(f"sqlite:///{db}") as store:
        counts = {s.list: s.entry_count for s in store.lists()}
        assert counts[ListCode.MEU] == 70 and counts[ListCode.SDN] > 10_000
        assert_sound(store)


def test_a_scheduled_update_on_a_full_disk_fails_and_says_why(
    small_disk: Path, raw_dir: Path
) -> None:
    """The scheduler's cycle fails with the disk-full error; the store keeps its lists."""
    db = small_disk / "store.db"
    big = parse(raw_dir / CSL_2022)
    with Store.open(f"sqlite:///{db}") as store:
        store.import_source(parse(raw_dir / MEU))
        before = state_of(store)

        def run() -> UpdateReport:
            store.import_source(big)
            raise AssertionError("the import should have failed")

        outcome = Scheduler(store, every=timedelta(hours=1), run=run).run_once()

        assert not outcome.ok
        assert "database or disk is full" in outcome.error
        assert state_of(store) == before
        assert_sound(store)
