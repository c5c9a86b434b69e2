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

Web UI sessions live in the store (``sessions``): the cookie carries a random token whose hash
is looked up on each request, so logging out, a new password and disabling the user end them at
once. Failed logins are audited; ``LOCK_AFTER`` wrong passwords in a row lock the user out for
``LOCK_SECONDS`` (audited too), whatever address the guesses come from.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from exportscreen.store import Store, audit_log
from exportscreen.store import users as stored
from exportscreen.store.engine import Engine
from exportscreen.store.users import StoredKey, StoredUser

KEY_PREFIX = "esk_"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_SALT_BYTES = 16
MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 200
# Wrong passwords in a row before a user is locked out, and for how long (NIST SP 800-63B 5.2.2
# allows at most 100 failed attempts; five then fifteen minutes is the usual desk policy).
LOCK_AFTER = 5
LOCK_SECONDS = 15 * 60
SESSION_PREFIX = "ess_"


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
    """A new password; the user's sessions end (whoever knew the old one is signed out) and a
    lockout is lifted. LookupError for an unknown user."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    with audit_log.writing(store.engine) as conn:
        holder = stored.find_user_in(conn, name)
        if holder is None or not stored.update_password_hash(conn, name, hash_password(password)):
            raise LookupError(f"no user {name!r}")
        ended = stored.end_sessions_of(conn, holder.id)
        stored.clear_failed_logins(conn, holder.id)
        audit_log.record(conn, actor, "user.password", {"user": name, "sessions_ended": ended})


def disable_user(store: Store, name: str, *, actor: str = "cli") -> None:
    """Disable a user: their API keys and sessions stop working at once (the row stays, as the
    audit trail names it). LookupError for an unknown user, ValueError if already disabled."""
    with audit_log.writing(store.engine) as conn:
        holder = stored.find_user_in(conn, name)
        if holder is None:
            raise LookupError(f"no user {name!r}")
        if not stored.disable_user(conn, holder.id):
            raise ValueError(f"user {name!r} is already disabled")
        ended = stored.end_sessions_of(conn, holder.id)
        audit_log.record(conn, actor, "user.disable", {"user": name, "sessions_ended": ended})


def users(engine: Engine) -> list[StoredUser]:
    return stored.all_users(engine)


def keys(engine: Engine, user: str | None = None) -> list[StoredKey]:
    """Every API key (of ``user``), with its id, label and whether it is revoked."""
    return stored.keys(engine, user)


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
    """Revoke an API key: every server on this store refuses it from its next request. LookupError
    when there is no such active key."""
    with audit_log.writing(store.engine) as conn:
        if not stored.revoke_key(conn, key_id):
            raise LookupError(f"no active API key {key_id}")
        audit_log.record(conn, actor, "key.revoke", {"key_id": key_id})


# --- authentication ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Login:
    """A successful login: the account and the token its session cookie carries."""

    account: Account
    token: str


def login(
    engine: Engine, name: str, password: str, *, address: str, lifetime: timedelta
) -> Login | None:
    """Check a password and start a session, or None, in the same time either way. Every
    failure is audited with the address it came from; ``LOCK_AFTER`` failures in a row lock the
    user out for ``LOCK_SECONDS`` (a locked or disabled user's right password fails too)."""
    now = datetime.now(UTC)
    user = stored.find_user(engine, name)
    if user is None or user.password_hash is None:
        verify_password(password, _DUMMY_HASH)
        _failed(engine, name[:MAX_NAME_LENGTH], address, "unknown user", None)
        return None
    right = verify_password(password, user.password_hash)
    if user.disabled_at is not None:
        _failed(engine, name, address, "user disabled", None)
        return None
    if user.locked_until is not None and user.locked_until > now:
        _failed(engine, name, address, "locked out", None)
        return None
    if not right:
        _failed(engine, name, address, "wrong password", user)
        return None
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    with audit_log.writing(engine) as conn:
        stored.clear_failed_logins(conn, user.id)
        session_id = stored.insert_session(conn, user.id, hash_key(token), now + lifetime)
        audit_log.record(
            conn, name, "user.login", {"user": name, "address": address, "session": session_id}
        )
    return Login(Account(user.name, Role.parse(user.role)), token)


def _failed(engine: Engine, name: str, address: str, reason: str, user: StoredUser | None) -> None:
    with audit_log.writing(engine) as conn:
        payload: dict[str, object] = {"user": name, "address": address, "reason": reason}
        if user is not None:
            until = datetime.now(UTC) + timedelta(seconds=LOCK_SECONDS)
            failures = stored.count_failed_login(conn, user.id, LOCK_AFTER, until)
            payload["failures_in_a_row"] = failures
            if failures >= LOCK_AFTER:
                payload["locked_until"] = until.isoformat()
        audit_log.record(conn, "anonymous", "user.login_failed", payload)


def session_account(engine: Engine, token: str) -> Account | None:
    """The account of a live session (not ended, not expired, user not disabled), or None."""
    user = stored.session_user(engine, hash_key(token), datetime.now(UTC))
    return Account(user.name, Role.parse(user.role)) if user is not None else None


def logout(engine: Engine, token: str, *, actor: str) -> None:
    """End the session with this token (audited); nothing if it had ended."""
    with audit_log.writing(engine) as conn:
        if stored.end_session(conn, hash_key(token)):
            audit_log.record(conn, actor, "user.logout", {"user": actor})


def authenticate_key(engine: Engine, key: str) -> Account | None:
    """The account of an active API key, or None."""
    holder = stored.key_holder(engine, hash_key(key))
    return Account(holder.name, Role.parse(holder.role), holder.key_id) if holder else None


class KeyLookup:
    """``authenticate_key`` for a server asking on every request: the same answer, from the
    store at the moment of asking (a revoked key or a disabled user is refused at once), through
    a probe kept open for it (``store.users.KeyProbe``)."""

    def __init__(self, engine: Engine):
        self._probe = stored.KeyProbe(engine)

    @property
    def local(self) -> bool:
        """Whether a lookup is a local file read that an event loop may run itself."""
        return self._probe.local

    def __call__(self, key: str) -> Account | None:
        holder = self._probe(hash_key(key))
        return Account(holder.name, Role.parse(holder.role), holder.key_id) if holder else None

    def close(self) -> None:
        self._probe.close()


def authenticate_password(engine: Engine, name: str, password: str) -> Account | None:
    """The account if ``password`` is the user's, or None (in the same time either way)."""
    user = stored.find_user(engine, name)
    if user is None or user.password_hash is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, user.password_hash) or user.disabled_at is not None:
        return None
    return Account(user.name, Role.parse(user.role))


def account(engine: Engine, name: str) -> Account | None:
    """The user as the database has them now (None if unknown or disabled)."""
    user = stored.find_user(engine, name)
    if user is None or user.disabled_at is not None:
        return None
    return Account(user.name, Role.parse(user.role))
