"""uvicorn's HTTP protocol (httptools), writing a response's head and body in one send.

uvicorn writes the status line and headers as soon as the application starts its response, and
the body when it comes: two ``send`` calls, two TCP segments and two wake-ups of the client for
every answer. Profiled under the load benchmark (issue 19), the first of the two writes was the
HTTP server's largest cost, about 0.2 ms of server CPU a request on loopback. Here, when a
response announces its length, its head is held until its body's first write and both go out in
one: same bytes, same order, one system call. Anything else (a response of unknown length, a
HEAD answer) is written as uvicorn writes it; a head still held when the connection is closed is
written first, so nothing is lost that uvicorn would have sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle


class _HeldHead:
    """The connection's transport, with the response's head held until the next write."""

    __slots__ = ("_head", "_written", "transport")

    def __init__(self, transport: asyncio.Transport):
        self.transport = transport
        self._head = b""
        self._written = False  # the head was written (with the body, or alone)

    def write(self, data: bytes) -> None:
        if self._written:
            self.transport.write(data)
        elif not self._head:
            self._head = data  # the head: held until the body
        else:
            self._written = True
            self.transport.write(self._head + data)

    def release(self) -> asyncio.Transport:
        """The plain transport, after writing a head still held."""
        if not self._written and self._head:
            self.transport.write(self._head)
        self._written = True
        return self.transport

    def close(self) -> None:
        self.release().close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


def _has_length(message: Any) -> bool:
    return any(name.lower() == b"content-length" for name, _ in message.get("headers", ()))


class _OneWriteCycle(RequestResponseCycle):
    async def send(self, message: Any) -> None:
        if (
            message["type"] == "http.response.start"
            and not self.response_started
            and not self.disconnected
            and self.scope["method"] != "HEAD"
            and _has_length(message)
        ):
            held = _HeldHead(self.transport)
            self.transport = held  # type: ignore[assignment]
            try:
                await super().send(message)
            except BaseException:
                self.transport = held.release()
                raise
            return
        try:
            await super().send(message)
        finally:
            transport = self.transport
            if isinstance(transport, _HeldHead):
                self.transport = transport.release()


class OneWriteHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` whose requests' cycles write a response's head with its body."""

    def on_headers_complete(self) -> None:
        before = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        # The cycle made for this request: its task starts on the loop's next turn, so its
        # class can still be changed (same attributes; only ``send`` differs).
        if cycle is not before and type(cycle) is RequestResponseCycle:
            cycle.__class__ = _OneWriteCycle


__all__ = ["OneWriteHttpToolsProtocol"]
