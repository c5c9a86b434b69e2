"""A transaction as a determination reads it: the items (ECCN or EAR99), the destination, the
date, and the parties with their roles. Loaded from JSON or YAML and validated on the way in."""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from exportscreen.decisions.country_controls import QUESTION_IDS
from exportscreen.decisions.policy import IsoDate, load_document
from exportscreen.model import EntryType
from exportscreen.text.countries import country_code

EAR99 = "EAR99"
_ECCN = re.compile(r"^(?P<head>[0-9][A-Ea-e][0-9]{3})(?P<tail>(?:\.[A-Za-z0-9]+)*)$")
# What ``normalize_eccn`` takes, as one pattern for schemas (the API's OpenAPI): an ECCN or
# EAR99 in any case, with whitespace anywhere (it is removed before the ECCN is read).
_WS = r"\s*"
ECCN_PATTERN = (
    rf"^{_WS}(?:[Ee]{_WS}[Aa]{_WS}[Rr]{_WS}9{_WS}9"
    rf"|[0-9]{_WS}[A-Ea-e](?:{_WS}[0-9]){{3}}(?:{_WS}\.(?:{_WS}[A-Za-z0-9])+)*){_WS}$"
)
# A country as ``text.countries`` reads it (ISO code or name): "country" in schemas.
COUNTRY_FORMAT = "country"


class PartyRole(enum.StrEnum):
    PURCHASER = "purchaser"
    INTERMEDIATE_CONSIGNEE = "intermediate_consignee"
    ULTIMATE_CONSIGNEE = "ultimate_consignee"
    END_USER = "end_user"
    FREIGHT_FORWARDER = "freight_forwarder"


def normalize_eccn(text: str) -> str:
    """``3a001.A.1`` -> ``3A001.a.1``; ``ear99`` -> ``EAR99``. Raises ValueError otherwise."""
    cleaned = "".join(text.split())
    if cleaned.upper() == EAR99:
        return EAR99
    match = _ECCN.match(cleaned)
    if not match:
        raise ValueError(f"expected an ECCN such as 3A001 or 5A992.c, or EAR99; got {text!r}")
    return match.group("head").upper() + match.group("tail").lower()


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    eccn: str = Field(json_schema_extra={"pattern": ECCN_PATTERN})
    description: str = ""
    # What some country controls need to know about an EAR99 item: its HTS code, whether it is
    # food or medicine (746.4, 746.6, 746.9 except those), and whether its HTS code is listed in a
    # supplement to Part 746 (746.7(a)(1)(ii), 746.8(a)(5)-(7)). Unknown: None.
    hts: str = ""
    food_or_medicine: StrictBool | None = None
    in_part746_supplements: StrictBool | None = None

    @field_validator("eccn")
    @classmethod
    def _eccn(cls, value: str) -> str:
        return normalize_eccn(value)

    @property
    def is_ear99(self) -> bool:
        return self.eccn == EAR99


def _country(value: str) -> str:
    if not value.strip():
        return ""
    code = country_code(value)
    if not code:
        raise ValueError(f"not a country we can name: {value!r}")
    return code


class Party(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    role: PartyRole
    name: str = Field(min_length=1)
    # ISO 3166-1 alpha-2 once validated
    country: str = Field(default="", json_schema_extra={"format": COUNTRY_FORMAT})
    address: str = ""
    type: EntryType | None = None
    # The counterparty register's id (external id) of this party: analysts' decisions made for
    # that counterparty apply to it. Without it, the party is matched to the register by name,
    # country and address.
    counterparty_id: str = ""

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: Any) -> Any:
        # "End user", "end-user" and "END_USER" all name the same role.
        if isinstance(value, str):
            return re.sub(r"[\s-]+", "_", value.strip().lower())
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a party name is required")
        return " ".join(value.split())

    @field_validator("country")
    @classmethod
    def _party_country(cls, value: str) -> str:
        return _country(value)


# The end-use questions an answer may name, for schemas (the API's OpenAPI).
_QUESTION_NAMES: dict[str, Any] = {"enum": sorted(QUESTION_IDS)}


class Transaction(BaseModel):
    """What is shipped, where, when, and to whom."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = ""
    date: IsoDate
    destination_country: str = Field(json_schema_extra={"format": COUNTRY_FORMAT, "pattern": r"\S"})
    items: tuple[Item, ...] = Field(min_length=1)
    parties: tuple[Party, ...] = Field(min_length=1)
    # A region within the destination country that has its own controls (e.g. "Crimea").
    destination_region: str = ""
    # Answers to the end-use questions (country_controls.yaml ``questions``): yes or no.
    answers: dict[str, StrictBool] = Field(
        default_factory=dict,
        json_schema_extra={"propertyNames": _QUESTION_NAMES},
    )

    @field_validator("answers")
    @classmethod
    def _answers(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - QUESTION_IDS)
        if unknown:
            known = ", ".join(sorted(QUESTION_IDS))
            raise ValueError(f"unknown question {unknown[0]!r}; the questions are: {known}")
        return value

    @field_validator("destination_country")
    @classmethod
    def _destination(cls, value: str) -> str:
        code = _country(value)
        if not code:
            raise ValueError("a destination country is required")
        return code


def load_transaction(path: str | Path) -> Transaction:
    """A transaction from a JSON or YAML file; raises SourceError naming the file, the line
    where it can be found, and the field."""
    return load_document(path, Transaction)
