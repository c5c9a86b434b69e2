"""Entries as the trade.gov CSL API shows them, and the CSL's exact (non-fuzzy) search.

The CSL API's non-fuzzy name search finds records holding every word of the query in one of
their names; here that is an inverted index from folded words (ASCII, lower case, so "Müller"
finds "MULLER") to the names holding them, built once per index version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from exportscreen.lists import LISTS
from exportscreen.model import Address, Entry, EntryType, ListCode
from exportscreen.sources.csl_json import OFAC_NUMBERED
from exportscreen.text.folding import fold, folded_words

# The CSL's own spelling of each list in its `source` field (lists.yaml).
CSL_SOURCE_NAMES: dict[ListCode, str] = {code: facts.csl.source for code, facts in LISTS.items()}
CSL_TYPES: dict[EntryType, str | None] = {
    EntryType.ENTITY: "Entity",
    EntryType.INDIVIDUAL: "Individual",
    EntryType.VESSEL: "Vessel",
    EntryType.AIRCRAFT: "Aircraft",
    EntryType.ADDRESS_ONLY: None,
}
_WORD = re.compile(r"[a-z0-9]+")
# trade.gov's own record id (`_id`) on BIS and State records: a hex digest (40 digits in the 2022
# file, 32 or 56 in 2025's); OFAC records carry the entity number instead.
_CSL_RECORD_ID = re.compile(r"^[0-9a-f]{32,64}$")
_ISSUED = re.compile(r"issued ([^;]+)")
_EXPIRES = re.compile(r"expires ([^;]+)")


def words(text: str) -> list[str]:
    """Folded words: any script to ASCII, lower case, punctuation dropped."""
    return folded_words(text)


def folded(text: str) -> str:
    return fold(text)


def csl_type(text: str) -> EntryType:
    """A CSL `types` value ("Individual", "entity"...) as an entry type."""
    wanted = text.strip().lower()
    for entry_type, name in CSL_TYPES.items():
        if name is not None and name.lower() == wanted:
            return entry_type
    raise ValueError(f"unknown type {text!r}; one of Entity, Individual, Vessel, Aircraft")


def shown_type(entry: Entry) -> str | None:
    """The entry's type as the CSL shows it: none for lists whose records carry no type (BIS and
    State lists, lists.yaml ``csl.typed``), even where exportscreen inferred one for matching."""
    return CSL_TYPES[entry.type] if LISTS[entry.list].csl.typed else None


def is_csl_record_id(text: str) -> bool:
    return _CSL_RECORD_ID.match(text) is not None


def record_id(entry: Entry) -> str:
    """The result's ``id`` as the CSL API gives it: trade.gov's ``_id`` (a hex digest) when the
    entry was read from a CSL file that carried one, else exportscreen's id (``SDN-<ent_num>``
    for OFAC lists, as the CSL writes them too)."""
    if is_csl_record_id(entry.source_id):
        return entry.source_id
    return entry.id


def _address(address: Address) -> dict[str, str | None]:
    return {
        "address": address.street or None,
        "city": address.city or None,
        "state": address.state or None,
        "postal_code": address.postal_code or None,
        "country": address.country or None,
    }


def _identifier_dates(notes: str) -> tuple[str | None, str | None]:
    issued = _ISSUED.search(notes)
    expires = _EXPIRES.search(notes)
    return (
        issued.group(1).strip() if issued else None,
        expires.group(1).strip() if expires else None,
    )


def csl_record(entry: Entry) -> dict[str, Any]:
    """The CSL API's result object for an entry (anchors §3), with its field names and order."""
    details = entry.details
    ids = []
    for identifier in entry.identifiers:
        issued, expires = _identifier_dates(identifier.notes)
        ids.append(
            {
                "type": identifier.type,
                "number": identifier.value,
                "country": identifier.country or None,
                "issue_date": issued,
                "expiration_date": expires,
            }
        )
    number = entry.id.split("-", 1)[1] if entry.list in OFAC_NUMBERED else None
    return {
        "id": record_id(entry),
        "source": CSL_SOURCE_NAMES[entry.list],
        "entity_number": number,
        "type": shown_type(entry),
        "programs": list(entry.programs),
        "name": entry.name,
        "title": entry.title or None,
        "addresses": [_address(a) for a in entry.addresses],
        "federal_register_notice": "; ".join(c.raw or str(c) for c in entry.citations) or None,
        "start_date": entry.start_date.isoformat() if entry.start_date else None,
        "end_date": entry.end_date.isoformat() if entry.end_date else None,
        "standard_order": details.get("standard_order"),
        "license_requirement": entry.licence.raw or None,
        "license_policy": entry.review.raw or None,
        "call_sign": details.get("call_sign"),
        "vessel_type": details.get("vessel_type"),
        "gross_tonnage": details.get("gross_tonnage"),
        "gross_registered_tonnage": details.get("gross_registered_tonnage"),
        "vessel_flag": details.get("vessel_flag"),
        "vessel_owner": details.get("vessel_owner"),
        "remarks": entry.remarks or None,
        "source_list_url": entry.source_url or None,
        "alt_names": list(entry.aliases),
        "citizenships": list(entry.citizenships),
        "dates_of_birth": list(entry.dates_of_birth),
        "nationalities": list(entry.nationalities),
        "places_of_birth": list(entry.places_of_birth),
        "source_information_url": details.get("source_information_url"),
        "ids": ids,
    }


@dataclass(frozen=True, slots=True)
class AddressFilter:
    """The CSL's address parameters; each given one must be found in one of the addresses."""

    address: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    full_address: str = ""

    def __bool__(self) -> bool:
        return any((self.address, self.city, self.state, self.postal_code, self.full_address))

    def accepts(self, entry: Entry) -> bool:
        return any(self._one(a) for a in entry.addresses)

    def _one(self, address: Address) -> bool:
        pairs = (
            (self.address, address.street),
            (self.city, address.city),
            (self.state, address.state),
            (self.postal_code, address.postal_code),
        )
        for wanted, actual in pairs:
            if wanted and folded(wanted) not in folded(actual):
                return False
        # A full address is matched word by word: "DR" and "DRIVE" differ, but the order and the
        # commas of the query do not matter.
        return not self.full_address or set(words(self.full_address)) <= set(
            words(address.one_line())
        )


@dataclass(frozen=True, slots=True)
class CslFilter:
    sources: frozenset[ListCode] = frozenset()
    types: frozenset[EntryType] = frozenset()
    countries: frozenset[str] = frozenset()
    address: AddressFilter = AddressFilter()

    def accepts(self, entry: Entry) -> bool:
        if self.sources and entry.list not in self.sources:
            return False
        # `types` filters on the type the CSL shows: a BIS or State record has none.
        if self.types and (shown_type(entry) is None or entry.type not in self.types):
            return False
        if self.countries:
            held = set(entry.countries) | {a.country for a in entry.addresses}
            if not held & self.countries:
                return False
        return not self.address or self.address.accepts(entry)


class CslCatalog:
    """Every entry of one index version, searchable by exact words."""

    def __init__(self, entries: Sequence[Entry]):
        self.entries = entries
        self._names: list[tuple[int, str]] = []  # (entry position, name)
        self._postings: dict[str, set[int]] = {}
        for position, entry in enumerate(entries):
            for name in entry.names:
                name_id = len(self._names)
                self._names.append((position, name))
                for word in set(words(name)):
                    self._postings.setdefault(word, set()).add(name_id)

    def search(self, name: str) -> Iterable[tuple[Entry, str]]:
        """Entries with a name holding every word of ``name``, in index order, each with the
        first such name (the primary name when it qualifies)."""
        wanted = set(words(name))
        if not wanted:
            return []
        postings = sorted((self._postings.get(w, set()) for w in wanted), key=len)
        found = set.intersection(*postings) if postings else set()
        first: dict[int, str] = {}
        for name_id in sorted(found):
            position, matched = self._names[name_id]
            first.setdefault(position, matched)
        return [(self.entries[p], first[p]) for p in sorted(first)]

    def all(self) -> Iterable[tuple[Entry, str]]:
        return ((entry, entry.name) for entry in self.entries)


def parse_codes(text: str | None, parse: Any, what: str) -> list[Any]:
    """A comma-separated parameter (``sources=EL,SDN``) parsed item by item."""
    if not text:
        return []
    values = []
    for item in text.split(","):
        if item.strip():
            try:
                values.append(parse(item.strip()))
            except ValueError:
                raise ValueError(f"unknown {what} {item.strip()!r}") from None
    return values


def _literal(text: str, *, any_case: bool) -> str:
    """``text`` as a regular expression matching it (in any case when ``any_case``), written
    with nothing beyond what JSON Schema's (ECMA-262) and Python's dialects share."""
    out = []
    for char in text:
        if any_case and char.lower() != char.upper():
            out.append(f"[{char.upper()}{char.lower()}]")
        elif char in "\\.^$*+?()[]{}|/":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def comma_list_pattern(codes: Iterable[str], exact: Iterable[str] = ()) -> str:
    """The pattern of a comma-separated parameter as ``parse_codes`` reads it: each item one of
    ``codes`` in any case or one of ``exact`` as written, spaces around items and empty items
    allowed (and skipped)."""
    choices = sorted({_literal(c, any_case=True) for c in codes})
    choices += sorted({_literal(t, any_case=False) for t in exact})
    item = f"(?:{'|'.join(choices)})"
    return f"^ *{item}? *(?:, *{item}? *)*$"


# What ``list_for_csl_source`` and ``csl_type`` take, as the OpenAPI states it.
SOURCES_PATTERN = comma_list_pattern(
    [code.value for code in ListCode] + [c for f in LISTS.values() for c in f.csl.other_codes],
    [facts.csl.source for facts in LISTS.values() if "," not in facts.csl.source],
)
TYPES_PATTERN = comma_list_pattern(name for name in CSL_TYPES.values() if name is not None)


def list_for_csl_source(text: str) -> ListCode:
    """A `sources` value: a CSL code (EL, SDN, NS-MBS...) or the full source name."""
    upper = text.strip().upper()
    for code, facts in LISTS.items():
        if upper in facts.csl.other_codes or text.strip() == facts.csl.source:
            return code
    return ListCode(upper)
