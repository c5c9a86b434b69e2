"""OFAC's enhanced XML (``SDN_ENHANCED.XML``, ``CONS_ENHANCED.XML``, bare or in OFAC's .ZIP).

Unlike the legacy CSVs, the enhanced XML says which sanctions lists each entity is on, gives names
in every script OFAC has them in, and structures dates of birth, nationalities and identity
documents. Lookup values (countries, alias types...) are published once in ``referenceValues``
ahead of the entities and referred to by ``refId``.

The file is read with ``iterparse`` and each ``<entity>`` is dropped once turned into entries, so
memory stays flat however large the SDN file grows. An entity's ``id`` is OFAC's ``ent_num``, the
same number the legacy CSV keys its rows by, so ids are ``<LIST>-<id>`` as there.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError, iterparse

from exportscreen.model import Address, Entry, EntryType, Identifier, ListCode
from exportscreen.sources.common import (
    ParsedSource,
    SourceError,
    sha256_of,
)
from exportscreen.sources.ofac_csv import ofac_date
from exportscreen.sources.problems import BadRows
from exportscreen.text.countries import country_code

FORMAT = "ofac_xml"

# sanctionsList names as OFAC publishes them.
_LISTS = {
    "SDN List": ListCode.SDN,
    "Sectoral Sanctions Identifications List": ListCode.SSI,
    "FSE List": ListCode.FSE,
    "Non-SDN Palestinian Legislative Council List": ListCode.PLC,
    "CAPTA List": ListCode.CAP,
    "Non-SDN Menu-Based Sanctions List": ListCode.MBS,
    "Non-SDN CMIC List": ListCode.CMIC,
}
# "Consolidated List" is OFAC's name for the publication of every non-SDN list together.
_CONSOLIDATED = "Consolidated List"
_NON_SDN = (ListCode.SSI, ListCode.FSE, ListCode.PLC, ListCode.CAP, ListCode.CMIC, ListCode.MBS)

_TYPES = {
    "Individual": EntryType.INDIVIDUAL,
    "Entity": EntryType.ENTITY,
    "Vessel": EntryType.VESSEL,
    "Aircraft": EntryType.AIRCRAFT,
}

# Features that identify the party, kept as identifiers like identity documents.
_IDENTIFYING_FEATURES = {
    "Website",
    "Email Address",
    "SWIFT/BIC",
    "ISIN",
    "BIK (RU)",
    "Equity Ticker",
    "MMSI",
    "Phone Number",
    "D-U-N-S Number",
    "Aircraft Tail Number",
    "Aircraft Manufacturer's Serial Number (MSN)",
    "Aircraft Construction Number (also called L/N or S/N or F/N)",
}
_COUNTRY_FEATURES = {"Nationality Country", "Citizenship Country", "Nationality of Registration"}
# Vessel features, kept under the detail names the other formats use.
_VESSEL_FEATURES = {
    "Vessel Call Sign": "call_sign",
    "VESSEL TYPE": "vessel_type",
    "Vessel Type": "vessel_type",
    "Vessel Flag": "vessel_flag",
    "Vessel Owner": "vessel_owner",
    "Vessel Tonnage": "gross_tonnage",
    "Vessel Gross Registered Tonnage": "gross_registered_tonnage",
}


def sniff(path: Path, head: bytes) -> bool:
    name = path.name.lower()
    return name.endswith((".xml", ".zip")) and b"<sanctionsData" in head and b"ENHANCED_XML" in head


# --- the schema as a contract ---------------------------------------------------------------

# The elements an <entity> may hold. An element outside this set is refused rather than skipped:
# a renamed <addresses> or <identityDocuments> would otherwise read as an entity that has none.
_ENTITY_CHILDREN = frozenset(
    {
        "generalInfo",
        "sanctionsLists",
        "sanctionsPrograms",
        "sanctionsTypes",
        "legalAuthorities",
        "names",
        "addresses",
        "identityDocuments",
        "features",
        "relationships",
    }
)
_ADDRESS_CHILDREN = frozenset({"country", "translations"})
# Below an <entity>: the elements each element at a path must hold when it is present (the
# facts an entry's identity is read from).
_REQUIRED: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    ((), ("generalInfo", "names", "sanctionsLists")),
    (("generalInfo",), ("entityType",)),
    (("names", "name"), ("isPrimary", "translations")),
    (("names", "name", "translations"), ("translation",)),
    (("names", "name", "translations", "translation"), ("formattedFullName", "isPrimary")),
    (("sanctionsLists",), ("sanctionsList",)),
    (("identityDocuments", "identityDocument"), ("type", "documentNumber")),
    (
        ("addresses", "address", "translations", "translation", "addressParts", "addressPart"),
        ("type", "value"),
    ),
    (("features", "feature"), ("type", "value")),
    (("relationships", "relationship"), ("type", "relatedEntity")),
)


def _check_entity(elem: Element, path: Path) -> None:
    """Refuse an <entity> that lacks an element its entries are made from, or holds one this
    reader does not know, naming it (OFAC's ENHANCED_XML schema is the contract)."""
    where = f"entity {elem.get('id') or '?'}"
    for child in elem:
        if _local(child.tag) not in _ENTITY_CHILDREN:
            raise SourceError(
                path,
                None,
                f"{where}/{_local(child.tag)}",
                f"unknown element <{_local(child.tag)}> (an entity holds "
                f"{', '.join(sorted(_ENTITY_CHILDREN))}); the publisher may have renamed one",
            )
    for address in _path(elem, "addresses", "address"):
        for child in address:
            if _local(child.tag) not in _ADDRESS_CHILDREN:
                raise SourceError(
                    path,
                    None,
                    f"{where}/address/{_local(child.tag)}",
                    f"unknown element <{_local(child.tag)}> in an address (it holds "
                    f"{', '.join(sorted(_ADDRESS_CHILDREN))}); the publisher may have renamed one",
                )
    for at, required in _REQUIRED:
        for node in _path(elem, *at):
            missing = [r for r in required if _child(node, r) is None]
            if missing:
                name = at[-1] if at else "entity"
                raise SourceError(
                    path,
                    None,
                    "/".join((where, *at, missing[0])),
                    f"required element <{missing[0]}> missing in <{name}>; the publisher may "
                    "have renamed it",
                )


# --- opening the file ------------------------------------------------------------------------


@contextmanager
def _open_xml(path: Path) -> Iterator[tuple[IO[bytes], str]]:
    """The XML stream and the name to report it by (the zip member for a .ZIP)."""
    try:
        with path.open("rb") as raw:
            is_zip = raw.read(4) == b"PK\x03\x04"
        if not is_zip:
            with path.open("rb") as handle:
                yield handle, path.name
            return
        with zipfile.ZipFile(path) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith(".xml")]
            if not members:
                raise SourceError(path, None, None, "the zip archive holds no .xml file")
            with archive.open(members[0]) as handle:
                yield handle, members[0]
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise SourceError(path, None, None, f"cannot read file: {error}") from error


# --- element helpers ---------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(elem: Element | None, name: str) -> list[Element]:
    if elem is None:
        return []
    return [child for child in elem if _local(child.tag) == name]


def _child(elem: Element | None, name: str) -> Element | None:
    found = _children(elem, name)
    return found[0] if found else None


def _text(elem: Element | None, name: str | None = None) -> str:
    target = _child(elem, name) if name else elem
    return " ".join((target.text or "").split()) if target is not None else ""


def _path(elem: Element | None, *names: str) -> list[Element]:
    """Every element at a path of child names below ``elem``."""
    current = [elem] if elem is not None else []
    for name in names:
        current = [child for parent in current for child in _children(parent, name)]
    return current


# --- reading one entity --------------------------------------------------------------------


class _Entity:
    """Turns one ``<entity>`` into entries, given the file's reference values."""

    def __init__(self, elem: Element, countries: Mapping[str, str]):
        self.elem = elem
        self.countries = countries

    def country(self, elem: Element | None) -> str:
        if elem is None:
            return ""
        return self.countries.get(elem.get("refId", "")) or country_code(_text(elem))

    def names(self) -> tuple[str, list[str], set[str]]:
        """The primary name, the others (other scripts of it, and every alias), and those of
        the others OFAC marks low quality (``isLowQuality``: its "weak a.k.a.")."""
        primary = ""
        others: list[str] = []
        low_quality: set[str] = set()
        strong: set[str] = set()
        for name in _path(self.elem, "names", "name"):
            is_primary_name = _text(name, "isPrimary") == "true"
            weak = _text(name, "isLowQuality") == "true"
            for translation in _path(name, "translations", "translation"):
                full = _text(translation, "formattedFullName")
                if not full:
                    continue
                if is_primary_name and _text(translation, "isPrimary") == "true" and not primary:
                    primary = full
                else:
                    # Other scripts of the primary name and every alias, weak ("low quality")
                    # ones included, as in the legacy files.
                    others.append(full)
                (low_quality if weak else strong).add(full)
        # A name given both as a strong and a weak alias is strong.
        return primary, others, low_quality - strong

    def addresses(self) -> list[Address]:
        result: list[Address] = []
        for address in _path(self.elem, "addresses", "address"):
            country = self.country(_child(address, "country"))
            translations = _path(address, "translations", "translation")
            primary = next(
                (t for t in translations if _text(t, "isPrimary") == "true"),
                translations[0] if translations else None,
            )
            parts: dict[str, list[str]] = {}
            for part in _path(primary, "addressParts", "addressPart"):
                parts.setdefault(_text(part, "type"), []).append(_text(part, "value"))
            street = ", ".join(
                v for key in ("ADDRESS1", "ADDRESS2", "ADDRESS3") for v in parts.get(key, [])
            )
            state = ", ".join(parts.get("STATE/PROVINCE", []) or parts.get("REGION", []))
            found = Address(
                street=street,
                city=", ".join(parts.get("CITY", [])),
                state=state,
                postal_code=", ".join(parts.get("POSTAL CODE", [])),
                country=country,
            )
            if found != Address():
                result.append(found)
        return result

    def identity_documents(self) -> list[Identifier]:
        result = []
        for doc in _path(self.elem, "identityDocuments", "identityDocument"):
            kind, number = _text(doc, "type"), _text(doc, "documentNumber")
            if kind == "Vessel Registration Identification" and number.startswith("IMO "):
                # The same form as the legacy CSV reader gives, so both formats agree.
                result.append(Identifier(type="IMO", value=number.removeprefix("IMO ").strip()))
                continue
            result.append(
                Identifier(
                    type=kind,
                    value=number,
                    country=self.country(_child(doc, "issuingCountry")),
                )
            )
        return result


def _entries(
    elem: Element, countries: Mapping[str, str], file_lists: tuple[ListCode, ...], path: Path
) -> list[Entry]:
    entity_id = elem.get("id", "")
    where = f"entity {entity_id or '?'}"
    if not entity_id.isdigit():
        raise SourceError(path, None, "entity/@id", f"not an entity number: {entity_id!r}")
    reader = _Entity(elem, countries)

    lists: list[ListCode] = []
    for item in _path(elem, "sanctionsLists", "sanctionsList"):
        name = _text(item)
        if name == _CONSOLIDATED:
            continue
        if name not in _LISTS:
            raise SourceError(path, None, f"{where}/sanctionsList", f"unknown list {name!r}")
        if _LISTS[name] in file_lists:
            lists.append(_LISTS[name])
    if not lists:
        raise SourceError(path, None, f"{where}/sanctionsLists", "on no list this file publishes")

    type_name = _text(_child(elem, "generalInfo"), "entityType")
    if type_name not in _TYPES:
        raise SourceError(path, None, f"{where}/entityType", f"unknown type {type_name!r}")
    primary, others, low_quality = reader.names()
    if not primary:
        raise SourceError(path, None, f"{where}/names", "no primary name")

    identifiers = reader.identity_documents()
    dates_of_birth: list[str] = []
    places_of_birth: list[str] = []
    nationalities: list[str] = []
    citizenships: list[str] = []
    registration: list[str] = []
    details: dict[str, str] = {}
    notes: list[str] = []
    remarks = _text(_child(elem, "generalInfo"), "remarks")
    if remarks:
        notes.append(remarks)
    for feature in _path(elem, "features", "feature"):
        kind, value = _text(feature, "type"), _text(feature, "value")
        if not value:
            continue
        country = ""
        if kind in _COUNTRY_FEATURES:  # pycountry's fuzzy search is too slow to try on every value
            country = countries.get(_text(feature, "valueRefId"), "") or country_code(value)
        if kind == "Birthdate":
            dates_of_birth.append(ofac_date(value))
        elif kind == "Place of Birth":
            places_of_birth.append(value)
        elif kind == "Nationality Country":
            nationalities.append(country or value)
        elif kind == "Citizenship Country":
            citizenships.append(country or value)
        elif kind == "Nationality of Registration":
            registration.append(country)
        elif kind == "Gender":
            details["gender"] = value
        elif kind in _VESSEL_FEATURES:
            details[_VESSEL_FEATURES[kind]] = value
        elif kind in _IDENTIFYING_FEATURES or kind.startswith("Digital Currency Address"):
            identifiers.append(Identifier(type=kind, value=value))
        else:
            notes.append(f"{kind.rstrip(' -:')}: {value}")
    for relation in _path(elem, "relationships", "relationship"):
        notes.append(f"{_text(relation, 'type')}: {_text(relation, 'relatedEntity')}")

    addresses = reader.addresses()
    iso = [c for c in nationalities + citizenships if len(c) == 2 and c.isupper()]
    entry_countries = tuple(
        dict.fromkeys(c for c in [a.country for a in addresses] + iso + registration if c)
    )
    programs = tuple(
        dict.fromkeys(_text(p) for p in _path(elem, "sanctionsPrograms", "sanctionsProgram"))
    )
    aliases = tuple(dict.fromkeys(n for n in others if n != primary))
    return [
        Entry(
            id=f"{lst.value}-{entity_id}",
            list=lst,
            type=_TYPES[type_name],
            name=primary,
            source_id=entity_id,
            aliases=aliases,
            addresses=tuple(dict.fromkeys(addresses)),
            countries=entry_countries,
            identifiers=tuple(dict.fromkeys(identifiers)),
            programs=programs,
            remarks="; ".join(notes),
            dates_of_birth=tuple(dict.fromkeys(dates_of_birth)),
            places_of_birth=tuple(dict.fromkeys(places_of_birth)),
            nationalities=tuple(dict.fromkeys(nationalities)),
            citizenships=tuple(dict.fromkeys(citizenships)),
            details=details,
            weak_aliases=tuple(a for a in aliases if a in low_quality),
        )
        for lst in dict.fromkeys(lists)
    ]


# --- the whole file ----------------------------------------------------------------------------


def _file_lists(filters: list[str]) -> tuple[ListCode, ...]:
    found: dict[ListCode, None] = {}
    for name in filters:
        if name == _CONSOLIDATED:
            found.update(dict.fromkeys(_NON_SDN))
        elif name in _LISTS:
            found[_LISTS[name]] = None
    # A file without filters is taken to publish every list it holds entities of.
    return tuple(found) or (ListCode.SDN, *_NON_SDN)


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    """An enhanced-XML file (bare or zipped): one entry per entity and list it publishes."""
    as_of: date | None = None
    filters: list[str] = []
    countries: dict[str, str] = {}
    entries: list[Entry] = []
    bad_rows = BadRows(skip_bad_rows)
    seen_root = in_publication_info = seen_entity = False
    with _open_xml(path) as (stream, member):
        try:
            for event, elem in iterparse(stream, events=("start", "end")):
                name = _local(elem.tag)
                if event == "start":
                    if not seen_root:
                        seen_root = True
                        if name != "sanctionsData":
                            raise SourceError(
                                path, None, None, f"{member}: root is <{name}>, not <sanctionsData>"
                            )
                    in_publication_info = in_publication_info or name == "publicationInfo"
                    continue
                if name == "publicationInfo":
                    in_publication_info = False
                elif name == "dataAsOf":
                    try:
                        as_of = date.fromisoformat(_text(elem)[:10])
                    except ValueError as error:
                        raise SourceError(path, None, "dataAsOf", str(error)) from error
                elif name == "sanctionsList" and in_publication_info:
                    filters.append(_text(elem))
                elif name == "referenceValue":
                    if _text(elem, "type") == "COUNTRY" and _text(elem, "isoCode"):
                        countries[elem.get("refId", "")] = _text(elem, "isoCode")
                    elem.clear()
                elif name == "entity":
                    seen_entity = True
                    # A schema fault is the file's, not one entity's: never skipped.
                    _check_entity(elem, path)
                    with bad_rows.guard():
                        entries.extend(_entries(elem, countries, _file_lists(filters), path))
                    elem.clear()
        except ParseError as error:
            line, column = error.position
            raise SourceError(
                path, line, None, f"malformed XML in {member} (column {column}): {error}"
            ) from error
        except (EOFError, zipfile.BadZipFile, zlib.error) as error:
            raise SourceError(path, None, None, f"damaged archive: {error}") from error
    if not seen_root:
        raise SourceError(path, None, None, f"{member} is empty")
    if as_of is None:
        raise SourceError(path, None, "dataAsOf", "the file does not say when its data is from")
    if not seen_entity:
        raise SourceError(
            path, None, "entity", f"{member} holds no <entity> (renamed, or an empty publication)"
        )
    return ParsedSource(
        format=FORMAT,
        paths=(path,),
        sha256=sha256_of([path]),
        as_of=as_of,
        entries=entries,
        problems=bad_rows.problems,
        lists=_file_lists(filters),
    )


__all__ = ["FORMAT", "parse", "sniff"]
