"""Serving the API: one uvicorn server in this process, or gunicorn with uvicorn workers.

Several workers run under gunicorn (``uvicorn_worker.UvicornWorker``, the maintained successor of
``uvicorn.workers``) with ``reuse_port``: then gunicorn binds no socket in the arbiter and each
worker binds one of its own with SO_REUSEPORT. That matters. With one shared socket, connections
arrive in bursts, the first worker to wake accepts the whole burst, and measured on this API eight
or thirty-two keep-alive clients all landed on one worker while the other sat idle, so a two-core
machine served from one core and the load shedder refused requests the idle worker could have
answered. With a socket per worker the kernel spreads new connections evenly over the workers.
SO_REUSEPORT lets only processes of the same user share the port, as any server process of that
user could bind it anyway.

Each worker builds its app from the ``ApiConfig`` the caller made (``ApiServer.load``), not from
the environment. On SIGTERM or SIGINT gunicorn passes SIGTERM on: each worker finishes its
requests in progress and flushes its audit records before it exits (``SHUTDOWN_SECONDS``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

import uvicorn
from fastapi import FastAPI
from gunicorn.app.base import BaseApplication
from uvicorn_worker import UvicornWorker

from exportscreen.api.config import ApiConfig

# Connections waiting to be accepted, per worker: a burst of clients connecting at once.
BACKLOG: Final = 2048
# How long a stopping worker may take to finish its requests and write their audit records
# before gunicorn kills it.
SHUTDOWN_SECONDS: Final = 60
# Every request is counted in /metrics and every screening is in the audit trail; a log line per
# request as well costs CPU on the hot path and says nothing more. The server header only tells
# an attacker what we run; no proxy is trusted to say who the client is.
_UVICORN_OPTIONS: Final[dict[str, Any]] = {
    "access_log": False,
    "server_header": False,
    "proxy_headers": False,
}


class ApiWorker(UvicornWorker):  # type: ignore[misc]  # uvicorn-worker ships no type hints
    """gunicorn's uvicorn worker with this API's uvicorn options."""

    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {**UvicornWorker.CONFIG_KWARGS, **_UVICORN_OPTIONS}


class ApiServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn running the API from an explicit ``ApiConfig``: ``load`` runs in each worker
    (after the fork), so every worker opens its own store connections."""

    def __init__(self, config: ApiConfig, host: str, port: int, workers: int):
        self.api_config = config
        self.options: dict[str, Any] = {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "worker_class": ApiWorker,
            "reuse_port": True,
            "backlog": BACKLOG,
            "graceful_timeout": SHUTDOWN_SECONDS,
            # The index is built in the background after startup, and a worker may spend long
            # in one batch request: gunicorn must not kill a worker for being busy.
            "timeout": 0,
            "accesslog": None,
            "loglevel": "info",
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> FastAPI:
        from exportscreen.api.app import create_app

        return create_app(self.api_config)


def serve(config: ApiConfig, host: str, port: int, workers: int) -> None:
    """Serve the API until SIGTERM or SIGINT: in this process with one worker, else under
    gunicorn with ``workers`` worker processes sharing the port and the store."""
    if workers < 1:
        raise ValueError("at least one worker")
    if workers == 1:
        from exportscreen.api.app import create_app

        uvicorn.run(create_app(config), host=host, port=port, **_UVICORN_OPTIONS)
        return
    ApiServer(config, host, port, workers).run()


__all__ = ["SHUTDOWN_SECONDS", "ApiServer", "ApiWorker", "serve"]
