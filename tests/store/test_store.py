"""Reading the store: round trips, as-of views, histories and diffs, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from exportscreen.model import ChangeKind, ListCode, entry_from_dict, entry_to_dict
from exportscreen.store import (
    EventKind,
    ImportStatus,
    ListFieldChange,
    Store,
    StoreError,
    VersionKind,
)
from tests.store.factories import HUAWEI, INSPUR_TAIWAN, NETTRIX, PETROV, SUMA_USI, moved, parsed

JAN, FEB, MAR, APR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)
NETTRIX_MOVED = moved(NETTRIX, "No. 9 Moved Road")


@pytest.fixture()
def four_versions(store: Store) -> list[int]:
    """EL in four versions: Nettrix added (Jan), moved (Feb), removed (Mar), re-listed (Apr)."""
    files = [
        parsed([INSPUR_TAIWAN, NETTRIX], name="el-jan", as_of=JAN),
        parsed([INSPUR_TAIWAN, NETTRIX_MOVED, SUMA_USI], name="el-feb", as_of=FEB),
        parsed([INSPUR_TAIWAN, SUMA_USI], name="el-mar", as_of=MAR),
        parsed([INSPUR_TAIWAN, SUMA_USI, NETTRIX_MOVED], name="el-apr", as_of=APR),
    ]
    return [store.import_source(f).version_ids[ListCode.EL] for f in files]


def test_every_field_of_every_entry_survives_the_round_trip(store: Store) -> None:
    entries = [INSPUR_TAIWAN, NETTRIX, HUAWEI, PETROV]
    for entry in entries:
        assert entry_from_dict(entry_to_dict(entry)) == entry
    store.import_source(parsed(entries, name="mixed"))
    # Ordered by list, then as published.
    assert store.entries() == [INSPUR_TAIWAN, NETTRIX, HUAWEI, PETROV]
    assert store.entries(ListCode.SDN) == [PETROV]
    assert store.entry(PETROV.id) == PETROV


def test_one_version_per_list_with_the_files_provenance(store: Store) -> None:
    source = parsed(
        [INSPUR_TAIWAN, PETROV], name="csl.csv", lists=(ListCode.EL, ListCode.SDN, ListCode.FSE)
    )
    result = store.import_source(source, retrieved_from="https://example.org/download")
    assert result.status is ImportStatus.IMPORTED
    assert [item.list for item in result.lists] == [ListCode.EL, ListCode.SDN, ListCode.FSE]
    fse = store.version(result.version_ids[ListCode.FSE])
    # A list the file is the complete publication of, with no entry: an empty version.
    assert fse.entry_count == 0
    assert store.entries(ListCode.FSE) == []
    el = store.version(result.version_ids[ListCode.EL])
    assert (el.file_name, el.sha256, el.as_of, el.kind) == (
        "csl.csv",
        source.sha256,
        source.as_of,
        VersionKind.SNAPSHOT,
    )
    assert (el.retrieved_from, el.source_url) == (
        "https://example.org/download",
        "https://example.org/csl.csv",
    )
    assert el.counts == {"entries": 1, "added": 1, "changed": 0, "removed": 0, "unchanged": 0}
    assert el.imported_at.tzinfo is not None
    summaries = {s.list: s for s in store.lists()}
    assert set(summaries) == {ListCode.EL, ListCode.SDN, ListCode.FSE}
    assert (summaries[ListCode.SDN].entry_count, summaries[ListCode.SDN].version_count) == (1, 1)
    assert summaries[ListCode.EL].name == "Entity List (BIS)"


def test_reimporting_a_file_is_a_no_op(store: Store) -> None:
    source = parsed([INSPUR_TAIWAN, PETROV], name="same-file")
    first = store.import_source(source)
    again = store.import_source(source, as_of=date(2030, 1, 1))
    assert again.status is ImportStatus.UNCHANGED
    assert again.created == ()
    assert again.version_ids == first.version_ids
    assert [len(store.versions(code)) for code in (ListCode.EL, ListCode.SDN)] == [1, 1]


def test_current_version_is_the_latest_data_date_not_the_latest_import(store: Store) -> None:
    newer = store.import_source(parsed([INSPUR_TAIWAN, NETTRIX], name="new", as_of=FEB))
    store.import_source(parsed([INSPUR_TAIWAN], name="backfilled", as_of=JAN))
    assert store.current_version_ids() == {ListCode.EL: newer.version_ids[ListCode.EL]}
    assert [v.as_of for v in store.versions("el")] == [JAN, FEB]
    # Same data date twice: the later import wins.
    later = store.import_source(parsed([NETTRIX], name="same-day", as_of=FEB))
    assert store.current_version_ids()[ListCode.EL] == later.version_ids[ListCode.EL]


def test_as_of_views(store: Store, four_versions: list[int]) -> None:
    feb = four_versions[1]
    assert store.version_at(ListCode.EL, date(2024, 12, 31)) is None
    assert store.version_at(ListCode.EL, date(2025, 2, 15)).id == feb  # type: ignore[union-attr]
    assert store.entries(ListCode.EL, as_of=date(2025, 1, 31)) == [INSPUR_TAIWAN, NETTRIX]
    assert store.entries(ListCode.EL, as_of=MAR) == [INSPUR_TAIWAN, SUMA_USI]
    assert store.entries(version_id=feb) == [INSPUR_TAIWAN, NETTRIX_MOVED, SUMA_USI]
    assert store.entries(as_of=date(2024, 6, 1)) == []  # no list was in force yet
    assert store.entry(NETTRIX.id, as_of=JAN) == NETTRIX
    assert store.entry(NETTRIX.id, as_of=FEB) == NETTRIX_MOVED
    assert store.entry(NETTRIX.id, as_of=date(2025, 3, 15)) is None  # removed then
    assert store.entry(NETTRIX.id) == NETTRIX_MOVED  # re-listed
    assert store.entry(NETTRIX.id, as_of=date(2024, 1, 1)) is None


def test_history_across_versions(store: Store, four_versions: list[int]) -> None:
    jan, feb, mar, apr = four_versions
    events = store.history(NETTRIX.id)
    assert [(e.kind, e.version.id, e.through.id) for e in events] == [
        (EventKind.ADDED, jan, jan),
        (EventKind.CHANGED, feb, feb),
        (EventKind.REMOVED, mar, mar),
        (EventKind.RELISTED, apr, apr),
    ]
    (address_change,) = events[1].fields
    assert isinstance(address_change, ListFieldChange)
    assert [a["street"] for a in address_change.added] == ["No. 9 Moved Road"]
    assert events[2].entry == NETTRIX_MOVED
    assert [(e.kind, e.version.id, e.through.id) for e in store.history(INSPUR_TAIWAN.id)] == [
        (EventKind.ADDED, jan, apr)
    ]


def test_diff_defaults_to_the_last_two_versions(store: Store, four_versions: list[int]) -> None:
    mar, apr = four_versions[2:]
    diff = store.diff(ListCode.EL)
    assert (diff.from_version.id, diff.to_version.id) == (mar, apr)  # type: ignore[union-attr]
    assert [c.entry_id for c in diff.added] == [NETTRIX.id]
    assert (diff.removed, diff.changed) == ((), ())


def test_diff_by_version_id_and_by_date(store: Store, four_versions: list[int]) -> None:
    jan, feb, mar = four_versions[:3]
    by_id = store.diff("EL", jan, feb)
    by_date = store.diff("EL", date(2025, 1, 20), date(2025, 2, 20))
    assert by_id == by_date
    assert [c.entry_id for c in by_id.added] == [SUMA_USI.id]
    assert by_id.removed == ()
    (changed,) = by_id.changed
    assert (changed.kind, changed.entry_id, changed.before, changed.after) == (
        ChangeKind.CHANGED,
        NETTRIX.id,
        NETTRIX,
        NETTRIX_MOVED,
    )
    assert [f.field for f in changed.fields] == ["addresses"]
    removal = store.diff("EL", feb, mar)
    assert [(c.kind, c.entry_id, c.before) for c in removal.removed] == [
        (ChangeKind.REMOVED, NETTRIX.id, NETTRIX_MOVED)
    ]
    # Reversed direction, and a diff of a version against itself.
    assert [c.entry_id for c in store.diff("EL", feb, jan).removed] == [SUMA_USI.id]
    same = store.diff("EL", feb, feb)
    assert (same.added, same.removed, same.changed) == ((), (), ())


def test_diff_of_the_first_version_adds_everything(store: Store) -> None:
    store.import_source(parsed([INSPUR_TAIWAN, NETTRIX], name="first"))
    diff = store.diff(ListCode.EL)
    assert diff.from_version is None
    assert [c.entry_id for c in diff.added] == [INSPUR_TAIWAN.id, NETTRIX.id]


def test_unchanged_entries_share_their_stored_state(store: Store) -> None:
    import sqlalchemy as sa

    store.import_source(parsed([INSPUR_TAIWAN, NETTRIX], name="one", as_of=JAN))
    store.import_source(parsed([INSPUR_TAIWAN, NETTRIX_MOVED], name="two", as_of=FEB))
    with store.engine.connect() as connection:
        states = connection.execute(sa.text("SELECT count(*) FROM entry_states")).scalar_one()
        memberships = connection.execute(
            sa.text("SELECT count(*) FROM version_entries")
        ).scalar_one()
    assert (states, memberships) == (3, 4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.versions("XX"), "unknown list 'XX'"),
        (lambda s: s.version(999), "no list version 999"),
        (lambda s: s.entry("EL-nope"), "no entry 'EL-nope'"),
        (lambda s: s.history("EL-nope"), "no entry 'EL-nope'"),
        (lambda s: s.diff("SDN"), "no SDN version in the store"),
        (lambda s: s.diff("EL", date(2000, 1, 1)), "no EL version in force on 2000-01-01"),
        (lambda s: s.entries("DPL"), "no DPL version in the store"),
        (lambda s: s.entries("EL", as_of=date(2000, 1, 1)), "no EL version in force on 2000-01-01"),
        (lambda s: s.entries("SDN", version_id=s.current_version_ids()[ListCode.EL]), "not SDN"),
        (lambda s: s.diff("SDN", to=s.current_version_ids()[ListCode.EL]), "not SDN"),
        (lambda s: s.entries(version_id=1, as_of=JAN), "not both"),
    ],
)
def test_clear_errors(store: Store, call, message: str) -> None:  # type: ignore[no-untyped-def]
    store.import_source(parsed([INSPUR_TAIWAN], name="el-only"))
    with pytest.raises(StoreError, match=message):
        call(store)


def test_an_import_without_a_date_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="no date: pass --as-of"):
        store.import_source(parsed([INSPUR_TAIWAN], name="undated", as_of=None))
    assert store.lists() == []
    # The caller's date stands in for the file's.
    store.import_source(parsed([INSPUR_TAIWAN], name="undated", as_of=None), as_of=MAR)
    assert [v.as_of for v in store.versions(ListCode.EL)] == [MAR]


def test_an_id_used_by_two_different_entries_is_refused(store: Store) -> None:
    clash = replace(NETTRIX, name="Another Nettrix")
    with pytest.raises(StoreError, match=f"entry id {NETTRIX.id} is used by two different entries"):
        store.import_source(parsed([NETTRIX, clash], name="clash"))
    # An exact repeat is harmless.
    store.import_source(parsed([NETTRIX, replace(NETTRIX)], name="repeat"))
    assert store.entries() == [NETTRIX]


def test_a_file_imported_for_some_of_its_lists_can_later_add_the_others(store: Store) -> None:
    # As when a caller holds a list back (a suspiciously short file) and loads it later.
    whole = parsed([INSPUR_TAIWAN, PETROV], name="csl-partly")
    first = store.import_source(replace(whole, entries=[INSPUR_TAIWAN]))
    later = store.import_source(whole)
    assert [(item.list, item.status) for item in later.lists] == [
        (ListCode.EL, ImportStatus.UNCHANGED),
        (ListCode.SDN, ImportStatus.IMPORTED),
    ]
    assert later.version_ids[ListCode.EL] == first.version_ids[ListCode.EL]
    assert store.entries(ListCode.SDN) == [PETROV]


def test_a_file_with_nothing_in_it_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="nothing to import"):
        store.import_source(parsed([], name="empty"))
