"""Who is calling: the principal of a request, looked up (and cached) from its credentials.

Kept apart from ``auth`` (the request dependencies) so that ``state``, which holds the key cache,
does not import the module that imports ``state``. Accounts themselves are ``ops.accounts``'.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

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
    """``authenticate_key`` for requests: asked of the store on every request, so that a key
    revoked or a user disabled (by any worker, the CLI or another server on the same store) is
    refused from the next request on. One indexed lookup per request (``remember`` and
    ``remembered`` keep the load shedder's answer for the route's dependency, so that a request
    is not looked up twice), on a connection kept for it (``ops.accounts.KeyLookup``): on SQLite
    a local read of a few microseconds, which ``local`` tells callers on the event loop they may
    run there rather than hop to a thread for. Measured in benchmarks/key_lookup.py."""

    # Where a request's scope keeps the key it presented and who that key belongs to.
    SCOPE_KEY = "exportscreen.key_principal"

    def __init__(self, engine: Engine):
        self._lookup = accounts.KeyLookup(engine)

    @property
    def local(self) -> bool:
        return self._lookup.local

    def __call__(self, key: str) -> Principal | None:
        return _principal(self._lookup(key))

    async def ask(self, key: str) -> Principal | None:
        """The lookup from the event loop: run there when it is local, else in a thread."""
        if self._lookup.local:
            return self(key)
        return await run_in_threadpool(self, key)

    def close(self) -> None:
        self._lookup.close()

    @classmethod
    def remember(cls, scope: MutableMapping[str, Any], key: str, found: Principal | None) -> None:
        scope[cls.SCOPE_KEY] = (key, found)

    @classmethod
    def remembered(cls, scope: Mapping[str, Any], key: str) -> tuple[bool, Principal | None]:
        """Whether this request's key was already looked up, and whose it is."""
        held = scope.get(cls.SCOPE_KEY)
        if held is not None and held[0] == key:
            return True, held[1]
        return False, None
