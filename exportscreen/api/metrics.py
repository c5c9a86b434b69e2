"""Prometheus metrics of one API process, and the middleware that counts requests.

Each app has its own registry (several apps in one test process must not collide). With several
uvicorn workers each reports its own counts; Prometheus sums them across scrapes of each worker
only in prometheus_client's multiprocess mode, which a deployment enables on its own.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from exportscreen.api.limits import ASGIApp, Message, Receive, Scope, Send
from exportscreen.store import ListSummary

# Screening is a few milliseconds; the buckets resolve the 50 ms p99 objective.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "exportscreen_http_requests",
            "HTTP requests by route template, method and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "exportscreen_http_request_duration_seconds",
            "HTTP request latency by route template.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.screening = Histogram(
            "exportscreen_screening_duration_seconds",
            "Time spent screening names, by endpoint.",
            ["endpoint"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._screening_timers: dict[str, Any] = {}
        self.shed = Counter(
            "exportscreen_requests_shed",
            "Requests refused with 503 because the process was at capacity.",
            registry=self.registry,
        )
        self.index_entries = Gauge(
            "exportscreen_index_entries",
            "List entries in this process's screening index.",
            registry=self.registry,
        )
        self.list_age = Gauge(
            "exportscreen_list_age_seconds",
            "Seconds since the current version of each list was imported.",
            ["list"],
            registry=self.registry,
        )
        self.list_entries = Gauge(
            "exportscreen_list_entries",
            "Entries in the current version of each list.",
            ["list"],
            registry=self.registry,
        )

    def screening_timer(self, endpoint: str) -> Any:
        """``screening``'s child for ``endpoint``, found once (``labels`` checks and converts
        its value and takes the metric's lock on every call: once per screening request)."""
        timer = self._screening_timers.get(endpoint)
        if timer is None:
            timer = self._screening_timers[endpoint] = self.screening.labels(endpoint)
        return timer

    def observe_lists(self, lists: Mapping[str, ListSummary], entries: int) -> None:
        now = datetime.now(UTC)
        self.index_entries.set(entries)
        for code, summary in lists.items():
            self.list_age.labels(code).set((now - summary.imported_at).total_seconds())
            self.list_entries.labels(code).set(summary.entry_count)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts every HTTP request by its route template (``/v1/entries/{entry_id}``, never the
    raw path, whose values would make the label set unbounded)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics):
        self.app = app
        self.metrics = metrics
        # Each label set's child, found once: ``labels`` checks and converts its values and
        # takes the metric's lock on every call. As bounded as the label sets themselves.
        self._counted: dict[tuple[str, str, int], Any] = {}
        self._timed: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        code = 500

        async def noting_send(message: Message) -> None:
            nonlocal code
            if message["type"] == "http.response.start":
                code = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            counted = self._counted.get((scope["method"], template, code))
            if counted is None:
                counted = self.metrics.requests.labels(scope["method"], template, str(code))
                self._counted[(scope["method"], template, code)] = counted
            counted.inc()
            timed = self._timed.get(template)
            if timed is None:
                timed = self._timed[template] = self.metrics.latency.labels(template)
            timed.observe(time.perf_counter() - started)
