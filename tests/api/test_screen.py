from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from exportscreen import audit
from exportscreen.store import Store


def test_screen_finds_the_listed_party_with_its_explanation(
    client: TestClient, viewer: dict[str, str]
) -> None:
    response = client.post("/v1/screen", json={"name": "Acme Photonics"}, headers=viewer)
    assert response.status_code == 200
    body = response.json()
    assert body["hits"][0]["entry_id"] == "EL-acme01"
    assert body["hits"][0]["list_name"] == "Entity List (BIS)"
    tokens = {t["query"]: t["candidate"] for t in body["hits"][0]["explanation"]["tokens"]}
    assert tokens["acme"] == "acme"
    assert body["list_versions"] == {"EL": 3, "SDN": 4}


def test_an_alias_match_names_the_alias(client: TestClient, viewer: dict[str, str]) -> None:
    body = client.post("/v1/screen", json={"name": "Acme Optical"}, headers=viewer).json()
    assert body["hits"][0]["entry_id"] == "EL-acme01"
    assert body["hits"][0]["matched_name"] == "Acme Optical"


def test_every_screening_is_audited_with_versions_algorithm_and_threshold(
    client: TestClient, viewer: dict[str, str], store: Store
) -> None:
    body = client.post(
        "/v1/screen", json={"name": "Ivan Petrov", "threshold": 0.7}, headers=viewer
    ).json()
    record = next(r for r in audit.records(store.engine) if r.seq == body["audit_seq"])
    assert record.actor == "viewer"
    assert record.action == "api.screen"
    assert record.payload["threshold"] == 0.7
    assert record.payload["algorithm"] == body["algorithm"]
    assert record.payload["list_versions"] == body["list_versions"]
    assert record.payload["screenings"][0]["hits"][0]["entry"] == "SDN-1001"
    assert audit.verify(store.engine).ok


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 301}, "name"),
        ({"name": "!!!"}, "no letters or digits"),
        ({"name": "Acme", "country": "Atlantis"}, "unknown country"),
        ({"name": "Acme", "limit": 0}, "limit"),
        ({"name": "Acme", "threshold": 1.5}, "threshold"),
        ({"name": "Acme", "colour": "red"}, "colour"),
        ({"name": "Acme", "lists": ["XX"]}, "lists"),
    ],
)
def test_bad_requests_are_422_with_a_clear_message(
    client: TestClient, viewer: dict[str, str], body: dict[str, object], fragment: str
) -> None:
    response = client.post("/v1/screen", json=body, headers=viewer)
    assert response.status_code == 422
    assert fragment in response.text


def test_lists_restrict_the_screening(client: TestClient, viewer: dict[str, str]) -> None:
    body = client.post(
        "/v1/screen", json={"name": "Acme Photonics", "lists": ["SDN"]}, headers=viewer
    ).json()
    assert all(h["list"] == "SDN" for h in body["hits"])
    assert not any(h["entry_id"] == "EL-acme01" for h in body["hits"])
