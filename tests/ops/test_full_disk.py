"""A full disk for real: a SQLite store on a 2 MB tmpfs, and a PostgreSQL server of the test's
own whose data directory is a tmpfs with 4 MB left, that a load cannot fit in. The load fails
with a one-line error saying the disk is full and that nothing was imported; what the store held
is intact (SQLite's own integrity check agrees); once space is freed the same load lands.

Mounting needs root (CAP_SYS_ADMIN), the PostgreSQL case also initdb, pg_ctl and runuser;
elsewhere these tests skip, saying so. The simulated full disks (SQLite's page cap, an ENOSPC
raised in the import) are in test_faults and tests/cli.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from exportscreen.cli.app import app
from exportscreen.model import ListCode
from exportscreen.ops.scheduler import Scheduler
from exportscreen.ops.updater import UpdateReport
from exportscreen.sources import parse
from exportscreen.store import Store
from tests.ops.test_faults import assert_sound, failed_runs, state_of

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
    return invoke_url(str(db), *args)


def invoke_url(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--db", url, *args], env={"EXPORTSCREEN_USER": "tester", "COLUMNS": "300"}
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


# --- PostgreSQL on a full disk ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_postgres(*command: str) -> None:
    done = subprocess.run(
        ["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip() or done.stdout.strip()}")


@pytest.fixture()
def pg_on_small_disk() -> Iterator[tuple[str, Path]]:
    """A PostgreSQL server of its own whose data directory is a tmpfs (its WAL on the ordinary
    disk, so that a full disk is a failed write, not a server panic): (URL, data directory)."""
    if os.geteuid() != 0:
        pytest.skip("a real full disk needs a tmpfs mount, and mounting needs root")
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb is None or pg_ctl is None or shutil.which("runuser") is None:
        pytest.skip("initdb, pg_ctl or runuser not installed: no PostgreSQL of our own")
    # Not under pytest's tmp_path: the postgres user must be able to reach it.
    base = Path(tempfile.mkdtemp(prefix="exportscreen-pgdisk-"))
    base.chmod(0o755)
    data, wal = base / "data", base / "wal"
    data.mkdir()
    wal.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256m,mode=0700", "tmpfs", str(data)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        shutil.rmtree(base)
        pytest.skip(f"cannot mount a tmpfs for a real full disk: {mounted.stderr.strip()}")
    port = _free_port()
    try:
        for path in (base, data, wal):
            shutil.chown(path, "postgres", "postgres")
        _as_postgres(initdb, "-D", str(data), "--waldir", str(wal), "-A", "trust", "-U",
                     "postgres", "--no-sync")  # fmt: skip
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        _as_postgres(pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w",
                     "start")  # fmt: skip
        admin = sa.create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as connection:
            connection.execute(sa.text("CREATE DATABASE exportscreen"))
        admin.dispose()
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/exportscreen", data
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", pg_ctl, "-D", str(data), "-m", "immediate",
             "-w", "stop"],
            capture_output=True,
            check=False,
        )  # fmt: skip
        subprocess.run(["umount", "-l", str(data)], check=False)
        shutil.rmtree(base, ignore_errors=True)


def fill_to(mount: Path, headroom: int) -> None:
    """Shrink the file system to what it holds plus ``headroom`` bytes."""
    stats = os.statvfs(mount)
    used = (stats.f_blocks - stats.f_bfree) * stats.f_frsize
    size_kib = (used + headroom) // 1024 + 1
    subprocess.run(["mount", "-o", f"remount,size={size_kib}k", str(mount)], check=True)


def test_a_load_into_postgresql_on_a_full_disk_is_one_line_and_keeps_what_it_held(
    pg_on_small_disk: tuple[str, Path], raw_dir: Path
) -> None:
    url, data = pg_on_small_disk
    code, output = invoke_url(url, "load", str(raw_dir / MEU))
    assert code == 0, output
    with Store.open(url) as store:
        before = state_of(store)
    fill_to(data, 4 * 1024 * 1024)  # 4 MB free: the 2022 CSL needs far more

    code, output = invoke_url(url, "load", str(raw_dir / CSL_2022))

    assert code == 2, output
    lines = [line for line in output.splitlines() if line.strip()]
    error = next(line for line in lines if line.startswith("error:"))
    # PostgreSQL's words ("could not extend file ...") do not say so: the CLI does.
    assert "the disk is full (could not extend file" in error
    assert "free space and run it again" in error
    assert lines[-1] == "nothing was imported."
    assert "Traceback" not in output
    with Store.open(url) as store:
        assert state_of(store) == before
        (meu,) = store.lists()
        assert (meu.list, meu.entry_count) == (ListCode.MEU, 70)

    grow(data)
    code, output = invoke_url(url, "load", str(raw_dir / CSL_2022))
    assert code == 0, output
    with Store.open(url) as store:
        counts = {s.list: s.entry_count for s in store.lists()}
        assert counts[ListCode.MEU] == 70 and counts[ListCode.SDN] > 10_000


def test_a_scheduled_update_into_postgresql_on_a_full_disk_is_logged(
    pg_on_small_disk: tuple[str, Path], raw_dir: Path
) -> None:
    """The cycle fails; its log row (small) still fits and says why; the lists are intact."""
    url, data = pg_on_small_disk
    big = parse(raw_dir / CSL_2022)
    with Store.open(url) as store:
        store.import_source(parse(raw_dir / MEU))
        before = state_of(store)
        fill_to(data, 4 * 1024 * 1024)

        def run() -> UpdateReport:
            store.import_source(big)
            raise AssertionError("the import should have failed")

        outcome = Scheduler(store, every=timedelta(hours=1), run=run).run_once()

        assert not outcome.ok
        assert "could not extend file" in outcome.error
        assert state_of(store) == before
        (logged,) = failed_runs(store)
        assert logged.list is None and "could not extend file" in logged.error
