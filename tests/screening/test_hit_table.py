"""Output rows for one query, and answers reused for repeated queries in a bulk run."""

from __future__ import annotations

import pytest

from exportscreen.model import EntryType, Hit
from exportscreen.screening.hit_table import (
    QueryError,
    RepeatedQueries,
    make_query,
    rows_for,
    screen_query,
)
from exportscreen.screening.screener import Screener
from tests.matching.conftest import fixture_entries


class CountingScreener:
    """A real screener that counts the names it was asked to screen."""

    def __init__(self) -> None:
        self.inner = Screener.from_entries(fixture_entries())
        self.asked: list[str] = []

    def screen(
        self,
        name: str,
        country: str | None = None,
        type: str | EntryType | None = None,
        limit: int = 10,
        threshold: float | None = None,
    ) -> list[Hit]:
        self.asked.append(name)
        return self.inner.screen(name, country, type, limit, threshold)


@pytest.fixture(scope="module")
def screener() -> CountingScreener:
    return CountingScreener()


def test_a_repeated_query_is_answered_without_screening_again(screener: CountingScreener) -> None:
    repeats = RepeatedQueries()
    first = make_query(1, 2, "a", "Inspur Group")
    again = make_query(7, 8, "b", "Inspur  Group")  # the same name, spaced differently
    screener.asked.clear()
    rows_first = screen_query(screener, first, repeats=repeats)
    rows_again = screen_query(screener, again, repeats=repeats)
    assert screener.asked == ["Inspur Group"]
    assert rows_first, "the fixture lists Inspur Group"
    assert [r[1:] for r in rows_again] == [r[1:] for r in rows_first]
    assert {r[0] for r in rows_again} == {"b"}  # each row keeps its own input id
    assert repeats.reused == 1


@pytest.mark.parametrize(
    ("other", "why"),
    [
        ({"country": "CN"}, "a country changes the qualifiers"),
        ({"type": "person"}, "a type changes the qualifiers"),
    ],
)
def test_queries_differing_in_a_qualifier_are_screened_apart(
    screener: CountingScreener, other: dict[str, str], why: str
) -> None:
    repeats = RepeatedQueries()
    screener.asked.clear()
    screen_query(screener, make_query(1, 2, "a", "Inspur Group"), repeats=repeats)
    screen_query(screener, make_query(2, 3, "b", "Inspur Group", **other), repeats=repeats)
    assert len(screener.asked) == 2, why


def test_a_refused_name_is_refused_again_from_the_cache(screener: CountingScreener) -> None:
    repeats = RepeatedQueries()
    screener.asked.clear()
    errors = []
    for row in (1, 2):
        with pytest.raises(QueryError) as caught:
            screen_query(screener, make_query(row, row, str(row), "---"), repeats=repeats)
        errors.append(caught.value)
    assert screener.asked == ["---"]
    assert errors[0] is not errors[1]
    assert errors[0].role == errors[1].role == "name"
    assert errors[0].reason == errors[1].reason


def test_the_oldest_answers_go_first_beyond_capacity(screener: CountingScreener) -> None:
    repeats = RepeatedQueries(capacity=2)
    for name in ("Inspur Group", "Acme Widgets", "Zhipu Huazhang"):
        screen_query(screener, make_query(1, 1, "x", name), repeats=repeats)
    assert [key[0] for key in repeats.answers] == ["Acme Widgets", "Zhipu Huazhang"]


def test_best_only_gives_one_row_even_without_a_hit(screener: CountingScreener) -> None:
    query = make_query(1, 1, "x", "Acme Widgets", type="company")
    assert query.type is EntryType.ENTITY
    assert rows_for(query, [], best_only=True) == [("x", "Acme Widgets") + (None,) * 9]
