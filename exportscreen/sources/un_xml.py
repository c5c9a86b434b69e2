"""The UN Security Council Consolidated List (XML, schema ``sc-sanctions.xsd``).

The Security Council publishes every sanctions regime's list in one file at
https://scsanctions.un.org/resources/xml/en/consolidated.xml: a ``<CONSOLIDATED_LIST>`` with an
``<INDIVIDUALS>`` and an ``<ENTITIES>`` group. Each record carries its permanent reference number
(``CDi.001``: regime ``CD``, ``i`` for an individual or ``e`` for an entity, a serial), which the
UN never reuses and keeps when a record is amended, so an entry's id is ``UN-<reference number>``.
``DATAID`` is the UN's database key, kept as a detail.

Aliases carry the committee's judgement of their quality: "Good", "Low" (too common or too
vague to identify the person on their own; marked in ``Entry.weak_aliases``) and, for entities,
"a.k.a." and "f.k.a.".

The schema contract: the root, its date and both groups must be there, and every record must
carry the elements a listing is made of (``REQUIRED``); a record without one is refused, naming
the record and every element it lacks, rather than loaded as a partial listing.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, iterparse

from exportscreen.model import Address, Entry, EntryType, Identifier, ListCode
from exportscreen.sources.common import ParsedSource, SourceError, refuse_repeated_ids, sha256_of
from exportscreen.sources.problems import BadRows
from exportscreen.sources.reading import open_binary
from exportscreen.text.countries import country_code

FORMAT = "un_xml"
OFFICIAL_URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"

ROOT = "CONSOLIDATED_LIST"
GROUPS = {"INDIVIDUALS": "INDIVIDUAL", "ENTITIES": "ENTITY"}
_TYPES = {"INDIVIDUAL": EntryType.INDIVIDUAL, "ENTITY": EntryType.ENTITY}
# What every record must carry (in sc-sanctions.xsd these are mandatory and non-empty in use):
# without a reference number the entry has no identity, without a name nothing to screen, without
# a regime and a listing date no legal meaning.
REQUIRED = ("DATAID", "REFERENCE_NUMBER", "FIRST_NAME", "UN_LIST_TYPE", "LISTED_ON")
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
# Alias qualities that mark a weak alias. Every other quality ("Good", "a.k.a.", "f.k.a.", or
# none stated) is a full alias: when in doubt an alias is screened as strong.
WEAK_QUALITIES = frozenset({"low"})


def sniff(path: Path, head: bytes) -> bool:
    name = path.name.lower()
    return (name.endswith(".xml") or name.endswith(".xml.gz")) and b"<CONSOLIDATED_LIST" in head


# --- element helpers ---------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _text(elem: Element | None, name: str) -> str:
    if elem is None:
        return ""
    return _clean(elem.findtext(name))


def _values(elem: Element, name: str) -> list[str]:
    """The ``<VALUE>`` texts of a multi-valued element (``<NATIONALITY><VALUE>…``)."""
    return [v for group in elem.findall(name) for v in (_clean(x.text) for x in group) if v]


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _country(name: str) -> str:
    """ISO alpha-2 for a UN country name, or the name itself when it names no country code."""
    return country_code(name) if name else ""


# --- one record ----------------------------------------------------------------------------------


def _date_of_birth(elem: Element) -> str:
    """As the model prints dates of birth: "1973-03-25", "1971", "circa 1960", "1960 to 1962"."""
    kind = _text(elem, "TYPE_OF_DATE").upper()
    exact = _text(elem, "DATE")[:10] or _text(elem, "YEAR")
    low, high = _text(elem, "FROM_YEAR"), _text(elem, "TO_YEAR")
    if low and high:
        return f"{low} to {high}"
    if exact and kind == "APPROXIMATELY":
        return f"circa {exact}"
    return exact


def _place(elem: Element, *parts: str) -> str:
    return ", ".join(v for v in (_text(elem, p) for p in parts) if v)


def _documents(record: Element) -> list[Identifier]:
    result: list[Identifier] = []
    for doc in record.findall("INDIVIDUAL_DOCUMENT"):
        number = _text(doc, "NUMBER")
        if not number:  # an empty <INDIVIDUAL_DOCUMENT/> or a note alone: nothing to match
            continue
        kind = _text(doc, "TYPE_OF_DOCUMENT") or _text(doc, "TYPE_OF_DOCUMENT2") or "Document"
        issuer = _text(doc, "ISSUING_COUNTRY") or _text(doc, "COUNTRY_OF_ISSUE")
        notes = [
            f"{label}: {value}"
            for label, value in (
                ("type", _text(doc, "TYPE_OF_DOCUMENT2")),
                ("issued", _text(doc, "DATE_OF_ISSUE")),
                ("issued in", _text(doc, "CITY_OF_ISSUE")),
                ("issuer", issuer if issuer and not _country(issuer) else ""),
                ("note", _text(doc, "NOTE")),
            )
            if value
        ]
        result.append(
            Identifier(type=kind, value=number, country=_country(issuer), notes="; ".join(notes))
        )
    return result


def _addresses(record: Element, tag: str) -> list[Address]:
    result: list[Address] = []
    for elem in record.findall(tag):
        country_name = _text(elem, "COUNTRY")
        code = _country(country_name)
        street = _text(elem, "STREET")
        if country_name and not code:  # keep what the list says rather than drop it
            street = ", ".join(v for v in (street, country_name) if v)
        address = Address(
            street=street,
            city=_text(elem, "CITY"),
            state=_text(elem, "STATE_PROVINCE"),
            postal_code=_text(elem, "ZIP_CODE"),
            country=code,
        )
        if address != Address():
            result.append(address)
    return result


def _entry(record: Element, kind: str, path: Path, position: int) -> Entry:
    reference = _text(record, "REFERENCE_NUMBER")
    where = f"{kind} {position}" + (f" ({reference})" if reference else "")
    missing = [name for name in REQUIRED if not _text(record, name)]
    if missing:
        raise SourceError(
            path, None, missing[0], f"{where} lacks required element(s) {', '.join(missing)}"
        )
    listed_text = _text(record, "LISTED_ON")[:10]
    try:
        listed_on = date.fromisoformat(listed_text)
    except ValueError as error:
        raise SourceError(
            path, None, "LISTED_ON", f"{where}: not a date: {listed_text!r}"
        ) from error

    if kind == "INDIVIDUAL":
        name = " ".join(p for p in (_text(record, n) for n in _NAME_PARTS) if p)
    else:
        name = _text(record, "FIRST_NAME")
    aliases: list[str] = []
    weak: list[str] = []
    dates_of_birth = [_date_of_birth(e) for e in record.findall("INDIVIDUAL_DATE_OF_BIRTH")]
    places_of_birth = [
        _place(e, "STREET", "CITY", "STATE_PROVINCE", "COUNTRY")
        for e in record.findall("INDIVIDUAL_PLACE_OF_BIRTH")
    ]
    original_script = _text(record, "NAME_ORIGINAL_SCRIPT")
    if original_script:
        aliases.append(original_script)
    for alias in record.findall(f"{kind}_ALIAS"):
        alias_name = _text(alias, "ALIAS_NAME")
        if not alias_name or alias_name == name:
            continue
        aliases.append(alias_name)
        if _text(alias, "QUALITY").lower() in WEAK_QUALITIES:
            weak.append(alias_name)
        # An alias may carry the birth data it was used with: still the person's.
        dates_of_birth.append(_text(alias, "DATE_OF_BIRTH"))
        places_of_birth.append(_place(alias, "CITY_OF_BIRTH", "COUNTRY_OF_BIRTH"))

    nationality_names = _values(record, "NATIONALITY")
    nationalities = [_country(n) or n for n in nationality_names]
    addresses = _addresses(record, f"{kind}_ADDRESS")
    countries = _unique(
        [a.country for a in addresses] + [n for n in nationalities if len(n) == 2 and n.isupper()]
    )
    remarks = [_text(record, "COMMENTS1")]
    remarks += [
        f"date of birth: {_text(e, 'NOTE')}"
        for e in record.findall("INDIVIDUAL_DATE_OF_BIRTH")
        if _text(e, "NOTE")
    ]
    remarks += [
        f"address: {_text(e, 'NOTE')}"
        for e in record.findall(f"{kind}_ADDRESS")
        if _text(e, "NOTE")
    ]
    details = {
        "dataid": _text(record, "DATAID"),
        "regime": _text(record, "UN_LIST_TYPE"),
        "designation": "; ".join(_values(record, "DESIGNATION")),
        "gender": _text(record, "GENDER"),
        "last_updated": max(_values(record, "LAST_DAY_UPDATED"), default=""),
    }
    strong_and_weak = _unique(aliases)
    return Entry(
        id=f"{ListCode.UN.value}-{reference}",
        list=ListCode.UN,
        type=_TYPES[kind],
        name=name,
        source_id=reference,
        aliases=strong_and_weak,
        weak_aliases=tuple(a for a in _unique(weak) if a in strong_and_weak),
        addresses=tuple(dict.fromkeys(addresses)),
        countries=countries,
        identifiers=tuple(dict.fromkeys(_documents(record))),
        programs=(_text(record, "UN_LIST_TYPE"),),
        start_date=listed_on,
        remarks="; ".join(r for r in remarks if r),
        source_url=OFFICIAL_URL,
        title="; ".join(_values(record, "TITLE")),
        dates_of_birth=_unique(dates_of_birth),
        places_of_birth=_unique(places_of_birth),
        nationalities=_unique(nationalities),
        details={key: value for key, value in details.items() if value},
    )


# --- the whole file ----------------------------------------------------------------------------


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    """The whole consolidated list: one entry per individual and entity, in file order."""
    entries: list[Entry] = []
    bad_rows = BadRows(skip_bad_rows)
    as_of: date | None = None
    seen_root = False
    groups_seen: set[str] = set()
    positions = dict.fromkeys(GROUPS.values(), 0)
    try:
        with open_binary(path) as stream:
            for event, elem in iterparse(stream, events=("start", "end")):
                tag = elem.tag
                if event == "start":
                    if not seen_root:
                        seen_root = True
                        if tag != ROOT:
                            raise SourceError(path, None, None, f"root is <{tag}>, not <{ROOT}>")
                        as_of = _generated(path, elem.get("dateGenerated", ""))
                    elif tag in GROUPS:
                        groups_seen.add(tag)
                    continue
                if tag in positions:
                    positions[tag] += 1
                    with bad_rows.guard():
                        entries.append(_entry(elem, tag, path, positions[tag]))
                    elem.clear()
    except ParseError as error:
        line, column = error.position
        raise SourceError(path, line, None, f"malformed XML (column {column}): {error}") from error
    except (EOFError, zlib.error) as error:
        raise SourceError(path, None, None, f"truncated or corrupt gzip data: {error}") from error
    if not seen_root:
        raise SourceError(path, None, None, "the file is empty")
    missing_groups = [g for g in GROUPS if g not in groups_seen]
    if missing_groups:
        # A file without its individuals (or entities) would remove them all from the list.
        raise SourceError(
            path,
            None,
            missing_groups[0],
            f"required element(s) {', '.join(missing_groups)} missing",
        )
    refuse_repeated_ids(path, entries, "REFERENCE_NUMBER")
    return ParsedSource(
        format=FORMAT,
        paths=(path,),
        sha256=sha256_of([path]),
        as_of=as_of,
        entries=entries,
        problems=bad_rows.problems,
        lists=(ListCode.UN,),
        source_url=OFFICIAL_URL,
    )


def _generated(path: Path, stamp: str) -> date:
    if not stamp:
        raise SourceError(path, None, "dateGenerated", f"<{ROOT}> does not say when it was made")
    try:
        return date.fromisoformat(stamp[:10])
    except ValueError as error:
        raise SourceError(path, None, "dateGenerated", f"not a date: {stamp!r}") from error


__all__ = ["FORMAT", "OFFICIAL_URL", "parse", "sniff"]
