"""``/v1/lists``: the lists loaded, and what changed in one of them between two versions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from exportscreen.api.auth import Viewer
from exportscreen.api.convert import changed_entry, entry_brief, version_brief
from exportscreen.api.schemas import DiffResponse, ListOut, ListsResponse
from exportscreen.api.state import Services, services
from exportscreen.model import ListCode
from exportscreen.ops.diff_export import counts, export_rows, to_csv, to_json
from exportscreen.store import StoreError

router = APIRouter(prefix="/v1/lists", tags=["lists"])

# Entries per diff section and page: the whole 2022 -> 2026 Entity List diff is ~1,900 changes.
DIFF_PAGE = 500
MAX_DIFF_PAGE = 5000


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
    offset: Annotated[int, Query(ge=0, description="Skip this many entries of each section.")] = 0,
    limit: Annotated[
        int, Query(ge=1, le=MAX_DIFF_PAGE, description="At most this many entries per section.")
    ] = DIFF_PAGE,
) -> DiffResponse:
    """Entries added, removed and changed between two versions of a list (default: the
    current version against the one before it), each changed field with its legal label and
    its old and new value. ``from=2025-03-01`` gives what changed since that date. Each section
    is paged by ``offset`` and ``limit``; ``counts`` gives the exact totals and
    ``next_offset`` the next page (``/diff/export`` gives the whole diff as one CSV or JSON
    file)."""
    try:
        result = found.store.diff(list_code, _version_ref(from_, "from"), _version_ref(to, "to"))
    except StoreError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    page = slice(offset, offset + limit)
    totals = counts(result)
    more = any(total > offset + limit for total in totals.values())
    return DiffResponse(
        list=result.list,
        from_version=version_brief(result.from_version) if result.from_version else None,
        to_version=version_brief(result.to_version),
        added=[entry_brief(c.after) for c in result.added[page] if c.after is not None],
        removed=[entry_brief(c.before) for c in result.removed[page] if c.before is not None],
        changed=[changed_entry(c) for c in result.changed[page]],
        format_only=[changed_entry(c) for c in result.format_only[page]],
        merged=[entry_brief(c.before) for c in result.merged[page] if c.before is not None],
        unresolved=[
            entry_brief(entry)
            for c in result.unresolved[page]
            if (entry := c.after or c.before) is not None
        ],
        counts=totals,
        offset=offset,
        limit=limit,
        next_offset=offset + limit if more else None,
    )


@router.get(
    "/{list_code}/diff/export",
    responses={
        200: {
            "content": {
                "text/csv": {
                    "example": "section,entry_id,name,countries,field,label,before,after,"
                    "format_only,note\r\nadded,EL-3f2a...,Nettrix Information Industry "
                    "(Beijing) Co. Ltd.,CN,,,,,,\r\n"
                },
                "application/json": {
                    "example": [
                        {
                            "section": "changed",
                            "entry_id": "EL-77c1...",
                            "name": "Inspur Group",
                            "countries": "CN",
                            "field": "review.policy",
                            "label": "License review policy",
                            "before": "case-by-case",
                            "after": "presumption of denial",
                            "format_only": "",
                            "note": "",
                        }
                    ]
                },
            },
            "description": "Every row of the diff: nothing is paged or cut.",
        }
    },
)
def diff_export(
    list_code: ListCode,
    _: Viewer,
    found: Annotated[Services, Depends(services)],
    from_: Annotated[VersionParam, Query(alias="from")] = None,
    to: VersionParam = None,
    format: Annotated[
        Literal["csv", "json"], Query(description="csv (spreadsheet-safe) or json.")
    ] = "csv",
    include_format: Annotated[
        bool, Query(alias="all", description="Also the changes of form only, flagged.")
    ] = True,
) -> Response:
    """The whole diff between two versions as a file: one row per changed field (per entry
    for an addition or a removal), every section (added, removed, changed, merged, undecided
    and, with ``all``, changes of form), the same rows as ``exportscreen diff --output``. The
    ``X-Diff-Counts`` header gives the exact number of entries per section and ``X-Row-Count``
    the rows written."""
    try:
        result = found.store.diff(list_code, _version_ref(from_, "from"), _version_ref(to, "to"))
    except StoreError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    rows = list(export_rows(result, include_format=include_format))
    older = result.from_version.id if result.from_version else 0
    name = f"{list_code.value}-diff-{older}-{result.to_version.id}.{format}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Diff-Counts": json.dumps(counts(result), separators=(",", ":")),
        "X-Row-Count": str(len(rows)),
    }
    if format == "json":
        return Response(to_json(rows), media_type="application/json", headers=headers)
    return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)
