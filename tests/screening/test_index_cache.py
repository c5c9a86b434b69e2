"""The store's cached screeners: a served index has its listed words' spelled neighbours searched
at build, a past date's does not, and the two give the same answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportscreen.screening.index_cache import build_from_store, load_or_build
from exportscreen.store import Store
from tests.api.support import load_fixture_lists

# Fixture-list names and misspellings of them (a listed word's neighbours, and a word the
# lists do not use, searched live either way).
QUERIES = ("Ivan Petrov", "Ivan Petrovv", "Pertov Ivan", "Huawei Technologies", "Huawai")


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_served_index_has_neighbours_and_a_past_dates_does_without(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a deployment serves by default (the test suite sets it to 0: see tests/conftest.py).
    monkeypatch.setenv("EXPORTSCREEN_INDEX_NEIGHBOURS", "1")
    load_fixture_lists(store)
    versions = store.current_version_ids()
    served = load_or_build(store, versions, tmp_path)
    past = load_or_build(store, versions, tmp_path, neighbours=False)
    assert served.index.word_spelled is not None
    assert past.index.word_spelled is None
    # Two cache files: neither is taken for the other.
    assert len(list(tmp_path.glob("index-*.bin"))) == 2
    again = load_or_build(store, versions, tmp_path)
    assert again.index.word_spelled is not None
    for query in QUERIES:
        found = [(h.entry.id, h.score, h.explanation) for h in served.screen(query, threshold=0.5)]
        assert found == [
            (h.entry.id, h.score, h.explanation) for h in past.screen(query, threshold=0.5)
        ], query
    assert any(served.screen(q, threshold=0.5) for q in QUERIES)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_setting_decides_whether_a_served_index_has_neighbours(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_fixture_lists(store)
    versions = store.current_version_ids()
    monkeypatch.setenv("EXPORTSCREEN_INDEX_NEIGHBOURS", "0")
    assert load_or_build(store, versions, tmp_path).index.word_spelled is None
    assert build_from_store(store, versions).index.word_spelled is None
    # An explicit choice wins over the setting.
    assert load_or_build(store, versions, tmp_path, neighbours=True).index.word_spelled is not None
    monkeypatch.setenv("EXPORTSCREEN_INDEX_NEIGHBOURS", "1")
    assert build_from_store(store, versions).index.word_spelled is not None
    # The cached index built with neighbours above is the one taken now.
    assert len(list(tmp_path.glob("index-*.bin"))) == 2
    assert load_or_build(store, versions, tmp_path).index.word_spelled is not None
    assert len(list(tmp_path.glob("index-*.bin"))) == 2
