"""Batch screening from the browser: upload a file, map its columns with a preview of its first
rows, choose the threshold and best-only, follow the job, read its summary (rows flagged against
hits, hits by list, the spread of scores), download the hits and the bad rows; the user's job
history."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Request, UploadFile, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from exportscreen.api.auth import CSRF_FIELD, Principal, Role
from exportscreen.api.jobs import COLUMN_ROLES, INPUT_SUFFIXES, JobError, JobsFull, JobStatus
from exportscreen.api.state import Services
from exportscreen.api.trail import caller
from exportscreen.casework.audit_trail import Interface
from exportscreen.screening.summary import BatchSummary, summarize
from exportscreen.screening.tabular import BadRow, find_column, open_table
from exportscreen.sources.common import SourceError
from exportscreen.web.pages import CsrfField, Found, User, check_csrf, render

router = APIRouter(prefix="/ui", include_in_schema=False)
PREVIEW_ROWS = 5
ROLE_LABELS = {
    "name": "Name (required)",
    "id": "Your reference (id)",
    "country": "Country",
    "type": "Type (person, company, vessel...)",
    "date_of_birth": "Date of birth",
    "nationality": "Nationality",
    "identifier": "Identifier (passport, IMO...)",
    "address": "Address",
}
# Header names each role is guessed from, besides the role's own name.
_GUESSES = {
    "name": ("name", "full name", "party", "customer", "company", "counterparty"),
    "id": ("id", "reference", "ref", "customer id", "number"),
    "country": ("country", "country code", "land", "nation"),
    "type": ("type", "entity type", "kind"),
    "date_of_birth": ("date_of_birth", "date of birth", "dob", "born", "birth date"),
    "nationality": ("nationality", "citizenship"),
    "identifier": ("identifier", "passport", "id number", "imo"),
    "address": ("address", "street", "street address"),
}


@dataclass(frozen=True, slots=True)
class Preview:
    token: str
    file_name: str
    columns: tuple[str, ...]
    rows: list[list[str]]
    mapping: dict[str, str]  # role -> guessed column ("" for none)


def _history(found: Services, principal: Principal) -> list[JobStatus]:
    return found.jobs.of_owner(principal.user)


def _page(
    request: Request,
    principal: Principal,
    found: Services,
    *,
    error: str | None = None,
    preview: Preview | None = None,
    code: int = 200,
) -> HTMLResponse:
    response = render(
        request,
        "batch.html",
        principal,
        error=error,
        preview=preview,
        roles=[(r, ROLE_LABELS[r]) for r in COLUMN_ROLES],
        threshold=found.config.threshold,
        history=_history(found, principal),
        suffixes=", ".join(INPUT_SUFFIXES),
    )
    response.status_code = code
    return response


@router.get("/batch")
def batch_page(request: Request, principal: User, found: Found) -> HTMLResponse:
    return _page(request, principal, found)


def _guess(columns: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for role in COLUMN_ROLES:
        mapping[role] = ""
        for wanted in _GUESSES[role]:
            try:
                index = find_column("upload", columns, wanted)
            except SourceError:  # two columns of that name: the analyst chooses
                continue
            if index is not None and columns[index] not in taken:
                mapping[role] = columns[index]
                taken.add(columns[index])
                break
    return mapping


@router.post("/batch")
def batch_upload(
    request: Request,
    principal: User,
    found: Found,
    token: CsrfField,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Stage the upload and show its first rows with a guessed column mapping."""
    check_csrf(request, token)
    file_name = Path(file.filename or "upload").name[:200]
    try:
        staged_token, path = found.jobs.stage(
            owner=principal.user, file_name=file_name, upload=file.file
        )
    except JobError as error:
        code = (
            status.HTTP_507_INSUFFICIENT_STORAGE
            if isinstance(error, JobsFull)
            else status.HTTP_422_UNPROCESSABLE_CONTENT
        )
        return _page(request, principal, found, error=str(error), code=code)
    try:
        with open_table(path, found.jobs.limits) as table:
            columns = tuple(table.columns)
            rows: list[list[str]] = []
            for row in table.rows(list(range(len(columns)))):
                if len(rows) >= PREVIEW_ROWS:
                    break
                if isinstance(row, BadRow):
                    rows.append([f"(line {row.line}: {row.reason})"])
                    continue
                rows.append([v or "" for v in row.values])
    except (SourceError, ValueError, OSError) as error:
        found.jobs.drop_staged(staged_token)
        # The uploader's file name, never the server's path.
        shown = (
            str(SourceError(file_name, error.line, error.field, error.message))
            if isinstance(error, SourceError)
            else f"{file_name}: cannot be read as a table"
        )
        return _page(
            request, principal, found, error=shown, code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    preview = Preview(staged_token, file_name, columns, rows, _guess(columns))
    return _page(request, principal, found, preview=preview)


@router.post("/batch/start")
async def batch_start(request: Request, principal: User, found: Found) -> Response:
    """Submit a staged upload with its column mapping, threshold and best-only choice."""
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    token = str(form.get("upload", ""))
    path = found.jobs.staged(token, principal.user)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "upload: no such upload; upload it again")
    file_name = Path(str(form.get("file_name", "upload"))).name[:200] or "upload"
    columns = {role: str(form.get(f"col_{role}", "")).strip() for role in COLUMN_ROLES}
    if not columns["name"]:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "col_name: choose the column holding the names"
        )
    chosen = [c for c in columns.values() if c]
    if len(chosen) != len(set(chosen)):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "columns: one column was chosen for two roles"
        )
    threshold_text = str(form.get("threshold", "")).strip()
    threshold = found.config.threshold
    if threshold_text:
        try:
            threshold = float(threshold_text)
        except ValueError:
            threshold = -1.0
        if not 0.5 <= threshold <= 1.0:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "threshold: a score between 0.5 and 1"
            )
    best_only = form.get("best_only") == "on"
    loaded = found.loaded()
    try:
        with path.open("rb") as upload:
            job = found.jobs.submit(
                owner=principal.user,
                file_name=file_name + (path.suffix if not Path(file_name).suffix else ""),
                upload=upload,
                screener=loaded.screener,
                version_ids=loaded.version_ids,
                threshold=threshold,
                best_only=best_only,
                caller=caller(principal, Interface.UI),
                columns=columns,
                # Rows are work, as through the API: charged to the user's batch budget.
                charge=lambda rows: found.batch_rows.charge_work(principal.rate_key, rows),
            )
    except JobError as error:
        code = (
            status.HTTP_507_INSUFFICIENT_STORAGE
            if isinstance(error, JobsFull)
            else status.HTTP_422_UNPROCESSABLE_CONTENT
        )
        return _page(request, principal, found, error=str(error), code=code)
    found.jobs.drop_staged(token)
    return RedirectResponse(f"/ui/batch/{job.id}", status_code=status.HTTP_303_SEE_OTHER)


def _own_job(found: Services, principal: Principal, job_id: str) -> Any:
    job = found.jobs.get(job_id)
    if job is None or (job.owner != principal.user and principal.role < Role.ADMIN):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch job {job_id}")
    return job


@router.get("/batch/{job_id}")
def job_page(request: Request, job_id: str, principal: User, found: Found) -> HTMLResponse:
    job = _own_job(found, principal, job_id)
    percent = None
    if job.rows_total:
        percent = min(100, round(100 * job.rows_done / job.rows_total))
    summary: BatchSummary | None = None
    path = found.jobs.result_path(job_id)
    if job.status == "done" and path is not None and path.is_file():
        summary = summarize(path, threshold=job.threshold or found.config.threshold)
    errors = found.jobs.errors_path(job_id)
    return render(
        request,
        "job.html",
        principal,
        job=job,
        percent=percent,
        summary=summary,
        has_errors=errors is not None and errors.is_file() and job.bad_rows > 0,
        role_labels=ROLE_LABELS,
    )


@router.get("/batch/{job_id}/result")
def job_result(job_id: str, principal: User, found: Found) -> FileResponse:
    job = _own_job(found, principal, job_id)
    path = found.jobs.result_path(job_id)
    if job.status != "done" or path is None or not path.is_file():
        raise HTTPException(status.HTTP_409_CONFLICT, f"batch job {job_id} is {job.status}")
    return FileResponse(path, media_type="text/csv", filename="hits.csv")


@router.get("/batch/{job_id}/errors")
def job_errors(job_id: str, principal: User, found: Found) -> FileResponse:
    """The rows that could not be screened, each with its line, field and reason."""
    _own_job(found, principal, job_id)  # 404 unless it is the user's (or an admin asks)
    path = found.jobs.errors_path(job_id)
    if path is None or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"batch job {job_id} has no bad rows")
    return FileResponse(path, media_type="text/csv", filename="bad-rows.csv")
