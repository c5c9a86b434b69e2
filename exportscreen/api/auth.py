"""Who may call the API: users with roles, their API keys, UI sessions and CSRF tokens.

Roles are ordered: a viewer searches and screens, an analyst also decides alerts and manages
the counterparty register, an admin also updates lists and reads the audit trail.

API keys are 256-bit random strings shown once; only their SHA-256 is stored (a fast hash is
enough for a secret that cannot be guessed, and it makes the lookup a unique-index probe).
Passwords, which can be guessed, are stored with scrypt and a per-user salt.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from exportscreen.api.state import services
from exportscreen.casework import audit_trail as audit
from exportscreen.store import Store
from exportscreen.store.schema import api_keys, users

KEY_PREFIX = "esk_"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_SALT_BYTES = 16
MIN_PASSWORD_LENGTH = 10
CSRF_FIELD = "csrf_token"
_CSRF_SESSION_KEY = "csrf"


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
class Principal:
    """The caller of one request."""

    user: str
    role: Role
    key_id: int | None = None  # None for a UI session

    @property
    def rate_key(self) -> str:
        """What the rate limit counts against: each key separately, a UI user as a whole."""
        return f"key:{self.key_id}" if self.key_id is not None else f"user:{self.user}"


# --- secrets ------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P
    )
    encoded = [base64.b64encode(part).decode("ascii") for part in (salt, digest)]
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encoded[0]}${encoded[1]}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
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


# --- users and keys (used by the CLI: `exportscreen users add`, `keys create`) --------------------


def _inserted_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None  # an INSERT of one row always has one
    return int(key[0])


def add_user(
    store: Store, name: str, role: Role | str, password: str | None = None, *, actor: str = "cli"
) -> int:
    """Create a user; returns its id. A user without a password can only use API keys.
    ValueError for an existing name, an unknown role or a short password."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("a user name is 1 to 200 characters")
    chosen = role if isinstance(role, Role) else Role.parse(role)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    with audit.writing(store.engine) as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first() is not None:
            raise ValueError(f"user {name!r} already exists")
        user_id = _inserted_id(
            conn.execute(
                users.insert().values(
                    name=name,
                    role=chosen.label,
                    password_hash=hash_password(password) if password is not None else None,
                    created_at=datetime.now(UTC),
                )
            )
        )
        audit.record(conn, actor, "user.add", {"user": name, "role": chosen.label})
    return user_id


def set_password(store: Store, name: str, password: str, *, actor: str = "cli") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    with audit.writing(store.engine) as conn:
        changed = conn.execute(
            users.update().where(users.c.name == name).values(password_hash=hash_password(password))
        ).rowcount
        if not changed:
            raise LookupError(f"no user {name!r}")
        audit.record(conn, actor, "user.password", {"user": name})


def create_key(store: Store, user: str, label: str, *, actor: str = "cli") -> str:
    """A new API key for ``user``. The key is returned once and only its hash is kept: print it
    now, it cannot be shown again. LookupError for an unknown user."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with audit.writing(store.engine) as conn:
        row = conn.execute(sa.select(users.c.id).where(users.c.name == user)).first()
        if row is None:
            raise LookupError(f"no user {user!r}")
        key_id = _inserted_id(
            conn.execute(
                api_keys.insert().values(
                    user_id=row.id,
                    key_hash=hash_key(key),
                    label=label,
                    created_at=datetime.now(UTC),
                )
            )
        )
        audit.record(conn, actor, "key.create", {"user": user, "key_id": key_id, "label": label})
    return key


def revoke_key(store: Store, key_id: int, *, actor: str = "cli") -> None:
    with audit.writing(store.engine) as conn:
        changed = conn.execute(
            api_keys.update()
            .where((api_keys.c.id == key_id) & api_keys.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        ).rowcount
        if not changed:
            raise LookupError(f"no active API key {key_id}")
        audit.record(conn, actor, "key.revoke", {"key_id": key_id})


def authenticate_key(engine: Engine, key: str) -> Principal | None:
    query = (
        sa.select(api_keys.c.id, users.c.name, users.c.role)
        .join(users, users.c.id == api_keys.c.user_id)
        .where((api_keys.c.key_hash == hash_key(key)) & api_keys.c.revoked_at.is_(None))
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return Principal(row.name, Role.parse(row.role), row.id) if row is not None else None


def authenticate_password(engine: Engine, name: str, password: str) -> Principal | None:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(users.c.name, users.c.role, users.c.password_hash).where(users.c.name == name)
        ).first()
    if row is None or row.password_hash is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, row.password_hash):
        return None
    return Principal(row.name, Role.parse(row.role))


def user_principal(engine: Engine, name: str) -> Principal | None:
    """The user as the database has them now (a session outlives role changes otherwise)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(users.c.name, users.c.role).where(users.c.name == name)
        ).first()
    return Principal(row.name, Role.parse(row.role)) if row is not None else None


class KeyAuthenticator:
    """``authenticate_key`` with a short cache: a screening request should not cost a database
    round trip for its key. Failed lookups are not cached, so a new key works at once."""

    def __init__(self, engine: Engine, ttl_seconds: float):
        self._engine = engine
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def cached(self, key: str) -> Principal | None:
        """The principal if the key was authenticated less than the cache's lifetime ago, else
        None (which does not mean the key is invalid: ask ``__call__``)."""
        with self._lock:
            cached = self._cache.get(hash_key(key))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        return None

    def __call__(self, key: str) -> Principal | None:
        found = self.cached(key)
        if found is not None:
            return found
        digest = hash_key(key)
        now = time.monotonic()
        found = authenticate_key(self._engine, key)
        with self._lock:
            if found is None:
                self._cache.pop(digest, None)
            else:
                if len(self._cache) > 10_000:  # bounded: an attacker cannot grow it anyway
                    self._cache.clear()
                self._cache[digest] = (now + self._ttl, found)
        return found

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


# --- request dependencies -------------------------------------------------------------------------


def presented_key(request: Request) -> str | None:
    """The key from ``Authorization: Bearer <key>``, ``X-API-Key``, or ``subscription-key`` (the
    header trade.gov's CSL API takes, so that its clients need only a new base URL)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    for name in ("x-api-key", "subscription-key"):
        key = request.headers.get(name, "").strip()
        if key:
            return key
    return None


def require(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency admitting API callers with at least ``role``: 401 without a valid key, 403
    with a key of a lesser role, 429 once the key's rate is spent."""

    # A coroutine, so that a cached key costs no hop to the thread pool (FastAPI runs plain
    # functions there); only a key that is not cached goes there for its database lookup.
    async def dependency(request: Request) -> Principal:
        found = services(request)
        key = presented_key(request)
        principal = None
        if key:
            principal = found.keys.cached(key) or await run_in_threadpool(found.keys, key)
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "a valid API key is required (Authorization: Bearer <key> or X-API-Key)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if principal.role < role:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this needs the {role.label} role; {principal.user} is a {principal.role.label}",
            )
        found.rate_limiter.charge(principal.rate_key)
        request.state.principal = principal
        return principal

    return dependency


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Analyst = Annotated[Principal, Depends(require(Role.ANALYST))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


# --- CSRF for the UI's forms --------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created with the session. Every form carries it back."""
    token = request.session.get(_CSRF_SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[_CSRF_SESSION_KEY] = token
    return token


def csrf_valid(request: Request, submitted: str | None) -> bool:
    expected = request.session.get(_CSRF_SESSION_KEY)
    return (
        isinstance(expected, str)
        and submitted is not None
        and hmac.compare_digest(expected.encode(), submitted.encode())
    )
