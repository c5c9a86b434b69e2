"""BIS lists as JSON derived from the eCFR text (the nsfreg extraction): Entity List, MEU, DPL.

Shape: ``{"list_id": "bis-entity-list", "extracted": "2026-07-09", "count": N, "entities": [{name,
aliases[], country, address, status, effective_date, federal_register, notes}]}``. ``notes`` holds
the License Requirement column for the Entity List (footnote digits included), the subordinate
institution remark for some MEU entries, and "Type of denial: ..." for the DPL.

This module also owns the identity of BIS (and State) list entries, ``assign_name_ids``: these lists
have no record number, so an entry is known by list, name and country, and the CSL loader calls the
same function so that an Entity List party read from the CSV in 2022 and from this JSON in 2026
keeps one id. It also holds the file-reading helpers the other BIS/CSL loaders share (transparent
gzip, errors that name the line).
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from io import BufferedIOBase
from pathlib import Path
from typing import Any, Final

from exportscreen.model import Address, Entry, EntryType, ListCode
from exportscreen.sources.common import (
    ParsedSource,
    RowProblem,
    SourceError,
    disambiguate,
    entry_id,
    parse_citations,
    sha256_of,
    split_names,
)
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
_DENIAL_TYPE = re.compile(r"^type of denial:\s*(?P<kind>.+)$", re.IGNORECASE)
# Entity List cells separate addresses with "; and", "; " or a bare "and" after a country name.
_ADDRESS_SEPARATOR = re.compile(r"\s*;\s*(?:and\s+)?")
_AND = re.compile(r",?\s+and\s+")
_LEADING_AND = re.compile(r"^and\s+")
_DECODE_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


# --- reading files ------------------------------------------------------------------------------


@contextmanager
def open_binary(path: Path) -> Iterator[BufferedIOBase]:
    """The file's bytes, gunzipped when it is gzip (by its magic number, not its name)."""
    try:
        with path.open("rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
        if gzipped:
            with gzip.open(path, "rb") as unzipped:
                yield unzipped
        else:
            with path.open("rb") as plain:
                yield plain
    except OSError as error:
        # gzip.BadGzipFile is an OSError too, but its callers report it with a line number.
        if isinstance(error, gzip.BadGzipFile):
            raise
        raise SourceError(path, None, None, f"cannot open: {error}") from error


def read_bytes(path: Path) -> bytes:
    with open_binary(path) as handle:
        try:
            return handle.read()
        except _DECODE_ERRORS as error:
            raise SourceError(
                path, None, None, f"truncated or corrupt gzip data: {error}"
            ) from error


def read_json(path: Path) -> Any:
    """The parsed document; undecodable bytes and JSON syntax errors name their line."""
    data = read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceError(path, line, None, f"invalid UTF-8 at byte {error.start}") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(path, error.lineno, None, f"invalid JSON: {error.msg}") from error


def read_lines(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """(line number, text, decoding problem) for each line, decoding line by line so that a bad
    byte is reported on its own line and the rest of the file still reads."""
    number = 0
    with open_binary(path) as handle:
        try:
            for number, raw in enumerate(handle, start=1):
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    yield number, raw.decode("utf-8"), None
                except UnicodeDecodeError as error:
                    problem = f"invalid UTF-8 at byte {error.start} of the line"
                    yield number, raw.decode("utf-8", errors="replace"), problem
        except _DECODE_ERRORS as error:
            raise SourceError(
                path, number + 1, None, f"truncated or corrupt gzip data: {error}"
            ) from error


def delimited_rows(
    path: Path, delimiter: str
) -> Iterator[tuple[int, list[str], tuple[int, None, str] | None]]:
    """(first line, fields, decoding problem as (line, field, message)) for each CSV/TSV row.

    The csv module runs in its lenient mode: a row cut short by a truncated file comes out with
    too few fields, which the caller reports (or skips) as that row's problem rather than losing
    the whole file to a csv.Error.
    """
    problems: dict[int, str] = {}

    def texts() -> Iterator[str]:
        for number, text, problem in read_lines(path):
            if problem:
                problems[number] = problem
            yield text

    reader = csv.reader(texts(), delimiter=delimiter, quotechar='"')
    start = 1
    try:
        for fields in reader:
            end = reader.line_num
            bad = next((n for n in range(start, end + 1) if n in problems), None)
            yield start, fields, (bad, None, problems[bad]) if bad is not None else None
            start = end + 1
    except csv.Error as error:
        raise SourceError(path, reader.line_num, None, f"malformed row: {error}") from error


# --- identity of BIS and State entries ------------------------------------------------------


def address_key(address: Address) -> str:
    """The first address as a disambiguation key: without its country, and without a trailing
    country name, because the CSV has "..., 222512, BY" where the eCFR has "..., 222512, Belarus."
    for the same address."""
    text = Address(address.street, address.city, address.state, address.postal_code).one_line()
    head, _, last = text.rstrip(". ").rpartition(",")
    return head if head and country_named(last) else text


# Since 2020 the Entity List prints Hong Kong and Macau parties under China, while the CSL gives
# each address's own country; keying both as CN keeps one id per party across formats and across
# that change of heading.
_IDENTITY_COUNTRY: Final = {"HK": "CN", "MO": "CN"}


def _identity_country(entry: Entry) -> str:
    first = entry.countries[0] if entry.countries else ""
    return _IDENTITY_COUNTRY.get(first, first)


def assign_name_ids(entries: Sequence[Entry]) -> list[Entry]:
    """Ids for entries of lists without record numbers: ``entry_id(list, name, first country)``
    (Hong Kong and Macau counted as China), then ``disambiguate`` on the first address where two
    entries share one."""
    named = [replace(e, id=entry_id(e.list, e.name, _identity_country(e))) for e in entries]
    extra = {
        f"{e.id}#{i}": address_key(e.addresses[0]) if e.addresses else ""
        for i, e in enumerate(named)
    }
    return disambiguate(named, extra)


def aliases_from(names: Sequence[str]) -> tuple[str, ...]:
    # BIS writes alias lists as prose ("X; Y; and Z"), so the last one arrives as "and Z".
    return split_names(";".join(_LEADING_AND.sub("", n.strip()) for n in names))


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


def _entry(path: Path, lst: ListCode, index: int, raw: Any) -> Entry:
    where = f"entities[{index}]"
    if not isinstance(raw, dict):
        raise SourceError(path, None, where, "expected an object")
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
    denial = _DENIAL_TYPE.match(notes)
    if denial:
        details["type_of_denial"] = denial.group("kind").strip()
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
        from exportscreen.sources.dpl_tsv import dpl_entry_type

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
        remarks="; ".join(remarks),
        details=details,
    )


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
    problems: list[RowProblem] = []
    for index, raw in enumerate(records):
        try:
            entries.append(_entry(path, lst, index, raw))
        except SourceError as error:
            if not skip_bad_rows:
                raise
            problems.append(RowProblem.from_error(error))
    return ParsedSource(
        format=FORMAT,
        paths=(path,),
        sha256=sha256_of([path]),
        as_of=as_of,
        entries=assign_name_ids(entries),
        problems=problems,
        lists=(lst,),
    )


__all__ = [
    "FORMAT",
    "address_key",
    "aliases_from",
    "assign_name_ids",
    "country_named",
    "delimited_rows",
    "open_binary",
    "parse",
    "read_json",
    "read_lines",
    "sniff",
    "split_addresses",
]
