"""Load benchmark of ``POST /v1/screen`` (issue 6; named api_load.py because benchmarks/load.py
measures list loading). Not run in CI.

Starts ``exportscreen serve`` (``--workers``, default 2) on a store holding every list of
../shared, then drives it from a local load generator (loopback only, bounded in time and
concurrency):

1. steady: closed loop at ``--concurrency`` clients: requests/s, p50 and p99 latency;
2. paced: ``--paced-clients`` clients sending at ``--rate`` requests/s in all (each waits a
   random time between requests, so that they do not send in step): the goal is >= 300 req/s
   with p99 <= 50 ms on 2 cores;
3. overload: ``--overload`` clients with no pause, far more than the server admits: it should
   refuse (503/429) fast rather than queue; a small probe of ``--probe`` clients measures what
   a client whose request is accepted waits meanwhile;
4. recovery: the steady load again, which should be served in full at the steady latency;
5. with ``--soak-seconds N``: the paced load for N seconds, sampling the workers' RSS.

The generator is ``wrk`` (Debian's ``wrk`` package; a Lua script sends the JSON bodies) when it
is installed, else (or with ``--generator python``) an httpx client in this process. Either
runs on the same cores as the server, so besides wall figures each phase reports CPU time: the
server's (all workers) and the generator's, per request; on a machine shared with other work,
the CPU figures are the stable ones and ``2 cores / CPU per request`` is the capacity they imply.

    .venv/bin/python benchmarks/api_load.py [--db URL] [--workers 2] [--seconds 20]
        [--concurrency 8] [--rate 300] [--overload 400] [--soak-seconds 600]
        [--generator wrk|python] [--max-in-flight N]
"""

from __future__ import annotations

import abc
import argparse
import asyncio
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console
from rich.table import Table

from exportscreen import settings
from exportscreen.ops.accounts import Role, add_user, create_key
from exportscreen.ops.loading import load_paths
from exportscreen.store import Store

console = Console(width=200)
KEYS = 32  # the per-key rate limit (100/s) applies per key: spread the load as 32 clients would
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
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# wrk calls these per connection thread; ``done`` prints one JSON line for this script to read.
# Bodies and keys are prepended as Lua tables. Statuses are counted per wrk thread and summed.
WRK_LUA = """
counter = 0
statuses = {}
local threads = {}
local pause = tonumber(os.getenv("BENCH_PAUSE_MS") or "0")

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = id * 7919
  math.randomseed(id + 1)
end

function request()
  counter = counter + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. keys[counter % #keys + 1],
  }
  return wrk.format("POST", "/v1/screen", headers, bodies[counter % #bodies + 1])
end

-- Pauses drawn from an exponential distribution of mean ``pause``: clients that do not act in
-- step, so that together they send about as a Poisson process would, not in bursts.
function delay()
  if pause == 0 then return 0 end
  return math.floor(-math.log(1 - math.random()) * pause)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local parts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      parts[status] = (parts[status] or 0) + n
    end
  end
  local counts = {}
  for status, n in pairs(parts) do table.insert(counts, string.format('"%d": %d', status, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"seconds": %f, "p50_ms": %f, "p99_ms": %f, "max_ms": %f, ' ..
    '"errors": %d, "statuses": {%s}}\\n',
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, e.connect + e.read + e.write + e.timeout, table.concat(counts, ", ")))
end
"""


@dataclass
class Phase:
    """One phase's figures. ``p50``/``p99`` are of accepted (200) requests when the generator
    can tell them apart (python), else of all responses (wrk: see ``latency_note``)."""

    name: str
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    server_cpu: float = 0.0  # seconds, all server processes
    generator_cpu: float = 0.0
    latency_note: str = ""
    # Requests that reached /v1/screen's handler (refusals never do), by latency bucket upper
    # bound (cumulative), as the workers' own histograms count them.
    accepted: dict[float, float] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def shed(self) -> int:
        return self.statuses.get(503, 0) + self.statuses.get(429, 0)

    def row(self) -> list[str]:
        ok = self.statuses.get(200, 0)

        def ms(value: float | None) -> str:
            return f"{value:.1f}" if value is not None else "-"

        per_request = 1000 / self.total if self.total else 0.0
        counted = self.accepted.get(math.inf, 0.0)
        within = f"{100 * self.accepted.get(GOAL_SECONDS, 0.0) / counted:.1f}%" if counted else "-"
        return [
            self.name,
            str(self.total),
            f"{ok / self.seconds:.0f}" if self.seconds else "-",
            ms(self.p50_ms),
            ms(self.p99_ms) + self.latency_note,
            f"{self.shed} ({100 * self.shed / self.total:.0f}%)" if self.total else "-",
            ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items())),
            f"{self.server_cpu * per_request:.2f}",
            f"{self.generator_cpu * per_request:.2f}",
            within,
            bucket_quantile(self.accepted, 0.99),
        ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(
    db_url: str, work: Path, workers: int, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """``exportscreen serve`` on a free local port, started as an operator would (a socket per
    worker), on the store at ``db_url``; the process and its port."""
    port = _free_port()
    env = {**os.environ, "EXPORTSCREEN_DB": db_url, "EXPORTSCREEN_JOBS_DIR": str(work / "jobs")}
    env.update(extra_env or {})
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("exportscreen")), "serve",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        ],
        env=env,
    )  # fmt: skip
    return server, port


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


# --- process accounting ---------------------------------------------------------------------


def process_tree(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children")
    found = [int(p) for p in children.read_text().split()] if children.exists() else []
    return [parent, *found]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of ``pids`` so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / CLOCK_TICKS


def rss_kib(pids: list[int]) -> list[int]:
    sizes = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]))
        except OSError:
            continue
    return sizes


# --- the workers' own latency histograms ----------------------------------------------------

SCREEN_LATENCY = "exportscreen_http_request_duration_seconds"
GOAL_SECONDS = 0.05


async def screen_latency(base: str, workers: int) -> dict[float, float]:
    """The /v1/screen latency histogram summed over the workers: cumulative counts by bucket
    upper bound. Each scrape opens a connection of its own, which the kernel hands to any
    worker; scrapes are repeated until every worker has answered (told apart by their counts,
    which do not move between phases)."""
    seen: dict[tuple[tuple[float, float], ...], dict[float, float]] = {}
    for _ in range(20 * workers):
        async with httpx.AsyncClient(base_url=base, timeout=10.0) as client:
            text = (await client.get("/metrics")).text
        buckets: dict[float, float] = {}
        for family in text_string_to_metric_families(text):
            if family.name != SCREEN_LATENCY:
                continue
            for sample in family.samples:
                if sample.name.endswith("_bucket") and sample.labels["route"] == "/v1/screen":
                    buckets[float(sample.labels["le"])] = sample.value
        seen[tuple(sorted(buckets.items()))] = buckets
        if len(seen) == workers:
            break
    else:
        # Not every worker answered (uvicorn's shared socket hands every connection to the
        # same worker; or two workers' counts are equal): no sum to trust.
        return {}
    total: dict[float, float] = {}
    for buckets in seen.values():
        for bound, count in buckets.items():
            total[bound] = total.get(bound, 0.0) + count
    return total


def histogram_difference(
    after: dict[float, float], before: dict[float, float]
) -> dict[float, float]:
    """The requests counted between two sums; empty when either is unknown."""
    if not after or not before:
        return {}
    return {bound: count - before.get(bound, 0.0) for bound, count in after.items()}


def bucket_quantile(buckets: dict[float, float], q: float) -> str:
    """The bucket bound under which a fraction ``q`` of the requests fall ("<= 50 ms")."""
    total = buckets.get(math.inf, 0.0)
    if not total:
        return "-"
    for bound in sorted(buckets):
        if buckets[bound] >= q * total:
            return f"<= {1000 * bound:.0f}" if bound != math.inf else "> last bucket"
    return "-"


# --- generators --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    clients: int
    seconds: float
    pause_ms: float = 0.0  # each client waits this long between its requests


class Generator(abc.ABC):
    def __init__(self, base: str, keys: list[str], names: list[str], work: Path):
        self.base, self.keys, self.names, self.work = base, keys, names, work

    @abc.abstractmethod
    async def run(self, phase: Phase, load: Load) -> Phase:
        """Apply ``load`` and fill ``phase`` (all but the server's CPU)."""


class WrkGenerator(Generator):
    def __init__(self, base: str, keys: list[str], names: list[str], work: Path):
        super().__init__(base, keys, names, work)
        self.script = work / "screen.lua"
        bodies = ",\n".join(f"  [==[{json.dumps({'name': n})}]==]" for n in names)
        quoted = ",\n".join(f'  "{k}"' for k in keys)
        self.script.write_text(f"bodies = {{\n{bodies}\n}}\nkeys = {{\n{quoted}\n}}\n{WRK_LUA}")

    async def run(self, phase: Phase, load: Load) -> Phase:
        process = await asyncio.create_subprocess_exec(
            "wrk", "-t1", f"-c{load.clients}", f"-d{load.seconds:.0f}s", "--timeout", "10s",
            "-s", str(self.script), self.base,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "BENCH_PAUSE_MS": f"{load.pause_ms:.0f}"},
        )  # fmt: skip
        before = os.times()
        output, _ = await process.communicate()
        # wrk has exited and been reaped: its CPU time is now in this process's children's.
        after = os.times()
        phase.generator_cpu += (after.children_user + after.children_system) - (
            before.children_user + before.children_system
        )
        line = next((x for x in output.decode().splitlines() if x.startswith("WRK-RESULT ")), None)
        if line is None:
            raise SystemExit(f"wrk gave no result:\n{output.decode()}")
        result = json.loads(line.removeprefix("WRK-RESULT "))
        phase.seconds = result["seconds"]
        phase.p50_ms, phase.p99_ms = result["p50_ms"], result["p99_ms"]
        phase.statuses.update({int(k): v for k, v in result["statuses"].items()})
        if result["errors"]:
            phase.statuses[0] += result["errors"]
        if phase.shed:
            phase.latency_note = " (all)"
        return phase


class PythonGenerator(Generator):
    async def run(self, phase: Phase, load: Load) -> Phase:
        latencies: list[float] = []
        cpu_before = time.process_time()
        await drive(self.base, self.keys, self.names, load, phase.statuses, latencies)
        phase.generator_cpu += time.process_time() - cpu_before
        phase.seconds = load.seconds
        if latencies:
            latencies.sort()
            phase.p50_ms = 1000 * latencies[len(latencies) // 2]
            phase.p99_ms = 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        return phase


async def drive(
    base: str,
    keys: list[str],
    names: list[str],
    load: Load,
    statuses: Counter[int],
    latencies: list[float],
) -> None:
    """``load.clients`` clients, each sending one request after the other (pausing
    ``load.pause_ms`` between them) until the time is up; latencies of 200 answers only."""
    deadline = time.perf_counter() + load.seconds
    limits = httpx.Limits(max_connections=load.clients, max_keepalive_connections=load.clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:

        async def client_loop(number: int) -> None:
            headers = {"Authorization": f"Bearer {keys[number % len(keys)]}"}
            pauses = random.Random(number)
            i = number * 7919
            while time.perf_counter() < deadline:
                name = names[i % len(names)]
                i += 1
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/screen", json={"name": name}, headers=headers)
                except httpx.HTTPError:
                    statuses[0] += 1
                    continue
                statuses[response.status_code] += 1
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - started)
                if load.pause_ms:  # as in the wrk script: exponential, clients not in step
                    await asyncio.sleep(pauses.expovariate(1000 / load.pause_ms))

        await asyncio.gather(*(client_loop(n) for n in range(load.clients)))


async def measured(
    generator: Generator, phase: Phase, load: Load, server: int, workers: int
) -> Phase:
    histogram = await screen_latency(generator.base, workers)
    before = cpu_seconds(process_tree(server))
    await generator.run(phase, load)
    phase.server_cpu = cpu_seconds(process_tree(server)) - before
    after = await screen_latency(generator.base, workers)
    phase.accepted = histogram_difference(after, histogram)
    return phase


# --- phases ----------------------------------------------------------------------------------


async def overload(
    generator: Generator, args: argparse.Namespace, server: int
) -> tuple[Phase, Phase]:
    """The overload, and what a few well-behaved clients see meanwhile (their own statuses and
    the latency of their accepted requests)."""
    flood = Phase("overload")
    probe = Phase(f"  probe ({args.probe} clients)")
    latencies: list[float] = []
    seconds = args.seconds / 2
    histogram = await screen_latency(generator.base, args.workers)
    before = cpu_seconds(process_tree(server))
    cpu_before = time.process_time()
    await asyncio.gather(
        generator.run(flood, Load(args.overload, seconds)),
        drive(
            generator.base, generator.keys, generator.names, Load(args.probe, seconds),
            probe.statuses, latencies,
        ),
    )  # fmt: skip
    flood.server_cpu = cpu_seconds(process_tree(server)) - before
    # The probe's accepted requests are in the flood's histogram too; few, and as accepted.
    flood.accepted = histogram_difference(
        await screen_latency(generator.base, args.workers), histogram
    )
    if isinstance(generator, WrkGenerator):
        probe.generator_cpu = time.process_time() - cpu_before
    # (With the python generator, flood and probe share this process: the flood's generator
    # CPU includes the probe's.)
    probe.seconds = seconds
    if latencies:
        latencies.sort()
        probe.p50_ms = 1000 * latencies[len(latencies) // 2]
        probe.p99_ms = 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    return flood, probe


def paced_load(args: argparse.Namespace, seconds: float, latency_ms: float) -> Load:
    """Clients that together send about ``args.rate`` requests/s: each pauses so that its own
    cycle (answer plus pause) lasts ``clients / rate`` on average."""
    cycle_ms = 1000 * args.paced_clients / args.rate
    return Load(args.paced_clients, seconds, pause_ms=max(0.0, cycle_ms - latency_ms))


async def soak(
    generator: Generator, args: argparse.Namespace, server: int, latency_ms: float
) -> None:
    """The paced load for ``--soak-seconds``, in windows of 30 s, with the RSS of each worker
    after each window."""
    table = Table("elapsed s", "RSS MiB per process", "RSS MiB total", "ok req/s", "p99 ms")
    start = rss_kib(process_tree(server))
    table.add_row("0", " ".join(f"{r / 1024:.1f}" for r in start), f"{sum(start) / 1024:.1f}")
    started = time.perf_counter()
    while time.perf_counter() - started < args.soak_seconds:
        window = min(30.0, args.soak_seconds - (time.perf_counter() - started))
        if window < 5:
            break
        phase = await generator.run(Phase("soak"), paced_load(args, window, latency_ms))
        rss = rss_kib(process_tree(server))
        row = phase.row()
        table.add_row(
            f"{time.perf_counter() - started:.0f}",
            " ".join(f"{r / 1024:.1f}" for r in rss),
            f"{sum(rss) / 1024:.1f}",
            row[2],
            row[4],
        )
    console.print(table)
    end = rss_kib(process_tree(server))
    console.print(
        "RSS change over the soak, per process (supervisor, workers): "
        + ", ".join(f"{(b - a):+d} KiB" for a, b in zip(start, end, strict=False))
    )


async def wait_ready(base: str) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=base) as probe:
        for _ in range(600):
            try:
                response = await probe.get("/readyz")
                if response.status_code == 200:
                    found: dict[str, object] = response.json()
                    return found
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit("the server did not become ready")


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="exportscreen-apiload-") as tmp:
        work = Path(tmp)
        url, keys, names = prepare_store(args.db, work)
        extra = (
            {"EXPORTSCREEN_MAX_IN_FLIGHT": str(args.max_in_flight)} if args.max_in_flight else {}
        )
        server, port = serve(url, work, args.workers, extra)
        base = f"http://127.0.0.1:{port}"
        use_wrk = args.generator == "wrk" or (args.generator == "auto" and shutil.which("wrk"))
        generator: Generator = (
            WrkGenerator(base, keys, names, work)
            if use_wrk
            else PythonGenerator(base, keys, names, work)
        )
        try:
            ready = await wait_ready(base)
            lists = ready["lists"]
            assert isinstance(lists, list)
            console.print(
                f"index: {ready['index_entries']} entries, {len(lists)} lists; generator "
                f"{'wrk' if use_wrk else 'python (httpx)'}; load average "
                f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
            )
            pid = server.pid
            steady_load = Load(args.concurrency, args.seconds)
            await generator.run(Phase("warm-up"), Load(args.concurrency, 5.0))
            steady = await measured(generator, Phase("steady"), steady_load, pid, args.workers)
            latency_ms = steady.p50_ms or 0.0
            paced = await measured(
                generator,
                Phase(f"paced ({args.paced_clients} clients)"),
                paced_load(args, args.seconds, latency_ms),
                pid,
                args.workers,
            )
            flood, probe = await overload(generator, args, pid)
            recovery = await measured(
                generator,
                Phase("recovery"),
                Load(args.concurrency, args.seconds / 2),
                pid,
                args.workers,
            )
            table = Table(
                "phase", "requests", "ok req/s", "p50 ms", "p99 ms", "shed (503/429)",
                "statuses", "server CPU ms/req", "generator CPU ms/req",
                "accepted <= 50 ms (server)", "accepted p99 ms (server)",
                title=f"/v1/screen, {args.workers} workers, {args.concurrency} clients steady, "
                f"{args.rate:.0f} req/s paced, {args.overload} overload",
            )  # fmt: skip
            for phase in (steady, paced, flood, probe, recovery):
                table.add_row(*phase.row())
            console.print(table)
            console.print(
                "p50/p99 are the generator's; those marked (all) mix refusals with accepted "
                "requests (wrk cannot tell them apart); the probe's are of its accepted requests "
                "only. The last two columns are the workers' own histogram of the requests "
                "that reached /v1/screen (refusals never do): from the moment the worker reads "
                "the request, so without time spent in the kernel's queues. Load average now "
                f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}."
            )
            if args.soak_seconds:
                await soak(generator, args, pid, latency_ms)
        finally:
            server.terminate()
            server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="an existing store (default: a temporary one, loaded)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=300.0, help="paced phase, requests/s")
    parser.add_argument("--paced-clients", type=int, default=32)
    parser.add_argument("--overload", type=int, default=400)
    parser.add_argument("--probe", type=int, default=8, help="clients probing the overload")
    parser.add_argument("--soak-seconds", type=float, default=0.0)
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--max-in-flight", type=int, default=0, help="per worker (default: the server's)"
    )
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
