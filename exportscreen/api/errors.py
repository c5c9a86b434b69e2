"""One error shape for every refusal the API gives, declared in the OpenAPI of every route.

Every 4xx and 503 body is ``{"detail": "<what went wrong, in one sentence>", "errors": [...]}``:
``detail`` is always a string (what FastAPI's own ``HTTPException`` gives, and what clients of
yente and of the CSL API read), ``errors`` lists the fields at fault, each with its ``loc`` (the
path to the field, ``["body", "name"]``), ``msg`` and ``type``; it is empty when no one field is
at fault (a missing key, a full server).

Request validation errors never echo the rejected input: a lone surrogate or a NaN in it cannot
be written back as JSON, and an echo of a 200 KB body helps no one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

Loc = Sequence[str | int]


class FieldError(BaseModel):
    loc: list[str | int] = Field(description='Where: ["body", "name"], ["query", "size"]...')
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """The body of every 4xx and 503 answer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": "body.name: name '%' has no letters or digits to screen",
                    "errors": [
                        {
                            "loc": ["body", "name"],
                            "msg": "name '%' has no letters or digits to screen",
                            "type": "value_error",
                        }
                    ],
                },
                {"detail": "a valid API key is required", "errors": []},
            ]
        }
    )
    detail: str
    errors: list[FieldError] = Field(default_factory=list)


# Declared on every route (``include_router(responses=...)``): any 4xx may carry this shape, and
# 503 is what a full server, an unloaded index or an unwritable audit trail answers.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorResponse, "description": "Refused: the request, the key or its rate."},
    503: {"model": ErrorResponse, "description": "Busy or not ready; retry after Retry-After."},
}


class InputError(HTTPException):
    """A request refused because of one field: 422 (or ``status_code``) naming it."""

    def __init__(self, loc: Loc, message: str, *, status_code: int = 422):
        super().__init__(status_code, message)
        self.loc = list(loc)


def _safe(text: str) -> str:
    """``text`` with any lone surrogate written as an escape: such text cannot be encoded."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _where(loc: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in loc)


def error_body(detail: str, errors: Iterable[Mapping[str, Any]] = ()) -> bytes:
    """The JSON of an error answer (also for the plain ASGI middlewares, which refuse before
    FastAPI is reached)."""
    return json.dumps({"detail": detail, "errors": list(errors)}, ensure_ascii=False).encode()


def _respond(status: int, detail: str, errors: list[dict[str, Any]], headers: Any) -> Response:
    return Response(
        error_body(detail, errors),
        status_code=status,
        media_type="application/json",
        headers=dict(headers) if headers else None,
    )


def http_error(error: StarletteHTTPException) -> Response:
    detail = _safe(error.detail if isinstance(error.detail, str) else json.dumps(error.detail))
    errors: list[dict[str, Any]] = []
    if isinstance(error, InputError):
        errors.append({"loc": error.loc, "msg": detail, "type": "value_error"})
        detail = f"{_where(error.loc)}: {detail}"
    return _respond(error.status_code, detail, errors, error.headers)


def validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = [
        {
            "loc": [p if isinstance(p, int) else _safe(str(p)) for p in issue["loc"]],
            "msg": _safe(str(issue["msg"])),
            "type": str(issue["type"]),
        }
        for issue in error.errors()
    ]
    detail = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in errors[:5])
    if len(errors) > 5:
        detail += f"; and {len(errors) - 5} more"
    return _respond(422, detail or "invalid request", errors, None)


# PostgreSQL's disk_full; SQLite and the OS say it in words.
_PG_DISK_FULL = "53100"


def store_failure_response(error: Exception) -> JSONResponse:
    """503 for a database that failed (out of disk, unreachable, locked past the timeout): the
    request's writes were rolled back, and a retry may work once it is fixed. The database's own
    words go to the server log only (they name files and queries)."""
    orig = getattr(error, "orig", None)
    words = str(orig or error)
    if (
        getattr(orig, "sqlstate", None) == _PG_DISK_FULL
        or "disk is full" in words
        or "No space left" in words
    ):
        detail = "the store's disk is full: nothing of this request was written"
    else:
        detail = "the store cannot be reached or is busy: nothing of this request was written"
    return JSONResponse(
        {"detail": detail, "errors": []}, status_code=503, headers={"Retry-After": "30"}
    )


def internal_error_response() -> JSONResponse:
    return JSONResponse({"detail": "internal server error", "errors": []}, status_code=500)


__all__ = [
    "ERROR_RESPONSES",
    "ErrorResponse",
    "FieldError",
    "InputError",
    "error_body",
    "http_error",
    "internal_error_response",
    "store_failure_response",
    "validation_error",
]
