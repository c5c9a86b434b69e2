"""Merging the names of several routes gives numpy's answers (``matching.route_union``); the
Python and numpy paths of the candidates' union are compared in ``test_index``."""

from __future__ import annotations

import numpy as np
import pytest

from exportscreen.matching.route_union import repeated, union_inverse, union_slots


@pytest.mark.parametrize(
    "names",
    [
        [7],
        [3, 3, 3],
        [1, 4, 9, 2, 4, 8, 0, 9],  # ascending runs, as the routes' names come
        [5, 1, 5, 0, 2, 1],  # any order
        list(range(300, 0, -3)) + list(range(0, 400, 2)),
    ],
)
def test_the_union_of_routes_is_numpys_unique(names: list[int]) -> None:
    array = np.array(names, dtype=np.int32)
    reached, slot, first = union_slots(array)
    expected, index, inverse = np.unique(array, return_index=True, return_inverse=True)
    assert reached.tolist() == expected.tolist()
    assert slot.tolist() == inverse.tolist()
    assert first.tolist() == index.tolist()
    distinct, positions = union_inverse(array)
    assert distinct.tolist() == expected.tolist()
    assert positions.tolist() == inverse.tolist()
    assert distinct.dtype == reached.dtype and positions.dtype == slot.dtype


@pytest.mark.parametrize("least", [1, 2, 3])
@pytest.mark.parametrize(
    "values",
    [
        [],
        [7],
        [3, 3, 3],
        [1, 4, 9, 2, 4, 8, 0, 9, 4],  # ascending runs, as the 3-grams' words come
        list(range(300, 0, -3)) + list(range(0, 400, 2)) + list(range(0, 400, 5)),
    ],
)
def test_values_repeated_are_numpys_unique_counts(values: list[int], least: int) -> None:
    reached, counts = np.unique(np.array(values, dtype=np.int32), return_counts=True)
    found, found_counts = repeated(np.array(values, dtype=np.int32), least)
    assert found.tolist() == reached[counts >= least].tolist()
    assert found_counts.tolist() == counts[counts >= least].tolist()
