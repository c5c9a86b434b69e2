"""Backup and restore of what people entered: counterparties, alerts, decisions, the audit trail.

``export_backup`` writes one JSON Lines file (gzipped when its name ends in ``.gz``):

* line 1, a header: ``format``, ``format_version``, ``created_at``, ``schema_revision`` (the
  Alembic revision of the database) and ``counts`` (rows per table);
* one line per row, ``{"table": ..., "row": {...}}``, tables in foreign-key order, ids included;
* a last line, ``{"end": {"rows": n, "sha256": ...}}``, the digest of every byte before it.

The rows are read in one snapshot (a repeatable-read transaction), so a backup taken while the
server runs is consistent: no decision without its alert.

``import_backup`` restores such a file into a database that holds none of these rows (lists may
already be loaded). It reads the file twice: first it checks everything (header, every line, the
counts, the digest, and the audit chain, with ``audit.verify`` itself on a scratch copy), then it
writes every row in one transaction. A corrupt file is refused with the file, line and field at
fault, before anything is written.

Not in a backup: the list versions, which are public and reloaded from the publishers (or with
``exportscreen load``), and the update log. A restored store gives alerts and suppressions their
entry ids and content hashes back, which match again once the same lists are loaded; the list
version ids recorded in old audit records refer to the old database. The file holds the password
and API key hashes of the users: keep it as safe as the database.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tempfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection, Engine

from exportscreen import __version__
from exportscreen.casework import audit_trail as audit
from exportscreen.sources.common import SourceError
from exportscreen.store import DEFAULT_LOCK_TIMEOUT_SECONDS, Store, StoreError
from exportscreen.store.locking import write_transaction
from exportscreen.store.migrate import MIGRATIONS_DIR, current_revision
from exportscreen.store.schema import (
    alerts,
    api_keys,
    audit_log,
    counterparties,
    decisions,
    ownership,
    suppressions,
    users,
)

FORMAT = "exportscreen-backup"
FORMAT_VERSION = 1

# Parents before children, so that rows can be inserted in file order under foreign keys.
TABLES: tuple[sa.Table, ...] = (
    users,
    api_keys,
    counterparties,
    alerts,
    decisions,
    suppressions,
    ownership,
    audit_log,
)
_BY_NAME = {table.name: table for table in TABLES}
_INSERT_BATCH = 1000
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class BackupSummary:
    path: Path
    format_version: int
    created_at: datetime
    schema_revision: str
    counts: Mapping[str, int]  # rows per table


# --- export -----------------------------------------------------------------------------------


def export_backup(store: Store, path: Path) -> BackupSummary:
    """Write a backup of the store to ``path`` (replaced whole, never left half-written)."""
    engine = store.engine
    revision = current_revision(engine)
    assert revision is not None, "Store.open migrates the database"
    created_at = datetime.now(UTC)
    with _snapshot(engine) as connection:
        counts = {
            table.name: connection.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
            for table in TABLES
        }
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": created_at.isoformat(),
            "schema_revision": revision,
            "exportscreen_version": __version__,
            "counts": counts,
        }
        with _atomic_output(path) as output:
            digest = hashlib.sha256()
            written = 0

            def emit(record: Mapping[str, Any]) -> None:
                line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
                digest.update(line)
                output.write(line)

            emit(header)
            for table in TABLES:
                for row in connection.execute(sa.select(table).order_by(*table.primary_key)):
                    emit({"table": table.name, "row": _plain_row(row._mapping)})
                    written += 1
            end = {"end": {"rows": written, "sha256": digest.hexdigest()}}
            output.write((json.dumps(end) + "\n").encode())
    return BackupSummary(path, FORMAT_VERSION, created_at, revision, counts)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    # PostgreSQL's default READ COMMITTED gives each statement a new snapshot; a backup needs one
    # for all. SQLite's deferred read transaction already keeps its first snapshot (WAL).
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection


@contextmanager
def _atomic_output(path: Path) -> Iterator[io.BufferedIOBase]:
    """A file that appears at ``path`` only once completely written."""
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".partial", dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "wb") as raw:
            if path.suffix == ".gz":
                with gzip.GzipFile(fileobj=raw, mode="wb") as compressed:
                    yield compressed
            else:
                yield raw
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _plain_row(row: sa.RowMapping) -> dict[str, Any]:
    return {key: _plain_value(value) for key, value in row.items()}


def _plain_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # exact: ownership shares are decimals, not floats
    return value


# --- import -----------------------------------------------------------------------------------


def import_backup(store: Store, path: Path) -> BackupSummary:
    """Restore a backup into a store holding no counterparty, alert, decision, suppression,
    ownership, audit, user or API key row, all in one transaction with the ids of the file.

    Raises SourceError (file, line, field) for a corrupt or foreign file and StoreError for a
    store that is not empty; in both cases nothing is written.
    """
    summary = _check(path)
    with write_transaction(
        store.engine, lock_timeout=DEFAULT_LOCK_TIMEOUT_SECONDS, purpose=f"restoring {path.name}"
    ) as connection:
        _refuse_if_not_empty(connection)
        batch: list[dict[str, Any]] = []
        batch_table: sa.Table | None = None
        for _line, table, row in _rows(path):
            if batch and (table is not batch_table or len(batch) >= _INSERT_BATCH):
                assert batch_table is not None
                connection.execute(sa.insert(batch_table), batch)
                batch = []
            batch_table = table
            batch.append(row)
        if batch and batch_table is not None:
            connection.execute(sa.insert(batch_table), batch)
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection)
    return summary


def _refuse_if_not_empty(connection: Connection) -> None:
    held = {
        table.name: count
        for table in TABLES
        if (count := connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    }
    if held:
        what = ", ".join(f"{name}: {count}" for name, count in held.items())
        raise StoreError(
            f"the database already holds rows ({what}); restore a backup into a new, empty database"
        )


def _advance_sequences(connection: Connection) -> None:
    # Rows came with their ids, so PostgreSQL's id sequences never moved: without this the next
    # counterparty or audit record would collide with a restored one.
    for table in TABLES:
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
            )
        )


def _check(path: Path) -> BackupSummary:
    """Read the whole file once, refusing it at the first thing wrong; returns its header."""
    summary = _read_header_of(path)
    counted = dict.fromkeys(_BY_NAME, 0)
    # The audit chain is checked by audit.verify itself, on an in-memory copy of the table:
    # the very check an auditor runs on the restored database.
    scratch = sa.create_engine("sqlite://")
    audit_log.create(scratch)
    audit_lines: dict[int, int] = {}
    try:
        with scratch.begin() as chain:
            pending: list[dict[str, Any]] = []
            for line, table, row in _rows(path):
                counted[table.name] += 1
                if table is audit_log:
                    audit_lines[row["seq"]] = line
                    pending.append(row)
                    if len(pending) >= _INSERT_BATCH:
                        chain.execute(sa.insert(audit_log), pending)
                        pending = []
            if pending:
                chain.execute(sa.insert(audit_log), pending)
        for name, expected in summary.counts.items():
            if counted[name] != expected:
                raise SourceError(
                    path, None, name, f"{counted[name]} rows, the header says {expected}"
                )
        verdict = audit.verify(scratch)
        if not verdict.ok:
            bad_line = audit_lines.get(verdict.first_bad_seq or 0)
            raise SourceError(path, bad_line, "audit_log", f"audit chain broken: {verdict.problem}")
    except sa.exc.IntegrityError as error:  # two audit rows with one seq
        raise SourceError(
            path, None, "audit_log", f"duplicate audit record: {error.orig}"
        ) from None
    finally:
        scratch.dispose()
    return summary


def _read_header_of(path: Path) -> BackupSummary:
    with _open_lines(path) as lines:
        first = next(lines, None)
    if first is None:
        raise SourceError(path, 1, None, "empty file: not an exportscreen backup")
    return _header(path, _json(path, 1, first))


def _header(path: Path, record: Any) -> BackupSummary:
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise SourceError(path, 1, "format", f"not an exportscreen backup (no {FORMAT!r} header)")
    version = record.get("format_version")
    if version != FORMAT_VERSION:
        raise SourceError(
            path,
            1,
            "format_version",
            f"backup format version {version!r}; this exportscreen reads version {FORMAT_VERSION}",
        )
    revision = record.get("schema_revision")
    if not isinstance(revision, str) or not _known_revision(revision):
        raise SourceError(
            path,
            1,
            "schema_revision",
            f"made by a database at schema revision {revision!r}, unknown to this exportscreen "
            f"{__version__}: restore it with the version that made it",
        )
    counts = record.get("counts")
    if not isinstance(counts, dict) or set(counts) != set(_BY_NAME):
        raise SourceError(path, 1, "counts", f"expected row counts for {', '.join(_BY_NAME)}")
    try:
        created_at = datetime.fromisoformat(record["created_at"])
    except (KeyError, TypeError, ValueError):
        raise SourceError(path, 1, "created_at", "missing or not an ISO timestamp") from None
    return BackupSummary(path, version, created_at, revision, counts)


def _known_revision(revision: str) -> bool:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        return ScriptDirectory.from_config(config).get_revision(revision) is not None
    except CommandError:
        return False


def _rows(path: Path) -> Iterator[tuple[int, sa.Table, dict[str, Any]]]:
    """The rows of a backup with their line numbers, ready to insert; checks the header, the
    order of tables, each value's type and the final digest on the way."""
    digest = hashlib.sha256()
    rows = 0
    table_order = {table.name: position for position, table in enumerate(TABLES)}
    last_position = 0
    ended = False
    with _open_lines(path) as lines:
        for number, raw in enumerate(lines, start=1):
            if ended:
                raise SourceError(path, number, None, "data after the end record")
            record = _json(path, number, raw)
            if number == 1:
                _header(path, record)
                digest.update(raw)
                continue
            if isinstance(record, dict) and "end" in record:
                _check_end(path, number, record["end"], rows, digest.hexdigest())
                ended = True
                continue
            digest.update(raw)
            if not isinstance(record, dict) or record.keys() != {"table", "row"}:
                raise SourceError(path, number, None, 'expected {"table": ..., "row": {...}}')
            table = _BY_NAME.get(record["table"])
            if table is None:
                raise SourceError(path, number, "table", f"unknown table {record['table']!r}")
            position = table_order[table.name]
            if position < last_position:
                raise SourceError(
                    path,
                    number,
                    "table",
                    f"{table.name} rows after {TABLES[last_position].name} rows",
                )
            last_position = position
            rows += 1
            yield number, table, _typed_row(path, number, table, record["row"])
    if not ended:
        raise SourceError(path, None, None, "truncated: the end record is missing")


def _check_end(path: Path, line: int, end: Any, rows: int, digest: str) -> None:
    if not isinstance(end, dict):
        raise SourceError(path, line, "end", "not an end record")
    if end.get("rows") != rows:
        raise SourceError(
            path, line, "end", f"{rows} rows, the end record says {end.get('rows')!r}"
        )
    if end.get("sha256") != digest:
        raise SourceError(
            path, line, "sha256", "the file was altered after it was written (digest mismatch)"
        )


@contextmanager
def _open_lines(path: Path) -> Iterator[Iterator[bytes]]:
    try:
        with path.open("rb") as probe:
            compressed = probe.read(2) == _GZIP_MAGIC
    except OSError as error:
        raise SourceError(path, None, None, f"cannot read: {error.strerror or error}") from error
    with gzip.open(path, "rb") if compressed else path.open("rb") as handle:
        yield _guarded(path, handle)


def _guarded(path: Path, handle: io.BufferedIOBase) -> Iterator[bytes]:
    """The lines, with a cut or damaged gzip stream reported as such."""
    number = 0
    try:
        for number, line in enumerate(handle, start=1):  # noqa: B007 - read after the loop
            yield line
    except (EOFError, OSError, zlib.error) as error:
        raise SourceError(path, number + 1, None, f"truncated or corrupt file: {error}") from error


def _json(path: Path, line: int, raw: bytes) -> Any:
    if not raw.endswith(b"\n"):
        raise SourceError(path, line, None, "truncated: the line does not end")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SourceError(path, line, None, f"not JSON: {error}") from error


def _typed_row(path: Path, line: int, table: sa.Table, row: Any) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise SourceError(path, line, "row", "not an object")
    unknown = sorted(set(row) - set(table.columns.keys()))
    if unknown:
        raise SourceError(path, line, unknown[0], f"no such column in {table.name}")
    typed: dict[str, Any] = {}
    for column in table.columns:
        if column.name not in row:
            if not column.nullable and column.server_default is None:
                raise SourceError(path, line, column.name, f"missing from a {table.name} row")
            continue
        typed[column.name] = _typed_value(path, line, column, row[column.name])
    return typed


def _typed_value(path: Path, line: int, column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        if not column.nullable:
            raise SourceError(path, line, column.name, "null in a column that needs a value")
        return None
    column_type = column.type
    if isinstance(column_type, sa.types.TypeDecorator):  # UTCDateTime: typed by what it wraps
        column_type = column_type.impl_instance
    if isinstance(column_type, sa.JSON):
        return value  # any JSON value is a valid one
    expected = column_type.python_type
    try:
        if expected is datetime:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError("no time zone")
            return moment
        if expected is date:
            return date.fromisoformat(value)
        if expected is Decimal:
            return Decimal(value)
        if expected is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if expected in (int, str) and type(value) is expected:
            return value
        if expected in (dict, list) and isinstance(value, dict | list):
            return value  # JSON columns
    except (TypeError, ValueError, InvalidOperation) as error:
        raise SourceError(
            path, line, column.name, f"not a {expected.__name__}: {value!r} ({error})"
        ) from None
    raise SourceError(path, line, column.name, f"not a {expected.__name__}: {value!r}")


__all__ = ["FORMAT", "FORMAT_VERSION", "TABLES", "BackupSummary", "export_backup", "import_backup"]
