"""The index's plain containers (``postings``)."""

from __future__ import annotations

import pytest

from exportscreen.matching.postings import WordNeighbours

ROWS = [
    {3: 0.75, 1: 0.9, 2: 0.75},  # kept in the order given, not sorted
    {},
    {0: 0.1 + 0.2, 4: 0.7200000000000001},  # floats come back to the last bit
    {2: 1.0},
    {},
]


def test_word_neighbours_give_back_each_row_as_given() -> None:
    neighbours = WordNeighbours.of(iter(ROWS))
    for word, row in enumerate(ROWS):
        assert list(neighbours.row(word).items()) == list(row.items())
    # Stored narrow: five word ids and five distinct similarities fit in a byte each.
    assert neighbours.words.itemsize == neighbours.codes.itemsize == 1
    assert len(neighbours.values) == 5


@pytest.mark.parametrize("count", [255, 256, 70_000])
def test_word_neighbours_widen_for_many_words(count: int) -> None:
    rows = [{count - 1: 0.5}, *({} for _ in range(count - 1))]
    neighbours = WordNeighbours.of(rows)
    assert neighbours.row(0) == {count - 1: 0.5}
    assert neighbours.row(count - 1) == {}
