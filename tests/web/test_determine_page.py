"""The determination page: the same judgement and audit record as ``POST /v1/determine``, form
errors named by field, CSRF required."""

from __future__ import annotations

import html
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


def _rows_shown(page: str, kind: str) -> int:
    return len(
        re.findall(rf'name="{kind}-\d+-name"' if kind == "party" else r'name="item-\d+-eccn"', page)
    )


def test_rows_are_added_server_side_keeping_what_was_entered(
    ui: tuple[TestClient, Store, Keys],
) -> None:
    client, store, _ = ui
    login(client, "viewer")
    token = csrf(client, "/ui/determine")
    first = client.get("/ui/determine").text
    assert (_rows_shown(first, "party"), _rows_shown(first, "item")) == (5, 4)
    # Five parties typed in, then a sixth row asked for: the form comes back with six.
    typed = {**TRANSACTION, "party_rows": "5", "item_rows": "4", "csrf_token": token}
    typed.update({f"party-{i}-name": f"Trading House {i}" for i in range(2, 5)})
    # A browser sends each row's role (a select): the empty rows' too.
    typed.update({f"party-{i}-role": "freight_forwarder" for i in range(2, 6)})
    page = client.post("/ui/determine", data={**typed, "action": "add_party"})
    assert page.status_code == 200
    assert _rows_shown(page.text, "party") == 6 and _rows_shown(page.text, "item") == 4
    assert 'value="Trading House 4"' in page.text and 'value="Ivan Sergeyevich Petrov"' in page.text
    assert '<input type="hidden" name="party_rows" value="6">' in page.text
    assert not [r for r in audit.records(store.engine) if r.action == audit.DETERMINE]
    # The sixth party and a fifth item are judged with the rest.
    six = {
        **typed,
        "party_rows": "6",
        "item_rows": "5",
        "party-5-role": "end_user",
        "party-5-name": "Acme Photonics Co., Ltd.",
        "item-4-eccn": "EAR99",
        "item-4-description": "Spare lenses",
    }
    done = client.post("/ui/determine", data={**six, "action": "determine"})
    assert done.status_code == 200, done.text[:2000]
    [record] = [r for r in audit.records(store.engine) if r.action == audit.DETERMINE]
    transaction = record.payload["transaction"]
    assert [p["name"] for p in transaction["parties"]][-1] == "Acme Photonics Co., Ltd."
    assert len(transaction["parties"]) == 6 and len(transaction["items"]) == 2


def test_rows_stop_at_the_cap_with_a_message(ui: tuple[TestClient, Store, Keys]) -> None:
    client, _, _ = ui
    login(client, "viewer")
    token = csrf(client, "/ui/determine")
    page = client.post(
        "/ui/determine",
        data={**TRANSACTION, "party_rows": "20", "csrf_token": token, "action": "add_party"},
    ).text
    assert "A transaction has at most 20 parties: no row was added." in page
    assert _rows_shown(page, "party") == 20
    # A forged count is held to the cap, not taken as given.
    page = client.post(
        "/ui/determine",
        data={**TRANSACTION, "item_rows": "999", "csrf_token": token, "action": "add_item"},
    ).text
    assert "At most 50 items can be entered here" in page and _rows_shown(page, "item") == 50


OWNERSHIP = (
    "owner,owned,percent,as_of,source\n"
    "Ivan Sergeyevich Petrov,Kestrel Optics GmbH,60,2024-01-01,company registry\n"
)
HARBOUR = {
    "date": "2025-05-01",
    "destination_country": "DE",
    "party-0-role": "end_user",
    "party-0-name": "Kestrel Optics GmbH",
    "party-0-country": "DE",
    "item-0-eccn": "EAR99",
}


def test_an_ownership_file_applies_the_50_percent_rule(ui: tuple[TestClient, Store, Keys]) -> None:
    client, store, _ = ui
    login(client, "viewer")
    token = csrf(client, "/ui/determine")
    plain = client.post("/ui/determine", data={**HARBOUR, "csrf_token": token}).text
    assert "No listed party at or above the alert score." in plain
    assert "Ownership (ofac" not in plain
    upload = {"ownership": ("stakes.csv", OWNERSHIP.encode(), "text/csv")}
    owned = client.post("/ui/determine", data={**HARBOUR, "csrf_token": token}, files=upload)
    assert owned.status_code == 200
    # Owned 60% by the SDN's Petrov (an undecided match): held, prohibited if confirmed.
    party = re.sub(r"<[^>]+>|\s+", " ", owned.text.split('class="party-result"')[1])
    assert "Kestrel Optics GmbH end user DE HOLD if confirmed: PROHIBITED" in " ".join(
        party.split()
    )
    assert "Ownership (ofac-50-percent-rule)" in owned.text
    assert "ownership by Ivan Sergeyevich Petrov (60%, as of 2024-01-01)" in owned.text
    records = [r for r in audit.records(store.engine) if r.action == audit.DETERMINE]
    assert "ownership" not in records[0].payload
    assert records[1].payload["ownership"] == {"file": "stakes.csv", "stakes": 1}
    # The file is kept while rows are added (a browser cannot fill a file field in again).
    added = client.post(
        "/ui/determine", data={**HARBOUR, "csrf_token": token, "action": "add_item"}, files=upload
    ).text
    assert "Using <strong>stakes.csv</strong>" in added
    kept = re.search(r'name="ownership_csv" value="([^"]*)"', added)
    assert kept is not None and "Kestrel Optics GmbH" in kept.group(1)
    # Removed, it is no longer applied.
    form = {**HARBOUR, "csrf_token": token, "ownership_csv": OWNERSHIP}
    dropped = client.post("/ui/determine", data={**form, "action": "drop_ownership"}).text
    assert "ownership_csv" not in dropped and "Using <strong>" not in dropped


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (
            "owner,owned,percent,as_of,source\nA Ltd,B Ltd,sixty,2024-01-01,x\n",
            "line 2, field 'percent'",
        ),
        ("owner,owned,percent\nA Ltd,B Ltd,60\n", "line 1, field 'as_of'"),
        (
            "owner,owned,percent,as_of,source\nA Ltd,B Ltd,60,2024-13-01,x\n",
            "line 2, field 'as_of'",
        ),
        (
            "owner,owned,percent,as_of,source\nA Ltd,A Ltd,60,2024-01-01,x\n",
            "line 2, field 'owned'",
        ),
    ],
)
def test_a_bad_ownership_file_is_named_on_the_page(
    ui: tuple[TestClient, Store, Keys], body: str, where: str
) -> None:
    client, store, _ = ui
    login(client, "viewer")
    token = csrf(client, "/ui/determine")
    upload = {"ownership": ("stakes.csv", body.encode(), "text/csv")}
    page = client.post("/ui/determine", data={**HARBOUR, "csrf_token": token}, files=upload)
    assert page.status_code == 422
    assert f"Ownership file stakes.csv, {where}" in html.unescape(page.text)
    assert not [r for r in audit.records(store.engine) if r.action == audit.DETERMINE]


def test_an_ownership_file_that_is_not_text_is_refused(ui: tuple[TestClient, Store, Keys]) -> None:
    client, _, _ = ui
    login(client, "viewer")
    token = csrf(client, "/ui/determine")
    upload = {"ownership": ("stakes.xlsx", b"PK\x03\x04\xff\xfe\x00", "application/zip")}
    page = client.post("/ui/determine", data={**HARBOUR, "csrf_token": token}, files=upload)
    assert page.status_code == 422 and "stakes.xlsx: not UTF-8 text" in page.text
