"""What changed in the lists: ``diff`` (in legal terms, exportable), ``show`` (an entry and its
history) and ``links`` (how records kept their identity across versions, and what to review)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from exportscreen.cli.common import (
    app,
    console,
    fail,
    open_store,
    parse_list,
    parse_when,
    print_json,
    state,
)
from exportscreen.model import EntryChange, to_json_data
from exportscreen.ops import diff_export
from exportscreen.ops.diff_export import SECTIONS
from exportscreen.store.identity import METHOD_LABELS, LinkMethod


def _readable(value: Any) -> str:
    return diff_export.value_text(value)


def _note(diff: Any, section: str, change: EntryChange) -> str:
    return diff_export.note(diff, section, change)


def _write_export(path: Path, diff: Any) -> int:
    rows = list(diff_export.export_rows(diff))
    text = diff_export.to_json(rows) if path.suffix.lower() == ".json" else diff_export.to_csv(rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(text)
    return len(rows)


def _detail(diff: Any, section: str, change: EntryChange, show_format: bool) -> str:
    lines = [
        f"{f.label}: {_readable(f.before)} → {_readable(f.after)}"
        + (" (form only)" if f.format_only else "")
        for f in change.fields
        if show_format or not f.format_only
    ]
    note = _note(diff, section, change)
    if section == "added" and change.after is not None and change.after.citations:
        lines.insert(0, str(change.after.citations[-1]))
    return "\n".join([*([note] if note else []), *lines])


@app.command()
def diff(
    list_code: Annotated[str, typer.Argument(metavar="LIST", help="EL, SDN, DPL...")],
    from_: Annotated[str | None, typer.Option("--from", help="Version id or date.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Version id or date.")] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also show changes of form only (case, spacing, ids).")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(help="Write every change, one row per field, to a .csv or .json file."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What changed in a list between two versions or dates (default: the last two versions):
    entries added, removed and changed, each changed field with its old and new value."""
    from exportscreen.store import StoreError

    lst = parse_list(list_code)
    with open_store() as store:
        try:
            result = store.diff(lst, parse_when(from_), parse_when(to))
        except StoreError as error:
            raise fail(str(error)) from error
    if result.from_version is None:
        message = (
            f"{lst.value} has one version (version {result.to_version.id}, data of "
            f"{result.to_version.as_of}): there is nothing to compare it with"
        )
        if as_json:
            print_json({"list": lst.value, "to_version": result.to_version, "message": message})
        else:
            console.print(message)
        return
    if output is not None:
        written = _write_export(output, result)
        console.print(f"{written} rows written to {output}")
    if as_json:
        print_json(result)
        return
    counts = ", ".join(
        f"{len(getattr(result, name))} {label}"
        for name, label in SECTIONS
        if name != "format_only" or show_all
    )
    hidden = len(result.format_only)
    console.print(
        f"[bold]{lst.value}[/] version {result.from_version.id} ({result.from_version.as_of}) → "
        f"{result.to_version.id} ({result.to_version.as_of}): {counts}"
        + (f"; {hidden} changed in form only (--all shows them)" if hidden and not show_all else "")
    )
    table = Table("change", "entry", "name", "country", "detail")
    for name, _ in SECTIONS:
        if name == "format_only" and not show_all:
            continue
        for change in getattr(result, name):
            entry = change.after or change.before
            assert entry is not None
            table.add_row(
                name.replace("_", " "),
                entry.id,
                entry.name,
                ",".join(entry.countries),
                _detail(result, name, change, show_all),
            )
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
    from exportscreen.screening.index_cache import entry_weak_marks
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
            continued = store.continued_as(entry_id) if entry is None else None
            weak_marks = entry_weak_marks(store, entry) if entry is not None else {}
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
                "weak_alias_marks": weak_marks,
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
        if continued is not None:
            d = continued.decision
            console.print(
                f"its party is still listed as {d.entry_id} {d.name} (from version "
                f"{continued.version.id} of {continued.version.as_of}: "
                f"{METHOD_LABELS[d.method]})"
            )
    else:
        if note:
            console.print(f"[yellow]{note}[/]")
        _render_entry(entry, weak_marks)
        table = Table("field", "value from", title="where each legal field came from")
        for source in sources:
            table.add_row(source.label, source.describe())
        console.print(table)
    table = Table("version", "as of", "event", "detail", title="history")
    for event in events:
        detail = "\n".join(
            f"{f.label}: {_readable(f.before)} → {_readable(f.after)}"
            + (" (form only)" if f.format_only else "")
            for f in event.fields
        )
        table.add_row(str(event.version.id), event.version.as_of.isoformat(), event.kind, detail)
    console.print(table)


def _render_entry(entry: Any, weak_marks: dict[str, str]) -> None:
    from exportscreen.model import ReviewPolicy

    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    parent = entry.details.get("parent_name", "")
    rows: list[tuple[str, str]] = [
        ("id", entry.id),
        ("list", f"{entry.list.value}"),
        ("type", entry.type.value),
        ("name", entry.name),
        (
            "named in the entry of",
            f"{parent} ({entry.details.get('parent_id', '')})" if parent else "",
        ),
        ("aliases", "; ".join(entry.aliases)),
        (
            "weak aliases",
            "\n".join(
                [f"{a} (the list marks it low quality)" for a in entry.weak_aliases]
                + [f"{a} (marked low quality by {source})" for a, source in weak_marks.items()]
            ),
        ),
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


@app.command()
def links(
    what: Annotated[
        str | None,
        typer.Argument(
            metavar="[LIST | accept LINK | reject LINK]",
            help="One list (default: all); or `accept`/`reject` and an undecided link (its "
            "number from `links --review`, or the record's entry id).",
        ),
    ] = None,
    link: Annotated[str | None, typer.Argument(metavar="[LINK]", hidden=True)] = None,
    review: Annotated[
        bool,
        typer.Option("--review", help="Only the records identity linking could not decide on."),
    ] = False,
    continues: Annotated[
        str | None,
        typer.Option(
            help="accept: the entry id of the candidate the record continues (needed when "
            "there are several)."
        ),
    ] = None,
    reason: Annotated[str, typer.Option(help="accept/reject: why (kept in the audit trail).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """How list records kept their identity from one version to the next, when not by their own
    id: linked by name, alias or a close match, merged, split, or undecided (``--review``: an
    undecided record was given a new id; say whether it continues one of its candidates with
    ``links accept LINK [--continues ID]`` or ``links reject LINK``; the decision goes to the
    audit trail, and diffs and histories follow it)."""
    if what in ("accept", "reject"):
        if link is None:
            raise fail(f"`links {what}` needs the link: its number from `links --review`")
        _decide_link(what == "accept", link, continues, reason, as_json)
        return
    if link is not None:
        raise fail(f"unexpected argument {link!r}: `links [LIST]` or `links accept|reject LINK`")
    lst = parse_list(what) if what else None
    with open_store() as store:
        found = store.links(lst, review=review)
    if as_json:
        print_json([_link_json(link) for link in found])
        return
    if not found:
        console.print("nothing to review" if review else "no link decisions")
        return
    console.print(f"{len(found)} {'to review' if review else 'link decisions'}")
    table = Table("link", "list", "version", "record", "how", "confidence", "previous / candidates")
    for stored in found:
        d = stored.decision
        if d.candidates and d.method is LinkMethod.AMBIGUOUS:
            other = "\n".join(f"{c.entry_id} {c.name} ({c.confidence:.2f})" for c in d.candidates)
        else:
            other = f"{d.previous_id or ''} {d.previous_name}".strip()
        how = METHOD_LABELS[d.method]
        if stored.review is not None:
            how += f" (by {stored.review.decided_by}, {stored.review.decided_at.date()})"
        table.add_row(
            str(stored.link_id),
            stored.version.list.value,
            f"{stored.version.id} ({stored.version.as_of})",
            f"{d.entry_id} {d.name}",
            how,
            f"{d.confidence:.2f}",
            other,
        )
    console.print(table)
    if review:
        console.print(
            "decide each with `exportscreen links accept LINK [--continues ID]` or "
            "`exportscreen links reject LINK`"
        )


def _link_json(link: Any) -> dict[str, Any]:
    review = link.review
    return {
        "link": link.link_id,
        "list": link.version.list,
        "version": link.version.id,
        **to_json_data(link.decision),
        "review": to_json_data(review) if review is not None else None,
    }


def _decide_link(accept: bool, ref: str, continues: str | None, reason: str, as_json: bool) -> None:
    from exportscreen.ops import link_reviews
    from exportscreen.store import StoreError

    key: int | str = int(ref) if ref.strip().isdigit() else ref.strip()
    with open_store() as store:
        try:
            if accept:
                decided = link_reviews.accept(
                    store, key, actor=state["user"], continues=continues, reason=reason
                )
            else:
                decided = link_reviews.reject(store, key, actor=state["user"], reason=reason)
        except StoreError as error:
            raise fail(f"{error}\nnothing was changed.") from error
    if as_json:
        print_json(_link_json(decided))
        return
    d = decided.decision
    if accept:
        console.print(
            f"link {decided.link_id} accepted: {d.entry_id} {d.name} continues "
            f"{d.previous_id} {d.previous_name}"
        )
    else:
        console.print(f"link {decided.link_id} rejected: {d.entry_id} {d.name} is a new party")
