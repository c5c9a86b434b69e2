"""Commands on the lists themselves: load, update, lists, diff, show."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from exportscreen import settings
from exportscreen.cli.common import (
    app,
    console,
    err,
    fail,
    known_failures,
    open_store,
    parse_list,
    parse_when,
    print_json,
)


@app.command()
def load(
    paths: Annotated[list[Path], typer.Argument(help="List files or folders of them.")],
    as_of: Annotated[
        str | None,
        typer.Option(help="Date the data was current (YYYY-MM-DD), when the file does not say."),
    ] = None,
    skip_bad_rows: Annotated[
        bool, typer.Option(help="Import the good rows and report the bad ones, instead of failing.")
    ] = False,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            help="Import a file even if it would shrink a list below half its size or remove "
            "more than 5% of it (removals of entries with open alerts are still staged)."
        ),
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write the bad-row report (CSV) here.")
    ] = None,
) -> None:
    """Load list files (any supported format, detected from the content) as new list versions.

    All or nothing: one bad file or row stops the load before anything is written (unless
    --skip-bad-rows), and the files land in one transaction. A version that removes more than
    5% of a list, or an entry with an open alert, is staged pending review (`versions`)."""
    _load(
        paths,
        as_of=as_of,
        skip_bad_rows=skip_bad_rows,
        allow_shrink=allow_shrink,
        report=report,
        isolate_failures=False,
    )


def _load(
    paths: list[Path],
    *,
    as_of: str | None,
    skip_bad_rows: bool,
    allow_shrink: bool,
    report: Path | None,
    isolate_failures: bool,
) -> None:
    from exportscreen.ops.loading import load_paths
    from exportscreen.sources.common import SourceError

    when = date.fromisoformat(as_of) if as_of else None
    with known_failures(), open_store() as store, _progress() as progress:
        task = progress.add_task("importing", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = load_paths(
                store,
                paths,
                as_of=when,
                skip_bad_rows=skip_bad_rows,
                allow_shrink=allow_shrink,
                isolate_failures=isolate_failures,
                on_parsed=lambda p: progress.update(task, description=f"parsed {p.name}"),
                progress=step,
            )
        except SourceError as error:
            raise fail(f"{error}\nnothing was imported.") from error
    table = Table("file", "format", "as of", "status", "lists")
    for f in result.files:
        lists = ", ".join(f"{k} {v}" for k, v in sorted(f.counts.items()))
        status = f.status
        if f.skipped_lists:
            status += " (kept current: " + ", ".join(sorted(f.skipped_lists)) + ")"
        table.add_row(str(f.path), f.format, f.as_of.isoformat(), status, lists)
    console.print(table)
    for path, why in result.ignored:
        err.print(f"[dim]ignored {path}: {why}[/]")
    for path, why in result.failed:
        err.print(f"[red]refused {path}: {why}[/]")
    for f in result.files:
        for lst, reason in f.skipped_lists.items():
            err.print(f"[yellow]{f.path.name}: {lst} not replaced: {reason}[/]")
    for path, lst, version_id, why in result.staged:
        err.print(
            f"[yellow]{path.name}: {lst} version {version_id} staged pending review ({why}); "
            f"`exportscreen versions accept|reject {version_id}`[/]"
        )
    problems = result.problems
    if problems:
        err.print(f"[yellow]{len(problems)} bad rows skipped[/]")
        if report:
            _write_problems(report, problems)
            err.print(f"bad-row report written to {report}")
        else:
            for p in problems[:20]:
                err.print(f"  {p}")
    if result.failed:
        with open_store() as store:
            current = {s.list for s in store.lists()}
        unloaded = result.unloaded(current)
        if unloaded:
            raise fail(
                f"{len(result.failed)} file(s) refused, {len(unloaded)} of them holding a list "
                "that has no current version: " + ", ".join(p.name for p, _ in unloaded),
                code=1,
            )
        err.print(
            f"[yellow]warning: {len(result.failed)} file(s) refused; every list they could "
            "hold kept its current version[/]"
        )


def _write_problems(path: Path, problems: list[Any]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "field", "message"])
        for p in problems:
            writer.writerow([p.file, p.line or "", p.field or "", p.message])


@contextmanager
def _progress() -> Iterator[Progress]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        yield progress


@app.command()
def update(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only these sources (repeatable).")
    ] = None,
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="Load from this local folder instead of downloading."),
    ] = None,
    mirror: Annotated[
        str | None, typer.Option(help="Base URL of a mirror serving the official file names.")
    ] = None,
) -> None:
    """Bring every list up to date from its official source (or a mirror, or a local folder).

    Each source lands whole or not at all: a failed, truncated or malformed download never replaces
    the current version, and the reason is reported."""
    if from_dir is not None:
        _load(
            [from_dir],
            as_of=None,
            skip_bad_rows=False,
            allow_shrink=False,
            report=None,
            isolate_failures=True,
        )
        return
    from exportscreen.ops.status import record_update
    from exportscreen.ops.updater import run_update

    with known_failures("the lists keep their current versions"), open_store() as store:
        try:
            result = run_update(store, sources=source, mirror=mirror or settings.MIRROR_URL or None)
        except ValueError as error:  # an unknown source key, or two that overlap
            raise fail(str(error)) from error
        record_update(store, result)
    table = Table("source", "status", "lists", "detail")
    failed = 0
    for item in result.sources:
        lists = ", ".join(f"{k.value} {v}" for k, v in sorted(item.counts.items()))
        style = {"failed": "red", "updated": "green"}.get(item.status.value, "")
        detail = item.error or "; ".join(
            f"{code.value} version {item.staged[code]} staged pending review: {why}"
            for code, why in item.staged_reasons.items()
        )
        style = "yellow" if item.status.value == "staged" else style
        table.add_row(item.source, Text(item.status.value, style=style), lists, detail)
        failed += item.status.value == "failed"
    console.print(table)
    if result.fr_watch is not None:
        watched = result.fr_watch
        console.print(
            f"Federal Register watch: {watched.found} Entity List rule(s) published since "
            f"{watched.since.isoformat()}, {len(watched.staged)} newly staged"
        )
        for problem in watched.errors:
            err.print(f"[red]Federal Register watch: {problem}[/]")
    if result.fr_dates is not None and result.fr_dates.asked:
        fr = result.fr_dates
        line = f"Federal Register: {fr.found} document(s) dated for {fr.asked} citation(s)"
        (err if fr.error else console).print(line + (f"; failed: {fr.error}" if fr.error else ""))
    if failed:
        raise fail(f"{failed} source(s) failed; their current versions were kept", code=1)


@app.command("lists")
def lists_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Each list: its current version, the data date and the entry count."""
    with open_store() as store:
        summaries = store.lists()
        staged = store.versions_in_review()
        pending = store.pending_rules()
    if as_json:
        print_json(
            [
                {
                    "list": s.list.value,
                    "name": s.name,
                    "version": s.version_id,
                    "as_of": s.as_of,
                    "imported_at": s.imported_at,
                    "entries": s.entry_count,
                    "staged": [
                        {"version": v.id, "as_of": v.as_of, "entries": v.entry_count}
                        for v in staged
                        if v.list is s.list
                    ],
                    **(
                        {"published_not_yet_in_list": pending}
                        if s.list.value == "EL" and pending
                        else {}
                    ),
                }
                for s in summaries
            ]
        )
        return
    table = Table("list", "name", "version", "as of", "entries")
    for s in summaries:
        table.add_row(
            s.list.value, s.name, str(s.version_id), s.as_of.isoformat(), f"{s.entry_count:,}"
        )
    console.print(table)
    for v in staged:
        err.print(
            f"[yellow]{v.list.value} version {v.id} ({v.entry_count:,} entries, data of "
            f"{v.as_of}) is staged pending review: {'; '.join(v.notes.get('staged', []))}[/]"
        )
    print_pending_rules(pending)


def print_pending_rules(pending: list[Any]) -> None:
    """The Entity List rules the Federal Register watch staged that no loaded version holds."""
    if not pending:
        return
    console.print(
        f"[yellow]Entity List: {len(pending)} rule(s) published, not yet in the consolidated "
        "list (load the rule's XML to apply it):[/]"
    )
    for rule in pending:
        console.print(f"  {rule.summary()}")


@app.command()
def diff(
    list_code: Annotated[str, typer.Argument(metavar="LIST", help="EL, SDN, DPL...")],
    from_: Annotated[str | None, typer.Option("--from", help="Version id or date.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Version id or date.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What changed in a list between two versions or dates (default: the last two versions)."""
    from exportscreen.store import StoreError

    lst = parse_list(list_code)
    with open_store() as store:
        try:
            result = store.diff(lst, parse_when(from_), parse_when(to))
        except StoreError as error:
            raise fail(str(error)) from error
    if as_json:
        print_json(result)
        return
    console.print(
        f"[bold]{lst.value}[/] version {result.from_version.id} ({result.from_version.as_of}) → "
        f"{result.to_version.id} ({result.to_version.as_of}): "
        f"[green]{len(result.added)} added[/], [red]{len(result.removed)} removed[/], "
        f"[yellow]{len(result.changed)} changed[/]"
    )
    table = Table("change", "entry", "name", "country", "detail")
    for change in (*result.added, *result.removed, *result.changed):
        entry = change.after or change.before
        assert entry is not None
        detail = ", ".join(f.field for f in change.fields)
        if change.kind.value == "added" and entry.citations:
            detail = str(entry.citations[-1])
        table.add_row(change.kind.value, entry.id, entry.name, ",".join(entry.countries), detail)
    console.print(table)


@app.command()
def show(
    entry_id: Annotated[str, typer.Argument(help="An entry id (e.g. EL-3f2a9c1b7d0e, SDN-21944).")],
    as_of: Annotated[
        str | None, typer.Option(help="Show the entry as it stood on this date.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """An entry with everything the list says about it, and its history across versions."""
    when = date.fromisoformat(as_of) if as_of else None
    from exportscreen.decisions.determination import EntryDating
    from exportscreen.decisions.policy import EffectiveDates
    from exportscreen.store import StoreError

    note = ""
    with open_store() as store:
        try:
            entry = store.entry(entry_id, as_of=when)
            events = store.history(entry_id)
            if entry is None and when is not None:
                # As a determination for that date does: a later version may list the party
                # with an effective date on or before it (screening.history).
                current = store.entry(entry_id)
                dating = EntryDating(effective_dates=EffectiveDates(store.fr_documents()))
                start = dating.effective_date(current) if current else None
                if (
                    current is not None
                    and start is not None
                    and start <= when
                    and (current.end_date is None or when <= current.end_date)
                ):
                    entry = current
                    note = (
                        f"Not in the version in force on {when.isoformat()}, but the current "
                        f"version lists it effective {start.isoformat()}."
                    )
            # An entry shown from a later version: its fields' sources are that version's.
            sources = (
                store.field_sources(entry, as_of=None if note else when)
                if entry is not None
                else []
            )
        except StoreError as error:
            raise fail(str(error)) from error
    if as_json:
        print_json(
            {
                "entry": entry,
                "note": note,
                "field_sources": [
                    {"field": f.field, "stated": f.stated, "from": f.describe(),
                     "source_format": f.source_format, "file_name": f.file_name,
                     "first_seen": f.first_seen, "last_seen": f.last_seen,
                     "version": f.version_id}
                    for f in sources
                ],
                "history": events,
            }
        )  # fmt: skip
        return
    if entry is None:
        console.print(
            f"[yellow]{entry_id} was not on its list on {as_of or 'the current version'}[/]"
        )
    else:
        if note:
            console.print(f"[yellow]{note}[/]")
        _render_entry(entry)
        table = Table("field", "value from", title="where each legal field came from")
        for source in sources:
            table.add_row(source.label, source.describe())
        console.print(table)
    table = Table("version", "as of", "event", "detail", title="history")
    for event in events:
        detail = ", ".join(f.field for f in event.fields)
        table.add_row(str(event.version.id), event.version.as_of.isoformat(), event.kind, detail)
    console.print(table)


def _render_entry(entry: Any) -> None:
    from exportscreen.model import ReviewPolicy

    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    rows: list[tuple[str, str]] = [
        ("id", entry.id),
        ("list", f"{entry.list.value}"),
        ("type", entry.type.value),
        ("name", entry.name),
        ("aliases", "; ".join(entry.aliases)),
        ("countries", ", ".join(entry.countries)),
        ("addresses", "\n".join(a.one_line() for a in entry.addresses)),
        ("licence requirement", entry.licence.raw),
        ("licence scope", entry.licence.scope.value if entry.licence.raw else ""),
        ("footnotes", ", ".join(str(n) for n in entry.licence.footnotes)),
        (
            "review policy",
            entry.review.raw
            or (
                "not stated by any loaded source"
                if entry.review.policy is ReviewPolicy.NOT_STATED
                else "none stated"
            ),
        ),
        (
            "Federal Register",
            "; ".join(
                f"{c.volume} FR {c.page}" + (f" of {c.date.isoformat()}" if c.date else "")
                for c in entry.citations
            ),
        ),
        ("programs", ", ".join(entry.programs)),
        ("start / end", " / ".join(str(d) for d in (entry.start_date, entry.end_date) if d)),
        ("remarks", entry.remarks),
        ("source", entry.source_url),
    ]
    for key, value in rows:
        if value:
            table.add_row(key, value)
    console.print(table)
