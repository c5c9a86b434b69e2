"""How fresh each list is and how its updates went: the store's update log, written and read.

Every update attempt is logged in ``update_runs``: one row per list an attempt concerned, with its
outcome and error, written by ``record_update`` (the scheduler does it after each run; the CLI's
``update`` should too). A row with no list stands for the run as a whole: the scheduler's claim on
a cycle (see ``scheduler``), or a run that failed before it got to any list, which then counts as
a failed attempt for every list.

``list_status`` joins that log with the current list versions for ``exportscreen status`` and the
API's ``/readyz``: a list can be serving a good but old version while its updates keep failing,
and monitoring needs to see both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from exportscreen.model import ListCode
from exportscreen.ops.updater import UpdateReport, UpdateRun, UpdateStatus
from exportscreen.store import Store, StoredVersion, rescreen_jobs, update_runs
from exportscreen.store.engine import Connection

# Publishers update their lists at most a few times a day; an interval under a minute is a typo
# ("6" meant as hours) that would hammer their servers.
MIN_EVERY = timedelta(minutes=1)

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_EVERY_PART = re.compile(r"(\d+)\s*([smhd])")
_EVERY_WHOLE = re.compile(r"(?:\d+\s*[smhd]\s*)+")

# ``update_runs.status`` of a whole-run row while the run is in progress, and once it finished.
RUN_CLAIMED = "running"
RUN_FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class UpdateAttempt:
    """One logged attempt to update a list (or a whole run, when it failed before any list)."""

    started_at: datetime
    finished_at: datetime | None
    status: str  # an UpdateStatus value: updated, unchanged or failed
    error: str | None
    version_id: int | None  # the version it created, if any


@dataclass(frozen=True, slots=True)
class ListStatus:
    """One list: the version being served and how its updates went.

    ``version_id`` and the fields about the version are None for a list whose updates were
    attempted but never produced a version (its first download has been failing).
    """

    list: ListCode
    version_id: int | None
    as_of: date | None  # the data's own date
    imported_at: datetime | None
    entry_count: int | None
    data_age_days: int | None  # whole days from as_of to now
    import_age: timedelta | None  # time since the version was imported
    last_attempt: UpdateAttempt | None  # the latest update attempt, whatever its outcome
    last_success: UpdateAttempt | None  # the latest attempt that did not fail
    last_failure: UpdateAttempt | None  # the latest failed attempt, even if a later one worked
    # Versions written but held back by a plausibility check (``exportscreen versions``).
    staged: tuple[StoredVersion, ...] = ()

    @property
    def failing(self) -> bool:
        """The latest update attempt failed: the list is served from an older version."""
        return self.last_attempt is not None and self.last_attempt.status == UpdateStatus.FAILED


@dataclass(frozen=True, slots=True)
class RescreenProgress:
    """A re-screen job not recorded as complete: interrupted (a killed process, a failure), or
    running now in another process. Its counterparties past ``done`` are not screened against
    the new lists until ``exportscreen rescreen`` resumes it."""

    job_id: int
    actor: str
    started_at: datetime
    done: int
    total: int
    resumed: int  # how many times it was resumed already

    @property
    def warning(self) -> str:
        return (
            f"the last re-screen did not complete: job {self.job_id} (started "
            f"{self.started_at:%Y-%m-%d %H:%M} UTC by {self.actor}) screened {self.done:,} of "
            f"{self.total:,} counterparties; the other {self.total - self.done:,} are not "
            "screened against the new lists until `exportscreen rescreen` resumes it (unless it "
            "is running now)"
        )


def unfinished_rescreen(store: Store) -> RescreenProgress | None:
    """The newest re-screen job not recorded as complete, with its progress (None: the last
    one completed, or none ever ran)."""
    job = rescreen_jobs.running(store.engine)
    if job is None:
        return None
    return RescreenProgress(
        job_id=job.id,
        actor=job.actor,
        started_at=job.started_at,
        done=job.done,
        total=job.total,
        resumed=job.resumed,
    )


def parse_every(text: str) -> timedelta:
    """An update interval such as ``6h``, ``30m``, ``1d`` or ``1h30m`` (units s, m, h, d).

    Raises ValueError naming what was wrong: an unknown unit, no number, or an interval shorter
    than MIN_EVERY.
    """
    cleaned = text.strip().lower()
    if not _EVERY_WHOLE.fullmatch(cleaned):
        raise ValueError(
            f"not an interval: {text!r}; write a number and a unit (s, m, h or d), "
            "such as 6h, 30m, 1d or 1h30m"
        )
    interval = timedelta()
    for amount, unit in _EVERY_PART.findall(cleaned):
        interval += timedelta(**{_UNITS[unit]: int(amount)})
    if interval < MIN_EVERY:
        raise ValueError(
            f"interval {text!r} is shorter than {MIN_EVERY.total_seconds():g} s: the lists are "
            "published at most a few times a day"
        )
    return interval


def record_update(
    store: Store, report: UpdateReport, *, connection: Connection | None = None
) -> None:
    """Log each list attempt of an update in ``update_runs`` (on ``connection`` when given, in
    the caller's transaction; else in a transaction of its own)."""
    rows = [_run_row(run) for run in report.runs()]
    update_runs.append(store.engine, rows, connection=connection)


def _run_row(run: UpdateRun) -> update_runs.UpdateRunRow:
    return update_runs.UpdateRunRow(
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status.value,
        list=run.list.value,
        error=run.error or None,
        version_id=run.version_id,
    )


def list_status(store: Store, now: datetime | None = None) -> list[ListStatus]:
    """Every list that has a version or an update attempt, in list order (``ListCode``)."""
    moment = now or datetime.now(UTC)
    summaries = {summary.list: summary for summary in store.lists()}
    attempts = _attempts_by_list(store, summaries)
    staged: dict[ListCode, list[StoredVersion]] = {}
    for version in store.versions_in_review():
        staged.setdefault(version.list, []).append(version)
    known = set(summaries) | set(attempts) | set(staged)
    result: list[ListStatus] = []
    for code in (c for c in ListCode if c in known):
        history = attempts.get(code, [])
        summary = summaries.get(code)
        result.append(
            ListStatus(
                list=code,
                version_id=summary.version_id if summary else None,
                as_of=summary.as_of if summary else None,
                imported_at=summary.imported_at if summary else None,
                entry_count=summary.entry_count if summary else None,
                data_age_days=(moment.date() - summary.as_of).days if summary else None,
                import_age=moment - summary.imported_at if summary else None,
                last_attempt=history[0] if history else None,
                last_success=next((a for a in history if a.status != UpdateStatus.FAILED), None),
                last_failure=next((a for a in history if a.status == UpdateStatus.FAILED), None),
                staged=tuple(staged.get(code, ())),
            )
        )
    return result


def _attempts_by_list(
    store: Store, loaded: Iterable[ListCode]
) -> dict[ListCode, list[UpdateAttempt]]:
    """Each list's latest failed and latest other attempt, latest first. A failed whole-run row
    is an attempt of every list known by then: the lists with a version, and those named by
    earlier attempts.
    """
    rows = update_runs.latest_of_each_list(
        store.engine,
        failed=UpdateStatus.FAILED.value,
        statuses=[s.value for s in UpdateStatus],
    )
    named = {ListCode(row.list) for row in rows if row.list is not None}
    everyone = named | set(loaded)
    result: dict[ListCode, list[UpdateAttempt]] = {}
    for row in rows:
        attempt = UpdateAttempt(
            row.started_at, row.finished_at, row.status, row.error, row.version_id
        )
        for code in everyone if row.list is None else {ListCode(row.list)}:
            result.setdefault(code, []).append(attempt)
    for history in result.values():
        history.sort(key=lambda a: a.started_at, reverse=True)
    return result


__all__ = [
    "MIN_EVERY",
    "RUN_CLAIMED",
    "RUN_FINISHED",
    "ListStatus",
    "RescreenProgress",
    "UpdateAttempt",
    "list_status",
    "parse_every",
    "record_update",
    "unfinished_rescreen",
]
