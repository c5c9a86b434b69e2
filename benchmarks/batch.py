"""Batch screening speed and memory, against a brute-force rapidfuzz baseline.

Generates N counterparties (98% synthetic names in many locales and scripts with Faker, 2%
variants of listed names), screens them with ``run_batch`` on every core, and reports names/s,
wall time and peak memory (RSS of this process plus its worker processes, sampled). In the same
run, a brute-force baseline (rapidfuzz ``process.extractOne`` with WRatio over every listed
name) screens a sample, and the per-name speed ratio is printed. Faker repeats names (about a
fifth of 100,000 inputs, more in larger runs); a worker answers a repeat from its cache, as it would
a customer file's duplicates, so the "distinct inputs" column says how many were screened.

    .venv/bin/python benchmarks/batch.py                 # N = 100,000 and 1,000,000
    .venv/bin/python benchmarks/batch.py --quick         # N = 20,000
    .venv/bin/python benchmarks/batch.py --n 250000 --workers 2

Goals (issue 4): >= 5,000 names/s on 2 cores, >= 300x the baseline per name, memory flat in N.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import psutil
from faker import Faker
from rapidfuzz import fuzz, process, utils
from rich.console import Console
from rich.table import Table

from exportscreen import settings
from exportscreen.model import Entry, EntryType, Hit
from exportscreen.screening.batch import run_batch
from exportscreen.screening.hit_table import ShippableScreener
from exportscreen.screening.screener import Screener
from exportscreen.sources import parse

LOCALES = [
    "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL", "pl_PL", "tr_TR",
    "ru_RU", "uk_UA", "el_GR", "he_IL", "ar_AA", "fa_IR", "hi_IN", "th_TH", "zh_CN", "zh_TW",
    "ja_JP", "ko_KR", "vi_VN", "id_ID",
]  # fmt: skip
LISTED_SHARE = 0.02
DEFAULT_LISTS = Path("raw/watchman/csl/consolidated_2022-05.csv.gz")


class NullScreener:
    """Finds nothing, instantly: a run with it measures what batch itself costs (reading,
    chunking, shipping chunks to workers and back, writing), the ceiling on names/s."""

    def screen(
        self,
        name: str,
        country: str | None = None,
        type: str | EntryType | None = None,
        limit: int = 10,
        threshold: float | None = None,
    ) -> list[Hit]:
        return []

    def to_bytes(self) -> bytes:
        return b""

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        return cls()


@dataclass(frozen=True, slots=True)
class Measurement:
    label: str
    n: int
    seconds: float
    cpu_seconds: float  # this process and its workers
    peak_rss_bytes: int
    alerts: int  # synthetic (unlisted) inputs with at least one hit
    variants: int
    variants_found: int  # listed-name variants whose hits include the entry they came from

    @property
    def names_per_second(self) -> float:
        return self.n / self.seconds


# --- input -----------------------------------------------------------------------------------


def _variant(name: str, rng: random.Random) -> str:
    """A plausible way a listed name turns up in a customer file."""
    words = name.split()
    kind = rng.randrange(5)
    if kind == 0:
        return name.upper()
    if kind == 1 and len(words) > 1:
        return " ".join(words[1:] + words[:1])  # reordered (family name first)
    if kind == 2:
        return name.replace(",", "").replace(".", "")
    if kind == 3 and len(name) > 6:
        at = rng.randrange(1, len(name) - 1)
        return name[:at] + name[at + 1 :]  # one letter dropped
    return name.lower()


def counterparties(n: int, listed: list[Entry], seed: int) -> Iterator[tuple[str, str, str]]:
    """(id, name, type) rows: 98% Faker people and companies, 2% variants of listed names,
    interleaved at random. Variant ids carry the entry id they were made from."""
    rng = random.Random(seed)
    fakers = [Faker(locale) for locale in LOCALES]
    for index, fake in enumerate(fakers):
        fake.seed_instance(seed + index)
    for i in range(n):
        if rng.random() < LISTED_SHARE:
            entry = rng.choice(listed)
            yield f"v|{entry.id}|{i}", _variant(rng.choice(entry.names), rng), ""
            continue
        fake = rng.choice(fakers)
        if rng.random() < 0.5:
            yield f"c{i}", fake.company(), "company"
        else:
            yield f"p{i}", fake.name(), "person"


def write_input(path: Path, n: int, listed: list[Entry], seed: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "type"])
        writer.writerows(counterparties(n, listed, seed))


# --- measuring -------------------------------------------------------------------------------


class TreeUsage:
    """The largest sum of RSS over this process and all its descendants, and the CPU time they
    used (the machine is shared: names per CPU second is what the screener costs), sampled."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak = 0
        self._cpu: dict[int, float] = {}  # last CPU seconds seen per process
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                    times = proc.cpu_times()
                    self._cpu[proc.pid] = times.user + times.system
                except psutil.Error:
                    continue  # a worker that just exited
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds of the tree since entering (to the last sample for ended workers)."""
        return float(sum(self._cpu.values()) - self._cpu_before)

    def __enter__(self) -> TreeUsage:
        times = psutil.Process().cpu_times()
        self._cpu_before = times.user + times.system
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        times = psutil.Process().cpu_times()
        self._cpu[psutil.Process().pid] = times.user + times.system


def measure(
    label: str, n: int, screener: ShippableScreener, listed: list[Entry], workers: int, work: Path
) -> Measurement:
    source = work / f"counterparties_{n}.csv"
    if not source.exists():
        started = time.perf_counter()
        write_input(source, n, listed, seed=n)
        print(f"  generated {n:,} counterparties in {time.perf_counter() - started:.0f} s")
    output = work / f"hits_{n}.csv"
    with TreeUsage() as memory:
        report = run_batch(source, output, screener=screener, workers=workers)
    alerted: set[str] = set()
    found: set[str] = set()
    with output.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            input_id = row["input_id"]
            if input_id.startswith("v|"):
                if input_id.split("|")[1] == row["entry_id"]:
                    found.add(input_id)
            else:
                alerted.add(input_id)
    with source.open(encoding="utf-8") as handle:
        variants = sum(1 for line in handle if line.startswith("v|"))
    return Measurement(
        label,
        n,
        report.elapsed_seconds,
        memory.cpu_seconds,
        memory.peak,
        len(alerted),
        variants,
        len(found),
    )


def distinct_inputs(path: Path) -> int:
    """Distinct (name, type) rows of a generated input: repeats are answered from each worker's
    cache. Counted after the runs, whose memory this would otherwise inflate."""
    with path.open(encoding="utf-8", newline="") as handle:
        return len({hash((row["name"], row["type"])) for row in csv.DictReader(handle)})


def baseline_seconds_per_name(names: list[str], listed_names: list[str]) -> float:
    """rapidfuzz brute force: WRatio of each query against every listed name, one core."""
    choices = [utils.default_process(name) for name in listed_names]
    started = time.perf_counter()
    for name in names:
        process.extractOne(utils.default_process(name), choices, scorer=fuzz.WRatio)
    return (time.perf_counter() - started) / len(names)


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--quick", action="store_true", help="N = 20,000 only")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--lists", type=Path, help="a list file (default: the 2022 CSL in shared data)"
    )
    parser.add_argument("--baseline-sample", type=int, default=200)
    parser.add_argument(
        "--pipeline-only",
        action="store_true",
        help="only the no-op screener runs: what batch itself costs, and its memory in N",
    )
    parser.add_argument(
        "--work", type=Path, help="folder for generated files (default: a temp dir)"
    )
    args = parser.parse_args()
    sizes = [20_000] if args.quick else args.n
    lists = args.lists or settings.shared_data_dir() / DEFAULT_LISTS

    console = Console(width=150)  # a table this wide is unreadable folded
    started = time.perf_counter()
    entries = parse(lists).entries
    screener = Screener.from_entries(entries)
    console.print(
        f"{len(entries):,} entries from {lists.name}, index built in "
        f"{time.perf_counter() - started:.0f} s; {args.workers} workers"
    )
    listed = [e for e in entries if e.type is not EntryType.ADDRESS_ONLY]
    listed_names = [name for entry in entries for name in entry.names]

    with tempfile.TemporaryDirectory(prefix="exportscreen-bench-") as temp:
        work = args.work or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        results = []
        distinct: dict[int, int] = {}
        for n in sizes:
            console.print(f"N = {n:,} ...")
            if not args.pipeline_only:
                results.append(measure("screener", n, screener, listed, args.workers, work))
            results.append(measure("no-op", n, NullScreener(), listed, args.workers, work))
            distinct[n] = distinct_inputs(work / f"counterparties_{n}.csv")
        sample = [row[1] for row in counterparties(args.baseline_sample, listed, seed=7)]
        baseline = baseline_seconds_per_name(sample, listed_names)

    table = Table(title=f"exportscreen batch: {args.workers} workers, {len(listed_names):,} names")
    headings = (
        "run",
        "N",
        "wall s",
        "names/s",
        "CPU s",
        "names/CPU s",
        "peak RSS MiB",
        "x baseline",
        "x per core",
    )
    for heading in (*headings, "distinct inputs", "unlisted alerts", "variants found"):
        table.add_column(heading, justify="right")
    for m in results:
        per_name = m.seconds / m.n
        screened = m.label == "screener"
        table.add_row(
            m.label,
            f"{m.n:,}",
            f"{m.seconds:,.1f}",
            f"{m.names_per_second:,.0f}",
            f"{m.cpu_seconds:,.1f}",
            f"{m.n / m.cpu_seconds:,.0f}" if m.cpu_seconds else "",
            f"{m.peak_rss_bytes / 2**20:,.0f}",
            f"{baseline / per_name:,.0f}" if screened else "",
            f"{baseline / (per_name * args.workers):,.0f}" if screened else "",
            f"{distinct[m.n] / m.n:.0%}",
            f"{m.alerts / (m.n - m.variants):.2%}" if screened else "",
            f"{m.variants_found}/{m.variants}" if screened else "",
        )
    console.print(table)
    console.print(
        f"baseline: rapidfuzz extractOne/WRatio over {len(listed_names):,} names, one core: "
        f"{1 / baseline:,.1f} names/s ({baseline * 1000:,.1f} ms/name, {len(sample)} names)"
    )


if __name__ == "__main__":
    main()
