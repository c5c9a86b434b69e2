"""Staged list versions: what is pending review, and an admin's decision on it.

A version that fails a plausibility check (``store.plausibility``: a removal of more than 5% of a
list, of an entry with an open alert, or fewer entries than a second publisher lists) is written
but not made current. Someone must look at it: accepting makes it a version like any other (the
current one if it is the latest), rejecting keeps it out for good. Either decision is written to
the audit trail in the transaction that makes it.
"""

from __future__ import annotations

from exportscreen.store import Store, StoredVersion, VersionReview, audit_log, version_reviews


def pending(store: Store) -> list[StoredVersion]:
    """The versions staged pending review, by list and id."""
    return store.versions_in_review(VersionReview.PENDING)


def accept(store: Store, version_id: int, *, actor: str, reason: str = "") -> StoredVersion:
    """Accept a staged version: from now on it is in force from its date."""
    return _decide(store, version_id, VersionReview.ACCEPTED, actor, reason)


def reject(store: Store, version_id: int, *, actor: str, reason: str = "") -> StoredVersion:
    """Reject a staged version: it is kept for the record and never in force."""
    return _decide(store, version_id, VersionReview.REJECTED, actor, reason)


def _decide(
    store: Store, version_id: int, review: VersionReview, actor: str, reason: str
) -> StoredVersion:
    with store.writing(f"reviewing version {version_id}") as connection:
        decided = version_reviews.decide(connection, version_id, review, actor=actor, reason=reason)
        audit_log.record(
            connection,
            actor,
            f"version.{'accept' if review is VersionReview.ACCEPTED else 'reject'}",
            {
                "version_id": decided.id,
                "list": decided.list.value,
                "file": decided.file_name,
                "sha256": decided.sha256,
                "as_of": decided.as_of.isoformat(),
                "entries": decided.entry_count,
                "staged": list(decided.notes.get("staged", [])),
                "reason": reason,
            },
        )
    return decided


__all__ = ["accept", "pending", "reject"]
