"""Accounts (``ops.accounts``): users, passwords and API keys, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportscreen.casework import audit_trail as audit
from exportscreen.ops.accounts import (
    add_user,
    authenticate_password,
    create_key,
    hash_password,
    verify_password,
)
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


def test_users_passwd_sets_a_password_the_login_accepts_and_audits_it(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from exportscreen.cli.app import app

    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open(url) as store:
        add_user(store, "carol", "analyst", actor="root")
    runner = CliRunner()
    done = runner.invoke(
        app,
        ["--db", url, "users", "passwd", "carol"],
        input="a-long-passphrase\na-long-passphrase\n",
        env={"EXPORTSCREEN_USER": "root"},
    )
    assert done.exit_code == 0, done.output
    with Store.open(url) as store:
        assert authenticate_password(store.engine, "carol", "a-long-passphrase") is not None
        assert authenticate_password(store.engine, "carol", "something-else") is None
        last = audit.records(store.engine)[-1]
        assert (last.actor, last.action, last.payload) == (
            "root",
            "user.password",
            {"user": "carol", "sessions_ended": 0},
        )
    refused = runner.invoke(
        app, ["--db", url, "users", "passwd", "nobody"], input="x" * 12 + "\n" + "x" * 12 + "\n"
    )
    assert refused.exit_code == 2 and "no user 'nobody'" in refused.output
    short = runner.invoke(app, ["--db", url, "users", "passwd", "carol"], input="short\nshort\n")
    assert short.exit_code == 2 and "at least" in short.output
