"""Format detection picks the BIS/CSL loaders by content, for real files and fixtures, gzipped or
not, whatever their names."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from exportscreen.sources import bis_json, csl_csv, csl_json, detect, dpl_tsv, parse, read_head

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sources"

REAL_FILES = [
    ("watchman/csl/consolidated_2022-05.csv.gz", csl_csv),
    ("watchman/csl/csl_2023-11-30_partial.csv.gz", csl_csv),
    ("watchman/csl/consolidated_sample_2025-06.csv", csl_csv),
    ("watchman/csl/csl_sample_2019-12.csv", csl_csv),
    ("watchman/bis_dpl/dpl_2023-11-30.txt.gz", dpl_tsv),
    ("nsfreg_ecfr_derived/bis_entity_list.json.gz", bis_json),
    ("nsfreg_ecfr_derived/bis_meu.json", bis_json),
    ("nsfreg_ecfr_derived/bis_dpl.json", bis_json),
]
FIXTURE_FILES = [
    ("csl_sample.csv", csl_csv),
    ("csl_sample.json", csl_json),
    ("dpl_sample.txt", dpl_tsv),
    ("bis_entity_list_sample.json", bis_json),
]
MINE = (csl_csv, csl_json, dpl_tsv, bis_json)


def _gzipped(source: Path, target: Path) -> Path:
    with source.open("rb") as src, gzip.open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return target


@pytest.mark.shared
@pytest.mark.parametrize(("relative", "module"), REAL_FILES)
def test_real_files(raw_dir: Path, relative: str, module: ModuleType) -> None:
    assert detect(raw_dir / relative) is module


@pytest.mark.shared
def test_lists_json_is_not_a_bis_list(raw_dir: Path) -> None:
    # lists.json describes the lists; none of the loaders may claim it.
    path = raw_dir / "nsfreg_ecfr_derived/lists.json"
    head = read_head(path)
    assert not any(m.sniff(path, head) for m in MINE)


@pytest.mark.parametrize(("name", "module"), FIXTURE_FILES)
@pytest.mark.parametrize("compressed", [False, True])
def test_fixtures_by_content_not_name(
    tmp_path: Path, name: str, module: ModuleType, compressed: bool
) -> None:
    # A misleading name: detection must rest on the content.
    target = tmp_path / ("download.bin.gz" if compressed else "download.bin")
    if compressed:
        _gzipped(FIXTURES / name, target)
    else:
        shutil.copyfile(FIXTURES / name, target)
    assert detect(target) is module
    assert parse(target).entries == module.parse(FIXTURES / name).entries


@pytest.mark.parametrize(("name", "module"), FIXTURE_FILES)
def test_only_one_of_these_loaders_claims_each_fixture(name: str, module: ModuleType) -> None:
    path = FIXTURES / name
    head = read_head(path)
    assert [m for m in MINE if m.sniff(path, head)] == [module]
