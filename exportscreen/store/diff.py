"""How two states of an entry differ, field by field: pure functions the store and the API share.

Fields are those of ``entry_to_dict``. Nested records (``licence``, ``review``, ``details``) are
compared key by key and reported under dotted names (``licence.footnotes``); list fields
(``aliases``, ``addresses``, ``citations``...) also say which items were added and removed, which
is what an analyst reads ("a.k.a. X added") where the whole before/after lists are noise.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from exportscreen.model import ChangeKind, Entry, EntryChange, FieldChange, entry_to_dict


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
                    added=_multiset_minus(new, old),
                    removed=_multiset_minus(old, new),
                )
            )
        else:
            changes.append(FieldChange(field=name, before=old, after=new))
    return tuple(changes)


def field_changes(before: Entry, after: Entry) -> tuple[FieldChange, ...]:
    """What differs between two states of an entry (empty when they are equal)."""
    return compare_values(entry_to_dict(before), entry_to_dict(after))


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
