"""Downloads from a local mirror serving the real list files, and from broken variants of them."""

from __future__ import annotations

import gzip
import hashlib
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from exportscreen.model import ListCode
from exportscreen.sources import fetch
from exportscreen.sources.fetch import Backoff, DownloadError, download
from tests import httpserver
from tests.httpserver import OFFICIAL_FILES, MirrorServer, mirror_server

__all__ = ["mirror_server"]  # a fixture, imported for pytest to find

CSL = fetch.source("csl").primary
DPL = fetch.source("bis-dpl").primary
CONS_ZIP = fetch.source("ofac-cons-enhanced").primary
# Near-zero waits keep the retry tests fast; the waits themselves are checked through `sleep`.
FAST = Backoff(base=0.001, cap=0.01)
TIMEOUT = 0.5


@pytest.fixture()
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


def shared_bytes(server: MirrorServer, remote: fetch.RemoteFile) -> bytes:
    """The publisher's file as it would arrive: the shared .gz copies decompressed."""
    path = server.shared_file(OFFICIAL_FILES[remote.url][0])
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def must_not_wait(seconds: float) -> None:
    pytest.fail(f"the download waited {seconds}s instead of failing at once")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --- the registry --------------------------------------------------------------------------


def test_registry_covers_every_list_with_official_https_urls() -> None:
    official_hosts = {
        "data.trade.gov",
        "sanctionslistservice.ofac.treas.gov",
        "www.bis.doc.gov",
        "scsanctions.un.org",
        "webgate.ec.europa.eu",
        "sanctionslist.fcdo.gov.uk",
    }
    names = [f.name for s in fetch.SOURCES for f in s.files]
    assert len(names) == len(set(names)), "a mirror keys files by path: names must not clash"
    for source in fetch.SOURCES:
        for remote in source.files:
            assert remote.url.startswith("https://"), remote.url
            assert fetch.mirror_path(remote.url).split("/")[1] in official_hosts
    every_jurisdiction = fetch.default_sources(["US", "UN", "EU", "UK"])
    published = {code for key in every_jurisdiction for code in fetch.source(key).lists}
    assert published == set(ListCode)


def test_mirror_layout_is_host_then_official_path() -> None:
    sdn = fetch.source("ofac-sdn").primary
    assert sdn.url_from(None) == sdn.url
    assert sdn.url_from("http://mirror.internal/lists/") == (
        "http://mirror.internal/lists/sanctionslistservice.ofac.treas.gov"
        "/api/PublicationPreview/exports/SDN.CSV"
    )
    assert sdn.name == "SDN.CSV"


def test_unknown_source_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown source 'sdn'.*ofac-sdn"):
        fetch.source("sdn")


# --- good downloads ------------------------------------------------------------------------


@pytest.mark.shared
@pytest.mark.parametrize(
    ("remote", "transfer"),
    [
        (CSL, "gzip"),  # the 2022 CSL, 1.4 MB on the wire for 5.8 MB of CSV
        (DPL, "identity"),
        (CONS_ZIP, "identity"),  # OFAC's zip, byte for byte
    ],
    ids=["csl-gzip-transfer", "dpl-plain", "cons-enhanced-zip"],
)
def test_download_gives_the_publishers_bytes(
    mirror_server: MirrorServer,
    client: httpx.Client,
    tmp_path: Path,
    remote: fetch.RemoteFile,
    transfer: str,
) -> None:
    expected = shared_bytes(mirror_server, remote)
    if transfer == "identity":
        mirror_server.route_official(remote.url, httpserver.body(expected, "text/plain"))

    got = download(remote, tmp_path, client=client, mirror=mirror_server.url, timeout=TIMEOUT)

    assert got.path == tmp_path / remote.name
    assert got.path.read_bytes() == expected
    assert got.size == len(expected)
    assert got.sha256 == hashlib.sha256(expected).hexdigest()
    assert got.url == remote.url_from(mirror_server.url)
    assert abs(got.retrieved_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert leftovers(tmp_path) == []


@pytest.mark.shared
def test_last_modified_is_kept(
    mirror_server: MirrorServer, client: httpx.Client, tmp_path: Path
) -> None:
    got = download(CSL, tmp_path, client=client, mirror=mirror_server.url, timeout=TIMEOUT)
    assert got.last_modified == OFFICIAL_FILES[CSL.url][1]


@pytest.mark.shared
def test_expected_checksum(
    mirror_server: MirrorServer, client: httpx.Client, tmp_path: Path
) -> None:
    right = hashlib.sha256(shared_bytes(mirror_server, DPL)).hexdigest()
    got = download(
        DPL, tmp_path, client=client, mirror=mirror_server.url, expected_sha256=right.upper()
    )
    assert got.sha256 == right

    got.path.unlink()
    with pytest.raises(DownloadError, match="differs from the expected 0000"):
        download(DPL, tmp_path, client=client, mirror=mirror_server.url, expected_sha256="0000")
    assert list(tmp_path.iterdir()) == []


# --- retries -------------------------------------------------------------------------------


@pytest.mark.shared
def test_5xx_is_retried_with_growing_jittered_waits(
    mirror_server: MirrorServer, client: httpx.Client, tmp_path: Path
) -> None:
    good = shared_bytes(mirror_server, DPL)
    mirror_server.route_official(DPL.url, httpserver.failing(3, 503, httpserver.body(good)))
    sleeps: list[float] = []

    got = download(
        DPL,
        tmp_path,
        client=client,
        mirror=mirror_server.url,
        retries=3,
        backoff=Backoff(base=1.0, cap=60.0),
        sleep=sleeps.append,
    )

    assert got.path.read_bytes() == good
    assert mirror_server.hits(DPL.url) == 4
    # Full jitter: attempt n waits a random time in [0, base * 2**n].
    assert len(sleeps) == 3
    for attempt, waited in enumerate(sleeps, start=1):
        assert 0 <= waited <= 2**attempt


@pytest.mark.shared
def test_5xx_gives_up_after_the_retries(
    mirror_server: MirrorServer, client: httpx.Client, tmp_path: Path
) -> None:
    mirror_server.route_official(DPL.url, httpserver.failing(99, 500, httpserver.empty()))
    with pytest.raises(DownloadError) as caught:
        download(DPL, tmp_path, client=client, mirror=mirror_server.url, retries=2, backoff=FAST)
    assert caught.value.url == DPL.url_from(mirror_server.url)
    assert "HTTP 500" in caught.value.reason
    assert "gave up after 3 attempts" in caught.value.reason
    assert mirror_server.hits(DPL.url) == 3


@pytest.mark.shared
@pytest.mark.parametrize(
    ("retry_after", "expected_wait"),
    [("7", 7.0), ("0", 0.0), (None, None)],
    ids=["seconds", "zero", "absent-uses-backoff"],
)
def test_429_honours_retry_after(
    mirror_server: MirrorServer,
    client: httpx.Client,
    tmp_path: Path,
    retry_after: str | None,
    expected_wait: float | None,
) -> None:
    good = shared_bytes(mirror_server, DPL)
    mirror_server.route_official(
        DPL.url, httpserver.failing(1, 429, httpserver.body(good), retry_after=retry_after)
    )
    sleeps: list[float] = []
    download(
        DPL, tmp_path, client=client, mirror=mirror_server.url, backoff=FAST, sleep=sleeps.append
    )
    assert len(sleeps) == 1
    if expected_wait is None:
        assert sleeps[0] <= FAST.cap
    else:
        assert sleeps[0] == expected_wait


@pytest.mark.shared
def test_retry_after_as_http_date(
    mirror_server: MirrorServer, client: httpx.Client, tmp_path: Path
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    good = shared_bytes(mirror_server, DPL)
    mirror_server.route_official(
        DPL.url, httpserver.failing(1, 503, httpserver.body(good), retry_after=when)
    )
    sleeps: list[float] = []
    download(DPL, tmp_path, client=client, mirror=mirror_server.url, sleep=sleeps.append)
    assert len(sleeps) == 1
    assert 100 < sleeps[0] <= 120


@pytest.mark.shared
def test_retry_after_beyond_our_patience_fails_at_once(
    mirror_server: MirrorServer, client: httpx.Client, tmp_path: Path
) -> None:
    mirror_server.route_official(
        DPL.url, httpserver.failing(1, 429, httpserver.empty(), retry_after="86400")
    )
    with pytest.raises(DownloadError, match=r"HTTP 429.*retry after 86400s, more than the 300s"):
        download(DPL, tmp_path, client=client, mirror=mirror_server.url, sleep=must_not_wait)
    assert mirror_server.hits(DPL.url) == 1


def test_connection_refused_is_retried_then_reported(client: httpx.Client, tmp_path: Path) -> None:
    # A port that was free a moment ago: nothing listens there any more.
    with MirrorServer(tmp_path) as gone:
        dead_mirror = gone.url
    with pytest.raises(DownloadError, match=r"connection failed.*gave up after 2 attempts"):
        download(DPL, tmp_path, client=client, mirror=dead_mirror, retries=1, backoff=FAST)


# --- refusals ------------------------------------------------------------------------------

Fault = Callable[[MirrorServer], httpserver.Responder]


def _truncated_zip(server: MirrorServer) -> httpserver.Responder:
    return httpserver.truncated(server.shared_file(OFFICIAL_FILES[CONS_ZIP.url][0]))


def _truncated_gzip_transfer(server: MirrorServer) -> httpserver.Responder:
    return httpserver.truncated(
        # A fifth of it, so that what arrives decodes to less than the size limit.
        server.shared_file(OFFICIAL_FILES[CSL.url][0]),
        keep=0.2,
        as_transfer_encoding=True,
    )


def _corrupt_zip(server: MirrorServer) -> httpserver.Responder:
    data = bytearray(server.shared_file(OFFICIAL_FILES[CONS_ZIP.url][0]).read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the compressed XML
    return httpserver.body(bytes(data), "application/zip")


def _other_list(server: MirrorServer) -> httpserver.Responder:
    return httpserver.published_file(server.shared_file(OFFICIAL_FILES[DPL.url][0]))


def _short(server: MirrorServer) -> httpserver.Responder:
    return httpserver.short_body(shared_bytes(server, CSL)[:200_000])


SDN_ALT = fetch.source("ofac-sdn").files[2]
CSL_JSON = fetch.source("csl-json").primary


def _at_a_line(data: bytes, keep: float) -> bytes:
    return data[: data.rindex(b"\n", 0, int(len(data) * keep)) + 1]


def _ofac_cut_at_a_line(server: MirrorServer) -> httpserver.Responder:
    # Cut where a record ends, Content-Length matching the cut: only the missing 0x1A shows it.
    return httpserver.body(_at_a_line(shared_bytes(server, SDN_ALT), 0.5))


def _json_cut(server: MirrorServer) -> httpserver.Responder:
    return httpserver.body(
        b'{"results": [{"source": "Entity List (EL)", "name": "A"},\n', "application/json"
    )


def _zip_of_cut_xml(server: MirrorServer) -> httpserver.Responder:
    """A sound zip (CRCs match) whose XML was cut before it was zipped: only its end shows it."""
    import io
    import zipfile

    with zipfile.ZipFile(server.shared_file(OFFICIAL_FILES[CONS_ZIP.url][0])) as archive:
        name = archive.namelist()[0]
        xml = archive.read(name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, _at_a_line(xml, 0.6))
    return httpserver.body(out.getvalue(), "application/zip")


# (case id, file, fault, what the error must say, requests the mirror sees with retries=1)
REFUSALS: list[tuple[str, fetch.RemoteFile, Fault, str, int]] = [
    ("404", CSL, lambda s: httpserver.body(b"gone", "text/plain", 404), r"HTTP 404", 1),
    ("410", CSL, lambda s: httpserver.body(b"gone", "text/plain", 410), r"HTTP 410", 1),
    ("hang-before-headers", CSL, lambda s: httpserver.hanging(s), r"timed out \(ReadTimeout\)", 2),
    (
        "hang-mid-body",
        CSL,
        lambda s: httpserver.hanging(s, after_headers=True),
        r"timed out \(ReadTimeout\)",
        2,
    ),
    ("html-page", CSL, lambda s: httpserver.html_page(), r"sent an HTML page \(text/html", 1),
    (
        "html-as-csv",
        CSL,
        lambda s: httpserver.html_page("text/csv"),
        r"sent an HTML page, not data",
        1,
    ),
    ("empty", CSL, lambda s: httpserver.empty(), r"^empty body$", 1),
    ("truncated-gzip", CSL, _truncated_gzip_transfer, r"truncated or corrupt gzip transfer", 1),
    ("truncated-zip", CONS_ZIP, _truncated_zip, r"truncated or corrupt zip archive", 1),
    ("corrupt-zip", CONS_ZIP, _corrupt_zip, r"corrupt zip archive", 1),
    ("short-body", CSL, _short, r"connection closed after 100000 of the 200000 bytes", 2),
    ("another-file", CSL, _other_list, r"does not look like consolidated\.csv.*Name", 1),
    (
        "ofac-cut-at-a-line",
        SDN_ALT,
        _ofac_cut_at_a_line,
        r"incomplete ALT\.CSV: it does not end as the format does",
        1,
    ),
    ("json-cut", CSL_JSON, _json_cut, r"incomplete consolidated\.json", 1),
    ("zip-of-cut-xml", CONS_ZIP, _zip_of_cut_xml, r"incomplete CONS_ENHANCED\.ZIP", 1),
    (
        "huge-declared",
        CSL,
        lambda s: httpserver.huge_body(50_000_000, declare_length=True),
        r"Content-Length 50000000 exceeds the limit of 2000000 bytes",
        1,
    ),
    (
        "huge-undeclared",
        CSL,
        lambda s: httpserver.huge_body(50_000_000, declare_length=False),
        r"body exceeds the limit of 2000000 bytes",
        1,
    ),
    (
        "gzip-bomb",  # 1.4 MB on the wire, 5.8 MB once decoded
        CSL,
        lambda s: httpserver.published_file(s.shared_file(OFFICIAL_FILES[CSL.url][0])),
        r"gzip transfer encoding expands past the limit of 2000000 bytes",
        1,
    ),
]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("remote", "fault", "reason", "requests"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_bad_downloads_are_refused_and_leave_the_previous_file(
    mirror_server: MirrorServer,
    client: httpx.Client,
    tmp_path: Path,
    remote: fetch.RemoteFile,
    fault: Fault,
    reason: str,
    requests: int,
) -> None:
    previous = b"the file from the last good download\n"
    (tmp_path / remote.name).write_bytes(previous)
    mirror_server.route_official(remote.url, fault(mirror_server))

    with pytest.raises(DownloadError) as caught:
        download(
            remote,
            tmp_path,
            client=client,
            mirror=mirror_server.url,
            timeout=TIMEOUT,
            retries=1,
            max_bytes=2_000_000,
            backoff=FAST,
        )

    assert re.search(reason, caught.value.reason), caught.value.reason
    assert str(caught.value).startswith(remote.url_from(mirror_server.url) + ": ")
    assert mirror_server.hits(remote.url) == requests
    assert (tmp_path / remote.name).read_bytes() == previous
    assert leftovers(tmp_path) == []


@pytest.mark.shared
def test_a_trickling_download_fails_at_its_deadline(
    mirror_server: MirrorServer, client: httpx.Client, tmp_path: Path
) -> None:
    """Each read comes within the timeout, so only the overall deadline can stop it."""
    moments = iter(range(1000))

    def trickle(handler: httpserver.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/csv")
        handler.end_headers()
        handler.wfile.write(shared_bytes(mirror_server, CSL)[:100])
        for _ in range(200):
            if mirror_server.stopping.is_set():
                return
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.01)  # each byte its own read

    mirror_server.route_official(CSL.url, trickle)
    with pytest.raises(DownloadError, match=r"did not finish within its deadline of 5 s"):
        download(
            CSL,
            tmp_path,
            client=client,
            mirror=mirror_server.url,
            timeout=TIMEOUT,
            retries=2,
            backoff=FAST,
            deadline=5,
            clock=lambda: float(next(moments)),  # one second per look at the clock
        )
    assert mirror_server.hits(CSL.url) == 1  # past the deadline, no retry
    assert leftovers(tmp_path) == []
