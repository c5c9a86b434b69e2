"""Property-based requests from the OpenAPI spec (schemathesis), with every check schemathesis has
(no 5xx, responses as the schema declares them: status codes, content types, bodies, headers,
the Allow header of a 405; schema-valid requests accepted; invalid ones refused) and its stateful
phase (operations chained through the links it infers, e.g. a counterparty added then screened).

Every operation gets every check: the rules the routes enforce are in the OpenAPI (vocabularies
as enums and patterns, "a name with a letter or digit" as the format "party-name", what a yente
query needs to be screened, the bounds of a request), so a schema-valid request is accepted and
an invalid one refused. One exception, a schemathesis limitation: the negative-data check on the
multipart upload (``UNTYPED_BODIES``).

Bounded for CI: a few examples per operation and mode, and a few stateful scenarios."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import Any

import pycountry
import pytest
from fastapi import FastAPI

from exportscreen.api.auth import Role
from exportscreen.api.routers.lists import VERSION_OR_DATE_FORMAT
from exportscreen.api.schemas import COUNTRY_FORMAT, PARTY_NAME_FORMAT
from exportscreen.api.schemas_casework import DATE_OF_BIRTH_FORMAT
from exportscreen.screening.features import date_of_birth_problem
from exportscreen.screening.screener import name_problem
from exportscreen.store import Store
from tests.api.support import add_users, build_app, config_for, load_fixture_lists

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")
# Imported now, at the top of the stack, not lazily by the first pattern schemathesis turns into
# a strategy deep inside a run: the import runs ast.parse (Hypothesis reads the source of its
# @composite functions), and there CPython 3.11's AST constructor failed once in CI with
# "SystemError: AST constructor recursion depth mismatch (before=282, after=71)".
importlib.import_module("hypothesis.strategies._internal.regex")

# A deeper run (not in CI): EXPORTSCREEN_FUZZ_EXAMPLES=150 pytest tests/api/test_schemathesis.py
EXAMPLES_PER_OPERATION = int(os.environ.get("EXPORTSCREEN_FUZZ_EXAMPLES", "8"))
st = hypothesis.strategies

# The schema's own formats, for what a JSON-schema pattern cannot say.
schemathesis.openapi.format(
    PARTY_NAME_FORMAT,
    st.text(min_size=1, max_size=60).filter(lambda n: name_problem(n) is None),
)
schemathesis.openapi.format(
    COUNTRY_FORMAT,
    st.sampled_from(
        ["", "Taiwan", "Russia", "Korea, North"] + [c.alpha_2 for c in pycountry.countries]
    ),
)
schemathesis.openapi.format(
    DATE_OF_BIRTH_FORMAT,
    st.one_of(
        st.sampled_from(["", "1961", "1960 to 1962", "circa 1955"]),
        st.dates().map(lambda d: d.isoformat()),
    ).filter(lambda t: not t or date_of_birth_problem(t) is None),
)
schemathesis.openapi.format(
    VERSION_OR_DATE_FORMAT,
    st.one_of(st.integers(1, 10**6).map(str), st.dates().map(lambda d: d.isoformat())).filter(
        lambda t: len(t) == 10 or t.isdigit()
    ),
)

# A multipart form carries text only: a "boolean" where the file goes arrives as the text
# "True", which is a valid file. The negative-data check cannot hold there.
UNTYPED_BODIES = {("POST", "/v1/batch")}


def _excluded(case: Any) -> list[Any]:
    from schemathesis.specs.openapi.checks import negative_data_rejection

    key = (case.method.upper(), case.operation.path)
    return [negative_data_rejection] if key in UNTYPED_BODIES else []


STATEFUL_SCENARIOS = 10
STATEFUL_STEPS = 6

# Hypothesis settings shared by both phases: derandomised so that CI runs the same cases.
_BOUNDED = {
    "deadline": None,
    "suppress_health_check": list(hypothesis.HealthCheck),
    "derandomize": True,
    "database": None,
    "phases": [hypothesis.Phase.explicit, hypothesis.Phase.generate],
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    tmp_path = tmp_path_factory.mktemp("fuzz")
    with Store.open(f"sqlite:///{tmp_path / 'fuzz.db'}") as store:
        load_fixture_lists(store)
        headers = add_users(store).header(Role.ADMIN)
        # No budget or rate limit: the fuzzer is one key sending thousands of requests.
        config = config_for(
            tmp_path,
            str(store.engine.url),
            rate_per_second=1e6,
            rate_burst=10**6,
            work_per_second=1e9,
            work_burst=10**9,
            batch_rows_per_second=1e9,
            batch_rows_burst=10**9,
        )
        app = build_app(store, config)
        # The ASGI transport does not run the lifespan: build the index here.
        app.state.services.lists.refresh()
        yield app, headers
        app.state.services.jobs.close()


def _failure(case: Any, error: BaseException) -> str:
    """One line per check that failed: operation, check, status (the detail is in the message)."""
    found = error.exceptions if isinstance(error, BaseExceptionGroup) else [error]
    return "; ".join(
        f"{case.method} {case.formatted_path}: {getattr(e, 'title', type(e).__name__)}"
        f" -> {str(e).splitlines()[-1][:200]!r}"
        for e in found
    )


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_every_check_passes_on_generated_requests(
    api: tuple[FastAPI, dict[str, str]], mode: str
) -> None:
    app, headers = api
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    requests = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode))

        @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, **_BOUNDED)
        @hypothesis.given(case=strategy)
        def exercise(case: Any) -> None:
            nonlocal requests
            response = case.call(headers=headers)
            requests += 1
            try:
                case.validate_response(response, headers=headers, excluded_checks=_excluded(case))
            except (AssertionError, BaseExceptionGroup) as error:  # every check's failure
                failures.append(
                    f"{_failure(case, error)} [{response.status_code} {response.text[:160]}]"
                    f" {case.body!r:.300}"
                )

        try:
            exercise()
        except hypothesis.errors.Unsatisfiable:
            assert mode == "negative"  # nothing to get wrong (no parameters, no body)
    assert requests >= 100
    assert sorted(set(failures)) == [], "\n".join(sorted(set(failures)))


def test_the_stateful_phase_passes(api: tuple[FastAPI, dict[str, str]]) -> None:
    app, headers = api
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    base = schema.as_state_machine()

    class Scenarios(base):  # type: ignore[valid-type, misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(
                response, headers=headers, excluded_checks=_excluded(case), recorder=self.recorder
            )

    Scenarios.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS, **_BOUNDED
        )
    )
