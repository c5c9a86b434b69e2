"""Writing a parsed file into the store: one list version per list, all of them or none.

A snapshot file (the CSL, the BIS JSON, OFAC's sets) restates whole lists; each becomes a version.
A Federal Register rule (``parsed.changes``) amends a list; it becomes an *amendment* version:
the version in force at the rule's effective date with the rule's instructions applied.

Entry states are stored once per distinct content: an entry that did not change between two
versions adds one ``version_entries`` row, not a copy of its data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from exportscreen.model import ChangeKind, Entry, ListCode, RuleChange, entry_to_dict
from exportscreen.sources.common import ParsedSource
from exportscreen.store import entry_links, fr_documents, plausibility, provenance, queries
from exportscreen.store.errors import StoreError
from exportscreen.store.identity import LinkDecision
from exportscreen.store.plausibility import ImplausibleImport, Plausibility
from exportscreen.store.records import (
    ImportResult,
    ImportStatus,
    ListImport,
    StoredVersion,
    VersionKind,
    VersionReview,
)
from exportscreen.store.schema import entry_states, list_versions, version_entries

Progress = Callable[[int, int], None]

# Entries hashed and written per round; progress is reported after each.
_BATCH = 2000


@dataclass(frozen=True, slots=True)
class _PlannedVersion:
    """A list version about to be written."""

    list: ListCode
    kind: VersionKind
    as_of: date
    entries: Sequence[Entry]
    parent_version_id: int | None
    notes: dict[str, Any]
    review: VersionReview = VersionReview.ACCEPTED
    # How an amendment's instructions found the records they name (store.identity).
    links: Sequence[LinkDecision] = ()


class _ProgressCounter:
    def __init__(self, total: int, callback: Progress | None):
        self.total = total
        self.done = 0
        self._callback = callback

    def advance(self, count: int) -> None:
        self.done += count
        if self._callback is not None:
            self._callback(self.done, self.total)


def file_label(parsed: ParsedSource) -> str:
    return ", ".join(path.name for path in parsed.paths) or parsed.format


def import_source(
    connection: Connection,
    parsed: ParsedSource,
    *,
    as_of: date | None,
    retrieved_from: str,
    progress: Progress | None,
    checks: Plausibility | None = None,
) -> ImportResult:
    """Write ``parsed`` on a connection holding the write lock (``locking.write_transaction``).

    With ``checks``, each snapshot is judged against the version it replaces (``_judged``): a list
    may be refused (left out, or the whole import fails) or its version staged pending review."""
    label = file_label(parsed)
    if parsed.entries and parsed.changes:
        raise StoreError(f"{label}: holds both list entries and rule changes; cannot import both")
    lists = _lists_in(parsed)
    if not lists:
        raise StoreError(f"{label}: nothing to import (no entries, no changes, no list named)")
    # Checked under the write lock, so a concurrent import of the same file cannot slip by.
    already = {
        code: version
        for code in lists
        if (version := queries.version_of_file(connection, code, parsed.sha256)) is not None
    }
    to_write = [code for code in lists if code not in already]
    notes: dict[str, Any] = {}
    if parsed.problems:
        notes["problems"] = [
            {"file": p.file, "line": p.line, "field": p.field, "message": p.message}
            for p in parsed.problems
        ]
    if parsed.changes:
        plans = _amendment_plans(connection, parsed, to_write, as_of, notes, label)
    else:
        plans = _linked(connection, _snapshot_plans(parsed, to_write, as_of, notes, label))
    refused: dict[ListCode, str] = {}
    if checks is not None:
        plans, refused = _judged(connection, plans, checks, label)
        lists = [code for code in lists if code not in refused]
    if parsed.document is not None:
        fr_documents.save(connection, [parsed.document])  # the rule's own pages and dates
    counter = _ProgressCounter(sum(len(plan.entries) for plan in plans.values()), progress)
    results: list[ListImport] = []
    for code in lists:
        if code in already:
            results.append(ListImport(code, ImportStatus.UNCHANGED, already[code]))
        else:
            created = _write_version(
                connection, parsed, plans[code], label, retrieved_from, counter
            )
            staged = plans[code].review is VersionReview.PENDING
            status = ImportStatus.STAGED if staged else ImportStatus.IMPORTED
            results.append(ListImport(code, status, created))
    return ImportResult(label, parsed.sha256, tuple(results), len(parsed.problems), refused)


def _lists_in(parsed: ParsedSource) -> list[ListCode]:
    """The lists a file makes versions of: those it names as complete, then those its entries
    or rule changes belong to, in order of appearance."""
    if parsed.changes:
        return list(dict.fromkeys(change.entry.list for change in parsed.changes))
    return list(dict.fromkeys([*parsed.lists, *(entry.list for entry in parsed.entries)]))


# --- planning ----------------------------------------------------------------------------------


def _snapshot_plans(
    parsed: ParsedSource,
    lists: Sequence[ListCode],
    as_of: date | None,
    notes: dict[str, Any],
    label: str,
) -> dict[ListCode, _PlannedVersion]:
    if not lists:
        return {}
    when = as_of or parsed.as_of
    if when is None:
        raise StoreError(f"{label}: no date: pass --as-of (the date the file's data was published)")
    by_list: dict[ListCode, list[Entry]] = {code: [] for code in lists}
    for entry in parsed.entries:
        if entry.list in by_list:
            by_list[entry.list].append(entry)
    return {
        code: _PlannedVersion(
            code, VersionKind.SNAPSHOT, when, _unique(entries, label), None, notes
        )
        for code, entries in by_list.items()
    }


def _unique(entries: Iterable[Entry], label: str) -> list[Entry]:
    """Entries with distinct ids; an exact repeat is dropped, a conflicting one is an error."""
    seen: dict[str, Entry] = {}
    for entry in entries:
        first = seen.setdefault(entry.id, entry)
        if first is not entry and first != entry:
            raise StoreError(
                f"{label}: entry id {entry.id} is used by two different entries "
                f"({first.name!r} and {entry.name!r}); the parser must tell them apart"
            )
    return list(seen.values())


def _rule_date(parsed: ParsedSource, as_of: date | None, label: str) -> date:
    # The rule takes effect on its effective date, which can precede publication (parsed.as_of).
    if as_of is not None:
        return as_of
    effective = {change.effective_date for change in parsed.changes} - {None}
    if len(effective) > 1:
        dates = ", ".join(sorted(d.isoformat() for d in effective if d))
        raise StoreError(f"{label}: the rule has several effective dates ({dates}); pass --as-of")
    if effective:
        (when,) = effective
        assert when is not None
        return when
    if parsed.as_of is None:
        raise StoreError(f"{label}: no date: pass --as-of (the rule's effective date)")
    return parsed.as_of


def _amendment_plans(
    connection: Connection,
    parsed: ParsedSource,
    lists: Sequence[ListCode],
    as_of: date | None,
    notes: dict[str, Any],
    label: str,
) -> dict[ListCode, _PlannedVersion]:
    if not lists:
        return {}
    when = _rule_date(parsed, as_of, label)
    plans = {}
    for code in lists:
        changes = [change for change in parsed.changes if change.entry.list is code]
        base = queries.version_at(connection, code, when)
        if base is None:
            raise StoreError(
                f"{label}: no {code.value} version in force on {when.isoformat()} to apply the "
                f"rule to: load a {code.value} snapshot (e.g. the CSL or the BIS Entity List "
                "JSON) dated on or before it first"
            )
        current = {entry.id: entry for entry in queries.iter_entries(connection, [base.id])}
        changes, links = entry_links.link_rule_changes(connection, code, current, changes)
        unapplied = _apply(current, changes)
        plan_notes = dict(notes)
        plan_notes["rule"] = {
            "instructions": {
                kind.value: sum(c.kind is kind for c in changes) for kind in ChangeKind
            },
            "citations": sorted({str(c.citation) for c in changes if c.citation}),
        }
        if unapplied:
            plan_notes["unapplied"] = unapplied
        plans[code] = _PlannedVersion(
            code,
            VersionKind.AMENDMENT,
            when,
            list(current.values()),
            base.id,
            plan_notes,
            links=links,
        )
    return plans


def _apply(entries: dict[str, Entry], changes: Iterable[RuleChange]) -> list[str]:
    """Apply a rule's instructions in place (dict order = list order); say what did not fit.

    An addition or revision replaces the entry of the same id where it stood, or is appended;
    a removal drops it. Instructions that do not match the base are applied as well as they
    can be and reported, since the base may predate or postdate what the rule assumed.
    """
    unapplied: list[str] = []
    for change in changes:
        entry = change.entry
        if change.kind is ChangeKind.REMOVED:
            if entries.pop(entry.id, None) is None:
                unapplied.append(f"remove {entry.id} ({entry.name}): not in the base version")
            # The parties the removed entry named go with it (sources.subparties).
            for named in [i for i, e in entries.items() if e.details.get("parent_id") == entry.id]:
                del entries[named]
            continue
        if change.kind is ChangeKind.ADDED and entry.id in entries:
            unapplied.append(f"add {entry.id} ({entry.name}): already listed; replaced")
        elif change.kind is ChangeKind.CHANGED and entry.id not in entries:
            unapplied.append(f"revise {entry.id} ({entry.name}): not in the base version; added")
        entries[entry.id] = entry
    return unapplied


# --- plausibility (store.plausibility) ---------------------------------------------------------


def _linked(
    connection: Connection, plans: dict[ListCode, _PlannedVersion]
) -> dict[ListCode, _PlannedVersion]:
    """Snapshots whose records carry the ids of the parties they continue from the version in
    force before them (``store.identity``), before anything is judged or written."""
    result = {}
    for code, plan in plans.items():
        previous = queries.version_at(connection, code, plan.as_of)
        before = queries.state_ids(connection, previous.id) if previous else {}
        linked = entry_links.link_version(connection, code, before, plan.entries)
        result[code] = dataclasses.replace(plan, entries=linked.entries, links=linked.decisions)
    return result


def _judged(
    connection: Connection,
    plans: dict[ListCode, _PlannedVersion],
    checks: Plausibility,
    label: str,
) -> tuple[dict[ListCode, _PlannedVersion], dict[ListCode, str]]:
    """The plans that may be written, staged where the checks say so, and the refused lists.

    Amendments are not judged: a rule's removals are explicit instructions, not missing rows."""
    kept: dict[ListCode, _PlannedVersion] = {}
    refused: dict[ListCode, str] = {}
    alerted = plausibility.open_alert_entry_ids(connection) if plans else set()
    for code, plan in plans.items():
        if plan.kind is not VersionKind.SNAPSHOT:
            kept[code] = plan
            continue
        base = queries.version_at(connection, code, plan.as_of)
        verdict = plausibility.judge(
            connection,
            code,
            [entry.id for entry in plan.entries],
            plan.as_of,
            base,
            checks,
            open_alert_ids=alerted,
        )
        if verdict.refused:
            refused[code] = verdict.refused
        elif verdict.staged:
            notes = {**plan.notes, "staged": list(verdict.staged)}
            kept[code] = dataclasses.replace(plan, review=VersionReview.PENDING, notes=notes)
        else:
            kept[code] = plan
    if refused and checks.refuse_whole:
        reasons = "; ".join(f"{code.value} {why}" for code, why in refused.items())
        raise ImplausibleImport(f"{label}: refused: {reasons}")
    return kept, refused


# --- writing -----------------------------------------------------------------------------------


def _write_version(
    connection: Connection,
    parsed: ParsedSource,
    plan: _PlannedVersion,
    label: str,
    retrieved_from: str,
    counter: _ProgressCounter,
) -> StoredVersion:
    # The version in force before this one, for the counts (read before inserting ours).
    previous = queries.version_at(connection, plan.list, plan.as_of)
    before = queries.state_ids(connection, previous.id) if previous else {}
    links = plan.links
    # A rule states only the entries it adds or revises; a snapshot states all of its entries.
    # The rule's records are named here by the ids identity linking gave them.
    final_ids = {d.source_key: d.entry_id for d in links if d.source_key}
    stated = (
        {
            final_ids.get(c.entry.id, c.entry.id)
            for c in parsed.changes
            if c.kind is not ChangeKind.REMOVED
        }
        if parsed.changes
        else None
    )
    # Fields the file's format does not carry keep their last known values (store.provenance).
    entries = provenance.complete(
        connection, parsed.format, plan.list, plan.entries, previous, stated
    )
    state_ids = _ensure_states(connection, plan.list, entries, counter)
    after = {entry.id: state_id for entry, state_id in zip(entries, state_ids, strict=True)}
    counts = {
        "entries": len(after),
        "added": sum(entry_id not in before for entry_id in after),
        "removed": sum(entry_id not in after for entry_id in before),
        "changed": sum(before.get(entry_id, sid) != sid for entry_id, sid in after.items()),
    }
    counts["unchanged"] = len(after) - counts["added"] - counts["changed"]
    counts.update(entry_links.counts(links, before))
    version_id = connection.execute(
        sa.insert(list_versions).returning(list_versions.c.id),
        {
            "list": plan.list.value,
            "kind": plan.kind.value,
            "source_format": parsed.format,
            "file_name": label,
            "sha256": parsed.sha256,
            "as_of": plan.as_of,
            "imported_at": datetime.now(UTC),
            "entry_count": len(after),
            "retrieved_from": retrieved_from,
            "source_url": parsed.source_url,
            "parent_version_id": plan.parent_version_id,
            "counts": counts,
            "notes": plan.notes,
            "review": plan.review.value,
        },
    ).scalar_one()
    if state_ids:
        connection.execute(
            sa.insert(version_entries),
            [
                {"version_id": version_id, "state_id": state_id, "position": position}
                for position, state_id in enumerate(state_ids)
            ],
        )
    entry_links.record(connection, version_id, plan.list, links)
    created = queries.version(connection, version_id)
    assert created is not None
    provenance.record(connection, created, entries, stated)
    return created


def state_row(entry: Entry) -> dict[str, Any]:
    """An ``entry_states`` row for an entry.

    The digest is ``Entry.content_hash()``'s, computed from the dict stored as ``data`` rather
    than by calling it: ``entry_to_dict`` is the costliest step of an import, and this way it
    runs once per entry, not twice (a test holds the two digests equal).
    """
    data = entry_to_dict(entry)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return {
        "entry_id": entry.id,
        "list": entry.list.value,
        "content_hash": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        "name": entry.name,
        "entry_type": entry.type.value,
        "data": data,
    }


def _ensure_states(
    connection: Connection, lst: ListCode, entries: Sequence[Entry], counter: _ProgressCounter
) -> list[int]:
    """The entry state id of every entry, inserting the states the store does not hold yet."""
    known = {
        (entry_id, content_hash): state_id
        for state_id, entry_id, content_hash in connection.execute(
            sa.select(
                entry_states.c.id, entry_states.c.entry_id, entry_states.c.content_hash
            ).where(entry_states.c.list == lst.value)
        )
    }
    result: list[int] = []
    for start in range(0, len(entries), _BATCH):
        rows = [state_row(entry) for entry in entries[start : start + _BATCH]]
        keys = [(row["entry_id"], row["content_hash"]) for row in rows]
        new_rows = [row for row, key in zip(rows, keys, strict=True) if key not in known]
        if new_rows:
            inserted = connection.execute(
                sa.insert(entry_states).returning(entry_states.c.id, sort_by_parameter_order=True),
                new_rows,
            ).scalars()
            for key, state_id in zip(
                [(row["entry_id"], row["content_hash"]) for row in new_rows], inserted, strict=True
            ):
                known[key] = state_id
        result.extend(known[key] for key in keys)
        counter.advance(len(rows))
    return result
