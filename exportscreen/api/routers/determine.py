"""``POST /v1/determine``: the licence determination for a transaction (``determination``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, status

from exportscreen.api.as_of import describe
from exportscreen.api.auth import Viewer
from exportscreen.api.config import MAX_NAME_LENGTH
from exportscreen.api.state import Services, services
from exportscreen.api.trail import record_determination
from exportscreen.casework.evidence import reference
from exportscreen.decisions.transaction import Transaction

router = APIRouter(prefix="/v1", tags=["determination"])

MAX_PARTIES = 20
MAX_ITEMS = 200

_EXAMPLE_REQUEST = {
    "id": "PO-4711",
    "date": "2025-04-01",
    "destination_country": "TW",
    "items": [{"eccn": "5A992.c", "description": "Rack servers"}],
    "parties": [{"role": "ultimate_consignee", "name": "Inspur Taiwan", "country": "TW"}],
}
_EXAMPLE_RESPONSE = {
    "outcome": "HOLD",
    "if_confirmed": "LICENSE_REQUIRED",
    "grounds": [{"kind": "listing", "outcome": "HOLD", "citation": "15 CFR 744.11, 744.16"}],
    "warnings": [{"code": "stale_list", "list": "SDN", "age_days": 1688}],
    "threshold": 0.8,
    "parties": [
        {
            "party": {"role": "ultimate_consignee", "name": "Inspur Taiwan", "country": "TW"},
            "outcome": "HOLD",
            "listings": [{"status": "potential", "list": "EL", "entry_id": "EL-37079698bd50"}],
        }
    ],
    "notice": "This determination supports, and does not replace, a compliance decision...",
    "audit_seq": 43,
    "reference": "ES-000043-66",
}


@router.post(
    "/determine",
    responses={200: {"content": {"application/json": {"example": _EXAMPLE_RESPONSE}}}},
)
def determine_transaction(
    body: Annotated[Transaction, Body(examples=[_EXAMPLE_REQUEST])],
    principal: Viewer,
    found: Annotated[Services, Depends(services)],
) -> dict[str, Any]:
    """Judge a transaction (parties, items, destination, date) against the lists as they stood
    on its ``date``: per party and overall PROHIBITED > LICENSE_REQUIRED > HOLD >
    NO_LIST_RESTRICTION, with the listings, their licence requirements and review policies, and
    analysts' decisions on earlier alerts taken into account. For a past date each list is
    screened in the newest version published on or before it (a party a later version dates
    before it counts too); ``versions_used`` names them, ``lists_as_of`` says so in words, and
    each listing's ``removed_since`` says whether the current version still lists the party. A
    date after the lists' data dates (a planned shipment) is screened on the current lists.
    Written to the audit trail."""
    if len(body.parties) > MAX_PARTIES or len(body.items) > MAX_ITEMS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"at most {MAX_PARTIES} parties and {MAX_ITEMS} items per transaction",
        )
    if any(len(p.name) > MAX_NAME_LENGTH or len(p.address) > 500 for p in body.parties):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"party names are at most {MAX_NAME_LENGTH} characters, addresses 500",
        )
    result, record, history = record_determination(found, principal, body)
    plain = result.to_dict()
    plain["lists_as_of"] = describe(history)
    plain["audit_seq"] = record.seq
    plain["reference"] = reference(record.seq)
    return plain
