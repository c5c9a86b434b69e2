"""Candidate routes passed between batch workers: taken routes give the same hits as routes
worked out, a spool is read whole records at a time, and a pooled run over real lists and real
customer names writes what one process writes."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from exportscreen.matching import index as index_module
from exportscreen.screening import batch
from exportscreen.screening.batch import run_batch
from exportscreen.screening.route_exchange import RouteSpool, SharesRoutes
from exportscreen.screening.screener import Screener
from exportscreen.sources import parse

YENTE = Path("yente/candidate_generation_benchmark/negatives_global.csv")


@pytest.fixture(scope="module")
def real_lists(raw_dir: Path) -> tuple[bytes, list[str]]:
    """A real list file's index, and some of its names written as a customer file would."""
    entries = parse(raw_dir / "watchman" / "csl" / "csl_sample_2019-12.csv").entries
    listed = [entry.name.upper() for entry in entries[::40]]
    return Screener.from_entries(entries).to_bytes(), listed


def customer_names(eval_dir: Path, count: int) -> list[str]:
    with (eval_dir / YENTE).open(encoding="utf-8", newline="") as handle:
        return [row["full_name"] for row in itertools.islice(csv.DictReader(handle), count)]


def screened(screener: Screener, names: list[str]) -> list[list[tuple[str, float, str]]]:
    out = []
    for name in names:
        try:
            hits = screener.screen(name, threshold=0.5)
        except ValueError as error:
            out.append([("refused", 0.0, str(error))])
            continue
        out.append([(h.entry.id, h.score, h.explanation.summary) for h in hits])
    return out


@pytest.mark.shared
def test_routes_taken_from_another_screener_give_the_same_hits_without_being_worked_out(
    real_lists: tuple[bytes, list[str]],
    eval_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_bytes, listed = real_lists
    names = [*customer_names(eval_dir, 400), *listed]
    teacher, learner, plain = (Screener.from_bytes(real_bytes) for _ in range(3))
    assert isinstance(teacher, SharesRoutes)
    teacher.share_routes()
    learner.share_routes()
    expected = screened(plain, names)
    assert all(expected[-len(listed) :]), "listed names find their entries"
    assert screened(teacher, names) == expected

    RouteSpool(tmp_path, teacher).send_out()
    taken = RouteSpool(tmp_path, learner)
    taken.own = tmp_path / "learner.routes"  # in one process both spools are named alike
    assert taken.take_in() > 100
    # The very arrays, to the bit (a one-word route's masses are spooled as one number).
    kept, learnt = teacher.index.route_cache.routes, learner.index.route_cache.routes
    assert kept.keys() == learnt.keys()
    for token, routes in kept.items():
        other = learnt[token]
        if routes is None or other is None:
            assert routes is other
            continue
        for mine, theirs in zip(routes, other, strict=True):
            assert mine.dtype == theirs.dtype and mine.tobytes() == theirs.tobytes()
            assert not theirs.flags.writeable

    # Every token's routes are there already: none is worked out again, hits unchanged.
    worked_out: list[str] = []
    reachable = index_module.MatchIndex.reachable_words

    def counting(self: index_module.MatchIndex, key: str, *args: object) -> object:
        worked_out.append(key)
        return reachable(self, key, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(index_module.MatchIndex, "reachable_words", counting)
    assert screened(learner, names) == expected
    assert worked_out == []
    assert learner.learnt_routes() == []
    assert taken.take_in() == 0, "a record is read once"


def test_a_record_being_written_is_read_once_it_is_whole(tmp_path: Path) -> None:
    class Learnt:
        def __init__(self) -> None:
            self.adopted: list[object] = []

        def share_routes(self) -> None: ...
        def learnt_routes(self) -> list[object]:
            return []

        def adopt_routes(self, learnt: list[object]) -> int:
            self.adopted.extend(learnt)
            return len(learnt)

    writer = RouteSpool(tmp_path, Learnt())  # type: ignore[arg-type]
    reader = RouteSpool(tmp_path, Learnt())  # type: ignore[arg-type]
    reader.own = tmp_path / "reader.routes"
    writer.publish([(("abc", None, 1.0, ""), None)])  # type: ignore[list-item]
    whole = writer.own.read_bytes()
    writer.own.write_bytes(whole[:-3])  # the writer is still at it
    assert reader.collect() == []
    writer.own.write_bytes(whole + whole)
    assert len(reader.collect()) == 2
    assert reader.collect() == []
    writer.max_bytes = writer.written
    writer.publish([(("def", None, 1.0, ""), None)])  # type: ignore[list-item]
    assert reader.collect() == [], "a full spool takes no more"


@pytest.mark.shared
@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_a_pooled_run_over_real_names_writes_what_one_process_writes(
    real_lists: tuple[bytes, list[str]],
    eval_dir: Path,
    tmp_path: Path,
    start: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_bytes, listed = real_lists
    source = tmp_path / "customers.csv"
    names = [*customer_names(eval_dir, 600), *listed, *listed]
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name"])
        writer.writerows((i, name) for i, name in enumerate(names))
    screener = Screener.from_bytes(real_bytes)
    run_batch(source, tmp_path / "one.csv", screener=screener, workers=1, threshold=0.5)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(batch.tempfile, "tempdir", str(temp))
    run_batch(
        source,
        tmp_path / "two.csv",
        screener=Screener.from_bytes(real_bytes),
        workers=2,
        chunk_size=25,
        threshold=0.5,
        start=start,
    )
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    rows = list(csv.DictReader((tmp_path / "two.csv").open(encoding="utf-8")))
    assert sum(1 for r in rows if r["entry_id"]) >= 2 * len(listed)
    assert not list(temp.iterdir()), "the run's spool folder is gone with it"


def test_a_spool_that_cannot_be_written_stops_without_failing(tmp_path: Path) -> None:
    class Nothing:
        def share_routes(self) -> None: ...
        def learnt_routes(self) -> list[object]:
            return []

        def adopt_routes(self, learnt: list[object]) -> int:
            return 0

    spool = RouteSpool(tmp_path / "gone", Nothing())  # type: ignore[arg-type]
    spool.publish([(("abc", None, 1.0, ""), None)])  # type: ignore[list-item]
    assert spool.max_bytes == 0 and spool.written == 0
    assert spool.collect() == []


def test_without_a_temporary_folder_the_workers_share_nothing_and_write_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.screening.test_batch import FIXTURES, fixture_entries

    engine = Screener.from_entries(fixture_entries())
    run_batch(FIXTURES / "customers.csv", tmp_path / "one.csv", screener=engine, workers=1)
    monkeypatch.setattr(batch.tempfile, "tempdir", str(tmp_path / "missing"))
    run_batch(
        FIXTURES / "customers.csv", tmp_path / "two.csv", screener=engine, workers=2, chunk_size=2
    )
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
