"""The ``audit_log`` table: an append-only, hash-chained log; this module is its only writer.

Each record's hash covers its sequence number, time, actor, action, payload and the previous
record's hash, so editing or deleting any record (or re-ordering them) breaks the chain from that
point on. The chain format (``digest``) is fixed: stores written by every earlier version verify
with it. Every ``writing`` transaction also signs the new head of the chain before it commits
(``store.audit_seal``), so that a cut or recomputed chain shows. What the records mean, and
checking the chain, is ``casework.audit_trail``'s business.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.model import to_json_data
from exportscreen.store import audit_seal, sqlite_direct
from exportscreen.store.engine import SQLITE_WRITER
from exportscreen.store.schema import audit_log

GENESIS_HASH = "0" * 64
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


def digest(seq: int, created_at: datetime, actor: str, action: str, payload: Any, prev: str) -> str:
    """The hash of one record, chained to the previous record's hash ``prev``."""
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


# Built once: a statement made anew for every record costs SQLAlchemy a cache key each time
# (the values of an ``insert().values(...)`` are part of it), more than running it.
# The chain's tail, and the first record's hash, which names the store's anchor file
# (``audit_seal.anchor_name``): read together, one statement per transaction instead of two.
_GENESIS = sa.select(audit_log.c.hash).where(audit_log.c.seq == 1).scalar_subquery()
_TAIL = (
    sa.select(audit_log.c.seq, audit_log.c.hash, _GENESIS.label("genesis"))
    .order_by(audit_log.c.seq.desc())
    .limit(1)
)
_INSERT = audit_log.insert()
# The same two on SQLite's own connection, for the group commit (``sqlite_direct``).
_DIRECT_TAIL = sqlite_direct.DirectStatement(_TAIL)
_DIRECT_INSERT = sqlite_direct.DirectStatement(
    _INSERT,
    [audit_log.c[name] for name in ("seq", "created_at", "actor", "action", "payload")]
    + [audit_log.c.prev_hash, audit_log.c.hash],
)
_PG_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)")


def record(conn: Connection, actor: str, action: str, payload: Mapping[str, Any]) -> AuditRecord:
    """Append one record inside the caller's transaction, so the audited change and its record
    commit together or not at all. Concurrent writers cannot fork the chain: on PostgreSQL they
    queue on an advisory lock held until commit (on SQLite the writer's transaction already holds
    the database lock), and ``seq`` is unique as a last line of defence."""
    return record_many(conn, [(actor, action, payload)])[0]


def record_many(
    conn: Connection,
    entries: Sequence[tuple[str, str, Mapping[str, Any]]],
    *,
    retry: bool = True,
) -> list[AuditRecord]:
    """Append ``entries`` (actor, action, payload), in order, inside the caller's transaction:
    the chain exactly as ``record`` called for each would make it, for one read of the chain's
    tail and one multi-row insert (the API's group commit, ``api.audit_writer``).

    With ``retry`` the insert runs in a savepoint and is retried on a duplicate ``seq`` (a writer
    that bypassed the lock); without it (the group commit, which writes each record again on
    its own when a batch fails) the IntegrityError fails the transaction, and the savepoint's
    two statements are saved."""
    if not entries:
        return []
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_LOCK, {"key": _PG_AUDIT_LOCK})
    plain = [(actor, action, to_json_data(dict(payload))) for actor, action, payload in entries]
    # Without a savepoint on SQLite, the statements run on its own connection (its errors are
    # then sqlite3's: the group commit writes each record again on its own, through here with
    # ``retry``).
    direct = not retry and sqlite_direct.applies(conn)
    for attempt in range(_WRITE_RETRIES):
        tail = _DIRECT_TAIL.run(conn).fetchone() if direct else conn.execute(_TAIL).first()
        seq = tail[0] if tail else 0
        prev = tail[1] if tail else GENESIS_HASH
        genesis: str | None = tail[2] if tail else None
        written: list[AuditRecord] = []
        for actor, action, data in plain:
            # Timestamps are stored to the microsecond on both back ends; the hash covers
            # exactly that.
            now = datetime.now(UTC)
            seq += 1
            hashed = digest(seq, now, actor, action, data, prev)
            written.append(AuditRecord(seq, now, actor, action, data, prev, hashed))
            prev = hashed
        rows = [
            {
                "seq": r.seq,
                "created_at": r.created_at,
                "actor": r.actor,
                "action": r.action,
                "payload": r.payload,
                "prev_hash": r.prev_hash,
                "hash": r.hash,
            }
            for r in written
        ]
        if direct:
            _DIRECT_INSERT.run_many(conn, rows)
        elif not retry:
            conn.execute(_INSERT, rows)
        else:
            try:
                with conn.begin_nested():
                    conn.execute(_INSERT, rows)
            except sa.exc.IntegrityError:
                if attempt == _WRITE_RETRIES - 1:
                    raise
                continue
        # Signed as the chain's head before this transaction commits (``writing``), so the
        # records and the signature of the head they make commit together.
        for r in written:
            audit_seal.note_record(conn, r.seq, r.hash, r.created_at)
        if genesis is None and written[0].seq == 1:
            genesis = written[0].hash
        if genesis is not None:
            audit_seal.note_genesis(conn, genesis)
        return written
    raise AssertionError("unreachable")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction for writers of review and audit records. On SQLite it takes the write lock
    when it begins (a deferred transaction that reads the chain's tail and then writes would fail
    at once with "database is locked" when another writer got there first); on PostgreSQL only
    audit writers queue (``record``), so screening never waits for a list import."""
    with writer_connection(engine) as conn, writing_on(conn):
        yield conn


def writer_connection(engine: Engine) -> Connection:
    """A connection whose transactions are ``writing``'s kind (the write lock taken at BEGIN on
    SQLite), for a caller that keeps it across transactions (``writing_on``)."""
    options = {SQLITE_WRITER: True} if engine.dialect.name == "sqlite" else {}
    return engine.connect().execution_options(**options)


@contextmanager
def writing_on(conn: Connection) -> Iterator[Connection]:
    """``writing``'s transaction on a ``writer_connection`` the caller keeps: the API's audit
    writer commits a batch every few milliseconds, and taking a pooled connection and giving it
    back costs as much as one of the batch's statements."""
    audit_seal.forget(conn)  # a pooled connection may carry a rolled-back transaction's
    try:
        with conn.begin():
            yield conn
            audit_seal.seal_head(conn)
        # Committed: the signed head also goes to the anchor outside the database.
        head = conn.info.pop(audit_seal.HEAD_INFO_KEY, None)
        if head is not None:
            audit_seal.write_anchor(*head)
    finally:
        audit_seal.forget(conn)


def append(engine: Engine, actor: str, action: str, payload: Mapping[str, Any]) -> AuditRecord:
    """``record`` in a transaction of its own."""
    with writing(engine) as conn:
        return record(conn, actor, action, payload)


def iter_rows(
    engine: Engine, start: datetime | None = None, end: datetime | None = None
) -> Iterator[AuditRecord]:
    """The records created in ``[start, end)`` (either bound optional), in chain order, read
    as they are walked (``verify`` walks the whole chain) on a connection of their own."""
    query = sa.select(audit_log).order_by(audit_log.c.seq)
    if start is not None:
        query = query.where(audit_log.c.created_at >= start)
    if end is not None:
        query = query.where(audit_log.c.created_at < end)
    with engine.connect() as conn:
        for row in conn.execute(query):
            yield AuditRecord(
                row.seq, row.created_at, row.actor, row.action, row.payload, row.prev_hash, row.hash
            )


def hash_of(engine: Engine, seq: int) -> str | None:
    """The hash of record ``seq``, None when there is none."""
    with engine.connect() as conn:
        found: str | None = conn.execute(
            sa.select(audit_log.c.hash).where(audit_log.c.seq == seq)
        ).scalar_one_or_none()
    return found


def latest_of(engine: Engine, actions: Sequence[str]) -> Generator[AuditRecord, None, None]:
    """The records of ``actions``, newest first (read as they are walked)."""
    query = sa.select(audit_log).where(audit_log.c.action.in_(list(actions)))
    with engine.connect() as conn:
        for row in conn.execute(query.order_by(audit_log.c.seq.desc())):
            yield AuditRecord(
                row.seq, row.created_at, row.actor, row.action, row.payload, row.prev_hash, row.hash
            )


def _row(row: Any) -> AuditRecord:
    return AuditRecord(
        row.seq, row.created_at, row.actor, row.action, row.payload, row.prev_hash, row.hash
    )


def record_at(engine: Engine, seq: int) -> AuditRecord | None:
    """Record ``seq``, None when there is none."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(audit_log).where(audit_log.c.seq == seq)).first()
    return None if row is None else _row(row)


def search(
    engine: Engine,
    *,
    actor: str | None = None,
    actions: Sequence[str] | None = None,
    action_prefix: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    seq: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[int, list[AuditRecord]]:
    """Records matching every criterion given (``[start, end)``; ``action_prefix`` such as
    "alert."), newest first: how many match, and the page from ``offset``."""
    where: list[Any] = []
    if actor:
        where.append(audit_log.c.actor == actor)
    if actions is not None:
        where.append(audit_log.c.action.in_(list(actions)))
    if action_prefix:
        where.append(audit_log.c.action.startswith(action_prefix, autoescape=True))
    if start is not None:
        where.append(audit_log.c.created_at >= start)
    if end is not None:
        where.append(audit_log.c.created_at < end)
    if seq is not None:
        where.append(audit_log.c.seq == seq)
    with engine.connect() as conn:
        total = conn.execute(
            sa.select(sa.func.count()).select_from(audit_log).where(*where)
        ).scalar_one()
        query = sa.select(audit_log).where(*where).order_by(audit_log.c.seq.desc()).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        rows = [_row(row) for row in conn.execute(query)]
    return int(total), rows


def actions_in_use(engine: Engine) -> list[str]:
    """Every action name the trail holds, sorted (the audit page's filter)."""
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(audit_log.c.action).distinct()).scalars())
