"""A screener built from the store adopts OFAC's weak-alias marks for the CSL's SDN rows (issue 16).

The set-up loads OFAC's 2021 sdn.csv beside the 2022 CSL: the CSL's version of the SDN list is in
force (its data is newer), so OFAC's is screened by nobody and its parties are not listed twice;
the screener reads it only for the aliases it marks weak. Every path that builds a screener from
the store (the cached one of the CLI, API and batch, and ``Screener.open``) goes through
``index_cache.build_from_store``; the OFAC version is part of the cache key, so loading it
rebuilds an index whose list versions did not change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exportscreen import settings
from exportscreen.matching.score import WEAK_ALIAS_CAP
from exportscreen.model import ListCode
from exportscreen.ops.loading import load_paths
from exportscreen.screening.index_cache import MARK_FORMATS, entry_weak_marks, load_or_build
from exportscreen.screening.screener import Screener
from exportscreen.store import Store

pytestmark = pytest.mark.shared

THRESHOLD = settings.DEFAULT_THRESHOLD
CSL = "watchman/csl/consolidated_2022-05.csv.gz"
OFAC_2021 = "watchman/ofac_sdn_2021-07/sdn.csv.gz"


def _kony(screener: Screener, query: str, **kwargs: object) -> list[float]:
    hits = screener.screen(query, threshold=0.3, limit=50, **kwargs)  # type: ignore[arg-type]
    return [h.score for h in hits if h.entry.id == "SDN-19930"]


def test_the_store_screener_adopts_ofac_marks(
    store_url: str, raw_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    with Store.open(store_url) as store:
        load_paths(store, [raw_dir / CSL])
        assert store.latest_of_formats(MARK_FORMATS) == []
        before = load_or_build(store, store.current_version_ids(), cache)
        # The CSL alone: OFAC's weak a.k.a. Caesar of KONY, Ali is an ordinary alias.
        assert max(_kony(before, "Caesar")) >= THRESHOLD
        current = store.current_version_ids()

        load_paths(store, [raw_dir / OFAC_2021])
        # The CSL's SDN version stays in force; OFAC's older one is read only for its marks.
        assert store.current_version_ids() == current
        (ofac,) = store.latest_of_formats(MARK_FORMATS)
        assert (ofac.list, ofac.source_format, ofac.as_of.isoformat()) == (
            ListCode.SDN,
            "ofac_csv",
            "2021-07-01",
        )
        after = load_or_build(store, current, cache)
        opened = Screener.open(store_url)
        kony = store.entry("SDN-19930")
        assert kony is not None
        # The entry's page and `show` name the aliases counted weak and the file that marks
        # them: OFAC's Remarks give a.k.a. 'MOHAMMED, Ali'; 'Bashir'; 'Caesar'; 'One-P'; '1-P'.
        marks = entry_weak_marks(store, kony)

    source = f"OFAC sdn.csv.gz of 2021-07-01, SDN version {ofac.id}"
    weak = ["MOHAMMED, Ali", "Bashir", "Caesar", "One-P", "1-P"]
    assert marks == dict.fromkeys(weak, source)
    for screener in (after, opened):
        # Each party once: the SDN entries screened are the CSL's.
        assert [e.id for e in screener.entries].count("SDN-19930") == 1
        assert all(s < THRESHOLD for s in _kony(screener, "Mohammad Ali", country="IR"))
        (hit,) = [h for h in screener.screen("Caesar", threshold=0.3) if h.entry.id == "SDN-19930"]
        assert hit.matched_name == "Caesar" and hit.score == pytest.approx(WEAK_ALIAS_CAP)
        notes = [p.reason for p in hit.explanation.penalties if p.feature == "weak_alias"]
        assert notes and f"marked low quality by {source}" in notes[0]
        assert max(_kony(screener, "Ali Kony")) >= THRESHOLD
    # Loaded again from the cache, the marks and their source are kept.
    with Store.open(store_url) as store:
        cached = load_or_build(store, current, cache)
    assert max(_kony(cached, "Caesar")) == pytest.approx(WEAK_ALIAS_CAP)
    if store_url.startswith("sqlite"):
        from typer.testing import CliRunner

        from exportscreen.cli.app import app

        shown = CliRunner().invoke(app, ["--db", store_url, "show", "SDN-19930", "--json"])
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.stdout)["weak_alias_marks"] == dict.fromkeys(weak, source)
