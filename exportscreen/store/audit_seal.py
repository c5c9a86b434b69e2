"""The seal of the audit chain: HMAC-signed checkpoints of its head, with a key kept outside the
database; the ``audit_checkpoints`` table's only writer.

The chain's hashes (``store.audit_log``) show an edit, but anyone who can write the database can
recompute them after editing a record, or delete the last records: what remains is a valid
chain. A checkpoint signs (seq, hash) of a record with an HMAC-SHA256 whose key is not in the
database, so neither can be hidden without the key:

* the *head* checkpoint moves to the newest record in every write's transaction, just before
  its commit (``audit_log.writing``);
* a *periodic* checkpoint is kept every ``settings.AUDIT_CHECKPOINT_EVERY`` records;
* after each commit the head is also written to an *anchor file* outside the database, which
  still shows a cut that deleted the checkpoint rows with the records. There is one per store,
  named by its URL and its first record's hash: a copy of the store restored elsewhere has an
  anchor of its own, and one restored into the same place is rightly told what it lacks.

``casework.audit_trail.verify`` checks them. The key is ``EXPORTSCREEN_AUDIT_KEY`` (hex) or the
key file (``settings.audit_key_file()``), generated on first use with mode 0600.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from exportscreen import settings
from exportscreen.store import sqlite_direct
from exportscreen.store.errors import StoreError
from exportscreen.store.schema import audit_checkpoints, audit_log

_KEY_BYTES = 32
_CHECKPOINT_FORMAT = "exportscreen-audit-checkpoint/1"
# Where ``record`` leaves the record to sign as the head, and ``seal_head`` the signed head for
# ``writing`` to anchor after the commit (``conn.info`` outlives the transaction: cleared there).
PENDING_INFO_KEY = "exportscreen.audit_pending_head"
HEAD_INFO_KEY = "exportscreen.audit_head"
# The chain's first hash as the transaction read it with the tail (``note_genesis``).
GENESIS_INFO_KEY = "exportscreen.audit_genesis"


class AuditKeyError(StoreError):
    """The audit key is unreadable or malformed."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    kind: str  # "head", "periodic" or "anchor" (the file outside the database)
    seq: int
    hash: str
    signed_at: datetime
    mac: str

    def valid(self, key: bytes) -> bool:
        return hmac.compare_digest(self.mac, mac(key, self.seq, self.hash, self.signed_at))


# --- the key ----------------------------------------------------------------------------------

_cached: dict[tuple[str, str], bytes] = {}


def load_key(*, create: bool) -> bytes | None:
    """The audit key; generated into the key file when there is none and ``create`` (writers
    create it, readers never do: a new key would make every checkpoint look forged)."""
    given = settings.audit_key_hex()
    path = settings.audit_key_file()
    cache_key = (given, str(path))
    if cache_key in _cached:
        return _cached[cache_key]
    if given:
        key = _parse(given, settings.AUDIT_KEY_ENV)
    else:
        try:
            key = _parse(path.read_text(encoding="ascii"), str(path))
        except FileNotFoundError:
            if not create:
                return None
            key = _generate(path)
        except (OSError, UnicodeDecodeError) as error:
            raise AuditKeyError(f"cannot read the audit key {path}: {error}") from error
    _cached[cache_key] = key
    return key


def _parse(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise AuditKeyError(f"the audit key in {where} is not hexadecimal") from None
    if len(key) < _KEY_BYTES:
        raise AuditKeyError(f"the audit key in {where} is shorter than {_KEY_BYTES} bytes")
    return key


def _generate(path: Path) -> bytes:
    key = secrets.token_bytes(_KEY_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # O_EXCL: of two processes generating at once, one key wins and both use it.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _parse(path.read_text(encoding="ascii"), str(path))
    except OSError as error:
        # No audit record is written unsealed: the write fails, saying how to fix it.
        raise AuditKeyError(
            f"cannot create the audit key {path}: {error.strerror or error}; set "
            f"EXPORTSCREEN_AUDIT_KEY_FILE to a writable place or {settings.AUDIT_KEY_ENV}"
        ) from error
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


def key_id(key: bytes) -> str:
    """A short public name of a key, to tell which one signed (never the key itself)."""
    return hashlib.sha256(b"exportscreen-audit-key-id|" + key).hexdigest()[:12]


def mac(key: bytes, seq: int, head_hash: str, signed_at: datetime) -> str:
    message = f"{_CHECKPOINT_FORMAT}|{seq}|{head_hash}|{signed_at.astimezone(UTC).isoformat()}"
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_bytes(key: bytes) -> Any:
    """A running HMAC-SHA256 of a file's bytes (backups): ``update``, then ``hexdigest``."""
    return hmac.new(key, b"exportscreen-backup/2|", hashlib.sha256)


# --- checkpoints in the database -------------------------------------------------------------


def note_record(conn: Connection, seq: int, head_hash: str, now: datetime) -> None:
    """Record ``seq`` was just written in this transaction: keep a periodic checkpoint if it is
    due, and remember it as the head ``seal_head`` signs before the commit."""
    if seq % max(1, settings.AUDIT_CHECKPOINT_EVERY) == 0:
        key = load_key(create=True)
        assert key is not None
        conn.execute(
            audit_checkpoints.insert().values(
                kind="periodic",
                seq=seq,
                hash=head_hash,
                signed_at=now,
                mac=mac(key, seq, head_hash, now),
            )
        )
    conn.info[PENDING_INFO_KEY] = (seq, head_hash, now)


def note_genesis(conn: Connection, genesis: str) -> None:
    """The first record's hash, read in this transaction with the chain's tail: ``seal_head``
    names the anchor by it without reading it again."""
    conn.info[GENESIS_INFO_KEY] = genesis


# Built once (run in every audit write's transaction): the columns set are the parameters'.
_MOVE_HEAD = audit_checkpoints.update().where(audit_checkpoints.c.kind == "head")
_DIRECT_MOVE_HEAD = sqlite_direct.DirectStatement(
    _MOVE_HEAD,
    [audit_checkpoints.c[name] for name in ("seq", "hash", "signed_at", "mac")],
)
_GENESIS = sa.select(audit_log.c.hash).where(audit_log.c.seq == 1)


def seal_head(conn: Connection) -> None:
    """Sign the newest record this transaction wrote as the chain's head (once per transaction,
    just before its commit); the anchor to write after the commit is left in ``conn.info``."""
    pending = conn.info.pop(PENDING_INFO_KEY, None)
    if pending is None:
        return
    seq, head_hash, now = pending
    key = load_key(create=True)
    assert key is not None
    signed = mac(key, seq, head_hash, now)
    values = {"seq": seq, "hash": head_hash, "signed_at": now, "mac": signed}
    if sqlite_direct.applies(conn):
        moved = _DIRECT_MOVE_HEAD.run(conn, values).rowcount
    else:
        moved = conn.execute(_MOVE_HEAD, values).rowcount
    if not moved:
        conn.execute(audit_checkpoints.insert().values(kind="head", **values))
    noted = conn.info.pop(GENESIS_INFO_KEY, None)
    genesis: str | None = head_hash if seq == 1 else noted
    if genesis is None:
        genesis = conn.execute(_GENESIS).scalar_one_or_none()
    if genesis is not None:
        store = _connection_anchor_name(conn, genesis)
        conn.info[HEAD_INFO_KEY] = (store, Checkpoint("anchor", seq, head_hash, now, signed))


def forget(conn: Connection) -> None:
    """Drop what a transaction left to seal or anchor (rolled back, or not a ``writing`` one)."""
    conn.info.pop(PENDING_INFO_KEY, None)
    conn.info.pop(HEAD_INFO_KEY, None)
    conn.info.pop(GENESIS_INFO_KEY, None)


def checkpoints(engine: Engine) -> list[Checkpoint]:
    """Every checkpoint in the database, by record."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_checkpoints).order_by(audit_checkpoints.c.seq, audit_checkpoints.c.id)
        ).all()
    return [Checkpoint(r.kind, r.seq, r.hash, r.signed_at, r.mac) for r in rows]


def has_checkpoint_table(engine: Engine) -> bool:
    return sa.inspect(engine).has_table(audit_checkpoints.name)


# --- the anchor file -------------------------------------------------------------------------


# Asked in every audit write's transaction with the same two values (issue 19).
@functools.lru_cache(maxsize=64)
def anchor_name(url: sa.URL, genesis: str) -> str:
    """The anchor file's name for the store at ``url`` whose first record hashes to ``genesis``."""
    where = url.render_as_string(hide_password=True)
    return hashlib.sha256(f"{where}|{genesis}".encode()).hexdigest()[:32]


# Where a connection keeps its store's anchor name, with the first hash it was made from.
_ANCHOR_NAME_INFO_KEY = "exportscreen.audit_anchor_name"


def _connection_anchor_name(conn: Connection, genesis: str) -> str:
    """``anchor_name`` for the store ``conn`` is connected to, kept on the connection (which
    outlives transactions, and whose URL does not change): looking it up by the URL hashes the
    URL, which renders it as text every time (issue 19, once per audit transaction)."""
    kept = conn.info.get(_ANCHOR_NAME_INFO_KEY)
    if kept is not None and kept[0] == genesis:
        return str(kept[1])
    name = anchor_name(conn.engine.url, genesis)
    conn.info[_ANCHOR_NAME_INFO_KEY] = (genesis, name)
    return name


def _anchor_path(name: str) -> Path:
    return settings.audit_anchor_dir() / f"{name}.json"


def write_anchor(name: str, head: Checkpoint) -> None:
    """Keep ``head`` as the store's anchor unless the file already holds a later one. Rewritten
    in place under a lock (a rename per commit costs more than the commit on some file
    systems); a torn write reads as no anchor, never as a wrong one. A failure to write never
    fails the audited change (already committed): verify then has one witness fewer."""
    path = _anchor_path(name)
    body = json.dumps(
        {
            "seq": head.seq,
            "hash": head.hash,
            "signed_at": head.signed_at.isoformat(),
            "mac": head.mac,
        }
    ).encode("utf-8")
    with contextlib.suppress(OSError):
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        # Plain descriptor calls, no file object: this runs after every audit commit.
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # released when the descriptor closes
            kept = _parse_anchor(_read_all(descriptor))
            if kept is not None and kept.seq >= head.seq:
                return
            os.pwrite(descriptor, body, 0)
            os.ftruncate(descriptor, len(body))
        finally:
            os.close(descriptor)


def _read_all(descriptor: int) -> bytes:
    chunks = []
    while chunk := os.read(descriptor, 4096):
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_anchor(raw: bytes) -> Checkpoint | None:
    try:
        body = json.loads(raw)
        return Checkpoint(
            "anchor",
            int(body["seq"]),
            str(body["hash"]),
            datetime.fromisoformat(body["signed_at"]),
            str(body["mac"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def read_anchor(name: str) -> Checkpoint | None:
    """The anchor kept on this machine under ``name`` (``anchor_name``); None when there is none
    (another machine wrote the store) or it is unreadable."""
    try:
        return _parse_anchor(_anchor_path(name).read_bytes())
    except OSError:
        return None
