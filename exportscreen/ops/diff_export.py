"""A list diff as rows for a spreadsheet or a JSON file: every section, every entry, one row per
field change (per entry for an addition or a removal). The CLI's ``diff --output`` and the API's
``/v1/lists/{list}/diff/export`` write the same rows, so a count one shows is the count the other
exports. Nothing is cut: the rows are the whole diff.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, Final

from exportscreen.model import EntryChange, FieldChange, to_json_data
from exportscreen.screening.tabular import formula_safe
from exportscreen.store import Diff
from exportscreen.store.diff import readable
from exportscreen.store.identity import LinkMethod

# The sections of a diff, in the order shown, with what each means for an analyst.
SECTIONS: Final = (
    ("added", "added"),
    ("removed", "removed"),
    ("changed", "changed"),
    ("merged", "still listed under another record"),
    ("unresolved", "undecided: review with `exportscreen links --review`"),
    ("format_only", "changed in form only"),
)
EXPORT_COLUMNS: Final = (
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


def value_text(value: Any) -> str:
    """A stored value as an analyst reads it (``store.diff.readable``)."""
    return readable(to_json_data(value))


def counts(diff: Diff) -> dict[str, int]:
    """The exact number of entries in each section."""
    return {name: len(getattr(diff, name)) for name, _ in SECTIONS}


def note(diff: Diff, section: str, change: EntryChange) -> str:
    """What identity linking says about an entry of a section, if anything."""
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
    if link.method is LinkMethod.ACCEPTED:
        return f"continues {link.previous_id} {link.previous_name} (link accepted on review)"
    if section == "added" and link.previous_id:
        return f"a further record of {link.previous_id} {link.previous_name}"
    return ""


def export_rows(diff: Diff, *, include_format: bool = True) -> Iterator[dict[str, str]]:
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
                    "before": value_text(f.before),
                    "after": value_text(f.after),
                    "format_only": "yes" if f.format_only else "",
                }


def to_csv(rows: list[dict[str, str]]) -> str:
    """The rows as CSV, every cell safe to open in a spreadsheet (never a formula)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, EXPORT_COLUMNS, restval="")
    writer.writeheader()
    writer.writerows({k: formula_safe(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def to_json(rows: list[dict[str, str]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


__all__ = ["EXPORT_COLUMNS", "SECTIONS", "counts", "export_rows", "note", "to_csv", "to_json"]
