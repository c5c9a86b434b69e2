"""Candidate routes one batch worker worked out, passed on to the others.

A query word's candidate routes (``MatchIndex.token_routes``: the listed words its spellings,
keys and equivalences reach, and their names) cost about a millisecond the first time and are
then cached, per process. A batch run's workers each meet most of the file's words, so each
worked out most of the same routes: on yente's 50,000 customers two workers worked out about
26,100 between them, for 16,549 distinct words (17,600 when they share). A token's routes
depend on the index alone, so a worker can take them from another as they are: after each
chunk, a worker appends the routes it learnt (``RouteCache.take_learnt``) to a spool file of its
own in a folder the run shares, and before each chunk it reads what the others appended since
it last looked and keeps the routes it lacks (``RouteCache.adopt``). Hits are the same either
way; only the work is not repeated.

Each record is written once and read once by each other worker, without passing through the
parent (an earlier version sent them through the parent with each chunk: as it cannot tell
which worker takes a chunk, each route went out about five times, and the parent's pickling cost
more than a third of the gain). A spool stops growing at ``MAX_SPOOL_BYTES`` (a worker then works
out the rest itself).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from exportscreen.matching.postings import FloatArray, IntArray, LearntRoutes, RouteKey

# Routes average 2.5-3.5 KB pickled (their names, masses and listed weights): 100,000 Faker rows
# wrote 43 MB per worker, yente's 50,000 customers less. The words worth passing on are the
# common ones, met early in a run; late in a long one most new words are met once, and nobody
# else needs their routes. Capped, a million-row run's spools stay within this per worker
# (in the system's temporary folder, deleted with the run); 32 MB lost about a tenth of what
# sharing saves on 100,000 rows.
MAX_SPOOL_BYTES = 64 * 2**20
_SIZE = 8  # bytes of each record's length, before its pickle
_SUFFIX = ".routes"

# Routes as spooled: a token reached through one word brings the same mass to every name, kept
# as that one number (a third less to write and read).
_Spooled = list[tuple[RouteKey, tuple[IntArray, float | FloatArray, FloatArray] | None]]


def _packed(learnt: LearntRoutes) -> _Spooled:
    out: _Spooled = []
    for token, routes in learnt:
        if routes is None:
            out.append((token, None))
            continue
        names, mass, covered = routes
        bits = mass.view(np.int64)
        # Equal to the last bit, so that np.full gives back the very same array.
        same = len(mass) > 0 and bool((bits == bits[0]).all())
        out.append((token, (names, float(mass[0]) if same else mass, covered)))
    return out


def _unpacked(spooled: _Spooled) -> LearntRoutes:
    out: LearntRoutes = []
    for token, routes in spooled:
        if routes is None:
            out.append((token, None))
            continue
        names, mass, covered = routes
        full = np.full(len(names), mass) if isinstance(mass, float) else mass
        for array in (names, full, covered):
            array.setflags(write=False)  # shared by every later query, as token_routes' are
        out.append((token, (names, full, covered)))
    return out


@runtime_checkable
class SharesRoutes(Protocol):
    """A screener whose candidate routes can be passed between processes
    (``screener.Screener`` is one)."""

    def share_routes(self) -> None: ...
    def learnt_routes(self) -> LearntRoutes: ...
    def adopt_routes(self, learnt: LearntRoutes) -> int: ...


class RouteSpool:
    """One worker's side of the exchange, in ``folder`` (made by the run, private to it)."""

    def __init__(self, folder: Path, screener: SharesRoutes, max_bytes: int = MAX_SPOOL_BYTES):
        self.folder = folder
        self.screener = screener
        self.max_bytes = max_bytes
        self.own = folder / f"{os.getpid()}{_SUFFIX}"
        self.written = 0
        self.read: dict[Path, int] = {}  # another worker's spool -> bytes of it read

    def take_in(self) -> int:
        """Before a chunk: keep the routes the other workers published that this one lacks
        (returns how many)."""
        return self.screener.adopt_routes(self.collect())

    def send_out(self) -> None:
        """After a chunk: publish the routes this worker learnt screening it."""
        self.publish(self.screener.learnt_routes())

    def publish(self, learnt: LearntRoutes) -> None:
        """Append ``learnt`` for the other workers (a worker's routes since its last chunk)."""
        if not learnt or self.written >= self.max_bytes:
            return
        blob = pickle.dumps(_packed(learnt), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            with self.own.open("ab") as handle:
                handle.write(len(blob).to_bytes(_SIZE, "little") + blob)
        except OSError:
            # A full disk costs the other workers these routes, never the run: a record cut
            # short is never read whole, and nothing more is written after it.
            self.max_bytes = 0
            return
        self.written += _SIZE + len(blob)

    def collect(self) -> LearntRoutes:
        """What the other workers published since the last call: whole records only (one being
        written is read next time)."""
        found: LearntRoutes = []
        for path in self.folder.glob(f"*{_SUFFIX}"):
            if path == self.own:
                continue
            start = self.read.get(path, 0)
            try:
                with path.open("rb") as handle:
                    handle.seek(start)
                    data = handle.read()
            except OSError:
                continue  # gone with the run's folder: nothing more to take
            at = 0
            while len(data) - at >= _SIZE:
                size = int.from_bytes(data[at : at + _SIZE], "little")
                if len(data) - at - _SIZE < size:
                    break
                record = memoryview(data)[at + _SIZE : at + _SIZE + size]
                found.extend(_unpacked(pickle.loads(record)))
                at += _SIZE + size
            self.read[path] = start + at
        return found
