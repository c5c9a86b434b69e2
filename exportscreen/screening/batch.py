"""Screen a whole customer or supplier file on every core, in constant memory.

The input is streamed in chunks; each chunk is screened in a worker process; results are written
in input order as chunks finish. Called from a program's main thread on a system that can fork,
the workers are forked once the screener is built and share its index with this process
(copy-on-write): they start in milliseconds, with the routes this process already learnt.
Elsewhere (a server's job thread, Windows, macOS' default) each worker is a fresh interpreter
that receives the screener once, as bytes. Either way the workers pass each other the candidate
routes they work out, through spool files in a temporary folder of the run (``route_exchange``):
a word's routes are worked out once per run, not once per worker.
A row that repeats an earlier row's query (name, country, type and qualifiers: a customer file's
duplicates) is not screened again: this process answers it from the first one's outcome,
whichever worker screened that.
At most ``2 × workers`` chunks are in flight, so memory does not grow with the file.

Rows that cannot be screened go to an errors file with their row number and reason, and the run
goes on. Ctrl-C (SIGINT) or SIGTERM stops reading, finishes the chunks already being screened,
and leaves a complete output of every row up to the last one done.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from exportscreen.model import PartyScreener
from exportscreen.screening.hit_table import (
    OUTPUT_COLUMNS,
    OutputRow,
    Query,
    QueryError,
    RepeatedQueries,
    ShippableScreener,
    make_query,
    screen_query,
)
from exportscreen.screening.route_exchange import RouteSpool, SharesRoutes
from exportscreen.screening.tabular import (
    BadRow,
    Column,
    ColumnKind,
    ColumnRole,
    ReadLimits,
    Row,
    TableSource,
    TableWriter,
    open_table,
    open_writer,
    resolve_columns,
)
from exportscreen.sources.common import SourceError

DEFAULT_CHUNK_SIZE = 500
# From this input size, forked workers share tables the matcher loads on first use, loaded
# before the fork (``Screener.load_tables``, about 1 s once the word sets' cache file exists):
# a smaller file may never need them, and each worker loading them costs a large one that much
# CPU per worker.
LOAD_TABLES_FROM_BYTES = 256 * 1024
DEFAULT_LIMIT = 10
ERROR_COLUMNS = (
    Column("row", ColumnKind.INTEGER),
    Column("line", ColumnKind.INTEGER),
    Column("field"),
    Column("reason"),
)


@dataclass(frozen=True, slots=True)
class BatchProgress:
    rows_done: int  # input rows whose outcome is written (screened or reported bad)
    rows_total: int | None  # known up front for Parquet/XLSX, estimated from bytes for text
    hits: int
    bad_rows: int


@dataclass(frozen=True, slots=True)
class BatchReport:
    input_path: Path
    output_path: Path
    errors_path: Path | None  # None when every row was screened
    # Input rows accounted for, screened or bad: every row, or how far an interrupted run got.
    rows_read: int
    rows_screened: int
    rows_written: int  # output rows (with best_only, one per screened row)
    hits_written: int  # output rows that name a listed party
    bad_rows: int
    interrupted: bool
    elapsed_seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class _Options:
    threshold: float | None
    limit: int
    best_only: bool


# What screening one query gave: its output rows, or the (role, reason) it was refused for
# (mapped to a BadRow by the parent, which knows the columns).
_Outcome = list[OutputRow] | tuple[str, str]


@dataclass(slots=True)
class _Answer:
    """The outcome of one distinct query, shared by every row of the run that repeats it. Set
    when the chunk of its first row is written, which is always before the chunks after it."""

    rows: tuple[OutputRow, ...] = ()  # without the first two columns (input id and name)
    refused: tuple[str, str] | None = None
    known: bool = False


# The run's most recent distinct queries: a row repeating one of them is not shipped to a worker.
_Answers = RepeatedQueries[_Answer]


@dataclass(slots=True)
class _Chunk:
    queries: list[Query] = field(default_factory=list)
    # Per query: its answer, and whether this row screens it (the first row asking it).
    answers: list[tuple[_Answer, bool]] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    last_row: int = 0

    @property
    def size(self) -> int:
        return len(self.queries) + len(self.bad)

    def to_screen(self) -> list[Query]:
        return [q for q, (_, first) in zip(self.queries, self.answers, strict=True) if first]


def _screen_all(
    screener: PartyScreener, queries: Sequence[Query], options: _Options
) -> list[_Outcome]:
    """Each query's outcome, in order: what a worker sends back for a chunk."""
    outcomes: list[_Outcome] = []
    for query in queries:
        try:
            outcomes.append(
                screen_query(
                    screener,
                    query,
                    threshold=options.threshold,
                    limit=options.limit,
                    best_only=options.best_only,
                )
            )
        except QueryError as error:
            outcomes.append((error.role, error.reason))
    return outcomes


# --- worker processes ------------------------------------------------------------------------

# Set once per worker process by _start_worker; a pool initializer has no other way to hand
# state to the tasks that run after it.
_worker_screener: PartyScreener | None = None
_worker_options: _Options | None = None
_worker_spool: RouteSpool | None = None


def _start_worker(
    load: Callable[[bytes], PartyScreener],
    payload: bytes,
    options: _Options,
    routes: Path | None = None,
) -> None:
    # A terminal's Ctrl-C reaches the whole process group; the parent alone decides how to stop,
    # and the workers must finish the chunks it still waits for.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _worker_screener, _worker_options
    _worker_screener = load(payload)
    # The loaded index lives as long as the worker: full collections need not walk it.
    gc.freeze()
    _worker_options = options
    _share_routes(_worker_screener, routes)


def _start_forked_worker(
    screener: PartyScreener, options: _Options, routes: Path | None = None
) -> None:
    # A forked child has the parent's screener already; it is handed over in memory, never
    # pickled. A lock some other parent thread held at the fork would stay held here forever:
    # the screener's locks are renewed (only its caches use them).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    renew = getattr(screener, "after_fork", None)
    if renew is not None:
        renew()
    global _worker_screener, _worker_options
    _worker_screener = screener
    _worker_options = options
    _share_routes(screener, routes)


def _share_routes(screener: PartyScreener, folder: Path | None) -> None:
    """Pass the candidate routes this worker works out to the others (``route_exchange``),
    when the screener can (``Screener.share_routes``) and the run shares a folder for them."""
    global _worker_spool
    if isinstance(screener, SharesRoutes) and folder is not None:
        screener.share_routes()
        _worker_spool = RouteSpool(folder, screener)


def _screen_in_worker(queries: list[Query]) -> list[_Outcome]:
    if _worker_screener is None or _worker_options is None:
        raise RuntimeError("worker process was not initialised with a screener")
    if _worker_spool is not None:
        _worker_spool.take_in()
    outcomes = _screen_all(_worker_screener, queries, _worker_options)
    if _worker_spool is not None:
        _worker_spool.send_out()
    return outcomes


# --- reading ---------------------------------------------------------------------------------


# The qualifier columns a file may have besides id, name, country and type, read when present
# under these names (or the names the caller gives).
QUALIFIER_ROLES = ("date_of_birth", "nationality", "identifier", "address")


@dataclass(frozen=True, slots=True)
class _Columns:
    id: int | None
    name: int
    country: int | None
    type: int | None
    names: tuple[str, ...]  # as in the file, for error messages
    # Qualifier role -> column index, for the columns present.
    qualifiers: dict[str, int] = field(default_factory=dict)

    def field(self, role: str) -> str:
        """The file's column for an input role ("name", "country", "type", a qualifier)."""
        index = {"name": self.name, "country": self.country, "type": self.type}.get(role)
        if index is None:
            index = self.qualifiers.get(role)
        return role if index is None else self.names[index]

    def wanted(self) -> list[int | None]:
        return [self.id, self.name, self.country, self.type, *self.qualifiers.values()]


def _resolve_columns(
    source: TableSource,
    id_col: str | None,
    name_col: str | None,
    country_col: str | None,
    type_col: str | None,
    qualifier_cols: Mapping[str, str | None] | None = None,
) -> _Columns:
    named = dict(qualifier_cols or {})
    unknown = set(named) - set(QUALIFIER_ROLES)
    if unknown:
        raise ValueError(f"unknown qualifier columns {sorted(unknown)}; known: {QUALIFIER_ROLES}")
    # A column the caller named must be there; of the defaults, only "name" must.
    found = resolve_columns(
        source.path,
        source.columns,
        [
            ColumnRole(role, wanted or role, required=role == "name" or wanted is not None)
            for role, wanted in (
                ("id", id_col),
                ("name", name_col),
                ("country", country_col),
                ("type", type_col),
                *((role, named.get(role)) for role in QUALIFIER_ROLES),
            )
        ],
    )
    name = found["name"]
    assert name is not None  # resolve_columns raises for a required column
    return _Columns(
        id=found["id"],
        name=name,
        country=found["country"],
        type=found["type"],
        names=source.columns,
        qualifiers={role: index for role in QUALIFIER_ROLES if (index := found[role]) is not None},
    )


def _queries(
    records: Iterable[Row | BadRow], columns: _Columns, wanted: Sequence[int | None]
) -> Iterator[Query | BadRow]:
    position = {index: at for at, index in enumerate(i for i in wanted if i is not None)}

    def value(row: Row, index: int | None) -> str | None:
        return None if index is None else row.values[position[index]]

    for record in records:
        if isinstance(record, BadRow):
            yield record
            continue
        input_id = (value(record, columns.id) or "").strip() or str(record.number)
        try:
            yield make_query(
                record.number,
                record.line,
                input_id,
                value(record, columns.name),
                value(record, columns.country),
                value(record, columns.type),
                qualifiers={
                    role: value(record, index) or "" for role, index in columns.qualifiers.items()
                },
            )
        except QueryError as error:
            yield BadRow(record.number, record.line, columns.field(error.role), error.reason)


def chunked(
    items: Iterable[Query | BadRow], size: int, answers: _Answers | None = None
) -> Iterator[_Chunk]:
    """Chunks of ``size`` input rows, pulled from ``items`` only as each chunk is asked for.

    ``last_row`` counts rows, queries and bad rows alike, in input order. A query already in
    ``answers`` (default: a new one for these items) is marked as a repeat, not to screen."""
    answers = answers if answers is not None else _Answers()
    chunk = _Chunk()
    for count, item in enumerate(items, 1):
        if isinstance(item, BadRow):
            chunk.bad.append(item)
        else:
            chunk.queries.append(item)
            chunk.answers.append(answers.get_or_put(item, _Answer))
        chunk.last_row = count
        if chunk.size >= size:
            yield chunk
            chunk = _Chunk()
    if chunk.size:
        yield chunk


# --- stopping --------------------------------------------------------------------------------


class _StopRequest:
    """SIGINT/SIGTERM noted as a flag, so that the run stops between chunks and never in the
    middle of writing a row."""

    def __init__(self) -> None:
        self.signals = 0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1

    @property
    def requested(self) -> bool:
        return self.signals > 0


@contextmanager
def _catch_stop_signals(stop: _StopRequest) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread; KeyboardInterrupt is
        return  # then handled where it lands, as before
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --- writing ---------------------------------------------------------------------------------


class _Output:
    """The output and errors writers, and the counts the report gives."""

    def __init__(self, output_path: Path, errors_path: Path, columns: _Columns):
        self.columns = columns
        # Fail now, not after an hour of screening, if the errors file cannot be written.
        open_writer(errors_path, ERROR_COLUMNS).discard()
        self.output = open_writer(output_path, OUTPUT_COLUMNS)
        self.errors_path = errors_path
        self.errors: TableWriter | None = None
        self.rows_done = 0
        self.screened = 0
        self.hits = 0
        self.bad = 0

    def write(self, chunk: _Chunk, outcomes: Sequence[_Outcome]) -> None:
        """Write a chunk's rows: ``outcomes`` are those of its queries to screen, in order; its
        other queries repeat an earlier one and are answered from that one's outcome."""
        screened = iter(outcomes)
        rows: list[OutputRow] = []
        bad = list(chunk.bad)
        for query, (answer, first) in zip(chunk.queries, chunk.answers, strict=True):
            if first:
                outcome = next(screened)
                if isinstance(outcome, tuple):
                    answer.refused = outcome
                else:
                    answer.rows = tuple(row[2:] for row in outcome)
                answer.known = True
            if not answer.known:
                raise RuntimeError(f"row {query.row} repeats a query that was never screened")
            if answer.refused is not None:
                role, why = answer.refused
                bad.append(BadRow(query.row, query.line, self.columns.field(role), why))
                continue
            rows.extend((query.input_id, query.name, *rest) for rest in answer.rows)
        if bad:
            if self.errors is None:
                self.errors = open_writer(self.errors_path, ERROR_COLUMNS)
            bad.sort(key=lambda b: b.number)
            self.errors.write([(b.number, b.line, b.field, b.reason) for b in bad])
        self.output.write(rows)
        self.rows_done = chunk.last_row
        self.screened += len(chunk.queries) - (len(bad) - len(chunk.bad))
        self.hits += sum(1 for row in rows if row[2] is not None)
        self.bad += len(bad)

    def commit(self) -> Path | None:
        self.output.commit()
        if self.errors is not None:
            return self.errors.commit()
        # A file left by an earlier run would describe rows this run screened fine.
        self.errors_path.unlink(missing_ok=True)
        return None

    def discard(self) -> None:
        self.output.discard()
        if self.errors is not None:
            self.errors.discard()


# --- the run ---------------------------------------------------------------------------------


def _run_in_process(
    chunks: Iterator[_Chunk],
    screener: PartyScreener,
    options: _Options,
    out: _Output,
    stop: _StopRequest,
    report: Callable[[], None],
) -> None:
    for chunk in chunks:
        out.write(chunk, _screen_all(screener, chunk.to_screen(), options))
        report()
        if stop.requested:
            return


def start_method() -> str:
    """How worker processes start: "fork" from a program's main thread where the system forks
    (the workers share the built index), else "spawn" (a fresh interpreter loads the screener
    from bytes). A server's job thread spawns: threads of its own may hold locks (a database
    pool, logging) at the moment of a fork, and a forked child would wait on them forever."""
    if (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
        and multiprocessing.get_start_method(allow_none=True) in (None, "fork")
    ):
        return "fork"
    return "spawn"


def _run_in_pool(
    chunks: Iterator[_Chunk],
    screener: ShippableScreener,
    options: _Options,
    workers: int,
    out: _Output,
    stop: _StopRequest,
    report: Callable[[], None],
    method: str,
    load_tables: bool = False,
) -> None:
    context = multiprocessing.get_context(method)
    pool: ProcessPoolExecutor
    # Where the workers pass each other the candidate routes they work out (route_exchange):
    # without a temporary folder, each works them all out itself.
    routes: tempfile.TemporaryDirectory[str] | None = None
    with suppress(OSError):
        routes = tempfile.TemporaryDirectory(prefix="exportscreen-routes-")
    folder = Path(routes.name) if routes is not None else None
    if method == "fork":
        # Tables the matcher loads on first use are loaded once here, for every worker to share.
        loader = getattr(screener, "load_tables", None)
        if load_tables and loader is not None:
            loader()
        # The index's objects are moved out of the collector's reach before the fork: a child's
        # full collection would otherwise write to every page of them and so copy the whole
        # index into each worker.
        gc.freeze()
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_forked_worker,
            initargs=(screener, options, folder),
        )
    else:
        load: Callable[[bytes], PartyScreener] = type(screener).from_bytes
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(load, screener.to_bytes(), options, folder),
        )
    in_flight: deque[tuple[_Chunk, Future[list[_Outcome]]]] = deque()
    with pool:
        try:
            for chunk in chunks:
                in_flight.append((chunk, pool.submit(_screen_in_worker, chunk.to_screen())))
                while len(in_flight) >= 2 * workers and not stop.requested:
                    done, future = in_flight.popleft()
                    out.write(done, future.result())
                    report()
                if stop.requested:
                    break
            # Chunks not yet started are dropped; those already running are waited for, so
            # the output ends at the last row of an unbroken run of finished chunks.
            if stop.requested:
                for _, future in in_flight:
                    future.cancel()
            while in_flight and stop.signals < 2:
                done, future = in_flight.popleft()
                if future.cancelled():
                    break
                out.write(done, future.result())
                report()
        except BrokenProcessPool as error:
            raise RuntimeError(
                "a screening worker process died (out of memory, or killed); nothing was written"
            ) from error
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if routes is not None:
                routes.cleanup()
            if method == "fork":
                gc.unfreeze()


def run_batch(
    input_path: Path,
    output_path: Path,
    *,
    screener: ShippableScreener | None = None,
    screener_factory: Callable[[], ShippableScreener] | None = None,
    id_col: str | None = None,
    name_col: str | None = None,
    country_col: str | None = None,
    type_col: str | None = None,
    qualifier_cols: Mapping[str, str | None] | None = None,
    threshold: float | None = None,
    workers: int | None = None,
    best_only: bool = False,
    errors_path: Path | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    limit: int = DEFAULT_LIMIT,
    read_limits: ReadLimits | None = None,
    start: str | None = None,
) -> BatchReport:
    """Screen every row of ``input_path`` and write the hits to ``output_path``.

    Give either a ``screener`` or a ``screener_factory`` (called once, here, before any worker
    starts). ``workers`` defaults to every core; with 1 the screening runs in this process.
    ``threshold=None`` uses the screener's default. ``qualifier_cols`` names the file's
    columns for the qualifiers of ``QUALIFIER_ROLES`` (date of birth, nationality, identifier,
    address), read by those names when present and not named. Raises SourceError when the
    input cannot be read at all (unknown format, undecidable encoding, no name column); bad
    rows are not errors: they are counted and written to ``errors_path`` (default
    OUTPUT.errors.csv).
    ``read_limits`` caps the input's rows and inflated size (SourceError past them).
    ``start`` is how worker processes start, "fork" or "spawn" (default: ``start_method()``).
    """
    started = time.perf_counter()
    if (screener is None) == (screener_factory is None):
        raise ValueError("give exactly one of screener and screener_factory")
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    method = start or start_method()
    if method not in multiprocessing.get_all_start_methods() or method == "forkserver":
        raise ValueError(f"start must be 'fork' or 'spawn' where available, not {start!r}")
    # Checked here: the screener's own check would reject every row, one bad row at a time.
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
    input_path, output_path = Path(input_path), Path(output_path)
    if input_path.resolve() == output_path.resolve():
        raise SourceError(output_path, None, None, "the output would overwrite the input")
    errors_path = Path(errors_path) if errors_path else Path(f"{output_path}.errors.csv")
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    options = _Options(threshold=threshold, limit=limit, best_only=best_only)

    with open_table(input_path, read_limits) as source:
        columns = _resolve_columns(source, id_col, name_col, country_col, type_col, qualifier_cols)
        wanted = columns.wanted()
        records = source.rows([i for i in wanted if i is not None])
        # Both outputs are opened before the screener is built, which can take a while: a
        # wrong extension or an unwritable folder is reported at once.
        out = _Output(output_path, errors_path, columns)
        pulled = 0

        def counted() -> Iterator[_Chunk]:
            nonlocal pulled
            for chunk in chunked(_queries(records, columns, wanted), chunk_size):
                pulled = chunk.last_row
                yield chunk

        def report() -> None:
            if progress is None:
                return
            total = source.expected_rows
            if total is None:
                fraction = source.fraction_read()
                total = round(pulled / fraction) if fraction else None
            progress(BatchProgress(out.rows_done, total, out.hits, out.bad))

        stop = _StopRequest()
        try:
            if screener is None:
                assert screener_factory is not None
                screener = screener_factory()
            with _catch_stop_signals(stop):
                if workers == 1:
                    _run_in_process(counted(), screener, options, out, stop, report)
                else:
                    large = input_path.stat().st_size >= LOAD_TABLES_FROM_BYTES
                    _run_in_pool(
                        counted(), screener, options, workers, out, stop, report, method, large
                    )
                written_errors = out.commit()
        except BaseException:
            out.discard()
            raise

    return BatchReport(
        input_path=input_path,
        output_path=output_path,
        errors_path=written_errors,
        rows_read=out.rows_done,
        rows_screened=out.screened,
        rows_written=out.output.rows_written,
        hits_written=out.hits,
        bad_rows=out.bad,
        interrupted=stop.requested,
        elapsed_seconds=time.perf_counter() - started,
    )
