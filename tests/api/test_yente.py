from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from exportscreen.api.routers.yente import _result
from exportscreen.model import Entry, EntryType, Explanation, Hit, ListCode, Penalty


def match(
    client: TestClient,
    headers: dict[str, str],
    queries: dict[str, Any],
    dataset: str = "default",
    **params: Any,
) -> Any:
    return client.post(
        f"/match/{dataset}", json={"queries": queries}, params=params, headers=headers
    )


def test_company_query_matches_with_ftm_properties(
    client: TestClient, viewer: dict[str, str]
) -> None:
    response = match(
        client,
        viewer,
        {
            "q1": {
                "schema": "Company",
                "properties": {"name": ["Acme Photonics"], "country": ["cn"]},
            }
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["limit"] == 5
    answer = body["responses"]["q1"]
    assert answer["status"] == 200
    top = answer["results"][0]
    assert top["id"] == "EL-acme01"
    assert top["schema"] == "Organization"
    assert top["caption"] == "Acme Photonics Co., Ltd."
    assert top["properties"]["alias"] == ["Acme Optical"]
    assert top["properties"]["country"] == ["cn"]
    assert top["properties"]["topics"] == ["export.control"]
    assert top["datasets"] == ["us_el"]
    assert top["match"] is True
    assert top["explanations"]["name"]["candidate"] == "Acme Photonics Co., Ltd."
    assert answer["total"] == {"value": len(answer["results"]), "relation": "eq"}
    assert answer["query"]["schema"] == "Company"


def test_a_birth_date_that_disagrees_lowers_the_score(
    client: TestClient, viewer: dict[str, str]
) -> None:
    same = {"schema": "Person", "properties": {"name": ["Ivan Petrov"], "birthDate": ["1961"]}}
    other = {"schema": "Person", "properties": {"name": ["Ivan Petrov"], "birthDate": ["1990"]}}
    body = match(client, viewer, {"same": same, "other": other}).json()["responses"]
    same_top = body["same"]["results"][0]
    other_top = body["other"]["results"][0]
    assert same_top["id"] == other_top["id"] == "SDN-1001"
    assert other_top["score"] < same_top["score"]
    assert "birth_year_mismatch" in other_top["explanations"]


def test_an_identifier_property_matches_the_vessel(
    client: TestClient, viewer: dict[str, str]
) -> None:
    query = {
        "schema": "Vessel",
        "properties": {"name": ["Pearl of the Ocean"], "imoNumber": ["9123456"]},
    }
    top = match(client, viewer, {"v": query}).json()["responses"]["v"]["results"][0]
    assert top["id"] == "SDN-1002"
    assert top["schema"] == "Vessel"
    assert top["match"] is True


def test_a_list_dataset_restricts_the_search(client: TestClient, viewer: dict[str, str]) -> None:
    query = {"schema": "Company", "properties": {"name": ["Acme Photonics"]}}
    results = match(client, viewer, {"q": query}, dataset="us_sdn").json()["responses"]["q"][
        "results"
    ]
    assert all(r["datasets"] == ["us_sdn"] for r in results)


def test_unknown_dataset_is_404(client: TestClient, viewer: dict[str, str]) -> None:
    query = {"schema": "Company", "properties": {"name": ["Acme"]}}
    assert match(client, viewer, {"q": query}, dataset="nope").status_code == 404


def test_a_query_without_a_name_is_422(client: TestClient, viewer: dict[str, str]) -> None:
    response = match(
        client, viewer, {"q": {"schema": "Company", "properties": {"country": ["cn"]}}}
    )
    assert response.status_code == 422
    assert "'q' has no 'name'" in response.text


def test_at_most_100_queries(client: TestClient, viewer: dict[str, str]) -> None:
    queries = {f"q{i}": {"schema": "Company", "properties": {"name": ["Acme"]}} for i in range(101)}
    assert match(client, viewer, queries).status_code == 422


def test_an_unknown_schema_is_422(client: TestClient, viewer: dict[str, str]) -> None:
    response = match(client, viewer, {"q": {"schema": "Planet", "properties": {"name": ["Acme"]}}})
    assert response.status_code == 422


def test_explanation_keys_are_the_penalties_feature_names() -> None:
    # The key comes from Penalty.feature, not from the wording of the reason analysts read.
    entry = Entry(id="SDN-1", list=ListCode.SDN, type=EntryType.INDIVIDUAL, name="Ivan Petrov")
    penalty = Penalty("listed in Cyprus, not the United States", 0.1, "country_mismatch")
    hit = Hit(entry, 0.8, entry.name, Explanation(penalties=(penalty,), summary="score 0.80"))
    features = _result(hit, 0.77).explanations
    assert set(features) == {"name", "country_mismatch"}
    assert features["country_mismatch"].score == -0.1
    assert features["country_mismatch"].detail == penalty.reason
