"""The API's index is rebuilt when an OFAC file whose weak-alias marks it adopts is loaded, even one
older than the list version in force (which then stays current: no list version changes)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from exportscreen.api.state import ScreenerHolder
from exportscreen.matching.score import WEAK_ALIAS_CAP
from exportscreen.model import ListCode
from exportscreen.screening.screener import Screener
from exportscreen.sources.common import ParsedSource
from exportscreen.store import Store
from tests.api.support import load_fixture_lists


def test_loading_an_older_ofac_file_rebuilds_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPORTSCREEN_CACHE", str(tmp_path / "cache"))
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        load_fixture_lists(store)
        holder = ScreenerHolder(store, check_seconds=3600)
        assert holder.refresh() and not holder.refresh()
        first = holder.loaded
        assert first is not None
        (hit,) = first.screener.screen("Ivan Petrov", threshold=0.3)
        assert (hit.entry.id, hit.matched_name, hit.score) == ("SDN-1001", "Ivan Petrov", 1.0)
        petrov = store.entry("SDN-1001")
        assert petrov is not None
        marked = dataclasses.replace(petrov, weak_aliases=petrov.aliases)
        current = store.current_version_ids()
        store.import_source(
            ParsedSource(
                format="ofac_csv",
                paths=(Path("sdn.csv"),),
                sha256="1" * 64,
                as_of=date(2024, 12, 1),
                entries=[marked],
                lists=(ListCode.SDN,),
            )
        )
        assert store.current_version_ids() == current
        assert holder.refresh()
        rebuilt = holder.loaded
        assert rebuilt is not None
        # The alias is capped, so the party's best name is now its primary name, which has
        # a word more than the query.
        (hit,) = rebuilt.screener.screen("Ivan Petrov", threshold=0.3)
        assert hit.entry.id == "SDN-1001" and hit.matched_name == "PETROV, Ivan Sergeyevich"
        assert WEAK_ALIAS_CAP < hit.score < 1.0
        assert not holder.refresh()


def test_an_index_loads_the_matchers_tables_before_it_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tables a first Chinese name or lone near spelling would read (seconds of CPU) are
    read when the index is loaded, not by the first request that needs them."""
    monkeypatch.setenv("EXPORTSCREEN_CACHE", str(tmp_path / "cache"))
    loaded: list[int] = []
    monkeypatch.setattr(Screener, "load_tables", lambda self: loaded.append(len(self)))
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        holder = ScreenerHolder(store, check_seconds=3600)
        assert not holder.refresh() and loaded == []  # no lists yet: no index
        load_fixture_lists(store)
        assert holder.refresh()
        assert holder.loaded is not None and loaded == [len(holder.loaded.screener)]
