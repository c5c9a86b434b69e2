"""How old the lists behind a determination are, and what that does to it.

Each determination names the list versions it used with their data dates and ages. A list older
than ``stale_days`` adds a ``stale_list`` warning; one older than ``hold_days`` makes a clear
(NO_LIST_RESTRICTION) a HOLD, since a clear from old data may be a false clear.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from exportscreen import settings
from exportscreen.lists import LIST_NAMES
from exportscreen.model import ListCode


@dataclass(frozen=True, slots=True)
class ListVersionUsed:
    """One list version a determination screened against."""

    list: ListCode
    version_id: int
    as_of: date  # the data's own date


@dataclass(frozen=True, slots=True)
class FreshnessLimits:
    stale_days: int = settings.STALE_LIST_DAYS
    hold_days: int = settings.STALE_LIST_HOLD_DAYS


@dataclass(frozen=True, slots=True)
class ListAge:
    list: ListCode
    list_name: str
    version_id: int
    as_of: date
    age_days: int


@dataclass(frozen=True, slots=True)
class Freshness:
    lists: tuple[ListAge, ...]
    warnings: tuple[dict[str, Any], ...]
    too_old: tuple[ListAge, ...]  # past the hold limit: a clear is a HOLD


def freshness(
    versions: Iterable[ListVersionUsed], on: date, limits: FreshnessLimits = FreshnessLimits()
) -> Freshness:
    """The age of each list on ``on`` (the day the determination is made)."""
    ages = tuple(
        ListAge(v.list, LIST_NAMES[v.list], v.version_id, v.as_of, (on - v.as_of).days)
        for v in sorted(versions, key=lambda v: v.list.value)
    )
    warnings = tuple(
        {
            "code": "stale_list",
            "list": a.list.value,
            "version_id": a.version_id,
            "as_of": a.as_of.isoformat(),
            "age_days": a.age_days,
            "limit_days": limits.stale_days,
        }
        for a in ages
        if a.age_days > limits.stale_days
    )
    too_old = tuple(a for a in ages if a.age_days > limits.hold_days)
    return Freshness(ages, warnings, too_old)
