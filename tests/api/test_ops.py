from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from exportscreen.store import Store
from exportscreen.store.schema import update_runs
from tests.api.support import build_app, config_for, load_fixture_lists, running


def test_healthz_needs_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_lists_and_the_last_update_error(client: TestClient, store: Store) -> None:
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(
            update_runs.insert().values(
                started_at=now, finished_at=now, status="failed", list="SDN", error="HTTP 503"
            )
        )
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert body["index_entries"] == 5
    by_list = {item["list"]: item for item in body["lists"]}
    assert by_list["SDN"]["last_update_error"] == "HTTP 503"
    assert by_list["EL"]["last_update_status"] is None
    assert by_list["EL"]["as_of"] == "2025-04-01"


def test_readyz_is_503_without_lists(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'empty.db'}") as empty:
        app = build_app(empty, config_for(tmp_path, str(empty.engine.url)))
        with running(app) as client:
            assert client.get("/readyz").status_code == 503
            assert client.get("/healthz").status_code == 200


def test_metrics_count_routes_by_template(client: TestClient, viewer: dict[str, str]) -> None:
    client.get("/v1/entries/EL-acme01", headers=viewer)
    client.post("/v1/screen", json={"name": "Acme"}, headers=viewer)
    text = client.get("/metrics").text
    assert 'route="/v1/entries/{entry_id}"' in text
    assert "EL-acme01" not in text  # raw paths would make the label set unbounded
    assert 'exportscreen_screening_duration_seconds_count{endpoint="screen"} 1.0' in text
    assert "exportscreen_index_entries 5.0" in text
    assert 'exportscreen_list_entries{list="EL"} 3.0' in text


def test_the_loaded_index_is_kept_out_of_garbage_collections(store: Store, tmp_path: Path) -> None:
    # A full collection would otherwise walk every object of the index (a pause of hundreds of
    # milliseconds on the real lists).
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    app = build_app(store, config_for(tmp_path, str(store.engine.url)))
    with running(app) as client:
        assert client.get("/readyz").status_code == 200
        assert gc.get_freeze_count() > 0
    gc.unfreeze()  # leave the test process as it was


def test_readyz_is_503_with_the_reason_when_postgresql_is_down(
    pg_url: str, pg_server_url: str, tmp_path: Path
) -> None:
    """The database refusing connections is "not ready" (503, with why), not a server error."""
    import sqlalchemy as sa

    name = pg_url.rsplit("/", 1)[1]
    admin = sa.create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with Store.open(pg_url) as store:
        load_fixture_lists(store)
        app = build_app(store, config_for(tmp_path, pg_url))
        with running(app) as client:
            assert client.get("/readyz").status_code == 200
            try:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                    conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = :name AND pid <> pg_backend_pid()"
                        ),
                        {"name": name},
                    )
                store.engine.dispose()
                response = client.get("/readyz")
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
                admin.dispose()
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    assert body["reason"].startswith("the store cannot be reached: ")
    assert "not currently accepting connections" in body["reason"]


def test_readyz_lists_the_versions_staged_pending_review(client: TestClient, store: Store) -> None:
    from datetime import date

    from exportscreen.model import ListCode
    from exportscreen.store.plausibility import DEFAULT_PLAUSIBILITY
    from tests.store.factories import el_entry, parsed

    full = [el_entry(f"e{n}", f"Listed Trading Company Number {n}") for n in range(40)]
    store.import_source(parsed(full, name="full.csv", as_of=date(2025, 5, 1), lists=(ListCode.EL,)))
    (staged,) = store.import_source(
        parsed(full[:30], name="cut.csv", as_of=date(2025, 5, 2), lists=(ListCode.EL,)),
        plausibility=DEFAULT_PLAUSIBILITY,
    ).staged
    body = client.get("/readyz").json()
    assert body["ready"] is True and body["reason"] is None
    (shown,) = body["staged"]
    assert (shown["list"], shown["version_id"], shown["entry_count"]) == ("EL", staged.id, 30)
    assert shown["reasons"][0].startswith("removes 10 of the 40 entries")
