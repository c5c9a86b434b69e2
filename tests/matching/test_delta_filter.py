"""The delta re-screen filter walks the index's route table backwards: every counterparty a full
screen hits on a delta name passes it, whichever route the hit came through."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from exportscreen.matching import delta_filter
from exportscreen.matching import index as index_module
from exportscreen.matching.analyze import analyze
from exportscreen.matching.delta_filter import FilterResult, InvertedMaps, delta_names
from exportscreen.matching.routes import ROUTES
from exportscreen.matching.signature import signature
from exportscreen.screening.screener import Screener, candidate_bound

SEED = 11
# Counterparty names that reach a fixture entry through one route each (the route named first).
ROUTE_EXAMPLES = {
    "same word": "Inspur Group",
    "skeleton": "Khoroshev Dmitriy Iurevich",
    "consonants": "Mohamed Zawahri",
    "phonetic": "Timoschenko Yulia",
    "equivalence": "Langchao Software",
    "arabic script": "محمد الظواهري",
    "near words": "Hikvsion Digital Technology",
    # DAWNING by near words, and DAVID (of "David Lee", 0.55) by spelling only: the lists use
    # "david", and the near-word route's shortlist never verifies it.
    "spelled": "Dawnin",
    "contained": "Gazprombankinvest",
    "split": "Zhipuhuazhang Technology",
    "joined pair": "Gazprom Bank",
    "number": "CETC 13",
}


def variants(name: str, rng: random.Random) -> list[str]:
    """The name with a typo, its first two words joined, and its longest word without vowels."""
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    found = []
    word = words[longest]
    if len(word) > 3:
        at = rng.randrange(1, len(word) - 2)
        typo = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        found.append(" ".join([*words[:longest], typo, *words[longest + 1 :]]))
    if len(words) > 1:
        found.append(" ".join([words[0] + words[1], *words[2:]]))
    consonants = word[0] + re.sub(r"[aeiouAEIOU]", "", word[1:])
    found.append(" ".join([*words[:longest], consonants, *words[longest + 1 :]]))
    return found


@pytest.fixture(scope="module")
def counterparties(screener: Screener) -> dict[str, str]:
    """External id -> name: the route examples and variants of every listed name."""
    rng = random.Random(SEED)
    names = dict(ROUTE_EXAMPLES)
    for entry in screener.entries:
        for position, name in enumerate(entry.names):
            names[f"{entry.id}/{position}"] = name
            for number, variant in enumerate(variants(name, rng)):
                names[f"{entry.id}/{position}/{number}"] = variant
    return {party: name for party, name in names.items() if analyze(name).tokens}


def delta_hits(
    screener: Screener, names: dict[str, str], delta: set[str], cutoff: float
) -> set[str]:
    """The counterparties a full screen at ``cutoff`` gives a hit on an entry of ``delta``."""
    return {
        party
        for party, name in names.items()
        if any(h.entry.id in delta for h in screener.screen(name, threshold=cutoff, limit=50))
    }


def filtered(
    screener: Screener, names: dict[str, str], delta: set[str], cutoff: float
) -> FilterResult:
    maps = InvertedMaps.build((party, name, signature(name)) for party, name in names.items())
    index = screener.index
    return maps.filter(index, delta_names(index, delta), cutoff, candidate_bound(cutoff))


def test_the_filter_and_the_index_walk_one_table() -> None:
    assert delta_filter.ROUTES is index_module.ROUTES is ROUTES


def test_every_route_example_is_a_full_screen_hit(screener: Screener) -> None:
    # The examples are checked against the screener, so that they keep meaning something.
    for route, name in ROUTE_EXAMPLES.items():
        assert screener.screen(name, threshold=0.0), (route, name)


@pytest.mark.parametrize("cutoff", [0.0, 0.5, 0.8])
@pytest.mark.parametrize("delta_share", [1.0, 0.5])
def test_the_filter_passes_every_counterparty_a_full_screen_hits(
    screener: Screener, counterparties: dict[str, str], cutoff: float, delta_share: float
) -> None:
    entry_ids = sorted(e.id for e in screener.entries)
    delta = set(random.Random(SEED).sample(entry_ids, round(len(entry_ids) * delta_share)))
    hit = delta_hits(screener, counterparties, delta, cutoff)
    assert hit, "no hit on the delta: the comparison would be empty"
    found = filtered(screener, counterparties, delta, cutoff)
    assert hit <= found.passing, sorted(counterparties[p] for p in hit - found.passing)


def test_a_filter_walking_fewer_routes_than_the_index_misses_hits(
    screener: Screener, counterparties: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a copied table that drifted would do: the filter without the key routes the index
    still walks lets a skeleton, consonant or phonetic hit through no longer."""
    delta = {e.id for e in screener.entries}
    hit = delta_hits(screener, counterparties, delta, 0.0)
    monkeypatch.setattr(delta_filter, "ROUTES", dataclasses.replace(ROUTES, keys=()))
    found = filtered(screener, counterparties, delta, 0.0)
    assert not hit <= found.passing


def test_a_filter_without_the_spelled_route_misses_hits(
    screener: Screener, counterparties: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spelled route reaches words no other route does ("dawnin" / DAVID): the filter must
    walk it backwards too."""
    delta = {"EL-jafar"}
    hit = delta_hits(screener, counterparties, delta, 0.5)
    assert "spelled" in hit
    assert hit <= filtered(screener, counterparties, delta, 0.5).passing
    monkeypatch.setattr(InvertedMaps, "_spelled_keys", lambda self, index, word: [])
    assert "spelled" not in filtered(screener, counterparties, delta, 0.5).passing
