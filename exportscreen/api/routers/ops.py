"""``/healthz``, ``/readyz`` and ``/metrics``: for orchestrators and Prometheus, no key needed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from exportscreen.api.schemas_ops import (
    Health,
    ListReadiness,
    Readiness,
    StagedVersion,
    UnfinishedRescreen,
)
from exportscreen.api.state import Services, services
from exportscreen.ops.status import unfinished_rescreen
from exportscreen.store import update_runs
from exportscreen.store.errors import DatabaseUnavailable

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up and answering."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={
        503: {
            "model": Readiness,
            "description": "No list is loaded yet, the store cannot be reached, or the server "
            "is full (see reason).",
        }
    },
)
def readyz(response: Response, found: Annotated[Services, Depends(services)]) -> Readiness:
    """Ready when at least one list is loaded into the screening index, the store answers and
    this process has a place for another screening: each list's version, age and its last
    update run (with the error, if the last update failed), the versions staged pending
    review, and a re-screen that did not complete, with its progress. 503 otherwise, with the
    reason."""
    loaded = found.lists.current()
    now = datetime.now(UTC)
    try:
        updates = update_runs.last_run_of_each_list(found.store.engine)
        staged = found.store.versions_in_review()
        rescreen = unfinished_rescreen(found.store)
    except DatabaseUnavailable as error:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        cause = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return Readiness(
            status="not ready",
            ready=False,
            index_entries=len(loaded.screener) if loaded else 0,
            reload_error=found.lists.last_error,
            lists=[],
            reason=f"the store cannot be reached: {cause}",
        )
    lists = []
    for code, summary in (loaded.lists if loaded else {}).items():
        run = updates.get(code)
        lists.append(
            ListReadiness(
                list=code,
                version_id=summary.version_id,
                as_of=summary.as_of,
                age_seconds=(now - summary.imported_at).total_seconds(),
                entry_count=summary.entry_count,
                last_update_status=run.status if run is not None else None,
                last_update_error=run.error if run is not None else None,
                last_update_at=(run.finished_at or run.started_at) if run is not None else None,
            )
        )
    reason: str | None = None
    if loaded is None:
        reason = "no list is loaded into the screening index yet"
    elif found.capacity.saturated:
        # Load balancers send new work elsewhere; the process is alive (see /healthz).
        reason = (
            f"at capacity: {found.capacity.in_flight} of {found.capacity.max_in_flight} "
            "screenings in progress, or one refused within the last second"
        )
    ready = reason is None
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Readiness(
        status="ok" if ready else "not ready",
        ready=ready,
        reason=reason,
        index_entries=len(loaded.screener) if loaded else 0,
        reload_error=found.lists.last_error,
        lists=lists,
        staged=[
            StagedVersion(
                list=v.list.value,
                version_id=v.id,
                as_of=v.as_of,
                entry_count=v.entry_count,
                reasons=list(v.notes.get("staged", [])),
            )
            for v in staged
        ],
        rescreen=None
        if rescreen is None
        else UnfinishedRescreen(
            job_id=rescreen.job_id,
            started_at=rescreen.started_at,
            actor=rescreen.actor,
            done=rescreen.done,
            total=rescreen.total,
            resumed=rescreen.resumed,
            warning=rescreen.warning,
        ),
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"example": "exportscreen_index_entries 3409.0\n"}}}
    },
)
def metrics(found: Annotated[Services, Depends(services)]) -> Response:
    """Prometheus metrics: requests and latency by route, screening latency, index size, and
    the age and size of each list."""
    loaded = found.lists.current()
    if loaded is not None:
        found.metrics.observe_lists(loaded.lists, len(loaded.screener))
    return Response(found.metrics.render(), media_type="text/plain; version=0.0.4")
