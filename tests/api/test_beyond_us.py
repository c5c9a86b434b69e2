"""The UN, EU and UK lists through the drop-in endpoints: the CSL search and yente serve them
under their usual names (CSL source codes UN, EU, UK; OpenSanctions datasets un_sc_sanctions,
eu_fsf, gb_fcdo_sanctions)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exportscreen import sources
from exportscreen.api.auth import Role
from exportscreen.store import Store
from tests.api.support import add_users, build_app, config_for, running

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sources"
SEARCH = "/consolidated_screening_list/v1/search"


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with Store.open(f"sqlite:///{tmp_path / 'api.db'}") as store:
        for name in ("eu_fsf_small.xml", "uk_sanctions_small.xml"):
            store.import_source(sources.parse(FIXTURES / name))
        keys = add_users(store)
        app = build_app(store, config_for(tmp_path, str(store.engine.url)))
        with running(app) as test_client:
            yield test_client, keys.header(Role.VIEWER)


def test_the_csl_search_serves_the_eu_and_uk_lists(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    http, viewer = client
    response = http.get(SEARCH, params={"name": "Saddam Hussein"}, headers=viewer)
    assert response.status_code == 200, response.text
    (found,) = response.json()["results"]
    assert found["source"] == "EU Consolidated Financial Sanctions List (EU) - European Commission"
    assert found["alt_names"] == ["Abu Ali", "Abou Ali"]
    only_uk = http.get(SEARCH, params={"sources": "UK"}, headers=viewer).json()
    assert {r["source"] for r in only_uk["results"]} == {
        "UK Sanctions List (UK) - Foreign, Commonwealth & Development Office"
    }
    assert only_uk["total"] == 3


@pytest.mark.parametrize(
    ("dataset", "query", "expected"),
    [
        ("eu_fsf", "Saddam Hussein Al-Tikriti", "EU-13"),
        ("gb_fcdo_sanctions", "Mohammad Hassan Akhund", "UK-AFG0006"),
        ("sanctions", "Example Exchange Limited", "UK-RUS3602"),
        ("default", "Examplov", "EU-140001"),
    ],
)
def test_yente_serves_them_under_opensanctions_names(
    client: tuple[TestClient, dict[str, str]], dataset: str, query: str, expected: str
) -> None:
    http, viewer = client
    response = http.get(f"/search/{dataset}", params={"q": query}, headers=viewer)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert results and results[0]["id"] == expected
    assert results[0]["datasets"] == [
        "eu_fsf" if expected.startswith("EU") else "gb_fcdo_sanctions"
    ]


def test_yente_keeps_weak_aliases_weak_and_lists_the_datasets(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    http, viewer = client
    entity = http.get("/entities/EU-13", headers=viewer).json()
    assert entity["properties"]["weakAlias"] == ["Abu Ali", "Abou Ali"]
    assert "alias" not in entity["properties"]
    catalog = {d["name"] for d in http.get("/catalog", headers=viewer).json()["datasets"]}
    assert {"un_sc_sanctions", "eu_fsf", "gb_fcdo_sanctions"} <= catalog
    # Not the US Consolidated Screening List's.
    none = http.get("/search/us_trade_csl", params={"q": "Saddam Hussein"}, headers=viewer)
    assert none.json()["results"] == []
