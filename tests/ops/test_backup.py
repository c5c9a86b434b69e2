"""Backup and restore: every row comes back with its id, across SQLite and PostgreSQL, the audit
chain still verifies, and a damaged or foreign file is refused with nothing written."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.register import Counterparty, Register
from exportscreen.model import Disposition, Entry, Explanation, Hit, MatchKind, TokenMatch
from exportscreen.ops.backup import FORMAT_VERSION, TABLES, export_backup, import_backup
from exportscreen.sources.common import SourceError
from exportscreen.store import Store, StoreError, audit_seal
from exportscreen.store.schema import (
    api_keys,
    ownership,
    users,
)
from tests.casework.clearing import clear
from tests.store.factories import HUAWEI, NETTRIX, PETROV


class NamedScreener:
    """Hits for the counterparties whose name contains a word of an entry's name."""

    algorithm = "test-substring"

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries

    def screen(
        self,
        name: str,
        country: str | None = None,
        type: str | None = None,
        limit: int = 10,
        threshold: float | None = None,
    ) -> list[Hit]:
        found = [e for e in self.entries if e.name.split()[0].strip(",").lower() in name.lower()]
        return [
            Hit(
                entry=e,
                score=0.91,
                matched_name=e.name,
                explanation=Explanation(
                    tokens=(TokenMatch(name, e.name, MatchKind.FUZZY, 0.91, 1.0),),
                    summary="test match",
                ),
            )
            for e in found[:limit]
        ]


def populate(store: Store) -> None:
    """A register with alerts, both kinds of decision, a suppression, ownership stakes, users
    with an API key, and the audit records all of that wrote."""
    # Clearances from 0.90 up need a second analyst here, so that the backup holds a reviewed
    # (four-eyes) decision: the test screener scores 0.91.
    register = Register(store, actor="alice", four_eyes_score=0.9)
    for party in (
        Counterparty(
            "C-1", "Huawei Technologies Düsseldorf GmbH", "DE", "entity", "Am Seestern 24"
        ),
        Counterparty("C-2", "Nettrix Trading 浪潮", "CN", "entity"),
        Counterparty("C-3", "Petrov Logistics", "RU"),
        Counterparty("C-4", "Acme Widgets", "US"),
    ):
        register.add(party)
    run = register.screen(NamedScreener([HUAWEI, NETTRIX, PETROV]))
    assert len(run.raised) == 3
    huawei_alert, nettrix_alert, _ = run.raised
    register.decide(huawei_alert, Disposition.TRUE_MATCH, "same company", user="bob")
    clear(  # by bob, and approved by a second analyst (four-eyes)
        register,
        nettrix_alert,
        "a trading house in Shenzhen, not the server maker",
        user="bob",
        expires_at=datetime(2027, 1, 31, 12, 30, 15, 123456, tzinfo=UTC),
    )
    now = datetime.now(UTC)
    with audit.writing(store.engine) as connection:
        connection.execute(
            sa.insert(ownership),
            [
                {"owner": "SDN-12345", "owned": "C-3", "percent": Decimal("50.0001"),
                 "as_of": date(2025, 1, 2), "source": "registry extract"},
                {"owner": "C-1", "owned": "C-4", "percent": None,
                 "as_of": date(2024, 2, 29), "source": "annual report"},
            ],
        )  # fmt: skip
        user_id = connection.execute(
            sa.insert(users)
            .values(name="alice", role="admin", password_hash="$argon2id$x", created_at=now)
            .returning(users.c.id)
        ).scalar_one()
        connection.execute(
            sa.insert(users).values(name="api", role="screener", password_hash=None, created_at=now)
        )
        connection.execute(
            sa.insert(api_keys),
            [
                {"user_id": user_id, "key_hash": "a" * 64, "label": "erp", "created_at": now,
                 "revoked_at": None},
                {"user_id": user_id, "key_hash": "b" * 64, "label": "old", "created_at": now,
                 "revoked_at": now},
            ],
        )  # fmt: skip
        audit.record(connection, "alice", "user.add", {"user": "alice", "role": "admin"})


def table_rows(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every backed-up row, by table, as the database returns it."""
    with store.engine.connect() as connection:
        return {
            table.name: [
                dict(row._mapping)
                for row in connection.execute(sa.select(table).order_by(*table.primary_key))
            ]
            for table in TABLES
        }


def row_counts(store: Store) -> dict[str, int]:
    return {name: len(rows) for name, rows in table_rows(store).items()}


@pytest.fixture()
def populated(store: Store) -> Store:
    populate(store)
    return store


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A second, empty database to restore into."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        url = request.getfixturevalue("other_pg_url")
    with Store.open(url, lock_timeout=10) as opened:
        yield opened


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("file_name", ["backup.jsonl", "backup.jsonl.gz"])
def test_restore_gives_every_row_back_and_the_chain_verifies(
    populated: Store, target: Store, tmp_path: Path, file_name: str
) -> None:
    path = tmp_path / file_name
    original = table_rows(populated)
    assert audit.verify(populated.engine).ok

    written = export_backup(populated, path)
    restored = import_backup(target, path)

    expected_counts = {name: len(rows) for name, rows in original.items()}
    # What populate() wrote, counted by hand: 4 parties, 3 alerts, 2 decisions, 1 suppression...
    assert expected_counts == {
        "users": 2, "api_keys": 2, "counterparties": 4, "alerts": 3, "decisions": 2,
        "suppressions": 1, "ownership": 2,
        "audit_log": expected_counts["audit_log"],
        "audit_checkpoints": 1,  # the signed head; no periodic one below 1,000 records
    }  # fmt: skip
    assert expected_counts["audit_log"] >= 4  # adds, screening, two decisions, the user
    assert dict(written.counts) == dict(restored.counts) == expected_counts
    assert restored.format_version == FORMAT_VERSION
    assert table_rows(target) == original  # ids, decimals, timestamps, JSON: all equal
    check = audit.verify(target.engine)
    assert check.ok, check.problem
    assert check.records == check.sealed_through == expected_counts["audit_log"]


def test_a_restored_store_keeps_working(populated: Store, target: Store, tmp_path: Path) -> None:
    """New rows after a restore get fresh ids (PostgreSQL's sequences were moved past the
    restored ids) and extend the audit chain."""
    path = tmp_path / "backup.jsonl"
    export_backup(populated, path)
    import_backup(target, path)
    before = row_counts(target)

    register = Register(target, actor="carol")
    register.add(Counterparty("C-5", "Nettrix Europe", "NL"))
    run = register.screen(NamedScreener([NETTRIX]), external_ids=["C-5", "C-2"])
    # C-2's false positive still suppresses the pair it was decided on.
    assert run.suppressed == 1 and len(run.raised) == 1
    register.decide(run.raised[0], Disposition.ESCALATED, "check with legal", user="carol")

    after = row_counts(target)
    assert after["counterparties"] == before["counterparties"] + 1
    assert after["alerts"] == before["alerts"] + 1
    assert after["decisions"] == before["decisions"] + 1
    assert audit.verify(target.engine).ok
    assert [p.external_id for p in register.counterparties()][-1] == "C-5"


def test_export_of_an_empty_store_restores_to_an_empty_store(
    store: Store, target: Store, tmp_path: Path
) -> None:
    path = tmp_path / "empty.jsonl"
    summary = export_backup(store, path)
    assert set(summary.counts.values()) == {0}
    import_backup(target, path)
    assert set(row_counts(target).values()) == {0}


def test_export_replaces_a_file_whole(populated: Store, tmp_path: Path) -> None:
    path = tmp_path / "backup.jsonl"
    path.write_text("an older backup\n")
    export_backup(populated, path)
    assert json.loads(path.read_text().splitlines()[0])["format"] == "exportscreen-backup"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- refusals --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a populated SQLite store, made once for the tests that damage copies of it."""
    folder = tmp_path_factory.mktemp("good")
    with Store.open(f"sqlite:///{folder / 'store.db'}") as source:
        populate(source)
        export_backup(source, folder / "good.jsonl")
    return folder / "good.jsonl"


def test_a_store_with_data_is_refused(populated: Store, target: Store, tmp_path: Path) -> None:
    path = tmp_path / "backup.jsonl"
    export_backup(populated, path)
    Register(target, actor="dave").add(Counterparty("X-1", "Existing Customer"))
    before = table_rows(target)

    with pytest.raises(
        StoreError, match=r"already holds rows \(counterparties: 1\).*empty database"
    ):
        import_backup(target, path)

    assert table_rows(target) == before


def lines_of(path: Path) -> list[bytes]:
    data = path.read_bytes()
    return (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).splitlines(keepends=True)


def resealed(lines: list[bytes]) -> list[bytes]:
    """The lines with a correct end record, digest and HMAC: a deliberate edit by someone who
    holds the audit key, rather than damage (to reach the checks behind the signature)."""
    body = lines[:-1]
    key = audit_seal.load_key(create=False)
    assert key is not None
    signature = audit_seal.sign_bytes(key)
    signature.update(b"".join(body))
    digest = hashlib.sha256(b"".join(body)).hexdigest()
    end = {"end": {"rows": len(body) - 1, "sha256": digest, "hmac": signature.hexdigest()}}
    return [*body, (json.dumps(end) + "\n").encode()]


def redigested(lines: list[bytes]) -> list[bytes]:
    """The lines with the end record's SHA-256 recomputed, as anyone without the key can."""
    body = lines[:-1]
    end = json.loads(lines[-1])
    end["end"]["sha256"] = hashlib.sha256(b"".join(body)).hexdigest()
    return [*body, (json.dumps(end) + "\n").encode()]


def edit_record(lines: list[bytes], table: str, change: Callable[[dict[str, Any]], None]) -> int:
    """Apply ``change`` to the first row of ``table``; returns its line number."""
    for index, raw in enumerate(lines):
        record = json.loads(raw)
        if record.get("table") == table:
            change(record["row"])
            lines[index] = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
            return index + 1
    raise AssertionError(f"no {table} row")


def reword_payload(row: dict[str, Any]) -> None:
    row["payload"] = {**row["payload"], "reason": "nothing to see"}


Damage = Callable[[list[bytes]], tuple[list[bytes], int | None]]


def _edited_audit(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    edited = list(lines)
    edit_record(edited, "audit_log", reword_payload)
    return edited, len(lines)  # caught by the digest, on the end record's line


def _forged_audit(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    edited = list(lines)
    line = edit_record(edited, "audit_log", reword_payload)
    return resealed(edited), line  # caught by the chain, on the forged record's line


def _decision_flipped(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    """A true match turned into a false positive, the digest recomputed: the HMAC refuses it."""
    edited = list(lines)
    edit_record(edited, "decisions", lambda row: row.update(disposition="false_positive"))
    return redigested(edited), len(lines)


def _unsigned(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    """Passed off as a backup from before signing (format 1, no HMAC)."""
    header = json.loads(lines[0])
    header["format_version"] = 1
    return [(json.dumps(header) + "\n").encode(), *lines[1:]], 1


def _truncated(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    cut = b"".join(lines)
    cut = cut[: len(cut) * 2 // 3]
    return cut.splitlines(keepends=True), None


def _missing_end(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    return lines[:-1], None


def _dropped_row(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    first = next(i for i, raw in enumerate(lines) if b'"table": "decisions"' in raw)
    return resealed([*lines[:first], *lines[first + 1 :]]), None


def _wrong_version(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    header = json.loads(lines[0])
    header["format_version"] = FORMAT_VERSION + 1
    return resealed([(json.dumps(header) + "\n").encode(), *lines[1:]]), 1


def _unknown_revision(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    header = json.loads(lines[0])
    header["schema_revision"] = "9999_from_the_future"
    return resealed([(json.dumps(header) + "\n").encode(), *lines[1:]]), 1


def _foreign_file(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    return [b"id,name,country\n", b"C-1,Acme,US\n"], 1


def _bad_value(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    edited = list(lines)

    def forget_zone(row: dict[str, Any]) -> None:
        row["created_at"] = row["created_at"][:19]

    line = edit_record(edited, "counterparties", forget_zone)
    return resealed(edited), line


def _unknown_column(lines: list[bytes]) -> tuple[list[bytes], int | None]:
    edited = list(lines)
    line = edit_record(edited, "users", lambda row: row.update(is_root=True))
    return resealed(edited), line


DAMAGES: list[tuple[str, Damage, str, str | None]] = [
    # (case, damage, message, field named)
    ("edited-audit-row", _edited_audit, r"altered after it was written", "sha256"),
    ("re-digested-decision", _decision_flipped,
     r"altered after it was written \(edited and re-digested without the audit key\)", "hmac"),
    ("unsigned", _unsigned, r"unsigned backup \(format version 1\)", "format_version"),
    ("forged-audit-row", _forged_audit, r"audit chain broken: record \d+ was edited", "audit_log"),
    ("truncated", _truncated, r"truncated", None),
    ("end-record-missing", _missing_end, r"truncated: the end record is missing", None),
    ("row-removed", _dropped_row, r"1 rows, the header says 2", "decisions"),
    ("format-version", _wrong_version, r"format version 3; this exportscreen reads version 2",
     "format_version"),
    ("unknown-schema", _unknown_revision, r"unknown to this exportscreen", "schema_revision"),
    ("not-a-backup", _foreign_file, r"not JSON", None),
    ("naive-timestamp", _bad_value, r"not a datetime.*no time zone", "created_at"),
    ("unknown-column", _unknown_column, r"no such column in users", "is_root"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("damage", "message", "field"),
    [pytest.param(d, m, f, id=case) for case, d, m, f in DAMAGES],
)
@pytest.mark.parametrize("compressed", [False, True], ids=["jsonl", "gz"])
def test_a_damaged_backup_is_refused_and_nothing_is_written(
    good_backup: Path,
    tmp_path: Path,
    damage: Damage,
    message: str,
    field: str | None,
    compressed: bool,
) -> None:
    damaged_lines, line = damage(lines_of(good_backup))
    data = b"".join(damaged_lines)
    damaged = tmp_path / ("damaged.jsonl.gz" if compressed else "damaged.jsonl")
    damaged.write_bytes(gzip.compress(data) if compressed else data)

    with Store.open(f"sqlite:///{tmp_path / 'restored.db'}") as target:
        with pytest.raises(SourceError, match=message) as refused:
            import_backup(target, damaged)
        assert set(row_counts(target).values()) == {0}

    assert refused.value.file == str(damaged)
    assert refused.value.field == field
    if line is not None:
        assert refused.value.line == line


def test_a_cut_gzip_stream_is_refused(good_backup: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(good_backup.read_bytes())
    cut.write_bytes(data[: len(data) // 2])

    with Store.open(f"sqlite:///{tmp_path / 'restored.db'}") as target:
        with pytest.raises(SourceError, match="truncated or corrupt file"):
            import_backup(target, cut)
        assert set(row_counts(target).values()) == {0}


def test_a_missing_file_is_named(store: Store, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        import_backup(store, tmp_path / "nowhere.jsonl")


def test_a_redigested_backup_of_either_database_is_refused_by_either(
    populated: Store, target: Store, tmp_path: Path
) -> None:
    """A decision flipped from true match to false positive in a backup of a SQLite or a
    PostgreSQL store, its digest recomputed: refused on restore into either, nothing written."""
    backup = tmp_path / "backup.jsonl"
    export_backup(populated, backup)
    edited, _ = _decision_flipped(lines_of(backup))
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(b"".join(edited))
    with pytest.raises(SourceError, match=r"altered after it was written") as refused:
        import_backup(target, damaged)
    assert refused.value.file == str(damaged) and refused.value.field == "hmac"
    assert set(row_counts(target).values()) == {0}
