"""``GET /v1/evidence/{reference}``: the evidence of a screening or determination, as JSON or PDF.

The same evidence as the UI's page (``web.evidence``): who, when, what was screened, the list
versions with their data dates, and what was found. Viewers see their own; analysts and admins
everyone's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from exportscreen.api.auth import Viewer
from exportscreen.api.state import Services, services
from exportscreen.web.evidence import evidence_for, pdf_response

router = APIRouter(prefix="/v1", tags=["evidence"])


@router.get(
    "/evidence/{reference}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The evidence PDF."}},
)
def evidence_pdf(
    reference: str, principal: Viewer, found: Annotated[Services, Depends(services)]
) -> Response:
    """The evidence as a PDF an auditor can file (the audit record attached as JSON)."""
    return pdf_response(evidence_for(found, principal, reference))


@router.get("/evidence/{reference}")
def evidence_json(
    reference: str, principal: Viewer, found: Annotated[Services, Depends(services)]
) -> dict[str, Any]:
    """The evidence as JSON: reference, user, time, list versions with their data dates, each
    query with its hits and what a true match on each hit's list means, the record's hash."""
    return evidence_for(found, principal, reference).to_dict()
