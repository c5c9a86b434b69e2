"""What a batch screening found, read back from its results file: how many rows were flagged
(against how many hits: one row can hit several entries), hits per list, and how the scores
spread, for the batch page's summary and charts."""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HISTOGRAM_STEP = 0.05


@dataclass(frozen=True, slots=True)
class ScoreBin:
    low: float
    high: float  # exclusive, except the last bin, which holds 1.00
    count: int


@dataclass(frozen=True, slots=True)
class BatchSummary:
    hits: int
    rows_flagged: int  # input rows with at least one hit
    hits_by_list: tuple[tuple[str, int], ...]  # most hits first
    rows_by_list: tuple[tuple[str, int], ...]  # rows with a hit on the list, same order
    histogram: tuple[ScoreBin, ...]

    @property
    def largest_bin(self) -> int:
        return max((b.count for b in self.histogram), default=0)

    @property
    def largest_list(self) -> int:
        return max((n for _, n in self.hits_by_list), default=0)


def _bins(lowest: float) -> list[tuple[float, float]]:
    start = math.floor(round(lowest / HISTOGRAM_STEP, 6)) * HISTOGRAM_STEP
    edges = []
    low = max(0.0, start)
    while low < 1.0 - 1e-9:
        edges.append((round(low, 2), round(min(1.0, low + HISTOGRAM_STEP), 2)))
        low += HISTOGRAM_STEP
    return edges


def summarize(results: Path, *, threshold: float) -> BatchSummary:
    """The summary of a results CSV (``hit_table.OUTPUT_COLUMNS``) written at ``threshold``.
    A row without a score (an input row written without hits) counts as no hit."""
    rows: set[str] = set()
    hits_by_list: Counter[str] = Counter()
    rows_by_list: dict[str, set[str]] = {}
    scores: list[float] = []
    with results.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            score_text = (record.get("score") or "").strip()
            if not score_text:
                continue
            row_key = record.get("input_id") or ""
            rows.add(row_key)
            code = record.get("list") or "?"
            hits_by_list[code] += 1
            rows_by_list.setdefault(code, set()).add(row_key)
            scores.append(float(score_text))
    lowest = min([threshold, *scores])
    edges = _bins(lowest)
    counts = [0] * len(edges)
    for score in scores:
        for index, (low, high) in enumerate(edges):
            last = index == len(edges) - 1
            if low <= score < high or (last and score >= low):
                counts[index] += 1
                break
    ordered = hits_by_list.most_common()
    return BatchSummary(
        hits=len(scores),
        rows_flagged=len(rows),
        hits_by_list=tuple(ordered),
        rows_by_list=tuple((code, len(rows_by_list[code])) for code, _ in ordered),
        histogram=tuple(
            ScoreBin(low, high, n) for (low, high), n in zip(edges, counts, strict=True)
        ),
    )
