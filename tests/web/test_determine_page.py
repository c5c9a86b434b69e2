"""The determination page: the same judgement and audit record as ``POST /v1/determine``, form
errors named by field, CSRF required."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.evidence import reference
from exportscreen.ops.accounts import Role
from exportscreen.store import Store
from tests.api.support import Keys, add_users, build_app, config_for, load_fixture_lists, running
from tests.web.test_views import csrf, login

TRANSACTION = {
    "id": "PO-1",
    "date": "2025-05-01",
    "destination_country": "CN",
    "party-0-role": "ultimate_consignee",
    "party-0-name": "Acme Photonics Co., Ltd.",
    "party-0-country": "CN",
    "party-1-role": "purchaser",
    "party-1-name": "Ivan Sergeyevich Petrov",
    "party-1-country": "RU",
    "item-0-eccn": "EAR99",
    "item-0-description": "Lens cleaning kits",
    "item-0-food_or_medicine": "no",
}
AS_JSON = {
    "id": "PO-1",
    "date": "2025-05-01",
    "destination_country": "CN",
    "items": [{"eccn": "EAR99", "description": "Lens cleaning kits", "food_or_medicine": False}],
    "parties": [
        {"role": "ultimate_consignee", "name": "Acme Photonics Co., Ltd.", "country": "CN"},
        {"role": "purchaser", "name": "Ivan Sergeyevich Petrov", "country": "RU"},
    ],
}


@pytest.fixture()
def ui(tmp_path: Path) -> Iterator[tuple[TestClient, Store, Keys]]:
    with Store.open(f"sqlite:///{tmp_path / 'ui.db'}") as store:
        load_fixture_lists(store)
        keys = add_users(store)
        with running(build_app(store, config_for(tmp_path, str(store.engine.url)))) as client:
            yield client, store, keys


def _outcome(page: str) -> str:
    found = re.search(r'id="outcome">([^<]+)<', page)
    assert found is not None, page[:2000]
    return found.group(1)


def test_the_page_judges_as_the_api_does_and_records_it(
    ui: tuple[TestClient, Store, Keys],
) -> None:
    client, store, keys = ui
    api = client.post("/v1/determine", json=AS_JSON, headers=keys.header(Role.VIEWER))
    assert api.status_code == 200
    login(client, "viewer")
    token = csrf(client, "/ui/determine")
    response = client.post("/ui/determine", data={**TRANSACTION, "csrf_token": token})
    assert response.status_code == 200
    page = response.text
    outcome = api.json()["outcome"]
    words = {"LICENSE_REQUIRED": "LICENCE REQUIRED", "NO_LIST_RESTRICTION": "NO LIST RESTRICTION"}
    assert _outcome(page) == words.get(outcome, outcome)
    assert outcome == "HOLD"  # undecided matches on the Entity List and the SDN list
    assert "Acme Photonics Co., Ltd." in page and "BLOCKED" not in page  # the grounds, not badges
    records = [r for r in audit.records(store.engine) if r.action == audit.DETERMINE]
    api_record, ui_record = records[-2:]
    assert (api_record.payload["interface"], ui_record.payload["interface"]) == ("api", "ui")
    assert ui_record.payload["outcome"] == api_record.payload["outcome"]
    assert ui_record.payload["transaction"] == api_record.payload["transaction"]
    assert f"audit record #{ui_record.seq}" in page
    # Its reference (the record's number with a check number) leads to the evidence and its PDF.
    ref = reference(ui_record.seq)
    assert f'href="/ui/evidence/{ref}"' in page and f'href="/ui/evidence/{ref}.pdf"' in page
    assert api.json()["reference"] == reference(api_record.seq)
    # The grounds carry their citations as links to the eCFR.
    assert 'href="https://www.ecfr.gov/current/title-15/part-744/section-744.11"' in page


def test_form_errors_name_the_field_and_keep_what_was_entered(
    ui: tuple[TestClient, Store, Keys],
) -> None:
    client, store, _ = ui
    login(client, "viewer")
    token = csrf(client, "/ui/determine")
    bad = {**TRANSACTION, "party-1-country": "Atlantis", "item-1-description": "no ECCN"}
    response = client.post("/ui/determine", data={**bad, "csrf_token": token})
    assert response.status_code == 422
    assert "Item 2: an ECCN (or EAR99) is required." in response.text
    bad = {**TRANSACTION, "party-1-country": "Atlantis", "date": "2025-02-30"}
    response = client.post("/ui/determine", data={**bad, "csrf_token": token})
    assert response.status_code == 422
    assert "Party 2, country" in response.text and "Date" in response.text
    assert 'value="Atlantis"' in response.text  # what was entered stays in the form
    assert not [r for r in audit.records(store.engine) if r.action == audit.DETERMINE]


def test_the_form_needs_its_csrf_token(ui: tuple[TestClient, Store, Keys]) -> None:
    client, _, _ = ui
    login(client, "viewer")
    csrf(client, "/ui/determine")
    response = client.post("/ui/determine", data={**TRANSACTION, "csrf_token": "forged" * 4})
    assert response.status_code == 403
    assert "<nav" in response.text  # the error page keeps the navigation


def test_an_unanswered_question_is_asked(ui: tuple[TestClient, Store, Keys]) -> None:
    client, _, _ = ui
    login(client, "viewer")
    token = csrf(client, "/ui/determine")
    russia = {
        "date": "2025-05-01",
        "destination_country": "RU",
        "party-0-role": "end_user",
        "party-0-name": "Nobody Listed Ltd",
        "party-0-country": "RU",
        "item-0-eccn": "EAR99",
        "csrf_token": token,
    }
    page = client.post("/ui/determine", data=russia).text
    assert "Questions to answer before proceeding" in page
    answered = {**russia, "answer-military_end_use": "no"}
    assert "answer-military_end_use" in client.get("/ui/determine").text
    assert client.post("/ui/determine", data=answered).status_code == 200
