"""The alert queue and batch pages, server side: views and counts, filters, paging, assignment,
bulk actions, and four-eyes approval through the forms."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.evidence import reference
from exportscreen.casework.register import Counterparty, Register
from exportscreen.model import Disposition
from exportscreen.screening.screener import Screener
from exportscreen.store import Store
from tests.api.support import add_users, build_app, config_for, load_fixture_lists, running
from tests.web.test_views import csrf, login


@pytest.fixture()
def ui(tmp_path: Path) -> Iterator[tuple[TestClient, Store]]:
    with Store.open(f"sqlite:///{tmp_path / 'ui.db'}") as store:
        load_fixture_lists(store)
        add_users(store)
        with running(build_app(store, config_for(tmp_path, str(store.engine.url)))) as client:
            yield client, store


def raise_alerts(store: Store, *parties: Counterparty) -> list[int]:
    desk = Register(store, actor="setup")
    for party in parties:
        desk.add(party)
    return desk.screen(Screener.from_entries(store.entries())).raised


ACME = Counterparty("C-1", "Acme Photonics", "CN", "company", "12 Harbour Road, Shenzhen")
PETROV = Counterparty("C-2", "Ivan Petrov", "RU")


def alert_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="card alert-card" id="alert-(\d+)"', page)]


def test_the_queue_counts_views_and_shows_decided_alerts(ui: tuple[TestClient, Store]) -> None:
    client, store = ui
    acme, petrov = raise_alerts(store, ACME, PETROV)
    Register(store, actor="t").decide(acme, Disposition.TRUE_MATCH, "same firm", user="analyst")
    login(client, "viewer")
    open_page = client.get("/ui/alerts").text
    assert alert_ids(open_page) == [petrov]
    assert re.search(r"Open <span class=\"count\">1</span>", open_page)
    assert re.search(r"Decided <span class=\"count\">1</span>", open_page)
    # ?status=decided shows the decided alert (it used to show the open ones).
    decided = client.get("/ui/alerts", params={"status": "decided"}).text
    assert alert_ids(decided) == [acme]
    assert "true match</strong> by analyst" in decided
    everything = alert_ids(client.get("/ui/alerts", params={"status": "all"}).text)
    assert sorted(everything) == [acme, petrov]
    # The counterparty beside the entry: its address, the entry's country and date of birth.
    assert "12 Harbour Road, Shenzhen" in decided
    petrov_card = client.get("/ui/alerts").text.split(f'id="alert-{petrov}"')[1]
    assert "<dt>Born</dt><dd>1961-05-02</dd>" in petrov_card  # the SDN entry's
    assert "<dt>Country</dt><dd>RU</dd>" in petrov_card


def test_the_card_shows_the_counterpartys_date_of_birth_beside_the_entrys(
    ui: tuple[TestClient, Store],
) -> None:
    client, store = ui
    same, other = raise_alerts(
        store,
        Counterparty("C-3", "Ivan Petrov", "RU", "person", date_of_birth="1961"),
        Counterparty("C-4", "Ivan Petrov", "RU", "person", date_of_birth="1985-03-01"),
    )
    login(client, "viewer")
    page = client.get("/ui/alerts").text
    same_card = page.split(f'id="alert-{same}"')[1].split("</article>")[0]
    other_card = page.split(f'id="alert-{other}"')[1].split("</article>")[0]
    assert '<dd class="party-born">1961 <span class="badge born-agrees">' in same_card
    assert '<dd class="party-born">1985-03-01 <span class="badge born-differs">' in other_card
    for card in (same_card, other_card):
        assert "<dt>Born</dt><dd>1961-05-02</dd>" in card  # the SDN entry's
    # The year that rules the listed person out lowered the hit, and the card says why.
    assert "birth year mismatch" in other_card and "birth year mismatch" not in same_card
    # A party without one says so, without a badge.
    [none] = raise_alerts(store, PETROV)
    none_card = client.get("/ui/alerts").text.split(f'id="alert-{none}"')[1].split("</article>")[0]
    assert '<dd class="party-born">—</dd>' in none_card


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "pending"}, "status"),
        ({"sort": "name"}, "sort"),
        ({"min_score": "high"}, "min_score"),
        ({"min_score": "1.5"}, "min_score"),
        ({"list": "XYZ"}, "list"),
        ({"page": "two"}, "page"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(
    ui: tuple[TestClient, Store], query: dict[str, str], field: str
) -> None:
    client, _ = ui
    login(client, "viewer")
    response = client.get("/ui/alerts", params=query)
    assert response.status_code == 400
    assert field in response.text


def test_filters_and_paging(ui: tuple[TestClient, Store]) -> None:
    client, store = ui
    parties = [
        Counterparty(f"B-{n}", "Acme Photonics", "CN", address=f"Unit {n}") for n in range(30)
    ]
    raised = raise_alerts(store, *parties, PETROV)
    login(client, "viewer")
    first = client.get("/ui/alerts").text
    assert "31 alerts in this view · page 1 of 2" in first
    assert len(alert_ids(first)) == 25
    second = client.get("/ui/alerts", params={"page": "2"}).text
    assert len(alert_ids(second)) == 6
    assert set(alert_ids(first)) | set(alert_ids(second)) == set(raised)
    sdn = client.get("/ui/alerts", params={"list": "SDN"}).text
    assert "1 alert in this view" in sdn
    newest = alert_ids(client.get("/ui/alerts", params={"sort": "newest"}).text)
    assert newest[0] == max(raised)


def test_bulk_assign_and_bulk_clear_only_where_four_eyes_does_not_apply(
    ui: tuple[TestClient, Store],
) -> None:
    client, store = ui
    acme, petrov = raise_alerts(store, ACME, PETROV)
    desk = Register(store, actor="t")
    login(client, "analyst")
    token = csrf(client, "/ui/alerts")
    assigned = client.post(
        "/ui/alerts/bulk",
        data={"csrf_token": token, "action": "assign_me", "alert": [acme, petrov]},
    )
    assert "2 alert(s) assigned to analyst" in assigned.text
    mine = client.get("/ui/alerts", params={"assignee": "me"}).text
    assert sorted(alert_ids(mine)) == [acme, petrov]
    to_admin = client.post(
        "/ui/alerts/bulk",
        data={"csrf_token": token, "action": "assign", "assignee": "admin", "alert": [petrov]},
    )
    assert "1 alert(s) assigned to admin" in to_admin.text
    nobody = client.post(
        "/ui/alerts/bulk",
        data={"csrf_token": token, "action": "assign", "assignee": "viewer", "alert": [petrov]},
    )
    assert nobody.status_code == 400
    # Bulk clearing: the SDN alert (a prohibiting list) and the 0.98 Acme match (at or above
    # 0.95) both need a second analyst, so nothing is cleared and both are named.
    cleared = client.post(
        "/ui/alerts/bulk",
        data={
            "csrf_token": token,
            "action": "clear",
            "reason": "namesakes",
            "alert": [acme, petrov],
        },
    )
    assert "0 alert(s) cleared" in cleared.text
    assert f"{petrov} (" in cleared.text and "Specially Designated" in cleared.text
    assert f"{acme} (score 0.98 is at or above 0.95)" in cleared.text
    assert [a.status for a in (desk.alert(acme), desk.alert(petrov)) if a] == ["open", "open"]
    records = [r.payload for r in audit.records(store.engine) if r.action == "alert.assign"]
    assert records[0] == {"alerts": [acme, petrov], "assigned_to": "analyst"}
    # One alert from its own card: the admin (who has Petrov's) takes Acme's too.
    login(client, "admin")
    token = csrf(client, "/ui/alerts")
    page = client.get("/ui/alerts", params={"assignee": "analyst"}).text
    card = page.split(f'id="alert-{acme}"')[1]
    assert 'value="assign_me"' in card
    client.post(
        "/ui/alerts/bulk", data={"csrf_token": token, "action": "assign_me", "alert": [acme]}
    )
    mine = alert_ids(client.get("/ui/alerts", params={"assignee": "me"}).text)
    assert sorted(mine) == [acme, petrov]


def test_a_clearance_needs_a_second_analysts_approval_through_the_forms(
    ui: tuple[TestClient, Store],
) -> None:
    client, store = ui
    [petrov] = raise_alerts(store, PETROV)
    login(client, "analyst")
    token = csrf(client, "/ui/alerts")
    made = client.post(
        f"/ui/alerts/{petrov}/decide",
        data={"csrf_token": token, "disposition": "false_positive", "reason": "born 1990"},
    )
    assert "awaits a second analyst" in made.text and "stays open" in made.text
    pending = client.get("/ui/alerts", params={"status": "pending_approval"}).text
    assert alert_ids(pending) == [petrov]
    assert "another analyst must approve it" in pending  # no Approve button for the decider
    (decision,) = Register(store, actor="t").history([petrov])[petrov]
    own = client.post(
        f"/ui/decisions/{decision.id}/approve", data={"csrf_token": token, "reason": "mine"}
    )
    assert own.status_code == 403
    login(client, "admin")
    token = csrf(client, "/ui/alerts")
    page = client.get("/ui/alerts", params={"status": "pending_approval"}).text
    assert f'formaction="/ui/decisions/{decision.id}/approve"' in page
    approved = client.post(
        f"/ui/decisions/{decision.id}/approve",
        data={"csrf_token": token, "reason": "checked the passport", "back": "/ui/alerts"},
    )
    assert f"Decision {decision.id} on alert {petrov} approved" in approved.text
    decided = client.get("/ui/alerts", params={"status": "decided"}).text
    assert alert_ids(decided) == [petrov]
    assert "approved by admin" in decided
    # Reversible: a new decision governs; the history keeps both.
    reversed_ = client.post(
        f"/ui/alerts/{petrov}/decide",
        data={"csrf_token": token, "disposition": "true_match", "reason": "new evidence"},
    )
    assert f"Alert {petrov}: true match" in reversed_.text
    history = Register(store, actor="t").history([petrov])[petrov]
    assert [d.disposition for d in history] == [Disposition.FALSE_POSITIVE, Disposition.TRUE_MATCH]


# --- batch ----------------------------------------------------------------------------------

UPLOAD = (
    "Customer,Land,Born,Ref\n"
    "Acme Photonics,CN,,A-1\n"
    "Ivan Petrov,RU,1961-05-02,A-2\n"
    "Harbour Bakery,GB,,A-3\n"
    ",DE,,A-4\n"
    "Acme Photonics Co,CN,,A-5\n"
)


def _wait_for(client: TestClient, job_url: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get(job_url).text
        if 'http-equiv="refresh"' not in page:
            return page
        time.sleep(0.2)
    raise AssertionError(f"{job_url} did not finish")


def _start(client: TestClient, token: str, page: str, **fields: str) -> Any:
    upload = re.search(r'name="upload" value="([0-9a-f]{32})"', page)
    assert upload is not None
    return client.post(
        "/ui/batch/start",
        data={
            "csrf_token": token,
            "upload": upload.group(1),
            "file_name": "customers.csv",
            **fields,
        },
        follow_redirects=False,
    )


def test_batch_maps_columns_from_a_preview_and_sums_up_the_job(
    ui: tuple[TestClient, Store],
) -> None:
    client, store = ui
    login(client, "viewer")
    token = csrf(client, "/ui/batch")
    preview = client.post(
        "/ui/batch",
        data={"csrf_token": token},
        files={"file": ("customers.csv", UPLOAD.encode(), "text/csv")},
    )
    assert preview.status_code == 200
    page = preview.text
    assert '<th scope="col">Customer</th>' in page and "<td>Ivan Petrov</td>" in page
    # The columns are guessed from their headers: Customer is the name, Land the country...
    for role, column in (("name", "Customer"), ("country", "Land"), ("date_of_birth", "Born")):
        chosen = re.search(rf'name="col_{role}".*?<option value="{column}" selected>', page, re.S)
        assert chosen is not None, role
    started = _start(
        client, token, page, col_name="Customer", col_country="Land", col_id="Ref",
        col_date_of_birth="Born", threshold="0.80",
    )  # fmt: skip
    assert started.status_code == 303
    job_url = started.headers["location"]
    done = _wait_for(client, job_url)
    assert "status-done" in done
    # Two Acme rows and Petrov flagged: 3 rows flagged for 3 hits; the empty name is a bad row.
    assert re.search(r"<strong>5</strong> rows read", done)
    assert re.search(r"<strong>3</strong> rows flagged", done)
    assert re.search(r"<strong>1</strong> bad rows", done)
    assert "Hits by list: EL 2, SDN 1" in done
    assert "Score histogram: 0.80 to 0.85" in done
    assert "Country = “Land”" in done
    bad = client.get(job_url + "/errors")
    assert bad.status_code == 200 and "empty name" in bad.text
    hits = client.get(job_url + "/result").text
    assert sorted(line.split(",")[0] for line in hits.splitlines()[1:]) == ["A-1", "A-2", "A-5"]
    # The job's evidence: the reference of its audit record, which the evidence page finds.
    [record] = [r for r in audit.records(store.engine) if r.action == "screening.batch"]
    ref = reference(record.seq)
    assert f'<strong class="ref">{ref}</strong>' in done
    assert client.get(f"/ui/evidence/{ref}").status_code == 200
    history = client.get("/ui/batch").text
    assert f'href="{job_url}">customers.csv</a>' in history
    # Another user sees neither the job nor it in their history.
    login(client, "analyst")
    assert client.get(job_url).status_code == 404
    assert job_url not in client.get("/ui/batch").text


def test_a_failed_batch_job_says_why_without_a_progress_bar_or_server_path(
    ui: tuple[TestClient, Store], tmp_path: Path
) -> None:
    client, _ = ui
    login(client, "viewer")
    token = csrf(client, "/ui/batch")
    page = client.post(
        "/ui/batch",
        data={"csrf_token": token},
        files={"file": ("customers.csv", UPLOAD.encode(), "text/csv")},
    ).text
    # A column no longer in the file (a forged or stale form): the job fails naming it.
    started = _start(client, token, page, col_name="Client")
    failed = _wait_for(client, started.headers["location"])
    assert "status-failed" in failed
    assert "The job failed: customers.csv" in failed and "Client" in failed
    assert "<progress" not in failed
    assert str(tmp_path) not in failed and "/jobs/" not in failed


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"col_name": ""}, "col_name"),
        ({"col_name": "Customer", "col_country": "Customer"}, "columns"),
        ({"col_name": "Customer", "threshold": "2"}, "threshold"),
        ({"col_name": "Customer", "threshold": "high"}, "threshold"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_field(
    ui: tuple[TestClient, Store], fields: dict[str, str], field: str
) -> None:
    client, _ = ui
    login(client, "viewer")
    token = csrf(client, "/ui/batch")
    page = client.post(
        "/ui/batch",
        data={"csrf_token": token},
        files={"file": ("customers.csv", UPLOAD.encode(), "text/csv")},
    ).text
    refused = _start(client, token, page, **fields)
    assert refused.status_code == 422 and field in refused.text


def test_an_upload_that_is_not_a_table_is_refused_at_preview(
    ui: tuple[TestClient, Store],
) -> None:
    client, _ = ui
    login(client, "viewer")
    token = csrf(client, "/ui/batch")
    refused = client.post(
        "/ui/batch",
        data={"csrf_token": token},
        files={"file": ("report.pdf", b"%PDF-1.7", "application/pdf")},
    )
    assert refused.status_code == 422 and "cannot screen a .pdf file" in refused.text
