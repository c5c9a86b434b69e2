from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from exportscreen.api.auth import Role
from exportscreen.api.workers import listening_socket
from exportscreen.casework import audit_trail as audit
from exportscreen.store import Store
from tests.api.support import add_users, load_fixture_lists


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_every_worker_binds_the_port_with_a_socket_of_its_own() -> None:
    first = listening_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    second = listening_socket("127.0.0.1", port)
    try:
        accepted = 0
        for _ in range(64):
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
        # The kernel spread the connections over both sockets.
        for sock in (first, second):
            sock.setblocking(False)
            taken = 0
            while True:
                try:
                    conn, _ = sock.accept()
                except BlockingIOError:
                    break
                conn.close()
                taken += 1
            assert taken > 0
            accepted += taken
        assert accepted == 64
    finally:
        first.close()
        second.close()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_workers_serve_and_stop_cleanly_with_every_record_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    with Store.open(url) as store:
        load_fixture_lists(store)
        keys = add_users(store)
    port = _free_port()
    env = {
        **os.environ,
        "EXPORTSCREEN_DB": url,
        "EXPORTSCREEN_JOBS_DIR": str(tmp_path / "jobs"),
        "EXPORTSCREEN_SESSION_SECRET": "test-secret-" + "x" * 32,
    }
    code = (
        f"from exportscreen.api.workers import serve_workers; serve_workers('127.0.0.1', {port}, 2)"
    )
    server = subprocess.Popen([sys.executable, "-c", code], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise AssertionError("the workers did not become ready")
        workers = [p for p in _children(server.pid) if "resource_tracker" not in _cmdline(p)]
        assert len(workers) == 2
        seqs = []
        for _ in range(20):  # a connection each, as separate clients
            response = httpx.post(
                f"{base}/v1/screen",
                json={"name": "Acme Photonics"},
                headers=keys.header(Role.VIEWER),
                timeout=30,
            )
            assert response.status_code == 200
            seqs.append(response.json()["audit_seq"])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=90)
    assert server.returncode == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    with Store.open(url) as store:
        screenings = [r for r in audit.records(store.engine) if r.action == "api.screen"]
        assert sorted(r.seq for r in screenings) == sorted(seqs)
        assert audit.verify(store.engine).ok


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""
