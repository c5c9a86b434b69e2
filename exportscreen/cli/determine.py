"""Licence determination for a transaction file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from exportscreen.cli.common import (
    app,
    cli_caller,
    console,
    fail,
    open_register,
    open_store,
    print_json,
)

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
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The day the determination is made (YYYY-MM-DD; default today): list ages and "
            "decision expiry are judged on it.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Licence determination for a transaction: per party and overall, with the reasons.

    Supports, and does not replace, a compliance decision."""
    from exportscreen.casework import audit_trail as audit
    from exportscreen.casework.evidence import reference
    from exportscreen.decisions.determination import EntryDating
    from exportscreen.decisions.determination import determine as run_determination
    from exportscreen.decisions.freshness import ListVersionUsed
    from exportscreen.decisions.ownership import OwnershipGraph
    from exportscreen.decisions.policy import (
        DEFAULT_AFFILIATES_SCHEDULE,
        AffiliatesRuleSchedule,
        EffectiveDates,
    )
    from exportscreen.decisions.transaction import load_transaction
    from exportscreen.screening.history import lists_on
    from exportscreen.sources.common import SourceError

    try:
        transaction = load_transaction(path)
        graph = OwnershipGraph.from_csv(ownership) if ownership else None
        schedule = (
            AffiliatesRuleSchedule.from_file(affiliates_schedule)
            if affiliates_schedule
            else DEFAULT_AFFILIATES_SCHEDULE
        )
        made_on = date.fromisoformat(as_of) if as_of else None
    except SourceError as error:
        raise fail(str(error)) from error
    except ValueError as error:
        raise fail(f"--as-of: expected a date as YYYY-MM-DD, got {as_of!r}") from error
    with open_store() as store:
        # The lists as they stood on the transaction's date (the current ones for a date on or
        # after their data dates), with later versions' parties dated by their effective dates.
        history = lists_on(store, transaction.date)
        screener = history.screener
        # Citations dated by their documents: loaded rule files and the Federal Register API.
        dating = EntryDating(effective_dates=EffectiveDates(store.fr_documents()))
        # Freshness is judged on the current versions: updating them is what a warning asks.
        versions = [ListVersionUsed(s.list, s.version_id, s.as_of) for s in store.lists()]
        result = run_determination(
            transaction,
            screener,
            history=history,
            dating=dating,
            threshold=threshold,
            decisions=open_register(store).bound_decisions(),
            ownership=graph,
            affiliates=schedule,
            list_versions=versions,
            as_of=made_on,
        )
        event = audit.determination_event(
            cli_caller(),
            transaction,
            result,
            algorithm=screener.algorithm,
            list_versions=screener.version_ids,
        )
        written = audit.write(audit.StoreSink(store.engine), event)
    plain = result.to_dict()
    plain["reference"] = reference(written.seq)
    if as_json:
        print_json(plain)
        return
    outcome = result.outcome.name
    worst = (
        f" (if the pending matches and questions go against it: {result.if_confirmed.name})"
        if result.if_confirmed is not None
        else ""
    )
    console.print(
        f"[bold]Transaction {transaction.id or path.name}[/] of {transaction.date}: "
        f"[{_OUTCOME_STYLE[outcome]}]{outcome}[/]{worst}"
    )
    console.print(
        f"reference {plain['reference']} [dim](evidence: /ui/evidence/{plain['reference']})[/]"
    )
    for warning in result.warnings:
        console.print(
            f"[yellow]warning: {warning['code']}: {warning['list']} data of {warning['as_of']} "
            f"is {warning['age_days']} days old[/]"
        )
    for control in result.country_controls:
        console.print(
            f"  • {control.title} ({control.citation}; {control.where}) → {control.outcome.name}"
            f"; {control.licence_policy}"
        )
    for question in result.questions:
        console.print(f"  [yellow]? {question}[/]")
    if any(not v.is_current for v in result.versions_used) or history.not_yet_loaded:
        console.print("[dim]Lists screened as they stood on that date:[/]")
        for line in history.describe():
            console.print(f"  [dim]{line}[/]")
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
            if listing.removed_since:
                console.print(f"    [yellow]{listing.removed_since}[/]")
            for note in (*c.notes, *((listing.note,) if listing.note else ())):
                console.print(f"    [dim]{note}[/]")
        for ground in party.ownership:
            console.print(
                f"  • ownership ({ground.regime.value}): {ground.text} → {ground.outcome.name}"
            )
            if ground.rule_status:
                console.print(f"    [dim]{ground.rule_status}[/]")
        for note in party.notes:
            console.print(f"  [dim]{note}[/]")
    console.print(f"\n[dim]{result.notice}[/]")
