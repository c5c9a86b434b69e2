from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exportscreen.api.auth import (
    KeyAuthenticator,
    Role,
    authenticate_key,
    authenticate_password,
)
from exportscreen.ops.accounts import (
    create_key,
    disable_user,
    revoke_key,
)
from exportscreen.store import Store
from tests.api.support import (
    PASSWORD,
    Keys,
    add_users,
    build_app,
    config_for,
    load_fixture_lists,
    running,
)


def test_keys_are_stored_only_as_hashes(store: Store, keys: Keys) -> None:
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT key_hash FROM api_keys").scalars().all()
    assert keys.viewer not in stored
    principal = authenticate_key(store.engine, keys.viewer)
    assert principal is not None and principal.role is Role.VIEWER


def test_password_login(store: Store, keys: Keys) -> None:
    assert authenticate_password(store.engine, "analyst", PASSWORD) is not None
    assert authenticate_password(store.engine, "analyst", PASSWORD + "x") is None
    assert authenticate_password(store.engine, "nobody", PASSWORD) is None


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer esk_not-a-key"}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        ({"X-API-Key": "wrong"}, 401),
    ],
)
def test_missing_or_invalid_credentials_are_401(
    client: TestClient, headers: dict[str, str], status: int
) -> None:
    response = client.post("/v1/screen", json={"name": "Acme"}, headers=headers)
    assert response.status_code == status
    assert response.headers["www-authenticate"] == "Bearer"


def test_x_api_key_header_works(client: TestClient, keys: Keys) -> None:
    response = client.post("/v1/screen", json={"name": "Acme"}, headers={"X-API-Key": keys.viewer})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("role", "status"), [(Role.VIEWER, 403), (Role.ANALYST, 403), (Role.ADMIN, 200)]
)
def test_the_audit_trail_needs_the_admin_role(
    client: TestClient, keys: Keys, role: Role, status: int
) -> None:
    assert client.get("/v1/audit", headers=keys.header(role)).status_code == status


def test_a_revoked_key_stops_working(client: TestClient, store: Store, tmp_path: Path) -> None:
    key = create_key(store, "viewer", "to revoke")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/v1/lists", headers=headers).status_code == 200
    principal = authenticate_key(store.engine, key)
    assert principal is not None and principal.key_id is not None
    revoke_key(store, principal.key_id)
    # The test app trusts a key for 0 seconds, so the revocation is seen at once.
    assert client.get("/v1/lists", headers=headers).status_code == 401


def test_audit_trail_lists_records_and_verifies(client: TestClient, keys: Keys) -> None:
    client.post("/v1/screen", json={"name": "Acme"}, headers=keys.header(Role.VIEWER))
    body = client.get(
        "/v1/audit", params={"verify": "true"}, headers=keys.header(Role.ADMIN)
    ).json()
    assert body["verified"]["ok"] is True
    assert body["records"][-1]["action"] == "screening.screen"
    assert body["records"][-1]["actor"] == "viewer"


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store two servers share: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return str(request.getfixturevalue("pg_url"))


def test_a_revoked_key_or_disabled_user_is_refused_on_the_next_request_by_every_server(
    shared_url: str, tmp_path: Path
) -> None:
    """Two servers (each its own engine and connection pool, as two worker processes) on one
    store: a key revoked through one, or by the CLI, is refused by the other on its very next
    request, and so are a disabled user's keys; other keys keep working."""
    with Store.open(shared_url) as first_store, Store.open(shared_url) as second_store:
        load_fixture_lists(first_store)
        keys = add_users(first_store)
        second_viewer = create_key(first_store, "viewer", "second")
        apps = [
            build_app(opened, config_for(tmp_path / name, shared_url))
            for name, opened in (("a", first_store), ("b", second_store))
        ]
        with running(apps[0]) as first, running(apps[1]) as second:

            def status(client: TestClient, key: str) -> int:
                headers = {"Authorization": f"ApiKey {key}"}
                return client.get("/v1/lists", headers=headers).status_code

            assert [status(c, keys.viewer) for c in (first, second)] == [200, 200]
            viewer_key_id = authenticate_key(first_store.engine, keys.viewer)
            assert viewer_key_id is not None and viewer_key_id.key_id is not None
            revoked = first.post(
                f"/v1/keys/{viewer_key_id.key_id}/revoke", headers=keys.header(Role.ADMIN)
            )
            assert revoked.status_code == 200, revoked.text
            assert status(second, keys.viewer) == 401
            assert status(first, keys.viewer) == 401
            # The user's other key still works, until the user is disabled (the CLI's way).
            assert [status(c, second_viewer) for c in (first, second)] == [200, 200]
            disable_user(second_store, "viewer")
            assert [status(c, second_viewer) for c in (first, second)] == [401, 401]
            # A key revoked by the CLI on the store, not through a server, likewise.
            analyst = authenticate_key(first_store.engine, keys.analyst)
            assert analyst is not None and analyst.key_id is not None
            assert status(first, keys.analyst) == 200
            revoke_key(second_store, analyst.key_id)
            assert [status(c, keys.analyst) for c in (first, second)] == [401, 401]
            assert [status(c, keys.admin) for c in (first, second)] == [200, 200]
        for app in apps:
            app.state.services.jobs.close()


def test_a_key_is_looked_up_once_per_request(store: Store, keys: Keys) -> None:
    """The load shedder's lookup is the route's: no second query for the same request."""
    authenticator = KeyAuthenticator(store.engine)
    principal = authenticator(keys.viewer)
    assert principal is not None and principal.role is Role.VIEWER
    scope: dict[str, object] = {}
    assert KeyAuthenticator.remembered(scope, keys.viewer) == (False, None)
    KeyAuthenticator.remember(scope, keys.viewer, principal)
    assert KeyAuthenticator.remembered(scope, keys.viewer) == (True, principal)
    # Another key in the same scope is not taken for the one remembered.
    assert KeyAuthenticator.remembered(scope, keys.analyst) == (False, None)
    assert authenticator("esk_not-a-key") is None


def test_the_lookup_kept_open_answers_as_the_store_does_now(shared_url: str) -> None:
    """The per-request lookup (on SQLite a connection of its own, run on the event loop) gives
    authenticate_key's answers, and sees a revocation and a disabled user committed by another
    connection on its next lookup, after many lookups of the same key."""
    with Store.open(shared_url) as store:
        keys = add_users(store)
        lookup = KeyAuthenticator(store.engine)
        assert lookup.local is shared_url.startswith("sqlite")
        try:
            for _ in range(3):
                assert lookup(keys.viewer) == authenticate_key(store.engine, keys.viewer)
            assert lookup("esk_not-a-key") is None
            analyst = lookup(keys.analyst)
            assert analyst is not None and analyst.key_id is not None
            revoke_key(store, analyst.key_id)
            assert lookup(keys.analyst) is None
            assert lookup(keys.viewer) is not None
            disable_user(store, "viewer")
            assert lookup(keys.viewer) is None
        finally:
            lookup.close()


@pytest.mark.parametrize(
    ("where", "template"),
    [
        ("header", {"Authorization": "Bearer {key}"}),
        ("header", {"Authorization": "ApiKey {key}"}),  # yente-client's form
        ("header", {"Authorization": "apikey {key}"}),  # schemes are case-insensitive
        ("header", {"X-API-Key": "{key}"}),
        ("header", {"subscription-key": "{key}"}),  # the CSL API's header
        ("query", {"subscription-key": "{key}"}),  # ... and its query parameter
    ],
)
def test_every_accepted_key_form(
    client: TestClient, keys: Keys, where: str, template: dict[str, str]
) -> None:
    filled = {name: value.format(key=keys.viewer) for name, value in template.items()}
    headers = filled if where == "header" else {}
    params = filled if where == "query" else {}
    response = client.get("/v1/lists", headers=headers, params=params)
    assert response.status_code == 200, response.text
    wrong = {name: value.replace(keys.viewer, "esk_wrong") for name, value in filled.items()}
    refused = client.get(
        "/v1/lists",
        headers=wrong if where == "header" else {},
        params=wrong if where == "query" else {},
    )
    assert refused.status_code == 401


def test_an_admin_lists_and_revokes_keys_and_the_key_stops_at_once(
    client: TestClient, keys: Keys, admin: dict[str, str], viewer: dict[str, str], store: Store
) -> None:
    from exportscreen.casework import audit_trail as audit

    assert client.get("/v1/keys", headers=viewer).status_code == 403
    listed = client.get("/v1/keys", headers=admin).json()["keys"]
    assert keys.viewer not in str(listed)
    viewers = [k for k in listed if k["user"] == "viewer"]
    assert client.get("/v1/lists", headers=viewer).status_code == 200
    revoked = client.post(f"/v1/keys/{viewers[0]['id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/v1/lists", headers=viewer).status_code == 401
    assert client.post(f"/v1/keys/{viewers[0]['id']}/revoke", headers=admin).status_code == 404
    last = audit.records(store.engine)[-1]
    assert (last.actor, last.action) == ("admin", "key.revoke")
