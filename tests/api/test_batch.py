from __future__ import annotations

import csv
import gzip
import io
import time
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from fastapi.testclient import TestClient

from exportscreen.api.auth import Role
from exportscreen.api.trail import REFERENCE_HEADER
from exportscreen.casework import audit_trail as audit
from exportscreen.casework.evidence import reference
from exportscreen.store import Store
from tests.api.support import FIXTURES, Keys, build_app, config_for, running
from tests.screening.test_tabular_limits import shared_strings_bomb


def _wait(client: TestClient, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(200):
        job: dict[str, Any] = client.get(f"/v1/batch/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"batch job {job_id} did not finish")


def test_upload_poll_and_download(client: TestClient, viewer: dict[str, str], store: Store) -> None:
    upload = (FIXTURES / "parties.csv").read_bytes()
    response = client.post(
        "/v1/batch", files={"file": ("parties.csv", upload, "text/csv")}, headers=viewer
    )
    assert response.status_code == 202, response.text
    job = _wait(client, response.json()["id"], viewer)
    assert job["status"] == "done", job
    assert job["rows_done"] == 4
    assert job["bad_rows"] == 1  # C-3 has no name
    rows = list(csv.DictReader(io.StringIO(client.get(job["result_url"], headers=viewer).text)))
    best = {r["input_id"]: r["entry_id"] for r in rows if r["rank"] == "1"}
    assert best["C-1"] == "EL-acme01"
    assert best["C-4"] == "SDN-1001"
    errors = client.get(job["errors_url"], headers=viewer).text
    assert "C-3" not in errors and errors.splitlines()[1].startswith("3,")
    record = next(r for r in audit.records(store.engine) if r.action == "screening.batch")
    assert record.actor == "viewer" and record.payload["rows"] == 4


def test_a_finished_job_carries_its_evidence_reference(
    client: TestClient, viewer: dict[str, str], store: Store
) -> None:
    upload = (FIXTURES / "parties.csv").read_bytes()
    submitted = client.post(
        "/v1/batch", files={"file": ("parties.csv", upload, "text/csv")}, headers=viewer
    ).json()
    assert submitted["reference"] is None  # queued: no record yet
    job = _wait(client, submitted["id"], viewer)
    [record] = [r for r in audit.records(store.engine) if r.action == "screening.batch"]
    assert record.payload["job"] == job["id"]
    assert job["reference"] == reference(record.seq)
    assert job["evidence_url"] == f"/v1/evidence/{job['reference']}"
    poll = client.get(f"/v1/batch/{job['id']}", headers=viewer)
    assert poll.headers[REFERENCE_HEADER] == job["reference"]
    evidence = client.get(job["evidence_url"], headers=viewer)
    assert evidence.status_code == 200, evidence.text
    found = evidence.json()
    assert (found["seq"], found["kind"], found["user"]) == (record.seq, "batch screening", "viewer")


def test_other_users_cannot_see_a_job(
    client: TestClient, viewer: dict[str, str], analyst: dict[str, str], admin: dict[str, str]
) -> None:
    upload = (FIXTURES / "parties.csv").read_bytes()
    job = client.post(
        "/v1/batch", files={"file": ("parties.csv", upload, "text/csv")}, headers=viewer
    ).json()
    assert client.get(f"/v1/batch/{job['id']}", headers=analyst).status_code == 404
    assert client.get(f"/v1/batch/{job['id']}", headers=admin).status_code == 200
    _wait(client, job["id"], viewer)


def test_an_unknown_file_type_is_422(client: TestClient, viewer: dict[str, str]) -> None:
    response = client.post(
        "/v1/batch",
        files={"file": ("parties.exe", b"MZ", "application/octet-stream")},
        headers=viewer,
    )
    assert response.status_code == 422
    assert ".exe" in response.json()["detail"]


def test_job_ids_are_checked(client: TestClient, viewer: dict[str, str]) -> None:
    assert client.get("/v1/batch/..%2F..%2Fetc", headers=viewer).status_code in (404, 422)
    assert client.get("/v1/batch/" + "0" * 32, headers=viewer).status_code == 404


def test_an_xlsx_bomb_is_refused_at_upload(
    client: TestClient, viewer: dict[str, str], tmp_path: Path
) -> None:
    # Issue 14: 351 KB whose shared strings inflate to 144 MB ran 209 s and took 1.1 GB.
    bomb = shared_strings_bomb(tmp_path / "bomb.xlsx", 144 * 1024 * 1024)
    started = time.monotonic()
    response = client.post(
        "/v1/batch", files={"file": ("customers.xlsx", bomb.read_bytes())}, headers=viewer
    )
    assert response.status_code == 413, response.text
    assert time.monotonic() - started < 1.0
    detail = response.json()["detail"]
    assert detail.startswith("customers.xlsx: ") and "inflates" in detail
    assert str(tmp_path) not in detail and "jobs" not in detail
    assert client.post("/v1/screen", json={"name": "Acme"}, headers=viewer).status_code == 200


def test_a_failed_job_names_the_upload_not_the_server_path(
    store: Store, keys: Keys, tmp_path: Path
) -> None:
    config = config_for(tmp_path, str(store.engine.url), max_inflated_bytes=1024 * 1024)
    with running(build_app(store, config)) as client:
        viewer = keys.header(Role.VIEWER)
        upload = gzip.compress(b"id,name\n" + b"1,Acme Widgets\n" * 200_000)
        response = client.post("/v1/batch", files={"file": ("parties.csv", upload)}, headers=viewer)
        assert response.status_code == 202, response.text
        job = _wait(client, response.json()["id"], viewer)
    assert job["status"] == "failed"
    assert job["error"] == "parties.csv: decompresses to more than 1,048,576 bytes"
    assert job["reference"] is None  # nothing was screened: no evidence of a screening


def test_an_upload_over_the_row_cap_is_refused(store: Store, keys: Keys, tmp_path: Path) -> None:
    config = config_for(tmp_path, str(store.engine.url), max_upload_rows=100)
    path = tmp_path / "parties.parquet"
    pq.write_table(pa.table({"id": list(range(101)), "name": ["Acme"] * 101}), path)
    with running(build_app(store, config)) as client:
        response = client.post(
            "/v1/batch",
            files={"file": ("parties.parquet", path.read_bytes())},
            headers=keys.header(Role.VIEWER),
        )
    assert response.status_code == 413
    assert response.json()["detail"] == "parties.parquet: more than 100 rows: split the file"


def test_results_never_echo_a_formula(client: TestClient, viewer: dict[str, str]) -> None:
    upload = b"id,name\n=1+1,=Acme Photonics Co Ltd\n@cmd,@Acme Photonics Co Ltd\n"
    response = client.post("/v1/batch", files={"file": ("x.csv", upload)}, headers=viewer)
    job = _wait(client, response.json()["id"], viewer)
    assert job["status"] == "done", job
    rows = list(csv.DictReader(io.StringIO(client.get(job["result_url"], headers=viewer).text)))
    assert {(r["input_id"], r["input_name"]) for r in rows} == {
        ("'=1+1", "'=Acme Photonics Co Ltd"),
        ("'@cmd", "'@Acme Photonics Co Ltd"),
    }


def test_a_job_without_bad_rows_has_an_errors_file_of_just_the_header(
    client: TestClient, viewer: dict[str, str]
) -> None:
    upload = b"id,name\nC-1,Acme Photonics Co Ltd\n"
    job_id = client.post("/v1/batch", files={"file": ("x.csv", upload)}, headers=viewer).json()[
        "id"
    ]
    job = _wait(client, job_id, viewer)
    assert job["status"] == "done" and job["errors_url"] is None
    errors = client.get(f"/v1/batch/{job_id}/errors", headers=viewer)
    assert errors.status_code == 200
    assert errors.text.splitlines() == ["row,line,field,reason"]
