"""Delta re-screen against a full re-screen of a large register, after a list update.

    .venv/bin/python benchmarks/rescreen.py [--counterparties 100000] [--full-sample 10000]

Loads the real lists (``settings.shared_data_dir()/raw``: the 2022 CSL, the 2026 BIS JSON files
and the 2025 OFAC consolidated set, the latest publication of each list winning), and stores them
twice in a fresh SQLite store: version 1 without ~0.6% of the entries and with ~0.4% of them
edited (an alias dropped or an address changed) plus a few entries that version 2 removes, and
version 2 as published. The register holds ``--counterparties`` counterparties: 98% made up by
Faker in several locales, 2% variants of listed names (typos, dropped words, joined words).

Measured in wall clock and in CPU time (the machine is shared: CPU time is what the work
costs, whatever else runs):

* cache build: analysing every counterparty into its signature and storing it (done once, as
  after the previous screening), then loading the stored signatures into a new process's cache;
* delta re-screen: ``rescreen`` with the cache warm (diff, filter, screening the counterparties
  that pass, alerts and audit), after an audit record standing for a full screening against
  version 1 (not run: it costs what the full re-screen below costs);
* full re-screen: ``Screener.screen`` of a random ``--full-sample`` of the counterparties,
  extrapolated linearly to the whole register (screening only, without the alert writes a full
  ``Register.screen`` adds, so the ratio is conservative).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from exportscreen import settings, sources
from exportscreen.casework import audit_trail as audit
from exportscreen.casework.register import Register
from exportscreen.casework.rescreen import SignatureCache, rescreen, signature_version
from exportscreen.model import Address, Entry
from exportscreen.ops.loading import latest_entries
from exportscreen.screening.index_cache import build_from_store
from exportscreen.sources.common import ParsedSource
from exportscreen.store import Store

LIST_FILES = (
    "watchman/csl/consolidated_2022-05.csv.gz",
    "nsfreg_ecfr_derived/bis_entity_list.json.gz",
    "nsfreg_ecfr_derived/bis_meu.json",
    "nsfreg_ecfr_derived/bis_dpl.json",
    "watchman/ofac_cons_2025-12/cons_prim.csv.gz",
)
SEED = 20260710
ADDED_SHARE = 0.006
CHANGED_SHARE = 0.004
REMOVED = 20
LISTED_VARIANT_SHARE = 0.02
FAKER_LOCALES = ("en_US", "de_DE", "fr_FR", "zh_CN", "ru_RU", "ar_AA", "es_ES", "tr_TR", "ja_JP")
V1_DATE = date(2026, 1, 5)
V2_DATE = date(2026, 2, 2)
TARGET_RATIO = 20.0


def current_entries(raw_dir: Path) -> list[Entry]:
    """For each list, the entries of the most recent file that publishes it."""
    return latest_entries([sources.parse(raw_dir / name) for name in LIST_FILES])


def edited(entry: Entry) -> Entry:
    """The entry as an earlier version published it: one alias fewer, or another address."""
    if entry.aliases:
        return replace(entry, aliases=entry.aliases[:-1])
    country = entry.countries[0] if entry.countries else ""
    street = Address(street="Building 7, former address", country=country)
    return replace(entry, addresses=(street, *entry.addresses[1:]))


def versions(
    entries: Sequence[Entry], rng: random.Random
) -> tuple[list[Entry], list[Entry], set[str], set[str]]:
    """(version 1, version 2, ids added in 2, ids changed in 2)."""
    order = list(range(len(entries)))
    rng.shuffle(order)
    added_count = round(ADDED_SHARE * len(entries))
    changed_count = round(CHANGED_SHARE * len(entries))
    added = {entries[i].id for i in order[:added_count]}
    changed = {entries[i].id for i in order[added_count : added_count + changed_count]}
    removed = {
        entries[i].id
        for i in order[added_count + changed_count : added_count + changed_count + REMOVED]
    }
    old = [edited(e) if e.id in changed else e for e in entries if e.id not in added]
    new = [e for e in entries if e.id not in removed]
    return old, new, added, changed


def publish(store: Store, entries: Sequence[Entry], on: date) -> None:
    body = "".join(e.content_hash() for e in entries).encode()
    store.import_source(
        ParsedSource(
            format="benchmark",
            paths=(Path(f"lists-{on.isoformat()}.json"),),
            sha256=hashlib.sha256(body).hexdigest(),
            as_of=on,
            entries=list(entries),
            lists=tuple(sorted({e.list for e in entries})),
        )
    )


def typo(name: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 5:
        return name
    i = rng.choice(letters[1:])
    return name[:i] + name[i + 1 :]


def variant(name: str, rng: random.Random) -> str:
    words = name.split()
    style = rng.randrange(4)
    if style == 1:
        return typo(name, rng)
    if style == 2 and len(words) >= 3:
        del words[rng.randrange(len(words))]
    elif style == 3 and len(words) >= 2:
        at = rng.randrange(len(words) - 1)
        words[at : at + 2] = [words[at] + words[at + 1]]
    return " ".join(words)


def register_file(entries: Sequence[Entry], count: int, rng: random.Random, path: Path) -> None:
    """A CSV register: Faker counterparties and a share of variants of listed names."""
    import csv

    from faker import Faker

    fakers = [Faker(locale) for locale in FAKER_LOCALES]
    for i, faker in enumerate(fakers):
        faker.seed_instance(SEED + i)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "country"])
        for number in range(count):
            if rng.random() < LISTED_VARIANT_SHARE:
                entry = rng.choice(entries)
                name = variant(rng.choice(entry.names), rng)
            else:
                faker = rng.choice(fakers)
                name = faker.company() if rng.random() < 0.5 else faker.name()
            writer.writerow([f"C{number:06d}", name, ""])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counterparties", type=int, default=100_000)
    parser.add_argument("--full-sample", type=int, default=10_000)
    parser.add_argument("--raw", type=Path, default=settings.shared_data_dir() / "raw")
    args = parser.parse_args(argv)
    if not args.raw.is_dir():
        print(f"list files not found at {args.raw} (set EXPORTSCREEN_SHARED_DATA)", file=sys.stderr)
        return 2
    rng = random.Random(SEED)
    entries = current_entries(args.raw)
    old, new, added, changed = versions(entries, rng)
    print(
        f"lists: v1 {len(old):,} entries, v2 {len(new):,}; "
        f"{len(added)} added, {len(changed)} changed, {REMOVED} removed "
        f"({(len(added) + len(changed)) / len(new):.2%} of v2)"
    )
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        started = time.perf_counter()
        publish(store, old, V1_DATE)
        v1_versions = store.current_version_ids()
        print(f"store: version 1 imported in {time.perf_counter() - started:.1f} s")

        csv_path = Path(folder) / "register.csv"
        register_file(entries, args.counterparties, rng, csv_path)
        register = Register(store, actor="benchmark")
        started = time.perf_counter()
        imported = register.import_file(csv_path)
        print(
            f"register: {imported.added:,} counterparties imported in "
            f"{time.perf_counter() - started:.1f} s"
        )
        # The state after a full screening against version 1 (not run: it would take as long
        # as the full re-screen measured below): its audit record says which versions it used.
        audit.append(
            store.engine,
            "benchmark",
            "register.screen",
            {
                "counterparties": imported.added,
                "list_versions": {code.value: number for code, number in v1_versions.items()},
                "only_entries": None,
                "note": "stands for a full screening against version 1, not run",
            },
        )

        publish(store, new, V2_DATE)
        started = time.perf_counter()
        # As the product builds it from the store (with any OFAC file's weak-alias marks).
        screener = build_from_store(store, store.current_version_ids())
        print(f"screener v2: built in {time.perf_counter() - started:.1f} s")

        version = signature_version(screener.algorithm)
        started = time.perf_counter()
        first = SignatureCache(version)
        cold = first.sync(register)
        first.maps()
        cold_seconds = time.perf_counter() - started
        started = time.perf_counter()
        cache = SignatureCache(version)
        restart = cache.sync(register)
        cache.maps()
        restart_seconds = time.perf_counter() - started
        print(
            f"signature cache: cold build {cold_seconds:.1f} s ({cold.computed:,} analysed, "
            f"{cold.written:,} stored); after a restart {restart_seconds:.1f} s "
            f"({restart.loaded:,} loaded from the database)"
        )

        started, started_cpu = time.perf_counter(), time.process_time()
        report = rescreen(store, register, screener, cache=cache)
        delta_seconds = time.perf_counter() - started
        delta_cpu = time.process_time() - started_cpu
        print(
            f"delta re-screen: {delta_seconds:.1f} s ({delta_cpu:.1f} s CPU); of "
            f"{report.counterparties:,} counterparties {report.reached:,} reach a delta word, "
            f"{report.within_reach:,} pass the reach cut, {report.screened:,} may score (screened, "
            f"{report.screened / report.counterparties:.2%}); "
            f"{len(report.alerts_raised)} alerts raised, {len(report.alerts_closed)} closed"
        )

        parties = register.counterparties()
        sample = rng.sample(parties, min(args.full_sample, len(parties)))
        started, started_cpu = time.perf_counter(), time.process_time()
        for party in sample:
            screener.screen(party.name, country=party.country or None, threshold=register.threshold)
        scale = len(parties) / len(sample)
        full_seconds = (time.perf_counter() - started) * scale
        full_cpu = (time.process_time() - started_cpu) * scale
        print(
            f"full re-screen: a sample of {len(sample):,} screened, EXTRAPOLATED linearly to "
            f"{len(parties):,}: {full_seconds:.0f} s ({full_cpu:.0f} s CPU)"
        )
        for label, full, delta in (
            ("wall clock", full_seconds, delta_seconds),
            ("CPU time (what the machine's other users do not change)", full_cpu, delta_cpu),
        ):
            ratio = full / delta
            verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
            print(
                f"ratio full / delta, {label}: {ratio:.1f}x "
                f"(goal >= {TARGET_RATIO:.0f}x: {verdict})"
            )
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
