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
    (applied,) = body["decisions_applied"]
    assert applied["applied"] and applied["counterparty_id"] == "C-1"
    assert body["parties"][0]["listings"][0]["decision_id"] == applied["decision_id"]
    # The decision was made for the counterparty in China: the same name elsewhere is not it.
    elsewhere = {
        **TRANSACTION,
        "destination_country": "SG",
        "parties": [{"role": "ultimate_consignee", "name": "Acme Photonics", "country": "SG"}],
    }
    body = client.post("/v1/determine", json=elsewhere, headers=viewer).json()
    assert (body["outcome"], body["if_confirmed"]) == ("HOLD", "LICENSE_REQUIRED")
    assert body["decisions_applied"] == []


def test_the_determination_names_its_grounds_list_ages_and_warnings(
    client: TestClient, viewer: dict[str, str], store: Store
) -> None:
    iran = {
        **TRANSACTION,
        "destination_country": "IR",
        "parties": [{"role": "ultimate_consignee", "name": "Unlisted Trading", "country": "IR"}],
    }
    body = client.post("/v1/determine", json=iran, headers=viewer).json()
    assert body["outcome"] == "PROHIBITED"
    assert "31 CFR 560.204; 15 CFR 746.7(e)" in [g["citation"] for g in body["grounds"]]
    assert {v["list"] for v in body["list_versions"]} == {"EL", "SDN"}
    assert all(w["code"] == "stale_list" for w in body["warnings"])
    record = next(r for r in audit.records(store.engine) if r.seq == body["audit_seq"])
    assert record.payload["outcome"] == "PROHIBITED"
    assert "country_control: 31 CFR 560.204; 15 CFR 746.7(e)" in record.payload["grounds"]


def test_invalid_transactions_are_422(client: TestClient, viewer: dict[str, str]) -> None:
    bad_eccn = {**TRANSACTION, "items": [{"eccn": "not-an-eccn"}]}
    response = client.post("/v1/determine", json=bad_eccn, headers=viewer)
    assert response.status_code == 422
    assert "ECCN" in response.text
    unknown_question = {**TRANSACTION, "answers": {"military_use": True}}
    response = client.post("/v1/determine", json=unknown_question, headers=viewer)
    assert response.status_code == 422
    assert "answers" in response.text and "military_use" in response.text
    long_name = {**TRANSACTION, "parties": [{"role": "end_user", "name": "x" * 400}]}
    assert client.post("/v1/determine", json=long_name, headers=viewer).status_code == 422
