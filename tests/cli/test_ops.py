"""The accounts commands of ``cli/ops.py`` (users, keys) and who the CLI records as acting:
a key's user, an administrator-configured identity, or the operating-system account, never a
name typed on the command line."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from exportscreen.casework import audit_trail as audit
from exportscreen.cli.app import app
from exportscreen.ops.accounts import add_user, authenticate_key, create_key
from exportscreen.store import Store

runner = CliRunner()


@pytest.fixture()
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def invoke(url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, ["--db", url, *args], env={"EXPORTSCREEN_USER": "", **(env or {})})


def test_keys_list_and_revoke(url: str) -> None:
    with Store.open(url) as store:
        add_user(store, "carol", "analyst", actor="root")
        first = create_key(store, "carol", "laptop", actor="root")
        create_key(store, "carol", "erp", actor="root")
    listed = json.loads(invoke(url, "keys", "list", "--json").stdout)
    assert [(k["user"], k["label"], k["revoked_at"]) for k in listed] == [
        ("carol", "laptop", None),
        ("carol", "erp", None),
    ]
    assert first not in json.dumps(listed)  # the key itself is never stored or shown
    done = invoke(url, "keys", "revoke", str(listed[0]["id"]), env={"EXPORTSCREEN_USER": "root"})
    assert done.exit_code == 0, done.output
    with Store.open(url) as store:
        assert authenticate_key(store.engine, first) is None
        last = audit.records(store.engine)[-1]
        assert (last.actor, last.action) == ("root", "key.revoke")
    again = invoke(url, "keys", "revoke", str(listed[0]["id"]))
    assert again.exit_code == 2 and "no active API key" in again.output


def test_users_disable_stops_their_keys(url: str) -> None:
    with Store.open(url) as store:
        add_user(store, "dave", "viewer", actor="root")
        key = create_key(store, "dave", "", actor="root")
    assert invoke(url, "users", "disable", "dave").exit_code == 0
    with Store.open(url) as store:
        assert authenticate_key(store.engine, key) is None
    listed = json.loads(invoke(url, "users", "list", "--json").stdout)
    assert listed[0]["user"] == "dave" and listed[0]["disabled_at"]
    assert invoke(url, "users", "disable", "dave").exit_code == 2
    assert invoke(url, "users", "disable", "nobody").exit_code == 2


def test_the_cli_acts_as_the_os_account_or_a_keys_user(url: str, tmp_path: Path) -> None:
    with Store.open(url) as store:
        add_user(store, "erin", "analyst", actor="root")
        key = create_key(store, "erin", "", actor="root")
    register = tmp_path / "parties.csv"
    register.write_text("id,name\nP1,Acme Widgets\n", encoding="utf-8")
    assert invoke(url, "counterparties", "import", str(register)).exit_code == 0
    assert invoke(url, "--key", key, "counterparties", "import", str(register)).exit_code == 0
    with_env = invoke(
        url, "counterparties", "import", str(register), env={"EXPORTSCREEN_API_KEY": key}
    )
    assert with_env.exit_code == 0
    with Store.open(url) as store:
        actors = [r.actor for r in audit.records(store.engine) if r.action == "register.import"]
    assert actors == [getpass.getuser(), "erin", "erin"]
    # No option names someone else; a bad key is refused, not ignored.
    assert invoke(url, "--user", "mallory", "lists").exit_code == 2
    refused = invoke(url, "--key", "esk_not-a-key", "lists")
    assert refused.exit_code == 2 and "not valid" in refused.output


def test_serve_refuses_plain_http_cookies_off_localhost(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exportscreen import settings

    monkeypatch.setattr(settings, "API_COOKIE_SECURE", False)  # EXPORTSCREEN_COOKIE_SECURE=false
    refused = invoke(url, "serve", "--host", "0.0.0.0")
    assert refused.exit_code == 2 and "loopback" in refused.output
