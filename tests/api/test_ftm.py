"""Entries as FollowTheMoney entities, built and checked by the followthemoney model."""

from __future__ import annotations

from datetime import date

import pytest

from exportscreen.api.ftm import (
    QueryError,
    comparable_schema,
    entity,
    entity_properties,
    entity_schema,
    parse_example,
)
from exportscreen.model import Citation, Entry, EntryType, Identifier, ListCode


def _person() -> Entry:
    return Entry(
        id="SDN-1",
        list=ListCode.SDN,
        type=EntryType.INDIVIDUAL,
        name="Ivan Petrov",
        aliases=("Ivan Petrov", "I. Petrov"),
        countries=("RU",),
        dates_of_birth=("circa 1960",),
        identifiers=(Identifier("Passport", "123"),),
        citations=(Citation(90, 2, date(2025, 3, 1)), Citation(88, 1, date(2023, 2, 1))),
        title="Director",
    )


def test_a_person_keeps_what_the_list_prints() -> None:
    properties = entity_properties(_person())
    assert properties["name"] == ["Ivan Petrov"]
    assert properties["alias"] == ["Ivan Petrov", "I. Petrov"]
    assert properties["country"] == ["ru"]
    assert properties["birthDate"] == ["circa 1960"]  # FtM's date cleaning would drop it
    assert properties["idNumber"] == ["123"]
    assert properties["title"] == ["Director"]
    assert properties["topics"] == ["sanction"]
    assert properties["createdAt"] == ["2023-02-01"]  # the first listing


def test_the_entity_is_of_the_entrys_schema() -> None:
    proxy = entity(_person())
    assert (proxy.id, proxy.schema.name) == ("SDN-1", "Person")


def test_a_vessels_identifiers_are_registration_numbers_and_it_has_no_person_facts() -> None:
    vessel = Entry(
        id="SDN-2",
        list=ListCode.SDN,
        type=EntryType.VESSEL,
        name="Pearl",
        identifiers=(Identifier("IMO", "9123456"),),
        title="ignored",
        nationalities=("IR",),
    )
    properties = entity_properties(vessel)
    assert entity(vessel).schema.name == "Vessel"
    assert properties["registrationNumber"] == ["9123456"]
    assert "title" not in properties and "nationality" not in properties


@pytest.mark.parametrize(
    ("properties", "country"),
    [
        ({"country": "Russia"}, "RU"),  # FtM's fuzzy cleaning, then the screener's ISO code
        ({"country": "ua-cri"}, "UA"),  # an FtM subdivision counts as its country
        ({"country": "zz"}, None),  # unknown: held against no hit
        ({"country": ["ru", "cn"]}, None),  # several: none is held against a hit
        ({"nationality": "ru", "country": "RU"}, "RU"),
    ],
)
def test_the_query_country(properties: dict[str, object], country: str | None) -> None:
    parsed = parse_example("Person", {"name": "Ivan Petrov", **properties}, None)
    assert parsed.country == country


def test_a_query_reads_as_yente_reads_it() -> None:
    parsed = parse_example(
        "Vessel",
        {"imoNumber": "8898831", "name": 7, "flag": "Panama", "unknownProperty": "x"},
        "my-id",
    )
    assert parsed.echo() == {
        "id": "my-id",
        "schema": "Vessel",
        "properties": {"imoNumber": ["IMO8898831"], "name": ["7"], "flag": ["pa"]},
    }
    assert parsed.identifiers == ("8898831", "IMO8898831")  # as given, and as FtM cleans it
    # FtM drops an IMO number whose check digit is wrong; the lists may still print it.
    typo = parse_example("Vessel", {"imoNumber": "9123456"}, None)
    assert typo.properties == {} and typo.identifiers == ("9123456",)


@pytest.mark.parametrize("schema", ["Banana", "Article", "Ownership"])
def test_a_schema_yente_would_refuse(schema: str) -> None:
    with pytest.raises(QueryError):
        parse_example(schema, {"name": "x"}, None)


def test_a_phone_numbers_country_is_added_as_yente_adds_it() -> None:
    parsed = parse_example("Company", {"name": "Acme", "phone": "+7 495 123-45-67"}, None)
    assert parsed.properties["country"] == ["ru"]
    assert parsed.country == "RU"


@pytest.mark.parametrize(
    ("code", "entry_type", "shown", "compared"),
    [
        (ListCode.SDN, EntryType.ENTITY, "Organization", "Organization"),  # OFAC types records
        (ListCode.SDN, EntryType.INDIVIDUAL, "Person", "Person"),
        (ListCode.EL, EntryType.ENTITY, "LegalEntity", "LegalEntity"),  # the CSL gives no type
        (ListCode.DPL, EntryType.INDIVIDUAL, "Person", "LegalEntity"),  # inferred from the name
        (ListCode.DTC, EntryType.ENTITY, "LegalEntity", "LegalEntity"),
    ],
)
def test_schemas_of_typed_and_untyped_lists(
    code: ListCode, entry_type: EntryType, shown: str, compared: str
) -> None:
    entry = Entry(id="X-1", list=code, type=entry_type, name="Somebody")
    assert (entity_schema(entry), comparable_schema(entry)) == (shown, compared)
