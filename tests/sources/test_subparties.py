"""Parties named inside another entry's text become records of their own, on the real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.sources import bis_json, csl_csv
from exportscreen.sources.subparties import named_parties

pytestmark = pytest.mark.shared

ECFR_EL = "nsfreg_ecfr_derived/bis_entity_list.json.gz"
CSL_2022 = "watchman/csl/consolidated_2022-05.csv.gz"

# The affiliates the eCFR prints in the Huawei entry's address column (84 FR 22963, as amended),
# read off the text by hand: name, then the aliases printed with it.
HUAWEI_AFFILIATES = {
    "Hangzhou New Longshine Information Technology Co., Ltd.": (),
    "Hangzhou Huawei Communication Technology Co., Ltd.": (),
    "Hangzhou Huawei Enterprises": (),
    "Huawei Digital Technologies (Suzhou) Co., Ltd.": (),
    "HMN Technologies": ("Huahai Zhihui Technology Co., Ltd.", "HMN Tech."),
    "Huawei Mobile Technology Ltd.": (),
    "Huawei Tech. Investment Co.": (),
    "Huawei Technology Co., Ltd. Chengdu Research Institute": (),
    "Huawei Technology Co., Ltd. Hangzhou Research Institute": (),
    "Huawei Technologies Co., Ltd. Beijing Research Institute": (),
    "Huawei Technologies Co., Ltd. Material Characterization Lab": (),
    "Huawei Technologies Co., Ltd. Xi'an Research Institute": (),
    "Huawei Terminal (Shenzhen) Co., Ltd.": (),
    "Nanchang Huawei Communication Technology": (),
    "Ningbo Huawei Computer & Net Co., Ltd.": (),
    "Shanghai Huawei Technologies Co., Ltd.": (),
    "Shenzhen Huawei New Technology Co., Ltd.": (),
    "Shenzhen Huawei Technology Service": (),
    "Shenzhen Huawei Technologies Software": (),
    "Zhejiang Huawei Communications Technology Co., Ltd.": (),
}


def _children_of(entries: list[Entry], parent: Entry) -> list[Entry]:
    return [e for e in entries if e.details.get("parent_id") == parent.id]


def test_the_huawei_affiliates_are_records_named_in_the_huawei_entry(raw_dir: Path) -> None:
    parsed = bis_json.parse(raw_dir / ECFR_EL)
    (huawei,) = [e for e in parsed.entries if e.name == "Huawei Technologies Co., Ltd."]
    children = _children_of(parsed.entries, huawei)
    assert {c.name: c.aliases for c in children} == HUAWEI_AFFILIATES
    for child in children:
        assert child.list is ListCode.EL and child.type is EntryType.ENTITY
        assert child.details["parent_name"] == "Huawei Technologies Co., Ltd."
        assert child.details["named_in"] == "address"
        assert child.remarks == (
            "Named in the entry for Huawei Technologies Co., Ltd., 84 FR 22963, 2019-05-21"
        )
        # Listed by the entry that names them: the same requirement and citations.
        assert (child.licence, child.citations) == (huawei.licence, huawei.citations)
        assert child.addresses and child.addresses[0].country == "CN"
    mobile = next(c for c in children if c.name == "Huawei Mobile Technology Ltd.")
    assert mobile.addresses[0].street == "Huawei Base, Building 2, District B, Shenzhen, China"


@pytest.mark.parametrize(
    ("parent", "children"),
    [
        (
            "China Electronics Technology Group Corporation 14th Research Institute (CETC 14)",
            {"Nanjing SunSea Industry Corporation", "Nanjing Institute of Radio Technology"},
        ),
        ("Ministry of Defence of the Russian Federation", {"Armed Forces of Russia"}),
        ("The Ministry of Defence of the Republic of Belarus", {"Armed Forces of Belarus"}),
    ],
)
def test_subordinates_and_including_clauses_of_the_ecfr(
    raw_dir: Path, parent: str, children: set[str]
) -> None:
    parsed = bis_json.parse(raw_dir / ECFR_EL)
    (entry,) = [e for e in parsed.entries if e.name == parent]
    assert {c.name for c in _children_of(parsed.entries, entry)} == children


def test_an_including_clause_is_no_address(raw_dir: Path) -> None:
    parsed = bis_json.parse(raw_dir / ECFR_EL)
    (mod,) = [
        e for e in parsed.entries if e.name == "Ministry of Defence of the Russian Federation"
    ]
    assert mod.addresses == ()
    assert mod.remarks.startswith("including the Armed Forces of Russia and all operating units")


def test_the_csl_affiliated_entity_rows_are_the_affiliate(raw_dir: Path) -> None:
    parsed = csl_csv.parse(raw_dir / CSL_2022)
    printed = (
        "Huawei Technologies Co., Ltd. (Huawei). Affiliated Entity: Huawei Mobile Technology Ltd."
    )
    (mobile,) = [e for e in parsed.entries if e.details.get("printed_name") == printed]
    assert mobile.name == "Huawei Mobile Technology Ltd"
    assert mobile.details["parent_name"] == "Huawei Technologies Co., Ltd. (Huawei)"
    parents = [e for e in parsed.entries if e.id == mobile.details["parent_id"]]
    assert [p.name for p in parents] == ["Huawei Technologies Co., Ltd. (Huawei)"]
    # The 2022 CSL prints the clause in the name.
    (russia,) = [
        e for e in parsed.entries if e.name == "Ministry of Defence of the Russian Federation"
    ]
    assert [c.name for c in _children_of(parsed.entries, russia)] == ["Armed Forces of Russia"]


@pytest.mark.parametrize(
    ("printed", "child", "parent"),
    [
        (
            "China Electronics Technology Group Corporation 13th Research Institute (CETC 13) "
            "subordinate institution: Envoltek",
            "Envoltek",
            "China Electronics Technology Group Corporation 13th Research Institute (CETC 13)",
        ),
        (
            "Pakistan Atomic Energy Commission (PAEC), and subordinate entity National "
            "Development Complex (NDC)",
            "National Development Complex (NDC)",
            "Pakistan Atomic Energy Commission (PAEC)",
        ),
        (
            "Department of Atomic Energy entity: Indian Rare Earths",
            "Indian Rare Earths",
            "Department of Atomic Energy",
        ),
    ],
)
def test_name_column_forms(printed: str, child: str, parent: str) -> None:
    entry = Entry(id="", list=ListCode.EL, type=EntryType.ENTITY, name=printed)
    (renamed,) = named_parties(entry)
    assert (renamed.name, renamed.details["parent_name"]) == (child, parent)
    assert renamed.details["printed_name"] == printed


def test_an_entry_naming_nobody_is_left_alone() -> None:
    entry = Entry(
        id="",
        list=ListCode.EL,
        type=EntryType.ENTITY,
        name="Inspur Taiwan",
        addresses=(),
    )
    assert named_parties(entry, "5F., No. 10, Lane 35, Jihu Rd., Neihu Dist., Taipei, Taiwan.") == [
        entry
    ]
