"""The trade.gov Consolidated Screening List CSV (``consolidated.csv``), gzipped or not.

Two layouts are in circulation: 29 columns starting with ``_id`` (2020 on) and the older 28 without
it. The CSV flattens the JSON record: lists are joined with ``;``, each address is one string
("street, city, state, postal, CC" with empty parts left out), each identifier one string. This
module undoes that flattening into a ``CslRecord`` and lets ``csl_json.record_entry`` do the rest,
so the CSV and JSON of the same record give the same entry.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Final

import pycountry

from exportscreen.model import Address, Identifier
from exportscreen.sources.common import ParsedSource, SourceError, header_problem, split_names
from exportscreen.sources.csl_json import CslRecord, EntryCollector, identifier_notes
from exportscreen.sources.problems import BadRows
from exportscreen.sources.reading import delimited_rows
from exportscreen.text.countries import country_code, country_named

FORMAT: Final = "csl_csv"

COLUMNS: Final = (
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
)
LAYOUTS: Final = (COLUMNS, COLUMNS[1:])

# A postal code is the trailing part of an address that has a digit and no lower-case letter
# ("100033", "SW1A 1AA", "CH-8001"); "Room 1208" or "P.O. BOX 3000" are streets.
_POSTAL = re.compile(r"(?=[^,]*\d)[A-Z0-9][A-Z0-9 -]{1,10}")
_LEADING_AND = re.compile(r"^and\s+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]{2} \d{4}")


def _country_code_part(part: str) -> str:
    """The ISO code when an address or identifier part is a bare two-letter country code."""
    return country_code(part) if len(part) == 2 and part.isalpha() and part.isupper() else ""


@lru_cache(maxsize=1)
def _us_states() -> frozenset[str]:
    return frozenset(s.code[3:] for s in pycountry.subdivisions if s.country_code == "US")


def _is_us_state(part: str) -> bool:
    return part in _us_states()


# Cached: OFAC-derived rows repeat the same short addresses ("Moscow, RU", "SY") many times.
@lru_cache(maxsize=16384)
def parse_address(text: str) -> Address:
    """One CSV address string back into its fields, reading from the end.

    The CSV omits empty fields, so the parts are told apart by shape: a trailing two-letter code
    is the country; before it, a part that looks like a postal code; for US addresses a state
    code; then the city. When the text before the country code ends with that country's name
    ("..., Xian, China, CN", BIS's own wording), there is no separate city: the whole text is the
    street, as BIS printed it.
    """
    parts = [p for p in (p.strip() for p in _LEADING_AND.sub("", text.strip()).split(",")) if p]
    country = _country_code_part(parts[-1]) if parts else ""
    if country:
        parts.pop()
    elif parts and country_named(parts[-1]):
        # An address without a code but ending in a country name (a BIS cell split on ";").
        country = country_named(parts[-1])
        return Address(street=", ".join(parts), country=country)
    if parts and country and country_named(parts[-1]) == country:
        return Address(street=", ".join(parts), country=country)
    postal = state = city = ""
    if len(parts) > 1 and _POSTAL.fullmatch(parts[-1]):
        postal = parts.pop()
    if len(parts) > 1 and country in ("", "US") and _is_us_state(parts[-1]):
        state = parts.pop()
    if len(parts) > 1 or (parts and not any(c.isdigit() for c in parts[0])):
        city = parts.pop()
    return Address(
        street=", ".join(parts), city=city, state=state, postal_code=postal, country=country
    )


def parse_addresses(cell: str) -> tuple[Address, ...]:
    return tuple(parse_address(a) for a in cell.split(";") if a.strip())


class IdLayout(enum.Enum):
    """How a file writes one identifier. Up to 2022: "[CC, ][expiry, ][issued, ]number, type";
    from 2023: "type, number[, CC][, issued][, expiry]" (the JSON field order)."""

    TYPE_LAST = "type-last"
    TYPE_FIRST = "type-first"


def _is_meta(part: str) -> bool:
    return bool(_country_code_part(part)) or bool(_ISO_DATE.fullmatch(part))


def _item_layout(parts: list[str]) -> IdLayout | None:
    if len(parts) < 3:
        return None
    lead, trail = _is_meta(parts[0]), _is_meta(parts[-1])
    if lead and not trail:
        return IdLayout.TYPE_LAST
    if trail and not lead:
        return IdLayout.TYPE_FIRST
    return None


def id_layout(cells: Iterable[str]) -> IdLayout:
    """The layout a whole file uses, by vote of the identifiers that show it (those carrying a
    country code or a date at one end); two-part ones like "Male, Gender" cannot tell alone."""
    votes = {IdLayout.TYPE_LAST: 0, IdLayout.TYPE_FIRST: 0}
    for cell in cells:
        for item in cell.split(";"):
            layout = _item_layout([p.strip() for p in item.split(",")])
            if layout:
                votes[layout] += 1
    # Current trade.gov files are type-first; it is also the JSON's order.
    return (
        IdLayout.TYPE_LAST
        if votes[IdLayout.TYPE_LAST] > votes[IdLayout.TYPE_FIRST]
        else IdLayout.TYPE_FIRST
    )


def parse_identifier(item: str, layout: IdLayout) -> Identifier:
    parts = [p.strip() for p in item.split(",")]
    if len(parts) == 1:
        return Identifier(type="", value=parts[0])
    if layout is IdLayout.TYPE_LAST:
        id_type = parts.pop()
        country = _country_code_part(parts[0]) if len(parts) > 1 else ""
        if country:
            parts.pop(0)
        dates = []
        while len(parts) > 1 and _ISO_DATE.fullmatch(parts[0]):
            dates.append(parts.pop(0))
        if len(dates) == 2:
            # Checked on the May 2022 file: of two dates the first is always the later one.
            notes = identifier_notes(issued=dates[1], expires=dates[0])
        else:
            notes = ", ".join(dates)  # a lone date: the file does not say which one it is
        return Identifier(type=id_type, value=", ".join(parts), country=country, notes=notes)
    id_type = parts.pop(0)
    tail_dates: list[str] = []
    while len(parts) > 1 and _ISO_DATE.fullmatch(parts[-1]):
        tail_dates.insert(0, parts.pop())
    country = _country_code_part(parts[-1]) if len(parts) > 1 else ""
    if country:
        parts.pop()
    issued, expiry = [*tail_dates, "", ""][:2]
    return Identifier(
        type=id_type,
        value=", ".join(parts),
        country=country,
        notes=identifier_notes(issued, expiry),
    )


def parse_identifiers(cell: str, layout: IdLayout) -> tuple[Identifier, ...]:
    return tuple(parse_identifier(i, layout) for i in cell.split(";") if i.strip())


def record_from_row(path: Path, line: int, row: Mapping[str, str], layout: IdLayout) -> CslRecord:
    """The record for one row whose cells are already stripped."""
    return CslRecord(
        file=path,
        line=line,
        field_prefix="",
        scalars=row,
        alt_names=split_names(row["alt_names"]),
        addresses=parse_addresses(row["addresses"]),
        identifiers=parse_identifiers(row["ids"], layout),
        programs=split_names(row["programs"]),
        citizenships=split_names(row["citizenships"]),
        dates_of_birth=split_names(row["dates_of_birth"]),
        nationalities=split_names(row["nationalities"]),
        places_of_birth=split_names(row["places_of_birth"]),
    )


def _header(head: bytes) -> tuple[str, ...]:
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    return tuple(f.strip().strip('"') for f in first.rstrip("\r").split(","))


def sniff(path: Path, head: bytes) -> bool:
    """The first line is one of the two CSL headers."""
    return _header(head) in LAYOUTS


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    rows = delimited_rows(path, ",")
    first = next(rows, None)
    header = tuple(f.strip() for f in first[1]) if first else ()
    if header not in LAYOUTS:
        field, problem = header_problem(header, LAYOUTS)
        raise SourceError(
            path, 1, field or None, f"not a Consolidated Screening List header: {problem}"
        )
    collector = EntryCollector(BadRows(skip_bad_rows))
    # Held until the identifier layout is known: it can only be decided over the whole file.
    pending: list[tuple[int, dict[str, str]]] = []
    for line, fields, decode_problem in rows:
        try:
            if decode_problem:
                raise SourceError(path, *decode_problem)
            if len(fields) != len(header):
                raise SourceError(path, line, None, f"{len(fields)} fields, expected {len(header)}")
        except SourceError as error:
            collector.reject(error)
            continue
        row = dict(zip(header, map(str.strip, fields), strict=True))
        if row["source"] == "source" and tuple(row.values()) == header:
            continue  # the header repeated (line 2 of the November 2023 file)
        row.setdefault("_id", "")
        pending.append((line, row))
    layout = id_layout(row["ids"] for _, row in pending)
    for line, row in pending:
        collector.add(record_from_row(path, line, row, layout))
    return collector.result(FORMAT, path)


__all__ = [
    "COLUMNS",
    "FORMAT",
    "IdLayout",
    "id_layout",
    "parse",
    "parse_address",
    "parse_addresses",
    "parse_identifier",
    "sniff",
]
