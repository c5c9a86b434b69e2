"""The versioned list store: every imported list version kept, any past date viewable.

``Store`` is the one entry point for the rest of exportscreen (CLI, API, screening). It works the
same on SQLite (the default, a file) and PostgreSQL; writes go through one transaction holding
the store's write lock (``locking``), reads through their own transaction, so a reader never sees
half an import.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from types import TracebackType

from sqlalchemy.engine import Connection, Engine

from exportscreen import settings
from exportscreen.model import ChangeKind, Entry, EntryChange, FrDocument, ListCode
from exportscreen.sources.common import ParsedSource
from exportscreen.store import (
    entry_links,
    fr_documents,
    importing,
    migrate,
    provenance,
    queries,
    staged_rules,
)
from exportscreen.store.diff import entry_change, field_changes
from exportscreen.store.engine import create_engine
from exportscreen.store.errors import StoreError
from exportscreen.store.history import entry_events
from exportscreen.store.identity import LinkDecision, LinkMethod
from exportscreen.store.locking import write_transaction
from exportscreen.store.plausibility import Plausibility
from exportscreen.store.records import (
    Diff,
    EntryEvent,
    ImportResult,
    ListSummary,
    StoredVersion,
    VersionReview,
)

# How long an import waits for another one to finish before giving up. Loading the full CSL takes
# a few seconds; a minute leaves room for a slow disk without hanging a cron job forever.
DEFAULT_LOCK_TIMEOUT_SECONDS = 60.0

VersionRef = int | date | None


def list_code(value: ListCode | str) -> ListCode:
    """A list code from its enum or its text ("EL", "el"); StoreError for an unknown one."""
    if isinstance(value, ListCode):
        return value
    try:
        return ListCode(value.strip().upper())
    except ValueError:
        known = ", ".join(code.value for code in ListCode)
        raise StoreError(f"unknown list {value!r}; the lists are {known}") from None


class Store:
    def __init__(self, engine: Engine, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS):
        """A store on an engine whose schema is already up to date; use ``Store.open``."""
        self._engine = engine
        self._lock_timeout = lock_timeout

    @classmethod
    def open(
        cls, url: str | None = None, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS
    ) -> Store:
        """Open (creating it if need be) the store at an SQLAlchemy URL or SQLite file path (see
        ``settings.db_url``; the default when None), and upgrade its schema to the latest
        migration."""
        engine = create_engine(settings.db_url(url), lock_timeout=lock_timeout)
        try:
            migrate.upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, lock_timeout=lock_timeout)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- writing -------------------------------------------------------------------------------

    def import_source(
        self,
        parsed: ParsedSource,
        *,
        as_of: date | None = None,
        retrieved_from: str = "",
        progress: Callable[[int, int], None] | None = None,
        plausibility: Plausibility | None = None,
    ) -> ImportResult:
        """Store a parsed file: one version per list it holds, all in one transaction.

        ``as_of`` overrides the file's own date. Re-importing a file (same sha256, same list) is
        a no-op reported as unchanged. ``progress(done, total)`` counts entries written.
        ``plausibility``: the checks each snapshot must pass against the version it replaces,
        made under the write lock (``store.plausibility``); None imports as given.
        """
        (result,) = self.import_sources(
            [(parsed, as_of)],
            retrieved_from=retrieved_from,
            progress=progress,
            plausibility=plausibility,
        )
        return result

    def import_sources(
        self,
        files: Sequence[tuple[ParsedSource, date | None]],
        *,
        retrieved_from: str = "",
        progress: Callable[[int, int], None] | None = None,
        plausibility: Plausibility | None = None,
    ) -> builtins.list[ImportResult]:
        """Store several parsed files, in the order given, in one transaction: all of them or
        none (a load of A and B killed between the two leaves neither). Each is judged against
        the state the ones before it left."""
        label = ", ".join(importing.file_label(parsed) for parsed, _ in files)
        with write_transaction(
            self._engine, lock_timeout=self._lock_timeout, purpose=f"importing {label}"
        ) as connection:
            return [
                importing.import_source(
                    connection,
                    parsed,
                    as_of=as_of,
                    retrieved_from=retrieved_from,
                    progress=progress,
                    checks=plausibility,
                )
                for parsed, as_of in files
            ]

    @contextmanager
    def writing(self, purpose: str) -> Iterator[Connection]:
        """A transaction holding the store's write lock (for changes to what is in force, such
        as a staged version's review); StoreBusyError after the lock timeout."""
        with write_transaction(
            self._engine, lock_timeout=self._lock_timeout, purpose=purpose
        ) as connection:
            yield connection

    # --- versions ------------------------------------------------------------------------------

    def versions_in_review(
        self, review: VersionReview = VersionReview.PENDING
    ) -> builtins.list[StoredVersion]:
        """The versions staged pending review (or rejected, or accepted), by list and id."""
        with self._read() as connection:
            return queries.versions_in_review(connection, review)

    def save_fr_documents(self, documents: builtins.list[FrDocument]) -> int:
        """Cache Federal Register documents' pages and dates (a rule file's own are kept)."""
        with write_transaction(
            self._engine, lock_timeout=self._lock_timeout, purpose="caching FR documents"
        ) as connection:
            return fr_documents.save(connection, documents)

    def fr_documents(self) -> builtins.list[FrDocument]:
        """The Federal Register documents whose pages and dates the store knows."""
        with self._read() as connection:
            return fr_documents.all_documents(connection)

    def stage_rule(self, document: FrDocument, changes: dict[str, builtins.list[str]]) -> bool:
        """Stage an Entity List rule the Federal Register watch found (False: staged before)."""
        with write_transaction(
            self._engine, lock_timeout=self._lock_timeout, purpose="staging an FR rule"
        ) as connection:
            return staged_rules.stage(connection, document, changes)

    def pending_rules(self) -> builtins.list[staged_rules.StagedRule]:
        """Staged rules published after the current Entity List version's data date: published,
        not yet in the consolidated list."""
        with self._read() as connection, connection.begin():
            current = queries.version_at(connection, ListCode.EL, None)
            return staged_rules.staged(connection, current.as_of if current else None)

    def all_staged_rules(self) -> builtins.list[staged_rules.StagedRule]:
        with self._read() as connection:
            return staged_rules.staged(connection)

    def _read(self) -> Connection:
        return self._engine.connect()

    def lists(self) -> list[ListSummary]:
        """Every list in the store with its current version (latest as_of, then latest import)."""
        with self._read() as connection, connection.begin():
            counts = queries.version_count_by_list(connection)
            return [
                ListSummary(
                    list=v.list,
                    version_id=v.id,
                    as_of=v.as_of,
                    imported_at=v.imported_at,
                    entry_count=v.entry_count,
                    version_count=counts[v.list],
                )
                for v in queries.versions_in_force(connection, None)
            ]

    def current_version_ids(self) -> dict[ListCode, int]:
        with self._read() as connection:
            return {v.list: v.id for v in queries.versions_in_force(connection, None)}

    def latest_of_formats(self, formats: Sequence[str]) -> builtins.list[StoredVersion]:
        """For every list, its latest version read from a file of one of ``formats`` (in force
        or not: the CSL's newer version of the list may be), most recent data first. The
        screener reads OFAC's weak-alias marks from these (``screening.index_cache``)."""
        with self._read() as connection:
            return queries.latest_of_formats(connection, formats)

    def versions(self, list: ListCode | str) -> builtins.list[StoredVersion]:
        """The versions of a list, oldest data first (empty when it was never loaded)."""
        with self._read() as connection:
            return queries.versions(connection, list_code(list))

    def version(self, version_id: int) -> StoredVersion:
        with self._read() as connection:
            found = queries.version(connection, version_id)
        if found is None:
            raise StoreError(f"no list version {version_id} in the store")
        return found

    def version_at(self, list: ListCode | str, when: date) -> StoredVersion | None:
        """The version of a list in force on a date, None if the list had none yet."""
        with self._read() as connection:
            return queries.version_at(connection, list_code(list), when)

    # --- entries -------------------------------------------------------------------------------

    def entry_ids(self, version_id: int) -> set[str]:
        """The ids of the entries of one version (without reading the entries)."""
        with self._read() as connection:
            return set(queries.state_ids(connection, version_id))

    def entries(
        self,
        list: ListCode | str | None = None,
        *,
        version_id: int | None = None,
        as_of: date | None = None,
    ) -> builtins.list[Entry]:
        """Entries of one version, or of the version of each list in force on ``as_of``
        (default: the current ones), ordered by list and then as published.

        For one named list with no version in force on ``as_of``, this is a StoreError rather
        than an empty list, which would read as "nobody was listed".
        """
        with self._read() as connection, connection.begin():
            version_ids = self._select_versions(connection, list, version_id, as_of)
            return [*queries.iter_entries(connection, version_ids)]

    def _select_versions(
        self,
        connection: Connection,
        lst: ListCode | str | None,
        version_id: int | None,
        as_of: date | None,
    ) -> list[int]:
        code = list_code(lst) if lst is not None else None
        if version_id is not None:
            if as_of is not None:
                raise StoreError("pass a version or a date, not both")
            found = queries.version(connection, version_id)
            if found is None:
                raise StoreError(f"no list version {version_id} in the store")
            if code is not None and found.list is not code:
                raise StoreError(
                    f"version {version_id} is a {found.list.value} version, not {code.value}"
                )
            return [found.id]
        if code is None:
            return [v.id for v in queries.versions_in_force(connection, as_of)]
        in_force = queries.version_at(connection, code, as_of)
        if in_force is None:
            raise StoreError(_no_version(code, as_of))
        return [in_force.id]

    def entry(self, entry_id: str, *, as_of: date | None = None) -> Entry | None:
        """An entry as listed on ``as_of`` (default: now); None when it was not listed then.

        An id the store has never seen is a StoreError (likely a typo), not None.
        """
        with self._read() as connection, connection.begin():
            code = queries.list_of_entry(connection, entry_id)
            if code is None:
                raise StoreError(f"no entry {entry_id!r} in any version of any list")
            in_force = queries.version_at(connection, code, as_of)
            if in_force is None:
                return None
            return queries.entry_in_version(connection, entry_id, in_force.id)

    def entry_in_version(self, entry_id: str, version_id: int) -> Entry | None:
        """The entry as one version lists it (in force or not); None when it does not."""
        with self._read() as connection, connection.begin():
            return queries.entry_in_version(connection, entry_id, version_id)

    def field_sources(
        self, entry: Entry, *, as_of: date | None = None
    ) -> list[provenance.FieldSource]:
        """Where each legal field of ``entry`` (as listed on ``as_of``) came from: the source
        version that stated its value, or that no loaded source states it."""
        with self._read() as connection, connection.begin():
            return provenance.sources_of(connection, entry, as_of)

    def history(self, entry_id: str) -> list[EntryEvent]:
        """The entry's life on its list: added, each change, removals, re-listings."""
        with self._read() as connection, connection.begin():
            code = queries.list_of_entry(connection, entry_id)
            if code is None:
                raise StoreError(f"no entry {entry_id!r} in any version of any list")
            # A party a reviewer linked across two ids has one history: each version's state
            # of whichever of its ids that version holds (this id first).
            states: dict[int, Entry] = {}
            for same in entry_links.same_party(connection, code, entry_id):
                for version_id, state in queries.entry_states_of(connection, same):
                    states.setdefault(version_id, state)
            return entry_events(queries.versions(connection, code), states)

    # --- identity ------------------------------------------------------------------------------

    def links(
        self, list: ListCode | str | None = None, *, review: bool = False
    ) -> builtins.list[entry_links.StoredLink]:
        """How records got their ids when it was not simply the id they came with, newest
        version first; ``review``: only the undecided ones (a new id was given, a person must
        say whether the record continues one of the candidates)."""
        code = list_code(list) if list is not None else None
        methods = (LinkMethod.AMBIGUOUS,) if review else ()
        with self._read() as connection, connection.begin():
            return entry_links.decisions(connection, lst=code, methods=methods)

    def continued_as(self, entry_id: str) -> entry_links.StoredLink | None:
        """The latest decision that an entry's party continues under another record (merged,
        named in another entry's text, or a link accepted on review), if any."""
        with self._read() as connection, connection.begin():
            return entry_links.continuation(connection, entry_id)

    def continuations(self, list: ListCode | str | None = None) -> dict[str, str]:
        """Old entry id -> the id its party continues under (``continued_as`` for every
        record at once)."""
        code = list_code(list) if list is not None else None
        with self._read() as connection, connection.begin():
            return entry_links.continuations(connection, code)

    def link(self, ref: int | str) -> entry_links.StoredLink:
        """One identity link decision: by its id, or the newest undecided link of a record
        given by its entry id. StoreError when there is none."""
        with self._read() as connection, connection.begin():
            link_id = (
                ref if isinstance(ref, int) else entry_links.undecided_link_id(connection, ref)
            )
            found = (
                entry_links.decisions(connection, link_id=link_id) if link_id is not None else []
            )
        if not found:
            what = f"link {ref}" if isinstance(ref, int) else f"undecided link of {ref}"
            raise StoreError(f"no {what} in the store (see `exportscreen links --review`)")
        return found[0]

    # --- diffs ---------------------------------------------------------------------------------

    def diff(self, list: ListCode | str, from_: VersionRef = None, to: VersionRef = None) -> Diff:
        """What changed in a list between two versions, each given by id or by a date (the
        version in force then). Defaults: ``to`` the current version, ``from_`` the one before
        it (None when ``to`` is the first version: everything is added); for a staged version,
        the version it would replace."""
        code = list_code(list)
        with self._read() as connection, connection.begin():
            after = self._resolve(connection, code, to)
            if after is None:
                raise StoreError(f"no {code.value} version in the store: load the list first")
            before = self._resolve(connection, code, from_) if from_ is not None else None
            if from_ is None and after.review is not VersionReview.ACCEPTED:
                # A staged (or rejected) version: against the version it would replace, which
                # is what its reviewer needs to see.
                before = queries.version_at(connection, code, after.as_of)
            elif from_ is None:
                ordered = queries.versions(connection, code)
                position = next(i for i, v in enumerate(ordered) if v.id == after.id)
                before = ordered[position - 1] if position else None
            old = queries.state_ids(connection, before.id) if before else {}
            new = queries.state_ids(connection, after.id)
            # Entry ids whose state differs, the new version's first (in its order), then the
            # removed ones; only their states are read.
            differing = [eid for eid, sid in new.items() if old.get(eid) != sid]
            differing += [eid for eid in old if eid not in new]
            states = queries.entries_by_state(
                connection,
                [
                    sid
                    for eid in differing
                    for sid in (old.get(eid), new.get(eid))
                    if sid is not None
                ],
            )
            links = [
                link.decision for link in entry_links.decisions(connection, version_id=after.id)
            ]
        kinds: dict[ChangeKind, builtins.list[EntryChange]] = {kind: [] for kind in ChangeKind}
        for eid in differing:
            was, now = old.get(eid), new.get(eid)
            change = entry_change(
                states[was] if was is not None else None, states[now] if now is not None else None
            )
            if change is not None:  # distinct states always differ; None only for the types
                kinds[change.kind].append(change)
        return _classified(code, before, after, kinds, links)

    def _resolve(
        self, connection: Connection, code: ListCode, ref: VersionRef
    ) -> StoredVersion | None:
        if ref is None:
            return queries.version_at(connection, code, None)
        if isinstance(ref, date):
            found = queries.version_at(connection, code, ref)
            if found is None:
                raise StoreError(_no_version(code, ref))
            return found
        found = queries.version(connection, ref)
        if found is None:
            raise StoreError(f"no list version {ref} in the store")
        if found.list is not code:
            raise StoreError(f"version {ref} is a {found.list.value} version, not {code.value}")
        return found


def _classified(
    code: ListCode,
    before: StoredVersion | None,
    after: StoredVersion,
    kinds: dict[ChangeKind, list[EntryChange]],
    links: list[LinkDecision],
) -> Diff:
    """Removals and additions that identity linking explains (merged records, undecided links,
    links accepted on review) and changes of form only, set apart from the legal changes."""
    notes_accepted: dict[str, LinkDecision] = {}
    merged = {
        d.previous_id: d
        for d in links
        if d.method in (LinkMethod.MERGED, LinkMethod.NAMED_IN) and d.previous_id
    }
    undecided = {d.entry_id: d for d in links if d.method is LinkMethod.AMBIGUOUS}
    # Links a reviewer accepted: the new record continues the old one, a change not a swap.
    accepted = {d.entry_id: d for d in links if d.method is LinkMethod.ACCEPTED and d.previous_id}
    removed_by_id = {c.entry_id: c for c in kinds[ChangeKind.REMOVED]}
    joined: set[str] = set()
    for change in list(kinds[ChangeKind.ADDED]):
        decision = accepted.get(change.entry_id)
        old = removed_by_id.get(decision.previous_id or "") if decision else None
        if decision is None or old is None or old.before is None or change.after is None:
            continue
        joined.update((change.entry_id, old.entry_id))
        kinds[ChangeKind.CHANGED].append(
            EntryChange(
                kind=ChangeKind.CHANGED,
                entry_id=change.entry_id,
                before=old.before,
                after=change.after,
                fields=field_changes(old.before, change.after),
            )
        )
        notes_accepted[change.entry_id] = decision
    kinds = {
        kind: [c for c in changes if kind is ChangeKind.CHANGED or c.entry_id not in joined]
        for kind, changes in kinds.items()
    }
    candidates = {c.entry_id: d for d in undecided.values() for c in d.candidates}
    notes: dict[str, LinkDecision] = {d.entry_id: d for d in links if d.method is LinkMethod.SPLIT}
    notes.update(notes_accepted)
    sections: dict[str, list[EntryChange]] = {
        name: [] for name in ("added", "removed", "changed", "format_only", "merged", "unresolved")
    }
    for change in kinds[ChangeKind.ADDED]:
        if change.entry_id in undecided:
            notes[change.entry_id] = undecided[change.entry_id]
            sections["unresolved"].append(change)
        else:
            sections["added"].append(change)
    for change in kinds[ChangeKind.REMOVED]:
        if change.entry_id in merged:
            notes[change.entry_id] = merged[change.entry_id]
            sections["merged"].append(change)
        elif change.entry_id in candidates:
            notes[change.entry_id] = candidates[change.entry_id]
            sections["unresolved"].append(change)
        else:
            sections["removed"].append(change)
    for change in kinds[ChangeKind.CHANGED]:
        legal = any(not f.format_only for f in change.fields)
        sections["changed" if legal else "format_only"].append(change)
    return Diff(
        code,
        from_version=before,
        to_version=after,
        added=tuple(sections["added"]),
        removed=tuple(sections["removed"]),
        changed=tuple(sections["changed"]),
        format_only=tuple(sections["format_only"]),
        merged=tuple(sections["merged"]),
        unresolved=tuple(sections["unresolved"]),
        links=notes,
    )


def _no_version(code: ListCode, when: date | None) -> str:
    if when is None:
        return f"no {code.value} version in the store: load the list first"
    return f"no {code.value} version in force on {when.isoformat()}"
