from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from exportscreen.api.limits import Capacity, LoadShedder, RateLimiter, WorkBudget, work_units
from exportscreen.store import Store
from tests.api.support import Keys, build_app, config_for, running


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # (seconds to advance before a request, ...) at 2/s with a burst of 3
        ([0, 0, 0, 0], [0.0, 0.0, 0.0, 0.5]),
        ([0, 0, 0, 0.5], [0.0, 0.0, 0.0, 0.0]),
        ([0, 0, 0, 0, 0.25], [0.0, 0.0, 0.0, 0.5, 0.25]),
        ([0, 0, 0, 10, 0, 0, 0], [0.0] * 6 + [0.5]),  # refills to the burst, not beyond
    ],
)
def test_token_bucket(steps: list[float], expected: list[float]) -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_second=2.0, burst=3, clock=clock)
    waits = []
    for step in steps:
        clock.now += step
        waits.append(round(limiter.retry_after("k"), 3))
    assert waits == expected


def test_callers_have_separate_buckets() -> None:
    limiter = RateLimiter(per_second=1.0, burst=1, clock=FakeClock())
    assert limiter.retry_after("a") == 0.0
    assert limiter.retry_after("b") == 0.0
    assert limiter.retry_after("a") > 0.0


@pytest.fixture()
def strict_client(store: Store, keys: Keys, tmp_path: Path) -> Any:
    config = config_for(
        tmp_path, str(store.engine.url), rate_per_second=0.01, rate_burst=2, max_body_bytes=2048
    )
    with running(build_app(store, config)) as client:
        yield client


def test_over_the_rate_is_429_with_retry_after(strict_client: TestClient, keys: Keys) -> None:
    headers = {"Authorization": f"Bearer {keys.viewer}"}
    codes = [strict_client.get("/v1/lists", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = strict_client.get("/v1/lists", headers=headers)
    assert int(response.headers["retry-after"]) >= 1
    # Another key is not held back by the first one's traffic.
    other = {"Authorization": f"Bearer {keys.analyst}"}
    assert strict_client.get("/v1/lists", headers=other).status_code == 200


def test_an_oversized_body_is_413(strict_client: TestClient, keys: Keys) -> None:
    headers = {"Authorization": f"Bearer {keys.viewer}", "content-type": "application/json"}
    big = b'{"name": "' + b"a" * 5000 + b'"}'
    assert strict_client.post("/v1/screen", content=big, headers=headers).status_code == 413

    def chunks() -> Any:  # no Content-Length: counted as it streams
        yield big[:1000]
        yield big[1000:]

    assert strict_client.post("/v1/screen", content=chunks(), headers=headers).status_code == 413


def test_load_shedding_refuses_beyond_the_in_flight_bound() -> None:
    release = asyncio.Event()
    statuses: list[int] = []

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    shedder = LoadShedder(slow_app, max_in_flight=2, exempt=("/healthz",))

    async def call(path: str) -> None:
        async def receive() -> Any:
            return {"type": "http.request", "body": b""}

        async def send(message: Any) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await shedder({"type": "http", "path": path, "method": "GET"}, receive, send)

    async def scenario() -> None:
        running_calls = [asyncio.create_task(call("/v1/screen")) for _ in range(2)]
        await asyncio.sleep(0)
        await call("/v1/screen")  # the third is refused at once
        assert statuses == [503]
        exempt = asyncio.create_task(call("/healthz"))  # health checks always pass
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(*running_calls, exempt)
        assert shedder.in_flight == 0
        await call("/v1/screen")  # and the service recovers

    asyncio.run(scenario())
    assert statuses == [503, 200, 200, 200, 200]


@pytest.mark.parametrize(
    ("names", "cutoff", "units"),
    [
        (1, 0.77, 1),  # the default alert threshold: one name, one unit
        (1, 0.5, 1),
        (1, 0.3, 9),  # measured 6.2 ms against 0.7 ms a name at 0.5
        (1, 0.0, 21),  # measured 14.3 ms
        (100, 0.0, 2100),  # issue 14's /match: over the default per-request burst of 2,000
        (0, 0.9, 1),  # a query without a name still costs its lookup
    ],
)
def test_work_units(names: int, cutoff: float, units: int) -> None:
    assert work_units(names, cutoff) == units


def test_the_work_budget_lets_a_big_charge_through_once_then_waits() -> None:
    clock = FakeClock()
    budget = WorkBudget(per_second=100.0, burst=1000, clock=clock)
    assert budget.retry_after_work("k", 900) == 0.0
    assert budget.retry_after_work("k", 5000) == 0.0  # something was left: allowed, in debt
    assert budget.retry_after_work("k", 1) == pytest.approx((1 + 4900) / 100)
    clock.now += 50
    assert budget.retry_after_work("k", 1) == 0.0  # the debt is paid
    assert budget.retry_after_work("other", 1000) == 0.0  # each key its own budget
    # Spent to the last name: the next waits for a whole name, not for a sliver of one.
    clock.now += 0.001
    assert budget.retry_after_work("other", 1) == pytest.approx((1 - 0.1) / 100)


def test_capacity_is_saturated_when_full_or_just_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    capacity = Capacity(2)
    assert not capacity.saturated
    capacity.in_flight = 2
    assert capacity.saturated
    capacity.in_flight = 1
    capacity.shed_at = time.monotonic()
    assert capacity.saturated
    capacity.shed_at -= Capacity.RECENT_SECONDS
    assert not capacity.saturated
