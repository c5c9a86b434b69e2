"""Batch screening speed and memory, against a brute-force rapidfuzz baseline.

Generates N counterparties (98% synthetic names in many locales and scripts with Faker, 2%
variants of listed names), screens them with ``run_batch`` on every core, and reports names/s,
wall time and peak memory (RSS of this process plus its worker processes, sampled). In the same
run, a brute-force baseline (rapidfuzz ``process.extractOne`` with WRatio over every listed
name) screens a sample, and the per-name speed ratio is printed. Faker repeats names (about a
fifth of 100,000 inputs, more in larger runs); ``run_batch`` answers a repeat from the first
row's outcome, as it would a customer file's duplicates, so the "distinct inputs" column says
how many were screened.

    .venv/bin/python benchmarks/batch.py                 # N = 100,000 and 1,000,000
    .venv/bin/python benchmarks/batch.py --quick         # N = 20,000
    .venv/bin/python benchmarks/batch.py --n 250000 --workers 2
    .venv/bin/python benchmarks/batch.py --quick --yente --record-reference   # before a change
    .venv/bin/python benchmarks/batch.py --quick --yente --check-reference    # after: same hits

``--yente`` also screens yente's 50,000 synthetic customers (name, date of birth, nationality)
in a fresh Python process, timed from its start (imports, loading the index as the CLI loads
its cache file, starting the workers) to its end. ``--record-reference`` keeps each run's output
file in benchmarks/out; ``--check-reference`` compares every output row with it (exit code 1 on
any difference): an optimisation must not change a single hit, score or explanation.

Goals (issue 4): >= 5,000 names/s on 2 cores, >= 300x the baseline per name, memory flat in N.
Goals (issue 19): 1,000,000 rows in under 60 s on 2 workers; 50,000 yente rows incl. start-up < 5 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
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
OUT_DIR = Path(__file__).resolve().parent / "out"
YENTE_FILE = Path("yente/candidate_generation_benchmark/negatives_global.csv")
# What the --yente run's fresh process does: load the index as the CLI loads its cache file,
# then screen the file with run_batch, as `exportscreen batch` would.
_YENTE_CHILD = """
import sys
from pathlib import Path
from exportscreen.screening.batch import run_batch
from exportscreen.screening.screener import Screener
screener = Screener.from_bytes(Path(sys.argv[1]).read_bytes())
report = run_batch(
    Path(sys.argv[2]), Path(sys.argv[3]), screener=screener, workers=int(sys.argv[4]),
    name_col="full_name",
)
print(report.rows_read, report.rows_screened, report.hits_written, report.bad_rows)
"""


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


def measure_yente(screener: Screener, eval_dir: Path, workers: int, work: Path) -> Measurement:
    """yente's 50,000 customers screened by a fresh process, timed from its start."""
    index_file = work / "index.bin"
    index_file.write_bytes(screener.to_bytes())
    source = eval_dir / YENTE_FILE
    output = work / "hits_yente.csv"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _YENTE_CHILD,
            str(index_file),
            str(source),
            str(output),
            str(workers),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=work,  # not the checkout: `python -c` puts its folder first on the path
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rows, _screened, hits, _bad = (int(v) for v in done.stdout.split())
    # ru_maxrss is the largest single descendant, in KiB: not the tree's sum.
    return Measurement(
        "yente (fresh process)", rows, seconds, cpu, after.ru_maxrss * 1024, hits, 0, 0
    )


def reference_check(output: Path, label: str, *, record: bool) -> int:
    """Keep ``output`` as the reference for ``label``, or count the rows that differ from it."""
    OUT_DIR.mkdir(exist_ok=True)
    kept = OUT_DIR / f"batch-reference-{label}.csv"
    if record:
        kept.write_bytes(output.read_bytes())
        print(f"  reference saved to {kept}")
        return 0
    with (
        kept.open(encoding="utf-8", newline="") as a,
        output.open(encoding="utf-8", newline="") as b,
    ):
        expected, got = list(csv.reader(a)), list(csv.reader(b))
    problems = [
        f"row {i}: expected {e}, got {g}"
        for i, (e, g) in enumerate(zip(expected, got, strict=False), 1)
        if e != g
    ]
    if len(expected) != len(got):
        problems.append(f"{len(expected):,} rows expected, {len(got):,} written")
    for line in problems[:20]:
        print(f"  {line}")
    print(
        f"  {label}: {len(problems)} differences in {len(expected):,} output rows from {kept.name}"
    )
    return len(problems)


def distinct_inputs(path: Path) -> int:
    """Distinct (name, type) rows of a generated input: repeats are answered from the first
    row's outcome. Counted after the runs, whose memory this would otherwise inflate."""
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
    parser.add_argument(
        "--yente", action="store_true", help="also yente's 50,000 customers in a fresh process"
    )
    parser.add_argument("--yente-only", action="store_true", help="--yente, without Faker rows")
    parser.add_argument(
        "--record-reference", action="store_true", help="keep the outputs in benchmarks/out"
    )
    parser.add_argument(
        "--check-reference", action="store_true", help="compare the outputs with the kept ones"
    )
    args = parser.parse_args()
    sizes = [] if args.yente_only else [20_000] if args.quick else args.n
    args.yente = args.yente or args.yente_only
    lists = args.lists or settings.shared_data_dir() / DEFAULT_LISTS

    console = Console(width=150)  # a table this wide is unreadable folded
    started = time.perf_counter()
    entries = parse(lists).entries
    screener = Screener.from_entries(entries, neighbours=True)
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
        differences = 0
        checking = args.record_reference or args.check_reference
        for n in sizes:
            console.print(f"N = {n:,} ...")
            if not args.pipeline_only:
                results.append(measure("screener", n, screener, listed, args.workers, work))
                if checking:
                    differences += reference_check(
                        work / f"hits_{n}.csv", str(n), record=args.record_reference
                    )
            results.append(measure("no-op", n, NullScreener(), listed, args.workers, work))
            distinct[n] = distinct_inputs(work / f"counterparties_{n}.csv")
        if args.yente:
            console.print("yente's customers, in a fresh process ...")
            results.append(measure_yente(screener, settings.shared_eval_dir(), args.workers, work))
            if checking:
                differences += reference_check(
                    work / "hits_yente.csv", "yente", record=args.record_reference
                )
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
        yente = m.label.startswith("yente")
        common = (
            m.label,
            f"{m.n:,}",
            f"{m.seconds:,.1f}",
            f"{m.names_per_second:,.0f}",
            f"{m.cpu_seconds:,.1f}",
            f"{m.n / m.cpu_seconds:,.0f}" if m.cpu_seconds else "",
            f"{m.peak_rss_bytes / 2**20:,.0f}" + (" (largest process)" if yente else ""),
        )
        if yente:
            table.add_row(*common, *[""] * 4, f"{m.alerts:,} hit rows")
            continue
        table.add_row(
            *common,
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
    if args.check_reference:
        sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
