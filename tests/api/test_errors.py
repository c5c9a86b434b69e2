from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from exportscreen.casework.register import Counterparty
from exportscreen.screening.screener import Screener
from exportscreen.store import Store
from exportscreen.store import counterparties as stored_parties


def test_an_unexpected_error_is_a_generic_500_without_a_trace(
    client: TestClient, viewer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret path /etc/exportscreen/db.sqlite")

    monkeypatch.setattr(Screener, "screen", broken)
    response = client.post("/v1/screen", json={"name": "Acme"}, headers=viewer)
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error", "errors": []}
    assert "secret" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("path", ["/healthz", "/v1/lists", "/ui/login", "/docs"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_ui_pages_allow_no_inline_script(client: TestClient) -> None:
    policy = client.get("/ui/login").headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy


def test_every_operation_documents_an_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            success = next(v for k, v in operation["responses"].items() if k.startswith("2"))
            content = success.get("content", {})
            documented = any(
                "example" in media or "examples" in media for media in content.values()
            )
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                if ref and "examples" in schemas[ref.rsplit("/", 1)[-1]]:
                    documented = True
            if not documented:
                missing.append(f"{method.upper()} {path}")
    assert missing == []


# Bodies a client can send that once gave a 500 or dropped the connection: each is a 422 naming
# the field, in the one error shape.
BAD_BODIES = [
    ("/v1/screen", b'{"name": "\\ud800abc"}', ["body", "name"]),
    ("/v1/screen", b'{"name": "Acme", "threshold": NaN}', ["body", "threshold"]),
    ("/v1/screen", b'{"name": "Acme", "threshold": Infinity}', ["body", "threshold"]),
    ("/v1/screen", b'{"name": "Acme", "limit": 1e400}', ["body", "limit"]),
    ("/v1/screen", b'{"name": "%\' --"}', ["body", "name"]),
    ("/v1/screen", '{"name": "\u00a4"}'.encode(), ["body", "name"]),
    ("/v1/screen", '{"name": "\u00f7"}'.encode(), ["body", "name"]),
    ("/v1/counterparties", b'{"external_id": "X", "name": "%\' --"}', ["body", "name"]),
    ("/v1/counterparties", b'{"external_id": "X", "name": "\\udfffA"}', ["body", "name"]),
    # A date of birth that names no year (or no real day) would qualify nothing: refused.
    (
        "/v1/counterparties",
        b'{"external_id": "X", "name": "Ivan Petrov", "date_of_birth": "unknown"}',
        ["body", "date_of_birth"],
    ),
    (
        "/v1/counterparties",
        b'{"external_id": "X", "name": "Ivan Petrov", "date_of_birth": "1961-02-30"}',
        ["body", "date_of_birth"],
    ),
    (
        "/match/default",
        b'{"queries": {"q": {"schema": "Company", "properties": {"name": ["\\ud800x"]}}}}',
        ["body", "queries", "q", "properties", "name"],
    ),
    # Found by schemathesis once the OpenAPI stated the rules: a 500 before.
    (
        "/v1/determine",
        b'{"date": "2026-01-05", "destination_country": "DE", "items": [{"eccn": "EAR99"}],'
        b' "parties": [{"role": "end_user", "name": "%\' --"}]}',
        ["body", "parties", 0, "name"],
    ),
    # A number where a yes/no answer goes is not taken for "no".
    (
        "/v1/determine",
        b'{"date": "2026-01-05", "destination_country": "DE",'
        b' "items": [{"eccn": "EAR99", "food_or_medicine": 0.0}],'
        b' "parties": [{"role": "end_user", "name": "Acme"}]}',
        ["body", "items", 0, "food_or_medicine"],
    ),
]


# Searches for a name with nothing to search (no letter or digit): refused naming the parameter,
# where an empty answer would read as "not listed".
@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/consolidated_screening_list/v1/search", {"name": "%' --"}, 422),
        ("/consolidated_screening_list/v1/search", {"name": "÷", "fuzzy_name": "true"}, 422),
        ("/search/default", {"q": "%' --"}, 400),  # yente's status for a refused query
        ("/search/default", {"q": "©", "fuzzy": "true"}, 400),
    ],
)
def test_a_search_for_a_name_without_letters_or_digits_is_refused(
    client: TestClient, viewer: dict[str, str], path: str, params: dict[str, str], status: int
) -> None:
    response = client.get(path, params=params, headers=viewer)
    assert response.status_code == status, response.text
    assert "no letters or digits" in response.json()["detail"]
    # A blank name is no filter: every record.
    assert (
        client.get(
            path, params={k: " " for k in params if k in ("name", "q")}, headers=viewer
        ).status_code
        == 200
    )


@pytest.mark.parametrize(("path", "body", "loc"), BAD_BODIES)
def test_bad_json_values_are_a_422_naming_the_field(
    client: TestClient, analyst: dict[str, str], path: str, body: bytes, loc: list[object]
) -> None:
    headers = {**analyst, "content-type": "application/json"}
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert isinstance(answer["detail"], str)
    # The field, or a path under it (yente's properties are a union: pydantic names its arm).
    assert any(error["loc"][: len(loc)] == loc for error in answer["errors"]), answer
    # The server keeps answering others.
    assert client.post("/v1/screen", json={"name": "Acme"}, headers=analyst).status_code == 200


def test_every_4xx_has_one_shape(client: TestClient, viewer: dict[str, str]) -> None:
    answers = [
        client.post("/v1/screen", json={"name": "Acme"}),  # 401
        client.get("/v1/entries/EL-doesnotexist", headers=viewer),  # 404 raised by hand
        client.post("/v1/screen", json={"nom": "Acme"}, headers=viewer),  # 422 validation
        client.delete("/v1/screen", headers=viewer),  # 405
        client.post("/v1/screen", content=b"x" * 300_000, headers=viewer),  # 413 (middleware)
    ]
    assert [a.status_code for a in answers] == [401, 404, 422, 405, 413]
    for answer in answers:
        body = answer.json()
        assert set(body) == {"detail", "errors"}, body
        assert isinstance(body["detail"], str) and isinstance(body["errors"], list)


def test_the_openapi_declares_the_error_shape_on_every_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if operation["responses"]
        .get("4XX", {})
        .get("content", {})
        .get("application/json", {})
        .get("schema", {})
        .get("$ref")
        != "#/components/schemas/ErrorResponse"
    ]
    assert missing == []
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_a_stored_unscreenable_counterparty_does_not_break_the_register_screen(
    client: TestClient, store: Store, analyst: dict[str, str]
) -> None:
    added = client.post(
        "/v1/counterparties",
        json={"external_id": "C1", "name": "Acme Widgets GmbH", "country": "DE"},
        headers=analyst,
    )
    assert added.status_code == 201
    bad = Counterparty("OLD", "%' --")
    with store.engine.begin() as conn:  # stored before names were checked at input
        stored_parties.upsert(
            conn,
            external_id=bad.external_id,
            name=bad.name,
            country="",
            type="",
            address="",
            state_hash=bad.state_hash(),
        )
    response = client.post("/v1/counterparties/screen", headers=analyst)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["screened"] == 1
    assert [u["external_id"] for u in answer["unscreened"]] == ["OLD"]
    assert "no letters or digits" in answer["unscreened"][0]["reason"]
