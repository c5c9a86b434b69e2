"""The UK Sanctions List (FCDO), XML.

Since 28 January 2026 the Foreign, Commonwealth & Development Office's UK Sanctions List is the one
official list of UK designations (OFSI's Consolidated List is no longer updated). The FCDO
publishes it as XML, CSV, ODS and HTML at https://sanctionslist.fcdo.gov.uk/docs/; the XML is read
here because it keeps what the CSV flattens: each name's type and alias strength, every address
and document, and the sanctions imposed.

A ``<Designations>`` root with its ``<DateGenerated>`` (dd/mm/yyyy) holds one ``<Designation>`` per
person, entity or ship, with its ``UniqueID`` (``RUS0268``: regime prefix and serial, kept for
the life of the designation; an entry's id is ``UK-<UniqueID>``), ``Names/Name`` (``Name1`` to
``Name6``, ``NameType`` Primary Name, Primary Name Variation or Alias, and for UN designations an
``AliasStrength`` such as "Low quality a.k.a"), ``RegimeName``, ``IndividualEntityShip``,
``DesignationSource`` (UK or UN), ``SanctionsImposed``, ``DateDesignated``, addresses, and the
individual's, entity's or ship's details.

The schema contract: the root and its date, and in each designation a ``UniqueID``, a name, the
regime, the kind and the designation date; a designation without one is refused, naming it.
"""

from __future__ import annotations

import re
import zlib
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, iterparse

from exportscreen.model import Address, Entry, EntryType, Identifier, ListCode
from exportscreen.sources.common import ParsedSource, SourceError, refuse_repeated_ids, sha256_of
from exportscreen.sources.problems import BadRows
from exportscreen.sources.reading import open_binary
from exportscreen.text.countries import country_code

FORMAT = "uk_fcdo_xml"
OFFICIAL_URL = "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"
ROOT = "Designations"
_TYPES = {"individual": EntryType.INDIVIDUAL, "entity": EntryType.ENTITY, "ship": EntryType.VESSEL}
REQUIRED = ("UniqueID", "Names", "RegimeName", "IndividualEntityShip", "DateDesignated")
# "dd/mm/yyyy", where the FCDO writes an unknown day or month as the letters themselves.
_UK_DATE = re.compile(r"^(\d{2}|dd)/(\d{2}|mm)/(\d{4})$", re.IGNORECASE)


def sniff(path: Path, head: bytes) -> bool:
    return path.name.lower().endswith((".xml", ".xml.gz")) and b"<Designations" in head


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _text(elem: Element | None, path: str) -> str:
    return _clean(elem.findtext(path)) if elem is not None else ""


def _texts(elem: Element, path: str) -> list[str]:
    return [t for t in (_clean(e.text) for e in elem.findall(path)) if t]


def uk_date(text: str) -> str:
    """An FCDO date as the model prints dates: "1967-03-25", "1945-03" or "1945"; "" if none."""
    found = _UK_DATE.match(text.strip())
    if not found:
        return text.strip()
    day, month, year = found.groups()
    if not month.isdigit():
        return year
    if not day.isdigit():
        return f"{year}-{month}"
    return f"{year}-{month}-{day}"


def _date(text: str, path: Path, field: str, where: str) -> date:
    try:
        return date.fromisoformat(uk_date(text))
    except ValueError as error:
        raise SourceError(path, None, field, f"{where}: not a date: {text!r}") from error


def _name(node: Element) -> str:
    return " ".join(p for p in (_text(node, f"Name{i}") for i in range(1, 7)) if p)


def _entry(elem: Element, path: Path, position: int) -> Entry:
    unique_id = _text(elem, "UniqueID")
    where = f"Designation {position}" + (f" ({unique_id})" if unique_id else "")
    names = [n for n in elem.findall("Names/Name") if _name(n)]
    missing = [
        field for field in REQUIRED if not (names if field == "Names" else _text(elem, field))
    ]
    if missing:
        message = f"{where} lacks required element(s) {', '.join(missing)}"
        raise SourceError(path, None, missing[0], message)
    kind = _text(elem, "IndividualEntityShip").lower()
    if kind not in _TYPES:
        raise SourceError(path, None, "IndividualEntityShip", f"{where}: unknown kind {kind!r}")
    designated = _date(_text(elem, "DateDesignated"), path, "DateDesignated", where)

    # NameType is spelt inconsistently in the published file ("Primary name", "ALias").
    primary_nodes = [n for n in names if _text(n, "NameType").lower() == "primary name"]
    primary = _name((primary_nodes or names)[0])
    aliases: list[str] = []
    weak: list[str] = []
    for node in names:
        full = _name(node)
        if full == primary:
            continue
        aliases.append(full)
        if "low" in _text(node, "AliasStrength").lower():
            weak.append(full)
    aliases += _texts(elem, "NonLatinNames/NonLatinName/NameNonLatinScript")
    unique_aliases = tuple(dict.fromkeys(a for a in aliases if a != primary))

    addresses = []
    for node in elem.findall("Addresses/Address"):
        lines = [_text(node, f"AddressLine{i}") for i in range(1, 6)]
        country_name = _text(node, "AddressCountry")
        code = country_code(country_name) if country_name else ""
        found = Address(
            street=", ".join(v for v in [*lines, "" if code else country_name] if v),
            city=_text(node, "AddressLine6"),
            postal_code=_text(node, "AddressPostalCode"),
            country=code,
        )
        if found != Address():
            addresses.append(found)

    person = elem.find("IndividualDetails/Individual")
    entity = elem.find("EntityDetails/Entity")
    ship = elem.find("ShipDetails/Ship")
    identifiers: list[Identifier] = []
    dates_of_birth: list[str] = []
    places_of_birth: list[str] = []
    nationalities: list[str] = []
    details: dict[str, str] = {
        "regime": _text(elem, "RegimeName"),
        "designation_source": _text(elem, "DesignationSource"),
        "sanctions_imposed": _text(elem, "SanctionsImposed"),
        "un_reference_number": _text(elem, "UNReferenceNumber"),
        "ofsi_group_id": _text(elem, "OFSIGroupID"),
        "last_updated": uk_date(_text(elem, "LastUpdated")),
    }
    if person is not None:
        dates_of_birth = [uk_date(d) for d in _texts(person, "DOBs/DOB")]
        for location in person.findall("BirthDetails/Location"):
            place = ", ".join(
                v for v in (_text(location, "TownOfBirth"), _text(location, "CountryOfBirth")) if v
            )
            places_of_birth.append(place)
        nationalities = [country_code(n) or n for n in _texts(person, "Nationalities/Nationality")]
        for passport in person.findall("PassportDetails/Passport"):
            number = _text(passport, "PassportNumber")
            if number:
                notes = _text(passport, "PassportAdditionalInformation")
                identifiers.append(Identifier("Passport", number, notes=notes))
        for national in person.findall("NationalIdentifierDetails/NationalIdentifier"):
            number = _text(national, "NationalIdentifierNumber")
            if number:
                notes = _text(national, "NationalIdentifierAdditionalInformation")
                identifiers.append(
                    Identifier("National Identification Number", number, notes=notes)
                )
        details["gender"] = "; ".join(_texts(person, "Genders/Gender"))
        details["position"] = "; ".join(_texts(person, "Positions/Position"))
    if entity is not None:
        for number in _texts(entity, "BusinessRegistrationNumbers/BusinessRegistrationNumber"):
            identifiers.append(Identifier("Business Registration Number", number))
        details["type_of_entity"] = "; ".join(_texts(entity, "TypeOfEntities/TypeOfEntity"))
        details["parent_companies"] = "; ".join(_texts(entity, "ParentCompanies/ParentCompany"))
        details["subsidiaries"] = "; ".join(_texts(entity, "Subsidiaries/Subsidiary"))
    registration: list[str] = []
    if ship is not None:
        for imo in _texts(ship, "IMONumbers/IMONumber"):
            # "IMO9274800" or the seven digits alone: stored as the digits, as OFAC's IMO ids are.
            identifiers.append(Identifier("IMO", re.sub(r"^IMO\s*", "", imo, flags=re.I)))
        flags = _texts(ship, "CurrentBelievedFlagOfShips/CurrentBelievedFlagOfShip")
        flags += _texts(ship, "CurrentBelievedFlagOfShip")
        details["vessel_flag"] = "; ".join(dict.fromkeys(flags))
        details["vessel_type"] = "; ".join(_texts(ship, "TypeOfShips/TypeOfShip"))
        registration = [c for c in (country_code(f) for f in flags) if c]
    remarks = [_text(elem, "OtherInformation"), _text(elem, "UKStatementofReasons")]
    websites = _texts(elem, "Websites/Website")
    emails = _texts(elem, "EmailAddresses/EmailAddress")
    identifiers += [Identifier("Website", w) for w in websites]
    identifiers += [Identifier("Email Address", e) for e in emails]
    iso_nationalities = [n for n in nationalities if len(n) == 2 and n.isupper()]
    return Entry(
        id=f"{ListCode.UK.value}-{unique_id}",
        list=ListCode.UK,
        type=_TYPES[kind],
        name=primary,
        source_id=unique_id,
        aliases=unique_aliases,
        weak_aliases=tuple(dict.fromkeys(w for w in weak if w in unique_aliases)),
        addresses=tuple(dict.fromkeys(addresses)),
        countries=tuple(
            dict.fromkeys(
                c for c in [a.country for a in addresses] + iso_nationalities + registration if c
            )
        ),
        identifiers=tuple(dict.fromkeys(identifiers)),
        programs=(_text(elem, "RegimeName"),),
        start_date=designated,
        remarks="\n\n".join(r for r in remarks if r),
        source_url=OFFICIAL_URL,
        title="; ".join(_texts(elem, "Titles/Title")),
        dates_of_birth=tuple(dict.fromkeys(d for d in dates_of_birth if d)),
        places_of_birth=tuple(dict.fromkeys(p for p in places_of_birth if p)),
        nationalities=tuple(dict.fromkeys(nationalities)),
        details={key: value for key, value in details.items() if value},
    )


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    """Every designation of the file, one entry each."""
    entries: list[Entry] = []
    bad_rows = BadRows(skip_bad_rows)
    as_of: date | None = None
    seen_root = False
    depth = 0
    position = 0
    try:
        with open_binary(path) as stream:
            for event, elem in iterparse(stream, events=("start", "end")):
                if event == "start":
                    depth += 1
                    if not seen_root:
                        seen_root = True
                        if elem.tag != ROOT:
                            raise SourceError(
                                path, None, None, f"root is <{elem.tag}>, not <{ROOT}>"
                            )
                    continue
                depth -= 1
                if depth == 1 and elem.tag == "DateGenerated":
                    as_of = _date(_clean(elem.text), path, "DateGenerated", ROOT)
                elif depth == 1 and elem.tag == "Designation":
                    position += 1
                    with bad_rows.guard():
                        entries.append(_entry(elem, path, position))
                    elem.clear()
    except ParseError as error:
        line, column = error.position
        raise SourceError(path, line, None, f"malformed XML (column {column}): {error}") from error
    except (EOFError, zlib.error) as error:
        raise SourceError(path, None, None, f"truncated or corrupt gzip data: {error}") from error
    if not seen_root:
        raise SourceError(path, None, None, "the file is empty")
    if as_of is None:
        raise SourceError(path, None, "DateGenerated", "required element DateGenerated missing")
    refuse_repeated_ids(path, entries, "UniqueID")
    return ParsedSource(
        format=FORMAT,
        paths=(path,),
        sha256=sha256_of([path]),
        as_of=as_of,
        entries=entries,
        problems=bad_rows.problems,
        lists=(ListCode.UK,),
        source_url=OFFICIAL_URL,
    )


__all__ = ["FORMAT", "OFFICIAL_URL", "parse", "sniff", "uk_date"]
