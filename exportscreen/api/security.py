"""Security headers on every response.

The UI is server-rendered with its own stylesheet and one small script, so the content security
policy allows only this origin. The interactive API docs (Swagger UI, ReDoc) are served from this
origin too (``web.apidocs``), with a policy of their own that allows their inline styles and
ReDoc's search worker, and still no script that is not a file of this origin.
"""

from __future__ import annotations

from exportscreen.api.limits import ASGIApp, Message, Receive, Scope, Send

STRICT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc are served from this origin (``web.apidocs``): scripts from files only;
# their components set inline styles and ReDoc searches in a worker made from a blob.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc"})
_COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)

# Screening results and sessions must not sit in shared caches.
_NO_STORE = ((b"cache-control", b"no-store"),)
_NO_STORE_PREFIXES = ("/ui", "/v1", "/match", "/consolidated")
# The headers each kind of response gets, encoded once (they are added to every response).
_STRICT = (*_COMMON, (b"content-security-policy", STRICT_CSP.encode("ascii")))
_DOCS = (*_COMMON, (b"content-security-policy", DOCS_CSP.encode("ascii")))
_STRICT_NO_STORE = (*_STRICT, *_NO_STORE)
_DOCS_NO_STORE = (*_DOCS, *_NO_STORE)


def added_headers(path: str) -> tuple[tuple[bytes, bytes], ...]:
    """The headers a response to ``path`` gets."""
    no_store = path.startswith(_NO_STORE_PREFIXES)
    if path in DOCS_PATHS:
        return _DOCS_NO_STORE if no_store else _DOCS
    return _STRICT_NO_STORE if no_store else _STRICT


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = added_headers(scope["path"])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *added]
            await send(message)

        await self.app(scope, receive, with_headers)
