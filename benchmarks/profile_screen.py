"""Where a screened name's CPU time goes: a cProfile of ``Screener.screen`` over batch-like input.

Issue "A million rows a minute" asks to profile before optimising. This runs the same input as
``benchmarks/batch.py`` (98% Faker people and companies in many scripts, 2% variants of listed
names) through one screener in this process, under cProfile, and prints the time per name
grouped by stage (the module the time is spent in), then the functions with the most time of
their own. The profile's overhead inflates every figure by roughly the same factor, so read the
shares, not the absolute milliseconds; ``benchmarks/speed.py`` measures the real speed.

    .venv/bin/python -m benchmarks.profile_screen                # 3,000 names, the 2022 CSL
    .venv/bin/python -m benchmarks.profile_screen --n 10000 --top 40
    .venv/bin/python -m benchmarks.profile_screen --n 5000 --warm 30000   # a long run's rows

``--warm`` sets how many other rows are screened first, unprofiled (default: as many as are
profiled): a batch worker learns the routes of its file's words as it goes, so a profile after
30,000 rows shows a long run's steady state rather than its start.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.batch import DEFAULT_LISTS, counterparties
from exportscreen import settings
from exportscreen.model import EntryType
from exportscreen.screening.screener import Screener
from exportscreen.sources import parse

# Stages by where the code lives: the first matching prefix names the stage.
STAGES = (
    ("exportscreen/matching/analyze", "query analysis (tokens, scripts, forms)"),
    ("exportscreen/matching/normalize", "query analysis (tokens, scripts, forms)"),
    ("exportscreen/matching/translit", "query analysis (tokens, scripts, forms)"),
    ("exportscreen/matching/chinese", "query analysis (tokens, scripts, forms)"),
    ("exportscreen/matching/legal_forms", "query analysis (tokens, scripts, forms)"),
    ("exportscreen/matching/routes", "candidate routes (postings, blocks)"),
    ("exportscreen/matching/postings", "candidate routes (postings, blocks)"),
    ("exportscreen/matching/index", "candidate routes (postings, blocks)"),
    ("exportscreen/matching/delta_filter", "candidate routes (postings, blocks)"),
    ("exportscreen/matching/signature", "candidate routes (postings, blocks)"),
    ("exportscreen/matching/score", "pair scoring and alignment"),
    ("exportscreen/matching/similarity", "pair scoring and alignment"),
    ("exportscreen/matching/weights", "pair scoring and alignment"),
    ("exportscreen/matching/equivalences", "pair scoring and alignment"),
    ("exportscreen/matching/acronyms", "pair scoring and alignment"),
    ("exportscreen/matching/explain", "explanations"),
    ("exportscreen/matching/addresses", "qualifiers (country, dates, address)"),
    ("exportscreen/screening/features", "qualifiers (country, dates, address)"),
    ("exportscreen/screening", "screener glue and result objects"),
    ("exportscreen/model", "screener glue and result objects"),
    ("exportscreen/matching", "other matching"),
    ("rapidfuzz", "rapidfuzz (C)"),
    ("~", "builtins (C)"),
)


def stage_of(file_name: str) -> str:
    path = file_name.replace("\\", "/")
    for prefix, stage in STAGES:
        if prefix in path or (prefix == "~" and file_name == "~"):
            return stage
    return "other Python (stdlib, dataclasses, libraries)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=3000, help="names to screen")
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    parser.add_argument("--lists", type=Path, help="a list file (default: the 2022 CSL)")
    parser.add_argument("--warm", type=int, help="rows screened first, unprofiled (default: --n)")
    args = parser.parse_args()
    lists = args.lists or settings.shared_data_dir() / DEFAULT_LISTS

    console = Console(width=150)
    entries = parse(lists).entries
    screener = Screener.from_entries(entries, neighbours=True)
    listed = [e for e in entries if e.type is not EntryType.ADDRESS_ONLY]
    # Two different inputs: the screener caches analysed names, and a second pass over the same
    # rows would profile the cache rather than the work.
    warm = args.n if args.warm is None else args.warm
    unprofiled = list(counterparties(warm, listed, seed=11))
    rows = list(counterparties(args.n, listed, seed=12))

    started = time.perf_counter()
    for _, name, kind in unprofiled:
        screener.screen(name, type=kind or None)
    plain = (time.perf_counter() - started) / max(1, len(unprofiled))

    profiler = cProfile.Profile()
    hits = 0
    profiler.enable()
    for _, name, kind in rows:
        hits += bool(screener.screen(name, type=kind or None))
    profiler.disable()

    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]  # (file, line, function) -> timings
    by_stage: dict[str, float] = defaultdict(float)
    total = 0.0
    for (file_name, _line, _function), (_cc, _nc, own, _cum, _callers) in raw.items():
        by_stage[stage_of(file_name)] += own
        total += own

    console.print(
        f"{len(entries):,} entries from {lists.name}; {len(rows):,} names, {hits:,} with a hit; "
        f"{warm:,} unprofiled first at {plain * 1000:.3f} ms/name, "
        f"profiled {total / len(rows) * 1000:.3f} ms/name"
    )
    table = Table(title="Own time by stage (shares of the profiled time)")
    for heading in ("stage", "ms/name (profiled)", "share"):
        table.add_column(heading, justify="right" if heading != "stage" else "left")
    for stage, seconds in sorted(by_stage.items(), key=lambda item: -item[1]):
        table.add_row(stage, f"{seconds / len(rows) * 1000:.3f}", f"{seconds / total:.1%}")
    console.print(table)

    top = Table(title=f"The {args.top} functions with the most own time")
    for heading in ("function", "calls/name", "own ms/name", "cumulative ms/name"):
        top.add_column(heading, justify="right" if heading != "function" else "left")
    ranked = sorted(raw.items(), key=lambda item: -item[1][2])[: args.top]
    for (file_name, line, function), (_cc, calls, own, cumulative, _callers) in ranked:
        where = file_name.split("site-packages/")[-1].split("exportscreen/")[-1]
        top.add_row(
            f"{function} ({where}:{line})",
            f"{calls / len(rows):.1f}",
            f"{own / len(rows) * 1000:.4f}",
            f"{cumulative / len(rows) * 1000:.4f}",
        )
    console.print(top)


if __name__ == "__main__":
    main()
