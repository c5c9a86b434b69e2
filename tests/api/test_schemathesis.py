"""Property-based requests from the OpenAPI spec (schemathesis): no input may cause a 5xx.

Bounded for CI: a few examples per operation, a few hundred requests in all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exportscreen.api.auth import Role
from exportscreen.store import Store
from tests.api.support import add_users, build_app, config_for, load_fixture_lists

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

EXAMPLES_PER_OPERATION = 10


def test_no_input_causes_a_server_error(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'fuzz.db'}") as store:
        load_fixture_lists(store)
        headers = add_users(store).header(Role.ADMIN)
        config = config_for(tmp_path, str(store.engine.url), rate_per_second=1e6, rate_burst=10**6)
        app = build_app(store, config)
        # The ASGI transport does not run the lifespan: build the index here.
        app.state.services.lists.refresh()
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        failures: list[str] = []
        requests = 0
        for result in schema.get_all_operations():
            operation = result.ok()

            @hypothesis.settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                suppress_health_check=list(hypothesis.HealthCheck),
                derandomize=True,
                database=None,
            )
            @hypothesis.given(case=operation.as_strategy())
            def exercise(case: Any) -> None:
                nonlocal requests
                response = case.call(headers=headers)
                requests += 1
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

            exercise()
        app.state.services.jobs.close()
    assert requests >= 100
    assert failures == []
