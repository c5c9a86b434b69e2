"""``/v1/versions``: list versions staged pending review by a plausibility check, and an admin's
decision on one (``ops.reviews``, audited in the transaction that makes it), as the CLI's
``versions``, ``versions accept`` and ``versions reject`` do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, status

from exportscreen.api.auth import Admin, Viewer
from exportscreen.api.schemas_ops import StagedVersionOut, StagedVersionsResponse, VersionDecisionIn
from exportscreen.api.state import Services, services
from exportscreen.ops import reviews
from exportscreen.store import StoredVersion
from exportscreen.store.version_reviews import NotPending, UnknownVersion

router = APIRouter(prefix="/v1/versions", tags=["lists"])
VersionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A list version id.")]
Decision = Annotated[VersionDecisionIn | None, Body()]


def staged_out(version: StoredVersion) -> StagedVersionOut:
    decision = version.notes.get("review") or {}
    return StagedVersionOut(
        version_id=version.id,
        list=version.list.value,
        file=version.file_name,
        sha256=version.sha256,
        as_of=version.as_of,
        imported_at=version.imported_at,
        entry_count=version.entry_count,
        review=version.review.value,
        reasons=[str(r) for r in version.notes.get("staged", [])],
        decided_by=decision.get("by"),
        decision_reason=decision.get("reason"),
    )


@router.get("/staged", response_model=StagedVersionsResponse)
def staged(_: Viewer, found: Annotated[Services, Depends(services)]) -> StagedVersionsResponse:
    """The versions staged pending review, with why each was held back (a removal of more than
    5% of a list, of an entry with open alerts, or fewer entries than another publisher lists).
    They are written but never in force until an admin accepts them. /readyz shows them too."""
    return StagedVersionsResponse(versions=[staged_out(v) for v in reviews.pending(found.store)])


@router.post(
    "/{version_id}/accept",
    response_model=StagedVersionOut,
    responses={404: {"description": "No such version."}, 409: {"description": "Not pending."}},
)
def accept(
    version_id: VersionId,
    principal: Admin,
    found: Annotated[Services, Depends(services)],
    body: Decision = None,
) -> StagedVersionOut:
    """Accept a staged version (admin role; audited): it is in force from its date, the current
    one if it is the latest. The screening index picks it up at its next check."""
    return _decide(found, version_id, principal.user, body, accept=True)


@router.post(
    "/{version_id}/reject",
    response_model=StagedVersionOut,
    responses={404: {"description": "No such version."}, 409: {"description": "Not pending."}},
)
def reject(
    version_id: VersionId,
    principal: Admin,
    found: Annotated[Services, Depends(services)],
    body: Decision = None,
) -> StagedVersionOut:
    """Reject a staged version (admin role; audited): kept for the record, never in force."""
    return _decide(found, version_id, principal.user, body, accept=False)


def _decide(
    found: Services, version_id: int, user: str, body: VersionDecisionIn | None, *, accept: bool
) -> StagedVersionOut:
    decide = reviews.accept if accept else reviews.reject
    try:
        decided = decide(found.store, version_id, actor=user, reason=body.reason if body else "")
    except UnknownVersion as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except NotPending as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return staged_out(decided)
