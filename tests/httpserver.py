"""A local HTTP server for download tests: real list files under the mirror layout, and faults.

``MirrorServer`` binds 127.0.0.1 on a free port and answers each path with a *responder*, a
function that writes the whole HTTP response. ``serve_official_files`` routes every official URL
of ``exportscreen.sources.fetch.SOURCES`` that has a real file in ../shared/data to that file,
the way the publisher serves it (the gzipped copies in shared/ are sent as plain files, or with
``Content-Encoding: gzip`` when the client accepts it, as web servers do). The fault responders
reproduce what real servers do on bad days: errors then recovery, rate limits, hangs, HTML error
pages with status 200, empty and cut-off bodies, and bodies far larger than any list.

Use the ``mirror_server`` fixture (import it into the test module), or ``MirrorServer`` as a
context manager.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

import pytest

from exportscreen import settings
from exportscreen.sources import fetch

Responder = Callable[[BaseHTTPRequestHandler], None]

# The real file behind each official URL, relative to the shared data folder, and the date the
# mirror gives as its Last-Modified: the data's own date from raw/PROVENANCE.md (the first of the
# month where only the month is known). The lists' dates differ; what matters is that they are real.
OFFICIAL_FILES: dict[str, tuple[str, datetime]] = {
    fetch.source("csl").primary.url: (
        "raw/watchman/csl/consolidated_2022-05.csv.gz",
        datetime(2022, 5, 16, tzinfo=UTC),
    ),
    fetch.source("bis-dpl").primary.url: (
        "raw/watchman/bis_dpl/dpl_2023-11-30.txt.gz",
        datetime(2023, 11, 30, tzinfo=UTC),
    ),
    **{
        remote.url: (
            f"raw/watchman/ofac_sdn_2021-07/{remote.name.lower()}.gz",
            datetime(2021, 7, 1, tzinfo=UTC),
        )
        for remote in fetch.source("ofac-sdn").files
    },
    **{
        remote.url: (
            f"raw/watchman/ofac_cons_2025-12/{remote.name.lower()}.gz",
            datetime(2025, 12, 1, tzinfo=UTC),
        )
        for remote in fetch.source("ofac-cons").files
    },
    fetch.source("un-sc").primary.url: (
        "raw/un/un_consolidated_2026-02-27.xml.gz",
        datetime(2026, 2, 27, tzinfo=UTC),
    ),
    fetch.source("ofac-cons-enhanced").primary.url: (
        "raw/watchman/ofac_cons_enhanced_2025-01/CONS_ENHANCED.ZIP",
        datetime(2025, 1, 14, 19, 3, tzinfo=UTC),
    ),
}


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    path: str
    accept_encoding: str


class MirrorServer:
    """A threaded HTTP server answering each path with the responder routed to it (404 else)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else settings.shared_data_dir()
        self.routes: dict[str, Responder] = {}
        self.requests: list[RecordedRequest] = []
        # Set on shutdown so that responders that hang return instead of outliving the test.
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval makes shutdown (once per test) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """The mirror base URL to give ``fetch.download`` / ``run_update``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, path: str, responder: Responder) -> None:
        self.routes[path] = responder

    def route_official(self, official_url: str, responder: Responder) -> None:
        """Route the mirror path of an official URL (see the mirror layout in fetch.py)."""
        self.route(fetch.mirror_path(official_url), responder)

    def shared_file(self, relative: str) -> Path:
        return self.root / relative

    def hits(self, official_url: str) -> int:
        """How many requests reached the mirror path of an official URL."""
        path = fetch.mirror_path(official_url)
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def start(self) -> MirrorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append(
                        RecordedRequest(self.path, self.headers.get("Accept-Encoding", ""))
                    )
                responder = server.routes.get(self.path)
                try:
                    if responder is None:
                        send(self, 404, b"not found", "text/plain")
                    else:
                        responder(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (size limit, timeout): expected in fault tests

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest output clean

        return Handler


# --- responders --------------------------------------------------------------------------------


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
    *,
    content_length: int | None = None,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header(
        "Content-Length", str(len(body) if content_length is None else content_length)
    )
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()


def published_file(
    path: Path, content_type: str = "text/csv", last_modified: datetime | None = None
) -> Responder:
    """A file as its publisher serves it. A ``.gz`` copy stands for the plain file: sent with
    ``Content-Encoding: gzip`` when the client accepts gzip, else decompressed."""
    data = path.read_bytes()
    compressed = path.suffix == ".gz"

    def respond(handler: BaseHTTPRequestHandler) -> None:
        headers = (
            {"Last-Modified": format_datetime(last_modified, usegmt=True)} if last_modified else {}
        )
        accepts_gzip = "gzip" in handler.headers.get("Accept-Encoding", "")
        if compressed and accepts_gzip:
            send(handler, 200, data, content_type, {**headers, "Content-Encoding": "gzip"})
        else:
            send(handler, 200, gzip.decompress(data) if compressed else data, content_type, headers)

    return respond


def body(data: bytes, content_type: str = "text/csv", status: int = 200) -> Responder:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        send(handler, status, data, content_type)

    return respond


def failing(
    times: int, status: int, then: Responder, *, retry_after: str | None = None
) -> Responder:
    """``status`` for the first ``times`` requests, then whatever ``then`` answers."""
    remaining = [times]
    lock = threading.Lock()

    def respond(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            fail = remaining[0] > 0
            remaining[0] -= 1
        if not fail:
            then(handler)
            return
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        send(handler, status, f"error {status}".encode(), "text/plain", headers)

    return respond


def hanging(
    server: MirrorServer, seconds: float = 30.0, *, after_headers: bool = False
) -> Responder:
    """Say nothing for ``seconds`` (or until the server stops): before the status line, or after
    the headers (a server that stalls mid-body)."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        if after_headers:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/csv")
            handler.send_header("Content-Length", "1000")
            handler.end_headers()
            handler.wfile.write(b"_id,source,entity_number,")
            handler.wfile.flush()
        server.stopping.wait(seconds)

    return respond


HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head>"
    b"<body><h1>The site is down for maintenance</h1></body></html>\n"
)


def html_page(content_type: str = "text/html; charset=utf-8") -> Responder:
    """An error page with status 200, as portals send during maintenance. With a data
    Content-Type it checks that the body itself is looked at, not only the header."""
    return body(HTML_ERROR_PAGE, content_type)


def empty() -> Responder:
    return body(b"")


def truncated(path: Path, keep: float = 0.5, *, as_transfer_encoding: bool = False) -> Responder:
    """The first ``keep`` of a compressed file, with a Content-Length that matches the cut, so
    that only decompressing to the end can notice. ``as_transfer_encoding`` sends a cut ``.gz``
    as ``Content-Encoding: gzip`` of the plain file instead of as a gzip file."""
    data = path.read_bytes()
    cut = data[: int(len(data) * keep)]
    headers = {"Content-Encoding": "gzip"} if as_transfer_encoding else {}
    content_type = "text/csv" if as_transfer_encoding else "application/octet-stream"

    def respond(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, cut, content_type, headers)

    return respond


def short_body(data: bytes, keep: float = 0.5) -> Responder:
    """Announce ``len(data)`` bytes, send fewer, close: a connection dropped mid-transfer."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, data[: int(len(data) * keep)], "text/csv", content_length=len(data))
        handler.close_connection = True

    return respond


def huge_body(size: int, *, declare_length: bool) -> Responder:
    """A body of ``size`` bytes of CSV-looking filler, its length announced or not (then the
    client has to count)."""
    line = b"1,filler,filler,filler,filler,filler,filler,filler,filler,filler,filler\r\n"

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/csv")
        if declare_length:
            handler.send_header("Content-Length", str(size))
        handler.end_headers()
        sent = 0
        while sent < size:
            chunk = line * 1024
            handler.wfile.write(chunk)
            sent += len(chunk)
        handler.close_connection = True

    return respond


def serve_official_files(server: MirrorServer) -> None:
    """Route every official URL that has a real file in shared/ to it."""
    for url, (relative, published) in OFFICIAL_FILES.items():
        path = server.shared_file(relative)
        kind = "application/zip" if path.suffix.lower() == ".zip" else "text/csv"
        if url.endswith(".txt"):
            kind = "text/plain"
        elif url.endswith(".xml"):
            kind = "application/xml"
        server.route_official(url, published_file(path, kind, published))


@pytest.fixture()
def mirror_server() -> Iterator[MirrorServer]:
    """A running mirror of the official files (real data from shared/), faults routed per test."""
    root = settings.shared_data_dir()
    missing = [r for r, _ in OFFICIAL_FILES.values() if not (root / r).is_file()]
    if missing:
        pytest.skip(f"real list files not found under {root} (set EXPORTSCREEN_SHARED_DATA)")
    with MirrorServer(root) as server:
        serve_official_files(server)
        yield server
