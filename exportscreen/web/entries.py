"""An entry's page: its current record (or last one, when removed) and its timeline of changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse

from exportscreen.api.state import Services
from exportscreen.model import Entry
from exportscreen.screening.index_cache import entry_weak_marks
from exportscreen.store import StoreError
from exportscreen.web.legal import meaning_badge, meaning_of
from exportscreen.web.pages import Found, User, render

router = APIRouter(prefix="/ui", include_in_schema=False)


@dataclass(frozen=True, slots=True)
class TimelineItem:
    when: date | None
    kind: str  # added, changed, removed, relisted, citation
    title: str
    details: tuple[str, ...] = ()


def _timeline(entry_id: str, found: Services) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    seen_citations: set[str] = set()
    for event in found.store.history(entry_id):
        details = tuple(f"{f.field}: {_short(f.before)} → {_short(f.after)}" for f in event.fields)
        items.append(
            TimelineItem(
                event.version.as_of,
                event.kind.value,
                f"{event.kind.value.capitalize()} in {event.version.list.value} version "
                f"{event.version.id} ({event.version.file_name})",
                details,
            )
        )
        for citation in event.entry.citations:
            label = citation.raw or str(citation)
            if label not in seen_citations:
                seen_citations.add(label)
                items.append(TimelineItem(citation.date, "citation", f"Federal Register: {label}"))
    # Undated items (a citation without a date) go last rather than first.
    return sorted(items, key=lambda i: (i.when is None, i.when or date.min, i.kind != "citation"))


def _short(value: Any, limit: int = 120) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value or "—")
    return text if len(text) <= limit else text[: limit - 1] + "…"


@router.get("/entries/{entry_id}")
def entry_page(request: Request, entry_id: str, principal: User, found: Found) -> HTMLResponse:
    try:
        current = found.store.entry(entry_id)
        timeline = _timeline(entry_id, found)
        history = found.store.history(entry_id)
    except StoreError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    entry: Entry = current if current is not None else history[-1].entry
    # The aliases screening counts weak by OFAC's mark though the entry's own list (the CSL)
    # does not mark them, with the OFAC file that does.
    weak_marks = entry_weak_marks(found.store, entry)
    meaning = meaning_of(entry)
    return render(
        request,
        "entry.html",
        principal,
        entry=entry,
        meaning=meaning,
        badge=meaning_badge(meaning),
        footnotes=meaning.footnotes,
        listed=current is not None,
        timeline=timeline,
        weak_marks=weak_marks,
    )
