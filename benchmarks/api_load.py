"""Load benchmark of ``POST /v1/screen`` (issue 6; named api_load.py because benchmarks/load.py
measures list loading). Not run in CI.

Starts uvicorn (``--workers``, default 2) on a store holding every list of ../shared, then drives
it from a local async load generator (loopback only, bounded in time and concurrency):

1. steady load: requests/s, p50 and p99 latency (goal: >= 300 req/s, p99 <= 50 ms on 2 cores);
2. overload: far more concurrent clients than the server admits; it should shed (503/429) quickly
   rather than queue;
3. recovery: steady load again, which should be served in full;
4. with ``--soak-seconds N``: steady load for N seconds, sampling the workers' RSS.

    .venv/bin/python benchmarks/api_load.py [--db URL] [--workers 2] [--seconds 20]
        [--concurrency 16] [--soak-seconds 600]

The load generator runs on the same machine and takes CPU from the server: the figures are a
lower bound of what the server does alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from exportscreen import settings
from exportscreen.api.auth import Role, add_user, create_key
from exportscreen.loading import load_paths
from exportscreen.store import Store

console = Console()
KEYS = 8  # the per-key rate limit applies per key: spread the load as several clients would
LIST_FILES = (
    "watchman/csl/consolidated_2022-05.csv.gz",
    "nsfreg_ecfr_derived/bis_entity_list.json.gz",
    "nsfreg_ecfr_derived/bis_meu.json",
    "nsfreg_ecfr_derived/bis_dpl.json",
)
CLEAN_NAMES = (
    "Harbour Bakery Ltd",
    "Northwind Traders",
    "Blue River Logistics GmbH",
    "Maria Gonzalez",
    "Shenzhen Bright Star Electronics",
    "Contoso Pharmaceuticals",
)


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    elapsed: float = 0.0

    def row(self) -> list[str]:
        ok = sorted(self.latencies)
        total = sum(self.statuses.values())

        def pct(q: float) -> str:
            return f"{1000 * ok[min(len(ok) - 1, int(q * len(ok)))]:.1f}" if ok else "-"

        shed = self.statuses.get(503, 0) + self.statuses.get(429, 0)
        return [
            self.name,
            str(total),
            f"{len(ok) / self.elapsed:.0f}" if self.elapsed else "-",
            pct(0.5),
            pct(0.99),
            str(shed),
            ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items())),
        ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare_store(db_url: str | None, work: Path) -> tuple[str, list[str], list[str]]:
    """The store URL, API keys, and names to screen (listed names and clean ones)."""
    url = db_url or f"sqlite:///{work / 'bench.db'}"
    with Store.open(url) as store:
        if not store.lists():
            raw = settings.shared_data_dir() / "raw"
            console.print(f"loading lists from {raw} ...")
            load_paths(store, [raw / name for name in LIST_FILES])
        user = f"bench-{os.getpid()}"
        add_user(store, user, Role.VIEWER, actor="benchmark")
        keys = [create_key(store, user, f"load {i}", actor="benchmark") for i in range(KEYS)]
        listed = [e.name for e in store.entries()]
    rng = random.Random(6)
    names = rng.sample(listed, min(400, len(listed))) + list(CLEAN_NAMES) * 20
    rng.shuffle(names)
    return url, keys, names


async def drive(
    phase: Phase, base: str, keys: list[str], names: list[str], concurrency: int, seconds: float
) -> Phase:
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:

        async def worker(number: int) -> None:
            headers = {"Authorization": f"Bearer {keys[number % len(keys)]}"}
            i = number
            while time.perf_counter() < deadline:
                name = names[i % len(names)]
                i += concurrency
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/screen", json={"name": name}, headers=headers)
                except httpx.HTTPError:
                    phase.statuses[0] += 1
                    continue
                took = time.perf_counter() - started
                phase.statuses[response.status_code] += 1
                if response.status_code == 200:
                    phase.latencies.append(took)

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        phase.elapsed = time.perf_counter() - started
    return phase


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def worker_pids(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children")
    found = [int(p) for p in children.read_text().split()] if children.exists() else []
    return [parent, *found]


async def soak(
    base: str, keys: list[str], names: list[str], args: argparse.Namespace, pid: int
) -> None:
    table = Table("elapsed s", "RSS MiB (all workers)", "req/s", "p99 ms")
    start_rss = rss_kib(worker_pids(pid))
    end = time.perf_counter() + args.soak_seconds
    started = time.perf_counter()
    while time.perf_counter() < end:
        window = await drive(Phase("soak"), base, keys, names, args.concurrency, 30.0)
        row = window.row()
        rss = rss_kib(worker_pids(pid))
        table.add_row(f"{time.perf_counter() - started:.0f}", f"{rss / 1024:.0f}", row[2], row[4])
    console.print(table)
    end_rss = rss_kib(worker_pids(pid))
    console.print(f"RSS at start {start_rss / 1024:.0f} MiB, at end {end_rss / 1024:.0f} MiB")


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="exportscreen-apiload-") as tmp:
        work = Path(tmp)
        url, keys, names = prepare_store(args.db, work)
        port = _free_port()
        env = {**os.environ, "EXPORTSCREEN_DB": url}
        server = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "exportscreen.api.app:app_from_settings",
                "--factory", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(args.workers), "--log-level", "warning", "--no-access-log",
            ],
            env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base) as probe:
                for _ in range(600):
                    try:
                        if (await probe.get("/readyz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.5)
                else:
                    raise SystemExit("the server did not become ready")
            ready = (await httpx.AsyncClient(base_url=base).get("/readyz")).json()
            console.print(f"index: {ready['index_entries']} entries, {len(ready['lists'])} lists")
            await drive(Phase("warm-up"), base, keys, names, args.concurrency, 3.0)
            phases = [
                await drive(Phase("steady"), base, keys, names, args.concurrency, args.seconds),
                await drive(Phase("overload"), base, keys, names, args.overload, args.seconds / 2),
                await drive(
                    Phase("recovery"), base, keys, names, args.concurrency, args.seconds / 2
                ),
            ]
            table = Table(
                "phase", "requests", "ok req/s", "p50 ms", "p99 ms", "shed (503/429)", "statuses",
                title=f"/v1/screen, {args.workers} workers, clients {args.concurrency} "
                f"(overload {args.overload})",
            )  # fmt: skip
            for phase in phases:
                table.add_row(*phase.row())
            console.print(table)
            if args.soak_seconds:
                await soak(base, keys, names, args, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="an existing store (default: a temporary one, loaded)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--overload", type=int, default=400)
    parser.add_argument("--soak-seconds", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
