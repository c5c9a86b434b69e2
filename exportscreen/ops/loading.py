"""Loading local list files into the store: which files, which date, and which lists to refuse.

The parsers say what a file holds; the store keeps versions. Between the two sit three decisions a
compliance team relies on, made here once for the CLI, the API and the updater:

* every file is parsed before anything is written, so one bad file stops the whole load;
* each version needs the date its data was current: the file's own date, else a date in its path
  (``ofac_sdn_2021-07/``), else the file's modification time;
* a file that would shrink a list to less than half of its current version is taken for a partial
  extract (samples, test fixtures, a truncated publication) and that list is not replaced, unless
  the caller allows it: a screening tool must never silently drop most of a list.
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
from exportscreen.store import Store

# A list shrinking below this share of its current version is treated as a partial file.
SHRINK_LIMIT = 0.5

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
    status: str  # "imported", "unchanged", "skipped"
    versions: dict[str, int] = field(default_factory=dict)  # list -> version id created
    counts: dict[str, int] = field(default_factory=dict)  # list -> entries in the file
    skipped_lists: dict[str, str] = field(default_factory=dict)  # list -> reason
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class LoadReport:
    files: list[FileOutcome] = field(default_factory=list)
    ignored: list[tuple[Path, str]] = field(default_factory=list)  # not list files (folder walks)
    failed: list[tuple[Path, str]] = field(default_factory=list)  # refused: nothing of them landed

    @property
    def problems(self) -> list[RowProblem]:
        return [p for f in self.files for p in f.problems]


def _lists_of(parsed: ParsedSource) -> tuple[ListCode, ...]:
    if parsed.lists:
        return parsed.lists
    seen: dict[ListCode, None] = {}
    for entry in parsed.entries:
        seen.setdefault(entry.list, None)
    for change in parsed.changes:
        seen.setdefault(change.entry.list, None)
    return tuple(seen)


def _guard_shrink(
    parsed: ParsedSource, current: dict[ListCode, int], outcome: FileOutcome
) -> ParsedSource:
    """Drop the lists this file would shrink below SHRINK_LIMIT of their current size."""
    if parsed.changes:  # a rule amends a list; it cannot shrink it wholesale
        return parsed
    counts: dict[ListCode, int] = {}
    for entry in parsed.entries:
        counts[entry.list] = counts.get(entry.list, 0) + 1
    refused = set()
    for lst in _lists_of(parsed):
        now = current.get(lst, 0)
        new = counts.get(lst, 0)
        if now and new < now * SHRINK_LIMIT:
            refused.add(lst)
            outcome.skipped_lists[lst.value] = (
                f"{new} entries against {now} in the current version: looks like a partial file "
                "(pass --allow-shrink to import it anyway)"
            )
    if not refused:
        return parsed
    return replace(
        parsed,
        entries=[e for e in parsed.entries if e.list not in refused],
        lists=tuple(lst for lst in _lists_of(parsed) if lst not in refused),
    )


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
                continue
            if on_parsed:
                on_parsed(path)
    dated = sorted(((data_date(p, as_of), p) for p in parsed_all), key=lambda pair: pair[0])

    for when, parsed in dated:
        outcome = FileOutcome(
            path=parsed.paths[0],
            format=parsed.format,
            as_of=when,
            status="imported",
            problems=list(parsed.problems),
        )
        for entry in parsed.entries:
            outcome.counts[entry.list.value] = outcome.counts.get(entry.list.value, 0) + 1
        if not allow_shrink:
            current = {s.list: s.entry_count for s in store.lists() if s.as_of <= when}
            parsed = _guard_shrink(parsed, current, outcome)
        if not _lists_of(parsed):
            outcome.status = "skipped"
            report.files.append(outcome)
            continue
        result = store.import_source(parsed, as_of=when, progress=progress)
        outcome.versions = {v.list.value: v.id for v in result.created}
        outcome.status = "imported" if result.created else "unchanged"
        report.files.append(outcome)
    return report


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
