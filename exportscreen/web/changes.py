"""What changed in the lists: since a date (or between two versions), in legal terms.

The overview counts each list's changes exactly; lists without a new version or without a
change in the period are named in one line, not shown as empty cards. A list's page shows every
change, one row per field with its legal label and its old and new value (``ops.diff_export``,
as ``exportscreen diff`` prints them), paged rather than cut, and exports all of them as CSV.
Charts show each list's size and its additions and removals per version (``web.charts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from exportscreen.api.state import Services
from exportscreen.lists import LIST_NAMES
from exportscreen.model import ListCode
from exportscreen.ops.diff_export import SECTIONS, export_rows, note, to_csv
from exportscreen.ops.diff_export import value_text as readable_value
from exportscreen.store import Diff, StoredVersion, StoreError
from exportscreen.web.charts import churn_chart, points, size_chart
from exportscreen.web.pages import Found, User, render

router = APIRouter(prefix="/ui", include_in_schema=False)
PAGE_SIZE = 100
SECTION_LABELS = dict(SECTIONS)


@dataclass(frozen=True, slots=True)
class Period:
    """What is compared: versions (``from``/``to`` ids) or the period since a date."""

    since: date
    from_version: int | None
    to_version: int | None

    def refs(self) -> tuple[int | date | None, int | None]:
        if self.from_version is not None or self.to_version is not None:
            return self.from_version, self.to_version
        return self.since, None

    def query(self) -> dict[str, str]:
        if self.from_version is not None or self.to_version is not None:
            return {
                k: str(v)
                for k, v in (("from", self.from_version), ("to", self.to_version))
                if v is not None
            }
        return {"since": self.since.isoformat()}


def _list(code: str) -> ListCode:
    try:
        return ListCode(code.upper())
    except ValueError:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"list: no list {code[:20]!r} (EL, SDN, DPL...)"
        ) from None


def _diff(found: Services, code: ListCode, period: Period) -> tuple[Diff | None, str | None]:
    """The list's diff over the period, or why there is none."""
    start, end = period.refs()
    try:
        diff = found.store.diff(code, from_=start, to=end)
    except StoreError as problem:
        versions = found.store.versions(code)
        if isinstance(start, date) and versions:
            return None, (
                f"no version in force on {start.isoformat()}: first loaded with data of "
                f"{versions[0].as_of.isoformat()}"
            )
        return None, str(problem)
    if diff.from_version is not None and diff.from_version.id == diff.to_version.id:
        return None, "no new version in the period"
    return diff, None


def _counts(diff: Diff) -> dict[str, int]:
    return {section: len(getattr(diff, section)) for section, _ in SECTIONS}


def _rows(diff: Diff, *, show_format: bool) -> list[dict[str, Any]]:
    """One row per changed field (per entry for additions and removals), in section order."""
    rows: list[dict[str, Any]] = []
    for section, _ in SECTIONS:
        if section == "format_only" and not show_format:
            continue
        for change in getattr(diff, section):
            entry = change.after or change.before
            base = {
                "section": section,
                "section_label": SECTION_LABELS[section],
                "entry_id": change.entry_id,
                "name": entry.name,
                "note": note(diff, section, change),
            }
            fields = [f for f in change.fields if show_format or not f.format_only]
            if not fields:
                label = detail = ""
                if section == "added" and change.after is not None and change.after.citations:
                    label, detail = "Federal Register citation", str(change.after.citations[-1])
                rows.append({**base, "label": label, "before": "", "after": detail})
                continue
            rows.extend(
                {
                    **base,
                    "label": f.label,
                    "before": readable_value(f.before),
                    "after": readable_value(f.after),
                    "format_only": f.format_only,
                }
                for f in fields
            )
    return rows


def _period(since: date | None, from_: int | None, to: int | None) -> Period:
    return Period(since or (datetime.now(UTC).date() - timedelta(days=30)), from_, to)


Since = Annotated[date | None, Query()]
VersionId = Annotated[int | None, Query(ge=1)]


@router.get("/changes")
def changes_page(
    request: Request,
    principal: User,
    found: Found,
    since: Since = None,
    list_: Annotated[str, Query(alias="list", max_length=10)] = "",
    from_: Annotated[int | None, Query(alias="from", ge=1)] = None,
    to: VersionId = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    show_all: Annotated[bool, Query(alias="all")] = False,
) -> HTMLResponse:
    period = _period(since, from_, to)
    staged: dict[ListCode, list[StoredVersion]] = {}
    for version in found.store.versions_in_review():
        staged.setdefault(version.list, []).append(version)
    summaries = found.store.lists()
    context: dict[str, Any] = {
        "active": "changes",
        "period": period,
        "since": period.since,
        "lists": summaries,
        "staged": staged,
        "show_all": show_all,
        "selected": None,
    }
    if list_:
        code = _list(list_)
        diff, why = _diff(found, code, period)
        rows = _rows(diff, show_format=show_all) if diff else []
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        page = min(page, pages)
        series = points(found.store.versions(code))
        context.update(
            selected=code,
            selected_name=LIST_NAMES[code],
            diff=diff,
            why=why,
            counts=_counts(diff) if diff else {},
            rows=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            row_total=len(rows),
            first=(page - 1) * PAGE_SIZE + 1,
            page=page,
            pages=pages,
            series=series,
        )
        return render(request, "changes.html", principal, **context)
    changed: list[dict[str, Any]] = []
    unchanged: list[dict[str, Any]] = []
    for summary in summaries:
        diff, why = _diff(found, summary.list, period)
        counts = _counts(diff) if diff else {}
        entry = {"summary": summary, "diff": diff, "why": why, "counts": counts}
        (changed if diff is not None and any(counts.values()) else unchanged).append(entry)
    context.update(changed=changed, unchanged=unchanged)
    return render(request, "changes.html", principal, **context)


@router.get("/changes/{list_code}.csv")
def changes_csv(
    principal: User,
    found: Found,
    list_code: str,
    since: Since = None,
    from_: Annotated[int | None, Query(alias="from", ge=1)] = None,
    to: VersionId = None,
) -> Response:
    """Every change of the period, one row per field, changes of form included (flagged): the
    same columns as ``exportscreen diff --output FILE.csv``."""
    code = _list(list_code)
    period = _period(since, from_, to)
    diff, why = _diff(found, code, period)
    if diff is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{code.value}: {why}")
    # The rows of ``exportscreen diff --output`` and the API's export, spreadsheet-safe.
    text = to_csv(list(export_rows(diff)))
    span = f"{diff.from_version.id if diff.from_version else 0}-{diff.to_version.id}"
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{code.value}-changes-{span}.csv"'},
    )


@router.get("/changes/charts/{list_code}-{kind}.svg")
def changes_chart(principal: User, found: Found, list_code: str, kind: str) -> Response:
    code = _list(list_code)
    if kind not in ("size", "churn"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "charts are size or churn")
    series = points(found.store.versions(code))
    drawn = size_chart(code, series) if kind == "size" else churn_chart(code, series)
    return Response(drawn, media_type="image/svg+xml")
