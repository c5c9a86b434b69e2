"""Accounts (``ops.accounts``): users, passwords and API keys, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from exportscreen.casework import audit_trail as audit
from exportscreen.ops.accounts import add_user, create_key, hash_password, verify_password
from exportscreen.store import Store
from tests.api.support import Keys, add_users


@pytest.fixture()
def keys(store: Store) -> Keys:
    return add_users(store)


def test_passwords_are_salted_and_verified() -> None:
    first, second = hash_password("s3cret-enough"), hash_password("s3cret-enough")
    assert first != second  # a salt per hash
    assert verify_password("s3cret-enough", first)
    assert not verify_password("s3cret-enougH", first)
    assert not verify_password("s3cret-enough", "md5$abc")


def test_users_and_keys_are_audited(store: Store) -> None:
    add_user(store, "carol", "analyst", actor="root")
    create_key(store, "carol", "laptop", actor="root")
    actions = [(r.actor, r.action) for r in audit.records(store.engine)]
    assert ("root", "user.add") in actions and ("root", "key.create") in actions


@pytest.mark.parametrize(
    ("name", "role", "password", "error"),
    [
        ("viewer", "viewer", None, "already exists"),
        ("dave", "superuser", None, "unknown role"),
        ("erin", "viewer", "short", "at least"),
        ("", "viewer", None, "1 to 200"),
    ],
)
def test_add_user_refuses(
    store: Store, keys: Keys, name: str, role: str, password: str | None, error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        add_user(store, name, role, password)
