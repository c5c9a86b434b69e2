"""Downloading the official list files safely.

Where they are published is ``exportscreen.sources.registry`` (re-exported here: ``SOURCES``,
``source``, ``RemoteFile``...; the mirror layout is described there). ``download`` fetches one
file and either leaves a complete, verified file in the destination folder or raises
``DownloadError`` and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import logging
import os
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO

import httpx
import tenacity

from exportscreen import settings
from exportscreen.sources import read_head
from exportscreen.sources.common import SourceError
from exportscreen.sources.registry import (
    DEFAULT_SOURCES,
    SOURCES,
    Compression,
    RemoteFile,
    Source,
    default_sources,
    mirror_path,
    source,
)

__all__ = [
    "DEFAULT_SOURCES",
    "SOURCES",
    "Backoff",
    "Compression",
    "DownloadError",
    "DownloadedFile",
    "RemoteFile",
    "Source",
    "default_sources",
    "download",
    "mirror_path",
    "source",
]

log = logging.getLogger(__name__)


# --- downloading -----------------------------------------------------------------------------


class DownloadError(Exception):
    """A file that could not be fetched, or that arrived but is not the list it should be."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    path: Path
    sha256: str
    url: str
    size: int
    retrieved_at: datetime
    # The server's Last-Modified, when it sent one: the best date for "data as of" on files
    # that carry no date of their own (OFAC's legacy CSVs).
    last_modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait between attempts: exponential with full jitter, in seconds.

    ``max_retry_after`` bounds how long a server may ask us to wait (429/503 Retry-After): a
    longer request fails the download rather than stalling the update for hours.
    """

    base: float = 1.0
    cap: float = 60.0
    max_retry_after: float = 300.0


class _Transient(Exception):
    """A failure worth another attempt (connection, timeout, 5xx, 429)."""

    def __init__(self, reason: str, retry_after: float | None = None):
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(reason)


DEFAULT_BACKOFF = Backoff()

_RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
_COPY_BLOCK = 1 << 20
_HEAD_BYTES = 1024


def download(
    remote: RemoteFile,
    dest_dir: Path,
    *,
    client: httpx.Client,
    timeout: float | httpx.Timeout = settings.HTTP_TIMEOUT_SECONDS,
    retries: int = settings.HTTP_RETRIES,
    max_bytes: int = settings.MAX_DOWNLOAD_BYTES,
    expected_sha256: str | None = None,
    mirror: str | None = None,
    backoff: Backoff = DEFAULT_BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
    deadline: float | None = settings.DOWNLOAD_DEADLINE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> DownloadedFile:
    """Fetch ``remote`` into ``dest_dir/<remote.name>``, verified, or raise DownloadError.

    ``deadline`` bounds the whole download, all attempts and waits included, in seconds (None:
    no bound): the timeouts bound each read, so a server trickling a byte now and then would
    otherwise hold an update forever.

    The body streams into a temporary file in ``dest_dir`` that is renamed over the destination
    only once every check has passed, so a reader never sees a partial file. ``timeout`` applies
    to connecting and to each read (a float sets both). ``retries`` more attempts are made after
    connection errors, timeouts, 5xx and 429 answers, waiting as ``backoff`` says (a server's
    Retry-After wins); other 4xx answers and bad content fail at once, since asking again would
    get the same answer.
    """
    url = remote.url_from(mirror)
    dest_dir.mkdir(parents=True, exist_ok=True)

    def wait(state: tenacity.RetryCallState) -> float:
        outcome = state.outcome
        error = outcome.exception() if outcome else None
        if isinstance(error, _Transient) and error.retry_after is not None:
            return error.retry_after
        jitter = tenacity.wait_random_exponential(multiplier=backoff.base, max=backoff.cap)
        return float(jitter(state))

    def log_retry(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait_for = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: %s; attempt %d failed, retrying in %.1fs",
            url,
            error,
            state.attempt_number,
            wait_for,
        )

    attempts = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(_Transient),
        stop=tenacity.stop_after_attempt(retries + 1),
        wait=wait,
        sleep=sleep,
        before_sleep=log_retry,
        reraise=True,
    )
    limit = _Deadline(url, deadline, clock)
    try:
        return attempts(
            _attempt,
            remote,
            url,
            dest_dir,
            client,
            timeout,
            max_bytes,
            expected_sha256,
            backoff,
            limit,
        )
    except _Transient as error:
        tries = "1 attempt" if retries == 0 else f"{retries + 1} attempts"
        raise DownloadError(url, f"{error.reason} (gave up after {tries})") from error


def _attempt(
    remote: RemoteFile,
    url: str,
    dest_dir: Path,
    client: httpx.Client,
    timeout: float | httpx.Timeout,
    max_bytes: int,
    expected_sha256: str | None,
    backoff: Backoff,
    limit: _Deadline,
) -> DownloadedFile:
    limit.check(0)
    with _temporary_file(dest_dir, remote.name) as partial:
        received, last_modified = _fetch(url, partial, client, timeout, max_bytes, backoff, limit)
        retrieved_at = datetime.now(UTC)
        if received.stat().st_size == 0:
            raise DownloadError(url, "empty body")
        _check_content(url, received, remote)
        digest, size = _sha256(received)
        if expected_sha256 and digest != expected_sha256.lower():
            raise DownloadError(url, f"sha256 {digest} differs from the expected {expected_sha256}")
        with received.open("rb") as handle:
            os.fsync(handle.fileno())
        target = dest_dir / remote.name
        os.replace(received, target)
    return DownloadedFile(target, digest, url, size, retrieved_at, last_modified)


@contextlib.contextmanager
def _temporary_file(dest_dir: Path, name: str) -> Iterator[Path]:
    """A fresh file name beside the destination, removed unless it was renamed into place."""
    handle, raw = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest_dir)
    os.close(handle)
    path = Path(raw)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
        path.with_suffix(".gz").unlink(missing_ok=True)


def _fetch(
    url: str,
    into: Path,
    client: httpx.Client,
    timeout: float | httpx.Timeout,
    max_bytes: int,
    backoff: Backoff,
    limit: _Deadline,
) -> tuple[Path, datetime | None]:
    """Stream the body of ``url`` into ``into``; returns the file holding the publisher's bytes
    (transfer compression undone) and the Last-Modified date."""
    # Only gzip is offered so that the transfer encoding can be undone here, where a truncated
    # stream raises; httpx's own decoder would let a cut-off gzip through silently.
    headers = {"Accept-Encoding": "gzip"}
    received = 0
    expected: int | None = None
    try:
        # Redirects are followed whatever the client's setting: official hosts move their files
        # now and then (OFAC's old treasury.gov URLs redirect to the list service).
        with client.stream(
            "GET", url, headers=headers, timeout=timeout, follow_redirects=True
        ) as response:
            _check_status(url, response, backoff)
            content_type = response.headers.get("content-type", "")
            if content_type.split(";")[0].strip().lower() in {"text/html", "application/xhtml+xml"}:
                raise DownloadError(url, f"the server sent an HTML page ({content_type}), not data")
            expected = _content_length(url, response)
            if expected is not None and expected > max_bytes:
                raise DownloadError(
                    url, f"Content-Length {expected} exceeds the limit of {max_bytes} bytes"
                )
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding not in {"identity", "gzip", "x-gzip"}:
                raise DownloadError(url, f"unsupported Content-Encoding {encoding!r}")
            raw_path = into if encoding == "identity" else into.with_suffix(".gz")
            with raw_path.open("wb") as out:
                for chunk in response.iter_raw():
                    received += len(chunk)
                    if received > max_bytes:
                        raise DownloadError(url, f"body exceeds the limit of {max_bytes} bytes")
                    limit.check(received)
                    out.write(chunk)
            last_modified = _http_date(response.headers.get("last-modified"))
    except httpx.TimeoutException as error:
        raise _Transient(f"timed out ({type(error).__name__})") from error
    except httpx.RemoteProtocolError as error:
        if expected is not None and received < expected:
            raise _Transient(
                f"connection closed after {received} of the {expected} bytes of Content-Length"
            ) from error
        raise _Transient(f"protocol error: {error}") from error
    except httpx.TransportError as error:
        raise _Transient(f"connection failed: {error}") from error
    if expected is not None and received != expected:
        raise DownloadError(url, f"received {received} bytes, Content-Length said {expected}")
    if raw_path != into:
        _gunzip(url, raw_path, into, max_bytes, what="gzip transfer encoding")
    return into, last_modified


class _Deadline:
    """The moment a download must be over by (``download(deadline=...)``)."""

    def __init__(self, url: str, seconds: float | None, clock: Callable[[], float]):
        self._url = url
        self._seconds = seconds
        self._clock = clock
        self._until = None if seconds is None else clock() + seconds

    def check(self, received: int) -> None:
        if self._until is not None and self._clock() > self._until:
            raise DownloadError(
                self._url,
                f"did not finish within its deadline of {self._seconds:g} s "
                f"({received:,} bytes received in the last attempt)",
            )


def _check_status(url: str, response: httpx.Response, backoff: Backoff) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in _RETRIED_STATUSES:
        retry_after = _retry_after(response.headers.get("retry-after"))
        if retry_after is not None and retry_after > backoff.max_retry_after:
            raise DownloadError(
                url,
                f"HTTP {status}; the server asks to retry after {retry_after:.0f}s, "
                f"more than the {backoff.max_retry_after:.0f}s we wait",
            )
        raise _Transient(f"HTTP {status} {response.reason_phrase}".strip(), retry_after)
    raise DownloadError(url, f"HTTP {status} {response.reason_phrase}".strip())


def _content_length(url: str, response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    if value is None:
        return None
    try:
        length = int(value)
    except ValueError:
        raise DownloadError(url, f"invalid Content-Length {value!r}") from None
    if length < 0:
        raise DownloadError(url, f"invalid Content-Length {value!r}")
    return length


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, given as seconds or as an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _gunzip(url: str, source: Path, target: Path, max_bytes: int, *, what: str) -> None:
    """Decompress all of ``source`` into ``target``: reading to the end is what proves the
    stream complete (a cut-off gzip raises EOFError only there)."""
    written = 0
    try:
        with gzip.open(source, "rb") as compressed, target.open("wb") as out:
            for block in iter(lambda: compressed.read(_COPY_BLOCK), b""):
                written += len(block)
                if written > max_bytes:
                    raise DownloadError(url, f"{what} expands past the limit of {max_bytes} bytes")
                out.write(block)
    except (EOFError, OSError, zlib.error) as error:
        raise DownloadError(url, f"truncated or corrupt {what}: {error}") from error


def _check_content(url: str, path: Path, remote: RemoteFile) -> None:
    """Refuse what is not the expected list file: HTML, a broken archive, another format."""
    with path.open("rb") as handle:
        raw_head = handle.read(_HEAD_BYTES)
    if _looks_like_html(raw_head):
        raise DownloadError(url, "the server sent an HTML page, not data")
    if raw_head.startswith(b"\x1f\x8b"):
        _verify_gzip(url, path)
    elif raw_head.startswith(b"PK\x03\x04"):
        _verify_zip(url, path)
    elif remote.compression is Compression.ZIP:
        raise DownloadError(url, "expected a zip archive, got something else")
    elif remote.compression is Compression.GZIP:
        raise DownloadError(url, "expected a gzip file, got something else")
    try:
        head = read_head(path, _HEAD_BYTES)
    except SourceError as error:
        raise DownloadError(url, error.message) from error
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if _looks_like_html(head):
        raise DownloadError(url, "the archive holds an HTML page, not data")
    if not remote.expect.match(head):
        shown = head[:60].decode("utf-8", "replace")
        raise DownloadError(url, f"does not look like {remote.name}: it starts with {shown!r}")
    if remote.ending is not None:
        tail = _read_tail(path, _TAIL_BYTES)
        if not remote.ending.search(tail):
            shown = tail[-40:].decode("utf-8", "replace")
            raise DownloadError(
                url,
                f"incomplete {remote.name}: it does not end as the format does "
                f"(cut short?); it ends with {shown!r}",
            )


_TAIL_BYTES = 256


def _read_tail(path: Path, size: int) -> bytes:
    """The last ``size`` bytes of the file's content: of the decompressed stream for a gzip file,
    of the first member for a zip archive (both already verified whole)."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic.startswith(b"\x1f\x8b"):
        return _stream_tail(gzip.open(path, "rb"), size)
    if magic == b"PK\x03\x04":
        with zipfile.ZipFile(path) as archive:
            return _stream_tail(archive.open(archive.namelist()[0]), size)
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - size))
        return handle.read()


def _stream_tail(stream: io.BufferedIOBase | IO[bytes], size: int) -> bytes:
    tail = b""
    with stream:
        for block in iter(lambda: stream.read(_COPY_BLOCK), b""):
            tail = (tail + block)[-size:]
    return tail


def _looks_like_html(head: bytes) -> bool:
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:16].lower()
    return start.startswith((b"<!doctype html", b"<html"))


def _verify_gzip(url: str, path: Path) -> None:
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(_COPY_BLOCK):
                pass
    except (EOFError, OSError, zlib.error) as error:
        raise DownloadError(url, f"truncated or corrupt gzip file: {error}") from error


def _verify_zip(url: str, path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            if not archive.namelist():
                raise DownloadError(url, "empty zip archive")
            # testzip() reads every member and checks its CRC.
            broken = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise DownloadError(url, f"truncated or corrupt zip archive: {error}") from error
    if broken is not None:
        raise DownloadError(url, f"corrupt zip archive: member {broken!r} fails its CRC check")


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_COPY_BLOCK), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
