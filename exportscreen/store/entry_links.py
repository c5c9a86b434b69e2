"""The ``entry_links`` table: how the records of each version got their ids (``store.identity``).

The importer calls ``link_version`` before it writes a snapshot and ``record`` after, in the same
transaction; ``link_rule_changes`` gives a Federal Register rule's instructions the ids of the
records they name. ``decisions`` reads them back for ``exportscreen links`` and for diffs (a record
merged into another is not a removal; an ambiguous one is a question, not an addition).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from exportscreen.model import Entry, ListCode, RuleChange
from exportscreen.store import queries
from exportscreen.store.identity import (
    Candidate,
    LinkDecision,
    Linked,
    LinkMethod,
    link_entries,
    open_previous_ids,
)
from exportscreen.store.records import StoredVersion
from exportscreen.store.schema import entry_links, list_versions


@dataclass(frozen=True, slots=True)
class StoredLink:
    """A link decision with the version it was made for."""

    version: StoredVersion
    decision: LinkDecision


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
) -> list[StoredLink]:
    """Link decisions, newest version first, optionally of one version, list or kind."""
    query = sa.select(entry_links).join(
        list_versions, list_versions.c.id == entry_links.c.version_id
    )
    if version_id is not None:
        query = query.where(entry_links.c.version_id == version_id)
    if lst is not None:
        query = query.where(entry_links.c.list == lst.value)
    if methods:
        query = query.where(entry_links.c.method.in_([m.value for m in methods]))
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
        result.append(StoredLink(versions[row.version_id], _decision(row)))
    return result


def continuation(connection: Connection, entry_id: str) -> StoredLink | None:
    """The newest MERGED or NAMED_IN decision about an old record."""
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
    if row is None:
        return None
    found = queries.version(connection, row.version_id)
    assert found is not None  # a foreign key
    return StoredLink(found, _decision(row))
