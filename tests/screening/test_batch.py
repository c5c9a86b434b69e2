"""Batch screening of files: output rows and order, bad rows, formats, worker pool, Ctrl-C."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from rapidfuzz import fuzz, utils

from exportscreen.model import Entry, EntryType, Explanation, Hit, entry_from_dict
from exportscreen.screening import batch
from exportscreen.screening.batch import BatchProgress, chunked, run_batch
from exportscreen.screening.hit_table import OUTPUT_NAMES, Query, rows_for
from exportscreen.screening.screener import Screener
from exportscreen.screening.tabular import BadRow, Row, open_table
from exportscreen.sources.common import SourceError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "batch"
ROOT = Path(__file__).resolve().parents[2]


def fixture_entries() -> list[Entry]:
    lines = (FIXTURES / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    return [entry_from_dict(json.loads(line)) for line in lines]


class FakeScreener:
    """The screening engine's interface over rapidfuzz's token-set ratio: simple enough that
    every expected hit below can be checked by hand, so these tests exercise batch alone.
    ``fail_on`` makes it raise for one name; ``delay`` slows it to keep a run going."""

    def __init__(self, entries: list[Entry], fail_on: str = "", delay: float = 0.0):
        self.entries = entries
        self.fail_on = fail_on
        self.delay = delay

    def screen(
        self,
        name: str,
        country: str | None = None,
        type: EntryType | None = None,
        limit: int = 10,
        threshold: float | None = None,
    ) -> list[Hit]:
        if name == self.fail_on:
            raise RuntimeError(f"cannot screen {name!r}")
        if self.delay:
            time.sleep(self.delay)
        hits = []
        for entry in self.entries:
            if type is not None and entry.type is not type:
                continue
            scored = [
                (fuzz.token_set_ratio(name, n, processor=utils.default_process) / 100, n)
                for n in entry.names
            ]
            score, matched = max(scored)
            if score >= (0.8 if threshold is None else threshold):
                summary = f"{matched!r} token-set {score:.2f}"
                hits.append(Hit(entry, score, matched, Explanation(summary=summary)))
        return sorted(hits, key=lambda h: -h.score)[:limit]

    def to_bytes(self) -> bytes:
        from exportscreen.model import entry_to_dict

        state = {"entries": [entry_to_dict(e) for e in self.entries], "fail_on": self.fail_on}
        return json.dumps({**state, "delay": self.delay}).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        state = json.loads(data)
        entries = [entry_from_dict(e) for e in state["entries"]]
        return cls(entries, state["fail_on"], state["delay"])


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture()
def screener() -> FakeScreener:
    return FakeScreener(fixture_entries())


@pytest.fixture(scope="module")
def engine() -> Screener:
    """The real matching engine over the fixture entries."""
    return Screener.from_entries(fixture_entries())


# --- output ----------------------------------------------------------------------------------


def test_fixture_file_gives_the_expected_hits_and_bad_rows(
    tmp_path: Path, engine: Screener
) -> None:
    output = tmp_path / "hits.csv"
    report = run_batch(FIXTURES / "customers.csv", output, screener=engine, workers=1)
    rows = read_csv(output)
    assert list(rows[0]) == list(OUTPUT_NAMES)
    # Each pair checked by hand against entries.jsonl: Siemens and Maria Garcia Lopez share no
    # word with any entry; row 8 has no id, so it is known by its row number.
    assert [(r["input_id"], r["entry_id"], r["rank"]) for r in rows] == [
        ("C-001", "EL-huawei", "1"),
        ("C-004", "SDN-rosoboronexport", "1"),
        ("C-005", "EL-inspur", "1"),
        ("C-006", "SDN-petrov", "1"),
        ("8", "MEU-aviation", "1"),
    ]
    huawei = rows[0]
    assert huawei["matched_name"] == "Huawei Technologies Co., Ltd."  # the same words
    assert float(huawei["score"]) == 1.0
    assert huawei["list"] == "EL"
    assert huawei["licence_requirement"] == "For all items subject to the EAR."
    assert huawei["review_policy"] == "presumption-of-denial"
    assert "huawei=huawei" in huawei["explanation"]
    assert rows[1]["matched_name"] == "Rosoboronexport JSC"  # the alias, not the primary name
    assert rows[1]["licence_requirement"] == rows[1]["review_policy"] == ""  # not on SDN
    assert report.rows_read == 10
    assert report.rows_screened == 7
    assert report.bad_rows == 3
    assert report.hits_written == 5
    assert not report.interrupted
    assert report.errors_path == Path(f"{output}.errors.csv")
    errors = read_csv(report.errors_path)
    assert [(e["row"], e["line"], e["field"]) for e in errors] == [
        ("3", "4", "Name"),
        ("7", "8", "Type"),
        ("10", "11", "Name"),
    ]
    assert errors[0]["reason"] == "empty name"
    assert errors[1]["reason"].startswith("unknown entity type 'spaceship'")
    assert errors[2]["reason"] == "name '---' has no letters or digits to screen"


def test_worker_processes_receive_the_real_index(tmp_path: Path, engine: Screener) -> None:
    run_batch(FIXTURES / "customers.csv", tmp_path / "one.csv", screener=engine, workers=1)
    run_batch(
        FIXTURES / "customers.csv", tmp_path / "two.csv", screener=engine, workers=2, chunk_size=2
    )
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert len(read_csv(tmp_path / "two.csv")) == 5


def test_forked_and_spawned_workers_write_the_same_file(tmp_path: Path, engine: Screener) -> None:
    # Forked workers share the parent's index (no bytes shipped); spawned ones load it from bytes.
    # A warm route cache in the parent goes with the fork and must not change a hit.
    engine.screen("Huawei Technologies")
    for start in ("fork", "spawn"):
        run_batch(
            FIXTURES / "customers.csv",
            tmp_path / f"{start}.csv",
            screener=engine,
            workers=2,
            chunk_size=2,
            start=start,
        )
    assert (tmp_path / "fork.csv").read_bytes() == (tmp_path / "spawn.csv").read_bytes()
    assert len(read_csv(tmp_path / "fork.csv")) == 5


def test_workers_fork_from_the_main_thread_only() -> None:
    # A server's job thread spawns: other threads may hold locks at the moment of a fork.
    assert batch.start_method() == "fork"
    seen: list[str] = []
    thread = threading.Thread(target=lambda: seen.append(batch.start_method()))
    thread.start()
    thread.join()
    assert seen == ["spawn"]


def test_an_unknown_start_method_is_refused(tmp_path: Path, engine: Screener) -> None:
    with pytest.raises(ValueError, match="start must be"):
        run_batch(FIXTURES / "customers.csv", tmp_path / "x.csv", screener=engine, start="thread")


def test_best_only_gives_one_row_per_screened_input(tmp_path: Path, engine: Screener) -> None:
    output = tmp_path / "best.csv"
    report = run_batch(
        FIXTURES / "customers.csv", output, screener=engine, workers=1, best_only=True
    )
    rows = read_csv(output)
    ids = [r["input_id"] for r in rows]
    assert ids == ["C-001", "C-002", "C-004", "C-005", "C-006", "8", "C-009"]
    siemens = rows[1]
    assert siemens["input_name"] == "Siemens AG"
    assert all(siemens[c] == "" for c in OUTPUT_NAMES[2:])
    assert report.rows_written == 7 and report.hits_written == 5


def test_threshold_and_limit_are_passed_to_the_screener(
    tmp_path: Path, screener: FakeScreener
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("name\nGroup Co Ltd\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    run_batch(source, output, screener=screener, workers=1, threshold=0.5, limit=10)
    low = read_csv(output)
    run_batch(source, output, screener=screener, workers=1, threshold=0.5, limit=1)
    assert len(read_csv(output)) == 1 < len(low)
    assert [int(r["rank"]) for r in low] == list(range(1, len(low) + 1))
    assert [float(r["score"]) for r in low] == sorted(
        (float(r["score"]) for r in low), reverse=True
    )


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet", ".xlsx"])
def test_every_output_format_holds_the_same_rows(
    tmp_path: Path, engine: Screener, suffix: str
) -> None:
    run_batch(FIXTURES / "customers.csv", tmp_path / "hits.csv", screener=engine, workers=1)
    expected = [tuple(r.values()) for r in read_csv(tmp_path / "hits.csv")]
    other = tmp_path / f"hits{suffix}"
    run_batch(FIXTURES / "customers.csv", other, screener=engine, workers=1)
    with open_table(other) as source:
        got = [r.values for r in source.rows(range(len(OUTPUT_NAMES))) if isinstance(r, Row)]
    assert [_comparable(row) for row in got] == [_comparable(row) for row in expected]


def _comparable(row: tuple[str | None, ...]) -> tuple[object, ...]:
    """Rank and score as numbers (a reader prints the float 1.0 as "1"), empty as None."""
    values: list[object] = [None if v in (None, "") else v for v in row]
    for i in (2, 3):
        values[i] = None if values[i] is None else float(str(values[i]))
    return tuple(values)


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".jsonl"])
def test_every_input_format_gives_the_same_output(
    tmp_path: Path, engine: Screener, suffix: str
) -> None:
    run_batch(FIXTURES / "customers.csv", tmp_path / "from_csv.csv", screener=engine, workers=1)
    with open_table(FIXTURES / "customers.csv") as source:
        columns = source.columns
        records = [r.values for r in source.rows(range(4)) if isinstance(r, Row)]
    converted = tmp_path / f"customers{suffix}"
    if suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for values in [columns, *records]:
            sheet.append(list(values))
        book.save(converted)
    elif suffix == ".parquet":
        import pyarrow as pa

        pq.write_table(
            pa.table({c: [r[i] for r in records] for i, c in enumerate(columns)}), converted
        )
    else:
        converted.write_text(
            "".join(json.dumps(dict(zip(columns, r, strict=True))) + "\n" for r in records)
        )
    run_batch(converted, tmp_path / "from_other.csv", screener=engine, workers=1)
    assert read_csv(tmp_path / "from_other.csv") == read_csv(tmp_path / "from_csv.csv")


class CountingScreener(FakeScreener):
    """Records every query it screens."""

    def __init__(self, entries: list[Entry]):
        super().__init__(entries)
        self.asked: list[tuple[str, str | None, EntryType | None]] = []

    def screen(
        self,
        name: str,
        country: str | None = None,
        type: EntryType | None = None,
        limit: int = 10,
        threshold: float | None = None,
    ) -> list[Hit]:
        self.asked.append((name, country, type))
        return super().screen(name, country, type, limit, threshold)


def test_repeated_parties_are_screened_once_and_answered_alike(tmp_path: Path) -> None:
    source = tmp_path / "repeats.csv"
    source.write_text(
        "id,name,country\n"
        "1,Huawei Technologies Co Ltd,CN\n"
        "2,Huawei  Technologies Co Ltd,CN\n"  # the same party, spaced differently
        "3,Huawei Technologies Co Ltd,DE\n"  # another country: screened again
        "4,---,CN\n"
        "5,---,CN\n"
        "6,Huawei Technologies Co Ltd,CN\n",
        encoding="utf-8",
    )
    counting = CountingScreener(fixture_entries())
    output = tmp_path / "hits.csv"
    report = run_batch(source, output, screener=counting, workers=1)
    assert sorted(counting.asked) == sorted(
        [
            ("Huawei Technologies Co Ltd", "CN", None),
            ("Huawei Technologies Co Ltd", "DE", None),
            ("---", "CN", None),
        ]
    )
    rows = read_csv(output)
    by_input: dict[str, list[tuple[str, ...]]] = {}
    for row in rows:
        by_input.setdefault(row["input_id"], []).append(
            tuple(v for k, v in row.items() if k != "input_id")
        )
    assert by_input["1"], "the fixture lists Huawei"
    assert by_input["1"] == by_input["2"] == by_input["6"]
    assert report.bad_rows == 0  # "---" is screened by the fake, which finds nothing


def test_a_repeated_refused_name_is_reported_on_every_row(tmp_path: Path, engine: Screener) -> None:
    source = tmp_path / "repeats.csv"
    source.write_text("id,name\n1,---\n2,Huawei Technologies\n3,---\n", encoding="utf-8")
    report = run_batch(source, tmp_path / "hits.csv", screener=engine, workers=1)
    assert report.bad_rows == 2
    assert report.errors_path is not None
    errors = read_csv(report.errors_path)
    assert [e["row"] for e in errors] == ["1", "3"]
    assert errors[0]["reason"] == errors[1]["reason"]


def test_a_repeat_in_a_later_chunk_is_answered_by_this_process_not_screened_again(
    tmp_path: Path, engine: Screener
) -> None:
    """With many small chunks over two workers, each distinct query is shipped once; every row
    gets what screening it alone gives (the refused "---" too), in input order."""
    names = ["Huawei Technologies", "---", "Siemens AG", "Huawei  Technologies", "Ivan Sidorov"]
    source = tmp_path / "repeats.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        handle.write("id,name\n")
        for i in range(60):
            handle.write(f"r{i},{names[i % len(names)]}\n")
    records = open_table(source).rows([1])
    queries = list(batch._queries(records, batch._Columns(None, 0, None, None, ("name",)), [0]))
    shipped = [q.name for chunk in chunked(queries, 7) for q in chunk.to_screen()]
    assert shipped == ["Huawei Technologies", "---", "Siemens AG", "Ivan Sidorov"]

    report = run_batch(source, tmp_path / "two.csv", screener=engine, workers=2, chunk_size=7)
    expected: list[list[str]] = []
    for i in range(60):
        name = " ".join(names[i % len(names)].split())
        if name != "---":
            rows = rows_for(Query(i + 1, i + 2, f"r{i}", name), engine.screen(name))
            expected.extend([("" if v is None else str(v)) for v in row] for row in rows)
    with (tmp_path / "two.csv").open(encoding="utf-8", newline="") as handle:
        written = list(csv.reader(handle))[1:]
    assert written == expected
    assert any(row[5] for row in written), "the fixture lists Huawei"
    assert report.bad_rows == 12 and report.rows_screened == 48
    assert report.errors_path is not None
    assert [e["row"] for e in read_csv(report.errors_path)] == [str(i + 1) for i in range(1, 60, 5)]


def test_a_query_dropped_from_the_run_s_answers_is_screened_again() -> None:
    answers = batch._Answers(capacity=2)
    first, again, other, third = (Query(i, i, str(i), n) for i, n in enumerate("aabc"))

    def first_asking(query: Query) -> bool:
        return answers.get_or_put(query, batch._Answer)[1]

    assert first_asking(first) and not first_asking(again)
    assert first_asking(other) and first_asking(third)  # "a" is dropped for "c"
    assert first_asking(Query(9, 9, "9", "a"))


def test_tables_are_loaded_before_forking_only_for_a_large_input(
    tmp_path: Path, engine: Screener, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded: list[bool] = []
    monkeypatch.setattr(engine, "load_tables", lambda: loaded.append(True), raising=False)
    small = _big_input(tmp_path / "small.csv", 20)
    run_batch(small, tmp_path / "a.csv", screener=engine, workers=2, start="fork")
    assert loaded == []
    large = _big_input(tmp_path / "large.csv", 20_000)
    assert large.stat().st_size >= batch.LOAD_TABLES_FROM_BYTES
    run_batch(large, tmp_path / "b.csv", screener=engine, workers=2, start="fork")
    assert loaded == [True]


# --- columns ---------------------------------------------------------------------------------


def test_missing_name_column_lists_the_available_columns(
    tmp_path: Path, screener: FakeScreener
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,company,country\n1,Acme,US\n", encoding="utf-8")
    with pytest.raises(
        SourceError, match="no such column; the columns are 'id', 'company', 'country'"
    ):
        run_batch(source, tmp_path / "out.csv", screener=screener, workers=1)
    report = run_batch(
        source, tmp_path / "out.csv", screener=screener, workers=1, name_col="COMPANY"
    )
    assert report.rows_screened == 1


def test_an_explicitly_named_optional_column_must_exist(
    tmp_path: Path, screener: FakeScreener
) -> None:
    with pytest.raises(SourceError, match="'customer_no'"):
        run_batch(
            FIXTURES / "customers.csv",
            tmp_path / "out.csv",
            screener=screener,
            workers=1,
            id_col="customer_no",
        )
    assert not (tmp_path / "out.csv").exists()


def test_no_errors_file_when_every_row_is_good_and_a_stale_one_is_removed(
    tmp_path: Path, screener: FakeScreener
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("name\nHuawei\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    stale = Path(f"{output}.errors.csv")
    stale.write_text("row,line,field,reason\n1,2,name,empty name\n")
    report = run_batch(source, output, screener=screener, workers=1)
    assert report.errors_path is None and report.bad_rows == 0
    assert not stale.exists()


def test_factory_is_called_once_and_only_after_the_outputs_are_checked(tmp_path: Path) -> None:
    calls: list[int] = []

    def factory() -> FakeScreener:
        calls.append(1)
        return FakeScreener(fixture_entries())

    with pytest.raises(SourceError, match="unknown output format"):
        run_batch(FIXTURES / "customers.csv", tmp_path / "out.txt", screener_factory=factory)
    assert calls == []
    run_batch(FIXTURES / "customers.csv", tmp_path / "out.csv", screener_factory=factory, workers=1)
    assert calls == [1]


def test_screener_failure_writes_nothing(tmp_path: Path) -> None:
    broken = FakeScreener(fixture_entries(), fail_on="Inspur Group")
    output = tmp_path / "out.csv"
    with pytest.raises(RuntimeError, match="cannot screen 'Inspur Group'"):
        run_batch(FIXTURES / "customers.csv", output, screener=broken, workers=2, chunk_size=2)
    assert list(tmp_path.iterdir()) == []


# --- pool, order and laziness ----------------------------------------------------------------


def _big_input(path: Path, rows: int) -> Path:
    names = ["Huawei Technologies", "Siemens AG", "Inspur Group", "Ivan Sidorov", "Acme"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("id,name\n")
        for i in range(rows):
            handle.write(f"r{i},{names[i % len(names)]} {i % 7}\n" if i % 97 else f"r{i},\n")
    return path


def test_worker_pool_output_equals_single_process_output_in_input_order(
    tmp_path: Path, screener: FakeScreener
) -> None:
    source = _big_input(tmp_path / "in.csv", 3_000)
    single = run_batch(source, tmp_path / "one.csv", screener=screener, workers=1, chunk_size=64)
    pooled = run_batch(source, tmp_path / "two.csv", screener=screener, workers=2, chunk_size=64)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    assert single.errors_path and pooled.errors_path
    assert single.errors_path.read_bytes() == pooled.errors_path.read_bytes()
    ids = [int(r["input_id"][1:]) for r in read_csv(tmp_path / "two.csv")]
    assert ids == sorted(ids) and len(set(ids)) > 1_000  # many chunks, each in its place
    assert pooled.bad_rows == len(range(0, 3_000, 97))


def test_chunks_are_pulled_from_the_input_only_as_needed() -> None:
    pulled = 0

    def items() -> Iterator[Query | BadRow]:
        nonlocal pulled
        for i in range(1, 10_000):
            pulled += 1
            yield (
                BadRow(i, i, "name", "empty name")
                if i % 10 == 0
                else Query(i, i + 1, str(i), f"n{i}")
            )

    chunks = chunked(items(), 100)
    first = next(chunks)
    assert pulled == 100 and first.size == 100 and first.last_row == 100
    assert len(first.bad) == 10
    assert next(chunks).last_row == 200 and pulled == 200


def test_the_pool_keeps_a_bounded_number_of_chunks_in_flight(
    tmp_path: Path, screener: FakeScreener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays flat in N: the reader is never more than the in-flight window ahead."""
    source = _big_input(tmp_path / "in.csv", 5_000)
    pulled = 0
    real_queries = batch._queries

    def counting(*args: Any) -> Iterator[Query | BadRow]:
        nonlocal pulled
        for item in real_queries(*args):
            pulled += 1
            yield item

    monkeypatch.setattr(batch, "_queries", counting)
    leads: list[int] = []

    def progress(update: BatchProgress) -> None:
        leads.append(pulled - update.rows_done)

    workers, chunk = 2, 50
    run_batch(
        source,
        tmp_path / "out.csv",
        screener=screener,
        workers=workers,
        chunk_size=chunk,
        progress=progress,
    )
    assert len(leads) == 5_000 // chunk
    assert max(leads) <= 2 * workers * chunk
    assert leads[0] < 5_000 // 2


def test_progress_reports_rows_done_and_an_estimated_total(
    tmp_path: Path, screener: FakeScreener
) -> None:
    rows = 20_000  # large enough that the reader's block read-ahead is a small error
    source = _big_input(tmp_path / "in.csv", rows)
    updates: list[BatchProgress] = []
    run_batch(
        source,
        tmp_path / "out.csv",
        screener=screener,
        workers=1,
        chunk_size=5_000,
        progress=updates.append,
    )
    assert [u.rows_done for u in updates] == [5_000, 10_000, 15_000, 20_000]
    totals = [u.rows_total for u in updates]
    assert all(t is not None and 0.9 * rows <= t <= 1.1 * rows for t in totals), totals
    assert totals[-1] == rows
    assert updates[-1].bad_rows == len(range(0, rows, 97))


# --- Ctrl-C ----------------------------------------------------------------------------------

_INTERRUPTED_RUN = """
import json, sys
from pathlib import Path
from exportscreen.screening.batch import run_batch
from tests.screening.test_batch import FakeScreener, fixture_entries

def progress(update):
    print("progress", update.rows_done, flush=True)

report = run_batch(
    Path(sys.argv[1]), Path(sys.argv[2]), screener=FakeScreener(fixture_entries(), delay=0.002),
    workers=2, chunk_size=100, progress=progress,
)
print("report", json.dumps({"rows_read": report.rows_read, "interrupted": report.interrupted}))
"""


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_sigint_leaves_a_valid_prefix_of_the_full_result(
    tmp_path: Path, screener: FakeScreener, suffix: str
) -> None:
    rows = 20_000  # ~20 s of screening at the fake's delay: far longer than the test waits
    source = _big_input(tmp_path / "in.csv", rows)
    output = tmp_path / f"out{suffix}"
    process = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED_RUN, str(source), str(output)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("progress"):
            process.send_signal(signal.SIGINT)
            break
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    report = json.loads(out.strip().splitlines()[-1].removeprefix("report "))
    assert report["interrupted"] is True
    done = report["rows_read"]
    assert 0 < done < rows

    # The same first `done` rows, screened to completion, give exactly the partial output.
    prefix = tmp_path / "prefix.csv"
    with source.open(encoding="utf-8") as handle:
        prefix.write_text("".join(line for _, line in zip(range(done + 1), handle, strict=False)))
    run_batch(prefix, tmp_path / f"expected{suffix}", screener=screener, workers=1)
    with open_table(output) as partial, open_table(tmp_path / f"expected{suffix}") as expected:
        wanted = range(len(OUTPUT_NAMES))
        assert list(partial.rows(wanted)) == list(expected.rows(wanted))
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert leftovers == []


# --- real lists ------------------------------------------------------------------------------


@pytest.mark.shared
def test_listed_names_from_a_real_csl_file_find_their_own_entries(
    tmp_path: Path, raw_dir: Path
) -> None:
    from exportscreen.sources import parse

    entries = parse(raw_dir / "watchman" / "csl" / "csl_sample_2019-12.csv").entries
    assert len(entries) > 100
    real = Screener.from_entries(entries)
    source = tmp_path / "listed.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name"])
        writer.writerows((entry.id, entry.name) for entry in entries)
    output = tmp_path / "hits.parquet"
    report = run_batch(source, output, screener=real, workers=2, chunk_size=16)
    assert report.rows_read == len(entries) and report.bad_rows == 0
    found: dict[str, set[str]] = {}
    for row in pq.read_table(output).to_pylist():
        found.setdefault(row["input_id"], set()).add(row["entry_id"])
    missed = [e.id for e in entries if e.id not in found.get(e.id, set())]
    assert missed == []


def test_qualifier_columns_are_read_when_present(tmp_path: Path, engine: Screener) -> None:
    # SDN-petrov is listed with country RU and no date of birth or nationality of its own: a
    # nationality elsewhere lowers the score (the entry's countries stand in), a date of birth
    # cannot, and an unknown nationality is a bad row naming its column.
    source = tmp_path / "people.csv"
    source.write_text(
        "id,name,date_of_birth,Citizenship\n"
        "P-1,Ivan Sidorov,1961,RU\n"
        "P-2,Ivan Sidorov,1961,BR\n"
        "P-3,Ivan Sidorov,,Atlantis\n",
        encoding="utf-8",
    )
    output = tmp_path / "hits.csv"
    report = run_batch(
        source,
        output,
        screener=engine,
        workers=1,
        qualifier_cols={"nationality": "Citizenship"},
        threshold=0.0,
    )
    scores = {r["input_id"]: float(r["score"]) for r in read_csv(output) if r["rank"] == "1"}
    assert scores["P-1"] == 1.0
    assert scores["P-2"] == pytest.approx(0.9)
    assert "P-3" not in scores
    errors = read_csv(report.errors_path)
    assert [(e["row"], e["field"]) for e in errors] == [("3", "Citizenship")]
    with pytest.raises(ValueError, match="unknown qualifier"):
        run_batch(source, output, screener=engine, workers=1, qualifier_cols={"eye_colour": "x"})
