"""``exportscreen update``: fetch the official publications and import each one whole or not at all.

For every selected source the updater downloads all its files into a fresh staging folder,
parses them with the source's own format module, checks that the result is plausible against
what the store holds, and imports it in one store transaction. Anything that goes wrong on the
way (a download refused by ``fetch``, a parse error, an implausible shrink, a store error) fails
that source only: its lists keep their current versions, the reason goes into the report, and the
next source is tried.

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
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from exportscreen import __version__, settings
from exportscreen.model import ListCode
from exportscreen.sources import read_head
from exportscreen.sources.common import ParsedSource, SourceError
from exportscreen.sources.fetch import (
    DEFAULT_BACKOFF,
    DEFAULT_SOURCES,
    SOURCES,
    Backoff,
    DownloadedFile,
    DownloadError,
    Source,
    download,
    source,
)
from exportscreen.store import ImportStatus, Store, StoreError

log = logging.getLogger(__name__)

# A publication with less than this share of the entries the store holds for one of its lists is
# refused: lists grow and shrink by a few entries at a time, while a broken export or a partial
# file (the 2023 CSL sample in shared/ has 919 Entity List rows against 2,001 in 2022) loses most.
DEFAULT_MIN_RATIO = 0.5
# Lists smaller than this are not held to the ratio: a handful of entries can all go at once
# (OFAC's Foreign Sanctions Evaders list went from one entry in January 2025 to none in
# December 2025). A broken file shows on the publication's large lists anyway.
SHRINK_CHECKED_FROM = 10


class UpdateStatus(enum.StrEnum):
    UPDATED = "updated"  # at least one new list version
    UNCHANGED = "unchanged"  # the same files as already imported
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

    @property
    def ok(self) -> bool:
        return all(s.status is not UpdateStatus.FAILED for s in self.sources)

    @property
    def exit_code(self) -> int:
        """0 when every source updated or was unchanged, 1 when any failed."""
        return 0 if self.ok else 1

    def runs(self) -> tuple[UpdateRun, ...]:
        """The attempts, one per list, for the store's update log."""
        return tuple(
            UpdateRun(
                started_at=s.started_at,
                finished_at=s.finished_at,
                status=s.status,
                list=code,
                error=s.error,
                version_id=s.versions.get(code),
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
) -> UpdateReport:
    """Update the store from the official sources (``DEFAULT_SOURCES`` when ``sources`` is None).

    ``mirror`` replaces the official hosts (see the mirror layout in ``fetch``). With
    ``work_dir``, the last good files of each source are kept in ``work_dir/<source key>/``;
    without, downloads live in a temporary folder removed at the end. ``on_source`` is called
    after each source, for progress output. Raises ValueError for an unknown source key or a
    selection in which a source would contribute no list; every other failure is reported.
    """
    assigned = lists_by_source(sources if sources is not None else DEFAULT_SOURCES)
    selected = tuple(source(key) for key in assigned)
    results: list[SourceUpdate] = []
    with contextlib.ExitStack() as stack:
        http = client or stack.enter_context(_default_client())
        if work_dir is None:
            root = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="exportscreen-update-"))
            )
        else:
            root = work_dir
            root.mkdir(parents=True, exist_ok=True)

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
                )
                for remote in publication.files
            )

        for publication in selected:
            outcome = _update_source(
                store,
                publication,
                assigned[publication.key],
                root,
                keep=work_dir is not None,
                fetch_files=fetch_set,
                min_ratio=min_ratio,
            )
            results.append(outcome)
            if on_source is not None:
                on_source(outcome)
    return UpdateReport(tuple(results))


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


def _update_source(
    store: Store,
    publication: Source,
    lists: tuple[ListCode, ...],
    root: Path,
    *,
    keep: bool,
    fetch_files: Callable[[Source, Path], tuple[DownloadedFile, ...]],
    min_ratio: float,
) -> SourceUpdate:
    started_at = datetime.now(UTC)
    files: tuple[DownloadedFile, ...] = ()
    counts: dict[ListCode, int] = {}

    def failed(reason: str) -> SourceUpdate:
        log.error("update of %s failed: %s", publication.key, reason)
        return SourceUpdate(
            publication.key,
            UpdateStatus.FAILED,
            started_at,
            datetime.now(UTC),
            lists,
            counts,
            files=files,
            error=reason,
        )

    with _staging_folder(root, publication.key) as staging:
        try:
            files = fetch_files(publication, staging)
            parsed = _restricted(_parse(publication, staging / publication.primary.name), lists)
            counts = _entry_counts(parsed)
            _check_plausible(store, counts, min_ratio)
            result = store.import_source(
                parsed, as_of=_as_of(parsed, files[0]), retrieved_from=files[0].url
            )
        except (DownloadError, SourceError, UpdateRefused, StoreError) as error:
            return failed(str(error))
        except Exception as error:
            # A bug in a parser or the store must not stop the other lists from updating; the
            # traceback goes to the log, the report names the error.
            log.exception("unexpected error while updating %s", publication.key)
            return failed(f"unexpected {type(error).__name__}: {error}")
        if keep:
            final = root / publication.key
            _keep(staging, final)
            files = tuple(dataclasses.replace(f, path=final / f.path.name) for f in files)

    status = (
        UpdateStatus.UNCHANGED if result.status is ImportStatus.UNCHANGED else UpdateStatus.UPDATED
    )
    return SourceUpdate(
        publication.key,
        status,
        started_at,
        datetime.now(UTC),
        lists,
        counts,
        versions={v.list: v.id for v in result.created},
        files=files,
    )


@contextlib.contextmanager
def _staging_folder(root: Path, key: str) -> Iterator[Path]:
    """A fresh folder per attempt, so files of two downloads of a set never mix."""
    staging = Path(tempfile.mkdtemp(prefix=f".{key}.", suffix=".partial", dir=root))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _keep(staging: Path, final: Path) -> None:
    """Make ``final`` the folder of the set just imported (the previous one is dropped)."""
    kept = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".new", dir=final.parent))
    for item in staging.iterdir():
        item.rename(kept / item.name)
    shutil.rmtree(final, ignore_errors=True)
    kept.rename(final)


def _parse(publication: Source, primary: Path) -> ParsedSource:
    """Parse with the module of the source's declared format, after checking that it claims the
    file: a publisher switching formats must fail loudly, not be read as something else."""
    module = importlib.import_module(f"exportscreen.sources.{publication.format}")
    if not module.sniff(primary, read_head(primary)):
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


def _check_plausible(store: Store, counts: Mapping[ListCode, int], min_ratio: float) -> None:
    if not counts or not any(counts.values()):
        raise UpdateRefused("the publication holds no entries")
    current = {summary.list: summary.entry_count for summary in store.lists()}
    shrunk = [
        f"{code} {counts[code]:,} entries against {current[code]:,} in the current version"
        for code in counts
        if current.get(code, 0) >= SHRINK_CHECKED_FROM and counts[code] < min_ratio * current[code]
    ]
    if shrunk:
        raise UpdateRefused(
            f"suspicious shrink (below {min_ratio:.0%} of the current count): {'; '.join(shrunk)}"
        )


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
