"""Screening for a past date: the lists as they stood then, and what has changed since.

For a date D, each list is screened in the newest version whose data date is on or before D (the
version in force then). Parties that a later version lists with an effective date on or before D
are screened too (the Entity List is published days after its rules take effect, and an analyst
asking about D today knows of them): ``in_force`` counts them only when their own dates say they
were listed on D. For every party found, ``removed_since`` says whether the current version still
lists it (a party whose record identity linking merged into another record, or that a reviewer
linked to a newer record, is still listed). ``versions_used`` names the versions, for the
reasons and the audit record.

For a date before a list's first loaded version nothing says what that list held then: its
current parties are screened, and one without an effective date of its own counts as listed
(a possible match to check, never a silent clear).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from exportscreen.model import Entry, ListCode
from exportscreen.screening.index_cache import load_or_build
from exportscreen.screening.screener import Screener
from exportscreen.store import Store


@dataclass(frozen=True, slots=True)
class VersionUsed:
    """The version of one list screened for a date, and the list's current version."""

    list: ListCode
    version_id: int
    as_of: date
    file_name: str
    current_version_id: int
    current_as_of: date

    @property
    def is_current(self) -> bool:
        return self.version_id == self.current_version_id


@dataclass(frozen=True)
class ListsOnDate:
    """The lists as they stood on ``on``, with a screener over them (and over later versions'
    parties, for their effective dates to decide)."""

    on: date
    versions_used: tuple[VersionUsed, ...]
    screener: Screener
    # Entry ids of the versions in force on ``on``, and of the current versions.
    held_then: frozenset[str]
    held_now: frozenset[str]
    # Lists with no version on or before ``on``: nothing is known of them for that date.
    not_yet_loaded: tuple[ListCode, ...] = ()
    # Old entry id -> the id of the record its party continues under (identity linking).
    continued_as: Mapping[str, str] = field(default_factory=dict)

    @property
    def all_current(self) -> bool:
        """Whether the versions screened are the current ones (nothing older, nothing missing)."""
        return all(v.is_current for v in self.versions_used) and not self.not_yet_loaded

    def in_force(
        self, entry: Entry, on: date, effective_date: Callable[[Entry], date | None]
    ) -> bool:
        """Whether ``entry`` restricted a transaction on ``on``: listed in the version then in
        force and not ended, or known from a later version to have been effective by then."""
        if entry.end_date is not None and on > entry.end_date:
            return False
        start = effective_date(entry)
        if start is not None and on < start:
            return False
        if entry.id in self.held_then:
            return True
        if start is None and entry.list in self.not_yet_loaded:
            # No version of its list says what it held then: a possible listing, to check.
            return True
        # Only in a later version: it counts only when its own dates put it on the list by then.
        return start is not None

    def removed_since(self, entry: Entry) -> str:
        """ "" while the current version still lists the entry; else what says it was removed."""
        if self.current_id(entry.id) is not None:
            return ""
        used = next((v for v in self.versions_used if v.list is entry.list), None)
        if used is None:
            return ""
        return (
            f"no longer listed: not in the current {entry.list.value} version "
            f"{used.current_version_id} (data of {used.current_as_of.isoformat()})"
        )

    def listing_on_date(
        self, entry: Entry, effective_date: Callable[[Entry], date | None]
    ) -> dict[str, Any]:
        """Whether ``entry`` was listed on the date (``in_force``), why not, its effective date,
        and whether it has been removed since: what a hit found for a past date says."""
        listed = self.in_force(entry, self.on, effective_date)
        start = effective_date(entry)
        note = ""
        if not listed:
            if entry.end_date is not None and self.on > entry.end_date:
                note = f"not in force on {self.on.isoformat()}: ended {entry.end_date.isoformat()}"
            elif start is not None and self.on < start:
                note = f"not in force on {self.on.isoformat()}: effective {start.isoformat()}"
            else:
                note = f"not on its list on {self.on.isoformat()}: listed later"
        return {
            "listed_on_date": listed,
            "effective_date": start.isoformat() if start else None,
            "removed_since": self.removed_since(entry),
            "note": note,
        }

    def current_id(self, entry_id: str) -> str | None:
        """The id under which the current versions list the party of ``entry_id`` (itself, or
        the record it continues under), None when they no longer list it."""
        seen: set[str] = set()
        while entry_id not in self.held_now:
            seen.add(entry_id)
            following = self.continued_as.get(entry_id)
            if following is None or following in seen:
                return None
            entry_id = following
        return entry_id

    def describe(self) -> list[str]:
        """One line per list: which version was screened for the date."""
        lines = []
        for v in self.versions_used:
            line = (
                f"{v.list.value}: version {v.version_id} of {v.as_of.isoformat()} ({v.file_name})"
            )
            if not v.is_current:
                line += f"; current: version {v.current_version_id} of {v.current_as_of}"
            lines.append(line)
        for code in self.not_yet_loaded:
            lines.append(
                f"{code.value}: no version on or before {self.on.isoformat()}; its current "
                "parties without an effective date count as possible listings"
            )
        return lines


@dataclass(frozen=True, slots=True)
class VersionsOnDate:
    """Which version of each list was in force on a date (cheap to find: no entry is read).
    Two dates with equal ``versions_used`` and ``not_yet_loaded`` are screened alike."""

    versions_used: tuple[VersionUsed, ...]
    not_yet_loaded: tuple[ListCode, ...]

    @property
    def then(self) -> dict[ListCode, int]:
        return {v.list: v.version_id for v in self.versions_used}

    @property
    def all_current(self) -> bool:
        return all(v.is_current for v in self.versions_used) and not self.not_yet_loaded


def versions_on(store: Store, on: date) -> VersionsOnDate:
    """The version of each list in force on ``on``, and the lists with none yet."""
    now_versions = {code: store.version(n) for code, n in store.current_version_ids().items()}
    used: list[VersionUsed] = []
    missing: list[ListCode] = []
    for code, now in sorted(now_versions.items()):
        version = store.version_at(code, on)
        if version is None:
            missing.append(code)
            continue
        used.append(
            VersionUsed(code, version.id, version.as_of, version.file_name, now.id, now.as_of)
        )
    return VersionsOnDate(tuple(used), tuple(missing))


def lists_on(
    store: Store,
    on: date,
    cache_dir: Path | None = None,
    *,
    current: Screener | None = None,
    versions: VersionsOnDate | None = None,
) -> ListsOnDate:
    """The store's lists as they stood on ``on`` (see the module's notes). ``current``: a
    screener already built over the current versions, used as it is when those are the versions
    in force on ``on`` (a server screening today's transactions builds nothing). ``versions``:
    ``versions_on(store, on)`` when the caller has it already."""
    found = versions or versions_on(store, on)
    then = found.then
    current_ids = store.current_version_ids()
    continued = store.continuations()
    if current is not None and found.all_current and current.version_ids == current_ids == then:
        held = frozenset(current.index.entry_position)
        return ListsOnDate(on, found.versions_used, current, held, held, (), continued)
    later = {code: number for code, number in current_ids.items() if then.get(code) != number}
    screener = load_or_build(store, then, cache_dir, also=later, neighbours=False)
    held_then = frozenset(i for number in then.values() for i in store.entry_ids(number))
    held_now = frozenset(i for number in current_ids.values() for i in store.entry_ids(number))
    return ListsOnDate(
        on,
        found.versions_used,
        screener,
        held_then,
        held_now,
        found.not_yet_loaded,
        continued,
    )


__all__ = ["ListsOnDate", "VersionUsed", "VersionsOnDate", "lists_on", "versions_on"]
