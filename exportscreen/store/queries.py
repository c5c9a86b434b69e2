"""Read queries shared by the importer and the Store: versions, entry states, version contents.

Every function takes an open connection, so that callers choose the transaction: an import reads
its base under the write lock, a reader in its own snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from exportscreen.model import Entry, ListCode, entry_from_dict
from exportscreen.store.records import StoredVersion, VersionKind, VersionReview
from exportscreen.store.schema import entry_states, list_versions, version_entries

# Rows streamed per fetch when reading whole versions.
_FETCH_ROWS = 2000


def version_from_row(row: Row[Any]) -> StoredVersion:
    return StoredVersion(
        id=row.id,
        list=ListCode(row.list),
        source_format=row.source_format,
        file_name=row.file_name,
        sha256=row.sha256,
        as_of=row.as_of,
        imported_at=row.imported_at,
        entry_count=row.entry_count,
        retrieved_from=row.retrieved_from,
        kind=VersionKind(row.kind),
        parent_version_id=row.parent_version_id,
        source_url=row.source_url,
        counts=dict(row.counts),
        notes=dict(row.notes),
        review=VersionReview(row.review),
    )


# Only accepted versions are ever in force, listed in a history or diffed against; staged and
# rejected ones are read by id or through ``versions_in_review``.
_ACCEPTED = list_versions.c.review == VersionReview.ACCEPTED.value


def _latest_first() -> tuple[sa.UnaryExpression[Any], sa.UnaryExpression[Any]]:
    # "Current" is the latest data date; two versions of the same date: the later import.
    return list_versions.c.as_of.desc(), list_versions.c.id.desc()


def version(connection: Connection, version_id: int) -> StoredVersion | None:
    row = connection.execute(
        sa.select(list_versions).where(list_versions.c.id == version_id)
    ).one_or_none()
    return version_from_row(row) if row else None


def versions(connection: Connection, lst: ListCode) -> list[StoredVersion]:
    """Every version of a list, oldest data first."""
    rows = connection.execute(
        sa.select(list_versions)
        .where(list_versions.c.list == lst.value, _ACCEPTED)
        .order_by(list_versions.c.as_of, list_versions.c.id)
    )
    return [version_from_row(row) for row in rows]


def versions_in_review(
    connection: Connection, review: VersionReview = VersionReview.PENDING
) -> list[StoredVersion]:
    """Every version in a review state (default: those staged, pending review), by list and id."""
    rows = connection.execute(
        sa.select(list_versions)
        .where(list_versions.c.review == review.value)
        .order_by(list_versions.c.list, list_versions.c.id)
    )
    return [version_from_row(row) for row in rows]


def version_at(connection: Connection, lst: ListCode, when: date | None) -> StoredVersion | None:
    """The version of a list in force on ``when`` (the current one for None)."""
    query = sa.select(list_versions).where(list_versions.c.list == lst.value, _ACCEPTED)
    if when is not None:
        query = query.where(list_versions.c.as_of <= when)
    row = connection.execute(query.order_by(*_latest_first()).limit(1)).first()
    return version_from_row(row) if row else None


def version_of_file(connection: Connection, lst: ListCode, sha256: str) -> StoredVersion | None:
    row = connection.execute(
        sa.select(list_versions).where(
            list_versions.c.list == lst.value, list_versions.c.sha256 == sha256
        )
    ).one_or_none()
    return version_from_row(row) if row else None


def versions_in_force(connection: Connection, when: date | None) -> list[StoredVersion]:
    """For every list, the version in force on ``when`` (the current one for None)."""
    rank = (
        sa.func.row_number()
        .over(partition_by=list_versions.c.list, order_by=_latest_first())
        .label("rank")
    )
    ranked = sa.select(list_versions, rank).where(_ACCEPTED)
    if when is not None:
        ranked = ranked.where(list_versions.c.as_of <= when)
    latest = ranked.subquery()
    rows = connection.execute(sa.select(latest).where(latest.c.rank == 1).order_by(latest.c.list))
    return [version_from_row(row) for row in rows]


def latest_of_formats(connection: Connection, formats: Sequence[str]) -> list[StoredVersion]:
    """For every list, its latest accepted version read from a file of one of ``formats``
    (whether in force or not), most recent data first."""
    rank = (
        sa.func.row_number()
        .over(partition_by=list_versions.c.list, order_by=_latest_first())
        .label("rank")
    )
    ranked = sa.select(list_versions, rank).where(
        _ACCEPTED, list_versions.c.source_format.in_(list(formats))
    )
    latest = ranked.subquery()
    rows = connection.execute(
        sa.select(latest)
        .where(latest.c.rank == 1)
        .order_by(latest.c.as_of.desc(), latest.c.id.desc())
    )
    return [version_from_row(row) for row in rows]


def version_count_by_list(connection: Connection) -> dict[ListCode, int]:
    rows = connection.execute(
        sa.select(list_versions.c.list, sa.func.count())
        .where(_ACCEPTED)
        .group_by(list_versions.c.list)
    )
    return {ListCode(code): count for code, count in rows}


def state_ids(connection: Connection, version_id: int) -> dict[str, int]:
    """Entry id -> entry state id, for every entry of a version, in published order."""
    rows = connection.execute(
        sa.select(entry_states.c.entry_id, entry_states.c.id)
        .join(version_entries, version_entries.c.state_id == entry_states.c.id)
        .where(version_entries.c.version_id == version_id)
        .order_by(version_entries.c.position)
    )
    return {entry_id: state_id for entry_id, state_id in rows}


def entries_by_state(connection: Connection, ids: Sequence[int]) -> dict[int, Entry]:
    result: dict[int, Entry] = {}
    # Bounded IN lists: SQLite limits bound parameters per statement.
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        rows = connection.execute(
            sa.select(entry_states.c.id, entry_states.c.data).where(entry_states.c.id.in_(chunk))
        )
        result.update((state_id, entry_from_dict(data)) for state_id, data in rows)
    return result


def iter_entries(connection: Connection, version_ids: Sequence[int]) -> Iterator[Entry]:
    """The entries of the given versions, by list code and then in published order."""
    if not version_ids:
        return
    query = (
        sa.select(entry_states.c.data)
        .join(version_entries, version_entries.c.state_id == entry_states.c.id)
        .where(version_entries.c.version_id.in_(version_ids))
        .order_by(entry_states.c.list, version_entries.c.position)
    )
    # On the statement, not the connection: a connection's options would outlive this query and
    # turn the importer's later INSERTs into server-side cursors on PostgreSQL.
    result = connection.execute(query.execution_options(yield_per=_FETCH_ROWS))
    for partition in result.partitions():
        for (data,) in partition:
            yield entry_from_dict(data)


def entry_states_of(connection: Connection, entry_id: str) -> list[tuple[int, Entry]]:
    """Every version id holding the entry, with the entry's state there."""
    rows = connection.execute(
        sa.select(version_entries.c.version_id, entry_states.c.data)
        .join(version_entries, version_entries.c.state_id == entry_states.c.id)
        .where(entry_states.c.entry_id == entry_id)
    )
    return [(version_id, entry_from_dict(data)) for version_id, data in rows]


def list_of_entry(connection: Connection, entry_id: str) -> ListCode | None:
    """The list an entry id belongs to, if the store has ever held it."""
    code = connection.execute(
        sa.select(entry_states.c.list).where(entry_states.c.entry_id == entry_id).limit(1)
    ).scalar_one_or_none()
    return ListCode(code) if code else None


def entry_in_version(connection: Connection, entry_id: str, version_id: int) -> Entry | None:
    data = connection.execute(
        sa.select(entry_states.c.data)
        .join(version_entries, version_entries.c.state_id == entry_states.c.id)
        .where(version_entries.c.version_id == version_id, entry_states.c.entry_id == entry_id)
    ).scalar_one_or_none()
    return entry_from_dict(data) if data is not None else None


def entry_state(connection: Connection, entry_id: str, content_hash: str) -> Entry | None:
    """The entry as it was in its state of ``content_hash`` (what an analyst decided on)."""
    data = connection.execute(
        sa.select(entry_states.c.data).where(
            (entry_states.c.entry_id == entry_id) & (entry_states.c.content_hash == content_hash)
        )
    ).scalar_one_or_none()
    return entry_from_dict(data) if data is not None else None
