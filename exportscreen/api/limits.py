"""Keeping one client, one request or a burst of traffic from taking the service down.

* ``BodySizeLimit``: a request body larger than allowed is refused with 413, whether it announces
  its length or streams it, before the application reads it.
* ``RateLimiter``: a token bucket per API key; a caller over its rate gets 429 with Retry-After.
* ``LoadShedder``: a bounded count of requests in progress; beyond it new requests get 503 with
  Retry-After at once, instead of queueing behind a saturated CPU and timing out later.

The two middlewares are plain ASGI (no per-request task or body buffering), so they cost
microseconds on the screening path.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any

from fastapi import HTTPException, status

from exportscreen.api.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _refuse(
    send: Send, code: int, detail: str, headers: Collection[tuple[bytes, bytes]] = ()
) -> None:
    body = error_body(detail)
    await send(
        {
            "type": "http.response.start",
            "status": code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """413 for bodies over ``max_bytes``; paths under ``upload_prefixes`` get ``max_upload``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        max_upload: int,
        upload_prefixes: Collection[str] = (),
    ):
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload = max_upload
        self.upload_prefixes = tuple(upload_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.max_upload if path.startswith(self.upload_prefixes) else self.max_bytes
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    await _refuse(send, status.HTTP_400_BAD_REQUEST, "bad Content-Length")
                    return
                if announced > limit:
                    await _refuse(send, 413, f"request body over {limit} bytes")
                    return
        received = 0
        started = False
        refused = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer now and tell the application the client went away, so that it
                    # stops reading; whatever it still tries to send is dropped.
                    if not started and not refused:
                        await _refuse(send, 413, f"request body over {limit} bytes")
                    refused = True
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except Exception:
            if not refused:  # the disconnect we reported surfaces as an error: expected
                raise


class LoadShedder:
    """At most ``max_in_flight`` requests in progress; the rest are refused with 503.

    Paths in ``exempt`` (health checks, metrics) are always served: an orchestrator must be able
    to tell "busy" from "dead"."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_in_flight: int,
        retry_after_seconds: int = 1,
        exempt: Collection[str] = (),
        on_shed: Callable[[], None] | None = None,
    ):
        self.app = app
        self.max_in_flight = max_in_flight
        self.retry_after = str(retry_after_seconds).encode("ascii")
        self.exempt = frozenset(exempt)
        self.on_shed = on_shed
        # The event loop runs middleware on one thread; a plain int is enough.
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            if self.on_shed is not None:
                self.on_shed()
            await _refuse(
                send,
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "the server is at capacity; retry shortly",
                [(b"retry-after", self.retry_after)],
            )
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


class RateLimiter:
    """A token bucket per caller: ``burst`` requests at once, refilled at ``per_second``."""

    def __init__(self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic):
        if per_second <= 0 or burst < 1:
            raise ValueError("a rate limit needs a positive rate and a burst of at least 1")
        self.per_second = per_second
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # caller -> (tokens, at)
        self._lock = threading.Lock()  # sync endpoints' dependencies run on worker threads

    def retry_after(self, caller: str) -> float:
        """0 when a request from ``caller`` may go ahead now (and counts it), else the seconds
        until it may."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(caller, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.per_second)
            if tokens >= 1.0:
                self._buckets[caller] = (tokens - 1.0, now)
                return 0.0
            self._buckets[caller] = (tokens, now)
            return (1.0 - tokens) / self.per_second

    def charge(self, caller: str) -> None:
        """Count one request, or raise 429 with Retry-After (whole seconds, at least 1)."""
        wait = self.retry_after(caller)
        if wait > 0:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                "rate limit exceeded for this API key",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
