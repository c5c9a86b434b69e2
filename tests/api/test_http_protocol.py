"""The server's HTTP protocol (``api.http_protocol``) sends the same bytes as uvicorn's own, a
response of known length in one write instead of two.

Both protocols serve the same small app on real sockets (uvicorn in a thread); each connection's
transport writes are recorded; every request is sent to both and the bytes compared, with the
``date`` header (the second it was sent) left out."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from exportscreen.api.http_protocol import OneWriteHttpToolsProtocol

BIG = b"x" * 300_000


async def _json(request: Request) -> Response:
    return JSONResponse({"hello": "world", "n": [1, 2, 3]}, headers={"x-extra": "1"})


async def _empty(request: Request) -> Response:
    return Response(status_code=204)


async def _big(request: Request) -> Response:
    return Response(BIG, media_type="application/octet-stream")


async def _stream(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for part in (b"one,", b"two,", b"three"):
            yield part

    return StreamingResponse(chunks(), media_type="text/plain")


async def _echo(request: Request) -> Response:
    return PlainTextResponse((await request.body()).decode())


async def _broken(request: Request) -> Response:
    raise RuntimeError("broken on purpose")


async def _half(scope: Any, receive: Any, send: Any) -> None:
    # Announces a length, starts, then fails before any body: uvicorn closes the connection.
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]}
    )
    raise RuntimeError("failed after the start")


APP = Starlette(
    routes=[
        Route("/json", _json, methods=["GET", "HEAD"]),
        Route("/empty", _empty),
        Route("/big", _big),
        Route("/stream", _stream),
        Route("/echo", _echo, methods=["POST"]),
        Route("/broken", _broken),
        Route("/half", _half),
    ]
)


class _Recorder:
    """A connection's transport (uvloop's, whose ``write`` cannot be replaced), recording
    every write."""

    def __init__(self, transport: asyncio.Transport, writes: list[bytes]):
        self._transport = transport
        self._writes = writes

    def write(self, data: bytes) -> None:
        self._writes.append(bytes(data))
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _recording(base: type[HttpToolsProtocol], writes: list[bytes]) -> type[HttpToolsProtocol]:
    class Recording(base):  # type: ignore[valid-type,misc]
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(_Recorder(transport, writes))

    return Recording


@contextmanager
def _serving(protocol: type[HttpToolsProtocol]) -> Iterator[tuple[int, list[bytes]]]:
    writes: list[bytes] = []
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(
        APP,
        host="127.0.0.1",
        port=port,
        log_level="critical",
        http=_recording(protocol, writes),
        server_header=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield port, writes
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _exchange(port: int, request: bytes) -> bytes:
    """Everything the server sends back until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        received = []
        while chunk := conn.recv(65536):
            received.append(chunk)
    return re.sub(rb"date: [^\r]*\r\n", b"", b"".join(received))


def _get(path: str, method: str = "GET", body: bytes = b"", extra: bytes = b"") -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n".encode()
        + (f"Content-Length: {len(body)}\r\n".encode() if body else b"")
        + extra
        + b"\r\n"
        + body
    )


REQUESTS = {
    "json": _get("/json"),
    "head": _get("/json", "HEAD"),
    "no content": _get("/empty"),
    "large body": _get("/big"),
    "streamed": _get("/stream"),
    "posted": _get("/echo", "POST", b'{"name": "Acme"}'),
    "expect 100-continue": _get("/echo", "POST", b"abc", b"Expect: 100-continue\r\n"),
    "not found": _get("/nowhere"),
    "method not allowed": _get("/echo"),
    "500": _get("/broken"),
    "failed after the start": _get("/half"),
}


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[tuple[int, list[bytes]], tuple[int, list[bytes]]]]:
    with _serving(HttpToolsProtocol) as plain, _serving(OneWriteHttpToolsProtocol) as one_write:
        yield plain, one_write


@pytest.mark.parametrize("name", list(REQUESTS))
def test_the_same_bytes_as_uvicorn_sends(
    servers: tuple[tuple[int, list[bytes]], tuple[int, list[bytes]]], name: str
) -> None:
    (plain_port, _), (port, _) = servers
    assert _exchange(port, REQUESTS[name]) == _exchange(plain_port, REQUESTS[name])


@pytest.mark.parametrize(
    ("name", "plain_writes", "writes"),
    [
        ("json", 2, 1),
        ("posted", 2, 1),
        ("no content", 2, 2),  # a 204 announces no length: written as uvicorn writes it
        ("large body", 2, 1),
        ("head", 1, 1),  # no body: the head alone, as before
        ("streamed", 5, 5),  # no length announced: written as uvicorn writes it
    ],
)
def test_a_response_of_known_length_is_one_write(
    servers: tuple[tuple[int, list[bytes]], tuple[int, list[bytes]]],
    name: str,
    plain_writes: int,
    writes: int,
) -> None:
    counts = []
    for port, recorded in servers:
        recorded.clear()
        _exchange(port, REQUESTS[name])
        counts.append(len(recorded))
    assert counts == [plain_writes, writes]
