from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exportscreen.casework.register import Counterparty, Register
from exportscreen.model import ListCode
from exportscreen.screening.screener import Screener
from exportscreen.sources.common import ParsedSource
from exportscreen.store import Store
from tests.api.support import (
    PASSWORD,
    add_users,
    build_app,
    config_for,
    load_fixture_lists,
    running,
)

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture()
def ui(tmp_path: Path) -> Iterator[tuple[TestClient, Store]]:
    with Store.open(f"sqlite:///{tmp_path / 'ui.db'}") as store:
        load_fixture_lists(store)
        add_users(store)
        with running(build_app(store, config_for(tmp_path, str(store.engine.url)))) as client:
            yield client, store


def csrf(client: TestClient, path: str) -> str:
    found = _CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def login(client: TestClient, user: str, password: str = PASSWORD) -> int:
    token = csrf(client, "/ui/login")
    response = client.post(
        "/ui/login",
        data={"csrf_token": token, "username": user, "password": password, "next": "/ui/search"},
        follow_redirects=False,
    )
    return int(response.status_code)


def test_pages_need_a_login(ui: tuple[TestClient, Store]) -> None:
    client, _ = ui
    response = client.get("/ui/search?q=acme", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login?next=/ui/search%3Fq%3Dacme"


def test_login_refuses_a_missing_csrf_token_and_a_wrong_password(
    ui: tuple[TestClient, Store],
) -> None:
    client, _ = ui
    client.get("/ui/login")
    no_token = client.post(
        "/ui/login", data={"csrf_token": "forged", "username": "viewer", "password": PASSWORD}
    )
    assert no_token.status_code == 403
    assert login(client, "viewer", "wrong password!") == 401
    assert login(client, "viewer") == 303


def test_search_highlights_matched_words_and_explains(ui: tuple[TestClient, Store]) -> None:
    client, _ = ui
    login(client, "viewer")
    page = client.get("/ui/search", params={"q": "Acme Optical"}).text
    assert "<mark>Acme</mark> <mark>Optical</mark>" in page
    assert 'alias: <span class="name"><mark>Acme</mark>' in page
    assert 'href="/ui/entries/EL-acme01"' in page


def test_entry_page_shows_the_timeline(ui: tuple[TestClient, Store]) -> None:
    client, _ = ui
    login(client, "viewer")
    page = client.get("/ui/entries/EL-acme01").text
    assert "Federal Register: 90 FR 14048, 3/28/25" in page
    # Citations and list versions in date order: 2024-06-01, 2025-01-15, 2025-03-28, 2025-04-01.
    dates = re.findall(r"<time>([^<]+)</time>", page)
    assert dates == sorted(dates) and len(dates) == 4


def test_analysts_decide_alerts_and_viewers_cannot(ui: tuple[TestClient, Store]) -> None:
    client, store = ui
    desk = Register(store, actor="test")
    desk.add(Counterparty("C-1", "Acme Photonics", "CN"))
    [alert_id] = desk.screen(Screener.from_entries(store.entries())).raised
    login(client, "viewer")
    token = csrf(client, "/ui/alerts")
    decision = {"csrf_token": token, "disposition": "false_positive", "reason": "Other firm"}
    assert client.post(f"/ui/alerts/{alert_id}/decide", data=decision).status_code == 403
    login(client, "analyst")
    token = csrf(client, "/ui/alerts")
    forged = {**decision, "csrf_token": "x" * 20}
    assert client.post(f"/ui/alerts/{alert_id}/decide", data=forged).status_code == 403
    response = client.post(f"/ui/alerts/{alert_id}/decide", data={**decision, "csrf_token": token})
    assert response.status_code == 200
    # Four-eyes: clearing a 1.00 match waits for a second analyst; the alert stays open.
    assert f"Alert {alert_id}: false positive awaits a second analyst" in response.text
    alert = desk.alert(alert_id)
    assert alert is not None and alert.status == "open"


def test_changes_since_a_date(ui: tuple[TestClient, Store]) -> None:
    client, _ = ui
    login(client, "viewer")
    page = client.get("/ui/changes", params={"since": "2025-02-01"}).text
    assert "1 added · 1 changed · 1 removed" in page
    # The overview counts; the list's own page names every change.
    page = client.get("/ui/changes", params={"since": "2025-02-01", "list": "EL"}).text
    assert "Zenith Semiconductor Co." in page and "Nordstar Trading LLC" in page


def test_changes_show_a_version_staged_pending_review(ui: tuple[TestClient, Store]) -> None:
    from datetime import date

    from exportscreen.model import ListCode
    from exportscreen.store.plausibility import DEFAULT_PLAUSIBILITY
    from tests.store.factories import el_entry, parsed

    client, store = ui
    full = [el_entry(f"e{n}", f"Listed Trading Company Number {n}") for n in range(40)]
    store.import_source(parsed(full, name="full.csv", as_of=date(2025, 5, 1), lists=(ListCode.EL,)))
    (staged,) = store.import_source(
        parsed(full[:30], name="cut.csv", as_of=date(2025, 5, 2), lists=(ListCode.EL,)),
        plausibility=DEFAULT_PLAUSIBILITY,
    ).staged
    login(client, "viewer")
    page = client.get("/ui/changes").text
    assert f"Version {staged.id} (data of 2025-05-02, 30 entries) is staged pending review" in page
    assert "removes 10 of the 40 entries" in page


def test_logout_ends_the_session(ui: tuple[TestClient, Store]) -> None:
    client, _ = ui
    login(client, "viewer")
    token = csrf(client, "/ui/search")
    client.post("/ui/logout", data={"csrf_token": token})
    assert client.get("/ui/search", follow_redirects=False).status_code == 303


def test_a_copy_of_a_logged_out_cookie_stops_working_at_once(ui: tuple[TestClient, Store]) -> None:
    client, _ = ui
    login(client, "viewer")
    stolen = dict(client.cookies)  # the cookie as someone who copied it has it
    token = csrf(client, "/ui/search")
    client.post("/ui/logout", data={"csrf_token": token})
    client.cookies.clear()
    client.cookies.update(stolen)
    assert client.get("/ui/search", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("revoke", ["disable", "password"])
def test_disabling_a_user_or_a_new_password_ends_their_sessions(
    ui: tuple[TestClient, Store], revoke: str
) -> None:
    from exportscreen.ops.accounts import disable_user, set_password

    client, store = ui
    login(client, "analyst")
    assert client.get("/ui/search", follow_redirects=False).status_code == 200
    if revoke == "disable":
        disable_user(store, "analyst", actor="admin")
    else:
        set_password(store, "analyst", "a brand new passphrase", actor="admin")
    assert client.get("/ui/search", follow_redirects=False).status_code == 303


def test_wrong_passwords_lock_the_user_out_and_are_audited(ui: tuple[TestClient, Store]) -> None:
    from exportscreen.casework import audit_trail as audit
    from exportscreen.ops.accounts import LOCK_AFTER

    client, store = ui
    for _ in range(LOCK_AFTER):
        assert login(client, "viewer", "not the password") == 401
    assert login(client, "viewer") == 401  # locked: the right password fails too
    assert login(client, "analyst") == 303  # others are not
    failures = [r for r in audit.records(store.engine) if r.action == "user.login_failed"]
    assert [f.payload["reason"] for f in failures] == ["wrong password"] * LOCK_AFTER + [
        "locked out"
    ]
    assert failures[LOCK_AFTER - 1].payload["locked_until"]
    assert all(f.payload["address"] == "testclient" for f in failures)


def test_session_cookies_are_secure_by_default(tmp_path: Path) -> None:
    from dataclasses import replace

    with Store.open(f"sqlite:///{tmp_path / 'ui.db'}") as store:
        add_users(store)
        config = replace(config_for(tmp_path, str(store.engine.url)), cookie_secure=True)
        with running(build_app(store, config)) as client:
            cookie = client.get("/ui/login").headers["set-cookie"]
    assert "secure" in cookie.lower() and "httponly" in cookie.lower()
    from exportscreen.api.config import ApiConfig

    assert ApiConfig(db_url="sqlite://").cookie_secure


def test_entry_page_names_the_ofac_file_that_marks_an_alias_weak(
    ui: tuple[TestClient, Store],
) -> None:
    """A list publication without weak marks (the fixture's SDN, as the CSL prints it) and an
    older OFAC file of the same party that marks its alias weak: the page says which file."""
    client, store = ui
    petrov = store.entry("SDN-1001")
    assert petrov is not None and petrov.aliases == ("Ivan Petrov",) and not petrov.weak_aliases
    marked = dataclasses.replace(petrov, aliases=("IVAN PETROV",), weak_aliases=("IVAN PETROV",))
    result = store.import_source(
        ParsedSource(
            format="ofac_csv",
            paths=(Path("sdn.csv"),),
            sha256="0" * 64,
            as_of=date(2024, 12, 1),
            entries=[marked],
            lists=(ListCode.SDN,),
        )
    )
    (version,) = result.created
    assert store.current_version_ids()[ListCode.SDN] != version.id  # the fixture's stays current
    login(client, "viewer")
    page = client.get("/ui/entries/SDN-1001").text
    assert (
        f"Ivan Petrov (marked low quality by OFAC sdn.csv of 2024-12-01, SDN version "
        f"{version.id})" in page
    )
