"""``POST /v1/screen``'s fast path (``routers.screen.ScreenRoute``) answers exactly as FastAPI's
own request handler does: the same answer for a well-formed request, the same refusal, naming
the same field, for every other.

FastAPI's handler is reached by the same request with ``Content-Type: application/json;
charset=utf-8``, which the fast path always leaves to it; each body is sent both ways and the
two answers compared (an accepted screening's ``audit_seq`` and ``reference`` differ: each
request has its own record)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fastapi.routing
import pytest
from fastapi.testclient import TestClient

from exportscreen.casework import audit_trail as audit
from exportscreen.store import Store
from tests.api.support import Keys

FAST = "application/json"
FASTAPI_OWN = "application/json; charset=utf-8"

# (why, raw body): what a client may send, well-formed or not.
BODIES: list[tuple[str, bytes]] = [
    ("a name", b'{"name": "Acme Photonics"}'),
    (
        "every field",
        b'{"name": "Ivan Petrov", "country": "RU", "type": "person", "date_of_birth": "1961",'
        b' "identifiers": ["123"], "nationality": "Russia", "address": "Moscow",'
        b' "lists": ["SDN"], "limit": 3, "threshold": 0.6}',
    ),
    ("a past date", b'{"name": "Acme Photonics", "as_of": "2024-01-01"}'),
    ("a whole number as a float", b'{"name": "Acme", "limit": 5.0}'),
    ("a duplicated key (the last wins)", b'{"name": "x", "name": "Acme Photonics"}'),
    ("an escaped name", b'{"name": "Acme \\u0050hotonics"}'),
    ("not JSON", b'{"name": "Acme"'),
    ("not UTF-8", b'{"name": "Acme \xff"}'),
    ("JSON, not an object", b'["Acme"]'),
    ("a string", b'"Acme"'),
    ("null", b"null"),
    ("no name", b'{"nom": "Acme"}'),
    ("an unknown field", b'{"name": "Acme", "extra": 1}'),
    ("a name of no letters", b'{"name": "%\' --"}'),
    ("an empty name", b'{"name": ""}'),
    ("a name of null", b'{"name": null}'),
    ("a lone surrogate", b'{"name": "Acme \\ud800"}'),
    ("a threshold of NaN", b'{"name": "Acme", "threshold": NaN}'),
    ("an infinite limit", b'{"name": "Acme", "limit": Infinity}'),
    ("a limit of 0", b'{"name": "Acme", "limit": 0}'),
    ("a limit as text", b'{"name": "Acme", "limit": "5"}'),
    ("an unknown list", b'{"name": "Acme", "lists": ["XX"]}'),
    ("a bad date", b'{"name": "Acme", "as_of": "2024-13-01"}'),
    ("a bad party type", b'{"name": "Acme", "type": "robot"}'),
    ("too many identifiers", b'{"name": "Acme", "identifiers": ' + b'["1"' + b', "1"' * 10 + b"]}"),
    ("a threshold too low for the budget", b'{"name": "Acme", "threshold": 0.0}'),
    ("an unknown country", b'{"name": "Acme", "country": "Atlantis"}'),
]


@pytest.fixture()
def handler_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times FastAPI's own request handler solved a request's dependencies."""
    calls: list[int] = []
    original = fastapi.routing.solve_dependencies

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await original(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    yield calls


def _answer(client: TestClient, body: bytes, content_type: str, headers: dict[str, str]) -> Any:
    response = client.post(
        "/v1/screen", content=body, headers={**headers, "content-type": content_type}
    )
    try:
        answer = response.json()
    except ValueError:
        answer = response.text
    if response.status_code == 200:
        answer.pop("audit_seq")
        answer.pop("reference")
    return response.status_code, answer


@pytest.mark.parametrize(("why", "body"), BODIES, ids=[why for why, _ in BODIES])
def test_the_fast_path_answers_as_fastapi_does(
    client: TestClient, viewer: dict[str, str], why: str, body: bytes
) -> None:
    fast = _answer(client, body, FAST, viewer)
    own = _answer(client, body, FASTAPI_OWN, viewer)
    assert fast == own, why


@pytest.mark.parametrize(("why", "body"), BODIES[:3] + BODIES[6:9], ids=lambda x: str(x)[:30])
def test_without_a_valid_key_the_refusal_is_the_same(
    client: TestClient, keys: Keys, why: str, body: bytes
) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-key"}):
        assert _answer(client, body, FAST, headers) == _answer(client, body, FASTAPI_OWN, headers)


def test_a_well_formed_request_takes_the_fast_path_and_is_audited(
    client: TestClient, viewer: dict[str, str], store: Store, handler_calls: list[int]
) -> None:
    response = client.post(
        "/v1/screen",
        content=b'{"name": "Acme Photonics", "threshold": 0.7}',
        headers={**viewer, "content-type": FAST},
    )
    assert response.status_code == 200
    assert handler_calls == []  # FastAPI's handler was not run
    body = response.json()
    record = next(r for r in audit.records(store.engine) if r.seq == body["audit_seq"])
    assert record.payload["screenings"][0]["query"] == {"name": "Acme Photonics", "threshold": 0.7}
    assert record.payload["threshold"] == 0.7
    # A refused body goes through FastAPI's handler, which names the field.
    refused = client.post(
        "/v1/screen",
        content=b'{"name": "Acme", "limit": 0}',
        headers={**viewer, "content-type": FAST},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "limit"]
    assert handler_calls == [1]
