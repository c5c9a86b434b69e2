"""The ``users`` and ``api_keys`` tables; this module is their only reader and writer.

Writes take the caller's connection (from ``audit_log.writing``), so that a change and its audit
record commit together; ``ops.accounts`` decides what may change. Only hashes are stored: of
passwords (scrypt) and of API keys (SHA-256), made by the accounts service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen.store.schema import api_keys, users


@dataclass(frozen=True, slots=True)
class StoredUser:
    id: int
    name: str
    role: str
    password_hash: str | None  # None: the user signs in with API keys only


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


def _user(conn: Connection, name: str) -> StoredUser | None:
    row = conn.execute(
        sa.select(users.c.id, users.c.name, users.c.role, users.c.password_hash).where(
            users.c.name == name
        )
    ).first()
    return StoredUser(row.id, row.name, row.role, row.password_hash) if row is not None else None


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


def key_holder(engine: Engine, key_hash: str) -> KeyHolder | None:
    """Who holds the active key with this hash (a unique-index probe)."""
    query = (
        sa.select(api_keys.c.id, users.c.name, users.c.role)
        .join(users, users.c.id == api_keys.c.user_id)
        .where((api_keys.c.key_hash == key_hash) & api_keys.c.revoked_at.is_(None))
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return KeyHolder(row.id, row.name, row.role) if row is not None else None
