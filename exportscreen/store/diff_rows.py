"""A diff in legal terms, row by row: what the CLI's ``diff --output``, the API and the web UI's
changes page and CSV export all show. Each changed field by its legal label with its old and new
value as an analyst reads it (``readable``), one row per field (per entry for additions and
removals), every section in the same order, with the identity decision behind it as a note."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from exportscreen.model import EntryChange, FieldChange, to_json_data
from exportscreen.store.diff import readable
from exportscreen.store.records import Diff

__all__ = ["EXPORT_COLUMNS", "SECTIONS", "export_rows", "note", "readable_value"]


# The sections of a diff, in the order shown, with what each means for an analyst.
SECTIONS = (
    ("added", "added"),
    ("removed", "removed"),
    ("changed", "changed"),
    ("merged", "still listed under another record"),
    ("unresolved", "undecided: review with `exportscreen links --review`"),
    ("format_only", "changed in form only"),
)
EXPORT_COLUMNS = (
    "section",
    "entry_id",
    "name",
    "countries",
    "field",
    "label",
    "before",
    "after",
    "format_only",
    "note",
)


def readable_value(value: Any) -> str:
    """A stored field value as an analyst reads it."""
    return readable(to_json_data(value))


def note(diff: Diff | Any, section: str, change: EntryChange) -> str:
    link = diff.links.get(change.entry_id)
    if link is None:
        return ""
    if section == "merged":
        return f"now {link.entry_id} {link.name} ({link.method.value})"
    if section == "unresolved":
        if change.after is not None:
            names = "; ".join(
                f"{c.entry_id} {c.name} ({c.confidence:.2f})" for c in link.candidates
            )
            return f"may continue: {names}"
        return f"may be continued by {link.entry_id} {link.name}"
    if section == "added" and link.previous_id:
        return f"a further record of {link.previous_id} {link.previous_name}"
    return ""


def export_rows(diff: Diff | Any, *, include_format: bool = True) -> Iterator[dict[str, str]]:
    """One row per field change (per entry for additions and removals), every section."""
    for section, _ in SECTIONS:
        for change in getattr(diff, section):
            entry = change.after or change.before
            base = {
                "section": section,
                "entry_id": change.entry_id,
                "name": entry.name,
                "countries": ",".join(entry.countries),
                "note": note(diff, section, change),
            }
            fields: list[FieldChange] = [
                f for f in change.fields if include_format or not f.format_only
            ]
            if not fields:
                yield {**base, "field": "", "label": "", "before": "", "after": ""}
                continue
            for f in fields:
                yield {
                    **base,
                    "field": f.field,
                    "label": f.label,
                    "before": readable_value(f.before),
                    "after": readable_value(f.after),
                    "format_only": "yes" if f.format_only else "",
                }
