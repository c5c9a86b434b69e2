"""The audit trail: every screening, determination and decision, append-only and hash-chained.

Each record's hash covers its sequence number, time, actor, action, payload and the previous
record's hash, so editing or deleting any record (or re-ordering them) breaks the chain from that
point on and ``verify`` names the first broken record. exportscreen never deletes audit records:
the EAR (15 CFR 762.6) asks for five years from the latest of export, reexport or end of
transaction, and a tool cannot know when that is, so retention is left to the database's owner.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.model import to_plain
from exportscreen.store.engine import SQLITE_WRITER
from exportscreen.store.schema import audit_log

GENESIS_HASH = "0" * 64
RETENTION_YEARS = 5  # 15 CFR 762.6: the minimum; shown in exports for the auditor
_WRITE_RETRIES = 3
_PG_AUDIT_LOCK = 0x6578_7363_6175  # an arbitrary constant naming "the audit chain" lock


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    created_at: datetime
    actor: str
    action: str
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    records: int
    first_bad_seq: int | None
    problem: str


def _digest(
    seq: int, created_at: datetime, actor: str, action: str, payload: Any, prev: str
) -> str:
    body = json.dumps(
        {
            "seq": seq,
            "created_at": created_at.astimezone(UTC).isoformat(),
            "actor": actor,
            "action": action,
            "payload": payload,
            "prev": prev,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(conn: Connection, actor: str, action: str, payload: Mapping[str, Any]) -> AuditRecord:
    """Append one record inside the caller's transaction, so the audited change and its record
    commit together or not at all. Concurrent writers cannot fork the chain: on PostgreSQL they
    queue on an advisory lock held until commit (on SQLite the writer's transaction already holds
    the database lock), and ``seq`` is unique as a last line of defence."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_AUDIT_LOCK})
    plain = to_plain(dict(payload))
    # Timestamps are stored to the microsecond on both back ends; the hash covers exactly that.
    now = datetime.now(UTC)
    for attempt in range(_WRITE_RETRIES):
        tail = conn.execute(
            sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        seq = (tail.seq + 1) if tail else 1
        prev = tail.hash if tail else GENESIS_HASH
        digest = _digest(seq, now, actor, action, plain, prev)
        try:
            with conn.begin_nested():
                conn.execute(
                    audit_log.insert().values(
                        seq=seq,
                        created_at=now,
                        actor=actor,
                        action=action,
                        payload=plain,
                        prev_hash=prev,
                        hash=digest,
                    )
                )
        except sa.exc.IntegrityError:
            if attempt == _WRITE_RETRIES - 1:
                raise
            continue
        return AuditRecord(seq, now, actor, action, plain, prev, digest)
    raise AssertionError("unreachable")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction for writers of review and audit records. On SQLite it takes the write lock
    when it begins (a deferred transaction that reads the chain's tail and then writes would fail
    at once with "database is locked" when another writer got there first); on PostgreSQL only
    audit writers queue (``record``), so screening never waits for a list import."""
    options = {SQLITE_WRITER: True} if engine.dialect.name == "sqlite" else {}
    with engine.connect().execution_options(**options) as conn, conn.begin():
        yield conn


def append(engine: Engine, actor: str, action: str, payload: Mapping[str, Any]) -> AuditRecord:
    """``record`` in a transaction of its own."""
    with writing(engine) as conn:
        return record(conn, actor, action, payload)


def _rows(
    conn: Connection, start: datetime | None = None, end: datetime | None = None
) -> Iterator[AuditRecord]:
    query = sa.select(audit_log).order_by(audit_log.c.seq)
    if start is not None:
        query = query.where(audit_log.c.created_at >= start)
    if end is not None:
        query = query.where(audit_log.c.created_at < end)
    for row in conn.execute(query):
        yield AuditRecord(
            row.seq, row.created_at, row.actor, row.action, row.payload, row.prev_hash, row.hash
        )


def verify(engine: Engine) -> VerifyResult:
    """Walk the whole chain; the first record whose sequence, link or hash is wrong is reported."""
    count = 0
    expected_prev = GENESIS_HASH
    with engine.connect() as conn:
        for count, rec in enumerate(_rows(conn), start=1):
            if rec.seq != count:
                missing = "deleted or re-numbered" if rec.seq > count else "duplicated"
                return VerifyResult(
                    False, count - 1, count, f"record {count} is {missing} (found seq {rec.seq})"
                )
            if rec.prev_hash != expected_prev:
                return VerifyResult(
                    False,
                    count - 1,
                    rec.seq,
                    f"record {rec.seq} does not link to record {rec.seq - 1}",
                )
            recomputed = _digest(
                rec.seq, rec.created_at, rec.actor, rec.action, rec.payload, rec.prev_hash
            )
            if recomputed != rec.hash:
                return VerifyResult(
                    False, count - 1, rec.seq, f"record {rec.seq} was edited after it was written"
                )
            expected_prev = rec.hash
    return VerifyResult(True, count, None, "")


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    lo = datetime.combine(start, time.min, tzinfo=UTC) if start else None
    hi = datetime.combine(end, time.min, tzinfo=UTC) + timedelta(days=1) if end else None
    return lo, hi


def records(
    engine: Engine, start: date | None = None, end: date | None = None
) -> list[AuditRecord]:
    """Records created from ``start`` to ``end`` inclusive (whole days, UTC)."""
    lo, hi = _bounds(start, end)
    with engine.connect() as conn:
        return list(_rows(conn, lo, hi))


def export(engine: Engine, path: Path, start: date | None = None, end: date | None = None) -> int:
    """Write the records of a period for an auditor: JSON (``.json``) or CSV (anything else).
    Each row carries its hashes so the auditor can re-check the chain segment."""
    rows = records(engine, start, end)
    plain = [
        {
            "seq": r.seq,
            "created_at": r.created_at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "payload": r.payload,
            "prev_hash": r.prev_hash,
            "hash": r.hash,
            "keep_until": r.created_at.replace(year=r.created_at.year + RETENTION_YEARS)
            .date()
            .isoformat()
            if not (r.created_at.month == 2 and r.created_at.day == 29)
            else date(r.created_at.year + RETENTION_YEARS, 3, 1).isoformat(),
        }
        for r in rows
    ]
    tmp = path.with_name(path.name + ".partial")
    if path.suffix.lower() == ".json":
        tmp.write_text(json.dumps(plain, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(plain[0]) if plain else ["seq"])
            writer.writeheader()
            for row in plain:
                writer.writerow({**row, "payload": json.dumps(row["payload"], ensure_ascii=False)})
    tmp.replace(path)
    return len(plain)
