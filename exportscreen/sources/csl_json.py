"""The trade.gov Consolidated Screening List as JSON (the API's search results or a JSON download),
and the CSL record -> Entry mapping that the CSV loader shares.

A record reaches ``record_entry`` in a format-neutral shape (``CslRecord``): the CSV loader
unflattens its ``;``-joined cells into it, this module reads JSON objects into it, and from there
both formats produce identical entries. Identity follows the publisher: OFAC-numbered lists keep
OFAC's ``ent_num`` (``SDN-12345``, the id the OFAC loaders give the same party); BIS and State lists
have no stable number, so their ids come from name and country (``bis_json.assign_name_ids``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Final

from exportscreen.lists import LISTS
from exportscreen.model import Address, Entry, EntryType, Identifier, ListCode
from exportscreen.sources.bis_json import aliases_from
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
from exportscreen.sources.subparties import link_parents, named_parties
from exportscreen.sources.terms import parse_licence, parse_review
from exportscreen.text.countries import country_code

FORMAT: Final = "csl_json"

# The `source` column spells each list out in full; the code in parentheses is the CSL code except
# for the menu-based sanctions list ("NS-MBS List"). Both are declared in lists.yaml.
SOURCE_LISTS: Final[Mapping[str, ListCode]] = {
    facts.csl.source: code for code, facts in LISTS.items()
}
_CODE_IN_SOURCE = re.compile(r"\((?P<code>[A-Z][A-Z-]+)(?: List)?\)")
_CODE_ALIASES: Final[Mapping[str, ListCode]] = {
    other: code for code, facts in LISTS.items() for other in facts.csl.other_codes
}

# Lists whose `entity_number` is OFAC's ent_num: ids from it are shared with the OFAC loaders.
OFAC_NUMBERED: Final = frozenset(code for code, facts in LISTS.items() if facts.csl.ofac_numbered)

_TYPES: Final = {
    "individual": EntryType.INDIVIDUAL,
    "entity": EntryType.ENTITY,
    "vessel": EntryType.VESSEL,
    "aircraft": EntryType.AIRCRAFT,
}

# Columns kept in Entry.details, under the CSL's own names.
DETAIL_FIELDS: Final = (
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "standard_order",
    "source_information_url",
)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def list_for_source(source: str) -> ListCode | None:
    """The list a `source` cell names: the full name the CSL prints, or a bare code."""
    text = " ".join(source.split())
    if text in SOURCE_LISTS:
        return SOURCE_LISTS[text]
    m = _CODE_IN_SOURCE.search(text)
    code = m.group("code") if m else text.upper()
    if code in _CODE_ALIASES:
        return _CODE_ALIASES[code]
    try:
        return ListCode(code)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class CslRecord:
    """One CSL record, whichever format it came from.

    ``line`` and ``field_prefix`` say where it sits in its file so that errors can point at it
    (``line`` for CSV rows; ``field_prefix`` such as ``results[12].`` for JSON records).
    """

    file: Path
    line: int | None
    field_prefix: str
    scalars: Mapping[str, str]
    alt_names: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    programs: tuple[str, ...] = ()
    citizenships: tuple[str, ...] = ()
    dates_of_birth: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    places_of_birth: tuple[str, ...] = ()

    def get(self, name: str) -> str:
        return self.scalars.get(name, "")

    def error(self, name: str | None, message: str) -> SourceError:
        where = f"{self.field_prefix}{name}" if name else (self.field_prefix.rstrip(".") or None)
        return SourceError(self.file, self.line, where, message)


def _date(record: CslRecord, name: str) -> date | None:
    text = record.get(name)
    if not text:
        return None
    if not _ISO_DATE.fullmatch(text):
        raise record.error(name, f"not a date (YYYY-MM-DD): {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise record.error(name, f"not a date: {text!r} ({error})") from error


def record_entry(record: CslRecord) -> Entry:
    """The Entry for one CSL record. Its id is provisional for BIS and State lists until
    ``assign_ids`` has seen the whole file."""
    lst = list_for_source(record.get("source"))
    if lst is None:
        raise record.error("source", f"unknown list {record.get('source')!r}")
    name = " ".join(record.get("name").split())
    if not name:
        raise record.error("name", "empty name")
    type_text = record.get("type").strip().lower()
    if type_text and type_text not in _TYPES:
        raise record.error("type", f"unknown entry type {record.get('type')!r}")
    entry_type = _TYPES.get(type_text, EntryType.ENTITY)
    if lst is ListCode.DPL and entry_type is EntryType.ENTITY:
        entry_type = dpl_entry_type(name, record.addresses)
    number = record.get("entity_number")
    if lst in OFAC_NUMBERED:
        if not number.isdigit():
            raise record.error("entity_number", f"OFAC entity number expected, got {number!r}")
        entry_id = f"{lst.value}-{int(number)}"
    else:
        entry_id = ""  # given by assign_ids
    countries = tuple(dict.fromkeys(a.country for a in record.addresses if a.country))
    details = {k: record.get(k) for k in DETAIL_FIELDS if record.get(k)}
    if "standard_order" in details:
        # "Y", "N", once "y": spelt as the BIS TSV and JSON loaders spell it; other text is kept.
        details["standard_order"] = (
            standard_order_flag(details["standard_order"]) or details["standard_order"]
        )
    return Entry(
        id=entry_id,
        list=lst,
        type=entry_type,
        name=name,
        source_id=record.get("_id") or number,
        aliases=tuple(a for a in aliases_from(record.alt_names) if a != name),
        addresses=record.addresses,
        countries=countries,
        identifiers=record.identifiers,
        programs=record.programs,
        licence=parse_licence(record.get("license_requirement")),
        review=parse_review(record.get("license_policy")),
        citations=parse_citations(record.get("federal_register_notice")),
        start_date=_date(record, "start_date"),
        end_date=_date(record, "end_date"),
        remarks=record.get("remarks"),
        source_url=record.get("source_list_url"),
        title=record.get("title"),
        dates_of_birth=record.dates_of_birth,
        places_of_birth=record.places_of_birth,
        nationalities=record.nationalities,
        citizenships=record.citizenships,
        details=details,
    )


def assign_ids(entries: list[Entry]) -> list[Entry]:
    """Final ids for a file's entries, in file order.

    OFAC-numbered entries already carry ``<LIST>-<ent_num>``; the CSL has been seen repeating a
    record verbatim (CAP 15268 twice in May 2022), and a repeat is numbered ``-2``, ``-3`` so that
    both rows stay visible without touching the first one's id. Other lists get name ids, after
    the parties named inside their entries are made records of their own (``subparties``),
    each placed after the entry that names it.
    """
    groups = [named_parties(e) for e in entries if e.list not in OFAC_NUMBERED]
    named = iter(link_parents(assign_name_ids([e for group in groups for e in group])))
    sizes = iter(len(group) for group in groups)
    seen: dict[str, int] = {}
    result: list[Entry] = []
    for entry in entries:
        if entry.list not in OFAC_NUMBERED:
            result.extend(next(named) for _ in range(next(sizes)))
            continue
        n = seen.get(entry.id, 0) + 1
        seen[entry.id] = n
        result.append(entry if n == 1 else replace(entry, id=f"{entry.id}-{n}"))
    return result


def latest_start(entries: Sequence[Entry]) -> date | None:
    """The CSL carries no publication date; the newest start_date is the best lower bound on how
    current the file is ("data at least this new")."""
    return max((e.start_date for e in entries if e.start_date), default=None)


@dataclass(slots=True)
class EntryCollector:
    """Turns records into entries; a bad one goes to ``bad_rows``."""

    bad_rows: BadRows
    entries: list[Entry] = field(default_factory=list)

    def add(self, record: CslRecord) -> None:
        with self.bad_rows.guard():
            self.entries.append(record_entry(record))

    def reject(self, error: SourceError) -> None:
        self.bad_rows.report(error)

    def result(self, fmt: str, path: Path) -> ParsedSource:
        entries = assign_ids(self.entries)
        return ParsedSource(
            format=fmt,
            paths=(path,),
            sha256=sha256_of([path]),
            as_of=latest_start(entries),
            entries=entries,
            problems=self.bad_rows.problems,
            lists=tuple(lst for lst in ListCode if any(e.list is lst for e in entries)),
        )


# --- JSON -------------------------------------------------------------------------------------

_SCALAR_FIELDS: Final = (
    "_id",
    "source",
    "entity_number",
    "type",
    "name",
    "title",
    "federal_register_notice",
    "start_date",
    "end_date",
    "license_requirement",
    "license_policy",
    "remarks",
    "source_list_url",
    *DETAIL_FIELDS,
)
_LIST_FIELDS: Final = (
    "alt_names",
    "programs",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
)


def _text(value: Any, record: CslRecord, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise record.error(name, f"expected text, got {type(value).__name__}")


def _texts(value: Any, record: CslRecord, name: str) -> tuple[str, ...]:
    # The API gives lists; older dumps give the CSV's ";"-joined strings. Accept both.
    if value is None:
        return ()
    if isinstance(value, str):
        return split_names(value)
    if isinstance(value, list):
        return split_names(";".join(_text(v, record, name) for v in value))
    raise record.error(name, f"expected a list or text, got {type(value).__name__}")


def _object(value: Any, record: CslRecord, name: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise record.error(name, f"expected an object, got {type(value).__name__}")
    return value


def identifier_notes(issued: str, expires: str) -> str:
    """An identifier's dates as one note, the same whichever format carried them."""
    parts = []
    if issued:
        parts.append(f"issued {issued}")
    if expires:
        parts.append(f"expires {expires}")
    return "; ".join(parts)


def _json_record(path: Path, index: int, raw: Any) -> CslRecord:
    shell = CslRecord(path, None, f"results[{index}].", {})
    obj = _object(raw, shell, "")
    scalars = {name: _text(obj.get(name), shell, name) for name in _SCALAR_FIELDS}
    if not scalars["_id"]:
        scalars["_id"] = _text(obj.get("id"), shell, "id")
    lists = {name: _texts(obj.get(name), shell, name) for name in _LIST_FIELDS}
    addresses = []
    for i, item in enumerate(obj.get("addresses") or ()):
        where = f"addresses[{i}]"
        a = _object(item, shell, where)
        addresses.append(
            Address(
                street=_text(a.get("address"), shell, f"{where}.address"),
                city=_text(a.get("city"), shell, f"{where}.city"),
                state=_text(a.get("state"), shell, f"{where}.state"),
                postal_code=_text(a.get("postal_code"), shell, f"{where}.postal_code"),
                country=country_code(_text(a.get("country"), shell, f"{where}.country")),
            )
        )
    identifiers = []
    for i, item in enumerate(obj.get("ids") or ()):
        where = f"ids[{i}]"
        d = _object(item, shell, where)
        identifiers.append(
            Identifier(
                type=_text(d.get("type"), shell, f"{where}.type"),
                value=_text(d.get("number"), shell, f"{where}.number"),
                country=country_code(_text(d.get("country"), shell, f"{where}.country")),
                notes=identifier_notes(
                    _text(d.get("issue_date"), shell, f"{where}.issue_date"),
                    _text(d.get("expiration_date"), shell, f"{where}.expiration_date"),
                ),
            )
        )
    return CslRecord(
        file=path,
        line=None,
        field_prefix=shell.field_prefix,
        scalars=scalars,
        alt_names=lists["alt_names"],
        addresses=tuple(addresses),
        identifiers=tuple(identifiers),
        programs=lists["programs"],
        citizenships=lists["citizenships"],
        dates_of_birth=lists["dates_of_birth"],
        nationalities=lists["nationalities"],
        places_of_birth=lists["places_of_birth"],
    )


def _results(path: Path, data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        results: list[Any] = data["results"]
        return results
    raise SourceError(path, None, "results", "expected a list of records or {'results': [...]}")


def sniff(path: Path, head: bytes) -> bool:
    """A JSON document whose records carry the CSL's `source`, `name`, `entity_number` and
    `alt_names` keys. The head rarely holds a whole document, so this looks for key names."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith((b"{", b"[")):
        return False
    return all(key in head for key in (b'"source"', b'"name"', b'"entity_number"', b'"alt_names"'))


# The schema is a contract. The CSL leaves a field out of a record where the list has nothing to
# say in it (an SDN record has no licence requirement), so a field is required not in every
# record but in at least one record of each list that carries it: a field renamed by the
# publisher is then missing from all of them, and would otherwise read as empty everywhere
# (every licence requirement gone, every BIS id changed with the addresses' countries).
_EVERY_LIST_CARRIES = ("addresses", "alt_names")
_BIS_LISTS_CARRY = ("license_requirement", "federal_register_notice", "start_date")
_BIS_LICENSING = frozenset({ListCode.EL, ListCode.MEU})


def _check_fields(path: Path, results: list[Any]) -> None:
    seen: dict[ListCode, set[str]] = {}
    for raw in results:
        if isinstance(raw, dict) and isinstance(raw.get("source"), str):
            code = list_for_source(raw["source"])
            if code is not None:
                seen.setdefault(code, set()).update(raw)
    for code, fields in seen.items():
        wanted = _EVERY_LIST_CARRIES + (_BIS_LISTS_CARRY if code in _BIS_LICENSING else ())
        missing = [name for name in wanted if name not in fields]
        if missing:
            raise SourceError(
                path,
                None,
                f"results[].{missing[0]}",
                f"required field {', '.join(repr(m) for m in missing)} is in no {code.value} "
                "record; the publisher may have renamed it",
            )


def parse(path: Path, *, skip_bad_rows: bool = False) -> ParsedSource:
    data = read_json(path)
    collector = EntryCollector(BadRows(skip_bad_rows))
    _check_fields(path, _results(path, data))
    for index, raw in enumerate(_results(path, data)):
        try:
            record = _json_record(path, index, raw)
        except SourceError as error:
            collector.reject(error)
            continue
        collector.add(record)
    return collector.result(FORMAT, path)


__all__ = [
    "FORMAT",
    "OFAC_NUMBERED",
    "SOURCE_LISTS",
    "CslRecord",
    "EntryCollector",
    "assign_ids",
    "identifier_notes",
    "list_for_source",
    "parse",
    "record_entry",
    "sniff",
]
