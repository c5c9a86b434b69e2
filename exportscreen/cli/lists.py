"""Commands on the lists themselves: load, update, lists (diff, show and links: ``changes``)."""

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

    from exportscreen.screening.tabular import formula_safe

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "field", "message"])
        for p in problems:
            cells = [p.file, p.line or "", p.field or "", p.message]
            writer.writerow([formula_safe(c) for c in cells])


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


@app.command("export-ftm")
def export_ftm(
    list_code: Annotated[str, typer.Argument(metavar="LIST", help="EL, SDN, UN, EU...")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Write a list's current entries as FollowTheMoney entities, one JSON object per line
    (entities.ftm.json, as OpenSanctions and yente publish them), built with FtM's own model."""
    import json
    import sys

    from exportscreen.api.ftm import dataset_name, entity
    from exportscreen.cli.common import parse_list
    from exportscreen.store import StoreError

    lst = parse_list(list_code)
    with open_store() as store:
        try:
            entries = store.entries(lst)
        except StoreError as error:
            raise fail(str(error)) from error
    lines = []
    for entry in entries:
        data = entity(entry).to_dict()
        data["datasets"] = [dataset_name(entry.list)]
        lines.append(json.dumps(data, ensure_ascii=False, sort_keys=True))
    text = "".join(f"{line}\n" for line in lines)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"{len(lines)} entities written to {output}")


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
