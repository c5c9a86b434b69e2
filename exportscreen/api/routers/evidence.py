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
    responses={
        200: {
            "content": {"application/pdf": {"example": "%PDF-1.3 ..."}},
            "description": "The evidence PDF, the audit record attached as JSON.",
        }
    },
)
def evidence_pdf(
    reference: str, principal: Viewer, found: Annotated[Services, Depends(services)]
) -> Response:
    """The evidence as a PDF an auditor can file (the audit record attached as JSON)."""
    return pdf_response(evidence_for(found, principal, reference))


EXAMPLE = {
    "reference": "ES-000042-69",
    "kind": "screening",
    "seq": 42,
    "created_at": "2026-12-06T20:45:41.123456+00:00",
    "user": "viewer",
    "interface": "api",
    "action": "screening.screen",
    "list_versions": [
        {
            "list": "EL",
            "list_name": "Entity List (BIS)",
            "version_id": 12,
            "as_of": "2026-07-09",
            "file": "bis_entity_list.json.gz",
            "sha256": "1ed2e1b1a5899e78c6c459c6799625e0a3dc42743b6c105151c97a04b83ff612",
        }
    ],
    "screenings": [
        {
            "query": {"name": "Inspur Taiwan"},
            "hit_count": 1,
            "hits": [
                {
                    "entry": "EL-37079698bd50",
                    "score": 1.0,
                    "matched_name": "Inspur Taiwan",
                    "entry_name": "Inspur Taiwan",
                    "list": "EL",
                    "outcome_if_true_match": "LICENSE_REQUIRED",
                    "effect": "Entity List: a licence is required for the items in the entry's "
                    "License Requirement column...",
                    "regulation": "15 CFR 744.11, 744.16 and Supp. No. 4 to Part 744",
                    "licence_requirement": "For all items subject to the EAR.",
                }
            ],
        }
    ],
    "payload": {"interface": "api", "algorithm": "exportscreen-match/2", "threshold": 0.77},
    "hash": "5fb093991f54040db9357e6859fd50f233184ba7d1633d8c9fe45ca9b1ef7208",
    "prev_hash": "1c7be6e06298989271517b9bdb7f15fc87016e7105638c2818d7dda909d7e282",
    "hash_checks": True,
}


@router.get(
    "/evidence/{reference}",
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}},
)
def evidence_json(
    reference: str, principal: Viewer, found: Annotated[Services, Depends(services)]
) -> dict[str, Any]:
    """The evidence as JSON: reference, user, time, list versions with their data dates, each
    query with its hits and what a true match on each hit's list means, the record's hash."""
    return evidence_for(found, principal, reference).to_dict()
