"""Speed of the screener against every list loaded, beside brute-force baselines, in one run.

    .venv/bin/python benchmarks/speed.py [--queries 2000] [--baseline-queries 200]
    .venv/bin/python benchmarks/speed.py --record-reference   # before optimising the matcher
    .venv/bin/python benchmarks/speed.py --check-reference    # after: every hit must be identical

Loads the real list files (``settings.shared_data_dir()/raw``: the 2022 CSL, the 2026 BIS JSON
files and the 2025 OFAC consolidated set, the most recent publication of each list winning, as in
the store), builds the index, and times single queries in-process: half derived from listed names
(as listed, with a typo, a dropped word, or a person's name reordered), half clean counterparties
made up by Faker in several locales. Prints p50/p95/p99/mean per query (wall clock and this
thread's CPU time: the machine is shared, and CPU time is what the query costs), index build and
load times, and resident memory; then the same figures for rapidfuzz ``process.extract`` with
WRatio over every listed name, and nomenklatura's logic-v2 over a sample of candidates per query
when nomenklatura is installed.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import pickle
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from exportscreen import settings, sources
from exportscreen.model import Entry, EntryType
from exportscreen.ops.loading import latest_entries
from exportscreen.screening.screener import Screener

INDEX_FILES = (
    "watchman/csl/consolidated_2022-05.csv.gz",
    "nsfreg_ecfr_derived/bis_entity_list.json.gz",
    "nsfreg_ecfr_derived/bis_meu.json",
    "nsfreg_ecfr_derived/bis_dpl.json",
    "watchman/ofac_cons_2025-12/cons_prim.csv.gz",
)
CACHE_DIR = Path(__file__).resolve().parent / "out"
SEED = 20260709
WARM_UP_QUERIES = 50
LOGIC_V2_CANDIDATES = 20  # yente scores 10 x limit candidates; we sample this many per query
FAKER_LOCALES = ("en_US", "de_DE", "fr_FR", "zh_CN", "ru_RU", "ar_AA", "ja_JP", "es_ES", "tr_TR")


@dataclass(frozen=True, slots=True)
class Timing:
    label: str
    wall_ms: list[float]
    cpu_ms: list[float]
    note: str = ""


def rss_mb() -> float:
    """Current resident set size (Linux /proc), in MB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def load_entries(raw_dir: Path) -> list[Entry]:
    """Every current entry: for each list, the entries of its most recent publication. Parsed
    once and cached under benchmarks/out/ (keyed by the files' sizes and times)."""
    paths = [raw_dir / name for name in INDEX_FILES]
    stamp = hashlib.sha256(
        "|".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in paths).encode()
    ).hexdigest()[:16]
    cache = CACHE_DIR / f"entries-{stamp}.pickle"
    if cache.exists():
        loaded: list[Entry] = pickle.loads(cache.read_bytes())
        return loaded
    entries = latest_entries([sources.parse(path) for path in paths])
    CACHE_DIR.mkdir(exist_ok=True)
    cache.write_bytes(pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL))
    return entries


def _typo(name: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 4:
        return name
    i = rng.choice(letters[1:])
    return name[:i] + name[i + 1 :] if rng.random() < 0.5 else name[:i] + name[i] + name[i:]


def _drop_word(name: str, rng: random.Random) -> str:
    words = name.split()
    if len(words) < 3:
        return name
    del words[rng.randrange(len(words))]
    return " ".join(words)


def _reorder(name: str) -> str:
    family, _, given = name.partition(",")
    return f"{given.strip()} {family.strip()}" if given else name


def make_queries(entries: Sequence[Entry], count: int, rng: random.Random) -> list[str]:
    """Half variants of listed names, half made-up counterparties, shuffled."""
    from faker import Faker

    queries: list[str] = []
    for _ in range(count // 2):
        entry = rng.choice(entries)
        name = rng.choice(entry.names)
        variant = rng.randrange(4)
        if variant == 1:
            name = _typo(name, rng)
        elif variant == 2:
            name = _drop_word(name, rng)
        elif variant == 3 and entry.type is EntryType.INDIVIDUAL:
            name = _reorder(name)
        queries.append(name)
    fakers = [Faker(locale) for locale in FAKER_LOCALES]
    for i, faker in enumerate(fakers):
        faker.seed_instance(SEED + i)
    while len(queries) < count:
        faker = rng.choice(fakers)
        queries.append(faker.company() if rng.random() < 0.5 else faker.name())
    rng.shuffle(queries)
    return queries


# --- reference results: an optimisation must not change a single hit ---------------------------

REFERENCE_FILE = CACHE_DIR / "reference-hits.json"
REFERENCE_FAKER = 3000
REFERENCE_VARIANTS = 1000
REFERENCE_LOW_THRESHOLD = 0.5  # every fourth query also screened at this cutoff (more candidates)
SCORE_TOLERANCE = 1e-9

ReferenceHits = dict[str, list[tuple[str, float, str, str]]]


def reference_queries(entries: Sequence[Entry]) -> list[tuple[str, str | None, float | None]]:
    """(name, type, threshold): Faker people and companies in several locales (typed as batch
    files type them) and variants of listed names (untyped), from a fixed seed."""
    from faker import Faker

    rng = random.Random(SEED + 1)
    fakers = [Faker(locale) for locale in FAKER_LOCALES]
    for i, faker in enumerate(fakers):
        faker.seed_instance(SEED + 100 + i)
    queries: list[tuple[str, str | None]] = []
    for _ in range(REFERENCE_FAKER):
        faker = rng.choice(fakers)
        if rng.random() < 0.5:
            queries.append((faker.company(), "company"))
        else:
            queries.append((faker.name(), "person" if rng.random() < 0.5 else None))
    variants = make_queries(entries, 2 * REFERENCE_VARIANTS, rng)
    queries.extend((name, None) for name in variants[: 2 * REFERENCE_VARIANTS])
    rng.shuffle(queries)
    screened: list[tuple[str, str | None, float | None]] = [(n, t, None) for n, t in queries]
    screened.extend((n, t, REFERENCE_LOW_THRESHOLD) for n, t in queries[::4])
    return screened


def reference_hits(screener: Screener, entries: Sequence[Entry]) -> ReferenceHits:
    """query -> [(entry id, score, matched name, explanation)], best first (the explanation's
    repr: pairs, similarities and penalties must not change either)."""
    found: ReferenceHits = {}
    for name, kind, threshold in reference_queries(entries):
        hits = screener.screen(name, type=kind, threshold=threshold)
        found[f"{name}|{kind}|{threshold}"] = [
            (h.entry.id, h.score, h.matched_name, repr(h.explanation)) for h in hits
        ]
    return found


def compare_reference(expected: ReferenceHits, actual: ReferenceHits) -> list[str]:
    """Every difference between two reference runs, one line each."""
    problems: list[str] = []
    for query, hits in expected.items():
        got = actual.get(query)
        if got is None:
            problems.append(f"{query!r}: not screened")
            continue
        same = len(got) == len(hits) and all(
            a[0] == b[0] and a[2:] == b[2:] and abs(a[1] - b[1]) <= SCORE_TOLERANCE
            for a, b in zip(hits, got, strict=True)
        )
        if not same:
            problems.append(f"{query!r}: expected {hits}, got {got}")
    return problems


def time_queries(label: str, run: Callable[[str], object], queries: Sequence[str]) -> Timing:
    for query in queries[:WARM_UP_QUERIES]:
        run(query)
    wall: list[float] = []
    cpu: list[float] = []
    gc.collect()
    for query in queries:
        started_cpu = time.thread_time()
        started = time.perf_counter()
        run(query)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return Timing(label, wall, cpu)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def logic_v2_runner(screener: Screener) -> Callable[[str], object] | None:
    """logic-v2 over LOGIC_V2_CANDIDATES of our own candidates per query (the candidate search is
    not timed: this is the pairwise scoring cost yente pays after Elasticsearch)."""
    try:
        from followthemoney import model
        from nomenklatura.matching import LogicV2, ScoringConfig
    except ImportError:
        return None
    config = ScoringConfig.defaults()
    proxies = {}
    for entry in screener.entries:
        proxy = model.make_entity("Person" if entry.type is EntryType.INDIVIDUAL else "LegalEntity")
        proxy.id = entry.id
        proxy.add("name", list(entry.names))
        proxies[entry.id] = proxy
    rng = random.Random(SEED)
    ids = list(proxies)

    def run(query: str) -> object:
        probe = model.make_entity("LegalEntity")
        probe.id = "query"
        probe.add("name", query)
        sample = [proxies[i] for i in rng.sample(ids, LOGIC_V2_CANDIDATES)]
        return [LogicV2.compare(probe, candidate, config).score for candidate in sample]

    return run


def reference(raw: Path, *, record: bool) -> int:
    entries = load_entries(raw)
    screener = Screener.from_entries(entries, neighbours=True)
    started = time.process_time()
    found = reference_hits(screener, entries)
    cpu = time.process_time() - started
    hits = sum(len(h) for h in found.values())
    print(f"{len(found):,} queries, {hits:,} hits, {cpu:.1f} s CPU ({len(found) / cpu:,.0f}/s)")
    if record:
        REFERENCE_FILE.write_text(json.dumps(found, ensure_ascii=False, indent=0))
        print(f"saved to {REFERENCE_FILE}")
        return 0
    expected = {
        query: [(h[0], h[1], h[2], h[3]) for h in hits]
        for query, hits in json.loads(REFERENCE_FILE.read_text()).items()
    }
    problems = compare_reference(expected, found)
    for line in problems[:50]:
        print(line)
    print(f"{len(problems)} of {len(expected):,} queries differ from {REFERENCE_FILE.name}")
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--baseline-queries", type=int, default=200)
    parser.add_argument("--raw", type=Path, default=settings.shared_data_dir() / "raw")
    parser.add_argument(
        "--record-reference", action="store_true", help=f"save hits to {REFERENCE_FILE.name}"
    )
    parser.add_argument(
        "--check-reference", action="store_true", help="compare hits with the saved reference"
    )
    args = parser.parse_args(argv)
    if not args.raw.is_dir():
        print(f"list files not found at {args.raw} (set EXPORTSCREEN_SHARED_DATA)", file=sys.stderr)
        return 2
    if args.record_reference or args.check_reference:
        return reference(args.raw, record=args.record_reference)

    entries = load_entries(args.raw)
    names = [n for e in entries for n in e.names]
    print(f"lists: {len(entries):,} entries, {len(names):,} names")
    rss_before = rss_mb()
    started_cpu, started = time.process_time(), time.perf_counter()
    screener = Screener.from_entries(entries, neighbours=True)
    build_wall, build_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    rss_after = rss_mb()
    blob = screener.to_bytes()
    started = time.perf_counter()
    Screener.from_bytes(blob)
    load_wall = time.perf_counter() - started
    gc.collect()

    rng = random.Random(SEED)
    queries = make_queries(entries, args.queries, rng)
    ours = time_queries("exportscreen screen()", screener.screen, queries)
    started = time.perf_counter()
    for query in queries[:500]:
        screener.screen(query)
    batch_rate = 500 / (time.perf_counter() - started)

    from rapidfuzz import fuzz, process, utils

    sample = queries[: args.baseline_queries]
    timings = [ours]
    timings.append(
        time_queries(
            "rapidfuzz WRatio, all names",
            lambda q: process.extract(
                q, names, scorer=fuzz.WRatio, processor=utils.default_process, limit=10
            ),
            sample,
        )
    )
    logic_v2 = logic_v2_runner(screener)
    if logic_v2 is not None:
        timing = time_queries(
            f"nomenklatura logic-v2, {LOGIC_V2_CANDIDATES} candidates", logic_v2, sample
        )
        timings.append(timing)

    print()
    print(
        f"{'engine':<40} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}"
        f"   (wall clock / thread CPU)"
    )
    for timing in timings:
        if not timing.wall_ms:  # a baseline given no queries (--baseline-queries 0)
            continue
        for kind, values in (("wall", timing.wall_ms), ("cpu", timing.cpu_ms)):
            print(
                f"{timing.label + ' [' + kind + ']':<40} {len(values):>7} "
                f"{percentile(values, 0.50):>8.2f} {percentile(values, 0.95):>8.2f} "
                f"{percentile(values, 0.99):>8.2f} {statistics.fmean(values):>8.2f}"
            )
    print()
    print(f"index build: {build_wall:.2f} s wall, {build_cpu:.2f} s CPU")
    print(f"serialised index: {len(blob) / 1e6:.1f} MB, loaded in {load_wall:.2f} s")
    print(f"500 screen() calls in a row: {batch_rate:.0f} queries/s on one core")
    print(
        f"RSS: {rss_before:.0f} MB before the index, {rss_after:.0f} MB after; "
        f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
