"""The screening features one by one (a table per feature: query facts, listed entry, expected
adjustment), the matcher configuration's overrides and their bounds, the listing for clients and
the generated documentation."""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path
from typing import Any

import pytest

from exportscreen.matching.analyze import analyze
from exportscreen.matching.score import score_name
from exportscreen.model import Entry, EntryType, ListCode
from exportscreen.screening.features import (
    ALGORITHM,
    DEFAULT_CONFIG,
    FEATURES,
    Feature,
    MatcherConfig,
    NameFeature,
    Qualified,
    Qualifier,
    QueryFacts,
    markdown,
)
from exportscreen.screening.screener import Screener
from tests.matching.conftest import fixture_entries

DOC = Path(__file__).resolve().parents[2] / "docs" / "matcher.md"
NAME_SCORE = 0.9


# A company whose listed legal form (JSC) is of another class than a limited company's.
SBERBANK = Entry(id="SDN-sber", list=ListCode.SDN, type=EntryType.ENTITY, name="Sberbank JSC")


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.from_entries([*fixture_entries(), SBERBANK])


def _feature(name: str) -> Feature:
    return next(f for f in FEATURES if f.name == name)


def _qualifier(name: str) -> Qualifier:
    feature = _feature(name)
    assert isinstance(feature, Qualifier)
    return feature


def _entry(
    type: EntryType = EntryType.INDIVIDUAL,
    countries: tuple[str, ...] = (),
    dates_of_birth: tuple[str, ...] = (),
    nationalities: tuple[str, ...] = (),
) -> Entry:
    return Entry(
        id="SDN-1",
        list=ListCode.SDN,
        type=type,
        name="Listed Party",
        countries=countries,
        dates_of_birth=dates_of_birth,
        nationalities=nationalities,
    )


def _apply(name: str, facts: QueryFacts, entry: Entry, identifier: str | None = None) -> Qualified:
    """One qualifier alone, at its default weight, on a name score of NAME_SCORE."""
    feature = _qualifier(name)
    qualified = Qualified(NAME_SCORE)
    feature.apply(feature.weight, facts, entry, identifier, qualified)
    return qualified


PERSON, COMPANY = EntryType.INDIVIDUAL, EntryType.ENTITY

# feature, query name, query facts, listed entry, the reason it gives (None: no penalty), amount
PENALTY_CASES = [
    (
        "type_mismatch",
        "Ivan Petrov",
        {"type": COMPANY},
        _entry(PERSON),
        "entity vs individual",
        0.15,
    ),
    ("type_mismatch", "Acme", {"type": PERSON}, _entry(COMPANY), "individual vs entity", 0.15),
    ("type_mismatch", "Ivan Petrov", {"type": PERSON}, _entry(PERSON), None, 0.0),
    (
        "type_mismatch",
        "Acme",
        {"type": COMPANY},
        _entry(EntryType.ADDRESS_ONLY),
        None,  # a listed address matches every type
        0.0,
    ),
    ("type_mismatch", "Petrov Ltd", {}, _entry(PERSON), "legal form 'ltd'", 0.15),
    ("type_mismatch", "Petrov Ltd", {}, _entry(COMPANY), None, 0.0),
    ("type_mismatch", "Ivan Petrov", {}, _entry(PERSON), None, 0.0),
    (
        "type_mismatch",
        "Acme",
        {"type": EntryType.VESSEL},
        _entry(EntryType.AIRCRAFT),
        "vessel",
        0.15,
    ),
    ("country_mismatch", "Acme", {"country": "US"}, _entry(countries=("RU",)), "US vs RU", 0.1),
    (
        "country_mismatch",
        "Acme",
        {"country": "US"},
        _entry(countries=("HK", "CN")),
        "US vs CN/HK",
        0.1,
    ),
    ("country_mismatch", "Acme", {"country": "CN"}, _entry(countries=("HK", "CN")), None, 0.0),
    ("country_mismatch", "Acme", {"country": "US"}, _entry(), None, 0.0),  # no listed country
    ("country_mismatch", "Acme", {}, _entry(countries=("RU",)), None, 0.0),  # none asked
    (
        "country_mismatch",
        "Ivan Petrov",
        {"country": "RU"},
        _entry(countries=("CY",), nationalities=("Russia",)),
        None,  # a nationality is one of the party's countries
        0.0,
    ),
    (
        "birth_year_mismatch",
        "Ivan Petrov",
        {"date_of_birth": "1970-01-01"},
        _entry(dates_of_birth=("1972-07-19",)),
        "1970-01-01 vs 1972",
        0.15,
    ),
    (
        "birth_year_mismatch",
        "Ivan Petrov",
        {"date_of_birth": "1961"},
        _entry(dates_of_birth=("1960 to 1962",)),
        None,  # inside a printed range
        0.0,
    ),
    (
        "birth_year_mismatch",
        "Ivan Petrov",
        {"date_of_birth": "circa 1975"},
        _entry(dates_of_birth=("1960", "1975")),
        None,  # one of several printed dates
        0.0,
    ),
    (
        "birth_year_mismatch",
        "Ivan Petrov",
        {"date_of_birth": "unknown"},
        _entry(dates_of_birth=("1960",)),
        None,  # no year in the query
        0.0,
    ),
    ("birth_year_mismatch", "Ivan Petrov", {"date_of_birth": "1970"}, _entry(), None, 0.0),
]


@pytest.mark.parametrize(
    ("name", "query", "facts", "entry", "reason", "amount"),
    PENALTY_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(PENALTY_CASES)],
)
def test_penalty_features(
    name: str,
    query: str,
    facts: dict[str, Any],
    entry: Entry,
    reason: str | None,
    amount: float,
) -> None:
    qualified = _apply(name, QueryFacts(analyze(query), **facts), entry)
    assert qualified.score == pytest.approx(NAME_SCORE - amount)
    assert not qualified.tokens
    if reason is None:
        assert qualified.penalties == []
        return
    (penalty,) = qualified.penalties
    assert penalty.feature == name
    assert penalty.amount == amount
    assert reason in penalty.reason


@pytest.mark.parametrize(
    ("identifier", "name_score", "expected"),
    [
        ("3805731961", 0.4, 0.95),  # raised to the floor
        ("3805731961", 0.99, 0.99),  # a better name score stays
        (None, 0.4, 0.4),  # no equal identifier: nothing to say
    ],
)
def test_identifier_match_raises_to_its_floor(
    identifier: str | None, name_score: float, expected: float
) -> None:
    feature = _qualifier("identifier_match")
    qualified = Qualified(name_score)
    facts = QueryFacts(analyze("Some Other Name"))
    feature.apply(feature.weight, facts, _entry(COMPANY), identifier, qualified)
    assert qualified.score == expected
    assert qualified.penalties == []
    if identifier is None:
        assert qualified.tokens == []
    else:
        (token,) = qualified.tokens
        assert (token.query, token.note) == (identifier, "identifier match")


# --- through the screener -----------------------------------------------------------------------


def test_penalties_name_their_features_in_order(screener: Screener) -> None:
    plain = screener.screen("Dmitry Khoroshev")[0].score
    hits = screener.screen("Dmitry Khoroshev", country="US", type="company", threshold=0.0)
    hit = next(h for h in hits if h.entry.id == "SDN-khoroshev")
    assert [p.feature for p in hit.explanation.penalties] == ["type_mismatch", "country_mismatch"]
    assert hit.score == pytest.approx(plain - 0.15 - 0.1, abs=1e-4)


# query, listed entry, the name feature expected, its reason, a weight to set it to (None: fixed)
NAME_CASES = [
    ("CETC 14", "EL-cetc13", "number_mismatch", "14 vs 13", 0.0),
    ("CETC 14", "EL-cetc13", "number_mismatch", "14 vs 13", 0.5),
    ("Sberbank Ltd", "SDN-sber", "legal_form_mismatch", "ltd vs jsc", 0.0),
    ("Sberbank Ltd", "SDN-sber", "legal_form_mismatch", "ltd vs jsc", 0.1),
    ("Shanghai Global Trading Co Ltd", "EL-generic", "only_generic_words_matched", "0.5", None),
]


@pytest.mark.parametrize(("query", "entry_id", "name", "reason", "weight"), NAME_CASES)
def test_name_features(
    screener: Screener, query: str, entry_id: str, name: str, reason: str, weight: float | None
) -> None:
    def hit(config: MatcherConfig | None = None) -> tuple[float, list[tuple[str, float]]]:
        found = screener.screen(query, threshold=0.0, limit=50, config=config)
        (one,) = [h for h in found if h.entry.id == entry_id]
        assert all(reason in p.reason for p in one.explanation.penalties)
        return one.score, [(p.feature, p.amount) for p in one.explanation.penalties]

    default_score, penalties = hit()
    assert [feature for feature, _ in penalties] == [name]
    if weight is None:  # fixed: the cap itself, whatever the request
        assert default_score == _feature(name).weight
        with pytest.raises(ValueError, match="fixed"):
            DEFAULT_CONFIG.with_weights({name: _feature(name).weight + 0.1})
        return
    assert penalties == [(name, _feature(name).weight)]
    score, overridden = hit(DEFAULT_CONFIG.with_weights({name: weight}))
    assert overridden == [(name, weight)]
    assert score == pytest.approx(default_score + _feature(name).weight - weight, abs=1e-4)


def test_name_weights_are_score_names_arguments(screener: Screener) -> None:
    config = DEFAULT_CONFIG.with_weights({"number_mismatch": 0.1, "legal_form_mismatch": 0.05})
    assert config.name_weights() == {
        "number_mismatch": 0.1,
        "legal_form_mismatch": 0.05,
        "weak_alias": 0.7,
    }
    assert {f.parameter for f in FEATURES if isinstance(f, NameFeature)} == {
        "",  # the generic-words cap is fixed
        *DEFAULT_CONFIG.name_weights(),
    }
    assert score_name.__kwdefaults__ == DEFAULT_CONFIG.name_weights()


def test_overridden_weights_change_only_their_features(screener: Screener) -> None:
    query = {"name": "Dmitry Khoroshev", "country": "US", "type": "company", "threshold": 0.0}
    config = DEFAULT_CONFIG.with_weights({"type_mismatch": 0.0, "country_mismatch": 0.2})
    plain = screener.screen("Dmitry Khoroshev")[0].score
    hit = next(h for h in screener.screen(**query, config=config) if h.entry.id == "SDN-khoroshev")
    assert hit.score == pytest.approx(plain - 0.2, abs=1e-4)
    # A disagreement weighed at nothing is still shown: the analyst sees what was checked.
    assert [(p.feature, p.amount) for p in hit.explanation.penalties] == [
        ("type_mismatch", 0.0),
        ("country_mismatch", 0.2),
    ]
    default = next(h for h in screener.screen(**query) if h.entry.id == "SDN-khoroshev")
    assert default.score == pytest.approx(plain - 0.25, abs=1e-4)


def test_identifier_floor_override(screener: Screener) -> None:
    config = DEFAULT_CONFIG.with_weights({"identifier_match": 1.0})
    query = {"name": "Some Other Name", "identifiers": ["3805731961"], "threshold": 0.9}
    assert screener.screen(**query)[0].score == 0.95
    assert screener.screen(**query, config=config)[0].score == 1.0


def test_config_threshold_is_the_default_cutoff(screener: Screener) -> None:
    low = MatcherConfig(threshold=0.3)
    weak = [h for h in screener.screen("Khoroshev Ltd", config=low) if h.score < 0.77]
    assert weak and all(h.score >= 0.3 for h in weak)
    assert all(h.score >= 0.77 for h in screener.screen("Khoroshev Ltd"))
    # An explicit threshold wins over the configuration's.
    assert all(h.score >= 0.9 for h in screener.screen("Khoroshev Ltd", config=low, threshold=0.9))


# --- the configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "named"),
    [
        ({"no_such_feature": 0.1}, "no_such_feature"),
        ({"Country_Mismatch": 0.1}, "Country_Mismatch"),  # names are exact
        ({"country_mismatch": 0.21}, "country_mismatch"),  # above its bounds
        ({"type_mismatch": -0.01}, "type_mismatch"),  # a penalty cannot raise a score
        ({"identifier_match": 0.89}, "identifier_match"),  # below its floor's bounds
        ({"identifier_match": 1.01}, "identifier_match"),
        ({"birth_year_mismatch": math.nan}, "birth_year_mismatch"),
        ({"birth_year_mismatch": math.inf}, "birth_year_mismatch"),
        ({"birth_year_mismatch": True}, "birth_year_mismatch"),
        ({"birth_year_mismatch": "0.1"}, "birth_year_mismatch"),
        ({"type_mismatch": 0.1, "country_mismatch": 0.5}, "country_mismatch"),
    ],
)
def test_overrides_outside_the_bounds_are_refused(weights: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match=repr(named)):
        DEFAULT_CONFIG.with_weights(weights)  # type: ignore[arg-type]


@pytest.mark.parametrize("feature", FEATURES, ids=lambda f: f.name)
def test_bounds_are_inclusive_and_hold_the_default(feature: Feature) -> None:
    low, high = feature.bounds
    assert low <= feature.weight <= high
    for value in (low, high):
        config = DEFAULT_CONFIG.with_weights({feature.name: value})
        assert config.weight(feature.name) == value
    assert DEFAULT_CONFIG.weight(feature.name) == feature.weight  # the default is not changed


def test_default_configuration() -> None:
    assert DEFAULT_CONFIG.algorithm == ALGORITHM == Screener.algorithm
    assert MatcherConfig().threshold == 0.77
    assert {f.name: w for f, w in DEFAULT_CONFIG.features} == {
        "only_generic_words_matched": 0.5,
        "too_little_evidence": 0.7,
        "one_name_of_a_person": 0.7,
        "consonant_guess": 0.7,
        "one_word_and_words_of_their_own": 0.7,
        "cjk_name_in_part": 0.7,
        "number_mismatch": 0.3,
        "legal_form_mismatch": 0.03,
        "weak_alias": 0.7,
        "type_mismatch": 0.15,
        "country_mismatch": 0.1,
        "nationality_mismatch": 0.1,
        "birth_year_mismatch": 0.15,
        "address_match": 0.1,
        "identifier_match": 0.95,
    }
    with pytest.raises(ValueError, match="threshold"):
        MatcherConfig(threshold=1.5)
    with pytest.raises(ValueError, match="'nope'"):
        DEFAULT_CONFIG.weight("nope")


def test_describe_lists_the_features_for_clients() -> None:
    config = DEFAULT_CONFIG.with_weights({"country_mismatch": 0.05})
    described = json.loads(json.dumps(config.describe()))
    assert [d["name"] for d in described] == [f.name for f in FEATURES]
    for feature, item in zip(FEATURES, described, strict=True):
        assert item["description"] == inspect.cleandoc(type(feature).__doc__ or "")
        assert item["description"]  # every feature is documented
        assert item["default_weight"] == feature.weight
        assert item["bounds"] == list(feature.bounds)
        assert item["applies_to"] == ("name" if isinstance(feature, NameFeature) else "entry")
    weights = {d["name"]: d["weight"] for d in described}
    assert weights["country_mismatch"] == 0.05
    assert weights["type_mismatch"] == 0.15


def test_feature_names_are_unique_snake_case() -> None:
    names = [f.name for f in FEATURES]
    assert len(set(names)) == len(names)
    assert all(n.isidentifier() and n == n.lower() for n in names)


def test_committed_doc_is_up_to_date() -> None:
    assert DOC.read_text("utf-8") == markdown(), (
        "docs/matcher.md is stale: python -m exportscreen.screening.features --markdown"
        " > docs/matcher.md"
    )
