"""The versioned list store: list versions, entry histories, as-of views and diffs.

``Store.open(url)`` opens (and migrates) a store on SQLite or PostgreSQL; see ``store.Store``.
"""

from exportscreen.store.diff import ListFieldChange, entry_change, field_changes
from exportscreen.store.errors import StoreBusyError, StoreError
from exportscreen.store.records import (
    Diff,
    EntryEvent,
    EventKind,
    ImportResult,
    ImportStatus,
    ListImport,
    ListSummary,
    StoredVersion,
    VersionKind,
    VersionReview,
)
from exportscreen.store.store import DEFAULT_LOCK_TIMEOUT_SECONDS, Store, list_code

__all__ = [
    "DEFAULT_LOCK_TIMEOUT_SECONDS",
    "Diff",
    "EntryEvent",
    "EventKind",
    "ImportResult",
    "ImportStatus",
    "ListFieldChange",
    "ListImport",
    "ListSummary",
    "Store",
    "StoreBusyError",
    "StoreError",
    "StoredVersion",
    "VersionKind",
    "VersionReview",
    "entry_change",
    "field_changes",
    "list_code",
]
