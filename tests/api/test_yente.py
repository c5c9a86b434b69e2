"""yente's API on the fixture lists: the request patterns of yente's own tests (its
tests/test_match.py, test_app.py and test_search.py), each with the status and answer yente
gives, and the parameters yente honours."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from exportscreen.api.ftm import Seen
from exportscreen.api.routers.yente import _result
from exportscreen.model import Entry, EntryType, Explanation, Hit, ListCode, Penalty
from exportscreen.screening.features import ALGORITHM

PETROV = {
    "schema": "Person",
    "properties": {"name": ["Ivan Petrov"], "birthDate": ["1961"], "country": "Russia"},
}
ACME = {"schema": "Company", "properties": {"name": ["Acme Photonics"], "country": ["cn"]}}
# The keys yente's tests require of every entity (tests/conftest.py REQUIRED_ENTITY_KEYS).
ENTITY_KEYS = {
    "id", "caption", "schema", "properties", "datasets", "referents", "target", "first_seen",
    "last_seen", "last_change",
}  # fmt: skip
ISO_SECONDS_NO_TZ = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def match(
    client: TestClient,
    headers: dict[str, str],
    queries: dict[str, Any],
    dataset: str = "default",
    body: dict[str, Any] | None = None,
    **params: Any,
) -> Any:
    return client.post(
        f"/match/{dataset}", json={"queries": queries, **(body or {})}, params=params,
        headers=headers,
    )  # fmt: skip


def ids(response: Any, key: str = "q") -> list[str]:
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["responses"][key]["results"]]


# (what yente's test does, queries, params, body extras, expected status, ids expected or None)
Pattern = tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], int, list[str] | None]
PATTERNS: list[Pattern] = [
    ("property as a string (country: Russia)", {"q": PETROV}, {}, {}, 200, ["SDN-1001"]),
    ("unknown algorithm", {"q": PETROV}, {"algorithm": "neural-net"}, {}, 400, None),
    ("algorithm best", {"q": PETROV}, {"algorithm": "best"}, {}, 200, ["SDN-1001"]),
    ("algorithm by its name", {"q": PETROV}, {"algorithm": ALGORITHM}, {}, 200, ["SDN-1001"]),
    ("no schema", {"q": {"properties": {"name": "Banana"}}}, {}, {}, 422, None),
    (
        "an invalid schema in a batch",
        {"fail": {"schema": "xxx", "properties": {"name": "Banana"}}, "ok": PETROV},
        {}, {}, 400, None,
    ),
    (
        "a non-matchable schema",
        {"q": {"schema": "Article", "properties": {"title": "x"}}}, {}, {}, 400, None,
    ),
    (
        "many names in several scripts",
        {"q": {"schema": "Person", "properties": {"name": [
            "Ivan Petrov", "Иван Петров", "PETROV Ivan Sergeyevich", "Petrov, Ivan"]}}},
        {}, {}, 200, ["SDN-1001"],
    ),
    ("exclude the dataset", {"q": PETROV}, {"exclude_dataset": "us_ofac_sdn"}, {}, 200, []),
    ("include another dataset", {"q": PETROV}, {"include_dataset": ["us_el"]}, {}, 200, []),
    (
        "include the dataset among others",
        {"q": PETROV}, {"include_dataset": ["us_ofac_sdn", "us_el"]}, {}, 200, ["SDN-1001"],
    ),
    (
        "include and exclude the same: exclusion wins",
        {"q": PETROV},
        {"include_dataset": ["us_ofac_sdn", "us_el"], "exclude_dataset": "us_ofac_sdn"},
        {}, 200, [],
    ),
    ("a collection as the scope", {"q": PETROV}, {}, {}, 200, ["SDN-1001"]),
    ("a config option the matcher lacks", {"q": PETROV}, {}, {"config": {"invalid": 0.4}}, 400,
     None),
    (
        "a feature weight within its bounds",
        {"q": PETROV}, {}, {"config": {"country_mismatch": 0.05}}, 200, ["SDN-1001"],
    ),
    ("a weight out of bounds", {"q": PETROV}, {}, {"weights": {"country_mismatch": 0.9}}, 400,
     None),
    ("a topic nobody has", {"q": PETROV}, {"topics": "crime.cyber"}, {}, 200, []),
    ("the topic of the list", {"q": PETROV}, {"topics": "sanction"}, {}, 200, ["SDN-1001"]),
    ("an unknown topic", {"q": PETROV}, {"topics": "banana"}, {}, 400, None),
    (
        "a number in a property list",
        {"q": {"schema": "Person", "properties": {"name": ["Ivan Petrov"], "birthDate": [1961]}}},
        {}, {}, 200, ["SDN-1001"],
    ),
    ("exclude the entity", {"q": PETROV}, {"exclude_entity_ids": ["SDN-1001"]}, {}, 200, []),
    ("exclude its schema", {"q": PETROV}, {"exclude_schema": "Person"}, {}, 200, []),
    ("an unknown schema to exclude", {"q": PETROV}, {"exclude_schema": "Banana"}, {}, 400, None),
    ("an unknown dataset to include", {"q": PETROV}, {"include_dataset": "us_sdn"}, {}, 400, None),
    ("changed since a future date", {"q": PETROV}, {"changed_since": "2099-01-01T00:00"}, {}, 200,
     []),
    ("a malformed changed_since", {"q": PETROV}, {"changed_since": "yesterday"}, {}, 422, None),
    (
        "Thing matches every schema",
        {"q": {"schema": "Thing", "properties": {"name": "Acme Photonics"}}}, {}, {}, 200,
        ["EL-acme01"],
    ),
    (
        "Security is matchable (and nothing listed is one)",
        {"q": {"schema": "Security", "properties": {"name": "Acme Photonics"}}}, {}, {}, 200, [],
    ),
    (
        "an identifier without a name",
        {"q": {"schema": "Vessel", "properties": {"imoNumber": "9123456"}}}, {}, {}, 200,
        ["SDN-1002"],
    ),
    (
        "a person's name given in parts",
        {"q": {"schema": "Person", "properties": {"firstName": "Ivan", "lastName": "Petrov"}}},
        {}, {}, 200, ["SDN-1001"],
    ),
    # Refused as the parameter itself (422 naming it), as yente refuses a malformed one.
    ("a date that does not exist", {"q": PETROV}, {"changed_since": "2024-13-45"}, {}, 422, None),
    (
        "a name of punctuation beside a real one",
        {"q": {"schema": "Person", "properties": {"name": ["%%%", "Ivan Petrov"]}}},
        {}, {}, 200, ["SDN-1001"],
    ),
    (
        "only a name of punctuation",
        {"q": {"schema": "Person", "properties": {"name": ["%%%"]}}}, {}, {}, 400, None,
    ),
    (
        "nothing to match on",
        {"q": {"schema": "Person", "properties": {"birthDate": ["1961"]}}}, {}, {}, 400, None,
    ),
    (
        "a territory the screener does not know",
        {"q": {"schema": "Person", "properties": {"name": "Ivan Petrov", "country": "zz"}}},
        {}, {}, 200, ["SDN-1001"],
    ),
    (
        "a Person query reaches an untyped record (the CSL gives BIS records no type)",
        {"q": {"schema": "Person", "properties": {"name": "Müller Präzision GmbH"}}},
        {}, {}, 200, ["EL-muller"],
    ),
    (
        "a Company query does not reach a typed person",
        {"q": {"schema": "Company", "properties": {"name": "Ivan Petrov"}}}, {}, {}, 200, [],
    ),
    (
        # Every name is screened (the work budget counts them); a property holds at most 20.
        "21 names over two properties are all screened",
        {"q": {"schema": "Person", "properties": {"name": [f"Name {i}" for i in range(15)],
                                                   "alias": [f"Alias {i}" for i in range(6)]}}},
        {}, {}, 200, [],
    ),
    (
        "more values than a property holds",
        {"q": {"schema": "Person", "properties": {"name": [f"Name {i}" for i in range(21)]}}},
        {}, {}, 422, None,
    ),
    (
        # FtM's LegalEntity has no passportNumber: yente would drop it and find nothing.
        "an identifier under a property the schema lacks is screened still",
        {"q": {"schema": "LegalEntity", "properties": {"passportNumber": ["AB1234567"]}}}, {}, {},
        200, ["SDN-1001"],
    ),
    ("too many queries", {f"q{i}": PETROV for i in range(101)}, {}, {}, 400, None),
    ("no queries", {}, {}, {}, 400, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "queries", "params", "extra", "status", "expected"),
    PATTERNS,
    ids=[p[0] for p in PATTERNS],
)
def test_yentes_request_patterns(
    client: TestClient,
    viewer: dict[str, str],
    what: str,
    queries: dict[str, Any],
    params: dict[str, Any],
    extra: dict[str, Any],
    status: int,
    expected: list[str] | None,
) -> None:
    dataset = "sanctions" if what == "a collection as the scope" else "default"
    response = match(client, viewer, queries, dataset, extra, **params)
    assert response.status_code == status, response.text
    if expected is not None:
        key = "ok" if "ok" in queries else next(iter(queries))
        assert ids(response, key) == expected


def test_the_query_is_echoed_as_ftm_cleaned_it_with_its_id(
    client: TestClient, viewer: dict[str, str]
) -> None:
    query = {**PETROV, "id": "my-petrov"}
    query["properties"] = {**PETROV["properties"], "birthDate": [1961], "nonsense": ["x"]}
    echo = match(client, viewer, {"q": query}).json()["responses"]["q"]["query"]
    assert echo["id"] == "my-petrov"
    assert echo["schema"] == "Person"
    assert echo["properties"]["country"] == ["ru"]  # "Russia", cleaned as yente cleans it
    assert echo["properties"]["birthDate"] == ["1961"]
    assert "nonsense" not in echo["properties"]  # a property the schema lacks is left out


def test_results_have_yentes_keys_and_wire_formats(
    client: TestClient, viewer: dict[str, str]
) -> None:
    body = match(client, viewer, {"q1": ACME}).json()
    assert body["limit"] == 5
    answer = body["responses"]["q1"]
    assert answer["status"] == 200
    top = answer["results"][0]
    assert ENTITY_KEYS | {"score", "match", "explanations"} <= set(top)
    assert top["id"] == "EL-acme01"
    assert top["schema"] == "LegalEntity"  # the Entity List gives no type: not known to be an org
    assert top["caption"] == "Acme Photonics Co., Ltd."
    assert top["properties"]["alias"] == ["Acme Optical"]
    assert top["properties"]["topics"] == ["export.control"]
    assert top["datasets"] == ["us_el"]
    assert top["target"] is True  # export.control is one of FtM's risk topics
    assert top["match"] is True
    # In both fixture versions (2025-01-15, 2025-04-01); the second moved its address.
    assert top["first_seen"] == "2025-01-15T00:00:00"
    assert top["last_change"] == "2025-04-01T00:00:00"
    assert top["last_seen"] == "2025-04-01T00:00:00"
    assert all(ISO_SECONDS_NO_TZ.match(top[k]) for k in ("first_seen", "last_seen", "last_change"))
    petrov = match(client, viewer, {"p": PETROV}).json()["responses"]["p"]["results"][0]
    assert petrov["last_change"] == "2025-01-15T00:00:00"  # the same in both versions
    assert top["explanations"]["name"]["candidate"] == "Acme Photonics Co., Ltd."


def test_changed_since_keeps_what_changed_after_the_date(
    client: TestClient, viewer: dict[str, str]
) -> None:
    queries = {
        "z": {"schema": "Company", "properties": {"name": "Zenith Semiconductor"}},
        "a": ACME,
    }
    queries["p"] = PETROV
    response = match(client, viewer, queries, changed_since="2025-02-01")
    assert ids(response, "z") == ["EL-zenith"]  # added in the 2025-04-01 version
    assert ids(response, "a") == ["EL-acme01"]  # its address changed in that version
    assert ids(response, "p") == []  # unchanged since 2025-01-15


def test_total_counts_the_matches_among_every_candidate(
    client: TestClient, viewer: dict[str, str]
) -> None:
    query = {"schema": "Company", "properties": {"name": "Acme Photonics Semiconductor"}}
    answer = match(client, viewer, {"q": query}, threshold=0.0, limit=1).json()["responses"]["q"]
    assert len(answer["results"]) == 1
    assert answer["total"]["value"] > 1  # the matches past the limit are counted, as yente does

    loose = match(client, viewer, {"q": query}, threshold=0.99, cutoff=0.3).json()
    answer = loose["responses"]["q"]
    assert answer["results"], "candidates down to the cutoff are listed"
    assert answer["total"]["value"] == sum(r["match"] for r in answer["results"]) == 0


def test_a_request_without_a_content_type(client: TestClient, viewer: dict[str, str]) -> None:
    # yente's test_app.py: clients that send no Content-Type header must not get 422.
    response = client.post(
        "/match/default",
        content=json.dumps({"queries": {"q": PETROV}}),
        headers={**viewer, "Content-Type": ""},
    )
    assert response.status_code == 200, response.text


def test_an_unknown_dataset_path_is_404(client: TestClient, viewer: dict[str, str]) -> None:
    assert match(client, viewer, {"q": PETROV}, dataset="nope").status_code == 404
    assert client.get("/search/nope", headers=viewer).status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "acme photonics"}, ["EL-acme01"]),
        ({"q": "petrov", "schema": "Person"}, ["SDN-1001"]),
        ({"q": "petrov", "schema": "Vessel"}, []),
        ({"q": "petrov", "schema": "Banana"}, None),  # 400, as yente
        ({"q": "petrov", "countries": "ke"}, []),
        ({"q": "petrov", "countries": ["ke", "ru"]}, ["SDN-1001"]),
        ({"q": "petrov", "exclude_dataset": "us_ofac_sdn"}, []),
        ({"q": "petrov", "include_dataset": "us_el"}, []),
        ({"q": "petrov", "changed_since": "2099-01-01T00:00"}, []),
        ({"q": "Acme Opticall", "fuzzy": "true"}, ["EL-acme01"]),
        ({"topics": "sanction"}, ["SDN-1001", "SDN-1002"]),
        ({"topics": ["sanction", "export.control"], "filter_op": "AND"}, []),
        ({"topics": "banana"}, None),
        # A Person search reaches the Entity List's untyped records too.
        ({"countries": ["cn", "ru"], "schema": "Person"}, ["EL-acme01", "EL-zenith", "SDN-1001"]),
        ({"countries": ["cn", "ru"], "schema": "Vessel"}, []),
        ({"countries": ["cn", "ru"], "filter_op": "AND"}, []),
        ({"q": "acme", "datasets": ["us_el", "us_trade_csl"], "filter_op": "AND"}, ["EL-acme01"]),
        ({"q": "acme", "datasets": ["us_el", "us_ofac_sdn"], "filter_op": "AND"}, []),
        ({"q": "acme", "target": "false"}, []),
        ({"q": "acme", "filter": "properties.birthDate:1961"}, None),  # refused, not ignored
        ({"q": "acme", "sort": "caption:asc"}, None),
    ],
)
def test_search(
    client: TestClient, viewer: dict[str, str], params: dict[str, Any], expected: list[str] | None
) -> None:
    response = client.get("/search/default", params=params, headers=viewer)
    if expected is None:
        assert response.status_code == 400
        return
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["id"] for r in body["results"]] == expected
    assert body["total"] == {"value": len(expected), "relation": "eq"}


def test_search_without_a_query_lists_the_scope_with_facets(
    client: TestClient, viewer: dict[str, str]
) -> None:
    body = client.get("/search/us_trade_csl", headers=viewer).json()
    assert body["total"]["value"] == 5  # the current fixture versions: 3 EL + 2 SDN
    datasets = {v["name"]: v["count"] for v in body["facets"]["datasets"]["values"]}
    assert datasets == {"us_el": 3, "us_ofac_sdn": 2}


def test_entities_and_adjacent(client: TestClient, viewer: dict[str, str]) -> None:
    entity = client.get("/entities/SDN-1001", headers=viewer).json()
    assert set(entity) >= ENTITY_KEYS
    assert entity["properties"]["birthDate"] == ["1961-05-02"]
    adjacent = client.get("/entities/SDN-1001/adjacent", headers=viewer).json()
    assert adjacent["entity"]["id"] == "SDN-1001" and adjacent["adjacent"] == {}
    assert client.get("/entities/SDN-9", headers=viewer).status_code == 404
    prop = client.get("/entities/SDN-1001/adjacent/ownershipOwner", headers=viewer)
    assert prop.status_code == 200 and prop.json()["total"]["value"] == 0
    assert client.get("/entities/SDN-1001/adjacent/name", headers=viewer).status_code == 404


def test_algorithms_are_the_matchers_features(client: TestClient) -> None:
    body = client.get("/algorithms").json()
    assert body["best"] == ALGORITHM and body["default"] == "best"
    (algorithm,) = body["algorithms"]
    config = algorithm["docs"]["config"]
    assert config["country_mismatch"]["bounds"] == [0.0, 0.2]
    assert config["identifier_match"]["default"] == 0.95


def test_catalog_names_datasets_and_collections(client: TestClient) -> None:
    body = client.get("/catalog").json()
    by_name = {d["name"]: d for d in body["datasets"]}
    assert {"default", "sanctions", "us_trade_csl", "us_ofac_cons", "us_ofac_sdn"} <= set(by_name)
    assert by_name["us_ofac_sdn"]["load"] is True and by_name["us_ofac_sdn"]["entity_count"] == 2
    assert by_name["us_ofac_cons"]["children"] == ["us_ssi", "us_fse", "us_cap", "us_cmic",
                                                   "us_mbs", "us_plc"]  # fmt: skip
    assert set(body["current"]) == {"us_el", "us_ofac_sdn"}  # the lists loaded


def test_explanation_keys_are_the_penalties_feature_names() -> None:
    # The key comes from Penalty.feature, not from the wording of the reason analysts read.
    entry = Entry(id="SDN-1", list=ListCode.SDN, type=EntryType.INDIVIDUAL, name="Ivan Petrov")
    penalty = Penalty("listed in Cyprus, not the United States", 0.1, "country_mismatch")
    hit = Hit(entry, 0.8, entry.name, Explanation(penalties=(penalty,), summary="score 0.80"))
    features = _result(hit, 0.77, Seen()).explanations
    assert set(features) == {"name", "country_mismatch"}
    assert features["country_mismatch"].score == -0.1
    assert features["country_mismatch"].detail == penalty.reason
