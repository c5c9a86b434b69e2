"""Loading local list files into the store: which files, which date, and which lists to refuse.

The parsers say what a file holds; the store keeps versions. Between the two sit three decisions a
compliance team relies on, made here once for the CLI, the API and the updater:

* every file is parsed before anything is written, so one bad file stops the whole load;
* each version needs the date its data was current: the file's own date, else a date in its path
  (``ofac_sdn_2021-07/``), else the file's modification time;
* a file that would shrink a list to less than half of its current version is taken for a partial
  extract (samples, test fixtures, a truncated publication) and that list is not replaced, unless
  the caller allows it: a screening tool must never silently drop most of a list; one that removes
  more than 5% of a list, or an entry with an open alert, is staged pending review
  (``store.plausibility``, checked under the write lock against the version it replaces);
* ``load A B`` is one transaction: both files land or neither does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from exportscreen import sources
from exportscreen.model import Entry, ListCode
from exportscreen.sources.common import ParsedSource, RowProblem, SourceError
from exportscreen.store import ImportResult, Store
from exportscreen.store.plausibility import DEFAULT_PLAUSIBILITY, Plausibility

_PATH_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?:-(\d{2}))?(?!\d)")


def date_from_path(path: Path) -> date | None:
    """A YYYY-MM-DD or YYYY-MM date in the file's name or its folder's name (first day of the
    month when only the month is given)."""
    for text in (path.name, path.parent.name):
        match = _PATH_DATE.search(text)
        if match:
            year, month, day = match.group(1), match.group(2), match.group(3) or "01"
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                continue
    return None


def data_date(parsed: ParsedSource, override: date | None = None) -> date:
    if override:
        return override
    if parsed.as_of:
        return parsed.as_of
    primary = parsed.paths[0]
    from_path = date_from_path(primary)
    if from_path:
        return from_path
    return datetime.fromtimestamp(primary.stat().st_mtime, tz=UTC).date()


@dataclass
class FileOutcome:
    path: Path
    format: str
    as_of: date
    status: str  # "imported", "staged", "unchanged", "skipped"
    versions: dict[str, int] = field(default_factory=dict)  # list -> version id made current
    # list -> (version id, why): versions written pending review (``exportscreen versions``).
    staged: dict[str, tuple[int, str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # list -> entries in the file
    skipped_lists: dict[str, str] = field(default_factory=dict)  # list -> reason
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class LoadReport:
    files: list[FileOutcome] = field(default_factory=list)
    ignored: list[tuple[Path, str]] = field(default_factory=list)  # not list files (folder walks)
    failed: list[tuple[Path, str]] = field(default_factory=list)  # refused: nothing of them landed
    # For each refused file, the lists its format carries (empty: cannot tell).
    failed_lists: dict[Path, frozenset[ListCode]] = field(default_factory=dict)

    @property
    def problems(self) -> list[RowProblem]:
        return [p for f in self.files for p in f.problems]

    @property
    def staged(self) -> list[tuple[Path, str, int, str]]:
        """(file, list, version id, why) of every version written pending review."""
        return [
            (f.path, code, version_id, why)
            for f in self.files
            for code, (version_id, why) in sorted(f.staged.items())
        ]

    def unloaded(self, current: set[ListCode]) -> list[tuple[Path, str]]:
        """The refused files that may have held a list with no current version in ``current``:
        those leave a list unloaded (an error), the others only kept their lists as they were
        (a warning)."""
        return [
            (path, why)
            for path, why in self.failed
            if not self.failed_lists.get(path) or not self.failed_lists[path] <= current
        ]


def lists_of_format(format_name: str) -> frozenset[ListCode]:
    """The lists a file of this format can carry, from the download registry (a Federal Register
    rule amends the Entity List)."""
    from exportscreen.sources.fetch import SOURCES

    if format_name == "federal_register":
        return frozenset({ListCode.EL})
    return frozenset(code for s in SOURCES if s.format == format_name for code in s.lists)


def _lists_of(parsed: ParsedSource) -> tuple[ListCode, ...]:
    if parsed.lists:
        return parsed.lists
    seen: dict[ListCode, None] = {}
    for entry in parsed.entries:
        seen.setdefault(entry.list, None)
    for change in parsed.changes:
        seen.setdefault(change.entry.list, None)
    return tuple(seen)


def load_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    as_of: date | None = None,
    skip_bad_rows: bool = False,
    allow_shrink: bool = False,
    isolate_failures: bool = False,
    on_parsed: Callable[[Path], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LoadReport:
    """Parse every file first, then import them oldest first so that the store's history runs
    forward in time.

    By default any bad file stops the load before anything is written. With
    ``isolate_failures`` (``update --from``: each file is a source of its own) a bad file is
    refused and reported, and the others land."""
    report = LoadReport()
    parsed_all: list[ParsedSource] = []
    for given in paths:
        walking = given.is_dir()
        for path in sources.expand([given], skip_orphans=walking):
            try:
                module = sources.detect(path)
            except SourceError as error:
                # A folder of downloads holds notes and metadata beside the lists; a file named
                # explicitly must be a list.
                if walking and error.line is None:
                    report.ignored.append((path, error.message))
                    continue
                raise
            try:
                parsed_all.append(module.parse(path, skip_bad_rows=skip_bad_rows))
            except SourceError as error:
                if not isolate_failures:
                    raise
                report.failed.append((path, str(error)))
                report.failed_lists[path] = lists_of_format(module.__name__.rsplit(".", 1)[-1])
                continue
            if on_parsed:
                on_parsed(path)
    dated = sorted(((data_date(p, as_of), p) for p in parsed_all), key=lambda pair: pair[0])
    checks = plausibility_for(allow_shrink=allow_shrink)
    if isolate_failures:
        # Each file is a source of its own: it lands or is refused alone.
        results = [
            store.import_source(parsed, as_of=when, progress=progress, plausibility=checks)
            for when, parsed in dated
        ]
    else:
        results = store.import_sources(
            [(parsed, when) for when, parsed in dated], progress=progress, plausibility=checks
        )
    for (when, parsed), result in zip(dated, results, strict=True):
        report.files.append(_outcome(parsed, when, result))
    return report


def plausibility_for(*, allow_shrink: bool) -> Plausibility:
    """The checks a load applies: the defaults, or (``--allow-shrink``) only the one that keeps
    an entry with open alerts from vanishing unreviewed."""
    if allow_shrink:
        return replace(DEFAULT_PLAUSIBILITY, refuse_below=None, stage_removed_share=None)
    return DEFAULT_PLAUSIBILITY


def _outcome(parsed: ParsedSource, when: date, result: ImportResult) -> FileOutcome:
    outcome = FileOutcome(
        path=parsed.paths[0],
        format=parsed.format,
        as_of=when,
        status="imported",
        problems=list(parsed.problems),
    )
    for entry in parsed.entries:
        outcome.counts[entry.list.value] = outcome.counts.get(entry.list.value, 0) + 1
    outcome.skipped_lists = {
        code.value: f"{why} (pass --allow-shrink to import it anyway)"
        for code, why in result.refused.items()
    }
    outcome.versions = {v.list.value: v.id for v in result.created}
    outcome.staged = {
        v.list.value: (v.id, "; ".join(v.notes.get("staged", []))) for v in result.staged
    }
    if result.created:
        outcome.status = "imported"
    elif result.staged:
        outcome.status = "staged"
    elif not result.lists:
        outcome.status = "skipped"
    else:
        outcome.status = "unchanged"
    return outcome


def latest_entries(parsed_files: Sequence[ParsedSource]) -> list[Entry]:
    """For each list, the entries of its most recent publication among ``parsed_files`` (by the
    files' own dates; a file with no date counts as oldest): what the store's current versions
    would hold after loading them all, without a store. A file that publishes a list with no
    entry left in it (``parsed.lists``) makes that list empty."""
    latest: dict[ListCode, tuple[date, list[Entry]]] = {}
    for parsed in parsed_files:
        as_of = parsed.as_of or date.min
        by_list: dict[ListCode, list[Entry]] = {}
        for entry in parsed.entries:
            by_list.setdefault(entry.list, []).append(entry)
        for code in set(by_list) | set(parsed.lists):
            if code not in latest or as_of > latest[code][0]:
                latest[code] = (as_of, by_list.get(code, []))
    return [e for code in sorted(latest) for e in latest[code][1]]
