"""Request authentication for the API and the UI: the key a request presents, the role each
endpoint needs, and CSRF tokens for the UI's forms.

Users, roles, passwords and keys are ``ops.accounts``'; who a key or password belongs to is
looked up through ``principal`` (re-exported here for the routers).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from exportscreen.api.principal import (
    KeyAuthenticator,
    Principal,
    authenticate_key,
    authenticate_password,
    user_principal,
)
from exportscreen.api.state import services
from exportscreen.ops.accounts import Role

__all__ = [
    "CSRF_FIELD",
    "Admin",
    "Analyst",
    "KeyAuthenticator",
    "Principal",
    "Role",
    "Viewer",
    "authenticate_key",
    "authenticate_password",
    "csrf_token",
    "csrf_valid",
    "presented_key",
    "require",
    "user_principal",
    "viewer_dependency",
]

CSRF_FIELD = "csrf_token"
_CSRF_SESSION_KEY = "csrf"
# Authorization schemes that carry an API key: Bearer, and yente-client's ApiKey.
_KEY_SCHEMES = frozenset({"bearer", "apikey"})


# --- request dependencies -------------------------------------------------------------------------


def presented_key(request: Request) -> str | None:
    """The key from ``Authorization: Bearer <key>`` or ``Authorization: ApiKey <key>`` (the form
    yente's and OpenSanctions' clients send), ``X-API-Key``, or ``subscription-key``, the header or
    query parameter trade.gov's CSL API takes, so that the clients of both need only a new base
    URL. A key in the URL ends up in proxy logs: clients should prefer a header."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in _KEY_SCHEMES and value.strip():
        return value.strip()
    for name in ("x-api-key", "subscription-key"):
        key = request.headers.get(name, "").strip()
        if key:
            return key
    in_url = request.query_params.get("subscription-key", "").strip()
    return in_url or None


def require(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency admitting API callers with at least ``role``: 401 without a valid key, 403
    with a key of a lesser role, 429 once the key's rate is spent."""

    # A coroutine, so that a key the load shedder already looked up costs no hop to the thread
    # pool (FastAPI runs plain functions there); another is looked up by ``ask``.
    async def dependency(request: Request) -> Principal:
        found = services(request)
        key = presented_key(request)
        principal = None
        if key:
            asked, principal = KeyAuthenticator.remembered(request.scope, key)
            if not asked:
                principal = await found.keys.ask(key)
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "a valid API key is required "
                "(Authorization: Bearer <key> or ApiKey <key>, or X-API-Key)",
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


# The viewer's dependency itself, for ``routers.screen``'s fast path, which asks it as FastAPI
# would.
viewer_dependency = require(Role.VIEWER)
Viewer = Annotated[Principal, Depends(viewer_dependency)]
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
