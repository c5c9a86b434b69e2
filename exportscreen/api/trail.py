"""Audit records for the API's screenings: who asked what, against which list versions, with
which algorithm and threshold, and what was found. A screening is answered only after its record
is committed, so no answer exists that the trail does not show. The records are built by
``casework.audit_trail`` (the same as every other interface's) and go through the process's
``AuditWriter``, which commits them in small batches (see ``audit_writer``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from exportscreen.api.as_of import dating, lists_on_date
from exportscreen.api.auth import Principal
from exportscreen.api.state import LoadedLists, Services
from exportscreen.casework import audit_trail as audit
from exportscreen.casework.audit_trail import (
    AUDITED_HITS,
    SCREEN,
    AuditEvent,
    AuditRecord,
    Caller,
    Interface,
    screening_event,
)
from exportscreen.casework.register import Register
from exportscreen.decisions.determination import Determination, determine
from exportscreen.decisions.freshness import ListVersionUsed
from exportscreen.decisions.ownership import OwnershipGraph
from exportscreen.decisions.transaction import Transaction
from exportscreen.model import Hit
from exportscreen.screening.history import ListsOnDate

__all__ = [
    "AUDITED_HITS",
    "REFERENCE_HEADER",
    "caller",
    "record_determination",
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
    list_versions: Mapping[str, int] | None = None,
) -> AuditEvent:
    return screening_event(
        caller(principal, interface),
        queries,
        results,
        algorithm=loaded.screener.algorithm,
        list_versions=loaded.version_ids if list_versions is None else list_versions,
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
    list_versions: Mapping[str, int] | None = None,
) -> int:
    """Append the record and wait for its commit (for endpoints on worker threads); returns
    its seq. ``list_versions``: the versions screened when not the current ones (a past
    date's)."""
    event = _event(principal, interface, action, queries, results, loaded, threshold, list_versions)
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
    list_versions: Mapping[str, int] | None = None,
) -> AuditRecord:
    """``record_screening`` for endpoints on the event loop."""
    event = _event(
        principal, Interface.API, action, queries, results, loaded, threshold, list_versions
    )
    return await services.audit.write(event.actor, event.action, event.payload)


def record_determination(
    services: Services,
    principal: Principal,
    transaction: Transaction,
    interface: Interface = Interface.API,
    ownership: OwnershipGraph | None = None,
    ownership_file: str | None = None,
) -> tuple[Determination, AuditRecord, ListsOnDate]:
    """Judge ``transaction`` against the lists as they stood on its date (the current ones for a
    date on or after their data dates; ``api.as_of``), with the analysts' decisions bound to
    their parties and the citations dated by their Federal Register documents, as the CLI's
    ``determine`` does, and commit its audit record before answering: the API's
    ``POST /v1/determine`` and the UI's determination page share it. Returns the lists used
    too, so the answer can say which versions those were. ``ownership``: the stakes the 50%
    rule is applied with (the UI's upload, as the CLI's ``--ownership``), named in the record
    by ``ownership_file``."""
    loaded = services.loaded()
    history = lists_on_date(services, loaded, transaction.date)
    result = determine(
        transaction,
        history.screener,
        history=history,
        threshold=services.config.threshold,
        decisions=Register(services.store, actor=principal.user).bound_decisions(),
        list_versions=[
            ListVersionUsed(s.list, s.version_id, s.as_of) for s in loaded.lists.values()
        ],
        dating=dating(services),
        ownership=ownership,
    )
    event = audit.determination_event(
        caller(principal, interface),
        transaction,
        result,
        algorithm=history.screener.algorithm,
        # The versions screened: those in force on the transaction's date.
        list_versions={code.value: n for code, n in history.screener.version_ids.items()},
        ownership=(
            None if ownership is None else {"file": ownership_file, "stakes": len(ownership.stakes)}
        ),
    )
    return result, audit.write(audit.StoreSink(services.store.engine), event), history
