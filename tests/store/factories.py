"""Small hand-written list entries and parse results for the store tests.

The entries exercise every field of ``Entry`` (nested records, tuples, dates, an empty date,
non-Latin names, details) so that a round trip through the store proves each one survives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from exportscreen.model import (
    Address,
    ChangeKind,
    Citation,
    Entry,
    EntryType,
    Identifier,
    LicenceRequirement,
    LicenceScope,
    ListCode,
    Review,
    ReviewPolicy,
    RuleChange,
)
from exportscreen.sources.common import ParsedSource, RowProblem

ALL_ITEMS = LicenceRequirement(
    raw="For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)",
    scope=LicenceScope.ALL_ITEMS,
    footnotes=(4,),
    regulations=("734.9(e)(2)", "744.11"),
)


def el_entry(
    key: str,
    name: str,
    *,
    street: str = "1 Example Road",
    aliases: tuple[str, ...] = (),
    citations: tuple[Citation, ...] = (
        Citation(90, 14048, date(2025, 3, 28), "90 FR 14048, 3/28/25"),
    ),
) -> Entry:
    return Entry(
        id=f"EL-{key}",
        list=ListCode.EL,
        type=EntryType.ENTITY,
        name=name,
        source_id=f"src-{key}",
        aliases=aliases,
        addresses=(
            Address(
                street=street, city="Jinan", state="Shandong", postal_code="250101", country="CN"
            ),
        ),
        countries=("CN",),
        licence=ALL_ITEMS,
        review=Review(raw="Policy of denial.", policy=ReviewPolicy.POLICY_OF_DENIAL),
        citations=citations,
        start_date=date(2025, 3, 25),
        source_url="https://www.ecfr.gov/current/title-15/part-744/appendix-Supplement%20No.%204",
    )


def sdn_entry(key: str, name: str) -> Entry:
    return Entry(
        id=f"SDN-{key}",
        list=ListCode.SDN,
        type=EntryType.INDIVIDUAL,
        name=name,
        source_id=key,
        aliases=("Иван Петров", "PETROV, Ivan"),
        addresses=(Address(city="Moscow", country="RU"), Address()),
        countries=("RU",),
        identifiers=(
            Identifier(type="Passport", value="7512345", country="RU", notes="expires 2030"),
            Identifier(type="Tax ID No.", value="7701234567"),
        ),
        programs=("RUSSIA-EO14024", "CYBER2"),
        citations=(Citation(88, 12170, None, "88 FR 12170"),),
        start_date=date(2022, 2, 24),
        end_date=None,
        remarks="Secondary sanctions risk: section 11 of Executive Order 14024.",
        title="Director",
        dates_of_birth=("1973-03-25", "circa 1960"),
        places_of_birth=("Moscow, Russia",),
        nationalities=("RU",),
        citizenships=("RU", "CY"),
        details={"standard_order": "N", "vessel_flag": ""},
    )


INSPUR_TAIWAN = el_entry(
    "inspur-tw",
    "Inspur Taiwan",
    street="7F, No. 29, Ln. 169, Kangning Rd.",
    aliases=("浪潮台灣", "Inspur TW Ltd."),
)
NETTRIX = el_entry("nettrix", "Nettrix Information Industry Co., Ltd.")
SUMA_USI = el_entry("suma-usi", "Suma-USI Electronics Co., Ltd.", aliases=("Suma USI",))
HUAWEI = el_entry(
    "huawei",
    "Huawei Technologies Co., Ltd.",
    citations=(Citation(84, 22963, date(2019, 5, 21), "84 FR 22963, 5/21/19"),),
)
PETROV = sdn_entry("12345", "PETROV, Ivan Ivanovich")


def parsed(
    entries: Sequence[Entry],
    *,
    name: str,
    as_of: date | None = date(2025, 4, 1),
    lists: tuple[ListCode, ...] = (),
    changes: Sequence[RuleChange] = (),
    problems: Sequence[RowProblem] = (),
    file_format: str = "test",
) -> ParsedSource:
    """A parse result as a loader would return it; ``name`` stands for the file (and its digest)."""
    return ParsedSource(
        format=file_format,
        paths=(Path(f"/data/{name}"),),
        sha256=hashlib.sha256(name.encode()).hexdigest(),
        as_of=as_of,
        entries=list(entries),
        changes=list(changes),
        problems=list(problems),
        lists=lists,
        source_url=f"https://example.org/{name}",
    )


def moved(entry: Entry, street: str) -> Entry:
    """The same entry re-published at a new address."""
    first = entry.addresses[0]
    return replace(entry, addresses=(replace(first, street=street), *entry.addresses[1:]))


def rule_change(kind: ChangeKind, entry: Entry, effective: date | None) -> RuleChange:
    return RuleChange(
        kind=kind,
        entry=entry,
        effective_date=effective,
        citation=Citation(88, 12170, date(2023, 2, 27), "88 FR 12170, 2/27/23"),
    )
