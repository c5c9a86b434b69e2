"""A store that fails under the API (its disk full) answers 503 saying so, never a bare 500, and
keeps nothing of the refused request: every counterparty answered 201 is in the register, none
other is, and the audit trail still verifies."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from exportscreen.api.auth import Role
from exportscreen.casework import audit_trail
from exportscreen.casework.register import Register
from exportscreen.store import Store
from tests.api.support import Keys


def test_a_full_disk_under_the_api_is_a_503_and_keeps_nothing_half_written(
    client: TestClient, store: Store, keys: Keys
) -> None:
    with store.engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()

    def cap(dbapi_connection: Any, _record: Any) -> None:
        # SQLite's file cannot grow past a few pages more: the disk is full as it can tell.
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 8}")

    event.listen(store.engine, "connect", cap)
    store.engine.dispose()
    analyst = keys.header(Role.ANALYST)
    accepted: list[str] = []
    refused = None
    for n in range(2000):
        external_id = f"C-{n:05d}"
        answer = client.post(
            "/v1/counterparties",
            headers=analyst,
            json={"external_id": external_id, "name": f"Harbour Logistics Number {n} Limited"},
        )
        if answer.status_code == 201:
            accepted.append(external_id)
            continue
        refused = answer
        break
    assert refused is not None, "the capped store never filled up"
    assert accepted, "the store was full before the first request"
    assert refused.status_code == 503, refused.text
    assert refused.json() == {
        "detail": "the store's disk is full: nothing of this request was written",
        "errors": [],
    }
    assert refused.headers["Retry-After"] == "30"

    event.remove(store.engine, "connect", cap)
    store.engine.dispose()
    register = Register(store, actor="tester", threshold=0.8)
    assert [c.external_id for c in register.counterparties()] == accepted
    assert audit_trail.verify(store.engine).ok
