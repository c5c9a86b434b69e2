"""``/v1/entries/{id}``: one list entry as listed on a date, with its whole history."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from exportscreen.api.auth import Viewer
from exportscreen.api.convert import event_out
from exportscreen.api.schemas import EntryResponse, FieldSourceOut
from exportscreen.api.state import Services, services
from exportscreen.model import entry_to_dict
from exportscreen.store import StoreError

router = APIRouter(prefix="/v1/entries", tags=["entries"])


@router.get("/{entry_id}", response_model=EntryResponse)
def entry(
    entry_id: Annotated[str, Path(max_length=64, examples=["EL-37079698bd50", "SDN-21944"])],
    _: Viewer,
    found: Annotated[Services, Depends(services)],
    as_of: Annotated[
        date | None, Query(description="Show the entry as listed on this date.")
    ] = None,
) -> EntryResponse:
    """The entry on ``as_of`` (default today) and every step of its life on its list: when it
    was added, each change (with the fields that changed), removals and re-listings, each with
    the list version and its Federal Register citations."""
    try:
        listed = found.store.entry(entry_id, as_of=as_of)
        history = found.store.history(entry_id)
        shown = listed if listed is not None else history[-1].entry
        sources = found.store.field_sources(shown, as_of=as_of if listed is not None else None)
    except StoreError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    return EntryResponse(
        entry=entry_to_dict(shown),
        listed=listed is not None,
        history=[event_out(e) for e in history],
        field_sources=[
            FieldSourceOut(
                field=s.field,
                stated=s.stated,
                described=s.describe(),
                source_format=s.source_format,
                file_name=s.file_name,
                first_seen=s.first_seen,
                last_seen=s.last_seen,
                version_id=s.version_id,
            )
            for s in sources
        ],
    )
