"""Listed people whose names are written in Hangul or Hebrew letters, screened against the real
lists: are they found, and do they alert; and how often do other people's names so written alert?

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.native_names [--n 12000] [--show]

The full-name files of ``../shared/evaldata/wikidata_transliteration_merhav_ash`` pair a person's
Latin name with the same name in Hangul or Hebrew letters (George Washington, 조지 워싱턴; Naim
Qassem, נעים קאסם). A sample of N names of two words or more per file is screened twice: the
Latin name (typed a person, threshold 0.9), and the native name (typed a person). A name whose
Latin spelling reaches a listed person at 0.9 or more is a positive: the native name should find
that entry and alert on it at the default threshold. The other names are negatives: the native
name alerting on anything at the default threshold is a false alert (or a listed person whose
Latin name the lists spell otherwise: "A. Q. Khan" is KHAN, Abdul Qadeer; the list with
``--show`` says which). Each file's sample has one seed, so that runs compare.

Then ``--katakana`` names in katakana: Wikidata's full names in katakana were not in the
snapshot, so each is two of its katakana name words (``wd_katakana_20.tsv``,
``wd_japanese_20.tsv``: Bramlett, ブラムレット) paired at random with SEED, written as Japanese
writes a foreign name (ブラムレット・オベット) and measured as the full names are: their Latin
pair seldom reaches a listed person, so the figure is mostly the share of others alerting.

Then ``--faker`` names that Faker's he_IL locale makes up (3 people to 1 company, seeded: Israeli
Jewish and Arab given and family names, mixed at random, in Hebrew letters), screened as the
batch files type them: the share alerting at the default threshold, the population of an
Israeli customer file.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from benchmarks import evalset
from benchmarks.wikidata_pairs import FOLDER
from exportscreen import settings
from exportscreen.model import EntryType
from exportscreen.screening.screener import Screener

SCRIPTS = ("korean", "hebrew")
SEED = 7
LISTED_AT = 0.9  # the Latin name's score that makes it a listed person


def full_names(path: Path, n: int) -> list[tuple[str, str]]:
    """``n`` (Latin, native) names of two words or more, sampled with SEED."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            cells = line.rstrip("\n").split("\t")
            if len(cells) >= 2 and len(cells[0].split()) >= 2:
                rows.append((cells[0], cells[1]))
    return random.Random(SEED).sample(rows, min(n, len(rows)))


def measure(screener: Screener, names: list[tuple[str, str]]) -> tuple[dict[str, Any], list[str]]:
    threshold = settings.DEFAULT_THRESHOLD
    positives = found = alerted = negatives = false_alerts = 0
    shown: list[str] = []
    started = time.process_time()
    for latin, native in names:
        listed = {
            h.entry.id
            for h in screener.screen(latin, type="person", threshold=LISTED_AT)
            if h.entry.type is EntryType.INDIVIDUAL
        }
        hits = screener.screen(native, type="person", threshold=0.5)
        if listed:
            positives += 1
            mine = [h for h in hits if h.entry.id in listed]
            found += bool(mine)
            alerted += bool(mine) and mine[0].score >= threshold
            if not mine or mine[0].score < threshold:
                best = f"{mine[0].score:.3f} {mine[0].matched_name}" if mine else "not found"
                shown.append(f"listed, no alert: {latin} | {native} | {best}")
        else:
            negatives += 1
            alerts = [h for h in hits if h.score >= threshold]
            if alerts:
                false_alerts += 1
                shown.append(
                    f"alert: {latin} | {native} | {alerts[0].score:.3f} {alerts[0].matched_name}"
                )
    return {
        "names": len(names),
        "listed": positives,
        "listed_found": found,
        "listed_alerting": alerted,
        "others": negatives,
        "others_alerting": false_alerts,
        "others_alert_rate": round(false_alerts / negatives, 4) if negatives else 0.0,
        "cpu_seconds": round(time.process_time() - started, 1),
    }, shown


def katakana_names(folder: Path, n: int) -> list[tuple[str, str]]:
    """``n`` (Latin, katakana) names of two Wikidata katakana name words paired with SEED."""
    words: dict[str, str] = {}
    for name in ("wd_katakana_20.tsv", "wd_japanese_20.tsv"):
        with (folder / name).open(encoding="utf-8") as handle:
            for line in handle:
                cells = line.rstrip("\n").split("\t")
                native = cells[1].replace(" ", "") if len(cells) >= 2 else ""
                if native and all("\u30a1" <= c <= "\u30fc" for c in native):
                    words.setdefault(native, cells[0])
    pool = sorted(words.items())
    rng = random.Random(SEED)
    pairs = [rng.sample(pool, 2) for _ in range(n)]
    return [(f"{a[1]} {b[1]}", f"{a[0]}・{b[0]}") for a, b in pairs]


def faker_hebrew(screener: Screener, n: int) -> tuple[dict[str, Any], list[str]]:
    from faker import Faker

    faker = Faker("he_IL")
    faker.seed_instance(SEED)
    rows = [(faker.name(), "person") for _ in range(n - n // 4)]
    rows += [(faker.company(), "company") for _ in range(n // 4)]
    shown = []
    for name, kind in rows:
        hits = screener.screen(name, type=kind)
        if hits and hits[0].score >= settings.DEFAULT_THRESHOLD:
            shown.append(f"alert: {name} | {hits[0].score:.3f} {hits[0].matched_name}")
    return {"rows": n, "alerting": len(shown), "rate": round(len(shown) / n, 4)}, shown


def main(
    n: Annotated[int, typer.Option(help="names per file (0: none)")] = 12000,
    scripts: Annotated[str, typer.Option(help="comma-separated: korean, hebrew")] = ",".join(
        SCRIPTS
    ),
    katakana: Annotated[int, typer.Option(help="katakana names (0: none)")] = 12000,
    faker: Annotated[int, typer.Option(help="Faker he_IL rows (0: none)")] = 4000,
    show: Annotated[bool, typer.Option(help="list the misses and the alerts")] = False,
    folder: Annotated[Path, typer.Option(help="the Wikidata files")] = FOLDER,
) -> None:
    raw = settings.shared_data_dir() / "raw"
    entries = evalset.load_index_cached(raw, Path(__file__).resolve().parent / "out")
    screener = Screener.from_entries(entries, evalset.load_marks(raw))
    results: dict[str, Any] = {}
    for script in scripts.split(",") if n else ():
        figures, shown = measure(screener, full_names(folder / f"wd_{script}_fullnames.tsv", n))
        results[script] = figures
        print(script, figures, flush=True)
        if show:
            for line in shown:
                print("  ", line)
    if katakana:
        figures, shown = measure(screener, katakana_names(folder, katakana))
        results["katakana"] = figures
        print("katakana", figures, flush=True)
        if show:
            for line in shown:
                print("  ", line)
    if faker:
        figures, shown = faker_hebrew(screener, faker)
        results["faker_he_IL"] = figures
        print("faker he_IL", figures, flush=True)
        if show:
            for line in shown:
                print("  ", line)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    typer.run(main)
