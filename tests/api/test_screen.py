from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from exportscreen.api.auth import Role
from exportscreen.api.schemas import ScreenResponse
from exportscreen.casework import audit_trail as audit
from exportscreen.store import Store
from exportscreen.store.engine import SQLITE_WRITER
from tests.api.support import Keys, build_app, config_for, running


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
    assert record.action == "screening.screen"
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


def test_the_answer_is_exactly_the_documented_screen_response(
    client: TestClient, viewer: dict[str, str]
) -> None:
    # The endpoint serialises its answer itself: it must still be what OpenAPI promises, with
    # nothing that the model would have to coerce or drop.
    body = client.post(
        "/v1/screen", json={"name": "Acme Photonics", "threshold": 0.5}, headers=viewer
    ).json()
    assert body["hits"] and body["hits"][0]["explanation"]["tokens"]
    assert ScreenResponse.model_validate(body).model_dump(mode="json") == body
    app = client.app
    assert isinstance(app, FastAPI)
    documented = app.openapi()["paths"]["/v1/screen"]["post"]["responses"]["200"]
    assert documented["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ScreenResponse"
    }


def test_penalties_keep_reason_and_amount_and_name_their_feature(
    client: TestClient, viewer: dict[str, str]
) -> None:
    body = client.post(
        "/v1/screen",
        json={"name": "Ivan Petrov", "date_of_birth": "1990", "threshold": 0.5},
        headers=viewer,
    ).json()
    hit = next(h for h in body["hits"] if h["entry_id"] == "SDN-1001")
    (penalty,) = hit["explanation"]["penalties"]
    assert penalty["feature"] == "birth_year_mismatch"
    assert penalty["amount"] == 0.15
    assert penalty["reason"].startswith("birth year mismatch: 1990")
    assert ScreenResponse.model_validate(body).model_dump(mode="json") == body


def test_concurrent_screenings_each_get_their_own_audit_record(
    store: Store, keys: Keys, tmp_path: Path
) -> None:
    names = ["Acme Photonics", "Ivan Petrov", "Acme Optical", "Harbour Bakery"] * 10
    config = config_for(tmp_path, str(store.engine.url), max_in_flight=len(names))
    app = build_app(store, config)

    async def scenario() -> list[dict[str, Any]]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                responses = await asyncio.gather(
                    *(
                        http.post("/v1/screen", json={"name": n}, headers=keys.header(Role.VIEWER))
                        for n in names
                    )
                )
        assert {r.status_code for r in responses} == {200}
        return [r.json() for r in responses]

    bodies = asyncio.run(scenario())
    seqs = [b["audit_seq"] for b in bodies]
    assert len(set(seqs)) == len(names)
    stored = {r.seq: r for r in audit.records(store.engine)}
    for body in bodies:
        record = stored[body["audit_seq"]]
        assert record.payload["screenings"][0]["query"]["name"] == body["query"]["name"]
        assert record.payload["screenings"][0]["hit_count"] == len(body["hits"])
    assert audit.verify(store.engine).ok


def test_no_answer_without_its_audit_record(keys: Keys, tmp_path: Path, store: Store) -> None:
    # A store that waits only briefly for the database lock, held here by another writer.
    impatient = Store.open(str(store.engine.url), lock_timeout=0.3)
    app = build_app(impatient, config_for(tmp_path, str(store.engine.url)))
    with running(app) as client:
        blocker = store.engine.connect().execution_options(**{SQLITE_WRITER: True})
        held = blocker.begin()
        try:
            response = client.post(
                "/v1/screen", json={"name": "Acme Photonics"}, headers=keys.header(Role.VIEWER)
            )
        finally:
            held.rollback()
            blocker.close()
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert "audit" in response.json()["detail"]
        assert "Acme" not in response.text
        # Once the database is free again, screening works.
        ok = client.post("/v1/screen", json={"name": "Acme"}, headers=keys.header(Role.VIEWER))
        assert ok.status_code == 200
    impatient.close()


def test_nationality_and_address_are_qualifiers_of_a_screening(
    client: TestClient, viewer: dict[str, str]
) -> None:
    def petrov(**fields: str) -> dict[str, Any]:
        body = client.post(
            "/v1/screen",
            json={"name": "Ivan Petrov", "threshold": 0.5, **fields},
            headers=viewer,
        ).json()
        return next(h for h in body["hits"] if h["entry_id"] == "SDN-1001")

    plain = petrov()
    elsewhere = petrov(nationality="BR", address="Rua Augusta 10, Sao Paulo")
    features = [p["feature"] for p in elsewhere["explanation"]["penalties"]]
    assert features == ["nationality_mismatch"]  # the address is no evidence against him
    assert elsewhere["score"] == pytest.approx(plain["score"] - 0.1)
    response = client.post(
        "/v1/screen", json={"name": "Ivan Petrov", "nationality": "Atlantis"}, headers=viewer
    )
    assert response.status_code == 422 and "nationality" in response.text
