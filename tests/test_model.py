"""The model's one serialiser (msgspec): the stored form of an entry is fixed, every field of every
model type survives the round trip, and what it does not know is refused."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import UTC, date, datetime

import msgspec
import pytest
from pydantic import BaseModel

from exportscreen.model import (
    Address,
    ChangeKind,
    Citation,
    Entry,
    EntryChange,
    EntryType,
    Explanation,
    FieldChange,
    Hit,
    Identifier,
    LicenceRequirement,
    LicenceScope,
    ListCode,
    ListVersion,
    MatchKind,
    Outcome,
    Penalty,
    Review,
    ReviewPolicy,
    RuleChange,
    TokenMatch,
    entry_from_dict,
    entry_to_dict,
    from_json_data,
    to_json_data,
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
def test_entry_to_dict_round_trips(entry: Entry) -> None:
    assert entry_from_dict(entry_to_dict(entry)) == entry


def test_weak_aliases_are_stored_when_there_are_some() -> None:
    weak = replace(FULL, aliases=("Acme", "A"), weak_aliases=("A",))
    data = entry_to_dict(weak)
    assert data["weak_aliases"] == ["A"] and list(data).index("weak_aliases") == 6
    assert entry_from_dict(data) == weak
    assert weak.content_hash() != replace(weak, weak_aliases=()).content_hash()


def test_the_stored_form_of_an_entry_is_fixed() -> None:
    """Every stored entry state and content hash depends on this form: a change of serialiser
    must not change it (field order, dates as ISO strings, enums as values, tuples as lists)."""
    data = entry_to_dict(FULL)
    # An entry without weak aliases is stored as before the field existed (its hash unchanged).
    assert list(data) == [f.name for f in fields(Entry) if f.name != "weak_aliases"]
    assert data["list"] == "EL" and data["type"] == "entity"
    assert data["licence"] == {
        "raw": "For all items",
        "scope": "all-items-subject-to-the-EAR",
        "eccns": ["3A001"],
        "footnotes": [4],
        "regulations": ["744.11"],
    }
    assert data["citations"][0] == {
        "volume": 90,
        "page": 14048,
        "date": "2025-03-28",
        "raw": "90 FR 14048, 3/28/25",
    }
    assert data["addresses"] == [
        {
            "street": "No. 16 Xinzhan Rd",
            "city": "New Taipei City",
            "state": "",
            "postal_code": "220",
            "country": "TW",
        }
    ]
    assert data["start_date"] == "2025-03-25" and data["end_date"] is None
    assert data["details"] == {"call_sign": "ABC"}


def test_one_serialiser_writes_outcomes_by_name_and_pydantic_models_as_fields() -> None:
    class Party(BaseModel):
        name: str
        since: date

    data = to_json_data(
        {"outcome": Outcome.LICENSE_REQUIRED, "party": Party(name="A", since=date(2025, 1, 2))}
    )
    assert data == {"outcome": "LICENSE_REQUIRED", "party": {"name": "A", "since": "2025-01-02"}}


def test_one_serialiser_refuses_what_it_does_not_know() -> None:
    with pytest.raises(TypeError, match="cannot serialise a object"):
        to_json_data({"x": object()})


def test_content_hash_changes_with_content() -> None:
    assert FULL.content_hash() == replace(FULL).content_hash()
    assert FULL.content_hash() != replace(FULL, remarks="other").content_hash()


def test_outcomes_order_by_restriction() -> None:
    assert max(Outcome.HOLD, Outcome.PROHIBITED, Outcome.LICENSE_REQUIRED) is Outcome.PROHIBITED
    assert Outcome.NO_LIST_RESTRICTION < Outcome.HOLD < Outcome.LICENSE_REQUIRED


HIT = Hit(
    entry=FULL,
    score=0.91,
    matched_name="Inspur Taiwan",
    explanation=Explanation(
        tokens=(TokenMatch("inspur", "inspur", MatchKind.EXACT, 1.0, 0.7, note="n"),),
        penalties=(Penalty("country mismatch: CN vs US", 0.1),),
        unmatched_query=("co",),
        summary="close",
    ),
)
SAMPLES: list[object] = [
    FULL,
    HIT,
    HIT.explanation,
    EntryChange(
        ChangeKind.CHANGED,
        FULL.id,
        FULL,
        replace(FULL, remarks="other"),
        (FieldChange("remarks", "", "other"),),
    ),
    RuleChange(ChangeKind.ADDED, FULL, date(2025, 3, 25), Citation(90, 14048, date(2025, 3, 28))),
    ListVersion(
        1, ListCode.EL, "csl_csv", "c.csv", "ab" * 32, date(2025, 1, 2),
        datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), 10, "https://example.org/c.csv",
    ),
]  # fmt: skip


@pytest.mark.parametrize("value", SAMPLES, ids=lambda v: type(v).__name__)
def test_every_model_type_round_trips_through_json_data(value: object) -> None:
    data = to_json_data(value)
    assert json.loads(json.dumps(data)) == data  # plain JSON, nothing else
    assert from_json_data(data, type(value)) == value


def test_json_data_spells_dates_and_enums_as_json() -> None:
    data = to_json_data(HIT)
    assert data["entry"]["list"] == "EL"
    assert data["explanation"]["tokens"][0]["kind"] == "exact"
    assert data["entry"]["citations"][0]["date"] == FULL.citations[0].date.isoformat()


def test_a_wrongly_typed_stored_entry_is_refused() -> None:
    data = entry_to_dict(FULL)
    data["citations"][0]["volume"] = "ninety"
    with pytest.raises(msgspec.ValidationError, match="volume"):
        entry_from_dict(data)
