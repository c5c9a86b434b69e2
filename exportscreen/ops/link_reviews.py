"""An analyst's decision on an identity link the linker could not make.

When a new list version holds a record that may continue one of several earlier records (or one,
not clearly enough), the store gives it a new id and lists the question under
``exportscreen links --review`` (``store.identity``). Someone must answer it: accepting says the
record continues the chosen candidate, so diffs show one party changed (not one removed and one
added) and its history runs across both ids; rejecting says it is a new party. Either decision is
written to the audit trail in the transaction that records it.
"""

from __future__ import annotations

from exportscreen.store import Store, audit_log
from exportscreen.store import entry_links as stored_links
from exportscreen.store.entry_links import StoredLink


def undecided(store: Store) -> list[StoredLink]:
    """The links waiting for a person's decision, newest version first."""
    return store.links(review=True)


def accept(
    store: Store,
    ref: int | str,
    *,
    actor: str,
    continues: str | None = None,
    reason: str = "",
) -> StoredLink:
    """The record of undecided link ``ref`` (its id, or the record's entry id) continues the
    candidate ``continues`` (may be omitted when there is only one)."""
    return _decide(store, ref, accept=True, continues=continues, actor=actor, reason=reason)


def reject(store: Store, ref: int | str, *, actor: str, reason: str = "") -> StoredLink:
    """The record of undecided link ``ref`` is a new party, continuing none of its candidates."""
    return _decide(store, ref, accept=False, continues=None, actor=actor, reason=reason)


def _decide(
    store: Store,
    ref: int | str,
    *,
    accept: bool,
    continues: str | None,
    actor: str,
    reason: str,
) -> StoredLink:
    link_id = store.link(ref).link_id
    with store.writing(f"reviewing identity link {link_id}") as connection:
        decided = stored_links.decide(
            connection, link_id, accept=accept, continues_id=continues, actor=actor, reason=reason
        )
        d = decided.decision
        audit_log.record(
            connection,
            actor,
            f"link.{'accept' if accept else 'reject'}",
            {
                "link_id": decided.link_id,
                "list": decided.version.list.value,
                "version_id": decided.version.id,
                "entry_id": d.entry_id,
                "name": d.name,
                "continues": d.previous_id if accept else None,
                "continues_name": d.previous_name if accept else "",
                "candidates": [c.entry_id for c in d.candidates],
                "reason": reason,
            },
        )
    return decided


__all__ = ["accept", "reject", "undecided"]
