"""``POST /v1/determine``: the licence determination for a transaction (``determination``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import Field

from exportscreen.api.as_of import describe
from exportscreen.api.auth import Viewer
from exportscreen.api.limits import work_units
from exportscreen.api.schemas import ScreenableName
from exportscreen.api.state import Services, services
from exportscreen.api.trail import record_determination
from exportscreen.casework.evidence import reference
from exportscreen.decisions.transaction import Item, Party, Transaction

router = APIRouter(prefix="/v1", tags=["determination"])

MAX_PARTIES = 20
MAX_ITEMS = 200
MAX_ADDRESS_LENGTH = 500


class PartyRequest(Party):
    """A party as this route takes it: the transaction's rules, and what one request may be."""

    # A name the screener can screen (a letter or digit), or the determination cannot be made.
    name: ScreenableName
    address: str = Field(default="", max_length=MAX_ADDRESS_LENGTH)


class TransactionRequest(Transaction):
    """A transaction as this route takes it: at most ``MAX_PARTIES`` parties and ``MAX_ITEMS``
    items, said in the OpenAPI and refused with 422 naming the field."""

    items: tuple[Item, ...] = Field(min_length=1, max_length=MAX_ITEMS)
    parties: tuple[PartyRequest, ...] = Field(min_length=1, max_length=MAX_PARTIES)


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
    body: Annotated[TransactionRequest, Body(examples=[_EXAMPLE_REQUEST])],
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
    # Each party is screened: the work of that many names, at the server's threshold.
    found.work.charge_request(
        principal.rate_key,
        work_units(len(body.parties), found.config.threshold),
        ["body", "parties"],
    )
    result, record, history = record_determination(found, principal, body)
    plain = result.to_dict()
    plain["lists_as_of"] = describe(history)
    plain["audit_seq"] = record.seq
    plain["reference"] = reference(record.seq)
    return plain
