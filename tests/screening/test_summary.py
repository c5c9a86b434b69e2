"""The batch summary read back from a results file: rows flagged against hits, hits by list,
and the score histogram's bins (the last one holds 1.00)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportscreen.screening.summary import ScoreBin, summarize

HEADER = "input_id,input_name,rank,score,list,entry_id\n"


def write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "results.csv"
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


def test_rows_flagged_are_counted_apart_from_hits(tmp_path: Path) -> None:
    results = write(
        tmp_path,
        [
            "1,Huawei,1,1.0,EL,EL-1",
            "1,Huawei,2,0.91,EL,EL-2",
            "1,Huawei,3,0.83,SDN,SDN-9",
            "4,Petrov,1,0.97,SDN,SDN-7",
        ],
    )
    summary = summarize(results, threshold=0.8)
    assert (summary.hits, summary.rows_flagged) == (4, 2)
    assert summary.hits_by_list == (("EL", 2), ("SDN", 2))
    assert summary.rows_by_list == (("EL", 1), ("SDN", 2))


@pytest.mark.parametrize(
    ("threshold", "scores", "expected"),
    [
        (
            0.8,
            ["0.8", "0.849", "0.85", "1.0"],
            [(0.8, 0.85, 2), (0.85, 0.9, 1), (0.9, 0.95, 0), (0.95, 1.0, 1)],
        ),
        (0.77, ["0.77", "0.99"], [(0.75, 0.8, 1), (0.8, 0.85, 0), (0.85, 0.9, 0),
                                  (0.9, 0.95, 0), (0.95, 1.0, 1)]),
        # A score under the threshold (a file written at another one) still gets its bin.
        (0.9, ["0.86"], [(0.85, 0.9, 1), (0.9, 0.95, 0), (0.95, 1.0, 0)]),
    ],
)  # fmt: skip
def test_the_histogram_bins(
    tmp_path: Path, threshold: float, scores: list[str], expected: list[tuple[float, float, int]]
) -> None:
    rows = [f"{n},x,1,{score},EL,EL-{n}" for n, score in enumerate(scores)]
    summary = summarize(write(tmp_path, rows), threshold=threshold)
    assert summary.histogram == tuple(ScoreBin(*b) for b in expected)
    assert sum(b.count for b in summary.histogram) == len(scores)


def test_no_hits(tmp_path: Path) -> None:
    summary = summarize(write(tmp_path, []), threshold=0.77)
    assert (summary.hits, summary.rows_flagged, summary.largest_bin) == (0, 0, 0)
