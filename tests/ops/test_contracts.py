"""Schemas are contracts: the real OFAC CSV and XML files and the real Federal Register rule, with
a field their entries are read from dropped or renamed in a copy, are refused naming the file and
the field, with and without --skip-bad-rows, and the store (SQLite and PostgreSQL) is unchanged.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from exportscreen.model import ListCode
from exportscreen.ops.loading import load_paths
from exportscreen.ops.status import list_status
from exportscreen.ops.updater import run_update
from exportscreen.sources import fetch
from exportscreen.sources.common import SourceError
from exportscreen.store import Store
from tests import httpserver
from tests.httpserver import OFFICIAL_FILES, MirrorServer, mirror_server
from tests.ops.test_faults import FAST, failed_runs, scheduled_once, state_of

__all__ = ["mirror_server"]  # a fixture, imported for pytest to find

pytestmark = pytest.mark.shared

SDN_SAMPLE = "watchman/ofac_sdn_2025-05_sample"
CONS = "watchman/ofac_cons_2025-12"
CONS_XML = "watchman/ofac_cons_enhanced_2025-01/CONS_ENHANCED.ZIP"
CSL_SAMPLE = "watchman/csl/consolidated_sample_2025-06.csv"
RULE = "federal_register/2023-03929_88FR12170_entity_list_additions.xml"


def _plain_copy(source: Path, target: Path) -> Path:
    """The folder's files, gunzipped (the loader reads either)."""
    target.mkdir()
    for path in source.iterdir():
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        (target / path.name.removesuffix(".gz")).write_bytes(data)
    return target


def _drop_column(path: Path, index: int) -> None:
    """OFAC's own writing (every field quoted, CRLF, 0x1A at the end) minus one column."""
    text = path.read_bytes().rstrip(b"\x1a\r\n").decode("utf-8")
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow(row[:index] + row[index + 1 :])
    path.write_bytes(out.getvalue().encode("utf-8") + b"\x1a")


def _assert_refused(store: Store, path: Path, damaged: Path, field: str) -> None:
    """Refused with and without skipping bad rows, naming the damaged file and the field;
    nothing in the store changed."""
    before = state_of(store)
    for skip in (False, True):
        with pytest.raises(SourceError) as raised:
            load_paths(store, [path], skip_bad_rows=skip)
        assert raised.value.file == str(damaged)
        assert raised.value.field is not None and field in raised.value.field, raised.value
        assert field in str(raised.value)
        assert state_of(store) == before


@pytest.mark.parametrize(
    ("folder", "primary", "damaged", "column", "field"),
    [
        (SDN_SAMPLE, "sdn.csv", "sdn.csv", 2, "SDN_Type"),
        (CONS, "cons_prim.csv", "cons_prim.csv", 3, "Program"),
        (CONS, "cons_prim.csv", "cons_add.csv", 4, "Country"),
        (CONS, "cons_prim.csv", "cons_alt.csv", 2, "alt_type"),
        (CONS, "cons_prim.csv", "cons_alt.csv", 3, "alt_name"),
    ],
)
def test_an_ofac_csv_without_a_column_is_refused(
    store: Store,
    raw_dir: Path,
    tmp_path: Path,
    folder: str,
    primary: str,
    damaged: str,
    column: int,
    field: str,
) -> None:
    good = _plain_copy(raw_dir / folder, tmp_path / "good")
    # The 2025 sample is a subset: some of its address and alias rows have no record in it.
    load_paths(store, [good / primary], skip_bad_rows=True)
    bad = _plain_copy(raw_dir / folder, tmp_path / "bad")
    _drop_column(bad / damaged, column)
    _assert_refused(store, bad / primary, bad / damaged, field)


def test_an_ofac_csv_with_columns_swapped_is_refused(
    store: Store, raw_dir: Path, tmp_path: Path
) -> None:
    """Same count, moved values: the SDN_Type column holding programs is named."""
    good = _plain_copy(raw_dir / SDN_SAMPLE, tmp_path / "good")
    load_paths(store, [good / "sdn.csv"], skip_bad_rows=True)
    bad = _plain_copy(raw_dir / SDN_SAMPLE, tmp_path / "bad")
    text = (bad / "sdn.csv").read_bytes().rstrip(b"\x1a\r\n").decode("utf-8")
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([row[0], row[1], row[3], row[2], *row[4:]])
    (bad / "sdn.csv").write_bytes(out.getvalue().encode("utf-8") + b"\x1a")
    _assert_refused(store, bad / "sdn.csv", bad / "sdn.csv", "SDN_Type")


def _rename_element(text: str, old: str, new: str) -> str:
    renamed = re.sub(rf"<(/?){old}(?=[\s>/])", rf"<\g<1>{new}", text)
    assert renamed != text
    return renamed


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("addresses", "addressList", "addressList"),
        ("formattedFullName", "fullName", "formattedFullName"),
        ("entityType", "partyType", "entityType"),
        ("country", "countryRef", "countryRef"),
        ("documentNumber", "number", "documentNumber"),
        ("sanctionsLists", "lists", "lists"),
        ("entity", "party", "entity"),
    ],
)
def test_an_ofac_xml_with_a_renamed_element_is_refused(
    store: Store, raw_dir: Path, tmp_path: Path, old: str, new: str, field: str
) -> None:
    original = raw_dir / CONS_XML
    load_paths(store, [original])
    with zipfile.ZipFile(original) as archive:
        text = archive.read("CONS_ENHANCED.XML").decode("utf-8")
    bad = tmp_path / "CONS_ENHANCED.XML"
    bad.write_text(_rename_element(text, old, new), encoding="utf-8")
    _assert_refused(store, bad, bad, field)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("EFFDATE", "DATES", "EFFDATE"),
        ("This rule is effective February 24, 2023.", "This rule is effective.", "EFFDATE"),
        ("<LI>review policy</LI>", "<LI>policy</LI>", "License review policy"),
        ("<ENT>Entity</ENT>", "<ENT>Party</ENT>", "Entity"),
        ("AMDPAR", "P", "AMDPAR"),
        ("PRTPAGE", "PAGE", "PRTPAGE"),
    ],
)
def test_a_federal_register_rule_without_a_required_element_is_refused(
    store: Store, raw_dir: Path, tmp_path: Path, old: str, new: str, field: str
) -> None:
    load_paths(store, [raw_dir / CSL_SAMPLE])
    text = (raw_dir / RULE).read_text(encoding="utf-8")
    if old.isalpha():  # an element's name
        text = _rename_element(text, old, new)
    else:
        assert old in text
        text = text.replace(old, new)
    bad = tmp_path / "rule.xml"
    bad.write_text(text, encoding="utf-8")
    _assert_refused(store, bad, bad, field)


def test_the_real_files_load_whole(store: Store, raw_dir: Path, tmp_path: Path) -> None:
    """The contracts refuse nothing of the real files they are checked against."""
    good = _plain_copy(raw_dir / CONS, tmp_path / "cons")
    report = load_paths(store, [good / "cons_prim.csv", raw_dir / CONS_XML])
    assert all(not f.problems for f in report.files)
    shutil.rmtree(good)


# --- through the scheduler: a downloaded file that broke its contract ------------------------


def _dropped_column_body(raw: bytes, index: int) -> bytes:
    text = gzip.decompress(raw).rstrip(b"\x1a\r\n").decode("utf-8")
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow(row[:index] + row[index + 1 :])
    return out.getvalue().encode("utf-8") + b"\x1a"


def test_a_downloaded_ofac_file_without_a_column_keeps_the_last_good_version(
    mirror_server: MirrorServer, store: Store
) -> None:
    """CONS_ALT.CSV arrives without alt_type: the update fails naming the file and the column,
    logged for each list of the set; every list keeps its version."""
    cons = fetch.source("ofac-cons")
    baseline = run_update(store, sources=["ofac-cons"], mirror=mirror_server.url, backoff=FAST)
    assert baseline.ok
    before = state_of(store)
    alt = next(f for f in cons.files if f.name.lower() == "cons_alt.csv")
    shared = mirror_server.shared_file(OFFICIAL_FILES[alt.url][0])
    mirror_server.route_official(
        alt.url, httpserver.body(_dropped_column_body(shared.read_bytes(), 2))
    )

    scheduled_once(store, mirror_server, "ofac-cons")

    assert state_of(store) == before
    failures = failed_runs(store)
    assert {ListCode(r.list) for r in failures} == set(cons.lists)
    assert all("field 'alt_type'" in r.error and "CONS_ALT.CSV" in r.error for r in failures)
    status = {s.list: s for s in list_status(store)}
    assert all(status[s.list].failing and status[s.list].version_id for s in before.lists)
