"""The EU Consolidated Financial Sanctions List (the Financial Sanctions Files' XML ``export``).

The European Commission publishes every person, group and entity subject to EU financial sanctions
(asset freezes under Council regulations based on Article 215 TFEU) in one XML file, the
``export`` format (namespace ``http://eu.europa.ec/fpi/fsd/export``), at
https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw
(the token is the public one the Commission's own page links to).

Each ``<sanctionEntity>`` has a ``logicalId`` that the Commission keeps for the life of the listing
(an entry's id is ``EU-<logicalId>``) and usually an ``euReferenceNumber`` ("EU.27.28"), kept as
the source id. Its children: ``subjectType`` (person or enterprise), ``regulation`` (the acts that
listed or amended it, with the programme), ``nameAlias`` (each name with ``strong="false"`` for
the weak ones), ``citizenship``, ``birthdate``, ``identification``, ``address`` and ``remark``.
Everything is in attributes, so the loader reads attributes, not texts.

The schema contract: the root, its ``generationDate`` and, in every entity, a ``logicalId``, a
``subjectType`` and a named ``nameAlias``; an entity without one is refused, naming it.
"""

from __future__ import annotations

import zlib
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, iterparse

from exportscreen.model import Address, Entry, EntryType, Identifier, ListCode
from exportscreen.sources.common import ParsedSource, SourceError, refuse_repeated_ids, sha256_of
from exportscreen.sources.problems import BadRows
from exportscreen.sources.reading import open_binary
from exportscreen.text.countries import country_code

FORMAT = "eu_fsf_xml"
NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
OFFICIAL_URL = (
    "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content"
    "?token=dG9rZW4tMjAxNw"
)
ROOT = "export"
_TYPES = {"person": EntryType.INDIVIDUAL, "enterprise": EntryType.ENTITY}


def sniff(path: Path, head: bytes) -> bool:
    # The official file is served as ".../content": the namespace, not the name, says what it is.
    return b"<export" in head and NAMESPACE.encode() in head


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(elem: Element, name: str) -> list[Element]:
    return [child for child in elem if _local(child.tag) == name]


def _attr(elem: Element | None, name: str) -> str:
    return " ".join((elem.get(name, "") if elem is not None else "").split())


def _country(elem: Element) -> str:
    code = _attr(elem, "countryIso2Code").upper()
    if code and code != "00":  # "00" is the file's "unknown"
        return code
    return (
        country_code(_attr(elem, "countryDescription")) if _attr(elem, "countryDescription") else ""
    )


def _country_name(elem: Element) -> str:
    """The country as the file names it, "" when it says it does not know."""
    name = _attr(elem, "countryDescription")
    return "" if name.upper() in ("", "UNKNOWN") else name


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _birthdate(elem: Element) -> str:
    exact = _attr(elem, "birthdate")
    year = _attr(elem, "year")
    value = exact or year
    if value and _attr(elem, "circa") == "true":
        return f"circa {value}"
    if not value and _attr(elem, "yearRangeFrom") and _attr(elem, "yearRangeTo"):
        return f"{_attr(elem, 'yearRangeFrom')} to {_attr(elem, 'yearRangeTo')}"
    return value


def _entry(elem: Element, path: Path, position: int) -> Entry:
    logical_id = _attr(elem, "logicalId")
    reference = _attr(elem, "euReferenceNumber")
    where = f"sanctionEntity {position}" + (f" ({reference or logical_id})" if logical_id else "")
    subject = next(iter(_children(elem, "subjectType")), None)
    names = [n for n in _children(elem, "nameAlias") if _attr(n, "wholeName")]
    missing = [
        label
        for label, present in (
            ("logicalId", bool(logical_id)),
            ("subjectType", subject is not None),
            ("nameAlias/@wholeName", bool(names)),
        )
        if not present
    ]
    if missing:
        message = f"{where} lacks required element(s) {', '.join(missing)}"
        raise SourceError(path, None, missing[0], message)
    kind = _attr(subject, "code")
    if kind not in _TYPES:
        raise SourceError(path, None, "subjectType/@code", f"{where}: unknown type {kind!r}")

    # The first strong name is the primary one; the file lists names in no set order, but puts
    # the name the regulation lists the party under first.
    strong = [n for n in names if _attr(n, "strong") != "false"]
    primary = _attr((strong or names)[0], "wholeName")
    aliases = list(dict.fromkeys(_attr(n, "wholeName") for n in names))
    aliases = [a for a in aliases if a != primary]
    weak = [
        _attr(n, "wholeName")
        for n in names
        if _attr(n, "strong") == "false" and _attr(n, "wholeName") in aliases
    ]
    functions = list(dict.fromkeys(_attr(n, "function") for n in names if _attr(n, "function")))
    genders = list(dict.fromkeys(_attr(n, "gender") for n in names if _attr(n, "gender")))

    addresses = []
    for node in _children(elem, "address"):
        found = Address(
            street=", ".join(
                v for v in (_attr(node, "street"), _attr(node, "poBox"), _attr(node, "place")) if v
            ),
            city=_attr(node, "city"),
            state=_attr(node, "region"),
            postal_code=_attr(node, "zipCode"),
            country=_country(node),
        )
        if found != Address():
            addresses.append(found)
    identifiers = []
    for node in _children(elem, "identification"):
        number = _attr(node, "number") or _attr(node, "latinNumber")
        if not number:
            continue
        flags = [
            label
            for attribute, label in (
                ("diplomatic", "diplomatic"),
                ("knownExpired", "known expired"),
                ("knownFalse", "known false"),
                ("reportedLost", "reported lost"),
                ("revokedByIssuer", "revoked by issuer"),
            )
            if _attr(node, attribute) == "true"
        ]
        remark = " ".join(r.text or "" for r in _children(node, "remark")).strip()
        identifiers.append(
            Identifier(
                type=_attr(node, "identificationTypeDescription")
                or _attr(node, "identificationTypeCode")
                or "Identification",
                value=number,
                country=_country(node),
                notes="; ".join(v for v in (", ".join(flags), remark) if v),
            )
        )
    births = _children(elem, "birthdate")
    places = [
        ", ".join(
            v
            for v in (_attr(b, "city"), _attr(b, "place"), _attr(b, "region"), _country_name(b))
            if v
        )
        for b in births
    ]
    citizenships = [_country(c) for c in _children(elem, "citizenship")]
    regulations = _children(elem, "regulation")
    programmes = tuple(
        dict.fromkeys(_attr(r, "programme") for r in regulations if _attr(r, "programme"))
    )
    listed = [
        d
        for d in (
            _iso_date(_attr(elem, "designationDate")),
            *(
                _iso_date(_attr(r, "entryIntoForceDate") or _attr(r, "publicationDate"))
                for r in regulations
            ),
        )
        if d is not None
    ]
    urls = [
        (u.text or "").strip()
        for r in regulations
        for u in _children(r, "publicationUrl")
        if (u.text or "").strip()
    ]
    remarks = [" ".join((r.text or "").split()) for r in _children(elem, "remark")]
    details = {
        "eu_reference_number": reference,
        "united_nations_id": _attr(elem, "unitedNationId"),
        "regulations": "; ".join(
            dict.fromkeys(_attr(r, "numberTitle") for r in regulations if _attr(r, "numberTitle"))
        ),
        "function": "; ".join(functions),
        "gender": "; ".join(genders),
    }
    return Entry(
        id=f"{ListCode.EU.value}-{logical_id}",
        list=ListCode.EU,
        type=_TYPES[kind],
        name=primary,
        source_id=reference or logical_id,
        aliases=tuple(aliases),
        weak_aliases=tuple(dict.fromkeys(weak)),
        addresses=tuple(dict.fromkeys(addresses)),
        countries=tuple(
            dict.fromkeys(c for c in [a.country for a in addresses] + citizenships if c)
        ),
        identifiers=tuple(dict.fromkeys(identifiers)),
        programs=programmes,
        start_date=min(listed) if listed else None,
        remarks="; ".join(r for r in remarks if r),
        source_url=urls[0] if urls else "",
        dates_of_birth=tuple(dict.fromkeys(d for d in map(_birthdate, births) if d)),
        places_of_birth=tuple(dict.fromkeys(p for p in places if p)),
        citizenships=tuple(dict.fromkeys(c for c in citizenships if c)),
        details={key: value for key, value in details.items() if value},
    )


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    """Every sanctioned person, group and entity of the file, one entry each."""
    entries: list[Entry] = []
    bad_rows = BadRows(skip_bad_rows)
    as_of: date | None = None
    seen_root = False
    position = 0
    try:
        with open_binary(path) as stream:
            for event, elem in iterparse(stream, events=("start", "end")):
                name = _local(elem.tag)
                if event == "start":
                    if not seen_root:
                        seen_root = True
                        if name != ROOT:
                            raise SourceError(path, None, None, f"root is <{name}>, not <{ROOT}>")
                        stamp = elem.get("generationDate", "")
                        as_of = _iso_date(stamp)
                        if as_of is None:
                            raise SourceError(
                                path, None, "generationDate", f"<{ROOT}> has no date: {stamp!r}"
                            )
                    continue
                if name == "sanctionEntity":
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
    refuse_repeated_ids(path, entries, "logicalId")
    return ParsedSource(
        format=FORMAT,
        paths=(path,),
        sha256=sha256_of([path]),
        as_of=as_of,
        entries=entries,
        problems=bad_rows.problems,
        lists=(ListCode.EU,),
        source_url=OFFICIAL_URL,
    )


__all__ = ["FORMAT", "OFFICIAL_URL", "parse", "sniff"]
