"""Entries as FollowTheMoney entities, built and checked by the followthemoney model."""

from __future__ import annotations

from datetime import date

from exportscreen.api.ftm import entity, entity_properties
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
