"""``run_update`` against a local mirror of the real list files: good updates, and every way a
download or a publication can go wrong leaving the store as it was."""

from __future__ import annotations

import csv
import gzip
import io
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exportscreen.model import ListCode
from exportscreen.ops.updater import (
    DEFAULT_MIN_RATIO,
    SourceUpdate,
    UpdateReport,
    UpdateStatus,
    lists_by_source,
    run_update,
)
from exportscreen.sources import fetch
from exportscreen.store import ListSummary, Store
from tests import httpserver
from tests.httpserver import OFFICIAL_FILES, MirrorServer, mirror_server, serve_official_files

__all__ = ["mirror_server"]  # a fixture, imported for pytest to find

SDN_SET = fetch.source("ofac-sdn")
CONS_SET = fetch.source("ofac-cons")
CONS_ALT = CONS_SET.files[2]
CONS_ZIP = fetch.source("ofac-cons-enhanced").primary
NON_SDN = set(CONS_SET.lists)
FAST = fetch.Backoff(base=0.001, cap=0.01)
RAW = "raw/watchman"


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


@pytest.fixture(scope="module")
def january_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding OFAC's non-SDN lists from the enhanced XML of January 2025, built once
    by an update from the mirror and copied by each test that starts from it."""
    folder = tmp_path_factory.mktemp("january")
    with MirrorServer() as server, Store.open(f"sqlite:///{folder / 'store.db'}") as store:
        if not server.shared_file(OFFICIAL_FILES[CONS_ZIP.url][0]).is_file():
            pytest.skip("real list files not found (set EXPORTSCREEN_SHARED_DATA)")
        serve_official_files(server)
        baseline = only(update(store, server, "ofac-cons-enhanced"))
        assert baseline.status is UpdateStatus.UPDATED, baseline.error
    return folder / "store.db"


@pytest.fixture()
def january_store(january_store_file: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "store.db"
    shutil.copyfile(january_store_file, copy)
    with Store.open(f"sqlite:///{copy}") as opened:
        yield opened


def update(
    store: Store,
    server: MirrorServer,
    *sources: str,
    min_ratio: float = DEFAULT_MIN_RATIO,
    max_bytes: int = 10_000_000,
    work_dir: Path | None = None,
) -> UpdateReport:
    """run_update from the mirror, with the short timeouts and waits every test here uses."""
    return run_update(
        store,
        sources=list(sources),
        mirror=server.url,
        work_dir=work_dir,
        min_ratio=min_ratio,
        max_bytes=max_bytes,
        timeout=0.5,
        retries=1,
        backoff=FAST,
    )


def state(store: Store) -> list[ListSummary]:
    """What a reader sees: each list's current version, its count and how many versions exist."""
    return sorted(store.lists(), key=lambda s: s.list)


def only(report: UpdateReport) -> SourceUpdate:
    (result,) = report.sources
    return result


def serve_set(server: MirrorServer, publication: fetch.Source, folder: str) -> None:
    """Serve the OFAC CSV set found in ``folder`` (plain or gzipped) for ``publication``."""
    for remote in publication.files:
        stem = remote.name.lower()
        candidates = [server.shared_file(f"{folder}/{stem}{ext}") for ext in (".gz", "")]
        path = next(p for p in candidates if p.is_file())
        server.route_official(remote.url, httpserver.published_file(path))


def csv_records(path: Path) -> list[list[str]]:
    """The records of an OFAC legacy CSV file, read independently of exportscreen's parser."""
    data = path.read_bytes()
    text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8")
    return [row for row in csv.reader(io.StringIO(text.rstrip("\x1a"))) if row and row[0].strip()]


# --- good updates --------------------------------------------------------------------------


@pytest.mark.shared
def test_update_imports_a_whole_set_then_reports_it_unchanged(
    mirror_server: MirrorServer, store: Store
) -> None:
    report = update(store, mirror_server, "ofac-cons")

    result = only(report)
    assert result.status is UpdateStatus.UPDATED, result.error
    assert report.exit_code == 0
    assert [f.url for f in result.files] == [r.url_from(mirror_server.url) for r in CONS_SET.files]
    primary_file, published = OFFICIAL_FILES[CONS_SET.primary.url]
    primary = mirror_server.shared_file(primary_file)
    assert sum(result.counts.values()) == len(csv_records(primary)) == 442
    # Every list the set publishes gets a version, even one it holds no entry of today.
    assert set(result.versions) == set(result.counts) == NON_SDN
    current = {s.list: s for s in store.lists()}
    for code, count in result.counts.items():
        assert current[code].version_id == result.versions[code]
        assert current[code].entry_count == count
        # The legacy CSVs carry no date: the server's Last-Modified stands for it.
        assert current[code].as_of == published.date()
        assert store.version(result.versions[code]).retrieved_from == result.files[0].url

    before = state(store)
    again = only(update(store, mirror_server, "ofac-cons"))
    assert again.status is UpdateStatus.UNCHANGED
    assert again.versions == {}
    assert state(store) == before


@pytest.mark.shared
def test_work_dir_keeps_the_last_good_set(
    mirror_server: MirrorServer, store: Store, tmp_path: Path
) -> None:
    work = tmp_path / "downloads"
    result = only(update(store, mirror_server, "ofac-cons", work_dir=work))
    kept = work / "ofac-cons"
    assert sorted(p.name for p in kept.iterdir()) == sorted(r.name for r in CONS_SET.files)
    assert [f.path for f in result.files] == [kept / r.name for r in CONS_SET.files]
    good = {p.name: p.read_bytes() for p in kept.iterdir()}

    mirror_server.route_official(CONS_ALT.url, httpserver.html_page())
    failed = only(update(store, mirror_server, "ofac-cons", work_dir=work))

    assert failed.status is UpdateStatus.FAILED
    assert {p.name: p.read_bytes() for p in kept.iterdir()} == good
    assert sorted(p.name for p in work.iterdir()) == ["ofac-cons"]  # no staging left behind


# --- failures leave the store as it was ----------------------------------------------------

Fault = Callable[[MirrorServer], httpserver.Responder]


def _alt_file(server: MirrorServer) -> Path:
    return server.shared_file(OFFICIAL_FILES[CONS_ALT.url][0])


# (case id, fault on CONS_ALT.CSV, a companion of the set, and what the report must say)
FAULTS: list[tuple[str, Fault, str]] = [
    ("http-500", lambda s: httpserver.failing(99, 500, httpserver.empty()), r"HTTP 500"),
    ("http-404", lambda s: httpserver.body(b"no such file", "text/plain", 404), r"HTTP 404"),
    ("hang", lambda s: httpserver.hanging(s), r"timed out"),
    ("html-page", lambda s: httpserver.html_page(), r"HTML page"),
    ("empty", lambda s: httpserver.empty(), r"empty body"),
    (
        "truncated-gzip",
        lambda s: httpserver.truncated(_alt_file(s), as_transfer_encoding=True),
        r"truncated or corrupt gzip",
    ),
    (
        "short-body",
        lambda s: httpserver.short_body(gzip.decompress(_alt_file(s).read_bytes())),
        r"connection closed after",
    ),
    (
        "too-big",
        lambda s: httpserver.huge_body(20_000_000, declare_length=False),
        r"body exceeds the limit",
    ),
]


@pytest.mark.shared
@pytest.mark.parametrize(("fault", "reason"), [c[1:] for c in FAULTS], ids=[c[0] for c in FAULTS])
def test_a_broken_download_changes_nothing_and_a_later_good_one_lands(
    mirror_server: MirrorServer, january_store: Store, fault: Fault, reason: str
) -> None:
    # The lists are current from OFAC's enhanced XML (January 2025) when the CSV set of
    # December 2025 is published with one of its files broken.
    store = january_store
    before = state(store)
    mirror_server.route_official(CONS_ALT.url, fault(mirror_server))

    report = update(store, mirror_server, "ofac-cons", max_bytes=10_000_000)

    failed = only(report)
    assert failed.status is UpdateStatus.FAILED
    assert report.exit_code == 1
    assert failed.versions == {}
    assert failed.error.startswith(CONS_ALT.url_from(mirror_server.url) + ": ")
    assert re.search(reason, failed.error), failed.error
    assert state(store) == before

    mirror_server.route_official(CONS_ALT.url, httpserver.published_file(_alt_file(mirror_server)))
    fixed = only(update(store, mirror_server, "ofac-cons"))
    assert fixed.status is UpdateStatus.UPDATED, fixed.error
    # From January to December 2025 the Menu-Based Sanctions list lost 3 of its 12 entries:
    # more than 5%, so that version waits for review and January's stays current.
    assert set(fixed.staged) == {ListCode.MBS}
    current = {s.list: s.version_id for s in store.lists()}
    assert current == {
        **{code: fixed.versions[code] for code in NON_SDN - {ListCode.MBS}},
        ListCode.MBS: {s.list: s.version_id for s in before}[ListCode.MBS],
    }


@pytest.mark.shared
def test_a_malformed_set_is_refused_with_file_line_and_field(
    mirror_server: MirrorServer, store: Store
) -> None:
    # OFAC's 2025-05 sample set is real but cut down: some addresses belong to records it
    # does not hold. Find the first such row independently of the parser.
    folder = f"{RAW}/ofac_sdn_2025-05_sample"
    known = {row[0] for row in csv_records(mirror_server.shared_file(f"{folder}/sdn.csv"))}
    addresses = csv_records(mirror_server.shared_file(f"{folder}/add.csv"))
    line, orphan = next((n, row[0]) for n, row in enumerate(addresses, 1) if row[0] not in known)
    # The sample was cut by hand and lacks the 0x1A end byte OFAC's files end with (a download
    # without it is refused as cut short); served with it, the parser gets to see the rows.
    for remote in SDN_SET.files:
        data = mirror_server.shared_file(f"{folder}/{remote.name.lower()}").read_bytes()
        mirror_server.route_official(remote.url, httpserver.body(data + b"\x1a"))

    result = only(update(store, mirror_server, "ofac-sdn"))

    assert result.status is UpdateStatus.FAILED
    assert f"ADD.CSV, line {line}, field 'ent_num'" in result.error
    assert f"ent_num {orphan} has no record in SDN.CSV" in result.error
    assert store.lists() == []


@pytest.mark.shared
def test_a_suspicious_shrink_is_refused(mirror_server: MirrorServer, january_store: Store) -> None:
    store = january_store
    before = {s.list: s for s in store.lists()}
    # From January to December 2025 the Menu-Based Sanctions list went from 12 entries to 9:
    # fine by default, refused when 80% is required.
    result = only(update(store, mirror_server, "ofac-cons", min_ratio=0.8))

    assert result.status is UpdateStatus.FAILED
    mbs_before, mbs_after = before[ListCode.MBS].entry_count, result.counts[ListCode.MBS]
    assert mbs_after < 0.8 * mbs_before
    assert f"refused: MBS {mbs_after} entries against {mbs_before} in the current version" in (
        result.error
    )
    assert "looks like a partial file (below 80%)" in result.error
    assert {s.list: s for s in store.lists()} == before

    # With the default ratio it is not refused; losing 3 of 12 stages it for review instead.
    again = only(update(store, mirror_server, "ofac-cons"))
    assert again.status is UpdateStatus.UPDATED
    assert set(again.staged) == {ListCode.MBS}
    assert {s.list: s for s in store.lists()}[ListCode.MBS] == before[ListCode.MBS]


@pytest.mark.shared
def test_one_failing_source_does_not_stop_the_others(
    mirror_server: MirrorServer, store: Store
) -> None:
    mirror_server.route_official(
        SDN_SET.primary.url, httpserver.failing(99, 503, httpserver.empty())
    )
    seen: list[str] = []

    report = run_update(
        store,
        sources=["ofac-cons", "ofac-sdn"],
        mirror=mirror_server.url,
        retries=1,
        backoff=FAST,
        on_source=lambda s: seen.append(s.source),
    )

    assert seen == ["ofac-sdn", "ofac-cons"]  # registry order: SDN first
    statuses = {s.source: s.status for s in report.sources}
    assert statuses == {"ofac-sdn": UpdateStatus.FAILED, "ofac-cons": UpdateStatus.UPDATED}
    assert report.exit_code == 1
    assert {s.list for s in store.lists()} == NON_SDN
    runs = {run.list: run for run in report.runs()}
    assert runs[ListCode.SDN].status is UpdateStatus.FAILED
    assert "HTTP 503" in runs[ListCode.SDN].error
    assert runs[ListCode.SDN].version_id is None
    assert all(runs[code].version_id is not None for code in NON_SDN)


@pytest.mark.shared
def test_an_unexpected_error_is_reported_not_raised(
    mirror_server: MirrorServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_import(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "import_source", broken_import)
    result = only(update(store, mirror_server, "ofac-cons"))
    assert result.status is UpdateStatus.FAILED
    assert result.error == "unexpected RuntimeError: disk on fire"


# --- choosing sources ----------------------------------------------------------------------


def test_each_list_comes_from_one_source_agencies_first() -> None:
    assigned = lists_by_source(fetch.DEFAULT_SOURCES)

    assert list(assigned) == ["ofac-sdn", "ofac-cons", "bis-dpl", "csl", "un-sc"]
    assert assigned["un-sc"] == (ListCode.UN,)
    assert assigned["ofac-sdn"] == (ListCode.SDN,)
    assert set(assigned["ofac-cons"]) == NON_SDN
    assert assigned["bis-dpl"] == (ListCode.DPL,)
    csl_only = {ListCode.EL, ListCode.MEU, ListCode.UVL, ListCode.ISN, ListCode.DTC}
    assert set(assigned["csl"]) == csl_only
    # The EU and UK lists are fetched by default only where their jurisdiction is checked.
    assert {code for lists in assigned.values() for code in lists} == set(ListCode) - {
        ListCode.EU,
        ListCode.UK,
    }
    everything = lists_by_source(fetch.default_sources(["US", "UN", "EU", "UK"]))
    assert {code for lists in everything.values() for code in lists} == set(ListCode)
    # Named in any order, sources still run agencies first.
    assert list(lists_by_source(["csl", "ofac-sdn"])) == ["ofac-sdn", "csl"]


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        (["csl", "csl-json"], r"source 'csl-json' adds no list to csl: choose one of them"),
        (["ofac-cons", "ofac-cons-enhanced"], r"'ofac-cons-enhanced' adds no list to ofac-cons"),
        (["sdn"], r"unknown source 'sdn'"),
    ],
)
def test_bad_selections_are_rejected_before_any_download(
    store: Store, sources: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        run_update(store, sources=sources, mirror="http://127.0.0.1:9")


# --- the whole default update, and the CSL -------------------------------------------------

# Entries per list in the 2022 CSL, as counted in raw/PROVENANCE.md.
CSL_2022 = {
    ListCode.SDN: 10_026,
    # The CSL's 2,001 Entity List rows and the two parties named inside their text, which the
    # loader makes records of their own (sources.subparties).
    ListCode.EL: 2_003,
    ListCode.DTC: 727,
    ListCode.DPL: 462,
    ListCode.SSI: 290,
    ListCode.UVL: 201,
    ListCode.ISN: 163,
    ListCode.PLC: 78,
    ListCode.MEU: 71,
    ListCode.CMIC: 68,
    ListCode.CAP: 53,
    ListCode.MBS: 17,
    ListCode.FSE: 3,
}


@pytest.mark.shared
def test_the_default_update_takes_each_list_from_its_own_source(
    mirror_server: MirrorServer, store: Store
) -> None:
    report = run_update(store, mirror=mirror_server.url, timeout=5, retries=0)

    assert [s.source for s in report.sources] == list(fetch.DEFAULT_SOURCES)
    assert report.exit_code == 0, [s.error for s in report.sources]
    by_source = {s.source: s for s in report.sources}
    sdn_file = mirror_server.shared_file(OFFICIAL_FILES[SDN_SET.primary.url][0])
    dpl_file = mirror_server.shared_file(OFFICIAL_FILES[fetch.source("bis-dpl").primary.url][0])
    dpl_rows = gzip.decompress(dpl_file.read_bytes()).decode("utf-8").strip().splitlines()
    assert by_source["ofac-sdn"].counts == {ListCode.SDN: len(csv_records(sdn_file))}
    assert by_source["bis-dpl"].counts == {ListCode.DPL: len(dpl_rows) - 1}  # less the header
    assert set(by_source["ofac-cons"].counts) == NON_SDN
    csl_lists = set(by_source["csl"].lists)
    assert by_source["csl"].counts == {code: CSL_2022[code] for code in csl_lists}

    current = {s.list: s for s in store.lists()}
    # EU and UK are fetched by default only where their jurisdiction is checked.
    assert set(current) == set(ListCode) - {ListCode.EU, ListCode.UK}
    for result in report.sources:
        for code, version_id in result.versions.items():
            assert current[code].version_id == version_id
            assert current[code].version_count == 1
            assert current[code].entry_count == result.counts[code]


@pytest.mark.shared
def test_a_truncated_csl_is_refused_and_changes_nothing(
    mirror_server: MirrorServer, january_store: Store
) -> None:
    csl = fetch.source("csl").primary
    store = january_store
    before = state(store)

    # The 2023 CSL in shared/ was cut off in the middle of its last record; find where,
    # independently of the parser.
    partial = mirror_server.shared_file(f"{RAW}/csl/csl_2023-11-30_partial.csv.gz")
    reader = csv.reader(io.StringIO(gzip.decompress(partial.read_bytes()).decode("utf-8")))
    line = 1
    for row in reader:
        if len(row) != 29:
            break
        line = reader.line_num + 1
    mirror_server.route_official(csl.url, httpserver.published_file(partial))

    second = only(update(store, mirror_server, "csl"))

    assert second.status is UpdateStatus.FAILED
    assert f"consolidated.csv, line {line}: " in second.error
    assert state(store) == before
