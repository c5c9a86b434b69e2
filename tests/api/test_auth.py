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
    revoke_key,
)
from exportscreen.store import Store
from tests.api.support import PASSWORD, Keys


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


def test_a_key_is_cached_for_its_lifetime_and_a_bad_one_never(store: Store, keys: Keys) -> None:
    authenticator = KeyAuthenticator(store.engine, ttl_seconds=3600)
    assert authenticator.cached(keys.viewer) is None  # not asked yet
    principal = authenticator(keys.viewer)
    assert principal is not None and principal.role is Role.VIEWER
    assert authenticator.cached(keys.viewer) == principal
    assert principal.key_id is not None
    revoke_key(store, principal.key_id)
    # Trusted until the cache expires (the documented delay), then refused.
    assert authenticator(keys.viewer) == principal
    authenticator.forget()
    assert authenticator(keys.viewer) is None
    assert authenticator("esk_not-a-key") is None
    assert authenticator.cached("esk_not-a-key") is None
    assert KeyAuthenticator(store.engine, ttl_seconds=0).cached(keys.analyst) is None


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
