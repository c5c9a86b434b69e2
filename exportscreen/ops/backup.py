"""Backup and restore of what people entered: counterparties, alerts, decisions, the audit trail.

``export_backup`` writes one JSON Lines file (gzipped when its name ends in ``.gz``):

* line 1, a header: ``format``, ``format_version``, ``created_at``, ``schema_revision`` (the
  Alembic revision of the database) and ``counts`` (rows per table);
* one line per row, ``{"table": ..., "row": {...}}``, tables in foreign-key order, ids included;
* a last line, ``{"end": {"rows": n, "sha256": ..., "hmac": ..., "key_id": ...}}``: the digest
  of every byte before it, and their HMAC-SHA256 with the audit key (``store.audit_seal``, kept
  outside the database). The digest catches damage; the HMAC an edit: anyone can recompute a
  SHA-256 after changing a decision, nobody without the key can recompute the HMAC.

The rows are read in one snapshot (a repeatable-read transaction), so a backup taken while the
server runs is consistent: no decision without its alert.

``import_backup`` restores such a file into a database that holds none of these rows (lists may
already be loaded). It reads the file twice: first it checks everything (header, every line, the
counts, the digest, the HMAC, and the audit chain, with ``audit.verify_chain`` on a scratch copy),
then it writes every row in one transaction. Format 1 files (before backups were signed) are
refused unless ``allow_unsigned``: their digest proves nothing against an edit. A corrupt file
is refused with the file, line and field at fault, before anything is written.

Not in a backup: the list versions, which are public and reloaded from the publishers (or with
``exportscreen load``), and the update log. A restored store gives alerts and suppressions their
entry ids and content hashes back, which match again once the same lists are loaded; the list
version ids recorded in old audit records refer to the old database. The file holds the password
and API key hashes of the users: keep it as safe as the database.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import io
import json
import os
import tempfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from exportscreen import __version__
from exportscreen.casework import audit_trail as audit
from exportscreen.sources.common import SourceError
from exportscreen.store import DEFAULT_LOCK_TIMEOUT_SECONDS, Store, audit_seal
from exportscreen.store import backup_tables as tables
from exportscreen.store.backup_tables import AUDIT_TABLE, CHECKPOINT_TABLE, TABLE_NAMES, TABLES
from exportscreen.store.migrate import MIGRATIONS_DIR, current_revision

FORMAT = "exportscreen-backup"
FORMAT_VERSION = 2
UNSIGNED_FORMAT_VERSION = 1  # no HMAC, no audit_checkpoints: read only when allowed

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
    key = audit_seal.load_key(create=True)
    assert key is not None
    with tables.snapshot(engine) as snapshot:
        counts = snapshot.counts()
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
            signature = audit_seal.sign_bytes(key)
            written = 0

            def emit(record: Mapping[str, Any]) -> None:
                line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
                digest.update(line)
                signature.update(line)
                output.write(line)

            emit(header)
            for name in TABLE_NAMES:
                for row in snapshot.rows(name):
                    emit({"table": name, "row": row})
                    written += 1
            end = {
                "end": {
                    "rows": written,
                    "sha256": digest.hexdigest(),
                    "hmac": signature.hexdigest(),
                    "key_id": audit_seal.key_id(key),
                }
            }
            output.write((json.dumps(end) + "\n").encode())
    return BackupSummary(path, FORMAT_VERSION, created_at, revision, counts)


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


# --- import -----------------------------------------------------------------------------------


def import_backup(store: Store, path: Path, *, allow_unsigned: bool = False) -> BackupSummary:
    """Restore a backup into a store holding no counterparty, alert, decision, suppression,
    ownership, audit, user or API key row, all in one transaction with the ids of the file.

    Raises SourceError (file, line, field) for a corrupt, foreign or altered file (or one signed
    with another audit key, or unsigned unless ``allow_unsigned``) and StoreError for a store
    that is not empty; in both cases nothing is written.
    """
    key = audit_seal.load_key(create=False)
    summary = _check(path, key, allow_unsigned)
    tables.restore(
        store.engine,
        ((name, row) for _line, name, row in _rows(path, key, allow_unsigned)),
        lock_timeout=DEFAULT_LOCK_TIMEOUT_SECONDS,
        purpose=f"restoring {path.name}",
    )
    return summary


def _check(path: Path, key: bytes | None, allow_unsigned: bool) -> BackupSummary:
    """Read the whole file once, refusing it at the first thing wrong; returns its header."""
    summary = _read_header_of(path, allow_unsigned)
    counted = dict.fromkeys(TABLE_NAMES, 0)
    # The audit chain is checked by audit.verify itself, on an in-memory copy of the table:
    # the very check an auditor runs on the restored database.
    audit_lines: dict[int, int] = {}
    with tables.scratch_chain() as chain:
        try:
            for line, name, row in _rows(path, key, allow_unsigned):
                counted[name] += 1
                if name == AUDIT_TABLE:
                    audit_lines[row["seq"]] = line
                    chain.add(row)
            chain.flush()
        except tables.DuplicateAuditRecord as error:  # two audit rows with one seq
            raise SourceError(path, None, AUDIT_TABLE, str(error)) from None
        for name, expected in summary.counts.items():
            if counted[name] != expected:
                raise SourceError(
                    path, None, name, f"{counted[name]} rows, the header says {expected}"
                )
        verdict = audit.verify_chain(chain.engine)
        if not verdict.ok:
            bad_line = audit_lines.get(verdict.first_bad_seq or 0)
            raise SourceError(path, bad_line, AUDIT_TABLE, f"audit chain broken: {verdict.problem}")
    return summary


def _read_header_of(path: Path, allow_unsigned: bool) -> BackupSummary:
    with _open_lines(path) as lines:
        first = next(lines, None)
    if first is None:
        raise SourceError(path, 1, None, "empty file: not an exportscreen backup")
    return _header(path, _json(path, 1, first), allow_unsigned)


def _header(path: Path, record: Any, allow_unsigned: bool) -> BackupSummary:
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise SourceError(path, 1, "format", f"not an exportscreen backup (no {FORMAT!r} header)")
    version = record.get("format_version")
    if version == UNSIGNED_FORMAT_VERSION and not allow_unsigned:
        raise SourceError(
            path,
            1,
            "format_version",
            "an unsigned backup (format version 1): its digest can be recomputed by anyone "
            "after an edit; restore it only if you trust the file (--allow-unsigned)",
        )
    if version not in (FORMAT_VERSION, UNSIGNED_FORMAT_VERSION):
        raise SourceError(
            path,
            1,
            "format_version",
            f"backup format version {version!r}; this exportscreen reads version {FORMAT_VERSION}"
            f" (and {UNSIGNED_FORMAT_VERSION}, unsigned)",
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
    expected = set(TABLE_NAMES) - (
        {CHECKPOINT_TABLE} if version == UNSIGNED_FORMAT_VERSION else set()
    )
    if not isinstance(counts, dict) or set(counts) != expected:
        raise SourceError(
            path, 1, "counts", f"expected row counts for {', '.join(sorted(expected))}"
        )
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


def _rows(
    path: Path, key: bytes | None, allow_unsigned: bool
) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """The rows of a backup with their line numbers, ready to insert; checks the header, the
    order of tables, each value's type and the final digest and HMAC on the way."""
    digest = hashlib.sha256()
    signature = audit_seal.sign_bytes(key) if key is not None else None
    signed = True
    rows = 0
    table_order = {name: position for position, name in enumerate(TABLE_NAMES)}
    last_position = 0
    ended = False
    with _open_lines(path) as lines:
        for number, raw in enumerate(lines, start=1):
            if ended:
                raise SourceError(path, number, None, "data after the end record")
            record = _json(path, number, raw)
            if number == 1:
                signed = _header(path, record, allow_unsigned).format_version == FORMAT_VERSION
                if signed and signature is None:
                    raise SourceError(
                        path,
                        1,
                        None,
                        "cannot check the backup's signature: no audit key on this machine "
                        "(set EXPORTSCREEN_AUDIT_KEY_FILE to the key of the store that made it)",
                    )
                digest.update(raw)
                if signature is not None:
                    signature.update(raw)
                continue
            if isinstance(record, dict) and "end" in record:
                _check_end(path, number, record["end"], rows, digest.hexdigest())
                if signed:
                    assert signature is not None and key is not None
                    _check_signature(path, number, record["end"], signature.hexdigest(), key)
                ended = True
                continue
            digest.update(raw)
            if signature is not None:
                signature.update(raw)
            if not isinstance(record, dict) or record.keys() != {"table", "row"}:
                raise SourceError(path, number, None, 'expected {"table": ..., "row": {...}}')
            name = record["table"]
            position = table_order.get(name) if isinstance(name, str) else None
            if position is None:
                raise SourceError(path, number, "table", f"unknown table {name!r}")
            if position < last_position:
                raise SourceError(
                    path,
                    number,
                    "table",
                    f"{name} rows after {TABLE_NAMES[last_position]} rows",
                )
            last_position = position
            rows += 1
            try:
                typed = tables.typed_row(name, record["row"])
            except tables.BadValue as error:
                raise SourceError(path, number, error.field, error.message) from None
            yield number, name, typed
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


def _check_signature(path: Path, line: int, end: dict[str, Any], expected: str, key: bytes) -> None:
    found = end.get("hmac")
    if not isinstance(found, str) or not hmac.compare_digest(found, expected):
        ours = audit_seal.key_id(key)
        theirs = end.get("key_id")
        why = (
            f"signed with another audit key ({theirs}; this machine's is {ours})"
            if isinstance(theirs, str) and theirs != ours
            else "edited and re-digested without the audit key"
        )
        raise SourceError(
            path, line, "hmac", f"the file was altered after it was written ({why}): not restored"
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


__all__ = ["FORMAT", "FORMAT_VERSION", "TABLES", "BackupSummary", "export_backup", "import_backup"]
