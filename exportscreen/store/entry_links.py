"""The ``entry_links`` table: how the records of each version got their ids (``store.identity``).

The importer calls ``link_version`` before it writes a snapshot and ``record`` after, in the same
transaction; ``link_rule_changes`` gives a Federal Register rule's instructions the ids of the
records they name. ``decisions`` reads them back for ``exportscreen links`` and for diffs (a record
merged into another is not a removal; an ambiguous one is a question, not an addition).

An ambiguous link stays a question until a person decides it (``decide``, in ``link_reviews``):
read back, the decision is then ACCEPTED (the record continues the chosen candidate: one party
under two ids, which diffs and histories join) or REJECTED (a new party). The linker's own row is
never changed, so what it could not decide stays on record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from exportscreen.model import Entry, ListCode, RuleChange
from exportscreen.store import queries
from exportscreen.store.errors import StoreError
from exportscreen.store.identity import (
    Candidate,
    LinkDecision,
    Linked,
    LinkMethod,
    link_entries,
    open_previous_ids,
)
from exportscreen.store.records import StoredVersion
from exportscreen.store.schema import entry_links, link_reviews, list_versions


@dataclass(frozen=True, slots=True)
class LinkReview:
    """A person's decision on an undecided link."""

    accepted: bool
    continues_id: str | None
    decided_by: str
    decided_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class StoredLink:
    """A link decision with the version it was made for; for a reviewed AMBIGUOUS link the
    decision reads ACCEPTED or REJECTED and ``review`` says who decided, when and why."""

    version: StoredVersion
    decision: LinkDecision
    link_id: int = 0
    review: LinkReview | None = None


def known_ids(connection: Connection, lst: ListCode) -> dict[str, str]:
    """Provisional id -> the stored id earlier decisions gave it (the latest decision wins)."""
    rows = connection.execute(
        sa.select(entry_links.c.source_key, entry_links.c.entry_id)
        .join(list_versions, list_versions.c.id == entry_links.c.version_id)
        .where(
            entry_links.c.list == lst.value,
            entry_links.c.source_key != "",
            entry_links.c.source_key != entry_links.c.entry_id,
        )
        .order_by(list_versions.c.as_of, list_versions.c.id, entry_links.c.id)
    )
    return {source_key: entry_id for source_key, entry_id in rows}


def link_version(
    connection: Connection,
    lst: ListCode,
    previous_states: Mapping[str, int],
    entries: Sequence[Entry],
) -> Linked:
    """The records of a new version of ``lst`` with the ids of the parties they continue from
    the version in force before it (``previous_states``: its entry id -> state id)."""
    known = known_ids(connection, lst)
    open_ids = open_previous_ids(previous_states, known, entries)
    by_state = queries.entries_by_state(connection, [previous_states[i] for i in open_ids])
    return link_entries(previous_states, list(by_state.values()), known, entries)


def link_rule_changes(
    connection: Connection, lst: ListCode, base: Mapping[str, Entry], changes: Sequence[RuleChange]
) -> tuple[list[RuleChange], list[LinkDecision]]:
    """A rule's instructions with the ids of the base records they name (an instruction to
    remove or revise names its party the way the rule prints it, not by our id)."""
    if not changes:
        return [], []
    known = known_ids(connection, lst)
    entries = [change.entry for change in changes]
    open_ids = set(open_previous_ids(base, known, entries))
    linked = link_entries(base, [e for i, e in base.items() if i in open_ids], known, entries)
    result = [
        change if change.entry is entry else replace(change, entry=entry)
        for change, entry in zip(changes, linked.entries, strict=True)
    ]
    # Merges concern base records a rule does not restate; they are not decisions of the rule.
    return result, [d for d in linked.decisions if d.method is not LinkMethod.MERGED]


def counts(decisions: Sequence[LinkDecision], before: Mapping[str, int]) -> dict[str, int]:
    """What identity linking adds to a version's counts: old records merged into another
    (``merged``; a version's ``removed`` counts them too) and new records to review
    (``undecided``), each only when there are any."""
    continuing = (LinkMethod.MERGED, LinkMethod.NAMED_IN)
    found = {
        "merged": sum(d.method in continuing and d.previous_id in before for d in decisions),
        "undecided": sum(d.method is LinkMethod.AMBIGUOUS for d in decisions),
    }
    return {name: count for name, count in found.items() if count}


def record(
    connection: Connection, version_id: int, lst: ListCode, decisions: Sequence[LinkDecision]
) -> None:
    if not decisions:
        return
    connection.execute(
        sa.insert(entry_links),
        [
            {
                "version_id": version_id,
                "list": lst.value,
                "entry_id": d.entry_id,
                "source_key": d.source_key,
                "name": d.name,
                "method": d.method.value,
                "confidence": d.confidence,
                "previous_id": d.previous_id,
                "previous_name": d.previous_name,
                "candidates": [
                    {"entry_id": c.entry_id, "name": c.name, "confidence": c.confidence}
                    for c in d.candidates
                ],
            }
            for d in decisions
        ],
    )


def _decision(row: Any) -> LinkDecision:
    return LinkDecision(
        entry_id=row.entry_id,
        source_key=row.source_key,
        name=row.name,
        method=LinkMethod(row.method),
        confidence=row.confidence,
        previous_id=row.previous_id,
        previous_name=row.previous_name,
        candidates=tuple(
            Candidate(c["entry_id"], c["name"], float(c["confidence"])) for c in row.candidates
        ),
    )


def decisions(
    connection: Connection,
    *,
    version_id: int | None = None,
    lst: ListCode | None = None,
    methods: Sequence[LinkMethod] = (),
    link_id: int | None = None,
) -> list[StoredLink]:
    """Link decisions, newest version first, optionally of one version, list or kind (a
    reviewed AMBIGUOUS link is of the kind it was decided to be: ACCEPTED or REJECTED)."""
    query = (
        sa.select(
            entry_links,
            link_reviews.c.decision.label("review_decision"),
            link_reviews.c.continues_id.label("review_continues_id"),
            link_reviews.c.decided_by.label("review_by"),
            link_reviews.c.decided_at.label("review_at"),
            link_reviews.c.reason.label("review_reason"),
        )
        .join(list_versions, list_versions.c.id == entry_links.c.version_id)
        .outerjoin(link_reviews, link_reviews.c.link_id == entry_links.c.id)
    )
    if version_id is not None:
        query = query.where(entry_links.c.version_id == version_id)
    if link_id is not None:
        query = query.where(entry_links.c.id == link_id)
    if lst is not None:
        query = query.where(entry_links.c.list == lst.value)
    reviewed = {LinkMethod.ACCEPTED, LinkMethod.REJECTED}
    if methods:
        stored = {m for m in methods if m not in reviewed}
        if reviewed & set(methods):
            stored.add(LinkMethod.AMBIGUOUS)
        query = query.where(entry_links.c.method.in_([m.value for m in stored]))
    query = query.order_by(
        list_versions.c.as_of.desc(), list_versions.c.id.desc(), entry_links.c.id
    )
    rows = connection.execute(query).all()
    versions: dict[int, StoredVersion] = {}
    result = []
    for row in rows:
        if row.version_id not in versions:
            found = queries.version(connection, row.version_id)
            assert found is not None  # a foreign key
            versions[row.version_id] = found
        link = _reviewed(StoredLink(versions[row.version_id], _decision(row), row.id), row)
        if not methods or link.decision.method in methods:
            result.append(link)
    return result


def _reviewed(link: StoredLink, row: Any) -> StoredLink:
    """The link as a person decided it, if one did."""
    if row.review_decision is None:
        return link
    review = LinkReview(
        accepted=row.review_decision == "accepted",
        continues_id=row.review_continues_id,
        decided_by=row.review_by,
        decided_at=row.review_at,
        reason=row.review_reason,
    )
    d = link.decision
    if review.accepted:
        chosen = next(c for c in d.candidates if c.entry_id == review.continues_id)
        decision = replace(
            d,
            method=LinkMethod.ACCEPTED,
            previous_id=chosen.entry_id,
            previous_name=chosen.name,
            confidence=chosen.confidence,
        )
    else:
        decision = replace(d, method=LinkMethod.REJECTED)
    return replace(link, decision=decision, review=review)


def decide(
    connection: Connection,
    link_id: int,
    *,
    accept: bool,
    continues_id: str | None,
    actor: str,
    reason: str,
) -> StoredLink:
    """Record a person's decision on an undecided link: accepted (the record continues the
    candidate ``continues_id``; may be omitted when there is one candidate) or rejected (a new
    party). StoreError for an unknown link, one that was not undecided, one already decided,
    or a candidate the linker did not offer."""
    link = next(iter(decisions(connection, link_id=link_id)), None)
    if link is None:
        raise StoreError(f"no identity link {link_id} in the store")
    if link.review is not None:
        r = link.review
        raise StoreError(
            f"link {link_id} was already {'accepted' if r.accepted else 'rejected'} by "
            f"{r.decided_by} on {r.decided_at.date().isoformat()}"
        )
    d = link.decision
    if d.method is not LinkMethod.AMBIGUOUS:
        raise StoreError(
            f"link {link_id} ({d.entry_id} {d.name}) was decided by the linker "
            f"({d.method.value}), not left for review"
        )
    offered = [c.entry_id for c in d.candidates]
    if accept:
        if continues_id is None and len(offered) == 1:
            continues_id = offered[0]
        if continues_id is None:
            raise StoreError(
                f"link {link_id} has {len(offered)} candidates: say which one the record "
                f"continues ({', '.join(offered)})"
            )
        if continues_id not in offered:
            raise StoreError(
                f"{continues_id} is not a candidate of link {link_id} ({', '.join(offered)})"
            )
    else:
        continues_id = None
    connection.execute(
        sa.insert(link_reviews).values(
            link_id=link_id,
            decision="accepted" if accept else "rejected",
            continues_id=continues_id,
            decided_by=actor,
            decided_at=datetime.now(UTC),
            reason=reason,
        )
    )
    (decided,) = decisions(connection, link_id=link_id)
    return decided


def undecided_link_id(connection: Connection, entry_id: str) -> int | None:
    """The id of the newest undecided link of the record ``entry_id`` (None if it has none)."""
    for link in decisions(connection, methods=(LinkMethod.AMBIGUOUS,)):
        if link.decision.entry_id == entry_id:
            return link.link_id
    return None


# Decisions that an old record's party continues under another record's id.
CONTINUING: tuple[LinkMethod, ...] = (LinkMethod.MERGED, LinkMethod.NAMED_IN, LinkMethod.ACCEPTED)


def continuations(connection: Connection, lst: ListCode | None = None) -> dict[str, str]:
    """Old entry id -> the id its party continues under (merged, named in another entry, or a
    link accepted on review), the newest decision winning."""
    found: dict[str, str] = {}
    for link in decisions(connection, lst=lst, methods=CONTINUING):
        d = link.decision
        if d.previous_id and d.previous_id != d.entry_id:
            found.setdefault(d.previous_id, d.entry_id)  # newest version first
    return found


def same_party(connection: Connection, lst: ListCode, entry_id: str) -> list[str]:
    """``entry_id`` and every id a link accepted on review joins it with (either way, through
    any number of links), ``entry_id`` first."""
    pairs = [
        (link.decision.previous_id, link.decision.entry_id)
        for link in decisions(connection, lst=lst, methods=(LinkMethod.ACCEPTED,))
        if link.decision.previous_id
    ]
    group = [entry_id]
    grew = True
    while grew:
        grew = False
        for old, new in pairs:
            for a, b in ((old, new), (new, old)):
                if a in group and b not in group:
                    group.append(b)
                    grew = True
    return group


def continuation(connection: Connection, entry_id: str) -> StoredLink | None:
    """The newest decision that an old record's party continues under another record: MERGED,
    NAMED_IN, or an undecided link accepted on review."""
    row = connection.execute(
        sa.select(entry_links)
        .join(list_versions, list_versions.c.id == entry_links.c.version_id)
        .where(
            entry_links.c.previous_id == entry_id,
            entry_links.c.method.in_([LinkMethod.MERGED.value, LinkMethod.NAMED_IN.value]),
        )
        .order_by(list_versions.c.as_of.desc(), list_versions.c.id.desc())
        .limit(1)
    ).first()
    merged = None
    if row is not None:
        found = queries.version(connection, row.version_id)
        assert found is not None  # a foreign key
        merged = StoredLink(found, _decision(row), row.id)
    accepted = [
        link
        for link in decisions(connection, methods=(LinkMethod.ACCEPTED,))
        if link.decision.previous_id == entry_id
    ]
    # A person's decision first: of two decisions of one version, it is the one to show.
    candidates = [link for link in (*accepted[:1], merged) if link is not None]
    if not candidates:
        return None
    return max(candidates, key=lambda link: (link.version.as_of, link.version.id))
