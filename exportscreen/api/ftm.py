"""List entries as FollowTheMoney entities, yente's datasets, and yente queries read the way yente
reads them.

Entities are built with the ``followthemoney`` package's model, so schemas and property names are
FtM's own (``name``, ``alias``, ``country`` in lower case...). A query (an entity given by
example) is read with FtM too, as yente's ``Entity.from_example`` does: the schema must be one FtM
marks matchable (or ``Thing``), unknown properties are left out, values are cleaned by their
property's type with fuzzy cleaning ("Russia" becomes ``ru``), and names are built from name
parts when no name is given. The cleaned query is what the response echoes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from followthemoney import EntityProxy, Schema
from followthemoney import model as ftm_model
from followthemoney.helpers import combine_names
from followthemoney.types import registry

from exportscreen.api.csl_format import is_csl_record_id
from exportscreen.lists import COLLECTION_TITLES, COLLECTIONS, LISTS
from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.text.countries import country_code

SCHEMAS: Mapping[EntryType, str] = {
    EntryType.ENTITY: "Organization",
    EntryType.INDIVIDUAL: "Person",
    EntryType.VESSEL: "Vessel",
    EntryType.AIRCRAFT: "Airplane",
    EntryType.ADDRESS_ONLY: "LegalEntity",
}
# Neither a person nor an organisation for sure: the schema of a record whose source gives no
# type (OpenSanctions maps the CSL's empty type to it as well).
UNTYPED_SCHEMA = "LegalEntity"
# FtM's topic for what being on each list means (lists.yaml).
TOPICS: Mapping[ListCode, str] = {code: facts.ftm.topic for code, facts in LISTS.items()}
# yente's base schema: a query of it is matched against every matchable schema.
BASE_SCHEMA = "Thing"
# Identifier properties that name a programme, not the party: never matched as identifiers.
_NOT_PARTY_IDENTIFIERS = frozenset({"programId"})
ALL_DATASET = "default"


def dataset_name(code: ListCode) -> str:
    """The yente dataset holding one list (lists.yaml)."""
    return LISTS[code].ftm.dataset


# Every dataset a client may name, with the lists it holds: one per list, and the collections.
DATASETS: Mapping[str, frozenset[ListCode]] = {
    **{dataset_name(code): frozenset({code}) for code in ListCode},
    **COLLECTIONS,
}
DATASET_TITLES: Mapping[str, str] = {
    **{dataset_name(code): facts.name for code, facts in LISTS.items()},
    **COLLECTION_TITLES,
}


def _check_topics() -> None:
    """lists.yaml names each list's FtM topic: one FtM does not know is a typo there."""
    unknown = sorted({t for t in TOPICS.values() if t not in registry.topic.names})
    if unknown:
        raise RuntimeError(f"lists.yaml: FtM knows no topic {unknown}")


_check_topics()


class QueryError(ValueError):
    """A query or parameter yente would refuse with 400; the message names what is wrong."""


def lists_of(names: Sequence[str], parameter: str) -> frozenset[ListCode]:
    """The lists the named datasets hold (collections expanded). An unknown name is refused
    rather than ignored: a typo in a dataset filter would otherwise screen against nothing."""
    found: set[ListCode] = set()
    for name in names:
        if name not in DATASETS:
            raise QueryError(f"{parameter}: no dataset {name!r}; one of {', '.join(DATASETS)}")
        found |= DATASETS[name]
    return frozenset(found)


def known_schema(name: str, parameter: str) -> Schema:
    schema = ftm_model.get(name)
    if schema is None:
        raise QueryError(f"{parameter}: unknown schema {name!r}")
    return schema


def known_topics(names: Sequence[str]) -> frozenset[str]:
    unknown = [t for t in names if t not in registry.topic.names]
    if unknown:
        raise QueryError(f"topics: FtM knows no topic {', '.join(map(repr, unknown))}")
    return frozenset(names)


# The schemata a query may have: FtM's matchable ones and the base schema (parse_example).
QUERY_SCHEMATA: tuple[str, ...] = (
    BASE_SCHEMA,
    *sorted(s.name for s in ftm_model.schemata.values() if s.matchable),
)
SCHEMA_NAMES: tuple[str, ...] = tuple(sorted(ftm_model.schemata))
TOPIC_NAMES: tuple[str, ...] = tuple(sorted(registry.topic.names))


# Names come from these properties, which every query schema has (checked below).
NAME_PROPERTIES: tuple[str, ...] = tuple(
    sorted(
        p.name
        for p in ftm_model.schemata[BASE_SCHEMA].properties.values()
        if p.type == registry.name and p.matchable
    )
)
# The identifier properties of the query schemata: a query's identifiers are screened from any of
# them, also one its schema lacks (FtM leaves that out of the cleaned query; the screening does
# not, rather than miss a party by its registration number given on a Person).
IDENTIFIER_PROPERTIES: frozenset[str] = frozenset(
    p.name
    for schema_name in QUERY_SCHEMATA
    for p in ftm_model.schemata[schema_name].properties.values()
    if p.type == registry.identifier and p.name not in _NOT_PARTY_IDENTIFIERS
)


def _check_name_properties() -> None:
    for name in QUERY_SCHEMATA:
        props = ftm_model.schemata[name].properties.values()
        held = {p.name for p in props if p.type == registry.name and p.matchable}
        if held != set(NAME_PROPERTIES):
            raise RuntimeError(f"FtM schema {name} has other name properties: {sorted(held)}")


_check_name_properties()


def screenable_query_rule(
    name_value: dict[str, object], id_value: dict[str, object]
) -> list[dict[str, object]]:
    """The JSON-schema ``anyOf`` of a query's ``properties`` that says what ``parse_example``
    needs to screen it: a name property with a name (``name_value``: a letter or digit) or an
    identifier property with an identifier (``id_value``: not blank)."""
    rule: list[dict[str, object]] = [
        {"required": [p], "properties": {p: name_value}} for p in NAME_PROPERTIES
    ]
    rule += [{"required": [p], "properties": {p: id_value}} for p in sorted(IDENTIFIER_PROPERTIES)]
    return rule


def schema_accepts(query_schema: Schema, entity_schema: str) -> bool:
    """Whether a result of ``entity_schema`` may answer a query of ``query_schema``: one of the
    schemata FtM says it can be matched with, or any descendant for a non-matchable schema
    (Thing), as yente's candidate filter does."""
    wanted = set(query_schema.matchable_schemata)
    if not query_schema.matchable:
        wanted |= set(query_schema.descendants)
    return entity_schema in {s.name for s in wanted}


@dataclass(frozen=True, slots=True)
class ParsedExample:
    """A query entity as FtM cleaned it, with what the screener takes from it."""

    id: str | None
    schema: Schema
    properties: dict[str, list[str]]  # the cleaned properties, as the response echoes them
    names: tuple[str, ...]
    identifiers: tuple[str, ...]
    country: str | None  # one distinct country, else None (several: none is held against a hit)
    birth_date: str | None  # likewise

    def echo(self) -> dict[str, object]:
        return {"id": self.id, "schema": self.schema.name, "properties": self.properties}


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 1965.0 is the year 1965
    return str(value).strip() or None


def _iso_country(value: str) -> str:
    """FtM's country code as the screener's ISO code: a subdivision ("ua-cri", "gb-sct") as its
    country; "" when there is none ("zz", "eu", "suhh")."""
    return country_code(value) or country_code(value.split("-")[0])


def parse_example(
    schema_name: str, properties: Mapping[str, object], query_id: str | None
) -> ParsedExample:
    """A query entity read as yente reads it (see the module docstring); QueryError for a schema
    that is unknown or cannot be matched."""
    schema = ftm_model.get(schema_name)
    if schema is None:
        raise QueryError(f"Unknown schema: {schema_name!r}")
    if schema.name != BASE_SCHEMA and not schema.matchable:
        raise QueryError(f"Non-matchable schema for query: {schema.name}")
    proxy = ftm_model.make_entity(schema)
    # Identifiers as given too: FtM's cleaning writes an IMO number as "IMO9123456", the lists
    # as "9123456"; either form must find the listed party.
    given_identifiers: list[str] = []
    for prop_name, values in properties.items():
        prop = schema.get(prop_name)
        items = values if isinstance(values, list) else [values]
        if prop is None:
            # yente leaves out properties the schema lacks; an identifier is screened still.
            if prop_name in IDENTIFIER_PROPERTIES:
                given_identifiers += [t for t in map(_text, items) if t is not None]
            continue
        for item in items:
            text = _text(item)
            if text is None:
                continue
            proxy.unsafe_add(prop, text, cleaned=False, fuzzy=True)
            if prop.type == registry.identifier and prop.name not in _NOT_PARTY_IDENTIFIERS:
                given_identifiers.append(text)
    if not proxy.get_type_values(registry.name, matchable=True):
        combine_names(proxy)
    # Countries that values imply (an IBAN's, a phone number's), added as yente adds them.
    held = set(proxy.get_type_values(registry.country))
    if "country" in schema.properties:
        for prop, value in list(proxy.itervalues()):
            hint = prop.type.country_hint(value)
            if hint is not None and hint not in held:
                proxy.add("country", hint, cleaned=True)
                held.add(hint)
    names = tuple(proxy.get_type_values(registry.name, matchable=True))
    cleaned_identifiers = [
        value
        for prop, value in proxy.itervalues()
        if prop.type == registry.identifier and prop.name not in _NOT_PARTY_IDENTIFIERS
    ]
    identifiers = tuple(dict.fromkeys([*given_identifiers, *cleaned_identifiers]))
    countries = sorted({_iso_country(c) for c in proxy.get_type_values(registry.country)})
    births = sorted(set(proxy.get("birthDate", quiet=True)))
    return ParsedExample(
        id=query_id,
        schema=schema,
        properties={prop: list(values) for prop, values in proxy.properties.items()},
        names=names,
        identifiers=identifiers,
        # An FtM territory the screener does not know ("zz", "eu") is held against no hit.
        country=countries[0] if len(countries) == 1 and countries[0] else None,
        birth_date=births[0] if len(births) == 1 else None,
    )


def entity_schema(entry: Entry) -> str:
    """The schema an entry is shown with. A record of a list whose source gives no type (BIS and
    State lists, lists.yaml ``csl.typed``) that exportscreen took for an organisation is a
    LegalEntity: nothing says it is not a person. One inferred to be a person (DPL names) stays
    a Person, so that its dates of birth are shown."""
    if not LISTS[entry.list].csl.typed and entry.type is EntryType.ENTITY:
        return UNTYPED_SCHEMA
    return SCHEMAS[entry.type]


def comparable_schema(entry: Entry) -> str:
    """The schema a query is compared with: for an untyped record, LegalEntity whatever was
    inferred, so that neither a Person nor a Company query leaves it out on a guess (a false
    clear); the screener's type qualifier still weighs the guess."""
    if not LISTS[entry.list].csl.typed and entry.type in (EntryType.ENTITY, EntryType.INDIVIDUAL):
        return UNTYPED_SCHEMA
    return SCHEMAS[entry.type]


def entity(entry: Entry) -> EntityProxy:
    """The entry as a FollowTheMoney entity of its schema.

    Property names are checked by FtM's model (a property the schema lacks raises). Values are
    added as the list prints them (``cleaned=True``): FtM's type cleaning would drop dates such as
    "circa 1960" or "1960 to 1962", and an analyst must see what the list says.
    """
    proxy = ftm_model.make_entity(entity_schema(entry))
    proxy.id = entry.id
    values: dict[str, Sequence[str]] = {
        "name": [entry.name],
        # The list's weak aliases stay weak in FtM (yente matches weakAlias with less weight).
        "alias": [a for a in entry.aliases if a not in entry.weak_aliases],
        "weakAlias": entry.weak_aliases,
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
    """The entity's FtM properties, as yente's results show them."""
    return {prop: list(items) for prop, items in entity(entry).properties.items()}


def referents(entry: Entry) -> list[str]:
    """Other ids of the same record: the CSL's own ``_id`` when the entry came from the CSL, so
    that a client holding that id (to exclude a reviewed false positive) is understood."""
    source_id = entry.source_id
    if is_csl_record_id(source_id) and source_id != entry.id:
        return [source_id]
    return []


@dataclass(frozen=True, slots=True)
class Seen:
    """When the store first held an entry, last held it, and last saw it change: the data dates
    of those list versions, in yente's wire format (ISO seconds, no time zone)."""

    first_seen: str | None = None
    last_seen: str | None = None
    last_change: str | None = None


def wire_date(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def entity_response(entry: Entry, seen: Seen) -> dict[str, object]:
    """The keys of yente's EntityResponse for one entry."""
    topics = {TOPICS[entry.list]}
    return {
        "id": entry.id,
        "caption": entry.name,
        "schema": entity_schema(entry),
        "properties": entity_properties(entry),
        "datasets": [dataset_name(entry.list)],
        "referents": referents(entry),
        "target": bool(topics & registry.topic.RISKS),
        "first_seen": seen.first_seen,
        "last_seen": seen.last_seen,
        "last_change": seen.last_change,
    }
