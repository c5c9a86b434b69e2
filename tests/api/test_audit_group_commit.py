"""The audit group commit seen from ``POST /v1/screen`` (issue 19): many requests in progress at
once share transactions, yet every answer names a record that is in the trail with its own
query, and a batch that cannot be written fails its requests (never an answer without its
record)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from exportscreen.api.auth import Role
from exportscreen.casework import audit_trail as audit
from exportscreen.casework.evidence import reference
from exportscreen.store import Store
from exportscreen.store.errors import DatabaseUnavailable
from tests.api.support import Keys, build_app, commits_counted, config_for

NAMES = ("Acme Photonics", "Acme Optical", "Ivan Petrov", "Harbour Bakery Ltd", "Northwind")


async def _screen_all(
    app: FastAPI, keys: Keys, names: Sequence[str]
) -> list[tuple[str, httpx.Response]]:
    """Every name screened at once, as concurrent clients would, with the app's lifespan (so
    the audit writer batches on this loop as it does in a server)."""
    # Errors as a client sees them (a 500), not raised into the test.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        responses = await asyncio.gather(
            *(
                client.post("/v1/screen", json={"name": n}, headers=keys.header(Role.VIEWER))
                for n in names
            )
        )
    return list(zip(names, responses, strict=True))


def _screenings(store: Store) -> dict[int, audit.AuditRecord]:
    return {r.seq: r for r in audit.records(store.engine) if r.action == audit.SCREEN}


def test_concurrent_requests_share_commits_and_each_answer_names_its_own_record(
    store: Store, keys: Keys, tmp_path: Path
) -> None:
    app = build_app(store, config_for(tmp_path, str(store.engine.url), max_in_flight=64))
    names = [NAMES[i % len(NAMES)] + f" {i}" for i in range(48)]
    with commits_counted() as commits:
        answered = asyncio.run(_screen_all(app, keys, names))
    trail = _screenings(store)
    assert all(r.status_code == 200 for _, r in answered), [r.text for _, r in answered]
    seqs = [r.json()["audit_seq"] for _, r in answered]
    assert len(set(seqs)) == len(names) == len(trail)
    for name, response in answered:
        body = response.json()
        record = trail[body["audit_seq"]]
        # The record is this request's: its query, and the hits it was answered with.
        assert record.payload["screenings"][0]["query"]["name"] == name
        assert [h["entry"] for h in record.payload["screenings"][0]["hits"]] == [
            h["entry_id"] for h in body["hits"]
        ]
        assert body["reference"] == reference(body["audit_seq"])
    # Batched: far fewer transactions than records (each request alone would be one).
    assert commits[0] < len(names) / 2
    assert audit.verify(store.engine).ok


def test_a_record_that_cannot_be_written_fails_its_request_alone(
    store: Store, keys: Keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error in a batch (here, one payload that the write rejects) is not swallowed: the
    batch is written again record by record, the failing request is answered with an error
    and no reference, and the others keep their answers and records."""
    real = audit.record_many

    def rejecting(
        conn: sa.Connection, entries: Sequence[tuple[str, str, Mapping[str, Any]]], **kw: Any
    ) -> list[audit.AuditRecord]:
        if any(p["screenings"][0]["query"]["name"] == "Poison Pill" for _, _, p in entries):
            raise ValueError("this payload cannot be stored")
        return real(conn, entries, **kw)

    monkeypatch.setattr(audit, "record_many", rejecting)
    app = build_app(store, config_for(tmp_path, str(store.engine.url), max_in_flight=64))
    names = [*NAMES, "Poison Pill", *(n + " again" for n in NAMES)]
    answered = asyncio.run(_screen_all(app, keys, names))
    trail = _screenings(store)
    failed = [(n, r) for n, r in answered if r.status_code != 200]
    assert [n for n, _ in failed] == ["Poison Pill"]
    assert failed[0][1].status_code >= 500 and "reference" not in failed[0][1].text
    recorded = {r.payload["screenings"][0]["query"]["name"] for r in trail.values()}
    assert recorded == set(names) - {"Poison Pill"}
    for name, response in answered:
        if name != "Poison Pill":
            assert trail[response.json()["audit_seq"]].payload["screenings"][0]["query"][
                "name"
            ] == (name)
    assert audit.verify(store.engine).ok


def test_a_database_failure_in_a_batch_fails_every_request_in_it(
    store: Store, keys: Keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database itself failing (a lock held past the timeout, a full disk) fails each
    request of the batch with 503 and Retry-After: none is answered as screened."""

    def unavailable(*_args: Any, **_kw: Any) -> list[audit.AuditRecord]:
        raise DatabaseUnavailable("COMMIT", None, Exception("database is locked"))

    monkeypatch.setattr(audit, "record_many", unavailable)
    app = build_app(store, config_for(tmp_path, str(store.engine.url), max_in_flight=64))
    answered = asyncio.run(_screen_all(app, keys, list(NAMES)))
    assert [r.status_code for _, r in answered] == [503] * len(NAMES)
    assert all(r.headers.get("retry-after") for _, r in answered)
    assert not any("audit_seq" in r.text for _, r in answered)
    assert _screenings(store) == {}
