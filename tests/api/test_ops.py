from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from exportscreen.store import Store
from exportscreen.store.schema import update_runs
from tests.api.support import build_app, config_for, running


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
