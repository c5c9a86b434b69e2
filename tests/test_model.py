"""The model's JSON round trip: the hand-written serialiser agrees with the generic one, and
every field survives."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from exportscreen.model import (
    Address,
    Citation,
    Entry,
    EntryType,
    Identifier,
    LicenceRequirement,
    LicenceScope,
    ListCode,
    Outcome,
    Review,
    ReviewPolicy,
    entry_from_dict,
    entry_to_dict,
    to_plain,
)

FULL = Entry(
    id="EL-abc",
    list=ListCode.EL,
    type=EntryType.ENTITY,
    name="Inspur Taiwan",
    source_id="x1",
    aliases=("Number Media Ltd.", "浪潮"),
    addresses=(Address("No. 16 Xinzhan Rd", "New Taipei City", "", "220", "TW"),),
    countries=("TW",),
    identifiers=(Identifier("Registration Number", "123", "TW", "note"),),
    programs=("EAR",),
    licence=LicenceRequirement(
        "For all items", LicenceScope.ALL_ITEMS, ("3A001",), (4,), ("744.11",)
    ),
    review=Review("Presumption of denial", ReviewPolicy.PRESUMPTION_OF_DENIAL),
    citations=(
        Citation(90, 14048, date(2025, 3, 28), "90 FR 14048, 3/28/25"),
        Citation(1, 2, None),
    ),
    start_date=date(2025, 3, 25),
    end_date=None,
    remarks="r",
    source_url="https://example.org",
    title="t",
    dates_of_birth=("1960",),
    places_of_birth=("Jinan",),
    nationalities=("CN",),
    citizenships=("CN",),
    details={"call_sign": "ABC"},
)


@pytest.mark.parametrize(
    "entry", [FULL, Entry(id="SDN-1", list=ListCode.SDN, type=EntryType.VESSEL, name="X")]
)
def test_entry_to_dict_agrees_with_the_generic_walk_and_round_trips(entry: Entry) -> None:
    assert entry_to_dict(entry) == to_plain(entry)
    assert entry_from_dict(entry_to_dict(entry)) == entry


def test_content_hash_changes_with_content() -> None:
    assert FULL.content_hash() == replace(FULL).content_hash()
    assert FULL.content_hash() != replace(FULL, remarks="other").content_hash()


def test_outcomes_order_by_restriction() -> None:
    assert max(Outcome.HOLD, Outcome.PROHIBITED, Outcome.LICENSE_REQUIRED) is Outcome.PROHIBITED
    assert Outcome.NO_LIST_RESTRICTION < Outcome.HOLD < Outcome.LICENSE_REQUIRED
