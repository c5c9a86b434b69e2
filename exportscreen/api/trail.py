"""Audit records for the API's screenings: who asked what, against which list versions, with
which algorithm and threshold, and what was found. A screening is answered only after its record
is committed, so no answer exists that the trail does not show. The records are built by
``casework.audit_trail`` (the same as every other interface's) and go through the process's
``AuditWriter``, which commits them in small batches (see ``audit_writer``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from exportscreen.api.auth import Principal
from exportscreen.api.state import LoadedLists, Services
from exportscreen.casework.audit_trail import (
    AUDITED_HITS,
    SCREEN,
    AuditEvent,
    AuditRecord,
    Caller,
    Interface,
    screening_event,
)
from exportscreen.model import Hit

__all__ = [
    "AUDITED_HITS",
    "REFERENCE_HEADER",
    "caller",
    "record_screening",
    "write_screening",
]

# Where responses whose body has a fixed shape (yente's, the CSL API's) name the screening's
# reference (``casework.evidence``); the native API puts it in the body as ``reference``.
REFERENCE_HEADER = "X-Screening-Reference"


def caller(principal: Principal, interface: Interface = Interface.API) -> Caller:
    """The trail's view of a request's principal."""
    return Caller(principal.user, interface, role=principal.role.label, key_id=principal.key_id)


def _event(
    principal: Principal,
    interface: Interface,
    action: str,
    queries: Sequence[Mapping[str, Any]],
    results: Sequence[Sequence[Hit | Mapping[str, Any]]],
    loaded: LoadedLists,
    threshold: float | None,
) -> AuditEvent:
    return screening_event(
        caller(principal, interface),
        queries,
        results,
        algorithm=loaded.screener.algorithm,
        list_versions=loaded.version_ids,
        threshold=threshold,
        action=action,
    )


def record_screening(
    services: Services,
    principal: Principal,
    queries: Sequence[Mapping[str, Any]],
    results: Sequence[Sequence[Hit | Mapping[str, Any]]],
    loaded: LoadedLists,
    threshold: float | None,
    *,
    action: str = SCREEN,
    interface: Interface = Interface.API,
) -> int:
    """Append the record and wait for its commit (for endpoints on worker threads); returns
    its seq."""
    event = _event(principal, interface, action, queries, results, loaded, threshold)
    return services.audit.append(event.actor, event.action, event.payload).seq


async def write_screening(
    services: Services,
    principal: Principal,
    queries: Sequence[Mapping[str, Any]],
    results: Sequence[Sequence[Hit | Mapping[str, Any]]],
    loaded: LoadedLists,
    threshold: float | None,
    *,
    action: str = SCREEN,
) -> AuditRecord:
    """``record_screening`` for endpoints on the event loop."""
    event = _event(principal, Interface.API, action, queries, results, loaded, threshold)
    return await services.audit.write(event.actor, event.action, event.payload)
