"""Batch screening from the browser: upload a file, follow the job, download the hits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Request, UploadFile, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from exportscreen.api.auth import Principal, Role
from exportscreen.api.jobs import JobError, JobsFull
from exportscreen.api.state import Services
from exportscreen.api.trail import caller
from exportscreen.casework.audit_trail import Interface
from exportscreen.web.pages import CsrfField, Found, User, check_csrf, render

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/batch")
def batch_page(request: Request, principal: User, found: Found) -> HTMLResponse:
    return render(request, "batch.html", principal, error=None)


@router.post("/batch")
def batch_upload(
    request: Request,
    principal: User,
    found: Found,
    token: CsrfField,
    file: Annotated[UploadFile, File()],
) -> Response:
    check_csrf(request, token)
    loaded = found.loaded()
    try:
        job = found.jobs.submit(
            owner=principal.user,
            file_name=file.filename or "upload",
            upload=file.file,
            screener=loaded.screener,
            version_ids=loaded.version_ids,
            threshold=found.config.threshold,
            caller=caller(principal, Interface.UI),
            # Rows are work, as through the API: charged to the user's batch budget.
            charge=lambda rows: found.batch_rows.charge_work(principal.rate_key, rows),
        )
    except JobError as error:
        response = render(request, "batch.html", principal, error=str(error))
        response.status_code = (
            status.HTTP_507_INSUFFICIENT_STORAGE
            if isinstance(error, JobsFull)
            else status.HTTP_422_UNPROCESSABLE_CONTENT
        )
        return response
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
    return render(request, "job.html", principal, job=job, percent=percent)


@router.get("/batch/{job_id}/result")
def job_result(job_id: str, principal: User, found: Found) -> FileResponse:
    job = _own_job(found, principal, job_id)
    path = found.jobs.result_path(job_id)
    if job.status != "done" or path is None or not path.is_file():
        raise HTTPException(status.HTTP_409_CONFLICT, f"batch job {job_id} is {job.status}")
    return FileResponse(path, media_type="text/csv", filename="hits.csv")
