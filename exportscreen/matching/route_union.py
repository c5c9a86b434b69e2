"""How the index merges the names several routes reach: each name once, ascending, with the
routes' masses summed in the order numpy's ``bincount`` sums them, so that every way of merging
gives the same floats to the last bit (the candidates' bounds are compared with the cutoff).
A few names are merged in Python (numpy's call overhead costs more than the work on a few
dozen names: ``index.SMALL_UNION``); more, through one stable sort of the routes' ascending
runs."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from exportscreen.matching.postings import FloatArray, IntArray, Routes

# One route: the mass it brings, the names it reaches, and the listed weight it covers in each.
RoutePart = tuple[float, IntArray, FloatArray]


def _merged(
    names: IntArray,
) -> tuple[npt.NDArray[np.intp], IntArray, npt.NDArray[np.bool_], npt.NDArray[np.intp]]:
    """The stable order of ``names``, them in that order, which of those is a name's first
    occurrence, and each of ``names``' position among the distinct ones (``union_slots``).
    ``take`` and ``compress`` select as indexing does, at a third of its call cost."""
    order = names.argsort(kind="stable")
    ordered = names.take(order)
    first = np.empty(len(ordered), dtype=np.bool_)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    position = first.cumsum()
    position -= 1
    slot = np.empty(len(ordered), dtype=np.intp)
    slot[order] = position
    return order, ordered, first, slot


def union_slots(
    names: IntArray,
) -> tuple[IntArray, npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """``np.unique(names, return_inverse=True, return_index=True)`` without its generality's
    call overhead: the distinct names ascending, for each of ``names`` its position among them,
    and each distinct name's first position in ``names``. ``names`` is the routes' ascending
    runs one after another, which a stable sort (timsort) merges as runs, ten times as fast as
    the quicksort np.unique uses without return_index on a few thousand names."""
    order, ordered, first, slot = _merged(names)
    return ordered.compress(first), slot, order.compress(first)


def union_inverse(names: IntArray) -> tuple[IntArray, npt.NDArray[np.intp]]:
    """``union_slots`` without each distinct name's first position (``candidates`` sums the
    routes' masses and needs no route's own): the distinct names ascending, and for each of
    ``names`` its position among them."""
    _, ordered, first, slot = _merged(names)
    return ordered.compress(first), slot


def repeated(values: IntArray, least: int) -> tuple[IntArray, npt.NDArray[np.intp]]:
    """The distinct ``values`` found at least ``least`` times, ascending, and how many times
    each: ``np.unique(values, return_counts=True)`` kept where the count is at least ``least``,
    without its generality's call overhead (half its time on the few hundred word ids of a
    query word's 3-grams). Sorts ``values`` in place."""
    if not len(values):
        return values, np.zeros(0, dtype=np.intp)
    values.sort()
    # Where each run of equal values starts, and the end of the last.
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1], [True])))
    counts = starts[1:] - starts[:-1]
    enough = (counts >= least).nonzero()[0]
    return values[starts[enough]], counts[enough]


def small_routes(found: list[RoutePart]) -> Routes:
    """``MatchIndex._routes``' union of a few names in Python, heaviest route first in
    ``found``: the same arrays as np.unique's first occurrence and bincount's sums."""
    first_mass: dict[int, float] = {}
    listed: dict[int, float] = {}
    for route_mass, names_of, covered_of in found:
        for name, cover in zip(names_of.tolist(), covered_of.tolist(), strict=True):
            if name in listed:
                listed[name] += cover
            else:
                listed[name] = cover
                first_mass[name] = route_mass
    order = sorted(listed)
    names: IntArray = np.array(order, dtype=np.int32)
    heaviest: FloatArray = np.array([first_mass[name] for name in order], dtype=np.float64)
    covered: FloatArray = np.array([listed[name] for name in order], dtype=np.float64)
    for array in (names, heaviest, covered):
        array.setflags(write=False)
    return names, heaviest, covered


def small_union(
    ids: list[IntArray],
    masses: list[FloatArray],
    covered: list[FloatArray],
    full_weights: list[float],
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """``MatchIndex.candidates``' union of a few names in Python: per name, ascending, its
    mass, listed weight and full weight summed in the routes' order, as bincount sums them."""
    sums: dict[int, list[float]] = {}
    for names_of, mass_of, covered_of, weight in zip(
        ids, masses, covered, full_weights, strict=True
    ):
        for name, mass, cover in zip(
            names_of.tolist(), mass_of.tolist(), covered_of.tolist(), strict=True
        ):
            found = sums.get(name)
            if found is None:
                sums[name] = [mass, cover, weight]
            else:
                found[0] += mass
                found[1] += cover
                found[2] += weight
    order = sorted(sums)
    rows = [sums[name] for name in order]
    return (
        np.array(order, dtype=np.int32),
        np.array([row[0] for row in rows], dtype=np.float64),
        np.array([row[1] for row in rows], dtype=np.float64),
        np.array([row[2] for row in rows], dtype=np.float64),
    )
