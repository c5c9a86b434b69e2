"""``exportscreen serve --workers 2``: gunicorn with a socket per worker, a graceful stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest

from exportscreen.api.auth import Role
from exportscreen.casework import audit_trail as audit
from exportscreen.store import Store
from tests.api.support import add_users, load_fixture_lists

CLIENTS = 16


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    """Until every worker is ready: each loads its index on its own, and the kernel hands a new
    connection to either, so one ready answer says nothing of the other worker. Twenty ready
    answers in a row, each on a new connection, make a worker still loading all but certain to
    have been asked."""
    deadline = time.monotonic() + 120
    ready_in_a_row = 0
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            ok = httpx.get(f"{base}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            ok = False
        ready_in_a_row = ready_in_a_row + 1 if ok else 0
        if ready_in_a_row >= 20:
            return
        time.sleep(0.05 if ok else 0.5)
    raise AssertionError("the workers did not become ready")


def _listening(pid: int, port: int) -> set[str]:
    """The sockets (by inode) on which the process ``pid`` listens on ``port``."""
    return {
        os.readlink(f"/proc/{pid}/fd/{c.fd}")
        for c in psutil.Process(pid).net_connections(kind="tcp")
        if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
    }


def _established(pid: int, port: int) -> int:
    """Connections to ``port`` that the process ``pid`` holds open."""
    return sum(
        1
        for c in psutil.Process(pid).net_connections(kind="tcp")
        if c.laddr and c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


def test_workers_share_the_connections_and_stop_cleanly_with_every_record_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "served.db"
    with Store.open(f"sqlite:///{path}") as store:
        load_fixture_lists(store)
        headers = add_users(store).header(Role.VIEWER)
    port = _free_port()
    monkeypatch.setenv("EXPORTSCREEN_JOBS_DIR", str(tmp_path / "jobs"))
    monkeypatch.setenv("EXPORTSCREEN_SESSION_SECRET", "test-secret-" + "x" * 32)
    # As an operator starts it; --db as a file path, and nothing passed through the environment.
    command = [str(Path(sys.executable).with_name("exportscreen")), "--db", str(path), "serve"]
    server = subprocess.Popen([*command, "--port", str(port), "--workers", "2"])
    base = f"http://127.0.0.1:{port}"
    clients = [httpx.Client(base_url=base, headers=headers, timeout=30) for _ in range(CLIENTS)]
    workers: list[int] = []
    try:
        _wait_ready(base, server)
        workers = [c.pid for c in psutil.Process(server.pid).children()]
        assert len(workers) == 2
        # A socket of its own per worker (the kernel spreads new connections over them), none
        # in the arbiter: one shared socket let a burst of connections land on one worker.
        sockets = [_listening(pid, port) for pid in workers]
        assert _listening(server.pid, port) == set()
        assert all(sockets) and not sockets[0] & sockets[1], sockets

        def screen(client: httpx.Client) -> int:
            response = client.post("/v1/screen", json={"name": "Acme Photonics"})
            assert response.status_code == 200
            return int(response.json()["audit_seq"])

        # Keep-alive clients connecting at once, as a burst: each worker must get some of them.
        with ThreadPoolExecutor(CLIENTS) as pool:
            seqs = list(pool.map(screen, clients))
        held = [_established(pid, port) for pid in workers]
        assert sum(held) == CLIENTS
        assert all(n > 0 for n in held), held
    finally:
        for client in clients:
            client.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=90)
    assert server.returncode == 0
    assert not any(psutil.pid_exists(pid) for pid in workers)
    with Store.open(f"sqlite:///{path}") as store:
        screenings = [r for r in audit.records(store.engine) if r.action == "screening.screen"]
        assert sorted(r.seq for r in screenings) == sorted(seqs)
        assert audit.verify(store.engine).ok
