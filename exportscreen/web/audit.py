"""The audit page (admins): search the trail, verify it, export what was found.

Search by user, kind of record, date range (UTC days) and screening reference; newest first,
paged. Verifying walks the whole chain and its signed checkpoints (``casework.audit_verify``) and
says "intact" only when a checked signature vouches for the last record, in the CLI's words.
Exports carry every matching record (not only the page shown) with its hashes, as CSV or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from exportscreen.api.auth import Role
from exportscreen.casework import audit_trail as audit
from exportscreen.casework.evidence import (
    EVIDENCED_ACTIONS,
    InvalidReference,
    parse_reference,
    reference,
)
from exportscreen.store import audit_log
from exportscreen.web.pages import Found, User, need, render

router = APIRouter(prefix="/ui", include_in_schema=False)
PAGE_SIZE = 50
MAX_EXPORT = 1_000_000  # records in one export; a larger trail is exported by period (CLI)


@dataclass(frozen=True, slots=True)
class AuditQuery:
    user: str
    kind: str
    start: str
    end: str
    reference: str

    def criteria(self) -> tuple[dict[str, Any], list[str]]:
        """The store's search criteria, and what was wrong with the fields (each named)."""
        problems: list[str] = []
        found: dict[str, Any] = {}
        if self.user.strip():
            found["actor"] = self.user.strip()
        if self.kind:
            found["actions"] = [self.kind]
        for name, text in (("from", self.start), ("to", self.end)):
            if not text.strip():
                continue
            try:
                day = date.fromisoformat(text.strip())
            except ValueError:
                problems.append(f"{name}: expected a date as YYYY-MM-DD, got {text[:20]!r}")
                continue
            if name == "from":
                found["start"] = datetime.combine(day, time.min, tzinfo=UTC)
            else:
                found["end"] = datetime.combine(day, time.min, tzinfo=UTC) + timedelta(days=1)
        if self.reference.strip():
            try:
                found["seq"] = parse_reference(self.reference)
            except InvalidReference as error:
                problems.append(f"reference: {error}")
        return found, problems

    def link(self, **changes: Any) -> str:
        from urllib.parse import urlencode

        values = {
            "user": self.user,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "reference": self.reference,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _query(user: str, kind: str, start: str, end: str, ref: str) -> AuditQuery:
    return AuditQuery(user, kind, start, end, ref)


Text = Annotated[str, Query(max_length=100)]


@router.get("/audit")
def audit_page(
    request: Request,
    principal: User,
    found: Found,
    user: Text = "",
    kind: Text = "",
    start: Text = "",
    end: Text = "",
    reference_: Annotated[str, Query(alias="reference", max_length=40)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    verify: bool = False,
) -> HTMLResponse:
    need(principal, Role.ADMIN)
    asked = _query(user, kind, start, end, reference_)
    criteria, problems = asked.criteria()
    total, rows = 0, list[audit_log.AuditRecord]()
    if not problems:
        total, rows = audit_log.search(
            found.store.engine, **criteria, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    verdict = None
    notes: tuple[str, ...] = ()
    if verify:
        result = audit.verify(found.store.engine)
        verdict = result.verdict
        notes = result.notes
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "audit.html",
        principal,
        active="audit",
        asked=asked,
        problems=problems,
        total=total,
        rows=[
            {
                "record": r,
                "reference": reference(r.seq) if r.action in EVIDENCED_ACTIONS else None,
            }
            for r in rows
        ],
        page=page,
        pages=pages,
        first=(page - 1) * PAGE_SIZE + 1,
        kinds=audit_log.actions_in_use(found.store.engine),
        verdict=verdict,
        notes=notes,
    )


@router.get("/audit/export.{fmt}")
def audit_export(
    principal: User,
    found: Found,
    fmt: str,
    user: Text = "",
    kind: Text = "",
    start: Text = "",
    end: Text = "",
    reference_: Annotated[str, Query(alias="reference", max_length=40)] = "",
) -> Response:
    """Every record the search finds, oldest first, as CSV or JSON."""
    need(principal, Role.ADMIN)
    from fastapi import HTTPException, status

    if fmt not in ("csv", "json"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "exports are .csv or .json")
    criteria, problems = _query(user, kind, start, end, reference_).criteria()
    if problems:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "; ".join(problems))
    total, rows = audit_log.search(found.store.engine, **criteria, limit=MAX_EXPORT + 1)
    if total > MAX_EXPORT:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"{total:,} records match: export at most {MAX_EXPORT:,} at a time (narrow the dates)",
        )
    rows.reverse()  # the chain's order, as `exportscreen audit export` writes it
    text = audit.export_text(rows, as_json=fmt == "json")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Response(
        text.encode("utf-8"),
        media_type="application/json" if fmt == "json" else "text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="audit-{stamp}.{fmt}"'},
    )
