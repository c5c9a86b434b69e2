"""Screening for a past date: the lists as they stood then, and what has changed since.

For a date D, each list is screened in the newest version whose data date is on or before D (the
version in force then). Parties that a later version lists with an effective date on or before D
are screened too (the Entity List is published days after its rules take effect, and an analyst
asking about D today knows of them): ``in_force`` counts them only when their own dates say they
were listed on D. For every party found, ``removed_since`` says whether the current version still
lists it. ``versions_used`` names the versions, for the reasons and the audit record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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
        # Only in a later version: it counts only when its own dates put it on the list by then.
        return start is not None

    def removed_since(self, entry: Entry) -> str:
        """ "" while the current version still lists the entry; else what says it was removed."""
        if entry.id in self.held_now:
            return ""
        used = next((v for v in self.versions_used if v.list is entry.list), None)
        if used is None:
            return ""
        return (
            f"no longer listed: not in the current {entry.list.value} version "
            f"{used.current_version_id} (data of {used.current_as_of.isoformat()})"
        )

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
            lines.append(f"{code.value}: no version on or before {self.on.isoformat()}")
        return lines


def lists_on(store: Store, on: date, cache_dir: Path | None = None) -> ListsOnDate:
    """The store's lists as they stood on ``on`` (see the module's notes)."""
    current = {code: store.version(number) for code, number in store.current_version_ids().items()}
    used: list[VersionUsed] = []
    then: dict[ListCode, int] = {}
    missing: list[ListCode] = []
    for code, now in sorted(current.items()):
        version = store.version_at(code, on)
        if version is None:
            missing.append(code)
            continue
        then[code] = version.id
        used.append(
            VersionUsed(code, version.id, version.as_of, version.file_name, now.id, now.as_of)
        )
    later = {code: now.id for code, now in current.items() if then.get(code) != now.id}
    screener = load_or_build(store, then, cache_dir, also=later)
    held_then = frozenset(i for number in then.values() for i in store.entry_ids(number))
    held_now = frozenset(i for now in current.values() for i in store.entry_ids(now.id))
    return ListsOnDate(on, tuple(used), screener, held_then, held_now, tuple(missing))


__all__ = ["ListsOnDate", "VersionUsed", "lists_on"]
