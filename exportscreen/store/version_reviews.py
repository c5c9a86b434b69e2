"""The review state of list versions: a staged (pending) version accepted or rejected.

Writes take the caller's connection, which holds the store's write lock (``Store.writing``), so
that the decision commits together with its audit record and never interleaves with an import
judging the same list (``store.plausibility``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from exportscreen.store import queries
from exportscreen.store.errors import StoreError
from exportscreen.store.records import StoredVersion, VersionReview
from exportscreen.store.schema import list_versions


class UnknownVersion(StoreError):
    """No list version has that id."""


class NotPending(StoreError):
    """The version was already accepted or rejected (or never staged)."""


def decide(
    connection: Connection, version_id: int, review: VersionReview, *, actor: str, reason: str
) -> StoredVersion:
    """Set a pending version's review to accepted or rejected, with who decided and why in its
    notes. StoreError for an unknown version or one that is not pending."""
    if review is VersionReview.PENDING:
        raise StoreError("a version is accepted or rejected, not put back to pending")
    found = queries.version(connection, version_id)
    if found is None:
        raise UnknownVersion(f"no list version {version_id} in the store")
    if found.review is not VersionReview.PENDING:
        raise NotPending(
            f"version {version_id} ({found.list.value}) is {found.review.value}, not pending review"
        )
    notes = {
        **found.notes,
        "review": {
            "decision": review.value,
            "by": actor,
            "at": datetime.now(UTC).isoformat(),
            "reason": reason,
        },
    }
    connection.execute(
        sa.update(list_versions)
        .where(list_versions.c.id == version_id)
        .values(review=review.value, notes=notes)
    )
    decided = queries.version(connection, version_id)
    assert decided is not None
    return decided
