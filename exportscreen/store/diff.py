"""How two states of an entry differ, field by field: pure functions the store and the API share.

Fields are those of ``entry_to_dict``. Nested records (``licence``, ``review``, ``details``) are
compared key by key and reported under dotted names (``licence.footnotes``); list fields
(``aliases``, ``addresses``, ``citations``...) also say which items were added and removed, which
is what an analyst reads ("a.k.a. X added") where the whole before/after lists are noise.

Each change carries the field's legal label ("licence requirement", "Federal Register
citations") and says whether it is only a change of form: the record's bookkeeping (the source's
record id, its URLs, how a loader split its text) or values equal but for case, spacing and
punctuation. A diff reports those apart from legal changes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from exportscreen.model import ChangeKind, Entry, EntryChange, FieldChange, to_json_data
from exportscreen.text.folding import fold

# What each stored field is, in the words of the lists and the regulations.
LABELS: Final[Mapping[str, str]] = {
    "name": "name",
    "type": "party type",
    "aliases": "aliases (a.k.a.)",
    "weak_aliases": "weak aliases (low quality)",
    "addresses": "addresses",
    "countries": "countries",
    "identifiers": "identification numbers",
    "programs": "sanctions programs",
    "licence.raw": "licence requirement",
    "licence.scope": "licence requirement: items covered",
    "licence.eccns": "licence requirement: ECCNs",
    "licence.footnotes": "foreign direct product footnotes",
    "licence.regulations": "licence requirement: EAR sections",
    "review.raw": "licence review policy",
    "review.policy": "licence review policy (as classified)",
    "citations": "Federal Register citations",
    "start_date": "effective date",
    "end_date": "end date",
    "remarks": "remarks",
    "title": "title",
    "dates_of_birth": "dates of birth",
    "places_of_birth": "places of birth",
    "nationalities": "nationalities",
    "citizenships": "citizenships",
    "details.standard_order": "standard order",
    "details.type_of_denial": "type of denial",
    "details.parent_name": "named in the entry of",
    "details.call_sign": "call sign",
    "details.vessel_type": "vessel type",
    "details.vessel_flag": "vessel flag",
    "details.vessel_owner": "vessel owner",
    "details.gross_tonnage": "gross tonnage",
    "details.gross_registered_tonnage": "gross registered tonnage",
    # bookkeeping
    "source_id": "source record id",
    "source_url": "source list URL",
    "details.source_information_url": "source information URL",
    "details.printed_country": "country heading as printed",
    "details.printed_name": "name as printed",
    "details.parent_id": "id of the entry that names it",
    "details.named_in": "column the name was found in",
}
# Fields that are the record's bookkeeping, not what the list says about the party.
FORMAT_FIELDS: Final = frozenset(
    {
        "id",
        "source_id",
        "source_url",
        "details.source_information_url",
        "details.printed_country",
        "details.printed_name",
        "details.parent_id",
        "details.named_in",
    }
)


def label(field: str) -> str:
    """The human label of a stored field path."""
    if field in LABELS:
        return LABELS[field]
    return field.rpartition(".")[2].replace("_", " ")


@dataclass(frozen=True, slots=True)
class ListFieldChange(FieldChange):
    """A change to a list field; ``before`` and ``after`` are the whole lists."""

    added: tuple[Any, ...] = ()
    removed: tuple[Any, ...] = ()


def _item_key(item: Any) -> str:
    # Items may be dicts (addresses, identifiers, citations), which are not hashable.
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def _multiset_minus(left: Sequence[Any], right: Sequence[Any]) -> tuple[Any, ...]:
    """Items of ``left`` not matched by an equal item of ``right``, in ``left``'s order."""
    available = Counter(_item_key(item) for item in right)
    result = []
    for item in left:
        key = _item_key(item)
        if available[key]:
            available[key] -= 1
        else:
            result.append(item)
    return tuple(result)


def _form(value: Any) -> Any:
    """A value with every text folded (case, spacing, punctuation and script aside), lists as
    sorted multisets: equal forms differ only in how they are written."""
    if isinstance(value, str):
        return fold(value)
    if isinstance(value, Mapping):
        return {k: _form(v) for k, v in value.items() if _form(v) not in ("", None, [], {})}
    if isinstance(value, list | tuple):
        return sorted((_form(v) for v in value), key=_item_key)
    return value


def is_format_only(field: str, before: Any, after: Any) -> bool:
    return field in FORMAT_FIELDS or _form(before) == _form(after)


def _ordered_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> Iterable[str]:
    yield from before
    yield from (key for key in after if key not in before)


def compare_values(
    before: Mapping[str, Any], after: Mapping[str, Any], prefix: str = ""
) -> tuple[FieldChange, ...]:
    """The differences between two ``entry_to_dict``-shaped mappings, in field order."""
    changes: list[FieldChange] = []
    for key in _ordered_keys(before, after):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        name = f"{prefix}{key}"
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            changes.extend(compare_values(old, new, f"{name}."))
        elif isinstance(old, list | tuple) and isinstance(new, list | tuple):
            changes.append(
                ListFieldChange(
                    field=name,
                    before=old,
                    after=new,
                    label=label(name),
                    format_only=is_format_only(name, old, new),
                    added=_multiset_minus(new, old),
                    removed=_multiset_minus(old, new),
                )
            )
        else:
            changes.append(
                FieldChange(
                    field=name,
                    before=old,
                    after=new,
                    label=label(name),
                    format_only=is_format_only(name, old, new),
                )
            )
    return tuple(changes)


def field_changes(before: Entry, after: Entry) -> tuple[FieldChange, ...]:
    """What differs between two states of an entry (empty when they are equal)."""
    # Every field, empty ones included (``entry_to_dict`` leaves out empty weak aliases, for the
    # hash): a field emptied reads "[...] -> []", not "-> None".
    return compare_values(to_json_data(before), to_json_data(after))


def legal_changes(fields: Iterable[FieldChange]) -> tuple[FieldChange, ...]:
    return tuple(f for f in fields if not f.format_only)


def entry_change(before: Entry | None, after: Entry | None) -> EntryChange | None:
    """The change from ``before`` to ``after`` (None standing for absent), or None if equal."""
    if before is None and after is None:
        raise ValueError("an entry change needs at least one side")
    if before is None:
        assert after is not None
        return EntryChange(kind=ChangeKind.ADDED, entry_id=after.id, before=None, after=after)
    if after is None:
        return EntryChange(kind=ChangeKind.REMOVED, entry_id=before.id, before=before, after=None)
    if before.id != after.id:
        raise ValueError(f"comparing two different entries: {before.id} and {after.id}")
    fields = field_changes(before, after)
    if not fields:
        return None
    return EntryChange(
        kind=ChangeKind.CHANGED, entry_id=after.id, before=before, after=after, fields=fields
    )


def readable(value: Any) -> str:
    """A stored value as an analyst reads it: an address on one line, a citation as "90 FR
    14048, 2025-03-28", lists joined by "; ", nothing for empty."""
    if value is None or value == "" or value == [] or value == {}:
        return "(none)"
    if isinstance(value, list | tuple):
        return "; ".join(readable(v) for v in value)
    if isinstance(value, Mapping):
        if {"volume", "page"} <= value.keys():
            when = f", {value['date']}" if value.get("date") else ""
            return f"{value['volume']} FR {value['page']}{when}"
        if "street" in value or "postal_code" in value:
            parts = (value.get(k) for k in ("street", "city", "state", "postal_code", "country"))
            return ", ".join(p for p in parts if p)
        if "type" in value and "value" in value:
            return " ".join(
                str(p) for p in (value["type"], value["value"], value.get("country")) if p
            )
        return ", ".join(f"{k}: {readable(v)}" for k, v in value.items() if v not in ("", None, []))
    return str(value)
