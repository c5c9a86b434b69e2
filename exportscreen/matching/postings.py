"""How the index stores its postings, its entries and its recently used routes.

Plain containers with no matching logic: string keys to lists of ints in one array
(``KeyedPostings``), entries unpickled when first needed (``LazyEntries``), and a bounded
cache of the names each recent query token reaches (``RouteCache``).
"""

from __future__ import annotations

import pickle
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from exportscreen.matching.analyze import TokenKind
from exportscreen.model import Entry

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
# Names reached, the query mass each brings, and the most of each name's own weight the reached
# words can cover (for a bound of the scorer's recall).
Routes = tuple[IntArray, FloatArray, FloatArray]

# Query tokens whose candidate routes are kept, and the most names all kept routes may hold
# (20 bytes each: a bulk run's worker keeps up to about 80 MB of routes).
ROUTE_CACHE_TOKENS = 65_536
ROUTE_CACHE_NAMES = 4_000_000

_EMPTY: IntArray = np.zeros(0, dtype=np.int32)


def csr(lists: Sequence[Sequence[int]]) -> tuple[IntArray, IntArray]:
    offsets = np.zeros(len(lists) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum([len(x) for x in lists], dtype=np.int64)
    flat = np.fromiter((i for x in lists for i in x), dtype=np.int32, count=int(offsets[-1]))
    return offsets, flat


@dataclass(slots=True)
class KeyedPostings:
    """String keys to lists of ints, stored as one array (loads in microseconds, unlike a dict
    of tuples)."""

    slots: dict[str, int]
    offsets: IntArray
    flat: IntArray

    @classmethod
    def of(cls, mapping: dict[str, list[int]]) -> KeyedPostings:
        offsets, flat = csr(list(mapping.values()))
        return cls({key: i for i, key in enumerate(mapping)}, offsets, flat)

    def get(self, key: str) -> IntArray:
        slot = self.slots.get(key)
        if slot is None:
            return _EMPTY
        return self.flat[self.offsets[slot] : self.offsets[slot + 1]]


@dataclass(slots=True)
class WordNeighbours:
    """Per word id, other word ids with a similarity each, in the order found (CSR: the row of
    word ``w`` is ``offsets[w]:offsets[w + 1]`` of ``words`` and ``codes``). Arrays only, of
    the least width that holds them: a dict per word would cost a pickled object each to store
    and to load. The similarities are few distinct floats (ratios of small lengths): stored
    once in ``values``, by position in ``codes``, they come back as the very same floats."""

    offsets: IntArray
    words: npt.NDArray[np.unsignedinteger[Any]]
    codes: npt.NDArray[np.unsignedinteger[Any]]
    values: FloatArray

    @classmethod
    def of(cls, rows: Iterable[dict[int, float]]) -> WordNeighbours:
        lengths = [0]
        words = array("q")
        similarities = array("d")
        for row in rows:
            lengths.append(len(row))
            words.extend(row)
            similarities.extend(row.values())
        offsets = np.cumsum(lengths, dtype=np.int64).astype(np.int32)
        values, codes = np.unique(np.array(similarities, dtype=np.float64), return_inverse=True)
        as_words = np.array(words, dtype=np.int64)
        return cls(
            offsets,
            as_words.astype(np.min_scalar_type(max(len(lengths) - 1, 0))),
            codes.astype(np.min_scalar_type(max(len(values) - 1, 0))),
            values,
        )

    def row(self, word: int) -> dict[int, float]:
        """Word ``word``'s neighbours and similarities, in the order given to ``of``."""
        start, end = int(self.offsets[word]), int(self.offsets[word + 1])
        return dict(
            zip(
                self.words[start:end].tolist(),
                self.values[self.codes[start:end]].tolist(),
                strict=True,
            )
        )


class LazyEntries(Sequence[Entry]):
    """The indexed entries, unpickled one by one when first needed: a screener shipped to a
    worker only pays for the entries its hits show."""

    def __init__(self, entries: list[Entry] | None = None, blobs: list[bytes] | None = None):
        if entries is not None:
            self._cache: dict[int, Entry] = dict(enumerate(entries))
            self._blobs: list[bytes] | None = None
            self._count = len(entries)
        else:
            self._cache = {}
            self._blobs = blobs or []
            self._count = len(self._blobs)

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, position: int) -> Entry: ...
    @overload
    def __getitem__(self, position: slice) -> list[Entry]: ...
    def __getitem__(self, position: int | slice) -> Entry | list[Entry]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(self._count))]
        if position < 0:
            position += self._count
        found = self._cache.get(position)
        if found is None:
            if self._blobs is None or not 0 <= position < self._count:
                raise IndexError(position)
            found = self._cache[position] = pickle.loads(self._blobs[position])
        return found

    def blobs(self) -> list[bytes]:
        if self._blobs is None:
            self._blobs = [
                pickle.dumps(self._cache[i], protocol=pickle.HIGHEST_PROTOCOL)
                for i in range(self._count)
            ]
        return self._blobs


RouteKey = tuple[str, TokenKind, float, str]  # a query token: key, kind, weight, consonants
# Tokens and their routes, as one cache learnt them for another (``RouteCache.take_learnt``).
LearntRoutes = list[tuple[RouteKey, Routes | None]]


@dataclass(slots=True)
class RouteCache:
    """Routes of recently seen query tokens: the names of a customer file share most of their
    words. The least recently used go first beyond ``max_tokens`` tokens or ``max_names``
    names held in all. Safe to share between threads (an API's batch jobs screen beside its
    requests)."""

    max_tokens: int = ROUTE_CACHE_TOKENS
    max_names: int = ROUTE_CACHE_NAMES
    routes: OrderedDict[RouteKey, Routes | None] = field(default_factory=OrderedDict)
    names_held: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    # When a list: every token put since the last ``take_learnt``, with its routes (a batch
    # worker sends them to the other workers, which then need not work them out again).
    learnt: LearntRoutes | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.routes)

    def get(self, token: RouteKey) -> tuple[bool, Routes | None]:
        """(known, routes): known is False when the token's routes are not kept."""
        with self.lock:
            # One lookup on the common path (a kept token), not a test and then a read.
            try:
                routes = self.routes[token]
            except KeyError:
                return False, None
            self.routes.move_to_end(token)
            return True, routes

    def put(self, token: RouteKey, routes: Routes | None) -> None:
        with self.lock:
            if self.learnt is not None:
                self.learnt.append((token, routes))
            self._put(token, routes)

    def _put(self, token: RouteKey, routes: Routes | None) -> None:
        previous = self.routes.pop(token, None)
        if previous is not None:
            self.names_held -= len(previous[0])
        self.routes[token] = routes
        self.names_held += 0 if routes is None else len(routes[0])
        while len(self.routes) > self.max_tokens or (
            self.names_held > self.max_names and len(self.routes) > 1
        ):
            _, dropped = self.routes.popitem(last=False)
            self.names_held -= 0 if dropped is None else len(dropped[0])

    def learn(self) -> None:
        """From now on, keep the tokens put for ``take_learnt``."""
        with self.lock:
            if self.learnt is None:
                self.learnt = []

    def take_learnt(self) -> LearntRoutes:
        """The tokens put since the last call, with their routes (none unless ``learn``)."""
        with self.lock:
            taken = self.learnt or []
            if self.learnt is not None:
                self.learnt = []
            return taken

    def adopt(self, learnt: LearntRoutes) -> int:
        """Keep the routes another cache of the same index worked out (its ``take_learnt``) for
        the tokens not kept here: a token's routes depend on the index alone, so they are the
        ones this cache would work out. They are not learnt again. Returns how many were new."""
        adopted = 0
        with self.lock:
            for token, routes in learnt:
                if token not in self.routes:
                    self._put(token, routes)
                    adopted += 1
        return adopted

    def clear(self) -> None:
        with self.lock:
            self.routes.clear()
            self.names_held = 0

    def after_fork(self) -> None:
        """In a forked child: a new lock, since another thread of the parent may have held the
        old one at the fork (the child has no such thread to release it)."""
        self.lock = threading.Lock()
