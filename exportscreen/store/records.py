"""What the store returns: versions with their provenance, list summaries, import results,
entry histories and diffs."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from exportscreen.lists import LIST_NAMES
from exportscreen.model import Entry, EntryChange, FieldChange, ListCode, ListVersion
from exportscreen.store.identity import LinkDecision


class VersionKind(enum.StrEnum):
    SNAPSHOT = "snapshot"  # a whole list as published
    AMENDMENT = "amendment"  # a Federal Register rule applied to the version in force before it


class VersionReview(enum.StrEnum):
    """Whether a version may be in force: see ``store.plausibility``."""

    ACCEPTED = "accepted"  # passed the checks, or an admin accepted it
    PENDING = "pending"  # staged: written, never current, until an admin decides
    REJECTED = "rejected"  # an admin refused it; kept for the record, never current


@dataclass(frozen=True, slots=True)
class StoredVersion(ListVersion):
    """A list version with how it came to be."""

    kind: VersionKind = VersionKind.SNAPSHOT
    parent_version_id: int | None = None  # the base an amendment was applied to
    source_url: str = ""
    # added / changed / removed / unchanged against the version in force before it.
    counts: Mapping[str, int] = field(default_factory=dict)
    notes: Mapping[str, Any] = field(default_factory=dict)
    review: VersionReview = VersionReview.ACCEPTED


@dataclass(frozen=True, slots=True)
class ListSummary:
    """A list as the store holds it now."""

    list: ListCode
    version_id: int  # the current version: latest as_of, then the latest import
    as_of: date
    imported_at: datetime
    entry_count: int
    version_count: int

    @property
    def name(self) -> str:
        return LIST_NAMES[self.list]


class ImportStatus(enum.StrEnum):
    IMPORTED = "imported"
    UNCHANGED = "unchanged"  # this file was already imported for this list
    STAGED = "staged"  # a version was written but is pending review (``store.plausibility``)


@dataclass(frozen=True, slots=True)
class ListImport:
    """What importing a file did to one list: the version it created, or the one it already
    had created before (UNCHANGED). ``version.counts`` says what changed."""

    list: ListCode
    status: ImportStatus
    version: StoredVersion


@dataclass(frozen=True, slots=True)
class ImportResult:
    file_name: str
    sha256: str
    lists: tuple[ListImport, ...]
    problems: int = 0  # rows the parser skipped (``--skip-bad-rows``), recorded in the versions
    # Lists the plausibility checks kept out of the import altogether, with the reason.
    refused: Mapping[ListCode, str] = field(default_factory=dict)

    @property
    def status(self) -> ImportStatus:
        """UNCHANGED when the file had been imported before for every list it holds."""
        if all(item.status is ImportStatus.UNCHANGED for item in self.lists):
            return ImportStatus.UNCHANGED
        return ImportStatus.IMPORTED

    @property
    def created(self) -> tuple[StoredVersion, ...]:
        """The versions this import wrote and made current (staged ones are in ``staged``)."""
        return tuple(item.version for item in self.lists if item.status is ImportStatus.IMPORTED)

    @property
    def staged(self) -> tuple[StoredVersion, ...]:
        """The versions this import wrote pending review."""
        return tuple(item.version for item in self.lists if item.status is ImportStatus.STAGED)

    @property
    def version_ids(self) -> dict[ListCode, int]:
        return {item.list: item.version.id for item in self.lists}


class EventKind(enum.StrEnum):
    ADDED = "added"  # first appearance on the list
    CHANGED = "changed"
    REMOVED = "removed"  # absent from a version after being present (a tombstone)
    RELISTED = "relisted"  # present again after a removal


@dataclass(frozen=True, slots=True)
class EntryEvent:
    """One step in an entry's life on its list.

    ``entry`` is the state from ``version`` on (for REMOVED, the last state before removal);
    ``through`` is the last version of the list in which that situation still held, so the
    versions in which the entry was unchanged are covered without an event each.
    """

    kind: EventKind
    version: StoredVersion
    through: StoredVersion
    entry: Entry
    fields: tuple[FieldChange, ...] = ()  # for CHANGED and RELISTED: what differs from before


@dataclass(frozen=True, slots=True)
class Diff:
    """How a list changed from one version to another (``from_version`` None: from nothing).

    ``changed`` holds entries with at least one legal change (their ``fields`` also list the
    changes of form, flagged); ``format_only`` those that differ only in form. ``merged`` holds
    old records whose party is still listed under another record (``links`` by the old id says
    which), ``unresolved`` the records identity linking could not decide on: a new record that
    may continue an old one, and the old records it may continue (``links`` by the new id). A
    record in neither ``removed`` nor ``added`` is not a removal or an addition."""

    list: ListCode
    from_version: StoredVersion | None
    to_version: StoredVersion
    added: tuple[EntryChange, ...] = ()
    removed: tuple[EntryChange, ...] = ()
    changed: tuple[EntryChange, ...] = ()
    format_only: tuple[EntryChange, ...] = ()
    merged: tuple[EntryChange, ...] = ()
    unresolved: tuple[EntryChange, ...] = ()
    # The identity decisions behind the entries above, by entry id (merged: by the old id).
    links: Mapping[str, LinkDecision] = field(default_factory=dict)

    @property
    def to_screen(self) -> tuple[str, ...]:
        """Ids in the new version whose record is new or differs, whatever the section (an
        undecided record is new; a change of form is still a change to the record), and the
        records merged parties continue under: what a re-screen must look at."""
        ids = [c.entry_id for c in (*self.added, *self.changed, *self.format_only)]
        ids += [c.entry_id for c in self.unresolved if c.after is not None]
        ids += [self.links[c.entry_id].entry_id for c in self.merged if c.entry_id in self.links]
        return tuple(dict.fromkeys(ids))

    @property
    def gone(self) -> tuple[str, ...]:
        """Ids of the old version absent from the new one: removed, merged, undecided, or
        continued under a new id by a link accepted on review (a change of its party)."""
        ids = [c.entry_id for c in (*self.removed, *self.merged)]
        ids += [c.entry_id for c in self.unresolved if c.after is None]
        ids += [
            c.before.id
            for c in (*self.changed, *self.format_only)
            if c.before is not None and c.before.id != c.entry_id
        ]
        return tuple(ids)
