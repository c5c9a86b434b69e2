"""Evidence of a screening or determination: a printable page and a PDF, by reference number.

Everyone sees the evidence of their own screenings; analysts and admins, whose work is to review
others', see everyone's. A reference that is mistyped (its check number fails) or names no
screening is a 404 saying which.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from exportscreen.api.auth import Principal, Role
from exportscreen.api.state import Services
from exportscreen.casework.evidence import Evidence, InvalidReference, evidence, parse_reference
from exportscreen.casework.evidence import reference as reference_of
from exportscreen.web.evidence_pdf import render_pdf
from exportscreen.web.pages import Found, User, render

router = APIRouter(prefix="/ui", include_in_schema=False)


def evidence_for(found: Services, principal: Principal, reference: str) -> Evidence:
    """The evidence ``principal`` may see under ``reference``, else the HTTP error saying why."""
    try:
        seen = evidence(found.store, reference)
    except InvalidReference as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    if principal.role < Role.ANALYST and seen.record.actor != principal.user:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"{seen.reference} is another user's {seen.kind}: an analyst or admin can open it",
        )
    return seen


def pdf_response(seen: Evidence) -> Response:
    return Response(
        render_pdf(seen),
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{seen.reference}.pdf"'},
    )


@router.get("/evidence")
def evidence_lookup(
    request: Request,
    principal: User,
    reference: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """A reference typed in: checked, then its evidence page."""
    error = None
    if reference.strip():
        try:
            seq = parse_reference(reference)
        except InvalidReference as problem:
            error = str(problem)
        else:
            return RedirectResponse(
                f"/ui/evidence/{reference_of(seq)}", status_code=status.HTTP_303_SEE_OTHER
            )
    return render(request, "evidence.html", principal, found=None, asked=reference, error=error)


# Declared before the page: "{reference}" alone would also match "ES-...pdf".
@router.get("/evidence/{reference}.pdf")
def evidence_pdf(principal: User, found: Found, reference: str) -> Response:
    return pdf_response(evidence_for(found, principal, reference))


@router.get("/evidence/{reference}")
def evidence_page(request: Request, principal: User, found: Found, reference: str) -> HTMLResponse:
    seen = evidence_for(found, principal, reference)
    return render(request, "evidence.html", principal, found=seen, asked=reference, error=None)
