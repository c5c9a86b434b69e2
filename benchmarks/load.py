"""Time and peak memory to load the full 2022 CSL and the 2026 BIS files into a fresh SQLite store,
beside a naive baseline, in one run.

    .venv/bin/python benchmarks/load.py [--sample 300] [--data-dir PATH]

Each measurement runs in a fresh child process, so that its peak resident memory (ru_maxrss) is
its own: parsing the files, importing them into the store (``Store.import_source``), the whole load
(both), reading every current entry back (``Store.entries()``, which feeds the screening index),
and the whole load again under tracemalloc for the peak of Python allocations (tracemalloc slows
the code it watches, so its run is not timed). The baseline inserts a sample of the same entries
one ORM object and one commit at a time, the way a first version of such a store is often written;
its time is extrapolated to all entries and labelled so.

Wall time and this process's CPU time are both printed: the machine is shared, and CPU time is
what the load costs. The goal (issue 2) is at most 15 s and 500 MB for the whole load.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table
from sqlalchemy import orm

from exportscreen import settings, sources
from exportscreen.model import Entry, entry_to_dict
from exportscreen.sources.common import ParsedSource
from exportscreen.store import Store

FILES = (
    "watchman/csl/consolidated_2022-05.csv.gz",
    "nsfreg_ecfr_derived/bis_entity_list.json.gz",
    "nsfreg_ecfr_derived/bis_meu.json",
    "nsfreg_ecfr_derived/bis_dpl.json",
)
GOAL_SECONDS = 15.0
GOAL_MEGABYTES = 500.0


@dataclass(frozen=True, slots=True)
class Measurement:
    label: str
    wall: float  # seconds
    cpu: float  # seconds of this process's CPU
    rss_mb: float  # the child's peak resident set size
    traced_mb: float | None = None  # tracemalloc peak, when traced
    entries: int = 0
    note: str = ""


def _parse_all(data_dir: Path) -> list[ParsedSource]:
    return [sources.parse(data_dir / name) for name in FILES]


def _import_all(store: Store, parsed: list[ParsedSource]) -> int:
    for item in parsed:
        store.import_source(item)
    return sum(len(item.entries) for item in parsed)


def _timed(action: Callable[[], int]) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    count = action()
    return time.perf_counter() - wall, time.process_time() - cpu, count


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS, which this benchmark does not target).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- what each child process does ----------------------------------------------------------------


def _parse(data_dir: Path, workdir: Path, sample: int) -> list[Measurement]:
    wall, cpu, count = _timed(lambda: sum(len(p.entries) for p in _parse_all(data_dir)))
    return [Measurement("parse the 4 files", wall, cpu, _peak_rss_mb(), entries=count)]


def _load(data_dir: Path, workdir: Path, sample: int) -> list[Measurement]:
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    parsed = _parse_all(data_dir)
    with Store.open(f"sqlite:///{workdir / 'load.db'}") as store:
        wall, cpu, count = _timed(lambda: _import_all(store, parsed))
    total_wall = time.perf_counter() - started_wall
    total_cpu = time.process_time() - started_cpu
    rss = _peak_rss_mb()
    return [
        Measurement("import into the store", wall, cpu, rss, entries=count),
        Measurement("load = parse + import", total_wall, total_cpu, rss, entries=count),
    ]


def _load_traced(data_dir: Path, workdir: Path, sample: int) -> list[Measurement]:
    tracemalloc.start()
    parsed = _parse_all(data_dir)
    with Store.open(f"sqlite:///{workdir / 'traced.db'}") as store:
        count = _import_all(store, parsed)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return [
        Measurement(
            "load under tracemalloc", float("nan"), float("nan"), _peak_rss_mb(),
            traced_mb=peak / 2**20, entries=count, note="not timed: tracing slows it",
        )
    ]  # fmt: skip


def _read(data_dir: Path, workdir: Path, sample: int) -> list[Measurement]:
    with Store.open(f"sqlite:///{workdir / 'load.db'}") as store:
        wall, cpu, count = _timed(lambda: len(store.entries()))
    return [Measurement("read all current entries", wall, cpu, _peak_rss_mb(), entries=count)]


class _Base(orm.DeclarativeBase):
    pass


class _NaiveEntry(_Base):
    """One table, one row per entry: what the naive baseline writes."""

    __tablename__ = "naive_entries"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    entry_id: orm.Mapped[str]
    list: orm.Mapped[str]
    content_hash: orm.Mapped[str]
    data: orm.Mapped[dict[str, Any]] = orm.mapped_column(sa.JSON)


def _baseline(data_dir: Path, workdir: Path, sample: int) -> list[Measurement]:
    parsed = _parse_all(data_dir)
    everything: list[Entry] = [entry for item in parsed for entry in item.entries]
    step = max(1, len(everything) // sample)
    chosen = everything[::step][:sample]
    engine = sa.create_engine(f"sqlite:///{workdir / 'naive.db'}")
    _Base.metadata.create_all(engine)

    def insert_one_by_one() -> int:
        with orm.Session(engine) as session:
            for entry in chosen:
                session.add(
                    _NaiveEntry(
                        entry_id=entry.id,
                        list=entry.list.value,
                        content_hash=entry.content_hash(),
                        data=entry_to_dict(entry),
                    )
                )
                session.commit()
        return len(chosen)

    wall, cpu, count = _timed(insert_one_by_one)
    engine.dispose()
    scale = len(everything) / count
    return [
        Measurement(
            "baseline: ORM, one row and one commit at a time",
            wall * scale, cpu * scale, _peak_rss_mb(), entries=len(everything),
            note=f"extrapolated from {count} entries",
        )
    ]  # fmt: skip


TASKS: dict[str, Callable[[Path, Path, int], list[Measurement]]] = {
    "parse": _parse,
    "load": _load,
    "traced": _load_traced,
    "read": _read,
    "baseline": _baseline,
}


def _run_child(task: str, data_dir: Path, workdir: Path, sample: int) -> list[Measurement]:
    # spawn, not fork: a forked child would inherit the parent's resident memory and its peak.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: list[Measurement] = pool.apply(TASKS[task], (data_dir, workdir, sample))
    return result


def _seconds(value: float) -> str:
    return "-" if value != value else f"{value:.2f}"  # NaN: not timed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=settings.shared_data_dir() / "raw")
    parser.add_argument("--sample", type=int, default=300, help="entries the baseline inserts")
    args = parser.parse_args(argv)
    if not (args.data_dir / FILES[0]).exists():
        print(f"list files not found under {args.data_dir}", file=sys.stderr)
        return 2
    console = Console(width=120)
    rows: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="exportscreen-load-") as tmp:
        for task in ("parse", "load", "read", "traced", "baseline"):
            console.print(f"[dim]running {task}...[/]")
            rows.extend(_run_child(task, args.data_dir, Path(tmp), args.sample))
    table = Table(title=f"Loading the 2022 CSL and the 2026 BIS files into SQLite ({date.today()})")
    for column in ("step", "entries", "wall s", "CPU s", "peak RSS MB", "tracemalloc MB", "note"):
        table.add_column(column, justify="left" if column in ("step", "note") else "right")
    for row in rows:
        table.add_row(
            row.label,
            f"{row.entries:,}",
            _seconds(row.wall),
            _seconds(row.cpu),
            f"{row.rss_mb:.0f}",
            "-" if row.traced_mb is None else f"{row.traced_mb:.0f}",
            row.note,
        )
    console.print(table)
    load = next(row for row in rows if row.label.startswith("load ="))
    traced = next(row for row in rows if row.traced_mb is not None)
    peak_mb = max(load.rss_mb, traced.traced_mb or 0.0)
    met = load.wall <= GOAL_SECONDS and peak_mb <= GOAL_MEGABYTES
    console.print(
        f"goal: at most {GOAL_SECONDS:.0f} s and {GOAL_MEGABYTES:.0f} MB for the whole load: "
        f"{load.wall:.1f} s wall ({load.cpu:.1f} s CPU), {peak_mb:.0f} MB peak: "
        + ("[green]met[/]" if met else "[red]not met[/]")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
