from __future__ import annotations

from fastapi.testclient import TestClient

from exportscreen.casework import audit_trail as audit
from exportscreen.store import Store

TRANSACTION = {
    "id": "PO-1",
    "date": "2025-05-01",
    "destination_country": "CN",
    "items": [{"eccn": "EAR99", "description": "Cables"}],
    "parties": [{"role": "ultimate_consignee", "name": "Acme Photonics", "country": "CN"}],
}


def test_an_undecided_entity_list_hit_holds_the_transaction(
    client: TestClient, viewer: dict[str, str], store: Store
) -> None:
    response = client.post("/v1/determine", json=TRANSACTION, headers=viewer)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["outcome"] == "HOLD"
    listing = body["parties"][0]["listings"][0]
    assert listing["entry_id"] == "EL-acme01"
    assert listing["if_confirmed"] == "LICENSE_REQUIRED"
    record = next(r for r in audit.records(store.engine) if r.seq == body["audit_seq"])
    assert record.action == "decisions.determine"
    assert record.payload["outcome"] == "HOLD"
    assert record.payload["list_versions"] == {"EL": 3, "SDN": 4}


def test_a_confirmed_match_requires_a_licence(
    client: TestClient, viewer: dict[str, str], analyst: dict[str, str]
) -> None:
    party = {"external_id": "C-1", "name": "Acme Photonics", "country": "CN"}
    client.post("/v1/counterparties", json=party, headers=analyst)
    [alert_id] = client.post("/v1/counterparties/screen", headers=analyst).json()["raised"]
    decision = {"disposition": "true_match", "reason": "Same address in Shenzhen"}
    client.post(f"/v1/alerts/{alert_id}/decision", json=decision, headers=analyst)
    body = client.post("/v1/determine", json=TRANSACTION, headers=viewer).json()
    assert body["outcome"] == "LICENSE_REQUIRED"


def test_invalid_transactions_are_422(client: TestClient, viewer: dict[str, str]) -> None:
    bad_eccn = {**TRANSACTION, "items": [{"eccn": "not-an-eccn"}]}
    response = client.post("/v1/determine", json=bad_eccn, headers=viewer)
    assert response.status_code == 422
    assert "ECCN" in response.text
    long_name = {**TRANSACTION, "parties": [{"role": "end_user", "name": "x" * 400}]}
    assert client.post("/v1/determine", json=long_name, headers=viewer).status_code == 422
