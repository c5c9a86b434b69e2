"""Schema migrations: a database made by an older exportscreen opens, upgraded, with its data."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from exportscreen.model import ListCode, entry_to_dict
from exportscreen.store import Store, StoreError, VersionReview
from exportscreen.store.engine import create_engine
from exportscreen.store.migrate import current_revision, head_revision, upgrade
from tests.store.factories import INSPUR_TAIWAN, NETTRIX, parsed


def test_the_latest_migration_is_0010() -> None:
    assert head_revision() == "0010"


def test_a_0001_database_is_upgraded_with_its_data_intact(store_url: str) -> None:
    engine = create_engine(store_url, lock_timeout=10)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as connection:
        tables = sa.MetaData()
        tables.reflect(connection, only=["list_versions", "entry_states", "version_entries"])
        assert "source_url" not in tables.tables["list_versions"].c
        version_id: int = connection.execute(
            tables.tables["list_versions"].insert().returning(sa.column("id")),
            {
                "list": "EL",
                "kind": "snapshot",
                "source_format": "bis_json",
                "file_name": "bis_entity_list.json.gz",
                "sha256": "a" * 64,
                "as_of": date(2025, 7, 9),
                "imported_at": datetime(2025, 7, 10, 8, 30, tzinfo=UTC),
                "entry_count": 1,
                "retrieved_from": "",
                "parent_version_id": None,
                "counts": {"entries": 1, "added": 1, "changed": 0, "removed": 0, "unchanged": 0},
                "notes": {},
            },
        ).scalar_one()
        state_id: int = connection.execute(
            tables.tables["entry_states"].insert().returning(sa.column("id")),
            {
                "entry_id": INSPUR_TAIWAN.id,
                "list": "EL",
                "content_hash": INSPUR_TAIWAN.content_hash(),
                "name": INSPUR_TAIWAN.name,
                "entry_type": "entity",
                "data": entry_to_dict(INSPUR_TAIWAN),
            },
        ).scalar_one()
        connection.execute(
            tables.tables["version_entries"].insert(),
            {"version_id": version_id, "state_id": state_id, "position": 0},
        )
    engine.dispose()

    with Store.open(store_url) as store:
        assert current_revision(store.engine) == head_revision()
        (old,) = store.versions(ListCode.EL)
        assert (old.id, old.file_name, old.source_url) == (
            version_id,
            "bis_entity_list.json.gz",
            "",
        )
        assert old.imported_at == datetime(2025, 7, 10, 8, 30, tzinfo=UTC)
        # 0003: a version imported before reviews existed was current, so it is accepted.
        assert old.review is VersionReview.ACCEPTED
        assert store.entries() == [INSPUR_TAIWAN]
        # The new column works, and the old state is reused by the next version.
        result = store.import_source(
            parsed([INSPUR_TAIWAN, NETTRIX], name="next", as_of=date(2025, 8, 1))
        )
        (new,) = result.created
        assert new.source_url == "https://example.org/next"
        assert new.counts["unchanged"] == 1
        assert [e.kind.value for e in store.history(INSPUR_TAIWAN.id)] == ["added"]


def test_opening_an_up_to_date_store_again_changes_nothing(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.import_source(parsed([NETTRIX], name="one"))
    with Store.open(store_url) as store:
        assert store.entries() == [NETTRIX]


def test_two_processes_opening_a_new_store_at_once_both_succeed(store_url: str) -> None:
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            Store.open(store_url).close()
        except BaseException as error:  # handed to the test thread
            errors.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    engine = create_engine(store_url, lock_timeout=10)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_database_from_a_newer_exportscreen_is_refused(store_url: str) -> None:
    Store.open(store_url).close()
    engine = create_engine(store_url, lock_timeout=10)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer version of exportscreen"):
        Store.open(store_url)


def test_an_unusable_location_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "a-directory.db").mkdir()
    with pytest.raises(StoreError, match="cannot open the database"):
        Store.open(f"sqlite:///{tmp_path / 'a-directory.db'}")
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("no such scheme://")


def test_a_0009_register_keeps_its_parties_state_through_0010(store_url: str) -> None:
    """The date of birth column comes empty, and a party's state hash is the one stored before
    (its alerts, decisions and signature stay its own: nothing re-screens)."""
    from exportscreen.casework.register import Counterparty, Register

    party = Counterparty("C1", "Acme Widgets GmbH", "DE", "company", "Hauptstr. 1, Berlin")
    stored_hash = party.state_hash()
    engine = create_engine(store_url, lock_timeout=10)
    upgrade(engine, "0009")
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:
        tables = sa.MetaData()
        tables.reflect(connection, only=["counterparties", "batch_jobs"])
        assert "date_of_birth" not in tables.tables["counterparties"].c
        connection.execute(
            tables.tables["counterparties"].insert(),
            {
                "external_id": "C1",
                "name": party.name,
                "country": party.country,
                "type": party.type,
                "address": party.address,
                "data": {"hash": stored_hash},
                "created_at": moment,
                "updated_at": moment,
            },
        )
    engine.dispose()
    with Store.open(store_url) as store:
        [upgraded] = Register(store, actor="alice").counterparties()
        assert upgraded == party and upgraded.date_of_birth == ""
        assert upgraded.state_hash() == stored_hash
        Register(store, actor="alice").add(party)  # the same party again: no update
        with store.engine.connect() as connection:
            columns = sa.inspect(connection).get_columns("batch_jobs")
            assert "audit_seq" in {c["name"] for c in columns}
            row = connection.execute(sa.text("SELECT data, updated_at FROM counterparties")).one()
        data = row.data if isinstance(row.data, dict) else json.loads(row.data)
        assert data == {"hash": stored_hash}
