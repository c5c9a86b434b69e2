"""Screening commands: one name (``check``) and a file of them (``batch``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from exportscreen import settings
from exportscreen.cli.common import (
    app,
    cli_caller,
    console,
    db_url,
    err,
    fail,
    open_store,
    print_json,
)


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
    limit: Annotated[
        int, typer.Option(help="At most this many hits.")
    ] = settings.DEFAULT_HIT_LIMIT,
    threshold: Annotated[
        float | None, typer.Option(help=f"Alert score (default {settings.DEFAULT_THRESHOLD}).")
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(help="The party's address: raises a hit listed there, finds Address NN."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Screen the lists as they stood on this date (YYYY-MM-DD), and say whether each "
            "hit was listed then and has been removed since.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Screen one name against every list, with the reasons for each hit."""
    from exportscreen.casework.audit_trail import StoreSink
    from exportscreen.casework.recorded import screen_and_record
    from exportscreen.decisions.determination import EntryDating
    from exportscreen.decisions.policy import EffectiveDates
    from exportscreen.screening.history import lists_on
    from exportscreen.screening.index_cache import open_screener

    try:
        on = date.fromisoformat(as_of) if as_of else None
    except ValueError as error:
        raise fail(f"--as-of: expected a date as YYYY-MM-DD, got {as_of!r}") from error
    history = None
    on_date: dict[str, dict[str, Any]] = {}
    # Recorded before any answer is shown, as in the API: no screening the trail does not hold.
    with open_store() as store:
        if on is None:
            screener = open_screener(db_url())
        else:
            history = lists_on(store, on)
            screener = history.screener
        try:
            recorded = screen_and_record(
                screener,
                StoreSink(store.engine),
                cli_caller(),
                name,
                country=country,
                type=type_,
                limit=limit,
                threshold=threshold,
                address=address,
                as_of=on,
            )
        except ValueError as error:
            raise fail(str(error)) from error
        if history is not None:
            dating = EntryDating(effective_dates=EffectiveDates(store.fr_documents()))
            on_date = {
                h.entry.id: history.listing_on_date(h.entry, dating.effective_date)
                for h in recorded.hits
            }
    hits = recorded.hits
    if as_json:
        answer: dict[str, Any] = {
            "query": name,
            "threshold": threshold or settings.DEFAULT_THRESHOLD,
            "algorithm": screener.algorithm,
            "hits": hits,
            "reference": recorded.reference,
        }
        if history is not None:
            answer["lists_as_of"] = {"on": history.on.isoformat(), "versions": history.describe()}
            answer["on_date"] = on_date
        print_json(answer)
        return
    # The reference first: a clear needs its evidence as much as a hit does.
    console.print(
        f"reference {recorded.reference} [dim](evidence: /ui/evidence/{recorded.reference})[/]"
    )
    if history is not None and not history.all_current:
        console.print(f"lists as they stood on {history.on.isoformat()}:")
        for line in history.describe():
            console.print(f"  {line}", markup=False)
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
        dated = on_date.get(hit.entry.id, {})
        then = "; ".join(w for w in (dated.get("note"), dated.get("removed_since")) if w)
        why = "\n".join(w for w in (_named_in(hit.entry), then, why) if w)
        table.add_row(
            f"{hit.score:.2f}",
            hit.entry.list.value,
            hit.entry.id,
            _highlight(hit.matched_name, matched) + Text(primary, style="dim"),
            why,
        )
    console.print(table)


def _named_in(entry: Any) -> str:
    """For a party listed inside another entry's text (``sources.subparties``): which entry."""
    parent = entry.details.get("parent_name")
    if not parent:
        return ""
    cited = f", {entry.citations[-1]}" if entry.citations else ""
    where = f" ({entry.details['parent_id']})" if entry.details.get("parent_id") else ""
    return f"named affiliate: listed in the entry for {parent}{where}{cited}"


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
    dob_col: Annotated[
        str | None,
        typer.Option(help="Input column of dates of birth: year, date or range (date_of_birth)."),
    ] = None,
    nationality_col: Annotated[
        str | None, typer.Option(help="Input column of nationalities (default: nationality).")
    ] = None,
    identifier_col: Annotated[
        str | None,
        typer.Option(help="Input column of identifiers, ';' between several (identifier)."),
    ] = None,
    address_col: Annotated[
        str | None, typer.Option(help="Input column of addresses (default: address).")
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

    from exportscreen.casework import audit_trail as audit
    from exportscreen.casework.evidence import reference
    from exportscreen.screening.batch import BatchProgress, run_batch
    from exportscreen.screening.index_cache import open_screener
    from exportscreen.screening.screener import Screener
    from exportscreen.sources.common import SourceError

    db = db_url()
    # The record names the versions of the screener the workers were shipped (run_batch builds
    # it once, here), not the store's current ones read apart: an update landing in between
    # would otherwise be recorded as screened against.
    built: list[Screener] = []

    def build_screener() -> Screener:
        built.append(open_screener(db))
        return built[0]

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
                screener_factory=build_screener,
                id_col=id_col,
                name_col=name_col,
                country_col=country_col,
                type_col=type_col,
                qualifier_cols={
                    "date_of_birth": dob_col,
                    "nationality": nationality_col,
                    "identifier": identifier_col,
                    "address": address_col,
                },
                threshold=threshold,
                workers=workers,
                best_only=best_only,
                progress=None if quiet else update,
            )
        except (SourceError, ValueError) as error:
            raise fail(str(error)) from error
    # Recorded also when interrupted or with bad rows: the rows read were screened.
    event = audit.batch_event(
        cli_caller(),
        report,
        file=input_path.name,
        algorithm=Screener.algorithm,
        threshold=settings.DEFAULT_THRESHOLD if threshold is None else threshold,
        list_versions=built[0].version_ids if built else {},
    )
    with open_store() as store:
        written = audit.write(audit.StoreSink(store.engine), event)
    summary = (
        f"{report.rows_screened:,} rows screened in {report.elapsed_seconds:,.1f} s "
        f"({report.rows_per_second:,.0f}/s): {report.hits_written:,} hits written to "
        f"{report.output_path}; reference {reference(written.seq)}"
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
