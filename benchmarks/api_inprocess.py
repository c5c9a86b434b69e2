"""CPU per ``POST /v1/screen`` request with no HTTP server (issue 19): the app driven directly.

The app (``create_app``, its lifespan entered, so the audit writer batches on the loop as in a
server) is called as an ASGI application by two clients at once, each sending its next request
when its answer is in, on a fresh copy of a loaded SQLite store. What this leaves out is the
HTTP server (uvicorn, httptools, the sockets); what it keeps is everything of the app's: the
middleware, FastAPI's routing and dependencies, the key lookup, the screening, the audit group
commit (every request still waits for its record's commit) and the JSON answer. Two at a time,
so that the audit writer's batches hold about two records, as under the load benchmark.

Each run is a child process; it prints the process's CPU time (user + system, all threads) per
request over ``--requests`` requests after ``--warm`` of warm-up, and the audit write's share:
CPU spent in the writer's transactions (``AuditWriter._append``), per record and per batch;
and the matcher's CPU (``Screener.screen``) a request, and the rest.
With ``--ref REV`` the same runs are made, alternating, against the package as it is at git
revision ``REV`` (extracted with ``git archive`` into a temporary folder; this script and the
store stay the same), so that a change is measured A/B on the same machine at the same time.

    .venv/bin/python -m benchmarks.api_inprocess [--db sqlite:////tmp/b.db] [--requests 3000]
        [--warm 500] [--rounds 3] [--ref main]

``--db`` names a loaded store (default: a temporary one, loaded from the shared lists), used as
a template: it is copied (with its WAL) for every run and never written to, except that keys
for the benchmark are added to it once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


# --- the child: one measured run -------------------------------------------------------------


async def _call(app: Any, key: str, body: bytes) -> int:
    """One request through the ASGI app; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/screen",
        "raw_path": b"/v1/screen",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {key}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    status = 0

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _child(spec: dict[str, Any]) -> dict[str, Any]:
    from exportscreen.api.app import create_app
    from exportscreen.api.config import ApiConfig
    from exportscreen.screening.screener import Screener

    work = Path(spec["work"])
    config = replace(ApiConfig.from_settings(spec["db"]), jobs_dir=work / "jobs")
    app = create_app(config, load_in_background=False)
    keys: list[str] = spec["keys"]
    bodies = [json.dumps({"name": n}).encode() for n in spec["names"]]
    statuses: Counter[int] = Counter()
    async with app.router.lifespan_context(app):
        writer = app.state.services.audit
        audit = {"cpu": 0.0, "batches": 0, "records": 0}
        append = writer._append

        def timed_append(engine: Any, batch: list[Any], **kwargs: Any) -> Any:
            # Only the loop's first try of a batch: a retry record by record runs inside it.
            if kwargs.get("alone"):
                return append(engine, batch, **kwargs)
            started = time.thread_time()
            try:
                return append(engine, batch, **kwargs)
            finally:
                audit["cpu"] += time.thread_time() - started
                audit["batches"] += 1
                audit["records"] += len(batch)

        writer._append = timed_append
        # The matcher's CPU, so that what the rest of a request costs can be read apart from
        # it (the matcher's own benchmarks are benchmarks/speed.py and profile_screen.py).
        matcher = {"cpu": 0.0}
        screen = Screener.screen

        def timed_screen(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return screen(self, *args, **kwargs)
            finally:
                matcher["cpu"] += time.thread_time() - started

        Screener.screen = timed_screen  # type: ignore[method-assign]

        async def client(number: int, count: int) -> None:
            i = number * 7919
            for _ in range(count):
                statuses[await _call(app, keys[i % len(keys)], bodies[i % len(bodies)])] += 1
                i += 1

        async def run(count: int) -> None:
            await asyncio.gather(client(0, count // 2), client(1, count - count // 2))

        await run(spec["warm"])
        audit.update(cpu=0.0, batches=0, records=0)
        matcher["cpu"] = 0.0
        statuses.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        await run(spec["requests"])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "requests": spec["requests"],
        "statuses": dict(statuses),
        "cpu_ms": 1000 * cpu / spec["requests"],
        "wall_s": wall,
        "audit_us_record": 1e6 * audit["cpu"] / max(1, audit["records"]),
        "audit_us_batch": 1e6 * audit["cpu"] / max(1, audit["batches"]),
        "records_per_batch": audit["records"] / max(1, audit["batches"]),
        "audit_share": audit["cpu"] / cpu if cpu else 0.0,
        "matcher_ms": 1000 * matcher["cpu"] / spec["requests"],
    }


# --- the parent: template store, checkouts, alternating runs --------------------------------


def _sqlite_path(url: str) -> Path:
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise SystemExit("--db must be a SQLite file (sqlite:////path/to/file.db)")
    return Path(url.removeprefix(prefix))


def _copy_store(template: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))


def _checkout(rev: str, into: Path) -> Path:
    """The package ``exportscreen`` as it is at ``rev``, in ``into`` (for PYTHONPATH)."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "exportscreen"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _one_run(code: Path, template: Path, spec: dict[str, Any], work: Path) -> dict[str, Any]:
    run_dir = Path(tempfile.mkdtemp(dir=work))
    db = run_dir / "run.db"
    _copy_store(template, db)
    spec = {**spec, "db": f"sqlite:///{db}", "work": str(run_dir)}
    spec_file = run_dir / "spec.json"
    spec_file.write_text(json.dumps(spec))
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(spec_file)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    shutil.rmtree(run_dir, ignore_errors=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


def _prepare(db: str | None, work: Path) -> tuple[Path, list[str], list[str]]:
    sys.path.insert(0, str(REPO))
    from benchmarks.api_load import prepare_store

    url, keys, names = prepare_store(db, work)
    return _sqlite_path(url), keys, names


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="a loaded SQLite store, the template of every run")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--warm", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ref", help="a git revision to measure against, alternating")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(Path(args.child).read_text())
        print("RESULT " + json.dumps(asyncio.run(_child(spec))), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="exportscreen-inprocess-") as tmp:
        work = Path(tmp)
        template, keys, names = _prepare(args.db, work)
        spec = {"keys": keys, "names": names, "requests": args.requests, "warm": args.warm}
        codes = {"this checkout": REPO}
        if args.ref:
            codes[args.ref] = _checkout(args.ref, Path(tempfile.mkdtemp(dir=work)))
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        for round_number in range(1, args.rounds + 1):
            for name, code in codes.items():
                r = _one_run(code, template, spec, work)
                print(
                    f"round {round_number}, {name}: {r['cpu_ms']:.3f} ms CPU a request "
                    f"({r['requests']} requests, {r['requests'] / r['wall_s']:.0f} req/s, "
                    f"statuses {r['statuses']}); audit write {r['audit_us_record']:.0f} µs a "
                    f"record, {r['audit_us_batch']:.0f} µs a batch of "
                    f"{r['records_per_batch']:.2f} ({100 * r['audit_share']:.1f}% of the CPU); "
                    f"matcher {r['matcher_ms']:.3f} ms, the rest "
                    f"{r['cpu_ms'] - r['matcher_ms']:.3f} ms a request; "
                    f"load average {os.getloadavg()[0]:.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
