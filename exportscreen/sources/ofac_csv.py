"""OFAC's legacy CSV sets: ``sdn.csv`` (the SDN list) and ``cons_prim.csv`` (the non-SDN lists).

Each set is four headerless files published together: the primary records, their addresses
(``add.csv`` / ``cons_add.csv``), their alternate names (``alt.csv`` / ``cons_alt.csv``) and the
overflow of remarks too long for one cell (``sdn_comments.csv`` / ``cons_comments.csv``). Every
file keys its rows by ``ent_num``, OFAC's permanent number for the party, which is also what the
Consolidated Screening List and OFAC's enhanced XML call the entity, so ids are
``<LIST>-<ent_num>`` in all three formats.

The files are CRLF text in UTF-8, every text field quoted, ``-0-`` (often ``-0- ``) for an empty
field, and a DOS end-of-file byte (0x1A) after the last record. Much of the content sits in the
free-text Remarks field (dates of birth, passports, a.k.a. names...), which is read into the
Entry's fields here while the raw text is kept in ``remarks``.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from exportscreen.model import Address, Entry, EntryType, Identifier, ListCode
from exportscreen.sources.common import (
    ParsedSource,
    SourceError,
    sha256_of,
)
from exportscreen.sources.ofac_layout import LAYOUTS, Column, check_layout, value_of
from exportscreen.sources.problems import BadRows
from exportscreen.text.countries import country_code

FORMAT = "ofac_csv"

# --- the files of a set ----------------------------------------------------------------------

_PRIMARY_SET = {"sdn": "sdn", "cons_prim": "cons"}
# companion stem -> (set, role)
_COMPANION_SET = {
    "add": ("sdn", "addresses"),
    "alt": ("sdn", "aliases"),
    "sdn_comments": ("sdn", "comments"),
    "cons_add": ("cons", "addresses"),
    "cons_alt": ("cons", "aliases"),
    "cons_comments": ("cons", "comments"),
}
_COMPANION_STEM = {(s, role): stem for stem, (s, role) in _COMPANION_SET.items()}


# The SDN list is one list; the consolidated (non-SDN) file is the complete publication of these.
_SET_LISTS: Mapping[str, tuple[ListCode, ...]] = {
    "sdn": (ListCode.SDN,),
    "cons": (
        ListCode.SSI,
        ListCode.FSE,
        ListCode.PLC,
        ListCode.CAP,
        ListCode.CMIC,
        ListCode.MBS,
    ),
}


def _stem(path: Path) -> str | None:
    """``sdn`` for ``SDN.CSV.GZ``; None when the name is not ``<stem>.csv[.gz]``."""
    name = path.name.lower()
    name = name.removesuffix(".gz")
    if not name.endswith(".csv"):
        return None
    return name.removesuffix(".csv")


def sniff(path: Path, head: bytes) -> bool:
    """OFAC's primary files are recognised by name alone: they have no header to recognise."""
    return _stem(path) in _PRIMARY_SET


def companion(path: Path) -> bool:
    """Whether the file is an address, alias or comments file of an OFAC set."""
    return _stem(path) in _COMPANION_SET


def companion_of(path: Path) -> tuple[Path, str]:
    """The set a primary or companion file belongs to: (its directory, "sdn" or "cons")."""
    stem = _stem(path)
    if stem in _PRIMARY_SET:
        return path.parent, _PRIMARY_SET[stem]
    if stem in _COMPANION_SET:
        return path.parent, _COMPANION_SET[stem][0]
    raise ValueError(f"{path} is not a file of an OFAC CSV set")


def _companion_path(primary: Path, role: str) -> Path | None:
    """The companion beside ``primary``: same folder, same compression, any letter case."""
    set_name = _PRIMARY_SET[_stem(primary) or ""]
    wanted = _COMPANION_STEM[(set_name, role)] + ".csv"
    if primary.name.lower().endswith(".gz"):
        wanted += ".gz"
    for candidate in sorted(primary.parent.iterdir()):
        if candidate.name.lower() == wanted and candidate.is_file():
            return candidate
    return None


# --- reading records -------------------------------------------------------------------------

_value = value_of


def _read_bytes(path: Path) -> bytes:
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        # A truncated gzip stream ends in EOFError; a damaged one in BadGzipFile (an OSError).
        raise SourceError(path, None, None, f"cannot read file: {error}") from error


def _records(
    path: Path, layout: tuple[Column, ...], problems: BadRows
) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, its cleaned fields) for every well-formed record, once the
    file as a whole has OFAC's layout (``ofac_layout.check_layout``: a file that does not is refused
    outright, even when skipping bad rows, since every row of it would be bad the same way)."""
    columns = tuple(c.name for c in layout)
    data = _read_bytes(path).rstrip(b"\x1a\r\n")
    # Undecodable bytes become lone surrogates, so that the rows holding them can be reported
    # (or skipped) one by one with their line and field.
    text = data.decode("utf-8", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    read: list[tuple[int, list[str] | csv.Error]] = []
    line = 1
    while True:
        start = line
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            read.append((start, error))
        else:
            if any(cell.strip() for cell in row):
                read.append((start, row))
        line = reader.line_num + 1
    check_layout(path, layout, [row for _, row in read if isinstance(row, list)])
    for start, item in read:
        if isinstance(item, csv.Error):
            problems.report(SourceError(path, start, None, f"malformed CSV: {item}"))
            continue
        row = item
        if len(row) != len(columns):
            problems.report(
                SourceError(path, start, None, f"expected {len(columns)} fields, found {len(row)}")
            )
            continue
        undecodable = [
            name for name, cell in zip(columns, row, strict=True) if _has_surrogate(cell)
        ]
        if undecodable:
            problems.report(SourceError(path, start, undecodable[0], "bytes that are not UTF-8"))
            continue
        ent_num = row[0].strip()
        if not ent_num.isdigit():
            problems.report(
                SourceError(path, start, "ent_num", f"not an entity number: {ent_num!r}")
            )
            continue
        yield start, [ent_num, *(_value(cell) for cell in row[1:])]


def _has_surrogate(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


# --- the Remarks field -----------------------------------------------------------------------

# Identifier types as OFAC prints them in remarks (its "ID DOCUMENT TYPE" reference values and the
# identifying features of the enhanced XML). Matched longest first so that "National ID No." is not
# read as "National" plus a number.
_IDENTIFIER_TYPES = (
    "Afghan Money Service Provider License Number",
    "Aircraft Construction Number (also called L/N or S/N or F/N)",
    "Aircraft Manufacturer's Serial Number (MSN)",
    "Aircraft Serial Identification",
    "Aircraft Tail Number",
    "BIK (RU)",
    "Birth Certificate Number",
    "Bosnian Personal ID No.",
    "Branch Unit Number",
    "British National Overseas Passport",
    "Business Number",
    "Business Registration Document #",
    "Business Registration Number",
    "C.I.F.",
    "C.I.N.",
    "C.R. No.",
    "C.U.I.",
    "C.U.I.P.",
    "C.U.I.T.",
    "C.U.R.P.",
    "CNP (Personal Numerical Code)",
    "Cartilla de Servicio Militar Nacional",
    "Cedula No.",
    "Central Registration System Number",
    "Certificate of Incorporation Number",
    "Chamber of Commerce Number",
    "Chinese Commercial Code",
    "Citizen's Card Number",
    "Commercial Registry Number",
    "Company Number",
    "Credencial electoral",
    "D-U-N-S Number",
    "D.N.I.",
    "Digital Currency Address - [A-Z0-9]+",
    "Diplomatic Passport",
    "Driver's License No.",
    "Dubai Chamber of Commerce Membership No.",
    "Economic Register Number (CBLS)",
    "Electoral Registry No.",
    "Email Address",
    "Enterprise Number",
    "Equity Ticker",
    "Fax No.",
    "Fax",
    "File Number",
    "Fiscal Code",
    "Folio Mercantil No.",
    "Global Intermediary Identification Number",
    "Government Gazette Number",
    "I.F.E.",
    "ISIN",
    "Identification Number",
    "Immigration No.",
    "Istanbul Chamber of Comm. No.",
    "Italian Fiscal Code",
    "Kenyan ID No.",
    "LE Number",
    "Legal Entity Number",
    "License",
    "MMSI",
    "MSB Registration Number",
    "Matricula Mercantil No",
    "Military Registration Number",
    "Moroccan Personal ID No.",
    "N.I.E.",
    "N.I.F.",
    "NIT #",
    "National Foreign ID Number",
    "National ID No.",
    "Numero Unico de Identificacao Tributaria (NUIT)",
    "Numero de Identidad",
    "Organization Code",
    "Paraguayan tax identification number",
    "Passport",
    "Permit Number",
    "Personal ID Card",
    "Phone Number",
    "Pilot License Number",
    "Public Registration Number",
    "Public Security and Immigration No.",
    "R.F.C.",
    "RFC",
    "RIF #",
    "RSIN",
    "RTN",
    "RUC #",
    "Refugee ID Card",
    "Registered Charity No.",
    "Registration Certificate Number (Dubai)",
    "Registration ID",
    "Registration Number",
    "Residency Number",
    "Romanian C.R.",
    "Romanian Permanent Resident",
    "Romanian Tax Registration",
    "Russian State Individual Business Registration Number Pattern (OGRNIP)",
    "SRE Permit No.",
    "SSN",
    "SWIFT/BIC",
    "Seafarer's Identification Document",
    "Serial No.",
    "Stateless Person ID Card",
    "Stateless Person Passport",
    "Tax ID No.",
    "Tazkira National ID Card",
    "Telephone No.",
    "Telephone",
    "Tourism License No.",
    "Trade License No.",
    "Trademark number",
    "Travel Document Number",
    "Turkish Identification Number",
    "UAE Identification",
    "UK Company Number",
    "US FEIN",
    "Unified Social Credit Code (USCC)",
    "United Social Credit Code Certificate (USCCC)",
    "V.A.T. Number",
    "VisaNumberID",
    "Website",
)
_IDENTIFIER = re.compile(
    r"^(?P<type>"
    + "|".join(
        t if t.startswith("Digital Currency") else re.escape(t)
        for t in sorted(_IDENTIFIER_TYPES, key=len, reverse=True)
    )
    + r")\s+(?P<rest>.+)$"
)
# What follows the type: the number, the issuing country in brackets, then issue/expiry notes.
_IDENTIFIER_REST = re.compile(
    r"^(?P<value>.+?)(?:\s+\((?P<issuer>[^()]*)\))?(?P<notes>\s+(?:issued|expires)\b.*)?$"
)
# OFAC writes a vessel's IMO number as a registration identification.
_IMO = re.compile(r"^Vessel Registration Identification\s+IMO\s+(?P<value>\d{7})\b")
_ALIAS = re.compile(r"""^(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*['"‘’](?P<name>.+)['"‘’]$""")
_FACT = re.compile(r"^(?P<key>DOB|POB|nationality|citizen|Gender)\s+(?P<value>.+)$")


# Country spellings OFAC uses that ISO and pycountry do not know.
def ofac_date(text: str) -> str:
    """A date as OFAC prints it, in ISO form when it is a whole date or a month ("28 Jul 1963"
    -> "1963-07-28", "Jul 1963" -> "1963-07"); other forms ("circa 1951", "1960 to 1962", "1962")
    as printed."""
    text = " ".join(text.split())
    for pattern, iso in (("%d %b %Y", "%Y-%m-%d"), ("%b %Y", "%Y-%m")):
        try:
            return datetime.strptime(text, pattern).strftime(iso)
        except ValueError:
            continue
    return text


@dataclass(slots=True)
class RemarkFacts:
    """What the Remarks field says in a structured way."""

    aliases: list[str] = field(default_factory=list)
    dates_of_birth: list[str] = field(default_factory=list)
    places_of_birth: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    citizenships: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    gender: str = ""


def _identifier(kind: str, rest: str) -> Identifier:
    m = _IDENTIFIER_REST.match(rest)
    if m is None:  # the pattern matches any non-empty text; kept for the type checker
        return Identifier(type=kind, value=rest)
    issuer = m.group("issuer") or ""
    country = country_code(issuer) if issuer else ""
    notes = (m.group("notes") or "").strip()
    if issuer and not country:  # a bracket that names no country belongs to the number
        return Identifier(type=kind, value=f"{m.group('value')} ({issuer})", notes=notes)
    return Identifier(type=kind, value=m.group("value"), country=country, notes=notes)


def parse_remarks(remarks: str) -> RemarkFacts:
    """Read the items of a Remarks field ("DOB 28 Jul 1963; POB Toledo District, Belize;
    Passport P0017003 (Belize); a.k.a. 'BURTON BURGESS'.")."""
    facts = RemarkFacts()
    text = remarks.strip()
    text = text.removesuffix(".")
    for raw_item in re.split(r";\s+", text):
        item = raw_item.strip().removeprefix("alt. ").strip()
        if not item:
            continue
        if m := _ALIAS.match(item):
            facts.aliases.append(m.group("name").strip())
        elif m := _FACT.match(item):
            key, value = m.group("key"), m.group("value").strip()
            if key == "DOB":
                facts.dates_of_birth.append(ofac_date(value))
            elif key == "POB":
                facts.places_of_birth.append(value)
            elif key == "Gender":
                facts.gender = value
            else:
                # ISO code where OFAC's wording names a country; the words otherwise, so that a
                # nationality such as "Palestinian" is not lost.
                target = facts.nationalities if key == "nationality" else facts.citizenships
                target.append(country_code(value) or value)
        elif m := _IMO.match(item):
            facts.identifiers.append(Identifier(type="IMO", value=m.group("value")))
        elif m := _IDENTIFIER.match(item):
            facts.identifiers.append(_identifier(m.group("type"), m.group("rest")))
    return facts


# --- City/State/Postal -----------------------------------------------------------------------


def split_city(text: str) -> tuple[str, str, str]:
    """(city, state, postal code) from OFAC's one City/State/Postal cell: "Guadalajara, Jalisco
    44660", "London EC2R 7HD", "Presidio, TX", "Tehran". The postal code is the trailing run of
    words holding a digit; a comma separates the city from the state or province."""
    words = text.split()
    postal: list[str] = []
    while words and any(ch.isdigit() for ch in words[-1]) and len(words) > 1:
        postal.insert(0, words.pop())
    rest = " ".join(words).rstrip(",")
    city, _, state = rest.partition(",")
    return city.strip(), state.strip(), " ".join(postal)


# --- which list a record of the consolidated file is on ------------------------------------

# Programs that name a non-SDN list outright (checked against the lists OFAC's enhanced XML gives
# for the same entities, and against the CSL's per-list rows).
_PROGRAM_LIST = {
    "UKRAINE-EO13662": ListCode.SSI,  # the SSI directives under EO 13662
    "NS-PLC": ListCode.PLC,
    "561-Related": ListCode.CAP,  # CAPTA: 31 CFR 561.201 correspondent-account restrictions
    "NS-MBS": ListCode.MBS,
    "MBS": ListCode.MBS,
}
_PROGRAM_PREFIX_LIST = (("FSE-", ListCode.FSE), ("CMIC-", ListCode.CMIC))
# Programs under which OFAC imposes menu-based (non-blocking) sanctions. On their own in the
# consolidated file they put a record on the MBS list. Beside a program above they usually mean
# the party is also blocked (on the SDN list, which this file does not publish), so they add no
# list then. The legacy CSV cannot tell the few records that are on both SSI and MBS (the XML
# can): those come out as SSI only.
_MENU_BASED_PROGRAMS = {
    "RUSSIA-EO14024",
    "CAATSA - RUSSIA",
    "BURMA-EO14014",
    "ILLICIT-DRUGS-EO14059",
}


def cons_lists(programs: tuple[str, ...]) -> tuple[ListCode, ...]:
    """The non-SDN lists a consolidated-file record is on, from its programs; () if none fits."""
    found: dict[ListCode, None] = {}
    for program in programs:
        if program in _PROGRAM_LIST:
            found.setdefault(_PROGRAM_LIST[program], None)
        for prefix, lst in _PROGRAM_PREFIX_LIST:
            if program.startswith(prefix):
                found.setdefault(lst, None)
    if not found and any(p in _MENU_BASED_PROGRAMS for p in programs):
        found[ListCode.MBS] = None
    return tuple(found)


def split_programs(cell: str) -> tuple[str, ...]:
    """OFAC joins a record's programs as "SDGT] [IFSR" (the outer brackets are implied)."""
    parts = (p.strip().strip("[]").strip() for p in cell.split("] ["))
    return tuple(dict.fromkeys(p for p in parts if p))


# --- building entries ------------------------------------------------------------------------

_ISO_CODE = re.compile(r"^[A-Z]{2}$")
_TYPES = {
    "": EntryType.ENTITY,
    "individual": EntryType.INDIVIDUAL,
    "vessel": EntryType.VESSEL,
    "aircraft": EntryType.AIRCRAFT,
}
_VESSEL_DETAILS = (
    (5, "call_sign"),
    (6, "vessel_type"),
    (7, "gross_tonnage"),
    (8, "gross_registered_tonnage"),
    (9, "vessel_flag"),
    (10, "vessel_owner"),
)


@dataclass(slots=True)
class _Record:
    line: int
    fields: list[str]
    entry_type: EntryType
    programs: tuple[str, ...]
    lists: tuple[ListCode, ...]
    addresses: list[Address] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def _primary_record(path: Path, line: int, fields: list[str], set_name: str) -> _Record:
    if not fields[1]:
        raise SourceError(path, line, "SDN_Name", "empty name")
    kind = fields[2].lower()
    if kind not in _TYPES:
        raise SourceError(path, line, "SDN_Type", f"unknown type {fields[2]!r}")
    programs = split_programs(fields[3])
    if set_name == "sdn":
        lists: tuple[ListCode, ...] = (ListCode.SDN,)
    else:
        lists = cons_lists(programs)
        if not lists:
            raise SourceError(
                path,
                line,
                "Program",
                f"no non-SDN list known for program(s) {', '.join(programs) or '(none)'}",
            )
    return _Record(line, fields, _TYPES[kind], programs, lists)


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _entries(record: _Record) -> list[Entry]:
    f = record.fields
    # The comments file continues the Remarks cell where it was cut, mid-word if need be.
    remarks = f[11] + "".join(record.comments)
    facts = parse_remarks(remarks)
    # alt.csv holds OFAC's own alternate names; the a.k.a. names in Remarks are the ones OFAC
    # marks weak ("low quality"). Both are kept: a weak alias still identifies the party, and is
    # marked weak (unless alt.csv gives the same name) so that the matcher counts it less.
    aliases = _unique([*record.aliases, *facts.aliases])
    strong = set(record.aliases) | {f[1]}
    weak = tuple(a for a in _unique(facts.aliases) if a not in strong)
    countries = _unique(
        [a.country for a in record.addresses]
        + [c for c in facts.nationalities + facts.citizenships if _ISO_CODE.match(c)]
    )
    details = {key: f[index] for index, key in _VESSEL_DETAILS if f[index]}
    if facts.gender:
        details["gender"] = facts.gender
    return [
        Entry(
            id=f"{lst.value}-{f[0]}",
            list=lst,
            type=record.entry_type,
            name=f[1],
            source_id=f[0],
            aliases=tuple(a for a in aliases if a != f[1]),
            addresses=tuple(dict.fromkeys(record.addresses)),
            countries=countries,
            identifiers=tuple(dict.fromkeys(facts.identifiers)),
            programs=record.programs,
            remarks=remarks,
            title=f[4],
            dates_of_birth=_unique(facts.dates_of_birth),
            places_of_birth=_unique(facts.places_of_birth),
            nationalities=_unique(facts.nationalities),
            citizenships=_unique(facts.citizenships),
            details=details,
            weak_aliases=weak,
        )
        for lst in record.lists
    ]


def _attach(record: _Record, role: str, fields: list[str]) -> None:
    if role == "addresses":
        street, city_cell, country = fields[2], fields[3], fields[4]
        if not (street or city_cell or country):
            return
        city, state, postal = split_city(city_cell)
        record.addresses.append(
            Address(
                street=street,
                city=city,
                state=state,
                postal_code=postal,
                country=country_code(country) if country else "",
            )
        )
    elif role == "aliases":
        if fields[3]:
            record.aliases.append(fields[3])
    else:
        record.comments.append(fields[1])


# --- the whole set ---------------------------------------------------------------------------


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    """An OFAC CSV set from its primary file (``sdn.csv`` or ``cons_prim.csv``, gzipped or not),
    reading its companions from the same folder."""
    stem = _stem(path)
    if stem not in _PRIMARY_SET:
        raise SourceError(path, None, None, "not an OFAC primary file (sdn.csv or cons_prim.csv)")
    set_name = _PRIMARY_SET[stem]
    problems = BadRows(skip_bad_rows)

    records: dict[str, _Record] = {}
    skipped: set[str] = set()
    for line, fields in _records(path, LAYOUTS["primary"], problems):
        if fields[0] in records:
            problems.report(
                SourceError(
                    path,
                    line,
                    "ent_num",
                    f"ent_num {fields[0]} already used on line {records[fields[0]].line}",
                )
            )
            continue
        try:
            records[fields[0]] = _primary_record(path, line, fields, set_name)
        except SourceError as error:
            skipped.add(fields[0])
            problems.report(error)

    paths = [path]
    for role in ("addresses", "aliases", "comments"):
        other = _companion_path(path, role)
        expected = _COMPANION_STEM[(set_name, role)]
        if other is None:
            problems.report(
                SourceError(
                    path,
                    None,
                    None,
                    f"{expected}.csv is missing beside it: OFAC publishes them together",
                )
            )
            continue
        paths.append(other)
        for line, fields in _records(other, LAYOUTS[role], problems):
            record = records.get(fields[0])
            if record is None:
                reason = (
                    "belongs to a record that was skipped"
                    if fields[0] in skipped
                    else f"has no record in {path.name}"
                )
                problems.report(
                    SourceError(other, line, "ent_num", f"ent_num {fields[0]} {reason}")
                )
                continue
            _attach(record, role, fields)

    entries = [entry for record in records.values() for entry in _entries(record)]
    return ParsedSource(
        format=FORMAT,
        paths=tuple(paths),
        sha256=sha256_of(paths),
        as_of=None,  # the legacy CSVs carry no date; the caller supplies one
        entries=entries,
        problems=problems.problems,
        lists=_SET_LISTS[set_name],
    )


__all__ = [
    "FORMAT",
    "RemarkFacts",
    "companion",
    "companion_of",
    "cons_lists",
    "ofac_date",
    "parse",
    "parse_remarks",
    "sniff",
    "split_city",
    "split_programs",
]
