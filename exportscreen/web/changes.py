"""What changed in the lists since a date, with the versions staged for review."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from exportscreen.store import Diff, StoreError
from exportscreen.web.pages import Found, User, render

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/changes")
def changes_page(
    request: Request,
    principal: User,
    found: Found,
    since: date | None = None,
) -> HTMLResponse:
    since = since or (datetime.now(UTC).date() - timedelta(days=30))
    sections: list[dict[str, Any]] = []
    staged: dict[Any, list[Any]] = {}
    for version in found.store.versions_in_review():
        staged.setdefault(version.list, []).append(version)
    for summary in found.store.lists():
        diff: Diff | None = None
        note = None
        try:
            diff = found.store.diff(summary.list, from_=since)
        except StoreError:
            note = f"No version before {since.isoformat()}: first loaded with data of " + (
                found.store.versions(summary.list)[0].as_of.isoformat()
            )
        sections.append(
            {
                "summary": summary,
                "diff": diff,
                "note": note,
                "staged": staged.get(summary.list, []),
            }
        )
    return render(request, "changes.html", principal, since=since, sections=sections)
