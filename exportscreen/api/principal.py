"""Who is calling: the principal of a request, looked up (and cached) from its credentials.

Kept apart from ``auth`` (the request dependencies) so that ``state``, which holds the key cache,
does not import the module that imports ``state``. Accounts themselves are ``ops.accounts``'.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from exportscreen.ops import accounts
from exportscreen.ops.accounts import Role
from exportscreen.store.engine import Engine


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


def _principal(account: accounts.Account | None) -> Principal | None:
    return Principal(account.user, account.role, account.key_id) if account is not None else None


def authenticate_key(engine: Engine, key: str) -> Principal | None:
    return _principal(accounts.authenticate_key(engine, key))


def authenticate_password(engine: Engine, name: str, password: str) -> Principal | None:
    return _principal(accounts.authenticate_password(engine, name, password))


def login(
    engine: Engine, name: str, password: str, *, address: str, lifetime_seconds: int
) -> tuple[Principal, str] | None:
    """The principal and its new session token, or None (failures are audited and counted
    towards a lockout by ``ops.accounts.login``)."""
    started = accounts.login(
        engine, name, password, address=address, lifetime=timedelta(seconds=lifetime_seconds)
    )
    if started is None:
        return None
    account = started.account
    return Principal(account.user, account.role), started.token


def session_principal(engine: Engine, token: str) -> Principal | None:
    """Whose live session this token is (None once it ended, expired or its user is disabled)."""
    return _principal(accounts.session_account(engine, token))


def logout(engine: Engine, token: str, user: str) -> None:
    accounts.logout(engine, token, actor=user)


def user_principal(engine: Engine, name: str) -> Principal | None:
    """The user as the database has them now (a session outlives role changes otherwise)."""
    return _principal(accounts.account(engine, name))


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
            cached = self._cache.get(accounts.hash_key(key))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        return None

    def __call__(self, key: str) -> Principal | None:
        found = self.cached(key)
        if found is not None:
            return found
        digest = accounts.hash_key(key)
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
