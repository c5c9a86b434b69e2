"""List entries as FollowTheMoney entities, and yente queries as screening arguments.

Entities are built with the ``followthemoney`` package's model, so schemas and property names are
FtM's own (``name``, ``alias``, ``country`` in lower case...); yente's /match clients read their
schema, caption and multi-valued properties.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from followthemoney import EntityProxy
from followthemoney import model as ftm_model
from followthemoney.types import registry

from exportscreen.lists import LISTS
from exportscreen.model import Entry, EntryType, ListCode

SCHEMAS: Mapping[EntryType, str] = {
    EntryType.ENTITY: "Organization",
    EntryType.INDIVIDUAL: "Person",
    EntryType.VESSEL: "Vessel",
    EntryType.AIRCRAFT: "Airplane",
    EntryType.ADDRESS_ONLY: "LegalEntity",
}
# The query schema as the screener's party type; LegalEntity says nothing about the type.
QUERY_TYPES: Mapping[str, str | None] = {
    "Person": "person",
    "Company": "company",
    "Organization": "organization",
    "LegalEntity": None,
    "Vessel": "vessel",
    "Airplane": "aircraft",
}
# FtM's topic for what being on each list means (lists.yaml).
TOPICS: Mapping[ListCode, str] = {code: facts.ftm.topic for code, facts in LISTS.items()}
# Query properties that carry identifiers (matched exactly against the entries' identifiers).
IDENTIFIER_PROPERTIES = frozenset(
    {
        "idNumber",
        "registrationNumber",
        "taxNumber",
        "passportNumber",
        "imoNumber",
        "mmsi",
        "leiCode",
        "innCode",
        "ogrnCode",
        "swiftBic",
        "vatCode",
        "icaoCode",
        "serialNumber",
    }
)
ALL_DATASET = "default"


def dataset_name(code: ListCode) -> str:
    """The yente dataset holding one list (lists.yaml)."""
    return LISTS[code].ftm.dataset


DATASETS: Mapping[str, frozenset[ListCode] | None] = {
    ALL_DATASET: None,
    "all": None,
    **{dataset_name(code): frozenset({code}) for code in ListCode},
}


# Facts only a person has in FtM (LegalEntity, Organization, Vessel and Airplane lack them).
_PERSON_PROPERTIES = ("birthDate", "birthPlace", "nationality", "citizenship", "title")


def _check_topics() -> None:
    """lists.yaml names each list's FtM topic: one FtM does not know is a typo there."""
    unknown = sorted({t for t in TOPICS.values() if t not in registry.topic.names})
    if unknown:
        raise RuntimeError(f"lists.yaml: FtM knows no topic {unknown}")


_check_topics()


def entity(entry: Entry) -> EntityProxy:
    """The entry as a FollowTheMoney entity of its schema.

    Property names are checked by FtM's model (a property the schema lacks raises). Values are
    added as the list prints them (``cleaned=True``): FtM's type cleaning would drop dates such as
    "circa 1960" or "1960 to 1962", and an analyst must see what the list says.
    """
    proxy = ftm_model.make_entity(SCHEMAS[entry.type])
    proxy.id = entry.id
    values: dict[str, Sequence[str]] = {
        "name": [entry.name],
        "alias": entry.aliases,
        "country": [c.lower() for c in entry.countries],
        "address": [a.one_line() for a in entry.addresses if a.one_line()],
        "program": entry.programs,
        "topics": [TOPICS[entry.list]],
        "notes": [entry.remarks] if entry.remarks else [],
        "sourceUrl": [entry.source_url] if entry.source_url else [],
    }
    if proxy.schema.is_a("Person"):
        values["birthDate"] = entry.dates_of_birth
        values["birthPlace"] = entry.places_of_birth
        values["nationality"] = entry.nationalities
        values["citizenship"] = entry.citizenships
        values["title"] = [entry.title] if entry.title else []
    # Vessels and aircraft have no idNumber in FtM; their registration number is the nearest.
    id_property = "idNumber" if "idNumber" in proxy.schema.properties else "registrationNumber"
    values[id_property] = [i.value for i in entry.identifiers]
    # FtM keeps listingDate on a Sanction, not on the listed party; the first listing is when the
    # party's record was created on the list.
    listed = sorted(c.date.isoformat() for c in entry.citations if c.date)
    values["createdAt"] = listed[:1]
    for prop, items in values.items():
        if items:
            proxy.add(prop, list(items), cleaned=True)
    return proxy


def entity_properties(entry: Entry) -> dict[str, list[str]]:
    """The entity's FtM properties, as yente's /match results show them."""
    return {prop: list(items) for prop, items in entity(entry).properties.items()}
