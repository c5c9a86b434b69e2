"""The provisional identity of BIS and State list entries.

These lists have no record number, so an entry is first known by list, name and country. The BIS
JSON, Denied Persons TSV and CSL loaders all call ``assign_name_ids``; when a file spells a name or
a country differently, the store links the record to the party it continues and keeps that
party's id (``store.identity``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from exportscreen.model import Address, Entry, EntryType
from exportscreen.sources.common import disambiguate, entry_id
from exportscreen.text.countries import country_named


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


def _identity_name(entry: Entry) -> str:
    # An address-only entry is its address: BIS renumbers the placeholders ("Address 01")
    # between publications.
    if entry.type is EntryType.ADDRESS_ONLY and entry.addresses:
        return "address: " + address_key(entry.addresses[0])
    return entry.name


def assign_name_ids(entries: Sequence[Entry]) -> list[Entry]:
    """Provisional ids for entries of lists without record numbers: ``entry_id(list, name, first
    country)`` (Hong Kong and Macau counted as China; the address for an address-only entry),
    then ``disambiguate`` on the first address where two entries share one. The store links
    them to the ids the parties were first stored under (``store.identity``)."""
    named = [
        replace(e, id=entry_id(e.list, _identity_name(e), _identity_country(e))) for e in entries
    ]
    extra = {
        f"{e.id}#{i}": address_key(e.addresses[0]) if e.addresses else ""
        for i, e in enumerate(named)
    }
    return disambiguate(named, extra)


__all__ = ["address_key", "assign_name_ids"]
