"""Plausibility checks under the write lock: a version that removes too much, or removes an entry
with an open alert, is staged pending review; a partial file is refused; a check never judges a
state that another import is about to replace. On SQLite and PostgreSQL (``store`` fixture)."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from exportscreen.model import ListCode
from exportscreen.ops import reviews
from exportscreen.store import ImportStatus, Store, StoreError, VersionReview, audit_log
from exportscreen.store import alerts as stored_alerts
from exportscreen.store import counterparties as stored_parties
from exportscreen.store.plausibility import DEFAULT_PLAUSIBILITY, ImplausibleImport, Plausibility
from tests.store.factories import el_entry, parsed

FULL = [el_entry(f"e{n}", f"Listed Trading Company Number {n}") for n in range(40)]
APRIL, MAY = date(2025, 4, 1), date(2025, 5, 1)


def el(entries: list[Any], name: str, as_of: date = MAY) -> Any:
    return parsed(entries, name=name, as_of=as_of, lists=(ListCode.EL,))


def current(store: Store) -> dict[ListCode, int]:
    return {s.list: s.version_id for s in store.lists()}


@pytest.fixture()
def loaded(store: Store) -> tuple[Store, int]:
    (version,) = store.import_source(el(FULL, "el-april.csv", APRIL)).created
    return store, version.id


# (case, entries of the new version, expected outcome for EL)
CASES = [
    ("2 of 40 removed (5%): current", FULL[2:], ImportStatus.IMPORTED),
    ("3 of 40 removed (7.5%): staged", FULL[3:], ImportStatus.STAGED),
    ("a cut at 80%: staged", FULL[:32], ImportStatus.STAGED),
    (
        "all kept, 1 added: current",
        [*FULL, el_entry("new", "Newly Listed Co")],
        ImportStatus.IMPORTED,
    ),
]


@pytest.mark.parametrize(("entries", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_removals_beyond_5_percent_are_staged_and_the_current_version_stays(
    loaded: tuple[Store, int], entries: list[Any], expected: ImportStatus
) -> None:
    store, april = loaded
    result = store.import_source(el(entries, "el-may.csv"), plausibility=DEFAULT_PLAUSIBILITY)
    (item,) = result.lists
    assert item.status is expected
    if expected is ImportStatus.STAGED:
        assert current(store) == {ListCode.EL: april}
        assert item.version.review is VersionReview.PENDING
        assert "more than the 5% allowed" in item.version.notes["staged"][0]
        assert [v.id for v in store.versions_in_review()] == [item.version.id]
        # Staged versions are not history: readers, diffs and as-of views skip them.
        assert [v.id for v in store.versions(ListCode.EL)] == [april]
        assert len(store.entries(ListCode.EL)) == len(FULL)
    else:
        assert current(store) == {ListCode.EL: item.version.id}
        assert store.versions_in_review() == []


def test_a_partial_file_is_refused_for_its_list_and_nothing_of_it_is_written(
    loaded: tuple[Store, int],
) -> None:
    store, april = loaded
    result = store.import_source(el(FULL[:5], "sample.csv"), plausibility=DEFAULT_PLAUSIBILITY)
    assert result.lists == ()
    assert "5 entries against 40" in result.refused[ListCode.EL]
    assert current(store) == {ListCode.EL: april}
    with pytest.raises(ImplausibleImport, match="refused: EL 5 entries against 40"):
        store.import_source(
            el(FULL[:5], "sample.csv"), plausibility=Plausibility(refuse_whole=True)
        )
    assert len(store.versions(ListCode.EL)) == 1


def test_a_removal_of_an_entry_with_an_open_alert_is_staged(loaded: tuple[Store, int]) -> None:
    store, april = loaded
    alerted = FULL[7]
    with audit_log.writing(store.engine) as conn:
        stored_parties.upsert(
            conn,
            external_id="C-1",
            name=alerted.name,
            country="CN",
            type="company",
            address="",
            state_hash="h",
        )
        party_id = conn.execute(sa.text("SELECT id FROM counterparties")).scalar_one()
        stored_alerts.insert(
            conn,
            counterparty_id=party_id,
            entry_id=alerted.id,
            entry_state_hash="s",
            counterparty_hash="h",
            score=0.95,
            matched_name=alerted.name,
            explanation={},
        )
    # One entry of 40 (2.5%) is within the share, but it is the one with an open alert.
    without = [e for e in FULL if e.id != alerted.id]
    result = store.import_source(el(without, "el-may.csv"), plausibility=DEFAULT_PLAUSIBILITY)
    (staged,) = result.staged
    assert staged.notes["staged"] == [f"removes 1 entries with open alerts: {alerted.id}"]
    assert current(store) == {ListCode.EL: april}


def test_an_admin_accepts_or_rejects_a_staged_version_and_the_trail_says_so(
    loaded: tuple[Store, int],
) -> None:
    store, april = loaded
    cut = store.import_source(el(FULL[:30], "cut.csv"), plausibility=DEFAULT_PLAUSIBILITY)
    (staged,) = cut.staged
    rejected = reviews.reject(store, staged.id, actor="alice", reason="cut download")
    assert rejected.review is VersionReview.REJECTED
    assert current(store) == {ListCode.EL: april}
    with pytest.raises(StoreError, match="is rejected, not pending review"):
        reviews.accept(store, staged.id, actor="alice")

    real = store.import_source(
        el(FULL[:30], "real.csv", date(2025, 6, 1)), plausibility=DEFAULT_PLAUSIBILITY
    )
    (pending,) = real.staged
    reviews.accept(store, pending.id, actor="bob", reason="ten delistings, checked in the FR")
    assert current(store) == {ListCode.EL: pending.id}
    assert store.versions_in_review() == []
    trail = [
        (r.actor, r.action, r.payload["version_id"]) for r in audit_log.iter_rows(store.engine)
    ]
    assert trail == [("alice", "version.reject", staged.id), ("bob", "version.accept", pending.id)]


def test_the_check_judges_the_state_it_replaces_not_the_one_it_saw_before_waiting(
    store_url: str,
) -> None:
    """The 13-row sample started while the full list is being imported: it waits for the write
    lock, then is judged against the full list (refused), not against the empty store."""
    with (
        Store.open(store_url, lock_timeout=30) as one,
        Store.open(store_url, lock_timeout=30) as two,
    ):
        inside, release = threading.Event(), threading.Event()

        def hold(done: int, total: int) -> None:
            inside.set()
            release.wait(30)

        full = threading.Thread(
            target=lambda: one.import_source(el(FULL, "full.csv", APRIL), progress=hold)
        )
        full.start()
        assert inside.wait(30)
        outcome: list[Any] = []
        sample = threading.Thread(
            target=lambda: outcome.append(
                two.import_source(el(FULL[:1], "sample.csv"), plausibility=DEFAULT_PLAUSIBILITY)
            )
        )
        sample.start()
        sample.join(0.5)
        assert sample.is_alive()  # waiting for the lock
        release.set()
        full.join(30)
        sample.join(30)

        (result,) = outcome
        assert ListCode.EL in result.refused and result.lists == ()
        (version,) = one.versions(ListCode.EL)
        assert version.entry_count == len(FULL)
        assert current(one) == {ListCode.EL: version.id}


def test_the_diff_of_a_staged_version_shows_what_it_would_remove(
    loaded: tuple[Store, int],
) -> None:
    store, april = loaded
    (staged,) = store.import_source(
        el(FULL[:30], "cut.csv"), plausibility=DEFAULT_PLAUSIBILITY
    ).staged
    diff = store.diff(ListCode.EL, to=staged.id)
    assert diff.from_version is not None and diff.from_version.id == april
    assert {c.entry_id for c in diff.removed} == {e.id for e in FULL[30:]}
    assert diff.added == () and diff.changed == ()
