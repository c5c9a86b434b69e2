"""``POST /v1/determine``: the licence determination for a transaction (``determination``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import Field

from exportscreen.api.auth import Viewer
from exportscreen.api.limits import work_units
from exportscreen.api.schemas import ScreenableName
from exportscreen.api.state import Services, services
from exportscreen.api.trail import caller
from exportscreen.casework import audit_trail as audit
from exportscreen.casework.register import Register
from exportscreen.decisions.determination import EntryDating, determine
from exportscreen.decisions.freshness import ListVersionUsed
from exportscreen.decisions.policy import EffectiveDates
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
    """Judge a transaction (parties, items, destination, date) against the current lists:
    per party and overall PROHIBITED > LICENSE_REQUIRED > HOLD > NO_LIST_RESTRICTION, with the
    listings, their licence requirements and review policies, and analysts' decisions on
    earlier alerts taken into account. Written to the audit trail."""
    loaded = found.loaded()
    # Each party is screened: the work of that many names, at the server's threshold.
    found.work.charge_request(
        principal.rate_key,
        work_units(len(body.parties), found.config.threshold),
        ["body", "parties"],
    )
    result = determine(
        body,
        loaded.screener,
        threshold=found.config.threshold,
        decisions=Register(found.store, actor=principal.user).bound_decisions(),
        list_versions=[
            ListVersionUsed(s.list, s.version_id, s.as_of) for s in loaded.lists.values()
        ],
        # Citations dated by their Federal Register documents, as the CLI's determine does.
        dating=EntryDating(effective_dates=EffectiveDates(found.store.fr_documents())),
    )
    plain = result.to_dict()
    event = audit.determination_event(
        caller(principal),
        body,
        result,
        algorithm=loaded.screener.algorithm,
        list_versions=loaded.version_ids,
    )
    record = audit.write(audit.StoreSink(found.store.engine), event)
    plain["audit_seq"] = record.seq
    return plain
