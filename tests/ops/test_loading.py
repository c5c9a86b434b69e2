"""Loading local files: the date a version gets, the partial-file guard, refusing bad files one by
one, and the newest publication of each list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from exportscreen.model import ListCode
from exportscreen.ops.loading import date_from_path, latest_entries, load_paths
from exportscreen.sources import parse
from exportscreen.sources.common import SourceError
from exportscreen.store import Store
from tests.conftest import FIXTURES

pytestmark = pytest.mark.shared


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("watchman/ofac_sdn_2021-07/sdn.csv.gz", date(2021, 7, 1)),
        ("watchman/bis_dpl/dpl_2023-11-30.txt.gz", date(2023, 11, 30)),
        ("x/consolidated.csv", None),
        ("x/list_2023-13-40.csv", None),
    ],
)
def test_date_from_path(path: str, expected: date | None) -> None:
    assert date_from_path(Path(path)) == expected


def test_a_partial_file_does_not_replace_a_list(tmp_path: Path, raw_dir: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        load_paths(store, [raw_dir / "watchman/csl/consolidated_2022-05.csv.gz"])
        report = load_paths(store, [raw_dir / "watchman/csl/consolidated_sample_2025-06.csv"])
        (outcome,) = report.files
        assert "SDN" in outcome.skipped_lists and "partial" in outcome.skipped_lists["SDN"]
        counts = {s.list: s.entry_count for s in store.lists()}
        # 2,001 rows, and the armed forces the two Ministries of Defence name (sources.subparties)
        assert counts[ListCode.SDN] == 10026 and counts[ListCode.EL] == 2001 + 2


def test_folder_update_refuses_bad_files_and_lands_the_rest(tmp_path: Path, raw_dir: Path) -> None:
    folder = tmp_path / "lists"
    folder.mkdir()
    (folder / "dpl.json").write_bytes((raw_dir / "nsfreg_ecfr_derived/bis_dpl.json").read_bytes())
    # A CSL file whose last row lost most of its columns, and a file that is no list at all.
    sample = (FIXTURES / "sources/csl_sample.csv").read_text(encoding="utf-8")
    (folder / "broken.csv").write_text(sample + "a,b,c\n", encoding="utf-8")
    (folder / "NOTES.md").write_text("not a list", encoding="utf-8")
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        with pytest.raises(SourceError):
            load_paths(store, [folder])
        assert store.lists() == []  # all or nothing by default
        report = load_paths(store, [folder], isolate_failures=True)
        assert [p.name for p, _ in report.failed] == ["broken.csv"]
        assert [s.list for s in store.lists()] == [ListCode.DPL]


def test_latest_entries_takes_each_list_from_its_newest_file(raw_dir: Path) -> None:
    csl = parse(raw_dir / "watchman/csl/consolidated_2022-05.csv.gz")
    el = parse(raw_dir / "nsfreg_ecfr_derived/bis_entity_list.json.gz")
    entries = latest_entries([el, csl])  # order of the files does not matter, their dates do
    counts: dict[ListCode, int] = {}
    for entry in entries:
        counts[entry.list] = counts.get(entry.list, 0) + 1
    # 3,409 entries and the 31 parties named inside them (sources.subparties)
    assert counts[ListCode.EL] == 3409 + 31 and counts[ListCode.SDN] == 10026
