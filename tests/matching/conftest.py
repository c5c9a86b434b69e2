"""Screeners for the matching tests: one over the small fixture list, one over the real lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exportscreen.model import Entry, entry_from_dict
from exportscreen.screening.screener import Screener

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "matching" / "entries.json"

# The complete publications of each list in ../shared (the partial and sample files would replace
# a whole list with a fragment); for each list the most recent wins, as in the store.
REAL_LIST_FILES = (
    "watchman/csl/consolidated_2022-05.csv.gz",
    "nsfreg_ecfr_derived/bis_entity_list.json.gz",
    "nsfreg_ecfr_derived/bis_meu.json",
    "nsfreg_ecfr_derived/bis_dpl.json",
    "watchman/ofac_cons_2025-12/cons_prim.csv.gz",
)


def fixture_entries() -> list[Entry]:
    return [entry_from_dict(item) for item in json.loads(FIXTURE.read_text("utf-8"))]


@pytest.fixture(scope="session")
def screener() -> Screener:
    return Screener.from_entries(fixture_entries())


@pytest.fixture(scope="session")
def real_entries(raw_dir: Path) -> list[Entry]:
    from exportscreen import sources
    from exportscreen.ops.loading import latest_entries

    return latest_entries([sources.parse(raw_dir / relative) for relative in REAL_LIST_FILES])


@pytest.fixture(scope="session")
def real_screener(real_entries: list[Entry]) -> Screener:
    # As the store builds the indexes it serves: with the listed words' spelled neighbours.
    return Screener.from_entries(real_entries, neighbours=True)
