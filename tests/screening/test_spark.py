"""Spark screening in local[2] mode gives exactly what run_batch gives on the same input."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pandas")


def _java_works() -> bool:
    java = shutil.which("java")
    if java is None:
        return False
    return subprocess.run([java, "-version"], capture_output=True, check=False).returncode == 0


pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(not _java_works(), reason="pyspark needs a Java runtime"),
]

from pyspark.sql import DataFrame, SparkSession  # noqa: E402

from exportscreen.model import entry_from_dict  # noqa: E402
from exportscreen.screening import spark as spark_screening  # noqa: E402
from exportscreen.screening.batch import run_batch  # noqa: E402
from exportscreen.screening.hit_table import OUTPUT_NAMES  # noqa: E402
from exportscreen.screening.screener import Screener  # noqa: E402

FIXTURES = Path(__file__).parent.parent / "fixtures" / "batch"


@pytest.fixture(scope="module")
def session() -> Iterator[SparkSession]:
    # Python workers must run this interpreter (the one with exportscreen and its dependencies),
    # not whatever "python3" is first on PATH; PySpark takes it only from the environment.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYSPARK_PYTHON", sys.executable)
        session = _start_session()
        yield session
        session.stop()


def _start_session() -> SparkSession:
    return (
        SparkSession.builder.master("local[2]")
        .appName("exportscreen-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "7")  # several batches per task
        .getOrCreate()
    )


@pytest.fixture(scope="module")
def engine() -> Screener:
    lines = (FIXTURES / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    return Screener.from_entries(entry_from_dict(json.loads(line)) for line in lines)


def _customers(tmp_path: Path) -> Path:
    """The fixture customers, repeated with varied names so that rows spread over partitions."""
    with (FIXTURES / "customers.csv").open(encoding="utf-8", newline="") as handle:
        base = list(csv.DictReader(handle))
    path = tmp_path / "customers.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(base[0]))
        writer.writeheader()
        for copy in range(6):
            for row in base:
                suffix = f" {copy}" if copy % 2 and row["Name"] else ""
                writer.writerow(
                    {**row, "ID": f"{row['ID'] or 'x'}-{copy}", "Name": row["Name"] + suffix}
                )
    return path


def _cell(value: str) -> str:
    """A CSV cell as screened: the batch writer guards cells a spreadsheet would run as a formula
    with a leading apostrophe; a Spark DataFrame is not a spreadsheet and keeps the text."""
    if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return value[1:]
    return value


def _batch_rows(path: Path) -> list[tuple[Any, ...]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [{k: _cell(v) for k, v in r.items()} for r in csv.DictReader(handle)]
    return sorted(
        (
            r["input_id"],
            r["input_name"],
            int(r["rank"]) if r["rank"] else None,
            float(r["score"]) if r["score"] else None,
            *(r[c] or None for c in OUTPUT_NAMES[4:]),
        )
        for r in rows
    )


def _spark_rows(frame: DataFrame) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in frame.collect())


def _assert_same(spark_rows: list[tuple[Any, ...]], batch_rows: list[tuple[Any, ...]]) -> None:
    assert len(spark_rows) == len(batch_rows)
    for got, expected in zip(spark_rows, batch_rows, strict=True):
        assert got[:3] == expected[:3]
        if expected[3] is None:
            assert got[3] is None
        else:
            assert got[3] == pytest.approx(expected[3], abs=1e-9)
        # CSV cannot tell an empty text from a null one; compare them as equal.
        assert tuple(v or None for v in got[4:]) == expected[4:]


@pytest.mark.parametrize("best_only", [False, True], ids=["all-hits", "best-only"])
def test_spark_results_equal_run_batch_results(
    tmp_path: Path, session: SparkSession, engine: Screener, best_only: bool
) -> None:
    source = _customers(tmp_path)
    run_batch(source, tmp_path / "hits.csv", screener=engine, workers=1, best_only=best_only)
    frame = session.read.csv(str(source), header=True).repartition(3)
    result = spark_screening.screen(
        frame,
        name_col="name",  # the file says "Name": matched ignoring case, as in run_batch
        id_col="id",
        country_col="country",
        type_col="type",
        best_only=best_only,
        screener=engine,
    )
    assert result.columns == list(OUTPUT_NAMES)
    expected = _batch_rows(tmp_path / "hits.csv")
    assert len(expected) > 20  # hits from every copy, not an empty comparison
    _assert_same(_spark_rows(result), expected)


def test_rows_without_an_id_get_a_null_input_id(session: SparkSession, engine: Screener) -> None:
    frame = session.createDataFrame([("Huawei Technologies Co Ltd",)], ["NAME"])
    rows = spark_screening.screen(frame, screener=engine).collect()
    assert [(r.input_id, r.entry_id) for r in rows] == [(None, "EL-huawei")]


def test_missing_name_column_lists_the_columns(session: SparkSession, engine: Screener) -> None:
    frame = session.createDataFrame([("1", "Acme")], ["id", "company"])
    message = "field 'name': no such column; the columns are 'id', 'company'"
    with pytest.raises(ValueError, match=message):
        spark_screening.screen(frame, screener=engine)


class _Broadcast:
    def __init__(self, value: bytes):
        self.value = value


def test_the_index_is_loaded_once_per_worker_process_and_run(engine: Screener) -> None:
    loads: list[bytes] = []

    def load(data: bytes) -> Screener:
        loads.append(data)
        return Screener.from_bytes(data)

    payload = engine.to_bytes()
    broadcast = _Broadcast(payload)
    first = spark_screening.cached_screener("run-1", broadcast, load)
    again = spark_screening.cached_screener("run-1", broadcast, load)
    assert first is again and len(loads) == 1
    newer = spark_screening.cached_screener("run-2", broadcast, load)
    assert newer is not first and len(loads) == 2
