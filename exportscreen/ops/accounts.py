"""Accounts: users with roles, their passwords and their API keys.

A service of its own, not the API's: the CLI creates users and keys (``users add``, ``keys
create``) without the web stack, and the API and the UI only authenticate against what is here.
It lives in ``ops`` with the other administration of a running installation (loading, updates,
backups); case work is what analysts do with alerts, not who may sign in.

Roles are ordered: a viewer searches and screens, an analyst also decides alerts and manages
the counterparty register, an admin also updates lists and reads the audit trail.

API keys are 256-bit random strings shown once; only their SHA-256 is stored (a fast hash is
enough for a secret that cannot be guessed, and it makes the lookup a unique-index probe).
Passwords, which can be guessed, are stored with scrypt and a per-user salt. Every change is
written to the audit trail in the transaction that makes it.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from exportscreen.store import Store, audit_log
from exportscreen.store import users as stored
from exportscreen.store.engine import Engine

KEY_PREFIX = "esk_"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_SALT_BYTES = 16
MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 200


class Role(enum.IntEnum):
    VIEWER = 1
    ANALYST = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(r.label for r in cls)
            raise ValueError(f"unknown role {text!r}; one of {choices}") from None


@dataclass(frozen=True, slots=True)
class Account:
    """An authenticated user: by API key (``key_id``) or by password (``key_id`` None)."""

    user: str
    role: Role
    key_id: int | None = None


# --- secrets ------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P
    )
    encoded = [base64.b64encode(part).decode("ascii") for part in (salt, digest)]
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encoded[0]}${encoded[1]}"


def verify_password(password: str, stored_hash: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored_hash.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(
        password.encode("utf-8"),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(expected),
    )
    return hmac.compare_digest(actual, expected)


# Compared against when the user does not exist, so that a wrong name takes as long as a
# wrong password and does not reveal which user names exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# --- users and keys (the CLI's `users add`, `keys create`) ----------------------------------------


def add_user(
    store: Store, name: str, role: Role | str, password: str | None = None, *, actor: str = "cli"
) -> int:
    """Create a user; returns its id. A user without a password can only use API keys.
    ValueError for an existing name, an unknown role or a short password."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"a user name is 1 to {MAX_NAME_LENGTH} characters")
    chosen = role if isinstance(role, Role) else Role.parse(role)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    with audit_log.writing(store.engine) as conn:
        if stored.find_user_in(conn, name) is not None:
            raise ValueError(f"user {name!r} already exists")
        password_hash = hash_password(password) if password is not None else None
        user_id = stored.insert_user(conn, name, chosen.label, password_hash)
        audit_log.record(conn, actor, "user.add", {"user": name, "role": chosen.label})
    return user_id


def set_password(store: Store, name: str, password: str, *, actor: str = "cli") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    with audit_log.writing(store.engine) as conn:
        if not stored.update_password_hash(conn, name, hash_password(password)):
            raise LookupError(f"no user {name!r}")
        audit_log.record(conn, actor, "user.password", {"user": name})


def create_key(store: Store, user: str, label: str, *, actor: str = "cli") -> str:
    """A new API key for ``user``. The key is returned once and only its hash is kept: print it
    now, it cannot be shown again. LookupError for an unknown user."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with audit_log.writing(store.engine) as conn:
        holder = stored.find_user_in(conn, user)
        if holder is None:
            raise LookupError(f"no user {user!r}")
        key_id = stored.insert_key(conn, holder.id, hash_key(key), label)
        audit_log.record(
            conn, actor, "key.create", {"user": user, "key_id": key_id, "label": label}
        )
    return key


def revoke_key(store: Store, key_id: int, *, actor: str = "cli") -> None:
    with audit_log.writing(store.engine) as conn:
        if not stored.revoke_key(conn, key_id):
            raise LookupError(f"no active API key {key_id}")
        audit_log.record(conn, actor, "key.revoke", {"key_id": key_id})


# --- authentication ---------------------------------------------------------------------------


def authenticate_key(engine: Engine, key: str) -> Account | None:
    """The account of an active API key, or None."""
    holder = stored.key_holder(engine, hash_key(key))
    return Account(holder.name, Role.parse(holder.role), holder.key_id) if holder else None


def authenticate_password(engine: Engine, name: str, password: str) -> Account | None:
    """The account if ``password`` is the user's, or None (in the same time either way)."""
    user = stored.find_user(engine, name)
    if user is None or user.password_hash is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, user.password_hash):
        return None
    return Account(user.name, Role.parse(user.role))


def account(engine: Engine, name: str) -> Account | None:
    """The user as the database has them now (a session outlives role changes otherwise)."""
    user = stored.find_user(engine, name)
    return Account(user.name, Role.parse(user.role)) if user is not None else None
