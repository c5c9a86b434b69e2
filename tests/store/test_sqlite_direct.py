"""The audit group commit's statements run on SQLite's own connection (``store.sqlite_direct``,
issue 19) store records exactly as SQLAlchemy's do: the same column text, the same head
checkpoint, a chain that verifies, and the anchor named by the chain's first record."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from exportscreen.casework import audit_trail as audit
from exportscreen.store import Store, audit_log, audit_seal

PAYLOADS: list[Mapping[str, Any]] = [
    {"query": {"name": "Ивано́в Пётр"}, "hits": [], "threshold": 0.77},
    {"name": "北京 航空", "score": 0.1 + 0.2, "list_versions": {"SDN": 5, "EL": 14}},
    {"nested": {"b": [1, None, True, 2.5e-7], "a": "ü"}, "empty": {}},
]


def _stored(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows as SQLite holds them (text and types), apart from what differs by the clock."""
    with sqlite3.connect(path) as conn:
        records = conn.execute(
            "SELECT seq, actor, action, payload, typeof(payload), typeof(created_at),"
            " length(created_at) FROM audit_log ORDER BY seq"
        ).fetchall()
        heads = conn.execute(
            "SELECT kind, seq, typeof(signed_at), length(signed_at), length(mac)"
            " FROM audit_checkpoints ORDER BY id"
        ).fetchall()
    return records, heads


@pytest.mark.parametrize("first_alone", [True, False])
def test_the_group_commits_statements_store_what_sqlalchemys_store(
    tmp_path: Path, first_alone: bool
) -> None:
    """The same records through the savepoint path (``retry``, SQLAlchemy executes) and the
    group commit's (``sqlite_direct``), in two stores; the first record alone or in a batch,
    since the chain's first hash is then read back or taken from the batch."""
    entries = [("viewer", audit.SCREEN, p) for p in PAYLOADS]
    stored = []
    for direct in (False, True):
        path = tmp_path / f"{direct}.db"
        with Store.open(f"sqlite:///{path}") as store:
            batches = [entries[:1], entries[1:]] if first_alone else [entries]
            for batch in batches:
                with audit_log.writing(store.engine) as conn:
                    audit_log.record_many(conn, batch, retry=not direct)
            assert audit.verify(store.engine).ok
            records = audit.records(store.engine)
            assert [r.payload for r in records] == PAYLOADS
            genesis = records[0].hash
            anchor = audit_seal.read_anchor(audit_seal.anchor_name(store.engine.url, genesis))
            assert anchor is not None and (anchor.seq, anchor.hash) == (3, records[-1].hash)
        stored.append(_stored(path))
    assert stored[0] == stored[1]
    records, heads = stored[1]
    assert [r[0] for r in records] == [1, 2, 3]
    assert heads == [("head", 3, "text", len("2026-01-01 00:00:00.000000"), 64)]
