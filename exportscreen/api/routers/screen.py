"""``POST /v1/screen``: one party against every loaded list, explained and audited.

This is the endpoint under load (issue 6), so it avoids what costs more than the screening:
it is a coroutine (no hop to the thread pool and back), it screens on the event loop (screening
is a couple of milliseconds of CPU under the GIL: a thread would only add switching), it waits
for its audit record without holding a thread, and it serialises its answer once, with orjson,
instead of building and validating a pydantic model of every hit. Its route takes a well-formed
request past FastAPI's request handler (``ScreenRoute``); every other one goes through it as
before.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from pydantic import ValidationError

from exportscreen.api.as_of import dating, describe, hit_on_date, lists_on_date
from exportscreen.api.audit_writer import AuditWriterClosed
from exportscreen.api.auth import Viewer, viewer_dependency
from exportscreen.api.convert import hit_document
from exportscreen.api.limits import work_units
from exportscreen.api.schemas import ScreenRequest, ScreenResponse
from exportscreen.api.state import services
from exportscreen.api.trail import write_screening
from exportscreen.casework.evidence import reference
from exportscreen.store.errors import DatabaseUnavailable

router = APIRouter(prefix="/v1", tags=["screening"])


class ScreenRoute(APIRoute):
    """``POST /v1/screen`` with a fast path for a well-formed request (issue 19): FastAPI's
    request handler (the content type parsed with the email package, the dependencies solved
    anew, the body validated through a TypeAdapter) cost about as much as the screening of a
    clean name. A request whose body is JSON (``Content-Type: application/json``) that
    ``ScreenRequest`` accepts is read here the same way (``json.loads`` of the same bytes, the
    same model), its key checked by the same dependency (so 401, 403 and 429 are raised as
    before), and the endpoint called with them. Anything else, a body that does not parse or
    does not validate, another content type, dependency overrides (tests), goes through
    FastAPI's own handler, so every refusal is exactly the one it gives."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        slow = super().get_route_handler()

        async def handler(request: Request) -> Response:
            body = await _well_formed(request)
            if body is None:
                return await slow(request)
            return await screen(body, await viewer_dependency(request), request)

        return handler


async def _well_formed(request: Request) -> ScreenRequest | None:
    """The request's body as FastAPI would validate it, or None where FastAPI must decide."""
    if (
        request.headers.get("content-type") != "application/json"
        or request.app.dependency_overrides
    ):
        return None
    raw = await request.body()  # kept on the request: FastAPI reads it again if needed
    if not raw:
        return None
    try:
        data = json.loads(raw)  # what Starlette's ``Request.json`` does
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        return ScreenRequest.model_validate(data)
    except ValidationError:
        return None


def _audit_unavailable() -> HTTPException:
    # Without its audit record a screening must not be answered; the client may retry.
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "the audit trail could not be written; retry shortly",
        headers={"Retry-After": "1"},
    )


async def screen(body: ScreenRequest, principal: Viewer, request: Request) -> Response:
    """Screen one party: every listed party its name may refer to, best first, each with the
    name or alias that matched and how the score was reached. The query, the list versions, the
    algorithm and the threshold are written to the audit trail before the answer is sent."""
    found = services(request)
    loaded = found.loaded()
    threshold = found.config.threshold if body.threshold is None else body.threshold
    found.work.charge_request(principal.rate_key, work_units(1, threshold), ["body", "threshold"])
    history = None
    screener = loaded.screener
    if body.as_of is not None:
        # Reads the store and may load or build an index: off the event loop.
        history = await run_in_threadpool(lists_on_date, found, loaded, body.as_of)
        screener = history.screener
    started = time.perf_counter()
    try:
        hits = screener.screen(
            body.name,
            country=body.country,
            type=body.type,
            limit=body.limit,
            threshold=threshold,
            lists=body.lists,
            date_of_birth=body.date_of_birth,
            identifiers=body.identifiers,
            nationality=body.nationality,
            address=body.address,
        )
    except ValueError as error:  # a name with no letters, an unknown country
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    found.metrics.screening_timer("screen").observe(time.perf_counter() - started)
    query = body.model_dump(exclude_none=True, exclude_defaults=True, mode="json")
    query["name"] = body.name
    versions = {code.value: n for code, n in screener.version_ids.items()}
    documents = [hit_document(h) for h in hits]
    if history is not None:
        entry_dating = await run_in_threadpool(dating, found)
        for document, hit in zip(documents, hits, strict=True):
            document["on_date"] = hit_on_date(history, hit, entry_dating)
    else:
        for document in documents:
            document["on_date"] = None
    try:
        record = await write_screening(
            found, principal, [query], [hits], loaded, threshold, list_versions=versions
        )
    except (AuditWriterClosed, DatabaseUnavailable):
        raise _audit_unavailable() from None
    answer = {
        "query": query,
        "threshold": threshold,
        "algorithm": screener.algorithm,
        "list_versions": versions,
        "hits": documents,
        "lists_as_of": describe(history) if history is not None else None,
        "audit_seq": record.seq,
        "reference": reference(record.seq),
    }
    return Response(orjson.dumps(answer), media_type="application/json")


# response_model documents the answer in OpenAPI; the handler returns ready JSON bytes, which
# FastAPI sends as they are (the tests check them against ScreenResponse). Added, not decorated:
# ``post`` takes no route class.
router.add_api_route(
    "/screen",
    screen,
    methods=["POST"],
    response_model=ScreenResponse,
    route_class_override=ScreenRoute,
)
