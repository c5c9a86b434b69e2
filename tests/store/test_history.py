"""Compressing an entry's version membership into events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from exportscreen.model import Entry, ListCode
from exportscreen.store.history import entry_events
from exportscreen.store.records import EventKind, StoredVersion
from tests.store.factories import NETTRIX, moved

OLD = NETTRIX
NEW = moved(NETTRIX, "No. 2 Changed Street")


def _versions(count: int) -> list[StoredVersion]:
    return [
        StoredVersion(
            id=number,
            list=ListCode.EL,
            source_format="test",
            file_name=f"v{number}",
            sha256=f"{number:064d}",
            as_of=date(2025, 1, number),
            imported_at=datetime(2025, 1, number, tzinfo=UTC),
            entry_count=1,
        )
        for number in range(1, count + 1)
    ]


# Each pattern gives the entry's state in versions 1, 2, 3...: "o" old state, "n" new state,
# "-" absent. Expected: (event kind, first version, through version) per event.
@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("ooo", [(EventKind.ADDED, 1, 3)]),
        ("-oo", [(EventKind.ADDED, 2, 3)]),
        ("oon", [(EventKind.ADDED, 1, 2), (EventKind.CHANGED, 3, 3)]),
        ("o--", [(EventKind.ADDED, 1, 1), (EventKind.REMOVED, 2, 3)]),
        (
            "on-o",
            [
                (EventKind.ADDED, 1, 1),
                (EventKind.CHANGED, 2, 2),
                (EventKind.REMOVED, 3, 3),
                (EventKind.RELISTED, 4, 4),
            ],
        ),
        (
            "o-o-",
            [
                (EventKind.ADDED, 1, 1),
                (EventKind.REMOVED, 2, 2),
                (EventKind.RELISTED, 3, 3),
                (EventKind.REMOVED, 4, 4),
            ],
        ),
        ("--", []),
    ],
)
def test_events_follow_membership(pattern: str, expected: list[tuple[EventKind, int, int]]) -> None:
    versions = _versions(len(pattern))
    states: dict[int, Entry] = {
        v.id: {"o": OLD, "n": NEW}[mark]
        for v, mark in zip(versions, pattern, strict=True)
        if mark != "-"
    }
    events = entry_events(versions, states)
    assert [(e.kind, e.version.id, e.through.id) for e in events] == expected


def test_change_and_relisting_carry_their_field_changes() -> None:
    versions = _versions(4)
    events = entry_events(versions, {1: OLD, 2: NEW, 4: OLD})
    changed, removed, relisted = events[1], events[2], events[3]
    assert [f.field for f in changed.fields] == ["addresses"]
    assert removed.entry == NEW  # the tombstone keeps the last state
    assert removed.fields == ()
    # Re-listed with the old address: compared with the state before the removal.
    assert [f.field for f in relisted.fields] == ["addresses"]
    assert relisted.entry == OLD


def test_relisting_unchanged_has_no_field_changes() -> None:
    events = entry_events(_versions(3), {1: OLD, 3: replace(OLD)})
    assert events[-1].kind is EventKind.RELISTED
    assert events[-1].fields == ()
