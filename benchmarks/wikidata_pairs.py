"""The Wikidata transliteration suites of ``benchmarks.accuracy`` alone, for exportscreen only:
a name written in another script (Han, Hangul, kana, Hebrew...) screened against its Latin
spelling, as ``accuracy.pairwise_suites`` does, without the rest of the accuracy benchmark.

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.wikidata_pairs [--n 500] [--fullnames 500]

Per script: AUC, recall at 1% false-positive rate (the threshold where 1% of the shuffled,
mismatched pairs score at or above it), and recall and false-positive rate at the default alert
threshold. Each script's sample has its own seed, so that one script's run does not change
another's. ``--fullnames``: as many whole names (first and family name) of the Korean and Hebrew
full-name files, the native name written with its spaces.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Annotated, Any

import typer
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

from benchmarks.accuracy import (
    Pair,
    ours_pair_scores,
    threshold_at_fpr,
    wikidata_pairs,
    wilson,
)
from exportscreen import settings

FOLDER = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "evaldata"
    / "wikidata_transliteration_merhav_ash"
)
SCRIPTS = ("russian", "chinese", "arabic", "korean", "japanese", "katakana", "hebrew")
FULLNAMES = ("korean", "hebrew")
SEED = 20240611


def measure(positives: list[Pair], negatives: list[Pair]) -> dict[str, Any]:
    scores = ours_pair_scores([*positives, *negatives])
    pos, neg = scores[: len(positives)], scores[len(positives) :]
    t = threshold_at_fpr(neg)
    k = sum(s >= t for s in pos)
    default = settings.DEFAULT_THRESHOLD
    at_default = sum(s >= default for s in pos)
    return {
        "auc": round(float(roc_auc_score([1] * len(pos) + [0] * len(neg), scores)), 4),
        "recall_at_1pct_fpr": round(k / len(pos), 4),
        "ci95": [round(x, 3) for x in wilson(k, len(pos))],
        "recall_at_default": round(at_default / len(pos), 4),
        "fpr_at_default": round(sum(s >= default for s in neg) / len(neg), 4),
        "n": len(pos),
    }


def main(
    n: Annotated[int, typer.Option(help="pairs per script")] = 500,
    fullnames: Annotated[int, typer.Option(help="full names per file (0: none)")] = 500,
    scripts: Annotated[str, typer.Option(help="comma-separated scripts")] = ",".join(SCRIPTS),
    folder: Annotated[Path, typer.Option(help="the Wikidata files")] = FOLDER,
) -> None:
    results: dict[str, Any] = {}
    for script in scripts.split(","):
        path = folder / f"wd_{script}_20.tsv"
        if path.exists():
            results[f"wikidata_{script}"] = measure(*wikidata_pairs(path, n, random.Random(SEED)))
            print(script, results[f"wikidata_{script}"], flush=True)
    for script in FULLNAMES if fullnames else ():
        path = folder / f"wd_{script}_fullnames.tsv"
        if path.exists():
            found = measure(*wikidata_pairs(path, fullnames, random.Random(SEED), full_names=True))
            results[f"fullnames_{script}"] = found
            print(f"{script} full names", found, flush=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    typer.run(main)
