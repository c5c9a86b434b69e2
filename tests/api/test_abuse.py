"""Issue 14's denial-of-service cases against a running server: each is refused with a 4xx within
a second (a slow body: within its body time) and the server keeps answering keyed screenings.

The slow-body cases need real sockets, so this module serves the app with uvicorn on a free port
in a thread of the test process."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from exportscreen.api.auth import Role
from exportscreen.api.config import ApiConfig
from exportscreen.casework import audit_trail as audit
from exportscreen.store import Store
from tests.api.support import Keys, build_app, config_for, running


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(store: Store, config: ApiConfig) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(build_app(store, config), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _slow_post(port: int, headers: str = "") -> socket.socket:
    """A connection that announces a 100-byte body, sends one byte of it and stops."""
    conn = socket.create_connection(("127.0.0.1", port))
    conn.settimeout(10)
    conn.sendall(
        b"POST /v1/screen HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        + headers.encode()
        + b"Content-Length: 100\r\n\r\n{"
    )
    return conn


def _status(conn: socket.socket) -> int:
    head = conn.recv(4096)
    return int(head.split(b" ", 2)[1])


def test_a_hundred_slow_bodies_without_a_key_do_not_stop_screenings(
    store: Store, keys: Keys, tmp_path: Path
) -> None:
    config = config_for(tmp_path, str(store.engine.url), body_seconds=0.5, max_in_flight=4)
    with serving(store, config) as base, ExitStack() as stack:
        port = int(base.rsplit(":", 1)[1])
        started = time.monotonic()
        slow = [_slow_post(port) for _ in range(100)]
        for conn in slow:
            stack.callback(conn.close)
        headers = keys.header(Role.VIEWER)
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            codes = [
                client.post("/v1/screen", json={"name": "Acme"}).status_code for _ in range(20)
            ]
            assert codes == [200] * 20
            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.text
        statuses = [_status(conn) for conn in slow]
        elapsed = time.monotonic() - started
    # Beyond the places for requests without a key from one address: 429 at once; those
    # admitted: 408 when their body time is up. None waits longer than that.
    assert set(statuses) == {429, 408}
    assert statuses.count(408) == config.anonymous_per_address
    assert elapsed < 1.0 + config.body_seconds * 2


def test_a_keyed_slow_body_times_out_and_readyz_says_the_server_is_full(
    store: Store, keys: Keys, tmp_path: Path
) -> None:
    config = config_for(tmp_path, str(store.engine.url), body_seconds=1.0, max_in_flight=1)
    key = keys.viewer
    with serving(store, config) as base:
        port = int(base.rsplit(":", 1)[1])
        conn = _slow_post(port, f"Authorization: Bearer {key}\r\n")
        try:
            time.sleep(0.2)
            ready = httpx.get(f"{base}/readyz", timeout=5)
            assert ready.status_code == 503
            assert ready.json()["reason"].startswith("at capacity: 1 of 1")
            assert _status(conn) == 408
        finally:
            conn.close()
        time.sleep(1.1)  # past the "recently refused" window
        assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200


def _match_body(queries: int, length: int = 120) -> dict[str, Any]:
    words = ["Alpha", "Bravo", "Cobalt", "Delta", "Echo", "Foxtrot", "Golf", "Harbour"]
    body = {}
    for number in range(queries):
        name = " ".join(f"{w}{number}" for w in words) * 3
        body[f"q{number}"] = {"schema": "Company", "properties": {"name": [name[:length]]}}
    return {"queries": body}


def test_a_match_of_a_hundred_long_names_at_threshold_zero_is_refused(
    client: TestClient, viewer: dict[str, str], store: Store
) -> None:
    before = len(audit.records(store.engine))
    started = time.monotonic()
    response = client.post("/match/default?threshold=0", json=_match_body(100), headers=viewer)
    assert time.monotonic() - started < 1.0
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "queries"]
    assert len(audit.records(store.engine)) == before  # nothing screened, nothing recorded
    # The same hundred names at the alert threshold are ordinary work.
    assert client.post("/match/default", json=_match_body(100), headers=viewer).status_code == 200
    assert client.post("/v1/screen", json={"name": "Acme"}, headers=viewer).status_code == 200


def test_the_work_budget_counts_names_not_requests(
    store: Store, keys: Keys, tmp_path: Path
) -> None:
    config = config_for(tmp_path, str(store.engine.url), work_per_second=0.01, work_burst=150)
    with running(build_app(store, config)) as client:
        viewer, analyst = keys.header(Role.VIEWER), keys.header(Role.ANALYST)
        # Two requests: 100 names, then 100 more (allowed while anything is left), then none.
        assert (
            client.post("/match/default", json=_match_body(100), headers=viewer).status_code == 200
        )
        assert (
            client.post("/match/default", json=_match_body(100), headers=viewer).status_code == 200
        )
        refused = client.post("/v1/screen", json={"name": "Acme"}, headers=viewer)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "work budget" in refused.json()["detail"]
        # Another key is not held back.
        assert client.post("/v1/screen", json={"name": "Acme"}, headers=analyst).status_code == 200


def test_batch_rows_draw_on_their_own_budget(store: Store, keys: Keys, tmp_path: Path) -> None:
    config = config_for(
        tmp_path, str(store.engine.url), batch_rows_per_second=0.01, batch_rows_burst=100
    )
    rows = b"id,name\n" + b"".join(b"%d,Acme Widgets %d\n" % (n, n) for n in range(200))
    with running(build_app(store, config)) as client:
        viewer = keys.header(Role.VIEWER)
        first = client.post("/v1/batch", files={"file": ("a.csv", rows)}, headers=viewer)
        assert first.status_code == 202
        second = client.post("/v1/batch", files={"file": ("b.csv", rows)}, headers=viewer)
        assert second.status_code == 429
        # Interactive screening is another budget.
        assert client.post("/v1/screen", json={"name": "Acme"}, headers=viewer).status_code == 200
        for _ in range(200):
            if client.get(f"/v1/batch/{first.json()['id']}", headers=viewer).json()["status"] in (
                "done",
                "failed",
            ):
                break
            time.sleep(0.05)


@pytest.mark.parametrize("body", [b'{"name": "\\ud800abc"}', b'{"name": "x", "limit": 1e400}'])
def test_json_edge_cases_are_answered_on_a_real_connection(
    store: Store, keys: Keys, tmp_path: Path, body: bytes
) -> None:
    # Issue 14: these gave 500 or dropped the connection.
    with serving(store, config_for(tmp_path, str(store.engine.url))) as base:
        headers = {**keys.header(Role.VIEWER), "content-type": "application/json"}
        with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
            assert client.post("/v1/screen", content=body).status_code == 422
            assert client.post("/v1/screen", json={"name": "Acme"}).status_code == 200


# Every path that screens, and the budget it draws on: (case, budget, method, path, request).
# The API calls are made with the analyst's key; the UI's with the analyst's session.
_CSV = b"id,name\n1,Acme Widgets\n2,Zenith Trading\n"
_SCREENING_PATHS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("screen", "work", "POST", "/v1/screen", {"json": {"name": "Acme"}}),
    ("yente match", "work", "POST", "/match/default", {"json": _match_body(1)}),
    ("yente search", "work", "GET", "/search/default", {"params": {"q": "Acme"}}),
    ("yente fuzzy search", "work", "GET", "/search/default",
     {"params": {"q": "Acme", "fuzzy": "true"}}),
    ("CSL search", "work", "GET", "/consolidated_screening_list/v1/search",
     {"params": {"name": "Acme"}}),
    ("determine", "work", "POST", "/v1/determine", {"json": {
        "date": "2026-01-05", "destination_country": "DE", "items": [{"eccn": "EAR99"}],
        "parties": [{"role": "end_user", "name": "Acme Widgets", "country": "DE"}]}}),
    ("UI search", "work", "GET", "/ui/search", {"params": {"q": "Acme"}}),
    ("batch", "rows", "POST", "/v1/batch", {"files": {"file": ("a.csv", _CSV)}}),
    ("register screen", "rows", "POST", "/v1/counterparties/screen", {}),
    # The UI stages the upload (POST /ui/batch, a preview) and screens it at /ui/batch/start.
    ("UI batch", "rows", "POST", "/ui/batch/start", {"files": {"file": ("a.csv", _CSV)}}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "budget", "method", "path", "request_args"),
    _SCREENING_PATHS,
    ids=[case for case, *_ in _SCREENING_PATHS],
)
def test_every_screening_path_is_charged_and_refused_with_429_once_the_budget_is_spent(
    store: Store,
    keys: Keys,
    tmp_path: Path,
    case: str,
    budget: str,
    method: str,
    path: str,
    request_args: dict[str, Any],
) -> None:
    from tests.web.test_views import csrf, login

    config = config_for(
        tmp_path,
        str(store.engine.url),
        work_per_second=0.001,
        work_burst=1,
        batch_rows_per_second=0.001,
        batch_rows_burst=1,
    )
    analyst = keys.header(Role.ANALYST)
    with running(build_app(store, config)) as client:
        ui = path.startswith("/ui/")
        if ui:
            assert login(client, "analyst") == 303
        headers = {} if ui else analyst
        args = dict(request_args)
        if ui and method == "POST":
            args["data"] = {"csrf_token": csrf(client, "/ui/batch")}

        def call() -> httpx.Response:
            if path == "/ui/batch/start":
                preview = client.post("/ui/batch", follow_redirects=False, **args)
                assert preview.status_code == 200, preview.text[:300]
                upload = re.search(r'name="upload" value="([0-9a-f]{32})"', preview.text)
                assert upload is not None
                start = {**args["data"], "upload": upload.group(1), "col_name": "name"}
                return client.post(path, data=start, follow_redirects=False)
            return client.request(method, path, headers=headers, follow_redirects=False, **args)

        # The first call spends what the budget holds (1 name, or 2 rows of 1), the next is
        # refused, at once, with Retry-After.
        first = call()
        assert first.status_code < 400, f"{case}: {first.status_code} {first.text[:300]}"
        started = time.monotonic()
        refused = call()
        assert time.monotonic() - started < 1.0
        assert refused.status_code == 429, f"{case}: {refused.status_code} {refused.text[:300]}"
        assert int(refused.headers["retry-after"]) >= 1
        if ui:  # the UI's error page says why
            assert "work budget exceeded" in refused.text
        else:  # the API's one error shape
            assert refused.json() == {"detail": refused.json()["detail"], "errors": []}
            assert "work budget exceeded" in refused.json()["detail"]
        # The other budget, and another key, are not held back.
        other = (
            client.post("/v1/screen", json={"name": "Acme"}, headers=keys.header(Role.VIEWER))
            if budget == "work"
            else client.post(
                "/v1/batch", files={"file": ("b.csv", _CSV)}, headers=keys.header(Role.VIEWER)
            )
        )
        assert other.status_code < 400, other.text
