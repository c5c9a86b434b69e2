"""An entry's life on its list, compressed from version membership into events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from exportscreen.model import Entry
from exportscreen.store.diff import field_changes
from exportscreen.store.records import EntryEvent, EventKind, StoredVersion


def entry_events(
    versions: Sequence[StoredVersion], states: Mapping[int, Entry]
) -> list[EntryEvent]:
    """Events for one entry, from every version of its list in order and the entry's state in
    each version that holds it (``states`` by version id).

    A version without the entry after one with it is a removal; a state equal to the previous
    one only extends the current event's ``through``.
    """
    events: list[EntryEvent] = []
    present: Entry | None = None  # the state in the previous version, None when absent
    last_seen: Entry | None = None  # the latest state ever held, kept across a removal
    for version in versions:
        state = states.get(version.id)
        if state is None and present is None:
            if events:  # still removed: the tombstone covers this version too
                events[-1] = replace(events[-1], through=version)
            continue
        if state is None:
            assert present is not None
            events.append(EntryEvent(EventKind.REMOVED, version, version, present))
        elif present is None:
            if last_seen is None:
                events.append(EntryEvent(EventKind.ADDED, version, version, state))
            else:
                fields = field_changes(last_seen, state)
                events.append(EntryEvent(EventKind.RELISTED, version, version, state, fields))
        elif state == present:
            events[-1] = replace(events[-1], through=version)
        else:
            fields = field_changes(present, state)
            events.append(EntryEvent(EventKind.CHANGED, version, version, state, fields))
        present = state
        if state is not None:
            last_seen = state
    return events
