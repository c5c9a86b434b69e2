"""The ``exportscreen`` command line: thin wrappers that parse options, call the library and print.

Every command takes the store from ``--db`` (an SQLAlchemy URL or a SQLite file path), else
``EXPORTSCREEN_DB``, else a SQLite file in the user's data directory. ``--json`` prints machine-
readable output on stdout; tables and progress go to the terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from exportscreen import settings
from exportscreen.model import ListCode, to_plain

app = typer.Typer(
    name="exportscreen",
    help="Export-control screening against every US list, versioned and explained.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
console = Console()
err = Console(stderr=True)

_state: dict[str, Any] = {"db": None, "user": None}


@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store URL or SQLite file (default: EXPORTSCREEN_DB, else a file "
            "in the user data directory).",
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Who is acting, for the audit trail (default: EXPORTSCREEN_USER "
            "or the login name).",
        ),
    ] = None,
) -> None:
    _state["db"] = db
    _state["user"] = user or settings.default_actor()


def _db_url() -> str:
    db = _state["db"]
    if db is None:
        return settings.default_db_url()
    return db if "://" in db else f"sqlite:///{Path(db).resolve()}"


@contextmanager
def _store() -> Iterator[Any]:
    from exportscreen.store import Store

    store = Store.open(_db_url())
    try:
        yield store
    finally:
        store.close()


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_plain(data), ensure_ascii=False, indent=2) + "\n")


def _parse_when(value: str | None) -> int | date | None:
    """A version id ("12") or a date ("2025-03-01")."""
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise _fail(f"{value!r} is neither a version id nor a date (YYYY-MM-DD)") from error


def _list_code(value: str) -> ListCode:
    try:
        return ListCode(value.upper())
    except ValueError as error:
        codes = ", ".join(c.value for c in ListCode)
        raise _fail(f"unknown list {value!r}; one of {codes}") from error


# --- lists: load, update, lists, diff, show ---------------------------------------------------


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
        bool, typer.Option(help="Import a file even if it would shrink a list below half its size.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write the bad-row report (CSV) here.")
    ] = None,
) -> None:
    """Load list files (any supported format, detected from the content) as new list versions.

    All or nothing: one bad file or row stops the load before anything is written (unless
    --skip-bad-rows)."""
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
    from exportscreen.loading import load_paths
    from exportscreen.sources.common import SourceError

    when = date.fromisoformat(as_of) if as_of else None
    with _store() as store, _progress() as progress:
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
            raise _fail(f"{error}\nnothing was imported.") from error
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
        raise _fail(
            f"{len(result.failed)} file(s) refused; the lists they hold kept their current "
            "versions",
            code=1,
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
    from exportscreen.status import record_update
    from exportscreen.updater import run_update

    with _store() as store:
        result = run_update(store, sources=source, mirror=mirror or settings.MIRROR_URL or None)
        record_update(store, result)
    table = Table("source", "status", "lists", "detail")
    failed = 0
    for item in result.sources:
        lists = ", ".join(f"{k.value} {v}" for k, v in sorted(item.counts.items()))
        style = {"failed": "red", "updated": "green"}.get(item.status.value, "")
        table.add_row(item.source, Text(item.status.value, style=style), lists, item.error or "")
        failed += item.status.value == "failed"
    console.print(table)
    if failed:
        raise _fail(f"{failed} source(s) failed; their current versions were kept", code=1)


@app.command("lists")
def lists_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Each list: its current version, the data date and the entry count."""
    with _store() as store:
        summaries = store.lists()
    if as_json:
        _print_json(
            [
                {
                    "list": s.list.value,
                    "name": s.name,
                    "version": s.version_id,
                    "as_of": s.as_of,
                    "imported_at": s.imported_at,
                    "entries": s.entry_count,
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


@app.command()
def diff(
    list_code: Annotated[str, typer.Argument(metavar="LIST", help="EL, SDN, DPL...")],
    from_: Annotated[str | None, typer.Option("--from", help="Version id or date.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Version id or date.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What changed in a list between two versions or dates (default: the last two versions)."""
    from exportscreen.store import StoreError

    lst = _list_code(list_code)
    with _store() as store:
        try:
            result = store.diff(lst, _parse_when(from_), _parse_when(to))
        except StoreError as error:
            raise _fail(str(error)) from error
    if as_json:
        _print_json(result)
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
    from exportscreen.store import StoreError

    with _store() as store:
        try:
            entry = store.entry(entry_id, as_of=when)
            events = store.history(entry_id)
        except StoreError as error:
            raise _fail(str(error)) from error
    if as_json:
        _print_json({"entry": entry, "history": events})
        return
    if entry is None:
        console.print(
            f"[yellow]{entry_id} was not on its list on {as_of or 'the current version'}[/]"
        )
    else:
        _render_entry(entry)
    table = Table("version", "as of", "event", "detail", title="history")
    for event in events:
        detail = ", ".join(f.field for f in event.fields)
        table.add_row(str(event.version.id), event.version.as_of.isoformat(), event.kind, detail)
    console.print(table)


def _render_entry(entry: Any) -> None:
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
        ("review policy", entry.review.raw or "(not stated by this source)"),
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


# --- screening -------------------------------------------------------------------------------


def _highlight(name: str, tokens: list[str]) -> Text:
    """The name with the entry tokens that matched the query in bold green."""
    import re

    text = Text(name)
    lowered = name.casefold()
    for token in tokens:
        if not token:
            continue
        for match in re.finditer(re.escape(token.casefold()), lowered):
            text.stylize("bold green", match.start(), match.end())
    return text


@app.command()
def check(
    name: Annotated[str, typer.Argument(help="The party's name, in any script.")],
    country: Annotated[str | None, typer.Option(help="ISO country code of the party.")] = None,
    type_: Annotated[
        str | None, typer.Option("--type", help="person, company, vessel or aircraft.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many hits.")] = 10,
    threshold: Annotated[
        float | None, typer.Option(help=f"Alert score (default {settings.DEFAULT_THRESHOLD}).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Screen one name against every list, with the reasons for each hit."""
    from exportscreen.index_cache import open_screener

    screener = open_screener(_db_url())
    try:
        hits = screener.screen(name, country=country, type=type_, limit=limit, threshold=threshold)
    except ValueError as error:
        raise _fail(str(error)) from error
    if as_json:
        _print_json(
            {
                "query": name,
                "threshold": threshold or settings.DEFAULT_THRESHOLD,
                "algorithm": screener.algorithm,
                "hits": hits,
            }
        )
        return
    if not hits:
        console.print(
            f"[green]no hit[/] for {name!r} at threshold {threshold or settings.DEFAULT_THRESHOLD}"
        )
        return
    table = Table("score", "list", "entry", "matched name", "why")
    for hit in hits:
        matched = [t.candidate for t in hit.explanation.tokens]
        why = hit.explanation.summary or "; ".join(
            f"{t.query}→{t.candidate} ({t.kind.value})" for t in hit.explanation.tokens
        )
        if hit.explanation.penalties:
            why += "\n" + "; ".join(p.reason for p in hit.explanation.penalties)
        primary = "" if hit.matched_name == hit.entry.name else f"\n(alias of {hit.entry.name})"
        table.add_row(
            f"{hit.score:.2f}",
            hit.entry.list.value,
            hit.entry.id,
            _highlight(hit.matched_name, matched) + Text(primary, style="dim"),
            why,
        )
    console.print(table)


# --- counterparties, alerts, decisions, audit -------------------------------------------------

counterparties_app = typer.Typer(help="The counterparty register.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(counterparties_app, name="counterparties")
app.add_typer(audit_app, name="audit")


def _register(store: Any, threshold: float | None = None) -> Any:
    from exportscreen.review import Register

    return Register(store, actor=_state["user"], threshold=threshold)


@counterparties_app.command("import")
def counterparties_import(
    path: Annotated[Path, typer.Argument(help="CSV, XLSX, Parquet or JSON Lines.")],
    id_col: Annotated[str, typer.Option(help="Column of the counterparty's own id.")] = "id",
    name_col: Annotated[str, typer.Option(help="Column of the name.")] = "name",
    country_col: Annotated[str, typer.Option(help="Column of the country.")] = "country",
    type_col: Annotated[str, typer.Option(help="Column of the type.")] = "type",
    skip_bad_rows: Annotated[
        bool, typer.Option(help="Import the good rows, report the bad.")
    ] = False,
) -> None:
    """Add or update counterparties (all or nothing unless --skip-bad-rows)."""
    from exportscreen.sources.common import SourceError

    with _store() as store:
        try:
            result = _register(store).import_file(
                path,
                id_col=id_col,
                name_col=name_col,
                country_col=country_col,
                type_col=type_col,
                skip_bad_rows=skip_bad_rows,
            )
        except SourceError as error:
            raise _fail(f"{error}\nnothing was imported.") from error
    console.print(f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged")
    for problem in result.problems[:20]:
        err.print(f"[yellow]skipped: {problem}[/]")


@counterparties_app.command("screen")
def counterparties_screen(
    threshold: Annotated[float | None, typer.Option(help="Alert score.")] = None,
) -> None:
    """Screen the whole register against the current lists and raise alerts for new pairs."""
    from exportscreen.index_cache import open_screener

    screener = open_screener(_db_url())
    with _store() as store:
        run = _register(store, threshold).screen(screener)
    console.print(
        f"screened {run.screened:,} counterparties: {len(run.raised)} new alerts, "
        f"{run.already_open} already open or decided, {run.suppressed} suppressed by decisions"
    )


@app.command()
def alerts(
    status: Annotated[str, typer.Option(help="open, decided, closed or all.")] = "open",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Alerts awaiting (or past) an analyst's decision."""
    with _store() as store:
        found = _register(store).alerts(None if status == "all" else status)
    if as_json:
        _print_json(found)
        return
    table = Table("alert", "counterparty", "entry", "matched name", "score", "status", "raised")
    for a in found:
        changed = a.explanation.get("changed_since_decision")
        note = "\n[yellow]changed since a decision[/]" if changed else ""
        table.add_row(
            str(a.id),
            f"{a.counterparty.name} ({a.counterparty.external_id})",
            a.entry_id,
            a.matched_name + note,
            f"{a.score:.2f}",
            a.status,
            a.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@app.command()
def decide(
    alert_id: Annotated[int, typer.Argument(metavar="ALERT")],
    as_: Annotated[
        str, typer.Option("--as", help="true_match, false_positive, needs_info or escalated.")
    ],
    reason: Annotated[str, typer.Option(help="Why: recorded in the audit trail.")],
    expires: Annotated[
        str | None, typer.Option(help="When a false-positive suppression ends (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Record an analyst's decision on an alert."""
    from datetime import UTC, datetime, time

    from exportscreen.review import parse_disposition

    try:
        disposition = parse_disposition(as_)
    except ValueError as error:
        raise _fail(str(error)) from error
    expires_at = (
        datetime.combine(date.fromisoformat(expires), time.min, tzinfo=UTC) if expires else None
    )
    with _store() as store:
        try:
            decision = _register(store).decide(
                alert_id, disposition, reason, user=_state["user"], expires_at=expires_at
            )
        except (LookupError, ValueError) as error:
            raise _fail(str(error)) from error
    console.print(f"decision {decision} recorded: alert {alert_id} is {disposition.value}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain: any edited, deleted or re-ordered record is reported."""
    from exportscreen import audit

    with _store() as store:
        result = audit.verify(store.engine)
    if result.ok:
        console.print(f"[green]audit trail intact[/]: {result.records:,} records")
        return
    raise _fail(
        f"audit trail broken at record {result.first_bad_seq}: {result.problem} "
        f"({result.records:,} records verified before it)",
        code=1,
    )


@audit_app.command("export")
def audit_export(
    output: Annotated[Path, typer.Argument(help="A .json or .csv file to write.")],
    from_: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
) -> None:
    """Write the audit records of a period for an auditor."""
    from exportscreen import audit

    with _store() as store:
        count = audit.export(
            store.engine,
            output,
            date.fromisoformat(from_) if from_ else None,
            date.fromisoformat(to) if to else None,
        )
    console.print(f"{count:,} records written to {output}")


# --- licence determination -------------------------------------------------------------------

_OUTCOME_STYLE = {
    "PROHIBITED": "bold white on red",
    "LICENSE_REQUIRED": "bold red",
    "HOLD": "bold yellow",
    "NO_LIST_RESTRICTION": "green",
}


@app.command()
def determine(
    path: Annotated[Path, typer.Argument(help="The transaction, as JSON or YAML.")],
    ownership: Annotated[
        Path | None,
        typer.Option(help="Ownership graph CSV (owner, owned, percent, as_of, source)."),
    ] = None,
    affiliates_schedule: Annotated[
        Path | None, typer.Option(help="YAML/JSON overriding the Affiliates Rule's dated status.")
    ] = None,
    threshold: Annotated[float | None, typer.Option(help="Alert score.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Licence determination for a transaction: per party and overall, with the reasons.

    Supports, and does not replace, a compliance decision."""
    from exportscreen import audit
    from exportscreen.determination import determine as run_determination
    from exportscreen.determination import load_transaction
    from exportscreen.index_cache import open_screener
    from exportscreen.ownership import OwnershipGraph
    from exportscreen.policy import DEFAULT_AFFILIATES_SCHEDULE, AffiliatesRuleSchedule
    from exportscreen.sources.common import SourceError

    try:
        transaction = load_transaction(path)
        graph = OwnershipGraph.from_csv(ownership) if ownership else None
        schedule = (
            AffiliatesRuleSchedule.from_file(affiliates_schedule)
            if affiliates_schedule
            else DEFAULT_AFFILIATES_SCHEDULE
        )
    except SourceError as error:
        raise _fail(str(error)) from error
    screener = open_screener(_db_url())
    with _store() as store:
        confirmed = _register(store).confirmed()
        result = run_determination(
            transaction,
            screener,
            threshold=threshold,
            confirmed=confirmed,
            ownership=graph,
            affiliates=schedule,
        )
        plain = result.to_dict()
        audit.append(
            store.engine,
            _state["user"],
            "determine",
            {
                "transaction": plain["transaction"],
                "outcome": plain["outcome"],
                "parties": [
                    {"name": p["party"]["name"], "outcome": p["outcome"]} for p in plain["parties"]
                ],
                "list_versions": {k.value: v for k, v in screener.version_ids.items()},
                "algorithm": screener.algorithm,
                "threshold": result.threshold,
            },
        )
    if as_json:
        _print_json(plain)
        return
    outcome = result.outcome.name
    console.print(
        f"[bold]Transaction {transaction.id or path.name}[/] of {transaction.date}: "
        f"[{_OUTCOME_STYLE[outcome]}]{outcome}[/]"
    )
    for party in result.parties:
        name = party.outcome.name
        console.print(
            f"\n[bold]{party.party.role.value}[/] {party.party.name} "
            f"({party.party.country or '?'}): [{_OUTCOME_STYLE[name]}]{name}[/]"
        )
        for listing in party.listings:
            c = listing.consequence
            console.print(
                f"  • {listing.status.value} match on {listing.list.value} {listing.entry_id} "
                f"{listing.entry_name!r} via {listing.matched_name!r}"
                + (f" (score {listing.score:.2f})" if listing.score is not None else "")
                + f" → {listing.outcome.name}"
                + (
                    f" (if confirmed: {listing.if_confirmed.name})"
                    if listing.if_confirmed != listing.outcome
                    else ""
                )
            )
            if c.requirement:
                console.print(f"    licence requirement: {c.requirement}")
            for item in c.items:
                covered = "not covered" if item.covered is False else "covered"
                console.print(f"    item {item.eccn}: {covered} — {item.why}")
            if c.review_text or c.review_meaning:
                policy = c.review_text or c.review_policy.value
                console.print(f"    review policy: {policy}; {c.review_meaning}")
            for footnote in listing.footnotes:
                console.print(
                    f"    footnote {footnote.number} ({footnote.regulation}): {footnote.meaning}"
                )
            if listing.citations:
                console.print(f"    Federal Register: {'; '.join(listing.citations)}")
            for note in (*c.notes, *((listing.note,) if listing.note else ())):
                console.print(f"    [dim]{note}[/]")
        for ground in party.ownership:
            console.print(
                f"  • ownership ({ground.regime.value}): {ground.text} → {ground.outcome.name}"
            )
        for note in party.notes:
            console.print(f"  [dim]{note}[/]")
    console.print(f"\n[dim]{result.notice}[/]")


# --- batch -----------------------------------------------------------------------------------

# Exit status of a batch that finished but reported bad rows (0: clean, 1: failed, 2: usage,
# 130: interrupted, as shells report Ctrl-C).
EXIT_BAD_ROWS = 3
EXIT_INTERRUPTED = 130


@app.command()
def batch(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT", help="CSV, XLSX, Parquet or JSONL.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write hits; format from the extension.")
    ],
    id_col: Annotated[
        str | None, typer.Option(help="Input column of row ids (default: id).")
    ] = None,
    name_col: Annotated[
        str | None, typer.Option(help="Input column of names (default: name).")
    ] = None,
    country_col: Annotated[
        str | None, typer.Option(help="Input column of countries (default: country).")
    ] = None,
    type_col: Annotated[
        str | None, typer.Option(help="Input column of types (default: type).")
    ] = None,
    threshold: Annotated[float | None, typer.Option(help="Alert score.")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes (default: every core).")] = None,
    best_only: Annotated[
        bool, typer.Option(help="One output row per input row: its best hit or none.")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Screen every row of a file on every core; bad rows go to OUTPUT.errors.csv."""
    from rich.progress import TimeRemainingColumn

    from exportscreen.batch import BatchProgress, run_batch
    from exportscreen.index_cache import open_screener
    from exportscreen.sources.common import SourceError

    db = _db_url()
    with Progress(
        TextColumn("screening"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} rows/s"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[hits]} hits"),
        console=err,
        disable=quiet,
        transient=False,
    ) as progress:
        task = progress.add_task("screening", total=None, rate="-", hits=0)

        def update(p: BatchProgress) -> None:
            elapsed = progress.tasks[task].elapsed or 0.0
            rate = f"{p.rows_done / elapsed:,.0f}" if elapsed > 0 else "-"
            progress.update(task, completed=p.rows_done, total=p.rows_total, rate=rate, hits=p.hits)

        try:
            report = run_batch(
                input_path,
                output,
                screener_factory=lambda: open_screener(db),
                id_col=id_col,
                name_col=name_col,
                country_col=country_col,
                type_col=type_col,
                threshold=threshold,
                workers=workers,
                best_only=best_only,
                progress=None if quiet else update,
            )
        except (SourceError, ValueError) as error:
            raise _fail(str(error)) from error
    summary = (
        f"{report.rows_screened:,} rows screened in {report.elapsed_seconds:,.1f} s "
        f"({report.rows_per_second:,.0f}/s): {report.hits_written:,} hits written to "
        f"{report.output_path}"
    )
    if report.interrupted:
        err.print(
            f"[yellow]interrupted after {report.rows_read:,} rows[/]; {summary} "
            "(a valid partial file)"
        )
        raise typer.Exit(EXIT_INTERRUPTED)
    console.print(summary)
    if report.bad_rows:
        err.print(
            f"[yellow]finished with {report.bad_rows:,} bad rows[/]: see {report.errors_path}"
        )
        raise typer.Exit(EXIT_BAD_ROWS)


# --- operations: status, backups ---------------------------------------------------------------


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Each list's data age, last update and last error."""
    from exportscreen.status import list_status

    with _store() as store:
        found = list_status(store)
    if as_json:
        _print_json(found)
        return
    table = Table("list", "version", "data as of", "data age", "imported", "last attempt", "error")
    for s in found:
        attempt = s.last_attempt
        table.add_row(
            s.list.value,
            str(s.version_id or "-"),
            s.as_of.isoformat() if s.as_of else "-",
            f"{s.data_age_days} d" if s.data_age_days is not None else "-",
            s.imported_at.strftime("%Y-%m-%d %H:%M") if s.imported_at else "-",
            f"{attempt.status} {attempt.started_at:%Y-%m-%d %H:%M}" if attempt else "never",
            Text(s.last_failure.error or "", style="red") if s.failing and s.last_failure else "",
        )
    console.print(table)
    if any(s.failing for s in found):
        raise typer.Exit(1)


@app.command("export")
def export_(
    path: Annotated[Path, typer.Argument(help="Backup file (.jsonl or .jsonl.gz).")],
) -> None:
    """Back up counterparties, alerts, decisions, ownership, users and the audit trail."""
    from exportscreen.backup import export_backup

    with _store() as store:
        summary = export_backup(store, path)
    console.print(
        f"backup written to {path}: " + ", ".join(f"{k} {v:,}" for k, v in summary.counts.items())
    )


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A backup written by `exportscreen export`.")],
) -> None:
    """Restore a backup into an empty store; the whole file is checked (including the audit
    chain) before anything is written."""
    from exportscreen.backup import import_backup
    from exportscreen.sources.common import SourceError
    from exportscreen.store import StoreError

    with _store() as store:
        try:
            summary = import_backup(store, path)
        except (SourceError, StoreError) as error:
            raise _fail(f"{error}\nnothing was restored.") from error
    console.print(
        f"restored from {path}: " + ", ".join(f"{k} {v:,}" for k, v in summary.counts.items())
    )


# --- the server, users and keys -----------------------------------------------------------------

users_app = typer.Typer(help="Users of the API and web UI.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes sharing the store.")] = 1,
    update_every: Annotated[
        str | None, typer.Option(help="Refresh the lists on this schedule (6h, 30m, 1d).")
    ] = None,
    mirror: Annotated[str | None, typer.Option(help="Mirror base URL for the updates.")] = None,
) -> None:
    """Run the HTTP API and the web UI (uvicorn)."""
    import os
    from dataclasses import replace

    import uvicorn

    from exportscreen.api.app import create_app
    from exportscreen.api.app import serve as serve_workers
    from exportscreen.api.config import ApiConfig
    from exportscreen.status import parse_every

    try:
        every = parse_every(update_every) if update_every else None
    except ValueError as error:
        raise _fail(str(error)) from error
    url = _db_url()
    if workers == 1:
        config = replace(ApiConfig.from_settings(url), update_every=every, mirror=mirror or "")
        # As each worker of serve_workers runs: no access log (every request is counted in
        # /metrics and every screening is in the audit trail).
        uvicorn.run(
            create_app(config),
            host=host,
            port=port,
            server_header=False,
            access_log=False,
            proxy_headers=False,
        )
        return
    # Each worker process builds its app from the environment (uvicorn's factory).
    os.environ["EXPORTSCREEN_DB"] = url
    if update_every:
        os.environ["EXPORTSCREEN_UPDATE_EVERY"] = update_every
    if mirror:
        os.environ["EXPORTSCREEN_MIRROR"] = mirror
    serve_workers(host, port, workers=workers)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="viewer, analyst or admin.")] = "viewer",
    password: Annotated[
        bool, typer.Option("--password", help="Prompt for a password (for the web UI).")
    ] = False,
) -> None:
    """Add a user; API keys are created for users with `keys create`."""
    from exportscreen.api.auth import add_user

    secret = (
        typer.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    )
    with _store() as store:
        try:
            add_user(store, name, role, secret, actor=_state["user"])
        except ValueError as error:
            raise _fail(str(error)) from error
    console.print(f"user {name} added as {role}")


@keys_app.command("create")
def keys_create(
    user: Annotated[str, typer.Argument(help="The user the key acts as.")],
    label: Annotated[str, typer.Option(help="What the key is for.")] = "",
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    from exportscreen.api.auth import create_key

    with _store() as store:
        try:
            key = create_key(store, user, label, actor=_state["user"])
        except LookupError as error:
            raise _fail(str(error)) from error
    err.print("the key (shown once; keep it secret):")
    sys.stdout.write(key + "\n")


@app.command()
def rescreen(
    since: Annotated[
        str | None,
        typer.Option(
            help="Compare with the lists in force on this date (default: the versions "
            "the register was last screened against)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Re-screen the register against what changed in the lists: the added and changed entries
    only (alerts on removed entries are closed), with a report of what changed and whom it hits."""
    from exportscreen.index_cache import open_screener
    from exportscreen.rescreen import rescreen as run_rescreen
    from exportscreen.store import StoreError

    screener = open_screener(_db_url())
    with _store() as store:
        try:
            report = run_rescreen(
                store,
                _register(store),
                screener,
                since=date.fromisoformat(since) if since else None,
            )
        except (StoreError, ValueError) as error:
            raise _fail(str(error)) from error
    if as_json:
        _print_json(report.to_dict())
        return
    for line in report.lines():
        console.print(line, markup=False, highlight=False)
