"""``GET /v1/audit``: the audit trail for a period, optionally with the chain verified."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from exportscreen.api.auth import Admin
from exportscreen.api.schemas import AuditRecordOut, AuditResponse
from exportscreen.api.state import Services, services
from exportscreen.casework import audit_trail as audit

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get("/audit", response_model=AuditResponse)
def audit_trail(
    _: Admin,
    found: Annotated[Services, Depends(services)],
    start: Annotated[date | None, Query(description="First day (UTC), inclusive.")] = None,
    end: Annotated[date | None, Query(description="Last day (UTC), inclusive.")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    verify: Annotated[
        bool,
        Query(
            description="Also re-check the whole hash chain, its signed checkpoints and the "
            "decisions it covers."
        ),
    ] = False,
) -> AuditResponse:
    """Audit records (screenings, determinations, decisions, imports) of a period, oldest first,
    at most ``limit`` of them, each with its hash and its predecessor's (admin role)."""
    records = audit.records(found.store.engine, start, end)[:limit]
    checked = audit.verify(found.store.engine) if verify else None
    return AuditResponse(
        verified=(
            {
                "ok": checked.ok,
                "records": checked.records,
                "first_bad_seq": checked.first_bad_seq,
                "problem": checked.problem,
                # What holds but is not protected, or could not be checked; and the latest
                # record a signed checkpoint vouches for.
                "notes": list(checked.notes),
                "sealed_through": checked.sealed_through,
            }
            if checked is not None
            else None
        ),
        records=[
            AuditRecordOut(
                seq=r.seq,
                created_at=r.created_at,
                actor=r.actor,
                action=r.action,
                payload=dict(r.payload),
                prev_hash=r.prev_hash,
                hash=r.hash,
            )
            for r in records
        ],
    )
