"""Party identity across versions: how a new version's records are linked to the previous one's
(``store.identity``), table-driven on small records, then on the real 2022 -> 2026 lists."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from exportscreen import sources
from exportscreen.model import Address, Entry, EntryType, ListCode
from exportscreen.store import Diff, Store
from exportscreen.store.identity import LinkMethod, link_entries, open_previous_ids


def _entry(
    eid: str,
    name: str,
    country: str = "",
    *,
    kind: EntryType = EntryType.ENTITY,
    aliases: tuple[str, ...] = (),
    street: str = "",
    lst: ListCode = ListCode.DPL,
) -> Entry:
    addresses = (Address(street=street, country=country),) if street else ()
    return Entry(
        id=eid,
        list=lst,
        type=kind,
        name=name,
        aliases=aliases,
        addresses=addresses,
        countries=(country,) if country else (),
    )


def _link(previous: list[Entry], new: list[Entry], known: dict[str, str] | None = None) -> Any:
    known = known or {}
    ids = [e.id for e in previous]
    open_ids = set(open_previous_ids(ids, known, new))
    return link_entries(ids, [e for e in previous if e.id in open_ids], known, new)


OLD = _entry("DPL-old", "ABDIEL PADRON MADRID", street="123 MAIN ST, EL PASO, TX")

# (what the new file says, the method expected, whether it keeps the old id)
CASES = [
    pytest.param(_entry("DPL-old", "ABDIEL PADRON MADRID"), None, True, id="same-id"),
    pytest.param(
        _entry("DPL-new", "ABDIEL PADRON MADRID", "US", street="123 MAIN ST, EL PASO, TX, US"),
        LinkMethod.NAME_COUNTRY,
        True,
        id="a-country-where-there-was-none",
    ),
    pytest.param(
        _entry("DPL-new", "Abdiel Padron-Madrid", kind=EntryType.INDIVIDUAL),
        LinkMethod.NAME_COUNTRY,
        True,
        id="individual-not-entity-and-other-spelling",
    ),
    pytest.param(
        _entry("DPL-new", "ABDIEL PADRON MADRID", "MX", street="CALLE 5, JUAREZ, MX"),
        LinkMethod.NAME_COUNTRY,
        True,
        id="a-country-where-the-old-record-states-none",
    ),
    pytest.param(
        _entry("DPL-new", "ABDEIL PADRON MADRID", street="123 MAIN ST, EL PASO, TX"),
        LinkMethod.FUZZY,
        True,
        id="a-typo-at-the-same-address",
    ),
    pytest.param(
        _entry("DPL-new", "ROBERTO LUNA", street="123 MAIN ST, EL PASO, TX"),
        None,
        False,
        id="another-person-at-the-same-address",
    ),
]


@pytest.mark.parametrize(("new", "method", "keeps"), CASES)
def test_a_new_record_continues_the_party_it_names(
    new: Entry, method: LinkMethod | None, keeps: bool
) -> None:
    linked = _link([OLD], [new])
    (result,) = linked.entries
    assert (result.id == OLD.id) is keeps
    linking = [d for d in linked.decisions if d.method is not LinkMethod.MERGED]
    assert [d.method for d in linking] == ([method] if method else [])
    if not keeps:
        assert result.id == new.id  # a new party keeps the id it came with


def test_countries_that_disagree_keep_parties_apart() -> None:
    old = _entry("EL-1", "Seyed Mahdi Mousavi", "IR", lst=ListCode.EL)
    new = _entry("EL-2", "Seyed Mahdi Mousavi", "AE", lst=ListCode.EL)
    assert _link([old], [new]).entries[0].id == "EL-2"


def test_hong_kong_is_china_for_identity() -> None:
    old = _entry("EL-1", "Kinglead Electronics Co., Ltd.", "HK", lst=ListCode.EL)
    new = _entry("EL-2", "Kinglead Electronics Co., Ltd.", "CN", lst=ListCode.EL)
    assert _link([old], [new]).entries[0].id == "EL-1"


def test_a_name_swapped_with_an_alias_links() -> None:
    old = _entry("EL-1", "Langchao Group", "CN", aliases=("Inspur Group",), lst=ListCode.EL)
    new = _entry("EL-2", "Inspur Group", "CN", aliases=("Langchao Group Ltd",), lst=ListCode.EL)
    linked = _link([old], [new])
    assert linked.entries[0].id == "EL-1"


def test_two_equally_close_candidates_are_not_guessed() -> None:
    olds = [
        _entry("EL-a", "Hebei Poshing Electronics", "CN", lst=ListCode.EL),
        _entry("EL-b", "Hubei Poshing Electronics", "CN", lst=ListCode.EL),
    ]
    new = _entry("EL-n", "Hebie Poshing Electronics", "CN", lst=ListCode.EL)
    linked = _link(olds, [new])
    (decision,) = [d for d in linked.decisions if d.method is LinkMethod.AMBIGUOUS]
    assert linked.entries[0].id == "EL-n"  # a new id, listed for review
    assert {c.entry_id for c in decision.candidates} == {"EL-a", "EL-b"}


def test_a_party_listed_twice_then_once_is_merged_not_removed() -> None:
    olds = [
        _entry(
            "EL-a", "Gunther Migeotte", "NO", street="Titangata 1, Fredrikstad", lst=ListCode.EL
        ),
        _entry(
            "EL-b", "Gunther Migeotte", "NO", street="H Evjes vei 8A, Gressvik", lst=ListCode.EL
        ),
    ]
    new = _entry(
        "EL-n", "Gunther Migeotte", "NO", street="H. Evjes vei 8A, Gressvik", lst=ListCode.EL
    )
    linked = _link(olds, [new])
    assert linked.entries[0].id == "EL-b"  # the address decides which id continues
    (merged,) = [d for d in linked.decisions if d.method is LinkMethod.MERGED]
    assert (merged.previous_id, merged.entry_id) == ("EL-a", "EL-b")


def test_an_earlier_decision_is_followed() -> None:
    old = _entry("EL-first", "Tan Wei", "CN", lst=ListCode.EL)
    new = _entry("EL-provisional", "TanWei", "CN", lst=ListCode.EL)
    linked = _link([old], [new], known={"EL-provisional": "EL-first"})
    assert linked.entries[0].id == "EL-first"
    assert linked.decisions == []  # settled by id: nothing new to record


def test_an_address_only_entry_is_its_address_not_its_placeholder() -> None:
    street = "Rm. 1605A, Ho King Commercial Center, 2-16 Fa Yuen Street, Mong Kok, Kowloon"
    old = replace(
        _entry("EL-a", "Address 17", "CN", street=street, lst=ListCode.EL),
        type=EntryType.ADDRESS_ONLY,
    )
    renumbered = replace(old, id="EL-b", name="Address 15")
    other = replace(
        old, id="EL-c", name="Address 17", addresses=(Address("Unit 9", "", "", "", "CN"),)
    )
    linked = _link([old], [renumbered, other])
    assert [e.id for e in linked.entries] == ["EL-a", "EL-c"]


def test_a_named_party_follows_its_parents_new_id() -> None:
    old = _entry("EL-huawei", "Huawei Technologies Co., Ltd. (Huawei)", "CN", lst=ListCode.EL)
    parent = _entry("EL-p", "Huawei Technologies Co., Ltd.", "CN", lst=ListCode.EL)
    child = Entry(
        id="EL-c",
        list=ListCode.EL,
        type=EntryType.ENTITY,
        name="Huawei Mobile Technology Ltd.",
        countries=("CN",),
        details={"parent_id": "EL-p", "parent_name": parent.name},
    )
    linked = _link([old], [parent, child])
    assert [e.id for e in linked.entries] == ["EL-huawei", "EL-c"]
    assert linked.entries[1].details["parent_id"] == "EL-huawei"


# --- the real lists: the 2022 CSL, then the 2026 BIS files (the README's example) ---------------

CSL_2022 = "watchman/csl/consolidated_2022-05.csv.gz"
BIS_2026 = ("nsfreg_ecfr_derived/bis_entity_list.json.gz", "nsfreg_ecfr_derived/bis_dpl.json")

# Every 2022 Entity List record the 2026 Entity List no longer names, with why (checked against
# the 2026 text by test_el_removals_are_absent_from_the_2026_text).
EL_REMOVALS = {
    "Arash Dadgar": "not in the 2026 text",
    "Bhabha Atomic Research Center (BARC)": "India's DAE subordinates are no longer listed",
    "Indian Rare Earths": "India's DAE subordinates are no longer listed",
    "Indira Gandhi Atomic Research Center (IGARC)": "India's DAE subordinates are no longer listed",
    "Hefei Bitland Information Technology Co. Ltd.": "not in the 2026 text",
    "Jazirah Aviation Club": "not in the 2026 text",
    "Ministry of Public Security?s Institute of Forensic Science of China": "not in the 2026 text",
    "Molot-Oruzhie, OOO": "not in the 2026 text (Plaz and Petrovsky 'Molot' are others)",
    "Mushko Electronics Pvt. Ltd.": "not in the 2026 text (Mushko Logistics is another)",
    "Nanchang O-Film Tech": "not in the 2026 text",
    "Safe Technical Supply Co., LLC": "not in the 2026 text",
}
# Legal forms an analyst would not count as part of a name; the test's own list.
_FORMS = {"co", "ltd", "llc", "inc", "limited", "company", "corporation", "pvt", "ooo", "oao"}


def _words(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    return " ".join(w for w in words if w not in _FORMS)


def _party(name: str) -> str:
    return " ".join(sorted(_words(re.sub(r"\([^)]*\)", " ", name)).split()))


@pytest.fixture(scope="module")
def loaded(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("identity") / "store.db"
    with Store.open(f"sqlite:///{path}") as store:
        for name in (CSL_2022, *BIS_2026):
            store.import_source(sources.parse(raw_dir / name))
        yield store


def _both_removed_and_added(diff: Diff) -> list[str]:
    added = {_party(c.after.name) for c in diff.added if c.after}
    return [c.before.name for c in diff.removed if c.before and _party(c.before.name) in added]


@pytest.mark.parametrize("lst", [ListCode.DPL, ListCode.EL])
def test_no_party_is_both_removed_and_added(loaded: Store, lst: ListCode) -> None:
    diff = loaded.diff(lst)
    assert diff.from_version is not None and diff.from_version.file_name.startswith("consol")
    assert _both_removed_and_added(diff) == []


def _text_2026(raw_dir: Path, name: str) -> str:
    path = raw_dir / name
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return " " + _words(json.dumps(json.loads(data)["entities"], ensure_ascii=False)) + " "


def test_el_removals_are_absent_from_the_2026_text(loaded: Store, raw_dir: Path) -> None:
    diff = loaded.diff(ListCode.EL)
    removed = sorted(c.before.name for c in diff.removed if c.before)
    assert removed == sorted(EL_REMOVALS)
    text = _text_2026(raw_dir, BIS_2026[0])
    for name in removed:
        assert f" {_words(name)} " not in text, name


def test_dpl_removals_are_absent_from_the_2026_text(loaded: Store, raw_dir: Path) -> None:
    diff = loaded.diff(ListCode.DPL)
    text = _text_2026(raw_dir, BIS_2026[1])
    present = [
        c.before.name for c in diff.removed if c.before and f" {_words(c.before.name)} " in text
    ]
    assert present == []
    # Before identity linking the diff said 338 removed and 440 added.
    assert (len(diff.removed), len(diff.added)) < (338, 440)


def test_a_dpl_party_keeps_its_2022_id(loaded: Store) -> None:
    (first, current) = loaded.versions(ListCode.DPL)[-2:]
    old = [e for e in loaded.entries(version_id=first.id) if e.name == "ABDIEL PADRON MADRID"]
    new = [e for e in loaded.entries(version_id=current.id) if e.name == "ABDIEL PADRON MADRID"]
    assert old and new and {e.id for e in new} <= {e.id for e in old}


def test_the_huawei_affiliates_keep_their_2022_ids(loaded: Store) -> None:
    (first, current) = loaded.versions(ListCode.EL)[-2:]
    old = {e.name.rstrip("."): e.id for e in loaded.entries(version_id=first.id)}
    new = {e.name.rstrip("."): e for e in loaded.entries(version_id=current.id)}
    mobile = new["Huawei Mobile Technology Ltd"]
    assert mobile.id == old["Huawei Mobile Technology Ltd"]
    assert mobile.details["parent_id"] == new["Huawei Technologies Co., Ltd"].id


def test_a_re_screen_sees_every_record_identity_linking_set_apart(loaded: Store) -> None:
    diff = loaded.diff(ListCode.EL)
    to_screen, gone = set(diff.to_screen), set(diff.gone)
    assert {c.entry_id for c in (*diff.added, *diff.changed)} <= to_screen
    assert {c.entry_id for c in diff.unresolved if c.after} <= to_screen
    continuing = {diff.links[c.entry_id].entry_id for c in diff.merged}
    assert continuing and continuing <= to_screen
    assert {c.entry_id for c in (*diff.removed, *diff.merged)} <= gone
    current = {e.id for e in loaded.entries(ListCode.EL)}
    assert to_screen <= current and not gone & current
