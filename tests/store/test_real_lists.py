"""The real published lists through the store: counts, round trips, the 2025-03-25 additions in
the diff from the 2022 CSL to the 2026 Entity List, and the 2023 rule as an amendment."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from exportscreen import sources
from exportscreen.model import ChangeKind, Entry, ListCode, entry_from_dict, entry_to_dict
from exportscreen.sources import fields
from exportscreen.sources.common import ParsedSource
from exportscreen.store import ImportStatus, Store, VersionKind

pytestmark = pytest.mark.shared

CSL_2022 = "watchman/csl/consolidated_2022-05.csv.gz"
BIS_2026 = (
    "nsfreg_ecfr_derived/bis_entity_list.json.gz",
    "nsfreg_ecfr_derived/bis_meu.json",
    "nsfreg_ecfr_derived/bis_dpl.json",
)
RULE_2023 = "federal_register/2023-03929_88FR12170_entity_list_additions.xml"

# From PROVENANCE.md (the row counts of the published files), not from our parsers.
CSL_2022_COUNTS = {
    "SDN": 10026, "EL": 2001, "DTC": 727, "DPL": 462, "SSI": 290, "UVL": 201, "ISN": 163,
    "PLC": 78, "MEU": 71, "CMIC": 68, "CAP": 53, "MBS": 17, "FSE": 3,
}  # fmt: skip
BIS_2026_COUNTS = {"EL": 3409, "MEU": 70, "DPL": 564}


@pytest.fixture(scope="module")
def real_files(raw_dir: Path) -> dict[str, ParsedSource]:
    """Each file parsed once for the module (parsing is not what these tests are about)."""
    return {name: sources.parse(raw_dir / name) for name in (CSL_2022, *BIS_2026, RULE_2023)}


def _named_inside(parsed: ParsedSource) -> Counter[str]:
    """Records the loader added for parties named inside another entry's text (beyond the rows
    the file has): ``sources.subparties``."""
    return Counter(
        e.list.value
        for e in parsed.entries
        if "named_in" in e.details and "printed_name" not in e.details
    )


def _without_ids(entry: Entry) -> Entry:
    details = {k: v for k, v in entry.details.items() if k != "parent_id"}
    return replace(entry, id="", details=details)


def _load(store: Store, real_files: dict[str, ParsedSource]) -> dict[str, dict[ListCode, int]]:
    return {
        name: store.import_source(real_files[name]).version_ids for name in (CSL_2022, *BIS_2026)
    }


def test_real_lists_load_with_their_counts_and_read_back_equal(
    store: Store, real_files: dict[str, ParsedSource]
) -> None:
    versions = _load(store, real_files)
    csl = {code.value: store.version(v).entry_count for code, v in versions[CSL_2022].items()}
    # The Russian and Belarusian Ministries of Defence name their armed forces ("including
    # ..."): two more records than rows.
    assert _named_inside(real_files[CSL_2022]) == {"EL": 2}
    assert csl == dict(Counter(CSL_2022_COUNTS) + _named_inside(real_files[CSL_2022]))
    current = {s.list.value: s.entry_count for s in store.lists()}
    bis_named: Counter[str] = sum((_named_inside(real_files[n]) for n in BIS_2026), Counter())
    assert current == {**CSL_2022_COUNTS, **dict(Counter(BIS_2026_COUNTS) + bis_named)}
    # Every entry of every version reads back equal, in the order of its file, apart from the
    # legal fields its format does not carry (kept from the CSL: store.provenance); the first
    # version of a list keeps the loader's ids, a later one the ids of the parties it continues.
    for name, by_list in versions.items():
        for code, version_id in by_list.items():
            expected = [e for e in real_files[name].entries if e.list is code]
            uncarried = set(fields.LEGAL_FIELDS) - fields.carried(real_files[name].format, code)
            stored = store.entries(version_id=version_id)
            for field in uncarried:
                stored = [
                    fields.put(got, field, fields.get(want, field))
                    for got, want in zip(stored, expected, strict=True)
                ]
            if name == CSL_2022:
                assert stored == expected, (name, code)
            else:
                assert [_without_ids(e) for e in stored] == [_without_ids(e) for e in expected]
    for parsed in real_files.values():
        assert all(entry_from_dict(entry_to_dict(e)) == e for e in parsed.entries)
    current_entries = store.entries()
    assert len(current_entries) == sum(current.values())
    assert Counter(e.list.value for e in current_entries) == Counter(current)
    # Loading the same file again is a no-op.
    assert store.import_source(real_files[CSL_2022]).status is ImportStatus.UNCHANGED


def test_diff_from_the_2022_csl_to_the_2026_entity_list_shows_the_march_2025_additions(
    store: Store, real_files: dict[str, ParsedSource]
) -> None:
    versions = _load(store, real_files)
    bis_el = real_files[BIS_2026[0]].entries
    by_rule = {
        page: {e.id for e in bis_el if any(c.volume == 90 and c.page == page for c in e.citations)}
        for page in (14035, 14048)
    }
    # PROVENANCE.md: 71 entries cite 90 FR 14035 and 12 cite 90 FR 14048.
    assert {page: len(ids) for page, ids in by_rule.items()} == {14035: 71, 14048: 12}
    diff = store.diff(
        ListCode.EL, versions[CSL_2022][ListCode.EL], versions[BIS_2026[0]][ListCode.EL]
    )
    added = {change.entry_id for change in diff.added}
    assert by_rule[14035] | by_rule[14048] <= added
    assert all(change.kind is ChangeKind.ADDED and change.after for change in diff.added)
    # The same diff, by dates: the CSL's data date and the eCFR download date.
    by_date = store.diff(ListCode.EL, real_files[CSL_2022].as_of, real_files[BIS_2026[0]].as_of)
    assert {c.entry_id for c in by_date.added} == added


def test_the_2023_rule_amends_the_2022_entity_list(
    store: Store, real_files: dict[str, ParsedSource]
) -> None:
    csl_el = store.import_source(real_files[CSL_2022]).version_ids[ListCode.EL]
    rule = real_files[RULE_2023]
    (amendment,) = store.import_source(rule).created
    assert (amendment.kind, amendment.parent_version_id) == (VersionKind.AMENDMENT, csl_el)
    effective = {c.effective_date for c in rule.changes}
    assert {amendment.as_of} == effective
    # PROVENANCE.md: the rule adds 13 entries; none was listed before.
    assert Counter(c.kind for c in rule.changes) == {ChangeKind.ADDED: 13}
    diff = store.diff(ListCode.EL, csl_el, amendment.id)
    assert {c.entry_id for c in diff.added} == {c.entry.id for c in rule.changes}
    assert (diff.removed, diff.changed) == ((), ())
    assert amendment.entry_count == CSL_2022_COUNTS["EL"] + 2 + 13  # + the armed forces
