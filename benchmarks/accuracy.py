"""Accuracy benchmark: exportscreen's Screener beside nomenklatura logic-v2 and rapidfuzz WRatio.

    .venv/bin/python -m benchmarks.accuracy --quick     # a few hundred queries
    .venv/bin/python -m benchmarks.accuracy             # the full set

For each scorer, the alert threshold is set where at most 1% of negative queries alert (a
negative alerts when any hit scores at or above the threshold); recall is then the share of
positive queries whose expected entry is among the top 10 hits at or above that threshold, per
variant category and per script, with Wilson 95% intervals. Recall and alert rate at exportscreen's
default threshold are reported too, and pairwise suites from ../shared/evaldata (nomenklatura
name_bench, Cascade company pairs, Wikidata transliterations). Results go to benchmarks/out/.
"""

from __future__ import annotations

import csv
import json
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sklearn.metrics import (  # type: ignore[import-untyped]
    precision_recall_curve,
    roc_auc_score,
)

from benchmarks import accuracy_heldout, evalset
from benchmarks.baselines import (
    CANDIDATE_NOTE,
    CandidateIndex,
    LogicV2Scorer,
    PairScorer,
    Scored,
    WRatioScorer,
    screen,
)
from exportscreen import settings
from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.screening.screener import Screener

OUT_DIR = Path(__file__).resolve().parent / "out"
MAX_FPR = 0.01
TOP = 10
OURS = "exportscreen"

console = Console()


# --- statistics --------------------------------------------------------------------------------


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (95% by default)."""
    if n == 0:
        return (0.0, 1.0)
    p = hits / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def threshold_at_fpr(negative_scores: Sequence[float], max_fpr: float = MAX_FPR) -> float:
    """The lowest threshold at which at most ``max_fpr`` of the negatives alert (score >= t)."""
    ranked = sorted(negative_scores, reverse=True)
    allowed = math.floor(max_fpr * len(ranked))
    if allowed >= len(ranked):
        return 0.0
    return math.nextafter(ranked[allowed], math.inf)


def best_score(hits: Sequence[Scored]) -> float:
    return max((h.score for h in hits), default=0.0)


def found(hits: Sequence[Scored], expected: str, threshold: float) -> bool:
    return any(h.entry_id == expected and h.score >= threshold for h in hits[:TOP])


# --- running the scorers -----------------------------------------------------------------------


@dataclass(slots=True)
class ScorerRun:
    name: str
    positives: list[list[Scored]]
    negatives: list[list[Scored]]
    seconds: float
    positive_mask: list[bool]  # which positives were asked (logic-v2 may be sampled)


def run_ours(screener: Screener, queries: Sequence[evalset.Query]) -> list[list[Scored]]:
    results = []
    for query in queries:
        hits = screener.screen(query.text, limit=TOP, threshold=0.0)
        results.append([Scored(h.entry.id, h.score) for h in hits])
    return results


def run_pairwise(
    scorer: PairScorer, index: CandidateIndex, queries: Sequence[evalset.Query]
) -> list[list[Scored]]:
    return [screen(scorer, index, q.text, q.kind, q.expected, TOP) for q in queries]


def timed(make: Callable[[], list[list[Scored]]]) -> tuple[list[list[Scored]], float]:
    start = time.perf_counter()
    result = make()
    return result, time.perf_counter() - start


# --- summaries ---------------------------------------------------------------------------------


def recall_table(
    queries: Sequence[evalset.Query],
    results: Sequence[list[Scored]],
    threshold: float,
    key: Callable[[evalset.Query], str],
) -> dict[str, dict[str, Any]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for query, hits in zip(queries, results, strict=True):
        assert query.expected is not None
        counts[key(query)][1] += 1
        if found(hits, query.expected, threshold):
            counts[key(query)][0] += 1
    counts["ALL"] = [sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values())]
    table = {}
    for group, (k, n) in sorted(counts.items()):
        low, high = wilson(k, n)
        table[group] = {"recall": k / n if n else 0.0, "found": k, "n": n, "ci95": [low, high]}
    return table


def summarise(run: ScorerRun, eval_set: evalset.EvalSet) -> dict[str, Any]:
    queries = [q for q, asked in zip(eval_set.positives, run.positive_mask, strict=True) if asked]
    negative_best = [best_score(h) for h in run.negatives]
    threshold = threshold_at_fpr(negative_best)
    default = settings.DEFAULT_THRESHOLD
    alerts_default = sum(s >= default for s in negative_best)
    return {
        "scorer": run.name,
        "seconds": round(run.seconds, 1),
        "positives_asked": len(queries),
        "negatives_asked": len(run.negatives),
        "threshold_at_1pct_fpr": threshold,
        "negative_alert_rate_at_threshold": sum(s >= threshold for s in negative_best)
        / max(1, len(negative_best)),
        "by_category": recall_table(queries, run.positives, threshold, lambda q: q.category),
        "by_script": recall_table(queries, run.positives, threshold, lambda q: q.script),
        "at_default_threshold": {
            "threshold": default,
            "negative_alert_rate": alerts_default / max(1, len(negative_best)),
            "by_category": recall_table(queries, run.positives, default, lambda q: q.category),
        },
    }


# --- pairwise suites from ../shared/evaldata ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pair:
    left: str
    right: str
    schema: str  # FollowTheMoney schema name
    is_match: bool


def _kind(schema: str) -> EntryType:
    if schema == "Person":
        return EntryType.INDIVIDUAL
    if schema == "Vessel":
        return EntryType.VESSEL
    return EntryType.ENTITY


def ours_pair_scores(pairs: Sequence[Pair]) -> list[float]:
    """exportscreen has no pairwise API: each right-hand name becomes an entry of a small index
    and the pair's score is that entry's score for the left-hand name (0 when not a hit)."""
    ids: dict[tuple[str, str], str] = {}
    entries: list[Entry] = []
    for pair in pairs:
        key = (pair.right, pair.schema)
        if key not in ids:
            ids[key] = f"SDN-pair{len(ids)}"
            entries.append(
                Entry(id=ids[key], list=ListCode.SDN, type=_kind(pair.schema), name=pair.right)
            )
    screener = Screener.from_entries(entries)
    scores = []
    for pair in pairs:
        hits = screener.screen(pair.left, limit=len(entries), threshold=0.0)
        wanted = ids[(pair.right, pair.schema)]
        scores.append(next((h.score for h in hits if h.entry.id == wanted), 0.0))
    return scores


def pair_metrics(
    labels: Sequence[bool], scores: Sequence[float], threshold: float
) -> dict[str, Any]:
    precision, recall, _ = precision_recall_curve(labels, scores)
    f1 = [2 * p * r / (p + r) if p + r else 0.0 for p, r in zip(precision, recall, strict=True)]
    predicted = [s >= threshold for s in scores]
    tp = sum(p and y for p, y in zip(predicted, labels, strict=True))
    fp = sum(p and not y for p, y in zip(predicted, labels, strict=True))
    fn = sum(not p and y for p, y in zip(predicted, labels, strict=True))
    return {
        "auc": float(roc_auc_score(labels, scores)),
        "best_f1": max(f1),
        "f1_at_benchmark_threshold": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
        "benchmark_threshold": threshold,
        "n": len(labels),
    }


def read_pairs(path: Path, left: str, right: str) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Pair(row[left], row[right], row["schema"], row["is_match"].strip().lower() == "true")
            for row in csv.DictReader(handle)
            if row[left].strip() and row[right].strip()
        ]


def wikidata_pairs(
    path: Path, n: int, rng: random.Random, *, full_names: bool = False
) -> tuple[list[Pair], list[Pair]]:
    """Native-script -> Latin token pairs, and as many shuffled (mismatched) pairs. A token
    file writes its native side a character apart ("克 魯 森"), read solid; a full-name file
    (``full_names``, wd_*_fullnames.tsv) writes whole names, read as they are."""
    with path.open(encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle if line.strip()]
    if full_names:
        rows = [r for r in rows if len(r) == 2 and r[0].strip() and r[1].strip()]
    sample = rng.sample(rows, min(n, len(rows)))
    positives = [
        Pair(r[1] if full_names else r[1].replace(" ", ""), r[0], "Person", True) for r in sample
    ]
    latin = [p.right for p in positives]
    shift = [latin[(i + 1 + rng.randrange(len(latin) - 1)) % len(latin)] for i in range(len(latin))]
    negatives = [
        Pair(p.left, other, "Person", False)
        for p, other in zip(positives, shift, strict=True)
        if other.casefold() != p.right.casefold()
    ]
    return positives, negatives


def pairwise_suites(
    eval_dir: Path,
    scorers: dict[str, Callable[[Sequence[Pair]], list[float]]],
    thresholds: dict[str, float],
    wikidata_n: int,
    rng: random.Random,
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    labelled = {
        "nomenklatura_cases": eval_dir / "nomenklatura" / "cases.csv",
        "cascade_pairs": eval_dir / "cascade_name_pairs" / "cascade-name-pairs.csv",
    }
    for suite, path in labelled.items():
        if not path.exists():
            results[suite] = "not measured: file absent"
            continue
        pairs = read_pairs(path, "name1", "name2")
        labels = [p.is_match for p in pairs]
        results[suite] = {
            name: pair_metrics(labels, score(pairs), thresholds[name])
            for name, score in scorers.items()
        }
    folder = eval_dir / "wikidata_transliteration_merhav_ash"
    for script in ("russian", "chinese", "arabic", "korean", "japanese", "hebrew"):
        path = folder / f"wd_{script}_20.tsv"
        if not path.exists():
            continue
        positives, negatives = wikidata_pairs(path, wikidata_n, rng)
        suite_result: dict[str, Any] = {}
        for name, score in scorers.items():
            scores = score([*positives, *negatives])
            pos, neg = scores[: len(positives)], scores[len(positives) :]
            t = threshold_at_fpr(neg)
            k = sum(s >= t for s in pos)
            suite_result[name] = {
                "recall_at_1pct_fpr": k / len(pos),
                "ci95": list(wilson(k, len(pos))),
                "n": len(pos),
                "auc": float(roc_auc_score([1] * len(pos) + [0] * len(neg), scores)),
            }
        results[f"wikidata_{script}"] = suite_result
    return results


# --- reporting ---------------------------------------------------------------------------------


def _cell(row: dict[str, Any] | None) -> str:
    if row is None:
        return "-"
    low, high = row["ci95"]
    return f"{row['recall']:.3f} ({row['found']}/{row['n']}) [{low:.2f}-{high:.2f}]"


def print_tables(summaries: list[dict[str, Any]], pairwise: dict[str, Any]) -> None:
    for section in ("by_category", "by_script"):
        table = Table(title=f"Recall at <=1% negative alert rate, {section.replace('_', ' ')}")
        table.add_column(section.split("_")[1])
        for s in summaries:
            table.add_column(f"{s['scorer']}\nt={s['threshold_at_1pct_fpr']:.3f}")
        groups = sorted({g for s in summaries for g in s[section]}, key=lambda g: (g == "ALL", g))
        for group in groups:
            table.add_row(group, *(_cell(s[section].get(group)) for s in summaries))
        console.print(table)
    table = Table(title="At exportscreen's default threshold")
    table.add_column("scorer")
    table.add_column("threshold")
    table.add_column("negative alert rate")
    table.add_column("recall, all positives")
    for s in summaries:
        d = s["at_default_threshold"]
        table.add_row(
            s["scorer"],
            f"{d['threshold']:.2f}",
            f"{d['negative_alert_rate']:.3f}",
            _cell(d["by_category"]["ALL"]),
        )
    console.print(table)
    table = Table(
        title="Pairwise suites (AUC / best F1 / F1 at the 1%-FPR threshold; recall@1%FPR)"
    )
    table.add_column("suite")
    names = [s["scorer"] for s in summaries]
    for name in names:
        table.add_column(name)
    for suite, result in pairwise.items():
        if isinstance(result, str):
            table.add_row(suite, *([result] * len(names)))
            continue
        cells = []
        for name in names:
            r = result.get(name)
            if r is None:
                cells.append("-")
            elif "recall_at_1pct_fpr" in r:
                cells.append(f"R {r['recall_at_1pct_fpr']:.3f} / AUC {r['auc']:.3f} (n={r['n']})")
            else:
                cells.append(
                    f"{r['auc']:.3f} / {r['best_f1']:.3f} / {r['f1_at_benchmark_threshold']:.3f}"
                )
        table.add_row(suite, *cells)
    console.print(table)


def write_failures(
    path: Path,
    eval_set: evalset.EvalSet,
    run: ScorerRun,
    threshold: float,
) -> int:
    """Positives exportscreen missed and negatives it alerted on, for whoever tunes the matcher."""
    by_id = eval_set.by_id
    lines = [f"# exportscreen failures at the 1%-FPR threshold {threshold:.4f}", ""]
    missed = 0
    for query, hits in zip(eval_set.positives, run.positives, strict=True):
        assert query.expected is not None
        if found(hits, query.expected, threshold):
            continue
        missed += 1
        own = next((h.score for h in hits if h.entry_id == query.expected), None)
        top = hits[0] if hits else None
        top_text = f"{top.entry_id} {by_id[top.entry_id].name!r} {top.score:.3f}" if top else "none"
        own_text = f"{own:.3f}" if own is not None else "not in top 10"
        lines.append(
            f"MISS [{query.category}/{query.script}] {query.text!r} -> expected {query.expected} "
            f"{query.origin!r} (score {own_text}); top hit {top_text}"
        )
    lines.append("")
    alerts = sorted(
        (
            (best_score(hits), q, hits[0])
            for q, hits in zip(eval_set.negatives, run.negatives, strict=True)
            if hits
        ),
        key=lambda t: -t[0],
    )
    for score, query, top in alerts[:100]:
        flag = "ALERT" if score >= threshold else "near "
        lines.append(
            f"{flag} [{query.category}] {query.text!r} -> {top.entry_id} "
            f"{by_id[top.entry_id].name!r} {score:.3f}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return missed


# --- the command -------------------------------------------------------------------------------

app = typer.Typer(add_completion=False)


@app.command()
def main(
    quick: Annotated[bool, typer.Option(help="a few hundred queries, for a fast check")] = False,
    seed: Annotated[int, typer.Option(help="seed of every random choice")] = evalset.SEED,
    logic_v2_positives: Annotated[
        int, typer.Option(help="logic-v2 is slow: at most this many positives (0 = all)")
    ] = 1200,
    baselines: Annotated[
        bool,
        typer.Option(help="also run rapidfuzz WRatio and logic-v2 (slow: their candidate sets)"),
    ] = True,
    heldout: Annotated[
        bool, typer.Option(help="add the held-out positives of benchmarks/accuracy_heldout.py")
    ] = False,
    weak_marks: evalset.WeakMarksOption = True,
) -> None:
    raw_dir = settings.shared_data_dir() / "raw"
    eval_dir = settings.shared_eval_dir()
    if not raw_dir.is_dir():
        raise typer.BadParameter(f"list files not found at {raw_dir} (EXPORTSCREEN_SHARED_DATA)")
    sizes = {"per_category": 25, "yente": 150, "faker": 100} if quick else {
        "per_category": 200, "yente": 1200, "faker": 600,
    }  # fmt: skip
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    console.print("loading the lists and building the evaluation set...")
    index = evalset.load_index_cached(raw_dir, OUT_DIR)
    eval_set = evalset.build(raw_dir, eval_dir, seed=seed, index=index, **sizes)
    if heldout:
        eval_set.positives.extend(
            accuracy_heldout.heldout(index, eval_set.positives, sizes["per_category"], seed)
        )
    console.print(
        f"index {len(index)} entries; {len(eval_set.positives)} positive and "
        f"{len(eval_set.negatives)} negative queries; "
        f"dropped negatives {eval_set.dropped_negatives}; "
        f"rejected Chinese pairs {len(eval_set.rejected_chinese)}"
    )
    rng = random.Random(seed)

    marks = evalset.load_marks(raw_dir) if weak_marks else []
    screener_start = time.perf_counter()
    screener = Screener.from_entries(index, marks)
    build_seconds = time.perf_counter() - screener_start
    runs: list[ScorerRun] = []
    all_positive = [True] * len(eval_set.positives)
    pos, pos_s = timed(lambda: run_ours(screener, eval_set.positives))
    neg, neg_s = timed(lambda: run_ours(screener, eval_set.negatives))
    runs.append(ScorerRun(OURS, pos, neg, pos_s + neg_s + build_seconds, all_positive))

    if not baselines:
        _report_ours_only(runs, eval_set, quick, seed)
        return
    console.print("candidate sets for the baselines (rapidfuzz WRatio over all names)...")
    candidates = CandidateIndex(index, OUT_DIR)
    candidate_start = time.perf_counter()
    candidates.prepare([q.text for q in [*eval_set.positives, *eval_set.negatives]])
    candidate_seconds = time.perf_counter() - candidate_start

    wratio = WRatioScorer()
    pos, pos_s = timed(lambda: run_pairwise(wratio, candidates, eval_set.positives))
    neg, neg_s = timed(lambda: run_pairwise(wratio, candidates, eval_set.negatives))
    runs.append(ScorerRun(wratio.name, pos, neg, pos_s + neg_s, all_positive))

    console.print("nomenklatura logic-v2...")
    logic = LogicV2Scorer(marks if weak_marks else None)
    mask = list(all_positive)
    if logic_v2_positives and len(eval_set.positives) > logic_v2_positives:
        chosen = set(rng.sample(range(len(eval_set.positives)), logic_v2_positives))
        mask = [i in chosen for i in range(len(eval_set.positives))]
    asked = [q for q, m in zip(eval_set.positives, mask, strict=True) if m]
    pos, pos_s = timed(lambda: run_pairwise(logic, candidates, asked))
    neg, neg_s = timed(lambda: run_pairwise(logic, candidates, eval_set.negatives))
    runs.append(ScorerRun(logic.name, pos, neg, pos_s + neg_s, mask))

    summaries = [summarise(run, eval_set) for run in runs]
    thresholds = {s["scorer"]: s["threshold_at_1pct_fpr"] for s in summaries}

    console.print("pairwise suites...")

    def pairwise_of(scorer: PairScorer) -> Callable[[Sequence[Pair]], list[float]]:
        return lambda pairs: [scorer.pair_score(p.left, p.right, p.schema) for p in pairs]

    pairwise = pairwise_suites(
        eval_dir,
        {OURS: ours_pair_scores, wratio.name: pairwise_of(wratio), logic.name: pairwise_of(logic)},
        thresholds,
        wikidata_n=100 if quick else 500,
        rng=rng,
    )
    print_tables(summaries, pairwise)

    mode = "quick" if quick else "full"
    # The full run's failures are the ones to tune from; a quick check must not overwrite them.
    failures = OUT_DIR / ("accuracy_failures.txt" if not quick else "accuracy_failures-quick.txt")
    missed = write_failures(failures, eval_set, runs[0], thresholds[OURS])
    result = {
        "mode": mode,
        "seed": seed,
        "index_entries": len(index),
        "index_names": sum(len(e.names) for e in index),
        "positives": len(eval_set.positives),
        "negatives": len(eval_set.negatives),
        "negatives_by_source": _count(q.category for q in eval_set.negatives),
        "dropped_negatives": eval_set.dropped_negatives,
        "rejected_chinese_pairs": eval_set.rejected_chinese,
        "candidate_generation": CANDIDATE_NOTE,
        "candidate_seconds": round(candidate_seconds, 1),
        "logic_v2_sampled_positives": sum(mask),
        "notes": [
            "exportscreen is asked with type=None; the baselines compare only within the "
            "query's entity kind (logic-v2 by schema), which favours them.",
            "pairwise suites for exportscreen index the right-hand names of the suite only.",
        ],
        "scorers": summaries,
        "pairwise": pairwise,
        "exportscreen_misses": missed,
        "seconds": round(time.perf_counter() - started, 1),
    }
    path = OUT_DIR / f"accuracy-{mode}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    console.print(f"results: {path}; failures: {failures}")
    console.print(f"{CANDIDATE_NOTE}. Total {result['seconds']} s.")


def _report_ours_only(
    runs: list[ScorerRun], eval_set: evalset.EvalSet, quick: bool, seed: int
) -> None:
    """exportscreen's figures alone (``--no-baselines``): the baselines do not change with the
    matcher, so their last full run's figures stand beside these."""
    summaries = [summarise(run, eval_set) for run in runs]
    print_tables(summaries, {})
    suffix = "quick" if quick else "full"
    failures = OUT_DIR / f"accuracy_failures-ours-{suffix}.txt"
    write_failures(failures, eval_set, runs[0], summaries[0]["threshold_at_1pct_fpr"])
    path = OUT_DIR / f"accuracy-ours-{suffix}.json"
    result = {"mode": suffix, "seed": seed, "scorers": summaries}
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    console.print(f"results: {path}; failures: {failures}")


def _count(values: Any) -> dict[str, int]:
    """Queries per source, locales folded: "neg:faker:de_DE" counts as "neg:faker"."""
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[":".join(value.split(":")[:2])] += 1
    return dict(counts)


if __name__ == "__main__":
    app()
