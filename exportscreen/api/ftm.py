"""List entries as FollowTheMoney-like entities, and yente queries as screening arguments.

Only the parts of FtM that yente's /match clients read are produced: a schema, a caption, and
multi-valued properties with FtM's names (``name``, ``alias``, ``country`` in lower case...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

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


def entity_properties(entry: Entry) -> dict[str, list[str]]:
    values: dict[str, Sequence[str]] = {
        "name": [entry.name],
        "alias": entry.aliases,
        "country": [c.lower() for c in entry.countries],
        "address": [a.one_line() for a in entry.addresses if a.one_line()],
        "birthDate": entry.dates_of_birth,
        "birthPlace": entry.places_of_birth,
        "nationality": entry.nationalities,
        "citizenship": entry.citizenships,
        "program": entry.programs,
        "topics": [TOPICS[entry.list]],
        "idNumber": [i.value for i in entry.identifiers],
        "title": [entry.title] if entry.title else [],
        "notes": [entry.remarks] if entry.remarks else [],
        "sourceUrl": [entry.source_url] if entry.source_url else [],
        "listingDate": [c.date.isoformat() for c in entry.citations if c.date],
    }
    return {key: list(items) for key, items in values.items() if items}


def feature_key(reason: str) -> str:
    """A penalty's reason ("country mismatch: CN vs US") as a feature name (country_mismatch)."""
    head = reason.split(":", 1)[0]
    return re.sub(r"[^a-z0-9]+", "_", head.lower()).strip("_") or "penalty"
