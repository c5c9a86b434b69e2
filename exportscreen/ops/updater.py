"""``exportscreen update``: fetch the official publications and import each one whole or not at all.

For every selected source the updater downloads all its files into a fresh staging folder
(``fetch.download``: complete, verified, within a deadline) and parses them with the source's own
format module; then it imports each source in one store transaction, under the write lock, where
the plausibility checks judge it against the versions it would replace (``store.plausibility``: a
partial file is refused, a version removing too much, an entry with open alerts, or far fewer
entries than the CSL's copy of the same list is staged pending review). Anything that goes wrong
on the way (a download refused by ``fetch``, a parse error, an implausible shrink, a store error,
a deadline) fails that source only: its lists keep their current versions, the reason goes into
the report, and the next source is tried.

Each list is taken from one source per run. When several selected sources publish the same list
(the CSL repeats OFAC's and BIS's lists), it comes from the first of them in registry order
(``fetch.SOURCES``: the agencies' own files before the CSL), so that a list's history is not a
flip-flop between two renderings of the same data.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import importlib
import logging
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from exportscreen import __version__, settings
from exportscreen.model import ListCode
from exportscreen.ops.fr_dates import FrDatesResult, refresh_fr_documents
from exportscreen.ops.fr_watch import FrWatchResult, watch
from exportscreen.sources import read_head
from exportscreen.sources.common import ParsedSource, SourceError
from exportscreen.sources.fetch import (
    DEFAULT_BACKOFF,
    SOURCES,
    Backoff,
    DownloadedFile,
    DownloadError,
    Source,
    default_sources,
    download,
    source,
)
from exportscreen.store import Store, StoreError
from exportscreen.store.plausibility import CHECKED_FROM, Plausibility

log = logging.getLogger(__name__)

# A publication with less than this share of the entries the store holds for one of its lists is
# refused: lists grow and shrink by a few entries at a time, while a broken export or a partial
# file (the 2023 CSL sample in shared/ has 919 Entity List rows against 2,001 in 2022) loses most.
DEFAULT_MIN_RATIO = 0.5
# Lists smaller than this are not held to the ratio (``store.plausibility.CHECKED_FROM``).
SHRINK_CHECKED_FROM = CHECKED_FROM


class UpdateStatus(enum.StrEnum):
    UPDATED = "updated"  # at least one new list version
    UNCHANGED = "unchanged"  # the same files as already imported
    STAGED = "staged"  # new versions written pending review, not made current (a warning)
    FAILED = "failed"  # nothing written; see the error


class UpdateRefused(Exception):
    """The files arrived and parsed, but what they hold is not believable as the list."""


@dataclass(frozen=True, slots=True)
class SourceUpdate:
    """What one source's update did."""

    source: str
    status: UpdateStatus
    started_at: datetime
    finished_at: datetime
    lists: tuple[ListCode, ...]  # the lists taken from this source in this run
    counts: Mapping[ListCode, int] = field(default_factory=dict)  # entries per list downloaded
    versions: Mapping[ListCode, int] = field(default_factory=dict)  # list versions created
    # Their paths stay valid only when run_update was given a work_dir.
    files: tuple[DownloadedFile, ...] = ()
    error: str = ""
    staged: Mapping[ListCode, int] = field(default_factory=dict)  # versions pending review
    staged_reasons: Mapping[ListCode, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UpdateRun:
    """One attempt to update one list, shaped like a row of the store's ``update_runs`` table."""

    started_at: datetime
    finished_at: datetime
    status: UpdateStatus
    list: ListCode
    error: str
    version_id: int | None


@dataclass(frozen=True, slots=True)
class UpdateReport:
    sources: tuple[SourceUpdate, ...]
    # The Federal Register documents asked for the lists' citations (ops.fr_dates), and the
    # Entity List rules published since the last run (ops.fr_watch).
    fr_dates: FrDatesResult | None = None
    fr_watch: FrWatchResult | None = None

    @property
    def ok(self) -> bool:
        return all(s.status is not UpdateStatus.FAILED for s in self.sources)

    @property
    def exit_code(self) -> int:
        """0 when no source failed (a staged version is a warning), 1 when any failed."""
        return 0 if self.ok else 1

    def runs(self) -> tuple[UpdateRun, ...]:
        """The attempts, one per list, for the store's update log."""
        return tuple(
            UpdateRun(
                started_at=s.started_at,
                finished_at=s.finished_at,
                status=UpdateStatus.STAGED if code in s.staged else s.status,
                list=code,
                error=s.staged_reasons.get(code, s.error),
                version_id=s.versions.get(code, s.staged.get(code)),
            )
            for s in self.sources
            for code in s.lists
        )


def run_update(
    store: Store,
    *,
    sources: Sequence[str] | None = None,
    mirror: str | None = None,
    client: httpx.Client | None = None,
    work_dir: Path | None = None,
    min_ratio: float = DEFAULT_MIN_RATIO,
    timeout: float | httpx.Timeout = settings.HTTP_TIMEOUT_SECONDS,
    retries: int = settings.HTTP_RETRIES,
    max_bytes: int = settings.MAX_DOWNLOAD_BYTES,
    backoff: Backoff = DEFAULT_BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
    on_source: Callable[[SourceUpdate], None] | None = None,
    download_deadline: float | None = settings.DOWNLOAD_DEADLINE_SECONDS,
    deadline: float | None = settings.UPDATE_DEADLINE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> UpdateReport:
    """Update the store from the official sources (``default_sources()`` when ``sources`` is
    None: the US and UN lists, and those of the jurisdictions checked).

    ``mirror`` replaces the official hosts (see the mirror layout in ``fetch``). With
    ``work_dir``, the last good files of each source are kept in ``work_dir/<source key>/``;
    without, downloads live in a temporary folder removed at the end (and, should the process be
    killed, by the next run). ``on_source`` is called as each source is done (imported, staged or
    failed), in update order, for progress output.
    ``download_deadline`` bounds each file, ``deadline`` the whole run (seconds, None: unbounded);
    a source not done by then fails with the reason. Raises ValueError for an unknown source key
    or a selection in which a source would contribute no list; every other failure is reported.

    Every source is downloaded and parsed first, then imported: the agencies' own files are
    checked against the CSL's copy of their lists (``second_opinion``) before any is written.
    """
    assigned = lists_by_source(sources if sources is not None else default_sources())
    selected = tuple(source(key) for key in assigned)
    run_ends = None if deadline is None else clock() + deadline
    results: dict[str, SourceUpdate] = {}
    fetched: dict[str, _Fetched] = {}
    with contextlib.ExitStack() as stack:
        http = client or stack.enter_context(_default_client())
        if work_dir is None:
            _sweep_abandoned(Path(tempfile.gettempdir()), _TEMP_PREFIX)
            root = Path(
                stack.enter_context(
                    tempfile.TemporaryDirectory(prefix=f"{_TEMP_PREFIX}{os.getpid()}-")
                )
            )
        else:
            root = work_dir
            root.mkdir(parents=True, exist_ok=True)
            _sweep_abandoned(root, ".")

        def fetch_set(publication: Source, staging: Path) -> tuple[DownloadedFile, ...]:
            return tuple(
                download(
                    remote,
                    staging,
                    client=http,
                    timeout=timeout,
                    retries=retries,
                    max_bytes=max_bytes,
                    mirror=mirror,
                    backoff=backoff,
                    sleep=sleep,
                    deadline=_remaining(download_deadline, run_ends, clock),
                    clock=clock,
                )
                for remote in publication.files
            )

        for publication in selected:
            staging = stack.enter_context(_staging_folder(root, publication.key))
            outcome = _fetch_source(
                publication, assigned[publication.key], staging, fetch_set, run_ends, clock
            )
            if isinstance(outcome, SourceUpdate):
                results[publication.key] = outcome
            else:
                fetched[publication.key] = outcome
        for publication in selected:
            got = fetched.get(publication.key)
            if got is not None:
                checks = Plausibility(
                    refuse_below=min_ratio,
                    refuse_whole=True,
                    second_opinion=_second_opinion(got, fetched.values()),
                )
                outcome = _import_source(store, got, checks, run_ends, clock)
                if outcome.status is not UpdateStatus.FAILED and work_dir is not None:
                    outcome = _keep_files(outcome, got.staging, root / publication.key)
                results[publication.key] = outcome
            if on_source is not None:
                on_source(results[publication.key])
        # Date the citations the lists now print, and watch for Entity List rules published
        # since (the Federal Register API; failures are reported in the report, never raised).
        fr_dates = refresh_fr_documents(
            store, mirror=mirror, client=http, retries=retries, backoff=backoff
        )
        fr_watched = watch(
            store,
            today=datetime.now(UTC).date(),
            mirror=mirror,
            client=http,
            retries=retries,
            backoff=backoff,
        )
    return UpdateReport(tuple(results[p.key] for p in selected), fr_dates, fr_watched)


# The temporary download folders of runs without a work_dir: ``<prefix><pid>-<random>``, so that
# the next run can remove those a killed process left behind.
_TEMP_PREFIX = "exportscreen-update-"


def _sweep_abandoned(root: Path, prefix: str) -> None:
    """Remove the download folders of processes that no longer run (killed mid-update): the
    temporary folders ``<prefix><pid>-...`` and the ``.<key>.<pid>-....partial`` staging folders
    of a work_dir."""
    for folder in root.glob(f"{prefix}*"):
        match = re.match(rf"{re.escape(prefix)}(?:[\w-]+?\.)?(\d+)-", folder.name)
        if not folder.is_dir() or match is None or _alive(int(match.group(1))):
            continue
        if prefix == "." and not folder.name.endswith((".partial", ".new")):
            continue
        log.warning("removing %s, left by an update that was killed", folder)
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remaining(
    per_file: float | None, run_ends: float | None, clock: Callable[[], float]
) -> float | None:
    if run_ends is None:
        return per_file
    left = max(0.0, run_ends - clock())
    return left if per_file is None else min(per_file, left)


@dataclass(frozen=True, slots=True)
class _Fetched:
    """A source downloaded and parsed, not yet imported."""

    publication: Source
    lists: tuple[ListCode, ...]
    staging: Path
    files: tuple[DownloadedFile, ...]
    parsed: ParsedSource  # restricted to ``lists``
    published: Mapping[ListCode, int]  # entries per list in the whole publication
    as_of: date
    started_at: datetime


def _failed(
    publication: Source,
    lists: tuple[ListCode, ...],
    started_at: datetime,
    reason: str,
    *,
    counts: Mapping[ListCode, int] | None = None,
    files: tuple[DownloadedFile, ...] = (),
) -> SourceUpdate:
    log.error("update of %s failed: %s", publication.key, reason)
    return SourceUpdate(
        publication.key,
        UpdateStatus.FAILED,
        started_at,
        datetime.now(UTC),
        lists,
        dict(counts or {}),
        files=files,
        error=reason,
    )


def _fetch_source(
    publication: Source,
    lists: tuple[ListCode, ...],
    staging: Path,
    fetch_files: Callable[[Source, Path], tuple[DownloadedFile, ...]],
    run_ends: float | None,
    clock: Callable[[], float],
) -> _Fetched | SourceUpdate:
    started_at = datetime.now(UTC)
    files: tuple[DownloadedFile, ...] = ()
    try:
        _check_run_deadline(run_ends, clock)
        files = fetch_files(publication, staging)
        whole = _parse(publication, staging / publication.primary.name)
        parsed = _restricted(whole, lists)
        _check_not_empty(_entry_counts(parsed))
    except (DownloadError, SourceError, UpdateRefused) as error:
        return _failed(publication, lists, started_at, str(error), files=files)
    except Exception as error:
        # A bug in a parser must not stop the other lists from updating; the traceback goes to
        # the log, the report names the error.
        log.exception("unexpected error while updating %s", publication.key)
        return _failed(
            publication, lists, started_at, f"unexpected {type(error).__name__}: {error}"
        )
    return _Fetched(
        publication,
        lists,
        staging,
        files,
        parsed,
        _entry_counts(whole),
        _as_of(parsed, files[0]),
        started_at,
    )


def _import_source(
    store: Store,
    got: _Fetched,
    checks: Plausibility,
    run_ends: float | None,
    clock: Callable[[], float],
) -> SourceUpdate:
    counts = _entry_counts(got.parsed)
    try:
        _check_run_deadline(run_ends, clock)
        result = store.import_source(
            got.parsed, as_of=got.as_of, retrieved_from=got.files[0].url, plausibility=checks
        )
    except (UpdateRefused, StoreError) as error:
        return _failed(
            got.publication, got.lists, got.started_at, str(error), counts=counts, files=got.files
        )
    except Exception as error:
        log.exception("unexpected error while importing %s", got.publication.key)
        return _failed(
            got.publication,
            got.lists,
            got.started_at,
            f"unexpected {type(error).__name__}: {error}",
            counts=counts,
            files=got.files,
        )
    staged = {v.list: v for v in result.staged}
    if result.created:
        status = UpdateStatus.UPDATED
    elif staged:
        status = UpdateStatus.STAGED
    else:
        status = UpdateStatus.UNCHANGED
    for version in staged.values():
        log.warning(
            "%s: %s version %d staged pending review: %s",
            got.publication.key,
            version.list.value,
            version.id,
            "; ".join(version.notes.get("staged", [])),
        )
    return SourceUpdate(
        got.publication.key,
        status,
        got.started_at,
        datetime.now(UTC),
        got.lists,
        counts,
        versions={v.list: v.id for v in result.created},
        files=got.files,
        staged={code: v.id for code, v in staged.items()},
        staged_reasons={code: "; ".join(v.notes.get("staged", [])) for code, v in staged.items()},
    )


def _check_run_deadline(run_ends: float | None, clock: Callable[[], float]) -> None:
    if run_ends is not None and clock() > run_ends:
        raise UpdateRefused("the update run's deadline passed before this source was done")


# The second opinion is asked only of a publication whose data is from about the same time: a
# CSL a year newer than an agency file lists a year of additions the agency file cannot hold.
SECOND_OPINION_WITHIN = timedelta(days=31)


def _second_opinion(
    got: _Fetched, everything: Iterable[_Fetched]
) -> dict[ListCode, tuple[str, int]]:
    """For each list ``got`` provides, the count another fetched publication of the same date
    gives for it (the CSL repeats the agencies' lists)."""
    opinions: dict[ListCode, tuple[str, int]] = {}
    for other in everything:
        if other is got or abs(other.as_of - got.as_of) > SECOND_OPINION_WITHIN:
            continue
        for code in got.lists:
            if other.published.get(code) and code not in opinions:
                opinions[code] = (other.publication.key, other.published[code])
    return opinions


def _keep_files(outcome: SourceUpdate, staging: Path, final: Path) -> SourceUpdate:
    _keep(staging, final)
    kept = tuple(dataclasses.replace(f, path=final / f.path.name) for f in outcome.files)
    return dataclasses.replace(outcome, files=kept)


def _default_client() -> httpx.Client:
    return httpx.Client(headers={"User-Agent": f"exportscreen/{__version__} (list update)"})


def lists_by_source(keys: Sequence[str]) -> dict[str, tuple[ListCode, ...]]:
    """The selected sources in update order (registry order), each with the lists it provides:
    those no earlier selected source provides. ValueError for an unknown key, or for a source
    that would provide nothing (the CSL CSV and JSON together, say)."""
    wanted = {source(key).key for key in keys}  # source() raises for an unknown key
    taken: dict[ListCode, str] = {}
    assigned: dict[str, tuple[ListCode, ...]] = {}
    for publication in SOURCES:
        if publication.key not in wanted:
            continue
        own = tuple(code for code in publication.lists if code not in taken)
        if not own:
            covered = sorted({taken[code] for code in publication.lists})
            raise ValueError(
                f"source {publication.key!r} adds no list to {', '.join(covered)}: "
                "choose one of them"
            )
        taken.update(dict.fromkeys(own, publication.key))
        assigned[publication.key] = own
    return assigned


@contextlib.contextmanager
def _staging_folder(root: Path, key: str) -> Iterator[Path]:
    """A fresh folder per attempt, so files of two downloads of a set never mix."""
    staging = Path(tempfile.mkdtemp(prefix=f".{key}.{os.getpid()}-", suffix=".partial", dir=root))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _keep(staging: Path, final: Path) -> None:
    """Make ``final`` the folder of the set just imported (the previous one is dropped)."""
    kept = Path(
        tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}-", suffix=".new", dir=final.parent)
    )
    for item in staging.iterdir():
        item.rename(kept / item.name)
    shutil.rmtree(final, ignore_errors=True)
    kept.rename(final)


def _parse(publication: Source, primary: Path) -> ParsedSource:
    """Parse with the module of the source's declared format, after checking that it claims the
    file: a publisher switching formats must fail loudly, not be read as something else."""
    module = importlib.import_module(f"exportscreen.sources.{publication.format}")
    if not module.sniff(primary, read_head(primary)):
        # The parser says what differs (a renamed column, say), where it can.
        try:
            module.parse(primary)
        except SourceError as error:
            raise SourceError(
                primary,
                error.line,
                error.field,
                f"not a {publication.format} file any more: {error.message}",
            ) from error
        raise SourceError(primary, None, None, f"not a {publication.format} file any more")
    parsed: ParsedSource = module.parse(primary)
    return parsed


def _restricted(parsed: ParsedSource, lists: tuple[ListCode, ...]) -> ParsedSource:
    """Only the entries and list declarations of ``lists``."""
    published = parsed.lists or tuple(dict.fromkeys(e.list for e in parsed.entries))
    return dataclasses.replace(
        parsed,
        entries=[e for e in parsed.entries if e.list in lists],
        lists=tuple(code for code in published if code in lists),
    )


def _entry_counts(parsed: ParsedSource) -> dict[ListCode, int]:
    counted = Counter(e.list for e in parsed.entries)
    return {code: counted.get(code, 0) for code in dict.fromkeys((*parsed.lists, *counted))}


def _check_not_empty(counts: Mapping[ListCode, int]) -> None:
    """A publication with no entry at all is broken, whatever the store holds; the checks
    against the current versions run under the write lock (``store.plausibility``)."""
    if not counts or not any(counts.values()):
        raise UpdateRefused("the publication holds no entries")


def _as_of(parsed: ParsedSource, primary: DownloadedFile) -> date:
    """The date the downloaded data stands for.

    A file fetched now is the list as published at its Last-Modified time (or now, when the
    server does not say). A file's own date (the CSL's latest start date) is only a lower bound,
    so it wins only if it is later.
    """
    published = (primary.last_modified or primary.retrieved_at).astimezone(UTC).date()
    return max(published, parsed.as_of) if parsed.as_of else published


__all__ = [
    "DEFAULT_MIN_RATIO",
    "SHRINK_CHECKED_FROM",
    "SourceUpdate",
    "UpdateRefused",
    "UpdateReport",
    "UpdateRun",
    "UpdateStatus",
    "lists_by_source",
    "run_update",
]
