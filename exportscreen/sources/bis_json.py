"""BIS lists as JSON derived from the eCFR text (the nsfreg extraction): Entity List, MEU, DPL.

Shape: ``{"list_id": "bis-entity-list", "extracted": "2026-07-09", "count": N, "entities": [{name,
aliases[], country, address, status, effective_date, federal_register, notes}]}``. ``notes`` holds
the License Requirement column for the Entity List (footnote digits included), the subordinate
institution remark for some MEU entries, and "Type of denial: Standard; Expires: 2035-01-08" for
the DPL (read as the order's kind, ``details["standard_order"]``, and its expiry, ``end_date``).

Entry ids come from ``name_ids.assign_name_ids`` (list, name and country), shared with the DPL
and CSL loaders; file reading from ``reading``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, Final

from exportscreen.model import Address, Entry, EntryType, ListCode
from exportscreen.sources.common import (
    ParsedSource,
    SourceError,
    parse_citations,
    sha256_of,
    split_names,
)
from exportscreen.sources.dpl_tsv import dpl_entry_type, standard_order_flag
from exportscreen.sources.name_ids import assign_name_ids
from exportscreen.sources.problems import BadRows
from exportscreen.sources.reading import read_json
from exportscreen.sources.subparties import link_parents, split_named_parties
from exportscreen.sources.terms import parse_licence
from exportscreen.text.countries import country_code, country_named

FORMAT: Final = "bis_json"

_LISTS: Final = {
    "bis-entity-list": ListCode.EL,
    "bis-meu": ListCode.MEU,
    "bis-dpl": ListCode.DPL,
    "bis-uvl": ListCode.UVL,
}

# §744.16(f) address-only entries are printed with a placeholder name, numbered per country.
_ADDRESS_ONLY_NAME = re.compile(r"^Address \d+$", re.IGNORECASE)
# A cross-reference BIS appends to a name or an address; it is a remark, not part of either.
_SEE_ALTERNATE = re.compile(r"\s*\(\s*see alternate address(?:es)? under [^)]*\)\.?", re.IGNORECASE)
# The DPL's notes: "Type of denial: Standard; Expires: 2035-01-08", either part alone, or neither.
_DENIAL_TYPE = re.compile(r"type of denial:\s*(?P<kind>[^;]+)", re.IGNORECASE)
_EXPIRES = re.compile(r"expires:\s*(?P<date>[^;]+)", re.IGNORECASE)
_ORDER_PART = re.compile(r"^\s*(?:type of denial|expires):", re.IGNORECASE)
# Entity List cells separate addresses with "; and", "; " or a bare "and" after a country name.
_ADDRESS_SEPARATOR = re.compile(r"\s*;\s*(?:and\s+)?")
_AND = re.compile(r",?\s+and\s+")
_LEADING_AND = re.compile(r"^and\s+")


def aliases_from(names: Sequence[str]) -> tuple[str, ...]:
    """BIS writes alias lists as prose ("X; Y; and Z"), so the last one arrives as "and Z",
    and the eCFR-derived file cuts some after the semicolon instead ("M. Aziz; and", "HPSTAR;
    and"): the conjunction is list punctuation, never an alias of its own (it was one, "and",
    which every name with "and" in it reached)."""
    parts = split_names(";".join(n.strip() for n in names))
    return tuple(
        dict.fromkeys(
            alias
            for part in parts
            if (alias := _LEADING_AND.sub("", part).strip()) and alias.casefold() != "and"
        )
    )


# --- the eCFR-derived JSON ------------------------------------------------------------------


def split_addresses(text: str, country: str) -> tuple[Address, ...]:
    """One Address per address in an Entity List cell, the street text kept whole and the
    entry's country attached."""
    result: list[Address] = []
    for piece in _ADDRESS_SEPARATOR.split(text):
        start = 0
        for m in _AND.finditer(piece):
            before = piece[start : m.start()]
            if country_named(before.rpartition(",")[2]):
                result.append(Address(street=before.strip(" .,"), country=country))
                start = m.end()
        rest = piece[start:].strip(" .,")
        if rest:
            result.append(Address(street=rest, country=country))
    return tuple(result)


def _is_licence_text(notes: str) -> bool:
    return bool(re.search(r"\bEAR\b|\bCCL\b|\bitems?\b", notes, re.IGNORECASE))


def _text(value: Any, path: Path, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SourceError(path, None, where, f"expected text, got {type(value).__name__}")
    return value.strip()


# The schema is a contract: each field an entry is made from must be present (its value may be
# null). A renamed field would otherwise read as empty in every record: ``country`` renamed
# changes every entry id (ids hash the country), ``notes`` renamed drops every licence
# requirement. ``status`` is in the files but unused, so not required.
REQUIRED_FIELDS = (
    "name",
    "country",
    "address",
    "aliases",
    "notes",
    "effective_date",
    "federal_register",
)


def _entry(path: Path, lst: ListCode, index: int, raw: Any) -> Entry:
    where = f"entities[{index}]"
    if not isinstance(raw, dict):
        raise SourceError(path, None, where, "expected an object")
    missing = [name for name in REQUIRED_FIELDS if name not in raw]
    if missing:
        found = ", ".join(sorted(raw)) or "none"
        raise SourceError(
            path,
            None,
            f"{where}.{missing[0]}",
            f"required field {', '.join(repr(m) for m in missing)} missing (the record has: "
            f"{found}); the publisher may have renamed it",
        )
    remarks: list[str] = []
    name_text = _text(raw.get("name"), path, f"{where}.name")
    remarks.extend(m.group(0).strip(" .") for m in _SEE_ALTERNATE.finditer(name_text))
    name = " ".join(_SEE_ALTERNATE.sub("", name_text).split())
    if not name:
        raise SourceError(path, None, f"{where}.name", "empty name")
    printed_country = _text(raw.get("country"), path, f"{where}.country")
    country = country_code(printed_country)
    address_text = _text(raw.get("address"), path, f"{where}.address")
    remarks.extend(m.group(0).strip(" .") for m in _SEE_ALTERNATE.finditer(address_text))
    addresses = split_addresses(_SEE_ALTERNATE.sub("", address_text), country)
    aliases_raw = raw.get("aliases") or []
    if not isinstance(aliases_raw, list):
        raise SourceError(path, None, f"{where}.aliases", "expected a list")
    aliases = aliases_from([_text(a, path, f"{where}.aliases") for a in aliases_raw])

    notes = _text(raw.get("notes"), path, f"{where}.notes")
    licence = parse_licence("")
    # A country heading pycountry cannot name is kept as printed, not treated as a broken entry.
    details = {"printed_country": printed_country} if printed_country and not country else {}
    end: date | None = None
    if lst is ListCode.DPL and notes and all(_ORDER_PART.match(p) for p in notes.split(";")):
        end = _denial_order(path, f"{where}.notes", notes, details)
    elif notes and lst in (ListCode.EL, ListCode.MEU) and _is_licence_text(notes):
        licence = parse_licence(notes)
    elif notes:
        remarks.append(notes)

    effective = _text(raw.get("effective_date"), path, f"{where}.effective_date")
    try:
        start = date.fromisoformat(effective) if effective else None
    except ValueError as error:
        raise SourceError(
            path, None, f"{where}.effective_date", f"not a date: {effective!r}"
        ) from error

    if _ADDRESS_ONLY_NAME.match(name):
        entry_type = EntryType.ADDRESS_ONLY
    elif lst is ListCode.DPL:
        entry_type = dpl_entry_type(name, addresses)
    else:
        entry_type = EntryType.ENTITY
    return Entry(
        id="",
        list=lst,
        type=entry_type,
        name=name,
        aliases=tuple(a for a in aliases if a != name),
        addresses=addresses,
        countries=(country,) if country else (),
        licence=licence,
        citations=parse_citations(
            _text(raw.get("federal_register"), path, f"{where}.federal_register")
        ),
        start_date=start,
        end_date=end,
        remarks="; ".join(remarks),
        details=details,
    )


def _denial_order(path: Path, where: str, notes: str, details: dict[str, str]) -> date | None:
    """Read a DPL entry's order notes into ``details["standard_order"]`` (as the CSL and the BIS
    TSV spell it) and return the order's expiry date (None: the order names none)."""
    kind = _DENIAL_TYPE.search(notes)
    if kind:
        flag = standard_order_flag(kind.group("kind"))
        if not flag:
            raise SourceError(path, None, where, f"unknown type of denial {kind.group('kind')!r}")
        details["standard_order"] = flag
    expires = _EXPIRES.search(notes)
    if expires is None:
        return None
    text = expires.group("date").strip()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise SourceError(path, None, where, f"expiry not a date (YYYY-MM-DD): {text!r}") from error


def sniff(path: Path, head: bytes) -> bool:
    """The nsfreg extraction: a JSON object with ``list_id`` naming a BIS list and ``entities``."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return (
        text.startswith(b"{")
        and b'"entities"' in head
        and re.search(rb'"list_id"\s*:\s*"bis-', head) is not None
    )


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    data = read_json(path)
    if not isinstance(data, dict):
        raise SourceError(path, None, None, "expected a JSON object with list_id and entities")
    list_id = data.get("list_id")
    if list_id not in _LISTS:
        raise SourceError(path, None, "list_id", f"not a BIS list: {list_id!r}")
    lst = _LISTS[str(list_id)]
    extracted = data.get("extracted")
    try:
        as_of = date.fromisoformat(str(extracted))
    except ValueError as error:
        raise SourceError(path, None, "extracted", f"not a date: {extracted!r}") from error
    records = data.get("entities")
    if not isinstance(records, list):
        raise SourceError(path, None, "entities", "expected a list")
    entries: list[Entry] = []
    address_texts: list[str] = []
    bad_rows = BadRows(skip_bad_rows)
    for index, raw in enumerate(records):
        with bad_rows.guard():
            entries.append(_entry(path, lst, index, raw))
            address_texts.append(_SEE_ALTERNATE.sub("", str(raw.get("address") or "")).strip())
    entries = split_named_parties(entries, address_texts)
    return ParsedSource(
        format=FORMAT,
        paths=(path,),
        sha256=sha256_of([path]),
        as_of=as_of,
        entries=link_parents(assign_name_ids(entries)),
        problems=bad_rows.problems,
        lists=(lst,),
    )


__all__ = ["FORMAT", "aliases_from", "parse", "sniff", "split_addresses"]
