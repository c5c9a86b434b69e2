"""Imports: Federal Register amendments, all-or-nothing files, and two imports at once."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from exportscreen.model import ChangeKind, ListCode
from exportscreen.sources.common import RowProblem
from exportscreen.store import (
    ImportResult,
    ImportStatus,
    Store,
    StoreBusyError,
    StoreError,
    VersionKind,
)
from exportscreen.store.importing import state_row
from tests.store.factories import (
    HUAWEI,
    INSPUR_TAIWAN,
    NETTRIX,
    PETROV,
    SUMA_USI,
    moved,
    parsed,
    rule_change,
)

BASE_DAY = date(2023, 1, 10)
EFFECTIVE = date(2023, 2, 24)  # the rule's effective date
PUBLISHED = date(2023, 2, 27)  # its publication date, which the parser may give as the file's date
NETTRIX_MOVED = moved(NETTRIX, "No. 5 Revised Street")
RULE = parsed(
    [],
    name="2023-03929.xml",
    as_of=PUBLISHED,
    changes=[
        rule_change(ChangeKind.ADDED, SUMA_USI, EFFECTIVE),
        rule_change(ChangeKind.CHANGED, NETTRIX_MOVED, EFFECTIVE),
        rule_change(ChangeKind.REMOVED, INSPUR_TAIWAN, EFFECTIVE),
    ],
    file_format="federal_register",
)


def _row_count(store: Store, table: str) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


# --- Federal Register amendments ---------------------------------------------------------------


def test_a_rule_amends_the_version_in_force_at_its_effective_date(store: Store) -> None:
    base = store.import_source(
        parsed([HUAWEI, NETTRIX, INSPUR_TAIWAN], name="el-jan", as_of=BASE_DAY)
    )
    later = store.import_source(parsed([HUAWEI], name="el-jun", as_of=date(2023, 6, 1)))
    result = store.import_source(RULE)
    (created,) = result.created
    assert created.kind is VersionKind.AMENDMENT
    assert created.parent_version_id == base.version_ids[ListCode.EL]
    assert created.as_of == EFFECTIVE
    # Revised in place, removed, added at the end.
    assert store.entries(version_id=created.id) == [HUAWEI, NETTRIX_MOVED, SUMA_USI]
    assert created.counts == {"entries": 3, "added": 1, "changed": 1, "removed": 1, "unchanged": 1}
    assert created.notes["rule"]["instructions"] == {"added": 1, "changed": 1, "removed": 1}
    assert created.notes["rule"]["citations"] == ["88 FR 12170, 2023-02-27"]
    assert "unapplied" not in created.notes
    # The June snapshot is still the current version; the amendment sits between the two.
    assert store.current_version_ids()[ListCode.EL] == later.version_ids[ListCode.EL]
    assert store.entry(INSPUR_TAIWAN.id, as_of=date(2023, 3, 1)) is None
    assert store.entry(INSPUR_TAIWAN.id, as_of=date(2023, 2, 23)) == INSPUR_TAIWAN
    assert store.import_source(RULE).status is ImportStatus.UNCHANGED


def test_a_rule_applies_to_the_latest_amendment_before_it(store: Store) -> None:
    store.import_source(parsed([HUAWEI, NETTRIX, INSPUR_TAIWAN], name="el", as_of=BASE_DAY))
    first = store.import_source(RULE).created[0]
    second_rule = parsed(
        [],
        name="later-rule.xml",
        changes=[rule_change(ChangeKind.REMOVED, HUAWEI, date(2023, 3, 1))],
    )
    second = store.import_source(second_rule).created[0]
    assert second.parent_version_id == first.id
    assert store.entries(ListCode.EL) == [NETTRIX_MOVED, SUMA_USI]


def test_instructions_that_do_not_fit_the_base_are_applied_and_noted(store: Store) -> None:
    store.import_source(parsed([HUAWEI, SUMA_USI], name="el", as_of=BASE_DAY))
    created = store.import_source(RULE).created[0]
    assert store.entries(version_id=created.id) == [HUAWEI, SUMA_USI, NETTRIX_MOVED]
    assert created.notes["unapplied"] == [
        f"add {SUMA_USI.id} ({SUMA_USI.name}): already listed; replaced",
        f"revise {NETTRIX.id} ({NETTRIX.name}): not in the base version; added",
        f"remove {INSPUR_TAIWAN.id} ({INSPUR_TAIWAN.name}): not in the base version",
    ]


def test_a_rule_needs_an_entity_list_in_force(store: Store) -> None:
    with pytest.raises(
        StoreError, match=r"no EL version in force on 2023-02-24 .* load a EL snapshot"
    ):
        store.import_source(RULE)
    store.import_source(parsed([HUAWEI], name="too-late", as_of=date(2023, 3, 1)))
    with pytest.raises(StoreError, match="no EL version in force on 2023-02-24"):
        store.import_source(RULE)
    # The caller's date overrides the rule's effective date.
    created = store.import_source(RULE, as_of=date(2023, 3, 2)).created[0]
    assert created.as_of == date(2023, 3, 2)


def test_a_file_with_entries_and_rule_changes_is_refused(store: Store) -> None:
    mixed = parsed([HUAWEI], name="mixed", changes=RULE.changes)
    with pytest.raises(StoreError, match="both list entries and rule changes"):
        store.import_source(mixed)


def test_stored_digests_are_the_entries_content_hashes() -> None:
    for entry in (HUAWEI, INSPUR_TAIWAN, NETTRIX, PETROV, SUMA_USI, NETTRIX_MOVED):
        assert state_row(entry)["content_hash"] == entry.content_hash()


# --- all or nothing ----------------------------------------------------------------------------


class _Boom(RuntimeError):
    pass


def test_a_failure_halfway_writes_nothing(store: Store) -> None:
    store.import_source(parsed([HUAWEI], name="before", as_of=BASE_DAY))
    before = (
        store.lists(),
        _row_count(store, "entry_states"),
        _row_count(store, "version_entries"),
    )
    calls: list[tuple[int, int]] = []

    def fail_on_the_second_list(done: int, total: int) -> None:
        calls.append((done, total))
        if done > 2:  # the EL entries (two) are written; SDN is being written
            raise _Boom("disk full")

    source = parsed([INSPUR_TAIWAN, NETTRIX, PETROV], name="two-lists")
    with pytest.raises(_Boom):
        store.import_source(source, progress=fail_on_the_second_list)
    assert calls == [(2, 3), (3, 3)]  # it did fail after writing the EL version
    after = (store.lists(), _row_count(store, "entry_states"), _row_count(store, "version_entries"))
    assert after == before
    assert store.versions(ListCode.SDN) == []
    # Nothing half-written stands in the way of importing the file again.
    assert store.import_source(source).status is ImportStatus.IMPORTED


def test_progress_counts_entries_up_to_the_total(store: Store) -> None:
    calls: list[tuple[int, int]] = []
    store.import_source(
        parsed([INSPUR_TAIWAN, NETTRIX, PETROV], name="f"),
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls[-1] == (3, 3)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_skipped_rows_are_recorded_with_every_version_of_the_file(store: Store) -> None:
    problem = RowProblem("/data/csl.csv", 17, "start_date", "not a date: '2022-13-45'")
    result = store.import_source(parsed([INSPUR_TAIWAN, PETROV], name="csl", problems=[problem]))
    assert result.problems == 1
    for version_id in result.version_ids.values():
        assert store.version(version_id).notes["problems"] == [
            {
                "file": "/data/csl.csv",
                "line": 17,
                "field": "start_date",
                "message": "not a date: '2022-13-45'",
            }
        ]


# --- two imports at once ---------------------------------------------------------------------


def _in_thread(
    store: Store, source: object, results: dict[str, object], key: str, **kwargs: object
) -> threading.Thread:
    def run() -> None:
        try:
            results[key] = store.import_source(source, **kwargs)  # type: ignore[arg-type]
        except Exception as error:  # handed to the test thread to assert on
            results[key] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_import_waits_for_the_first_and_builds_on_it(store_url: str) -> None:
    inside = threading.Event()
    release = threading.Event()

    def hold_the_lock(done: int, total: int) -> None:
        inside.set()
        release.wait(timeout=30)

    results: dict[str, object] = {}
    with (
        Store.open(store_url, lock_timeout=30) as first,
        Store.open(store_url, lock_timeout=30) as second,
    ):
        a = _in_thread(
            first,
            parsed([INSPUR_TAIWAN, NETTRIX], name="jan", as_of=BASE_DAY),
            results,
            "a",
            progress=hold_the_lock,
        )
        assert inside.wait(timeout=30)
        b = _in_thread(
            second, parsed([INSPUR_TAIWAN, SUMA_USI], name="feb", as_of=EFFECTIVE), results, "b"
        )
        time.sleep(0.5)  # let the second import reach the lock before the first commits
        release.set()
        a.join(timeout=60)
        b.join(timeout=60)
        first_result, second_result = results["a"], results["b"]
        assert isinstance(first_result, ImportResult), first_result
        assert isinstance(second_result, ImportResult), second_result
        (v1,), (v2,) = first_result.created, second_result.created
        # The second import saw the first one's version as its predecessor: serialised.
        assert v1.id < v2.id
        assert v2.counts == {"entries": 2, "added": 1, "changed": 0, "removed": 1, "unchanged": 1}


def test_the_same_file_imported_twice_at_once_lands_once(store_url: str) -> None:
    source = parsed([INSPUR_TAIWAN, PETROV], name="same")
    inside = threading.Event()
    release = threading.Event()

    def hold_the_lock(done: int, total: int) -> None:
        inside.set()
        release.wait(timeout=30)

    results: dict[str, object] = {}
    with (
        Store.open(store_url, lock_timeout=30) as first,
        Store.open(store_url, lock_timeout=30) as second,
    ):
        a = _in_thread(first, source, results, "a", progress=hold_the_lock)
        assert inside.wait(timeout=30)
        b = _in_thread(second, source, results, "b")
        time.sleep(0.5)
        release.set()
        a.join(timeout=60)
        b.join(timeout=60)
        statuses = [r.status for r in (results["a"], results["b"]) if isinstance(r, ImportResult)]
        assert statuses == [ImportStatus.IMPORTED, ImportStatus.UNCHANGED]
        assert len(first.versions(ListCode.EL)) == 1


def test_an_import_gives_up_cleanly_when_the_lock_is_held_too_long(store_url: str) -> None:
    inside = threading.Event()
    second_done = threading.Event()

    def hold_until_the_second_gave_up(done: int, total: int) -> None:
        inside.set()
        second_done.wait(timeout=30)

    results: dict[str, object] = {}
    with (
        Store.open(store_url, lock_timeout=30) as first,
        Store.open(store_url, lock_timeout=0.5) as impatient,
    ):
        a = _in_thread(
            first,
            parsed([INSPUR_TAIWAN], name="slow"),
            results,
            "a",
            progress=hold_until_the_second_gave_up,
        )
        assert inside.wait(timeout=30)
        with pytest.raises(
            StoreBusyError, match="another import is writing to the store; gave up importing quick"
        ):
            impatient.import_source(parsed([NETTRIX], name="quick", as_of=EFFECTIVE))
        second_done.set()
        a.join(timeout=60)
        assert isinstance(results["a"], ImportResult)
        # Reading was never blocked, and the impatient import left nothing behind.
        assert [v.file_name for v in impatient.versions(ListCode.EL)] == ["slow"]
