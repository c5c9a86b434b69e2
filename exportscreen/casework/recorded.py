"""Screenings that leave their audit record, for callers outside the API.

The API submits the same events to its batching writer from its own event loop; the command line
and Python programs call ``screen_and_record``, so that a name checked from a terminal or a script
is recorded as the API records its own: one ``screening.screen`` record naming the query, the list
versions, the algorithm, the threshold and what was found, written before the hits are returned.
``Screener.screen`` itself records nothing: it is the matcher, not a service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from exportscreen import settings
from exportscreen.casework.audit_trail import (
    AuditSink,
    Caller,
    Interface,
    screening_event,
    write,
)
from exportscreen.casework.evidence import reference
from exportscreen.model import Hit
from exportscreen.store.audit_log import AuditRecord

if TYPE_CHECKING:
    from exportscreen.screening.screener import Screener


def python_caller(user: str | None = None) -> Caller:
    """The caller a Python program is recorded as: ``user``, else EXPORTSCREEN_USER or the
    login name."""
    return Caller(user or settings.default_actor(), Interface.PYTHON)


@dataclass(frozen=True, slots=True)
class RecordedScreening:
    hits: list[Hit]
    record: AuditRecord  # the committed audit record (its seq is the screening's reference)

    @property
    def reference(self) -> str:
        """The screening's reference (``casework.evidence``): what an auditor asks for."""
        return reference(self.record.seq)


def screen_and_record(
    screener: Screener,
    sink: AuditSink,
    caller: Caller,
    name: str,
    *,
    country: str | None = None,
    type: str | None = None,
    limit: int = settings.DEFAULT_HIT_LIMIT,
    threshold: float | None = None,
    address: str | None = None,
    as_of: date | None = None,
) -> RecordedScreening:
    """Screen ``name`` and append the record through ``sink`` before returning the hits.

    Raises ValueError for a name the screener refuses (no letters or digits, an unknown
    country); nothing is recorded then, as the API records no refused request."""
    hits = screener.screen(
        name, country=country, type=type, limit=limit, threshold=threshold, address=address
    )
    # What was asked, as the API records its queries: the name and the options given.
    asked: dict[str, Any] = {
        "country": country,
        "type": type,
        "threshold": threshold,
        "address": address,
        # Screened against the lists as they stood on that date (``screening.history``).
        "as_of": as_of.isoformat() if as_of else None,
    }
    query: dict[str, Any] = {"name": name, **{k: v for k, v in asked.items() if v is not None}}
    if limit != settings.DEFAULT_HIT_LIMIT:
        query["limit"] = limit
    event = screening_event(
        caller,
        [query],
        [hits],
        algorithm=screener.algorithm,
        list_versions=screener.version_ids,
        threshold=settings.DEFAULT_THRESHOLD if threshold is None else threshold,
    )
    return RecordedScreening(hits, write(sink, event))
