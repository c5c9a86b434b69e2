from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from exportscreen.casework import audit_trail as audit
from exportscreen.store import Store
from exportscreen.store.schema import decisions


def _raise_alert(client: TestClient, analyst: dict[str, str]) -> int:
    party = {"external_id": "C-1", "name": "Acme Photonics Co Ltd", "country": "CN"}
    assert client.post("/v1/counterparties", json=party, headers=analyst).status_code == 201
    run = client.post("/v1/counterparties/screen", headers=analyst).json()
    assert run["screened"] == 1
    [alert_id] = run["raised"]
    return int(alert_id)


def test_register_screening_raises_an_alert_once(
    client: TestClient, analyst: dict[str, str], viewer: dict[str, str]
) -> None:
    alert_id = _raise_alert(client, analyst)
    again = client.post("/v1/counterparties/screen", headers=analyst).json()
    assert again["raised"] == [] and again["already_open"] == 1
    queue = client.get("/v1/alerts", headers=viewer).json()["alerts"]
    assert [(a["id"], a["entry_id"]) for a in queue] == [(alert_id, "EL-acme01")]
    one = client.get(f"/v1/alerts/{alert_id}", headers=viewer).json()
    assert one["counterparty"]["external_id"] == "C-1"
    assert one["explanation"]["summary"]


def test_a_decision_records_its_user(
    client: TestClient, analyst: dict[str, str], store: Store
) -> None:
    alert_id = _raise_alert(client, analyst)
    response = client.post(
        f"/v1/alerts/{alert_id}/decision",
        json={"disposition": "true_match", "reason": "Same company"},
        headers=analyst,
    )
    assert response.status_code == 200
    assert response.json()["decided_by"] == "analyst"
    assert response.json()["alert_status"] == "decided"
    assert response.json()["review_status"] == "effective"
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(decisions.c.decided_by)).scalar_one() == "analyst"
    decided = [r for r in audit.records(store.engine) if r.action == "alert.decide"]
    assert decided[0].actor == "analyst"


def test_a_clearance_at_a_high_score_waits_for_a_second_analyst(
    client: TestClient,
    analyst: dict[str, str],
    admin: dict[str, str],
    viewer: dict[str, str],
    store: Store,
) -> None:
    alert_id = _raise_alert(client, analyst)  # Acme Photonics, EL, score 1.00
    clearance = {"disposition": "false_positive", "reason": "Different company"}
    made = client.post(f"/v1/alerts/{alert_id}/decision", json=clearance, headers=analyst).json()
    assert (made["review_status"], made["alert_status"]) == ("pending_approval", "open")
    assert "at or above 0.95" in made["four_eyes"]
    decision_id = made["decision_id"]
    # Nothing is suppressed: screening again finds the alert still open.
    again = client.post("/v1/counterparties/screen", headers=analyst).json()
    assert (again["already_open"], again["suppressed"]) == (1, 0)
    waiting = client.get("/v1/alerts", params={"status": "pending_approval"}, headers=viewer)
    assert [a["id"] for a in waiting.json()["alerts"]] == [alert_id]
    # A second decision waits for the first to be reviewed.
    other = {"disposition": "true_match", "reason": "on second thought"}
    blocked = client.post(f"/v1/alerts/{alert_id}/decision", json=other, headers=analyst)
    assert blocked.status_code == 409 and "awaits a second analyst" in blocked.json()["detail"]

    review = {"reason": "Checked the customer file"}
    own = client.post(f"/v1/decisions/{decision_id}/approve", json=review, headers=analyst)
    assert own.status_code == 403 and "second analyst" in own.json()["detail"]
    as_viewer = client.post(f"/v1/decisions/{decision_id}/approve", json=review, headers=viewer)
    assert as_viewer.status_code == 403
    approved = client.post(f"/v1/decisions/{decision_id}/approve", json=review, headers=admin)
    assert approved.status_code == 200
    assert (approved.json()["review_status"], approved.json()["reviewed_by"]) == (
        "effective",
        "admin",
    )
    assert client.get(f"/v1/alerts/{alert_id}", headers=viewer).json()["status"] == "decided"
    assert client.post("/v1/counterparties/screen", headers=analyst).json()["suppressed"] == 1
    twice = client.post(f"/v1/decisions/{decision_id}/reject", json=review, headers=admin)
    assert twice.status_code == 409
    assert client.post("/v1/decisions/999/approve", json=review, headers=admin).status_code == 404
    history = client.get(f"/v1/alerts/{alert_id}/decisions", headers=viewer).json()
    assert [(d["disposition"], d["review_status"]) for d in history["decisions"]] == [
        ("false_positive", "effective")
    ]
    actions = [(r.actor, r.action) for r in audit.records(store.engine) if "alert." in r.action]
    assert actions == [("analyst", "alert.decide"), ("admin", "alert.approve")]


def test_viewers_cannot_decide_or_edit_the_register(
    client: TestClient, analyst: dict[str, str], viewer: dict[str, str]
) -> None:
    alert_id = _raise_alert(client, analyst)
    decision = {"disposition": "true_match", "reason": "Same address"}
    response = client.post(f"/v1/alerts/{alert_id}/decision", json=decision, headers=viewer)
    assert response.status_code == 403
    assert "analyst role" in response.json()["detail"]
    party = {"external_id": "C-2", "name": "Harbour Bakery"}
    assert client.post("/v1/counterparties", json=party, headers=viewer).status_code == 403


def test_decision_errors(client: TestClient, analyst: dict[str, str]) -> None:
    decision = {"disposition": "true_match", "reason": "Same address"}
    assert client.post("/v1/alerts/999/decision", json=decision, headers=analyst).status_code == 404
    bad = {"disposition": "maybe", "reason": "?"}
    assert client.post("/v1/alerts/1/decision", json=bad, headers=analyst).status_code == 422
    blank = {"disposition": "true_match", "reason": ""}
    assert client.post("/v1/alerts/1/decision", json=blank, headers=analyst).status_code == 422


def test_counterparty_with_unknown_country_is_422(
    client: TestClient, analyst: dict[str, str]
) -> None:
    party = {"external_id": "C-9", "name": "Somebody", "country": "Atlantis"}
    response = client.post("/v1/counterparties", json=party, headers=analyst)
    assert response.status_code == 422
    assert "Atlantis" in response.text


def test_a_counterpartys_date_of_birth_is_kept_and_screened(
    client: TestClient, analyst: dict[str, str], viewer: dict[str, str]
) -> None:
    party = {
        "external_id": "P-1",
        "name": "Ivan Petrov",
        "type": "person",
        "date_of_birth": " 1961 ",
    }
    added = client.post("/v1/counterparties", json=party, headers=analyst)
    assert added.status_code == 201 and added.json()["date_of_birth"] == "1961"
    listed = client.get("/v1/counterparties", headers=viewer).json()["counterparties"]
    assert [(p["external_id"], p["date_of_birth"]) for p in listed] == [("P-1", "1961")]
    run = client.post("/v1/counterparties/screen", headers=analyst).json()
    assert run["raised"]  # the SDN's Ivan Petrov, born 1961
    for alert_id in run["raised"]:
        alert = client.get(f"/v1/alerts/{alert_id}", headers=viewer).json()
        assert alert["counterparty"]["date_of_birth"] == "1961"
