"""Where a ``POST /v1/screen`` request's server CPU goes (issue 19): py-spy samples of the real
workers under the load benchmark's request mix, each sample put into one stage of the request.

Starts ``exportscreen serve`` as ``benchmarks/api_load.py`` does (same store, keys and names),
warms it up, then drives it with wrk at ``--rate`` requests/s while ``py-spy record`` samples
every worker process (all threads, idle ones left out) for ``--seconds``. Each sampled stack is
given the stage of the innermost frame that names one (``STAGES``: screening inside the metrics
middleware is screening), so the table reads as "of the CPU the workers spent, this share went
to ...". Combined with the server's CPU per request (``/proc``, as api_load.py measures it), the
shares become milliseconds per request. Samples that name no stage are the HTTP server and the
event loop (uvicorn, httptools, asyncio), split by the module of the innermost frame.

Needs ``py-spy`` (PyPI: ``pip install py-spy``; root, or ptrace permission) and ``wrk``.

    .venv/bin/python -m benchmarks.profile_api [--db URL] [--rate 600] [--seconds 20]
        [--raw FILE] [--from-raw FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.api_load import (
    Load,
    Phase,
    WrkGenerator,
    cpu_seconds,
    prepare_store,
    process_tree,
    serve,
    wait_ready,
)

console = Console(width=200)

# (stage, patterns): a frame names a stage when its "function (file)" text matches one of the
# patterns. The innermost frame that names a stage decides; so the order only matters between
# patterns that could match the same frame.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "auth: API key lookup (store query, thread hop)",
        (
            r"authenticate_key",
            r"KeyAuthenticator",
            r"key_holder",
            r"authenticated \(exportscreen/api/app",
            r"presented_key",
            r"dependency \(exportscreen/api/auth",
        ),
    ),
    ("budget and rate limit", (r"exportscreen/api/limits.py\)?$", r"charge_request", r"charge")),
    (
        "parsing and validation (request body, pydantic, FastAPI dependencies)",
        (
            r"solve_dependencies",
            r"request_body_to_args",
            r"_extract_form_body|\bjson \(starlette/requests",
            r"\bbody \(starlette/requests",
            r"pydantic",
            r"model_dump",
        ),
    ),
    ("screening (the matcher)", (r"\bscreen \(exportscreen/screening/screener",)),
    ("hit documents and serialisation", (r"hit_document", r"orjson", r"\bdumps\b")),
    ("audit: building the event", (r"screening_event", r"_event \(exportscreen/api/trail")),
    (
        "audit: group commit (SQL, hash chain, seal, anchor)",
        (
            r"exportscreen/api/audit_writer",
            r"exportscreen/store/audit_log",
            r"exportscreen/store/audit_seal",
            r"exportscreen/casework/audit_trail",
        ),
    ),
    ("middleware: metrics", (r"MetricsMiddleware|exportscreen/api/metrics", r"prometheus_client")),
    (
        "middleware: load shedder, body limit, security headers, session",
        (
            r"LoadShedder|BodySizeLimit|counted_receive|tracked_send",
            r"exportscreen/api/security",
            r"starlette/middleware/sessions",
        ),
    ),
    ("index version check", (r"ScreenerHolder|\bloaded \(exportscreen/api/state",)),
    (
        "FastAPI and Starlette routing, responses",
        (r"fastapi/", r"starlette/"),
    ),
    ("thread pool (hops to worker threads)", (r"anyio/", r"concurrent/futures", r"threading")),
    ("HTTP server (uvicorn, httptools)", (r"uvicorn", r"httptools", r"h11")),
    ("event loop (asyncio, uvloop)", (r"asyncio/", r"uvloop")),
)
_COMPILED = [(stage, [re.compile(p) for p in patterns]) for stage, patterns in STAGES]
OTHER = "other"


def stage_of(frames: list[str]) -> str:
    """The stage of one sampled stack (outermost frame first): the innermost frame that names a
    stage, trying the request stages (in ``STAGES`` order) before the generic ones."""
    for frame in reversed(frames):
        for stage, patterns in _COMPILED:
            if any(p.search(frame) for p in patterns):
                return stage
    return OTHER


def classify(raw: str) -> Counter[str]:
    """Samples per stage from py-spy's ``--format raw`` (collapsed stacks: ``a;b;c count``)."""
    found: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        found[stage_of(stack.split(";"))] += int(count)
    return found


def report(samples: Counter[str], cpu_ms_per_request: float | None, title: str) -> None:
    total = sum(samples.values())
    table = Table("stage", "samples", "share", "ms CPU per request", title=title)
    for stage, count in samples.most_common():
        share = count / total
        per_request = f"{share * cpu_ms_per_request:.2f}" if cpu_ms_per_request else "-"
        table.add_row(stage, str(count), f"{100 * share:.1f}%", per_request)
    console.print(table)


async def profile(args: argparse.Namespace) -> None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        raise SystemExit("py-spy is not installed (pip install py-spy)")
    with tempfile.TemporaryDirectory(prefix="exportscreen-apiprofile-") as tmp:
        work = Path(tmp)
        url, keys, names = prepare_store(args.db, work)
        server, port = serve(url, work, args.workers)
        base = f"http://127.0.0.1:{port}"
        generator = WrkGenerator(base, keys, names, work)
        try:
            await wait_ready(base)
            await generator.run(Phase("warm-up"), Load(8, 5.0))
            cycle_ms = 1000 * args.clients / args.rate
            load = Load(args.clients, args.seconds, pause_ms=max(0.0, cycle_ms - 5.0))
            raw = work / "stacks.txt"
            spy_process = subprocess.Popen(
                [
                    spy, "record", "--pid", str(server.pid), "--subprocesses", "--nonblocking",
                    "--rate", str(args.sample_rate), "--duration", f"{args.seconds:.0f}",
                    "--format", "raw", "--output", str(raw),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            before = cpu_seconds(process_tree(server.pid))
            phase = await generator.run(Phase("profiled"), load)
            server_cpu = cpu_seconds(process_tree(server.pid)) - before
            spy_process.wait(timeout=60)
            text = raw.read_text()
            if args.raw:
                Path(args.raw).write_text(text)
        finally:
            server.terminate()
            server.wait(timeout=60)
    per_request = 1000 * server_cpu / phase.total if phase.total else None
    report(
        classify(text),
        per_request,
        f"/v1/screen, {args.workers} workers, {phase.total / phase.seconds:.0f} req/s, "
        f"{per_request or 0:.2f} ms server CPU per request (py-spy under load; load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())})",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="an existing store (default: a temporary one, loaded)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=600.0, help="requests/s while sampled")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--sample-rate", type=int, default=250, help="py-spy samples/s")
    parser.add_argument("--raw", help="also keep py-spy's collapsed stacks in this file")
    parser.add_argument("--from-raw", help="only classify a file kept with --raw")
    args = parser.parse_args()
    if args.from_raw:
        report(classify(Path(args.from_raw).read_text()), None, args.from_raw)
        return
    asyncio.run(profile(args))


if __name__ == "__main__":
    main()
