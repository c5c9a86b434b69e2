"""Audit records for the API's screenings: who asked what, against which list versions, with
which algorithm and threshold, and what was found. A screening is answered only after its record
is committed, so no answer exists that the trail does not show. Records go through the process's
``AuditWriter``, which commits them in small batches (see ``audit_writer``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from exportscreen.api.auth import Principal
from exportscreen.api.state import LoadedLists, Services
from exportscreen.casework.audit_trail import AuditRecord
from exportscreen.model import Hit

# Enough to reconstruct what the caller was shown without storing whole result pages.
AUDITED_HITS = 25


def summarise(hits: Sequence[Hit]) -> list[dict[str, Any]]:
    return [
        {"entry": h.entry.id, "score": h.score, "matched_name": h.matched_name}
        for h in hits[:AUDITED_HITS]
    ]


def _summary(item: Hit | Mapping[str, Any]) -> Mapping[str, Any]:
    return summarise([item])[0] if isinstance(item, Hit) else item


def screening_payload(
    principal: Principal,
    queries: Sequence[Mapping[str, Any]],
    results: Sequence[Sequence[Hit | Mapping[str, Any]]],
    loaded: LoadedLists,
    threshold: float | None,
) -> dict[str, Any]:
    """The record of a request's screenings (one per query). ``results`` are hits, or already
    summarised hits (``summarise``) for searches that do not produce Hit objects."""
    return {
        "key_id": principal.key_id,
        "role": principal.role.label,
        "algorithm": loaded.screener.algorithm,
        "threshold": threshold,
        "list_versions": loaded.version_ids,
        "screenings": [
            {
                "query": dict(query),
                "hit_count": len(hits),
                "hits": [_summary(h) for h in hits[:AUDITED_HITS]],
            }
            for query, hits in zip(queries, results, strict=True)
        ],
    }


def record_screening(
    services: Services,
    principal: Principal,
    action: str,
    queries: Sequence[Mapping[str, Any]],
    results: Sequence[Sequence[Hit | Mapping[str, Any]]],
    loaded: LoadedLists,
    threshold: float | None,
) -> int:
    """Append the record and wait for its commit (for endpoints on worker threads); returns
    its seq."""
    payload = screening_payload(principal, queries, results, loaded, threshold)
    return services.audit.append(principal.user, action, payload).seq


async def write_screening(
    services: Services,
    principal: Principal,
    action: str,
    queries: Sequence[Mapping[str, Any]],
    results: Sequence[Sequence[Hit | Mapping[str, Any]]],
    loaded: LoadedLists,
    threshold: float | None,
) -> AuditRecord:
    """``record_screening`` for endpoints on the event loop."""
    payload = screening_payload(principal, queries, results, loaded, threshold)
    return await services.audit.write(principal.user, action, payload)
