"""The BIS Denied Persons List as BIS publishes it: tab-separated, every field quoted, one row per
person and address (a person with two addresses appears twice).

Columns: Name, Street_Address, City, State, Country, Postal_Code, Effective_Date (MM/DD/YYYY),
Expiration_Date, Standard_Order, Last_Update (YYYY-MM-DD), Action, FR_Citation. The file has no
publication date; the newest Last_Update stands in for it.

Each row is a denial order: its effective date is the entry's ``start_date``, its expiry the
``end_date`` (an order no longer prohibits after it), the FR citation its ``citations``, and
whether it is a standard order ``details["standard_order"]`` ("Y"; "N" for a non-standard order,
whose terms must be read).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Final

from exportscreen.model import Address, Entry, EntryType, ListCode
from exportscreen.sources.common import (
    ParsedSource,
    SourceError,
    header_problem,
    parse_citations,
    sha256_of,
)
from exportscreen.sources.name_ids import assign_name_ids
from exportscreen.sources.problems import BadRows
from exportscreen.sources.reading import delimited_rows
from exportscreen.text.countries import country_code

FORMAT: Final = "dpl_tsv"

COLUMNS: Final = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)

# Denial orders against people in prison give the prison as the address; that is the list telling
# us the party is a person. Anything else stays an entity: a wrong "individual" would make the
# matcher apply person-name rules to a company.
_INCARCERATED = re.compile(
    r"\bINMATE\b|\bUSM NO\b|\bREGISTER NUMBER\b|\bREG(?:ISTRATION)? NO\b|\bFCI\b|\bFMC\b"
    r"|\bCORRECTIONAL\b|\bPRISON\b|\bPENITENTIARY\b|\bINCARCERATED\b",
    re.IGNORECASE,
)


def dpl_entry_type(name: str, addresses: Sequence[Address]) -> EntryType:
    """INDIVIDUAL when a Denied Persons entry's address is a prison, else ENTITY (the DPL does not
    say which of its parties are people)."""
    del name  # names alone do not tell people from firms reliably enough to act on
    if any(_INCARCERATED.search(a.one_line()) for a in addresses):
        return EntryType.INDIVIDUAL
    return EntryType.ENTITY


# How the three DPL sources write an order's kind: the TSV's Standard_Order "Y"/"N" (once "y"), the
# CSL's standard_order "Y"/"N", the eCFR-derived JSON's "Type of denial: Standard" / "Non-Standard".
# Every loader stores the CSL's spelling in ``details["standard_order"]`` (the CSL API's field).
_ORDER_KINDS: Final = {
    "y": "Y",
    "yes": "Y",
    "standard": "Y",
    "n": "N",
    "no": "N",
    "non-standard": "N",
    "nonstandard": "N",
    "non standard": "N",
}
STANDARD: Final = "Y"
NON_STANDARD: Final = "N"


def standard_order_flag(text: str) -> str | None:
    """ "Y" for a standard denial order, "N" for a non-standard one (its terms differ: read the
    order), "" when the source leaves it blank, None for text that names neither."""
    cleaned = " ".join(text.split()).strip(" .").lower()
    if not cleaned:
        return ""
    return _ORDER_KINDS.get(cleaned)


def _us_date(value: str, path: Path, line: int, column: str) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%m/%d/%Y").date()
    except ValueError as error:
        raise SourceError(path, line, column, f"not a date (MM/DD/YYYY): {value!r}") from error


def _iso_date(value: str, path: Path, line: int, column: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise SourceError(path, line, column, f"not a date (YYYY-MM-DD): {value!r}") from error


def _entry(path: Path, line: int, row: dict[str, str]) -> tuple[Entry, date | None]:
    name = " ".join(row["Name"].split())
    if not name:
        raise SourceError(path, line, "Name", "empty name")
    printed_country = row["Country"]
    country = country_code(printed_country)
    address = Address(
        street=row["Street_Address"],
        city=row["City"],
        state=row["State"],
        postal_code=row["Postal_Code"],
        country=country,
    )
    addresses = (address,) if address.one_line() else ()
    order = standard_order_flag(row["Standard_Order"])
    if order is None:
        raise SourceError(
            path, line, "Standard_Order", f"expected Y or N, got {row['Standard_Order']!r}"
        )
    details = {
        key: value
        for key, value in (
            ("standard_order", order),
            ("last_update", row["Last_Update"]),
            # The file has a state code in the Country column at least once ("NM"); an
            # unrecognised country is kept as printed rather than failing a real file.
            ("printed_country", "" if country else printed_country),
        )
        if value
    }
    last_update = _iso_date(row["Last_Update"], path, line, "Last_Update")
    entry = Entry(
        id="",
        list=ListCode.DPL,
        type=dpl_entry_type(name, addresses),
        name=name,
        addresses=addresses,
        countries=(country,) if country else (),
        citations=parse_citations(row["FR_Citation"]),
        start_date=_us_date(row["Effective_Date"], path, line, "Effective_Date"),
        end_date=_us_date(row["Expiration_Date"], path, line, "Expiration_Date"),
        # The CSL prints this column as the DPL entry's remarks; doing the same keeps the two
        # sources' entries comparable.
        remarks=row["Action"],
        details=details,
    )
    return entry, last_update


def sniff(path: Path, head: bytes) -> bool:
    """The first line is the DPL header, tab-separated (quoted or not)."""
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    fields = [f.strip().strip('"') for f in first.rstrip("\r").split("\t")]
    return tuple(fields) == COLUMNS


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    rows = delimited_rows(path, "\t")
    header = next(rows, None)
    found = tuple(f.strip() for f in header[1]) if header is not None else ()
    if found != COLUMNS:
        field, problem = header_problem(found, [COLUMNS])
        raise SourceError(path, 1, field or None, f"not the Denied Persons header: {problem}")
    entries: list[Entry] = []
    bad_rows = BadRows(skip_bad_rows)
    newest: date | None = None
    for line, fields, decode_problem in rows:
        with bad_rows.guard():
            if decode_problem:
                raise SourceError(path, *decode_problem)
            if len(fields) != len(COLUMNS):
                raise SourceError(
                    path, line, None, f"{len(fields)} fields, expected {len(COLUMNS)}"
                )
            row = dict(zip(COLUMNS, (f.strip() for f in fields), strict=True))
            entry, last_update = _entry(path, line, row)
            entries.append(entry)
            # A Last_Update in the future is a typo ("3033-09-30" for 2022-09-30 in the November
            # 2023 file); letting it through would date the whole list a thousand years ahead.
            if last_update and last_update <= date.today():
                newest = last_update if newest is None else max(newest, last_update)
    return ParsedSource(
        format=FORMAT,
        paths=(path,),
        sha256=sha256_of([path]),
        as_of=newest,
        entries=assign_name_ids(entries),
        problems=bad_rows.problems,
        lists=(ListCode.DPL,),
    )


__all__ = [
    "COLUMNS",
    "FORMAT",
    "NON_STANDARD",
    "STANDARD",
    "dpl_entry_type",
    "parse",
    "sniff",
    "standard_order_flag",
]
