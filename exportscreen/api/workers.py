"""Several uvicorn worker processes, each with a listening socket of its own (SO_REUSEPORT).

uvicorn's own ``--workers`` binds one socket in the parent and lets every worker accept on it.
With keep-alive clients that splits the work badly: connections arrive in bursts, the first
worker to wake accepts the whole burst, and measured on this API eight or thirty-two client
connections all landed on one worker while the other sat idle, so a two-core machine served
from one core and the load shedder refused requests the idle worker could have answered. With
a socket per worker bound with SO_REUSEPORT, the kernel spreads new connections evenly over the
workers' sockets.

The parent only supervises: it starts the workers, starts a new one when one dies, and on
SIGTERM or SIGINT passes SIGTERM on, so that each worker finishes its requests in progress and
flushes its audit records before it exits. SO_REUSEPORT lets only processes of the same user
share the port, as any server process of that user could bind it anyway.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn

log = logging.getLogger(__name__)

APP_FACTORY = "exportscreen.api.app:app_from_settings"
# Connections waiting to be accepted, per worker: a burst of clients connecting at once.
BACKLOG = 2048
# A worker dying at once at every start (a bad database URL) is not restarted in a tight loop.
RESTART_PAUSE_SECONDS = 1.0
SHUTDOWN_SECONDS = 60.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` with SO_REUSEPORT, listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def uvicorn_config(host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        proxy_headers=False,
        server_header=False,
        # Every request is counted in /metrics and every screening is in the audit trail; a
        # log line per request as well costs CPU on the hot path and says nothing more.
        access_log=False,
        log_level="info",
    )


def run_worker(host: str, port: int) -> None:
    """One worker: its own socket, one uvicorn server (which handles SIGTERM gracefully)."""
    sock = listening_socket(host, port)
    uvicorn.Server(uvicorn_config(host, port)).run(sockets=[sock])


def serve_workers(host: str, port: int, workers: int) -> None:
    """Run ``workers`` worker processes until SIGTERM or SIGINT, restarting any that dies (one
    worker: the server runs in this process)."""
    if workers < 1:
        raise ValueError("at least one worker")
    if workers == 1:
        uvicorn.Server(uvicorn_config(host, port)).run()
        return
    # Fail here, in the parent, when the port is taken by another program (or not allowed).
    listening_socket(host, port).close()
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def start() -> BaseProcess:
        process = context.Process(target=run_worker, args=(host, port), name="exportscreen-worker")
        process.start()
        return process

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    processes = [start() for _ in range(workers)]
    log.info("%d workers on %s:%d (one socket each)", workers, host, port)
    while not stopping.wait(RESTART_PAUSE_SECONDS):
        for index, process in enumerate(processes):
            if not process.is_alive():
                log.warning(
                    "worker %s exited (%s); starting another", process.pid, process.exitcode
                )
                processes[index] = start()
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: uvicorn's graceful shutdown
    deadline = time.monotonic() + SHUTDOWN_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.error("worker %s did not stop in %.0f s; killing it", process.pid, SHUTDOWN_SECONDS)
            process.kill()
            process.join()
