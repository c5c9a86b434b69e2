"""The ``users``, ``api_keys`` and ``sessions`` tables; this module is their only reader and
writer.

Writes take the caller's connection (from ``audit_log.writing``), so that a change and its audit
record commit together; ``ops.accounts`` decides what may change. Only hashes are stored: of
passwords (scrypt) and of API keys (SHA-256), made by the accounts service.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.schema import api_keys, sessions, users


@dataclass(frozen=True, slots=True)
class StoredUser:
    id: int
    name: str
    role: str
    password_hash: str | None  # None: the user signs in with API keys only
    disabled_at: datetime | None = None
    failed_logins: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredKey:
    id: int
    user: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """The user an active API key belongs to."""

    key_id: int
    name: str
    role: str


def _inserted_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None  # an INSERT of one row always has one
    return int(key[0])


_USER_COLUMNS = (
    users.c.id,
    users.c.name,
    users.c.role,
    users.c.password_hash,
    users.c.disabled_at,
    users.c.failed_logins,
    users.c.locked_until,
)


def _stored_user(row: Any) -> StoredUser:
    return StoredUser(
        row.id,
        row.name,
        row.role,
        row.password_hash,
        row.disabled_at,
        row.failed_logins,
        row.locked_until,
    )


def _user(conn: Connection, name: str) -> StoredUser | None:
    row = conn.execute(sa.select(*_USER_COLUMNS).where(users.c.name == name)).first()
    return _stored_user(row) if row is not None else None


def all_users(engine: Engine) -> list[StoredUser]:
    with engine.connect() as conn:
        return [
            _stored_user(r) for r in conn.execute(sa.select(*_USER_COLUMNS).order_by(users.c.name))
        ]


def find_user(engine: Engine, name: str) -> StoredUser | None:
    """The user called ``name``, as stored now."""
    with engine.connect() as conn:
        return _user(conn, name)


def find_user_in(conn: Connection, name: str) -> StoredUser | None:
    """``find_user`` inside the caller's write transaction."""
    return _user(conn, name)


def insert_user(conn: Connection, name: str, role: str, password_hash: str | None) -> int:
    """A new user; returns its id. The name is unique (an existing one raises IntegrityError)."""
    return _inserted_id(
        conn.execute(
            users.insert().values(
                name=name, role=role, password_hash=password_hash, created_at=datetime.now(UTC)
            )
        )
    )


def update_password_hash(conn: Connection, name: str, password_hash: str) -> bool:
    """False when there is no such user."""
    changed = conn.execute(
        users.update().where(users.c.name == name).values(password_hash=password_hash)
    ).rowcount
    return bool(changed)


def insert_key(conn: Connection, user_id: int, key_hash: str, label: str) -> int:
    """A new active API key of ``user_id``; returns its id."""
    return _inserted_id(
        conn.execute(
            api_keys.insert().values(
                user_id=user_id, key_hash=key_hash, label=label, created_at=datetime.now(UTC)
            )
        )
    )


def revoke_key(conn: Connection, key_id: int) -> bool:
    """Mark an active key revoked; False when there is no such active key."""
    changed = conn.execute(
        api_keys.update()
        .where((api_keys.c.id == key_id) & api_keys.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    ).rowcount
    return bool(changed)


# Built once: asked on every API request, and a statement made anew each time costs SQLAlchemy
# a cache key (and the statement) per call, several times the cost of the indexed probe itself.
_KEY_HOLDER = (
    sa.select(api_keys.c.id, users.c.name, users.c.role)
    .join(users, users.c.id == api_keys.c.user_id)
    .where(
        (api_keys.c.key_hash == sa.bindparam("key_hash"))
        & api_keys.c.revoked_at.is_(None)
        & users.c.disabled_at.is_(None)
    )
)


def key_holder(engine: Engine, key_hash: str) -> KeyHolder | None:
    """Who holds the active key with this hash (a unique-index probe); None when the key is
    revoked or its user disabled."""
    with engine.connect() as conn:
        row = conn.execute(_KEY_HOLDER, {"key_hash": key_hash}).first()
    return KeyHolder(row.id, row.name, row.role) if row is not None else None


class KeyProbe:
    """``key_holder`` for a server that asks it on every request. On a SQLite file it keeps one
    read-only connection of its own and runs the probe on it directly, without SQLAlchemy's
    connection checkout, ``BEGIN`` and ``ROLLBACK`` around it (about ten times the probe's own
    cost); each probe is a statement of its own in autocommit, so it reads the last committed
    state: a key revoked by any process is refused from the next probe on. Other databases go
    through ``key_holder``. The connection is opened on first use (after a server forks its
    workers) and may be used from any thread, one at a time."""

    def __init__(self, engine: Engine):
        self._engine = engine
        url = engine.url
        self._path = (
            url.database
            if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
            else None
        )
        self._sql = str(_KEY_HOLDER.compile(dialect=engine.dialect))
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @property
    def local(self) -> bool:
        """Whether a probe is a local file read (microseconds, no network): callers on an event
        loop may then run it there instead of in a thread."""
        return self._path is not None

    def __call__(self, key_hash: str) -> KeyHolder | None:
        if self._path is None:
            return key_holder(self._engine, key_hash)
        with self._lock:
            if self._conn is None:
                self._conn = self._connect(self._path)
            # fetchall: the statement runs to its end, so its read transaction ends with it.
            rows = self._conn.execute(self._sql, (key_hash,)).fetchall()
        return KeyHolder(rows[0][0], rows[0][1], rows[0][2]) if rows else None

    @staticmethod
    def _connect(path: str) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5.0)
        conn.execute("PRAGMA query_only=ON")
        return conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def keys(engine: Engine, user: str | None = None) -> list[StoredKey]:
    """Every API key (of ``user``), active or revoked, oldest first: never the key itself."""
    query = (
        sa.select(
            api_keys.c.id,
            users.c.name,
            api_keys.c.label,
            api_keys.c.created_at,
            api_keys.c.revoked_at,
        )
        .join(users, users.c.id == api_keys.c.user_id)
        .order_by(api_keys.c.id)
    )
    if user is not None:
        query = query.where(users.c.name == user)
    with engine.connect() as conn:
        return [
            StoredKey(r.id, r.name, r.label, r.created_at, r.revoked_at)
            for r in conn.execute(query)
        ]


def disable_user(conn: Connection, user_id: int) -> bool:
    """Mark the user disabled (their keys and sessions stop working); False if already so."""
    changed = conn.execute(
        users.update()
        .where((users.c.id == user_id) & users.c.disabled_at.is_(None))
        .values(disabled_at=datetime.now(UTC))
    ).rowcount
    return bool(changed)


def count_failed_login(
    conn: Connection, user_id: int, lock_after: int, lock_until: datetime
) -> int:
    """One more wrong password in a row; at ``lock_after`` the user is locked until
    ``lock_until``. Returns the count."""
    conn.execute(
        users.update().where(users.c.id == user_id).values(failed_logins=users.c.failed_logins + 1)
    )
    failures = int(
        conn.execute(sa.select(users.c.failed_logins).where(users.c.id == user_id)).scalar_one()
    )
    if failures >= lock_after:
        conn.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(locked_until=lock_until, failed_logins=0)
        )
    return failures


def clear_failed_logins(conn: Connection, user_id: int) -> None:
    conn.execute(
        users.update().where(users.c.id == user_id).values(failed_logins=0, locked_until=None)
    )


# --- sessions ---------------------------------------------------------------------------------


def insert_session(conn: Connection, user_id: int, token_hash: str, expires_at: datetime) -> int:
    return _inserted_id(
        conn.execute(
            sessions.insert().values(
                user_id=user_id,
                token_hash=token_hash,
                created_at=datetime.now(UTC),
                expires_at=expires_at,
            )
        )
    )


def session_user(engine: Engine, token_hash: str, now: datetime) -> StoredUser | None:
    """The user of the session with this token hash, if it is live: not ended, not expired,
    and its user not disabled."""
    query = (
        sa.select(*_USER_COLUMNS)
        .join(sessions, sessions.c.user_id == users.c.id)
        .where(
            (sessions.c.token_hash == token_hash)
            & sessions.c.ended_at.is_(None)
            & (sessions.c.expires_at > now)
            & users.c.disabled_at.is_(None)
        )
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return _stored_user(row) if row is not None else None


def end_session(conn: Connection, token_hash: str) -> bool:
    changed = conn.execute(
        sessions.update()
        .where((sessions.c.token_hash == token_hash) & sessions.c.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    ).rowcount
    return bool(changed)


def end_sessions_of(conn: Connection, user_id: int) -> int:
    """End every live session of the user; returns how many."""
    return int(
        conn.execute(
            sessions.update()
            .where((sessions.c.user_id == user_id) & sessions.c.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC))
        ).rowcount
    )
