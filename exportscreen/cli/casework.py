"""Case work: the counterparty register, alerts, decisions, the audit trail and re-screens."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from exportscreen.cli.common import (
    app,
    console,
    db_url,
    err,
    fail,
    open_register,
    open_store,
    print_json,
    state,
)
from exportscreen.cli.screening import EXIT_BAD_ROWS

counterparties_app = typer.Typer(help="The counterparty register.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(counterparties_app, name="counterparties")
app.add_typer(audit_app, name="audit")


@counterparties_app.command("import")
def counterparties_import(
    path: Annotated[Path, typer.Argument(help="CSV, XLSX, Parquet or JSON Lines.")],
    id_col: Annotated[str, typer.Option(help="Column of the counterparty's own id.")] = "id",
    name_col: Annotated[str, typer.Option(help="Column of the name.")] = "name",
    country_col: Annotated[str, typer.Option(help="Column of the country.")] = "country",
    type_col: Annotated[str, typer.Option(help="Column of the type.")] = "type",
    address_col: Annotated[str, typer.Option(help="Column of the address.")] = "address",
    dob_col: Annotated[
        str,
        typer.Option(help="Column of the date of birth: a year, YYYY-MM-DD or a range."),
    ] = "date_of_birth",
    skip_bad_rows: Annotated[
        bool, typer.Option(help="Import the good rows, report the bad.")
    ] = False,
) -> None:
    """Add or update counterparties (all or nothing unless --skip-bad-rows)."""
    from exportscreen.sources.common import SourceError

    with open_store() as store:
        try:
            result = open_register(store).import_file(
                path,
                id_col=id_col,
                name_col=name_col,
                country_col=country_col,
                type_col=type_col,
                address_col=address_col,
                dob_col=dob_col,
                skip_bad_rows=skip_bad_rows,
            )
        except SourceError as error:
            raise fail(f"{error}\nnothing was imported.") from error
    console.print(f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged")
    for problem in result.problems[:20]:
        err.print(f"[yellow]skipped: {problem}[/]")


@counterparties_app.command("screen")
def counterparties_screen(
    threshold: Annotated[float | None, typer.Option(help="Alert score.")] = None,
) -> None:
    """Screen the whole register against the current lists and raise alerts for new pairs."""
    from exportscreen.screening.index_cache import open_screener

    screener = open_screener(db_url())
    with open_store() as store:
        run = open_register(store, threshold).screen(screener)
    console.print(
        f"screened {run.screened:,} counterparties: {len(run.raised)} new alerts, "
        f"{run.already_open} already open or decided, {run.suppressed} suppressed by decisions"
    )
    for party in run.unscreened:
        err.print(f"NOT SCREENED {party.external_id} {party.name!r}: {party.reason}", markup=False)
    if run.unscreened:
        raise typer.Exit(EXIT_BAD_ROWS)


@app.command()
def alerts(
    status: Annotated[
        str, typer.Option(help="open, pending_approval, decided, closed or all.")
    ] = "open",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Alerts awaiting (or past) an analyst's decision; pending_approval: those whose
    clearance awaits a second analyst (``exportscreen approve``)."""
    from exportscreen.store.alerts import PENDING_APPROVAL, QUEUE_VIEWS, QueueQuery

    if status not in QUEUE_VIEWS:
        raise fail(f"--status: unknown status {status!r}; one of {', '.join(QUEUE_VIEWS)}")
    with open_store() as store:
        desk = open_register(store)
        if status == PENDING_APPROVAL:
            found, _ = desk.queue(QueueQuery(view=status, sort="oldest", limit=10**6))
        else:
            found = desk.alerts(None if status == "all" else status)
        waiting = {
            alert_id: next(d for d in made if d.pending)
            for alert_id, made in desk.history([a.id for a in found]).items()
            if any(d.pending for d in made)
        }
    if as_json:
        print_json(found)
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
            a.status
            + (
                f"\n[yellow]decision {waiting[a.id].id} by {waiting[a.id].decided_by} "
                "awaits approval[/]"
                if a.id in waiting
                else ""
            ),
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

    from exportscreen.casework.register import parse_disposition

    try:
        disposition = parse_disposition(as_)
    except ValueError as error:
        raise fail(str(error)) from error
    expires_at = (
        datetime.combine(date.fromisoformat(expires), time.min, tzinfo=UTC) if expires else None
    )
    with open_store() as store:
        try:
            outcome = open_register(store).decide_with(
                alert_id, disposition, reason, user=state["user"], expires_at=expires_at
            )
        except (LookupError, ValueError) as error:
            raise fail(str(error)) from error
    if outcome.four_eyes:
        console.print(
            f"decision {outcome.decision_id} recorded, PENDING APPROVAL by a second analyst "
            f"({outcome.four_eyes}): alert {alert_id} stays as it was until "
            f"`exportscreen approve {outcome.decision_id}`",
            markup=False,
        )
        return
    console.print(
        f"decision {outcome.decision_id} recorded: alert {alert_id} is {disposition.value}"
    )


def _review(decision_id: int, reason: str, *, approve: bool) -> None:
    with open_store() as store:
        desk = open_register(store)
        try:
            if approve:
                desk.approve(decision_id, reason, user=state["user"])
            else:
                desk.reject(decision_id, reason, user=state["user"])
        except (LookupError, ValueError) as error:  # FourEyes is a ValueError
            raise fail(str(error)) from error
    verb = "approved: it takes effect" if approve else "rejected: it has no effect"
    console.print(f"decision {decision_id} {verb}")


@app.command()
def approve(
    decision_id: Annotated[int, typer.Argument(metavar="DECISION")],
    reason: Annotated[str, typer.Option(help="Why: recorded in the audit trail.")],
) -> None:
    """Approve, as a second analyst, a clearance awaiting approval (four-eyes)."""
    _review(decision_id, reason, approve=True)


@app.command()
def reject(
    decision_id: Annotated[int, typer.Argument(metavar="DECISION")],
    reason: Annotated[str, typer.Option(help="Why: recorded in the audit trail.")],
) -> None:
    """Reject a clearance awaiting approval: it never takes effect."""
    _review(decision_id, reason, approve=False)


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain, its signed checkpoints and the decisions it covers: an edited,
    deleted, re-ordered or missing record (a cut tail included) or an edited decision is
    reported with the first record at fault."""
    from exportscreen.casework import audit_trail as audit

    with open_store() as store:
        result = audit.verify(store.engine)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    # "intact" only when a checked signature vouches for the tail: without one, a cut of the
    # tail would not show (``VerifyResult.verdict``, shared with the audit page).
    state, wording = result.verdict
    headline, _, rest = wording.partition(": ")
    if state == "broken":
        raise fail(wording, code=1)
    colour = "green" if state == "intact" else "yellow"
    console.print(f"[{colour}]{headline}[/]: {rest}", highlight=False)


@audit_app.command("export")
def audit_export(
    output: Annotated[Path, typer.Argument(help="A .json or .csv file to write.")],
    from_: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
) -> None:
    """Write the audit records of a period for an auditor."""
    from exportscreen.casework import audit_trail as audit

    with open_store() as store:
        count = audit.export(
            store.engine,
            output,
            date.fromisoformat(from_) if from_ else None,
            date.fromisoformat(to) if to else None,
        )
    console.print(f"{count:,} records written to {output}")


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
    from exportscreen.casework.rescreen import rescreen as run_rescreen
    from exportscreen.screening.index_cache import open_screener
    from exportscreen.store import StoreError

    screener = open_screener(db_url())
    with open_store() as store:
        try:
            report = run_rescreen(
                store,
                open_register(store),
                screener,
                since=date.fromisoformat(since) if since else None,
            )
        except (StoreError, ValueError) as error:
            raise fail(str(error)) from error
    if as_json:
        print_json(report.to_dict())
    else:
        for line in report.lines():
            console.print(line, markup=False, highlight=False)
    if report.unscreened:  # reported above; the exit status says the re-screen is incomplete
        raise typer.Exit(EXIT_BAD_ROWS)
