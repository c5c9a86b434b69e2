"""Which legal fields each published format carries, read from ``fields.yaml`` and checked when
this module is imported.

A legal field is one a compliance decision reads (names, addresses, licence requirement, review
policy, Federal Register citations, dates, the DPL order's kind). ``get`` and ``put`` read and
write one on an ``Entry``; the store uses them to keep a field a newer source does not carry and to
record which source version stated each value (``store.provenance``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from importlib import resources
from typing import Any, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, RootModel, ValidationError

from exportscreen.model import Entry, ListCode

FIELDS_FILE: Final = "fields.yaml"

LegalField = Literal[
    "name",
    "aliases",
    "addresses",
    "countries",
    "identifiers",
    "programs",
    "licence",
    "review",
    "citations",
    "start_date",
    "end_date",
    "standard_order",
    "remarks",
]
LEGAL_FIELDS: Final[tuple[str, ...]] = LegalField.__args__  # type: ignore[attr-defined]
# Fields kept in ``Entry.details`` rather than as attributes.
_DETAIL_FIELDS: Final = frozenset({"standard_order"})
# Field names for people: "licence" is the License Requirement column, and so on.
LABELS: Final[Mapping[str, str]] = {
    "name": "name",
    "aliases": "aliases",
    "addresses": "addresses",
    "countries": "countries",
    "identifiers": "identifiers",
    "programs": "programs",
    "licence": "licence requirement",
    "review": "review policy",
    "citations": "Federal Register",
    "start_date": "effective date",
    "end_date": "end / expiry date",
    "standard_order": "standard order",
    "remarks": "remarks",
}


class FieldsFileError(ValueError):
    """``fields.yaml`` is not a valid declaration (names the format and the field)."""


class _Format(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    note: str = ""
    carries: tuple[LegalField, ...]
    lists: dict[ListCode, tuple[LegalField, ...]] = {}


class _Document(RootModel[dict[str, _Format]]):
    pass


def _load() -> dict[str, _Format]:
    text = resources.files("exportscreen.sources").joinpath(FIELDS_FILE).read_text("utf-8")
    try:
        return _Document.model_validate(yaml.safe_load(text)).root
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FieldsFileError(f"{FIELDS_FILE}: {where}: {first['msg']}") from error


_FORMATS: Final = _load()


def carried(source_format: str, lst: ListCode) -> frozenset[str]:
    """The legal fields a file of ``source_format`` states for entries of ``lst``. A format
    nobody declared states every field (nothing is kept from older sources for it)."""
    declared = _FORMATS.get(source_format)
    if declared is None:
        return frozenset(LEGAL_FIELDS)
    return frozenset(declared.lists.get(lst, declared.carries))


def declared_formats() -> tuple[str, ...]:
    return tuple(_FORMATS)


def get(entry: Entry, name: str) -> Any:
    """A legal field's value on an entry ("" for a detail the entry lacks)."""
    if name in _DETAIL_FIELDS:
        return entry.details.get(name, "")
    return getattr(entry, name)


def put(entry: Entry, name: str, value: Any) -> Entry:
    """The entry with one legal field replaced."""
    if name in _DETAIL_FIELDS:
        details = {k: v for k, v in entry.details.items() if k != name}
        if value:
            details[name] = value
        return dataclasses.replace(entry, details=details)
    return dataclasses.replace(entry, **{name: value})


__all__ = [
    "LABELS",
    "LEGAL_FIELDS",
    "FieldsFileError",
    "carried",
    "declared_formats",
    "get",
    "put",
]
