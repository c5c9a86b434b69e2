"""Keeping one client, one request or a burst of traffic from taking the service down.

* ``BodySizeLimit``: a request body larger than allowed is refused with 413, whether it announces
  its length or streams it, before the application reads it; a body that has not arrived within
  its time is refused with 408, so a client sending one byte at a time holds nothing for long.
* ``RateLimiter``: a token bucket per API key; a caller over its rate gets 429 with Retry-After.
  ``WorkBudget`` is the same bucket counted in screened names instead of requests (a ``/match``
  of 100 queries is 100 names, a batch upload its rows), so that one request cannot buy more work
  than a hundred small ones.
* ``LoadShedder``: a bounded count of requests in progress; beyond it new requests get 503 with
  Retry-After at once, instead of queueing behind a saturated CPU and timing out later. Requests
  without a valid API key (the UI's, the docs', a stranger's) count in a pool of their own,
  capped per client address: they can never take the places of keyed screenings. ``Capacity``
  is the count, shared with ``/readyz``.

The two middlewares are plain ASGI (no per-request task or body buffering), so they cost
microseconds on the screening path.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any

from fastapi import HTTPException, status

from exportscreen.api.errors import InputError, Loc, error_body

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
        body_seconds: float = 10.0,
        upload_bytes_per_second: float = 256 * 1024,
    ):
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload = max_upload
        self.upload_prefixes = tuple(upload_prefixes)
        # A JSON body arrives within ``body_seconds``; an upload gets that plus the time its
        # size takes at ``upload_bytes_per_second`` (a slow office line).
        self.body_seconds = body_seconds
        self.upload_seconds = body_seconds + max_upload / upload_bytes_per_second

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        upload = path.startswith(self.upload_prefixes)
        limit = self.max_upload if upload else self.max_bytes
        # On the event loop's clock, which ``asyncio.timeout_at`` reads.
        deadline = asyncio.get_running_loop().time() + (
            self.upload_seconds if upload else self.body_seconds
        )
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
        body_done = False

        async def counted_receive() -> Message:
            nonlocal received, refused, body_done
            if body_done or refused:
                # After the body, receive() waits for the client to go away (streamed
                # responses listen for it): no deadline then.
                return await receive()
            try:
                # A deadline on this task, not ``wait_for`` (which on Python 3.11 runs the
                # receive in a task of its own: a task per request on the screening path).
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                if not started:
                    await _refuse(send, status.HTTP_408_REQUEST_TIMEOUT, "request body too slow")
                refused = True
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                body_done = not message.get("more_body", False)
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


class Capacity:
    """Keyed requests in progress in this process, and when one was last refused: what the
    shedder admits by and what ``/readyz`` reports."""

    # A refusal this recent still counts as saturated for /readyz.
    RECENT_SECONDS = 1.0

    def __init__(self, max_in_flight: int):
        self.max_in_flight = max_in_flight
        # The event loop runs middleware on one thread; plain ints are enough.
        self.in_flight = 0
        self.shed_at = -math.inf

    @property
    def saturated(self) -> bool:
        return (
            self.in_flight >= self.max_in_flight
            or time.monotonic() - self.shed_at < self.RECENT_SECONDS
        )


Authenticated = Callable[[Scope], Awaitable[bool]]


class LoadShedder:
    """At most ``max_in_flight`` requests in progress; the rest are refused with 503.

    With ``authenticated`` (whether a request carries a valid API key), requests without one are
    admitted from a pool of their own: ``anonymous_max`` at once in this process, at most
    ``anonymous_per_address`` from one client address (beyond: 429). So a hundred connections
    without a key, however slowly they send, never keep a keyed screening out.

    Paths in ``exempt`` (health checks, metrics) are always served: an orchestrator must be able
    to tell "busy" from "dead"."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_in_flight: int | None = None,
        capacity: Capacity | None = None,
        retry_after_seconds: int = 1,
        exempt: Collection[str] = (),
        on_shed: Callable[[], None] | None = None,
        authenticated: Authenticated | None = None,
        anonymous_max: int = 8,
        anonymous_per_address: int = 4,
    ):
        if capacity is None:
            if max_in_flight is None:
                raise ValueError("give max_in_flight or capacity")
            capacity = Capacity(max_in_flight)
        self.app = app
        self.capacity = capacity
        self.retry_after = str(retry_after_seconds).encode("ascii")
        self.exempt = frozenset(exempt)
        self.on_shed = on_shed
        self.authenticated = authenticated
        self.anonymous_max = anonymous_max
        self.anonymous_per_address = anonymous_per_address
        self.anonymous = 0
        self.anonymous_by_address: Counter[str] = Counter()

    @property
    def in_flight(self) -> int:
        return self.capacity.in_flight

    async def _shed(self, send: Send, detail: str) -> None:
        self.capacity.shed_at = time.monotonic()
        if self.on_shed is not None:
            self.on_shed()
        await _refuse(
            send, status.HTTP_503_SERVICE_UNAVAILABLE, detail, [(b"retry-after", self.retry_after)]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.authenticated is not None and not await self.authenticated(scope):
            await self._anonymous(scope, receive, send)
            return
        capacity = self.capacity
        if capacity.in_flight >= capacity.max_in_flight:
            await self._shed(send, "the server is at capacity; retry shortly")
            return
        capacity.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            capacity.in_flight -= 1

    async def _anonymous(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        address = str(client[0]) if client else ""
        if self.anonymous_by_address[address] >= self.anonymous_per_address:
            await _refuse(
                send,
                status.HTTP_429_TOO_MANY_REQUESTS,
                "too many requests without a valid API key from this address",
                [(b"retry-after", self.retry_after)],
            )
            return
        if self.anonymous >= self.anonymous_max:
            await _refuse(
                send,
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "too many requests without a valid API key; retry shortly",
                [(b"retry-after", self.retry_after)],
            )
            return
        self.anonymous += 1
        self.anonymous_by_address[address] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.anonymous -= 1
            self.anonymous_by_address[address] -= 1
            if not self.anonymous_by_address[address]:
                del self.anonymous_by_address[address]


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


class WorkBudget(RateLimiter):
    """A token bucket per caller counted in screened names: ``per_second`` names, up to
    ``burst`` at once. A charge larger than what is left is allowed while a name's worth is left
    (a batch of a million rows is not refused for being large) and leaves the caller in debt:
    its next work waits until the debt is refilled."""

    def retry_after_work(self, caller: str, names: int) -> float:
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(caller, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.per_second)
            # At least one name's worth left: a budget spent to the last name refuses the next
            # one until a whole name has been refilled (not a sliver of one).
            if tokens >= 1.0:
                self._buckets[caller] = (tokens - names, now)
                return 0.0
            self._buckets[caller] = (tokens, now)
            return (1.0 - tokens) / self.per_second

    def charge_work(self, caller: str, names: int) -> None:
        """Count ``names`` screened names, or raise 429 with Retry-After."""
        wait = self.retry_after_work(caller, max(1, names))
        if wait > 0:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                "work budget exceeded for this API key: it screened more names than its rate "
                f"({self.per_second:g} names/s); retry later",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )

    def charge_request(self, caller: str, units: int, loc: Loc) -> None:
        """``charge_work`` for one request's ``units``; a request that is on its own more work
        than the burst is refused with 422 naming ``loc``, whatever the budget holds."""
        if units > self.burst:
            raise InputError(
                loc,
                f"this request is {units:,} units of work (screened names, weighted by how low "
                f"the threshold is); at most {self.burst:,.0f} per request: send fewer names or "
                "a higher threshold",
            )
        self.charge_work(caller, units)


# What one screened name costs, relative to one at the default alert threshold, by how low the
# score cutoff goes: below 0.5 the index prunes little and many more candidates are aligned.
# Measured on the real lists (15,669 entries) with 120-character names: 0.7 ms a name at 0.5,
# 6.2 ms at 0.3, 14.3 ms at 0 (CPU); the line below gives 1, 9 and 21.
CHEAP_CUTOFF = 0.5
_COST_PER_CUTOFF_BELOW = 40.0


def work_units(names: int, cutoff: float) -> int:
    """The work of screening ``names`` names down to ``cutoff``, in units of one name."""
    per_name = 1.0 + max(0.0, CHEAP_CUTOFF - cutoff) * _COST_PER_CUTOFF_BELOW
    return math.ceil(max(1, names) * per_name)
