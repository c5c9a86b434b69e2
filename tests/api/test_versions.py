"""``/v1/versions``: staged list versions listed with their reasons, accepted or rejected by an
admin through ``ops.reviews`` (audited), 4xx for wrong ids and roles; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exportscreen.api.auth import Role
from exportscreen.model import ListCode
from exportscreen.store import Store, StoredVersion, VersionReview, audit_log
from exportscreen.store.plausibility import DEFAULT_PLAUSIBILITY
from tests.api.support import Keys, add_users, build_app, config_for, load_fixture_lists, running
from tests.store.factories import el_entry, parsed

FULL = [el_entry(f"e{n}", f"Listed Trading Company Number {n}") for n in range(40)]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = (
        f"sqlite:///{tmp_path / 'api.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("pg_url"))
    )
    with Store.open(url) as opened:
        load_fixture_lists(opened)
        yield opened


@pytest.fixture()
def keys(store: Store) -> Keys:
    return add_users(store)


@pytest.fixture()
def client(store: Store, keys: Keys, tmp_path: Path) -> Iterator[TestClient]:
    app = build_app(store, config_for(tmp_path, str(store.engine.url)))
    with running(app) as test_client:
        yield test_client


def stage_one(store: Store) -> StoredVersion:
    """An Entity List version that removes 10 of 40 entries: staged, not current."""
    store.import_source(parsed(FULL, name="full.csv", as_of=date(2025, 5, 1), lists=(ListCode.EL,)))
    (staged,) = store.import_source(
        parsed(FULL[:30], name="cut.csv", as_of=date(2025, 5, 2), lists=(ListCode.EL,)),
        plausibility=DEFAULT_PLAUSIBILITY,
    ).staged
    return staged


def current_el(store: Store) -> int:
    return next(s.version_id for s in store.lists() if s.list is ListCode.EL)


def review_records(store: Store) -> list[audit_log.AuditRecord]:
    return list(audit_log.latest_of(store.engine, ["version.accept", "version.reject"]))


def test_staged_versions_are_listed_with_their_reasons(
    client: TestClient, store: Store, keys: Keys
) -> None:
    assert client.get("/v1/versions/staged", headers=keys.header(Role.VIEWER)).json() == {
        "versions": []
    }
    staged = stage_one(store)
    body = client.get("/v1/versions/staged", headers=keys.header(Role.VIEWER)).json()
    (shown,) = body["versions"]
    assert (shown["version_id"], shown["list"], shown["file"]) == (staged.id, "EL", "cut.csv")
    assert (shown["entry_count"], shown["review"], shown["as_of"]) == (30, "pending", "2025-05-02")
    assert shown["reasons"][0].startswith("removes 10 of the 40 entries")
    assert client.get("/v1/versions/staged").status_code == 401


@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_an_admin_decides_a_staged_version_and_it_is_audited(
    client: TestClient, store: Store, keys: Keys, decision: str
) -> None:
    staged = stage_one(store)
    before = current_el(store)
    assert before != staged.id
    answer = client.post(
        f"/v1/versions/{staged.id}/{decision}",
        headers=keys.header(Role.ADMIN),
        json={"reason": "checked against the Federal Register"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = "accepted" if decision == "accept" else "rejected"
    assert (body["version_id"], body["review"]) == (staged.id, expected)
    assert body["decision_reason"] == "checked against the Federal Register"
    assert body["decided_by"] == Role.ADMIN.label
    # Accepted: the newer version is in force; rejected: the old one stays.
    assert current_el(store) == (staged.id if decision == "accept" else before)
    assert store.versions_in_review() == []
    (record,) = review_records(store)
    assert record.action == f"version.{decision}" and record.actor == Role.ADMIN.label
    assert record.payload["version_id"] == staged.id
    assert record.payload["reason"] == "checked against the Federal Register"
    # Decided once: a second decision is a conflict, and changes nothing.
    again = client.post(f"/v1/versions/{staged.id}/accept", headers=keys.header(Role.ADMIN))
    assert again.status_code == 409 and "not pending review" in again.text
    assert len(review_records(store)) == 1


def test_only_an_admin_decides_and_wrong_ids_are_4xx(
    client: TestClient, store: Store, keys: Keys
) -> None:
    staged = stage_one(store)
    for role in (Role.VIEWER, Role.ANALYST):
        answer = client.post(f"/v1/versions/{staged.id}/accept", headers=keys.header(role))
        assert answer.status_code == 403
    assert client.post(f"/v1/versions/{staged.id}/reject").status_code == 401
    admin = keys.header(Role.ADMIN)
    missing = client.post("/v1/versions/999999/accept", headers=admin)
    assert missing.status_code == 404 and "no list version 999999" in missing.text
    for bad in ("0", "abc", "99999999999"):
        assert client.post(f"/v1/versions/{bad}/accept", headers=admin).status_code == 422
    too_long = client.post(
        f"/v1/versions/{staged.id}/reject", headers=admin, json={"reason": "x" * 2001}
    )
    assert too_long.status_code == 422 and "reason" in too_long.text
    # A version that was never staged (the current one) is not pending.
    current = client.post(f"/v1/versions/{current_el(store)}/reject", headers=admin)
    assert current.status_code == 409
    # Nothing was decided by any of these.
    assert [v.id for v in store.versions_in_review(VersionReview.PENDING)] == [staged.id]
    assert review_records(store) == []
