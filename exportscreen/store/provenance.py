"""Field provenance: which source version stated each legal field of an entry.

Modelled on OpenSanctions' statements (followthemoney's ``Statement``): one row per entry, legal
field, value and source format, with the versions and dates it was first and last stated. A file
states the fields its format carries (``sources/fields.yaml``), empty or not; a field its format
does not carry is not stated, and the entry keeps its last known value (``complete``), so that
loading the eCFR-derived Entity List, which has no review-policy column, does not erase the review
policies the CSL and the Federal Register rules gave. An entry no loaded source ever gave a review
policy has ``ReviewPolicy.NOT_STATED``, never "none".

``sources_of`` answers "where did this value come from" for ``show`` and the API.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from exportscreen.model import Entry, ListCode, Review, ReviewPolicy
from exportscreen.sources import fields
from exportscreen.store import queries
from exportscreen.store.records import StoredVersion
from exportscreen.store.schema import list_versions, statements

# Statement ids updated per statement (SQLite's bound-parameter limit).
_CHUNK = 900


def _value(entry: Entry, name: str) -> tuple[str, str]:
    """The value as JSON text and a digest of it (128 bits: only values of one entry's field
    are told apart by it)."""
    encoded = msgspec.json.encode(fields.get(entry, name))
    return encoded.decode("utf-8"), hashlib.blake2b(encoded, digest_size=16).hexdigest()


def complete(
    connection: Connection,
    source_format: str,
    lst: ListCode,
    entries: Sequence[Entry],
    previous: StoredVersion | None,
    stated: Collection[str] | None,
) -> list[Entry]:
    """``entries`` with every legal field their format does not carry taken from the same entry
    in ``previous`` (the version in force before); without one, a review policy is NOT_STATED.
    Only the entries the file states (``stated`` ids; None: all) are touched."""
    missing = [
        name for name in fields.LEGAL_FIELDS if name not in fields.carried(source_format, lst)
    ]
    if not missing:
        return list(entries)
    wanted = {e.id for e in entries if stated is None or e.id in stated}
    before: dict[str, Entry] = {}
    if previous is not None and wanted:
        before = {
            e.id: e for e in queries.iter_entries(connection, [previous.id]) if e.id in wanted
        }
    result = []
    for entry in entries:
        if entry.id in wanted:
            known = before.get(entry.id)
            for name in missing:
                if known is not None:
                    entry = fields.put(entry, name, fields.get(known, name))
                elif name == "review" and entry.review.policy is ReviewPolicy.NONE:
                    entry = fields.put(entry, name, Review(raw="", policy=ReviewPolicy.NOT_STATED))
        result.append(entry)
    return result


def record(
    connection: Connection,
    version: StoredVersion,
    entries: Iterable[Entry],
    stated: Collection[str] | None,
) -> None:
    """Record what ``version``'s file states: a new statement per new value, and the version as
    the last (or first) to state a value stated before."""
    carried = sorted(fields.carried(version.source_format, version.list))
    existing = {
        (entry_id, field, value_hash): statement_id
        for statement_id, entry_id, field, value_hash in connection.execute(
            sa.select(
                statements.c.id,
                statements.c.entry_id,
                statements.c.field,
                statements.c.value_hash,
            ).where(
                statements.c.list == version.list.value,
                statements.c.source_format == version.source_format,
            )
        )
    }
    again: list[int] = []
    new: dict[tuple[str, str, str], tuple[Any, ...]] = {}
    # SQLite keeps dates as ISO text (as SQLAlchemy's Date does there); other drivers take dates.
    seen: date | str = version.as_of
    if connection.dialect.name == "sqlite":
        seen = version.as_of.isoformat()
    for entry in entries:
        if stated is not None and entry.id not in stated:
            continue
        for name in carried:
            text, digest = _value(entry, name)
            key = (entry.id, name, digest)
            found = existing.get(key)
            if found is not None:
                again.append(found)
            elif key not in new:
                # In the order of _COLUMNS.
                new[key] = (entry.id, version.list.value, name, text, digest,
                            version.source_format, seen, version.id, seen, version.id)  # fmt: skip
    if new:
        _insert_many(connection, list(new.values()))
    for start in range(0, len(again), _CHUNK):
        chunk = again[start : start + _CHUNK]
        # Versions can be loaded out of date order: only move the bounds outwards.
        connection.execute(
            sa.update(statements)
            .where(statements.c.id.in_(chunk), statements.c.last_seen <= version.as_of)
            .values(last_seen=version.as_of, last_version_id=version.id)
        )
        connection.execute(
            sa.update(statements)
            .where(statements.c.id.in_(chunk), statements.c.first_seen > version.as_of)
            .values(first_seen=version.as_of, first_version_id=version.id)
        )


_COLUMNS = (
    "entry_id",
    "list",
    "field",
    "value",
    "value_hash",
    "source_format",
    "first_seen",
    "first_version_id",
    "last_seen",
    "last_version_id",
)


def _insert_many(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert statements through the driver's executemany: a file states every carried field of
    every entry (the 2022 CSL: 180,000 statements), and building SQLAlchemy's parameters row by
    row cost more than the rest of the import."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {statements.name} ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(_COLUMNS))})"
    )
    connection.exec_driver_sql(sql, rows)


@dataclass(frozen=True, slots=True)
class FieldSource:
    """Where the value of one legal field of an entry came from."""

    field: str
    label: str  # the field's name for people ("review policy")
    stated: bool  # False: no loaded source states this field for the entry
    source_format: str = ""
    file_name: str = ""
    first_seen: date | None = None
    last_seen: date | None = None
    version_id: int | None = None  # the version that last stated it (on or before the date)

    unrecorded: bool = False  # the entry was stored before statements were kept

    def describe(self) -> str:
        if self.unrecorded:
            return "no provenance recorded (stored before statements were kept; reload the list)"
        if not self.stated:
            return "not stated by any loaded source"
        assert self.first_seen is not None and self.last_seen is not None
        since = self.first_seen.isoformat()
        if self.last_seen != self.first_seen:
            since += f" to {self.last_seen.isoformat()}"
        return f"from {self.file_name} ({self.source_format}), {since}"


def sources_of(connection: Connection, entry: Entry, as_of: date | None) -> list[FieldSource]:
    """For each legal field of ``entry`` (as listed on ``as_of``; None: now), the statement of
    its value first made on or before that date, the one last stated the latest."""
    rows = connection.execute(
        sa.select(
            statements.c.field,
            statements.c.value_hash,
            statements.c.source_format,
            statements.c.first_seen,
            statements.c.last_seen,
            statements.c.last_version_id,
            list_versions.c.file_name,
        )
        .join(list_versions, list_versions.c.id == statements.c.last_version_id)
        .where(statements.c.entry_id == entry.id)
        .order_by(statements.c.last_seen, statements.c.id)
    ).all()
    result = []
    for name in fields.LEGAL_FIELDS:
        _, digest = _value(entry, name)
        matching = [
            row
            for row in rows
            if row.field == name
            and row.value_hash == digest
            and (as_of is None or row.first_seen <= as_of)
        ]
        label = fields.LABELS[name]
        if not matching:
            result.append(FieldSource(name, label, stated=False, unrecorded=not rows))
            continue
        best = matching[-1]
        result.append(
            FieldSource(
                name,
                label,
                stated=True,
                source_format=best.source_format,
                file_name=best.file_name,
                first_seen=best.first_seen,
                last_seen=best.last_seen,
                version_id=best.last_version_id,
            )
        )
    return result


__all__ = ["FieldSource", "complete", "record", "sources_of"]
