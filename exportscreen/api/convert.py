"""Model values (hits, entries, histories, diffs) as the native API's response models."""

from __future__ import annotations

from typing import Any

from exportscreen.api.schemas import (
    ChangedEntry,
    EntryBrief,
    EventOut,
    FieldChangeOut,
    VersionBrief,
)
from exportscreen.lists import LIST_NAMES
from exportscreen.model import Entry, EntryChange, Explanation, Hit, to_json_data
from exportscreen.store import EntryEvent, StoredVersion


def explanation_document(explanation: Explanation) -> dict[str, Any]:
    """An explanation as ``ExplanationOut`` shapes it, as plain JSON-ready values: the model's
    own serialised form."""
    document: dict[str, Any] = to_json_data(explanation)
    return document


def citations(entry: Entry) -> list[str]:
    return [c.raw or str(c) for c in entry.citations]


def hit_document(hit: Hit) -> dict[str, Any]:
    """A hit as ``HitOut`` shapes it, as plain JSON-ready values. Screening answers are built
    from these and serialised at once: building and validating pydantic models of every hit and
    token cost more than the screening itself (the tests check the shape against ``HitOut``)."""
    entry = hit.entry
    return {
        "entry_id": entry.id,
        "list": entry.list.value,
        "list_name": LIST_NAMES[entry.list],
        "name": entry.name,
        "matched_name": hit.matched_name,
        "score": hit.score,
        "type": entry.type.value,
        "countries": list(entry.countries),
        "programs": list(entry.programs),
        "licence_requirement": entry.licence.raw,
        "review_policy": entry.review.raw or entry.review.policy.value,
        "citations": citations(entry),
        "explanation": explanation_document(hit.explanation),
    }


def version_brief(version: StoredVersion) -> VersionBrief:
    return VersionBrief(version_id=version.id, as_of=version.as_of)


def entry_brief(entry: Entry) -> EntryBrief:
    return EntryBrief(
        entry_id=entry.id,
        name=entry.name,
        countries=list(entry.countries),
        citations=citations(entry),
    )


def changed_entry(change: EntryChange) -> ChangedEntry:
    entry = change.after or change.before
    assert entry is not None  # a change has at least one side
    return ChangedEntry(
        **entry_brief(entry).model_dump(),
        fields=[
            FieldChangeOut(
                field=f.field,
                before=to_json_data(f.before),
                after=to_json_data(f.after),
                label=f.label,
                format_only=f.format_only,
            )
            for f in change.fields
        ],
    )


def event_out(event: EntryEvent) -> EventOut:
    return EventOut(
        kind=event.kind.value,
        version=version_brief(event.version),
        through=version_brief(event.through),
        citations=citations(event.entry),
        fields=[
            FieldChangeOut(
                field=f.field,
                before=to_json_data(f.before),
                after=to_json_data(f.after),
                label=f.label,
                format_only=f.format_only,
            )
            for f in event.fields
        ],
    )
