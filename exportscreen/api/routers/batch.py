"""``/v1/batch``: upload a file of parties, poll the job, download the hits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, UploadFile, status
from fastapi.responses import FileResponse, Response
from pydantic import BeforeValidator, Field

from exportscreen.api.auth import Principal, Role, Viewer
from exportscreen.api.jobs import JobError, JobsFull, JobStatus, UploadTooLarge
from exportscreen.api.schemas import BatchJobOut
from exportscreen.api.state import Services, services
from exportscreen.api.trail import REFERENCE_HEADER, caller
from exportscreen.screening.batch import ERROR_COLUMNS

router = APIRouter(prefix="/v1/batch", tags=["batch"])
JobId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", examples=["3f9c1a2b4d5e6f708192a3b4c5d6e7f8"])
]


def job_out(job: JobStatus) -> BatchJobOut:
    base = f"/v1/batch/{job.id}"
    return BatchJobOut(
        id=job.id,
        status=job.status,
        file_name=job.file_name,
        owner=job.owner,
        rows_done=job.rows_done,
        rows_total=job.rows_total,
        hits=job.hits,
        bad_rows=job.bad_rows,
        created_at=datetime.fromisoformat(job.created_at),
        finished_at=datetime.fromisoformat(job.finished_at) if job.finished_at else None,
        error=job.error,
        result_url=f"{base}/result" if job.status == "done" else None,
        errors_url=f"{base}/errors" if job.has_errors_file else None,
        attempts=job.attempts,
        notes=list(job.notes),
        reference=job.reference,
        evidence_url=f"/v1/evidence/{job.reference}" if job.reference else None,
    )


def visible_job(found: Services, principal: Principal, job_id: str) -> JobStatus:
    """The job, if the caller may see it (its owner, or an admin); 404 otherwise, so that job
    ids of other users cannot be probed."""
    job = found.jobs.get(job_id)
    if job is None or (job.owner != principal.user and principal.role < Role.ADMIN):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch job {job_id}")
    return job


@router.post("", response_model=BatchJobOut, status_code=status.HTTP_202_ACCEPTED)
def submit(
    principal: Viewer,
    found: Annotated[Services, Depends(services)],
    file: Annotated[UploadFile, File(description="CSV, TSV, XLSX, Parquet or JSON Lines.")],
    threshold: Annotated[
        Annotated[float, Field(ge=0.0, le=1.0)] | None,
        # Forms cannot send null: an empty field, or "null" as JSON-minded clients write it.
        BeforeValidator(lambda value: None if value in ("", "null", "None") else value),
        Form(),
    ] = None,
    best_only: Annotated[bool, Form(description="Only the best hit per row.")] = False,
) -> BatchJobOut:
    """Start screening a file (columns found by name: id, name, country, type). Returns the
    job at once; poll ``GET /v1/batch/{id}`` and download ``result_url`` when it is done."""
    loaded = found.loaded()
    try:
        job = found.jobs.submit(
            owner=principal.user,
            file_name=file.filename or "upload",
            upload=file.file,
            screener=loaded.screener,
            version_ids=loaded.version_ids,
            threshold=found.config.threshold if threshold is None else threshold,
            best_only=best_only,
            caller=caller(principal),
            charge=lambda rows: found.batch_rows.charge_work(principal.rate_key, rows),
        )
    except JobsFull as error:  # no room for it now: nothing was kept, retry later
        raise HTTPException(
            status.HTTP_507_INSUFFICIENT_STORAGE, str(error), headers={"Retry-After": "600"}
        ) from None
    except UploadTooLarge as error:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(error)) from None
    except JobError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return job_out(job)


@router.get("/{job_id}", response_model=BatchJobOut)
def poll(
    job_id: JobId,
    principal: Viewer,
    found: Annotated[Services, Depends(services)],
    response: Response,
) -> BatchJobOut:
    """The job's state and progress (rows done of rows expected, hits, bad rows); once done, its
    evidence ``reference`` (also in the ``X-Screening-Reference`` header)."""
    job = visible_job(found, principal, job_id)
    if job.reference is not None:
        response.headers[REFERENCE_HEADER] = job.reference
    return job_out(job)


@router.get(
    "/{job_id}/result",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {"example": "input_id,input_name,rank,score\n"}}}},
)
def result(
    job_id: JobId, principal: Viewer, found: Annotated[Services, Depends(services)]
) -> FileResponse:
    """The hits as CSV, once the job is done (409 before)."""
    job = visible_job(found, principal, job_id)
    path = found.jobs.result_path(job_id)
    if job.status != "done" or path is None or not path.is_file():
        raise HTTPException(status.HTTP_409_CONFLICT, f"batch job {job_id} is {job.status}")
    stem = job.file_name.rsplit(".", 1)[0] or "batch"
    return FileResponse(path, media_type="text/csv", filename=f"{stem}-hits.csv")


@router.get(
    "/{job_id}/errors",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {"example": "row,line,field,reason\n"}}}},
)
def errors(
    job_id: JobId, principal: Viewer, found: Annotated[Services, Depends(services)]
) -> Response:
    """The rows that could not be screened, with their row number and reason, once the job is
    finished (409 before): only the header when every row was read."""
    job = visible_job(found, principal, job_id)
    if not job.finished:
        raise HTTPException(status.HTTP_409_CONFLICT, f"batch job {job_id} is {job.status}")
    path = found.jobs.errors_path(job_id)
    if job.has_errors_file and path is not None and path.is_file():
        return FileResponse(path, media_type="text/csv", filename="bad-rows.csv")
    header = ",".join(column.name for column in ERROR_COLUMNS) + "\r\n"
    return Response(
        header,
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="bad-rows.csv"'},
    )
