"""Fault injection for downloads and loads: nothing lost, the fault reported.

Cut downloads (at a line boundary, with no or a short Content-Length; an OFAC file without its
end byte), a trickling server, a killed update's leftovers, a renamed field, and ``load A B``
failing between the files. Each asserts that the current versions are unchanged and that the
report (and the update log) says what happened.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from exportscreen.model import ListCode
from exportscreen.ops.loading import load_paths
from exportscreen.ops.status import list_status, record_update
from exportscreen.ops.updater import UpdateStatus, run_update
from exportscreen.sources import fetch
from exportscreen.sources.common import SourceError
from exportscreen.store import Store
from tests import httpserver
from tests.httpserver import OFFICIAL_FILES, MirrorServer, mirror_server

__all__ = ["mirror_server"]

CSL = fetch.source("csl")
SDN_SET = fetch.source("ofac-sdn")
FAST = fetch.Backoff(base=0.001, cap=0.01)


def csl_bytes(server: MirrorServer) -> bytes:
    return gzip.decompress(server.shared_file(OFFICIAL_FILES[CSL.primary.url][0]).read_bytes())


def cut_at_line(data: bytes, keep: float) -> bytes:
    """The first ``keep`` of the file, ending at a line boundary: parses cleanly."""
    return data[: data.rindex(b"\n", 0, int(len(data) * keep)) + 1]


def without_length(data: bytes) -> httpserver.Responder:
    """The body with no Content-Length, ended by closing the connection (HTTP/1.0 style)."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/csv")
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()
        handler.close_connection = True

    return respond


def update(store: Store, server: MirrorServer, source: str, **options: object) -> object:
    report = run_update(
        store,
        sources=[source],
        mirror=server.url,
        timeout=2,
        retries=1,
        backoff=FAST,
        **options,  # type: ignore[arg-type]
    )
    record_update(store, report)
    return report


@pytest.fixture()
def csl_store(mirror_server: MirrorServer, store: Store) -> Store:
    report = run_update(store, sources=["csl"], mirror=mirror_server.url, backoff=FAST)
    assert report.ok
    return store


@pytest.mark.shared
@pytest.mark.parametrize("length", ["none", "short"])
def test_a_csl_cut_at_a_line_boundary_is_staged_not_made_current(
    mirror_server: MirrorServer, csl_store: Store, length: str
) -> None:
    store = csl_store
    before = {s.list: (s.version_id, s.entry_count) for s in store.lists()}
    cut = cut_at_line(csl_bytes(mirror_server), 0.8)
    # "short": a Content-Length that matches the cut (the file was cut before it was served).
    responder = without_length(cut) if length == "none" else httpserver.body(cut)
    mirror_server.route_official(CSL.primary.url, responder)

    report = update(store, mirror_server, "csl")

    (result,) = report.sources  # type: ignore[attr-defined]
    assert result.status is UpdateStatus.UPDATED  # lists the cut left whole did update
    assert report.exit_code == 0  # type: ignore[attr-defined]
    # Every list that lost more than 5% is staged, the Entity List among them.
    assert ListCode.EL in result.staged
    now = {s.list: (s.version_id, s.entry_count) for s in store.lists()}
    for code in result.staged:
        assert now[code] == before[code]
    assert now[ListCode.EL] == before[ListCode.EL]
    status = {s.list: s for s in list_status(store)}
    assert [v.id for v in status[ListCode.EL].staged] == [result.staged[ListCode.EL]]
    assert status[ListCode.EL].last_attempt is not None
    assert status[ListCode.EL].last_attempt.status == "staged"
    # The figure: the cut removes 495 of the 2,001 Entity List rows; the store counts
    # the two parties named inside them as records too, and one of those goes with its row.
    assert "removes 496 of the 2,003 entries" in (status[ListCode.EL].last_attempt.error or "")


@pytest.mark.shared
def test_an_ofac_file_cut_at_a_line_boundary_is_refused_for_its_missing_end_byte(
    mirror_server: MirrorServer, store: Store
) -> None:
    alt = SDN_SET.files[2]
    data = gzip.decompress(mirror_server.shared_file(OFFICIAL_FILES[alt.url][0]).read_bytes())
    mirror_server.route_official(alt.url, without_length(cut_at_line(data, 0.5)))

    report = update(store, mirror_server, "ofac-sdn")

    (result,) = report.sources  # type: ignore[attr-defined]
    assert result.status is UpdateStatus.FAILED
    assert "incomplete ALT.CSV: it does not end as the format does" in result.error
    assert store.lists() == []
    (status,) = list_status(store)
    assert status.failing and status.last_attempt is not None


@pytest.mark.shared
def test_a_trickling_download_hits_its_deadline_and_the_log_says_so(
    mirror_server: MirrorServer, store: Store
) -> None:
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/csv")
        handler.end_headers()
        handler.wfile.write(b"_id,source,entity_number,type\n")
        while not mirror_server.stopping.is_set():
            handler.wfile.write(b"x")  # a byte now and then: no read ever times out
            handler.wfile.flush()
            time.sleep(0.05)

    mirror_server.route_official(CSL.primary.url, trickle)
    started = time.monotonic()

    report = update(store, mirror_server, "csl", download_deadline=1.0)

    assert time.monotonic() - started < 10
    (result,) = report.sources  # type: ignore[attr-defined]
    assert result.status is UpdateStatus.FAILED
    assert "did not finish within its deadline of 1 s" in result.error
    assert all(s.failing for s in list_status(store))


@pytest.mark.shared
def test_the_update_run_deadline_fails_the_sources_not_done_by_then(
    mirror_server: MirrorServer, store: Store
) -> None:
    report = update(store, mirror_server, "bis-dpl", deadline=0.0)
    (result,) = report.sources  # type: ignore[attr-defined]
    assert result.status is UpdateStatus.FAILED
    assert "deadline" in result.error
    assert store.lists() == []
    (status,) = list_status(store)
    assert status.failing


def test_an_update_removes_the_temporary_folders_a_killed_update_left() -> None:
    # A process id that is not running: a child that has exited and been reaped.
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    leftover = Path(tempfile.gettempdir()) / f"exportscreen-update-{pid}-killed"
    (leftover / ".csl.partial").mkdir(parents=True, exist_ok=True)
    mine = Path(tempfile.mkdtemp(prefix=f"exportscreen-update-{os.getpid()}-"))
    try:
        with Store.open("sqlite://") as store:
            run_update(store, sources=["csl"], mirror="http://127.0.0.1:9", retries=0)
        assert not leftover.exists()
        assert mine.exists()  # a running process's folder is left alone
    finally:
        shutil.rmtree(leftover, ignore_errors=True)
        shutil.rmtree(mine, ignore_errors=True)


@pytest.mark.shared
@pytest.mark.parametrize("field", ["country", "notes"])
def test_a_renamed_field_in_the_bis_json_is_refused_naming_it(
    raw_dir: Path, tmp_path: Path, store: Store, field: str
) -> None:
    text = gzip.decompress((raw_dir / "nsfreg_ecfr_derived/bis_entity_list.json.gz").read_bytes())
    data = json.loads(text)
    for record in data["entities"]:
        record[f"{field}_text"] = record.pop(field)
    drifted = tmp_path / "bis_entity_list.json"
    drifted.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(SourceError, match=rf"entities\[0\]\.{field}.*required field '{field}'"):
        load_paths(store, [drifted])
    assert store.lists() == []


@pytest.mark.shared
def test_load_of_two_files_failing_on_the_second_lands_neither(raw_dir: Path, store: Store) -> None:
    """``load A B`` is one transaction: B failing in the store leaves A unwritten too."""
    first = raw_dir / "watchman/bis_dpl/dpl_2023-11-30.txt.gz"
    second = raw_dir / "nsfreg_ecfr_derived/bis_meu.json"
    real_import = store.import_sources
    seen: list[int] = []

    def failing_after_the_first(files, **options):  # type: ignore[no-untyped-def]
        from exportscreen.store import importing

        original = importing.import_source

        def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
            if seen:
                raise OSError(28, "No space left on device")
            seen.append(1)
            return original(*args, **kwargs)

        importing.import_source = counting
        try:
            return real_import(files, **options)
        finally:
            importing.import_source = original

    store.import_sources = failing_after_the_first  # type: ignore[method-assign]
    with pytest.raises(OSError, match="No space left"):
        load_paths(store, [first, second])
    assert seen == [1]  # the first file was written inside the transaction ...
    assert store.lists() == []  # ... and rolled back with it


@pytest.mark.shared
def test_an_agency_file_with_far_fewer_entries_than_the_csls_copy_is_staged(
    mirror_server: MirrorServer, store: Store
) -> None:
    """The second opinion: OFAC's SDN file of July 2021 (8,976 entries) served as if it were of
    the same month as the May 2022 CSL (10,026 SDN entries): more than 5% fewer, so staged."""
    csl_date = OFFICIAL_FILES[CSL.primary.url][1]
    for remote in SDN_SET.files:
        path = mirror_server.shared_file(OFFICIAL_FILES[remote.url][0])
        mirror_server.route_official(
            remote.url, httpserver.published_file(path, last_modified=csl_date)
        )

    report = run_update(
        store, sources=["ofac-sdn", "csl"], mirror=mirror_server.url, retries=1, backoff=FAST
    )

    by_source = {s.source: s for s in report.sources}
    sdn = by_source["ofac-sdn"]
    assert sdn.status is UpdateStatus.STAGED
    assert "where csl lists 10,026" in sdn.staged_reasons[ListCode.SDN]
    assert ListCode.SDN not in {s.list for s in store.lists()}
    assert by_source["csl"].status is UpdateStatus.UPDATED
    assert report.exit_code == 0


@pytest.mark.shared
def test_load_killed_between_two_files_lands_neither(
    raw_dir: Path, tmp_path: Path, store_url: str
) -> None:
    """``load A B`` killed (SIGKILL) once A is written and B has begun: nothing of A remains."""
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    marker = tmp_path / "marker"
    files = [
        raw_dir / "watchman/bis_dpl/dpl_2023-11-30.txt.gz",
        raw_dir / "nsfreg_ecfr_derived/bis_entity_list.json.gz",
    ]
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ops.load_worker", store_url, str(marker), *map(str, files)],
        cwd=root,
        env=env,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"the load ended early: {process.stderr.read().decode()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the load never reached its second file")
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert process.stderr is not None
    process.stderr.close()

    with Store.open(store_url, lock_timeout=30) as after:
        assert after.lists() == []
        # And the next load goes through.
        load_paths(after, files)
        assert {s.list for s in after.lists()} == {ListCode.DPL, ListCode.EL}
