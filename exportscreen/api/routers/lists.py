"""``/v1/lists``: the lists loaded, and what changed in one of them between two versions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from exportscreen.api.auth import Viewer
from exportscreen.api.convert import changed_entry, entry_brief, version_brief
from exportscreen.api.schemas import DiffResponse, ListOut, ListsResponse
from exportscreen.api.state import Services, services
from exportscreen.model import ListCode
from exportscreen.store import StoreError

router = APIRouter(prefix="/v1/lists", tags=["lists"])


@router.get("", response_model=ListsResponse)
def lists(_: Viewer, found: Annotated[Services, Depends(services)]) -> ListsResponse:
    """Every list in the store with its current version, its data date and its age."""
    now = datetime.now(UTC)
    return ListsResponse(
        lists=[
            ListOut(
                list=s.list,
                name=s.name,
                version_id=s.version_id,
                as_of=s.as_of,
                imported_at=s.imported_at,
                entry_count=s.entry_count,
                version_count=s.version_count,
                age_seconds=(now - s.imported_at).total_seconds(),
            )
            for s in found.store.lists()
        ]
    )


# The rule is in the OpenAPI: the pattern, and the format "version-or-date" for what a pattern
# cannot say (a real calendar date).
VERSION_OR_DATE_FORMAT = "version-or-date"
VersionParam = Annotated[
    str | None,
    Query(
        max_length=20,
        pattern=r"^\s*([0-9]+|[0-9]{4}-[0-9]{2}-[0-9]{2})?\s*$",
        description="A version id, or a date (YYYY-MM-DD): the version in force then.",
        examples=["2025-03-01"],
        json_schema_extra={"format": VERSION_OR_DATE_FORMAT},
    ),
]


def _version_ref(text: str | None, name: str) -> int | date | None:
    if text is None or not text.strip():
        return None
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{name} must be a version id or a date (YYYY-MM-DD), not {text!r}",
        ) from None


@router.get("/{list_code}/diff", response_model=DiffResponse)
def diff(
    list_code: ListCode,
    _: Viewer,
    found: Annotated[Services, Depends(services)],
    from_: Annotated[VersionParam, Query(alias="from")] = None,
    to: VersionParam = None,
) -> DiffResponse:
    """Entries added, removed and changed between two versions of a list (default: the
    current version against the one before it). ``from=2025-03-01`` gives what changed since
    that date."""
    try:
        result = found.store.diff(list_code, _version_ref(from_, "from"), _version_ref(to, "to"))
    except StoreError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    return DiffResponse(
        list=result.list,
        from_version=version_brief(result.from_version) if result.from_version else None,
        to_version=version_brief(result.to_version),
        added=[entry_brief(c.after) for c in result.added if c.after is not None],
        removed=[entry_brief(c.before) for c in result.removed if c.before is not None],
        changed=[changed_entry(c) for c in result.changed],
    )
