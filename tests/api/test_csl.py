from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exportscreen import sources
from exportscreen.api.auth import Role
from exportscreen.model import ListCode
from exportscreen.sources import csl_json
from exportscreen.store import Store
from tests.api.support import add_users, build_app, config_for, running

SEARCH = "/consolidated_screening_list/v1/search"
# The result fields of the trade.gov CSL API (anchors §3).
CSL_FIELDS = {
    "id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
    "federal_register_notice", "start_date", "end_date", "standard_order", "license_requirement",
    "license_policy", "call_sign", "vessel_type", "gross_tonnage", "gross_registered_tonnage",
    "vessel_flag", "vessel_owner", "remarks", "source_list_url", "alt_names", "citizenships",
    "dates_of_birth", "nationalities", "places_of_birth", "source_information_url", "ids",
}  # fmt: skip


@contextmanager
def csv_rows(path: Path) -> Iterator[csv.DictReader[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield csv.DictReader(handle)


def ids(client: TestClient, headers: dict[str, str], **params: object) -> list[str]:
    response = client.get(SEARCH, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("acme photonics", ["EL-acme01"]),
        ("PHOTONICS acme", ["EL-acme01"]),  # every word, any order and case
        ("optical", ["EL-acme01"]),  # an alias counts
        ("acme zenith", []),  # not every word in one name
        ("muller", ["EL-muller"]),  # diacritics folded: Müller
        ("Präzision", ["EL-muller"]),
        ("petrov", ["SDN-1001"]),
        ("acm", []),  # whole words only, unlike fuzzy
    ],
)
def test_exact_name_search_needs_every_word(
    client: TestClient, viewer: dict[str, str], name: str, expected: list[str]
) -> None:
    assert ids(client, viewer, name=name) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sources": "SDN"}, ["SDN-1001", "SDN-1002"]),
        ({"types": "Vessel"}, ["SDN-1002"]),
        ({"types": "individual,vessel"}, ["SDN-1001", "SDN-1002"]),
        ({"countries": "DE"}, ["EL-muller"]),
        ({"city": "shenzhen"}, ["EL-acme01"]),
        ({"address": "hafenstrasse"}, ["EL-muller"]),
        ({"postal_code": "20457"}, ["EL-muller"]),
        ({"full_address": "Shanghai, 3 Zhangjiang Road"}, ["EL-zenith"]),
        ({"sources": "EL", "countries": "CN"}, ["EL-acme01", "EL-zenith"]),
    ],
)
def test_filters(
    client: TestClient, viewer: dict[str, str], params: dict[str, str], expected: list[str]
) -> None:
    assert ids(client, viewer, **params) == expected


def test_paging_keeps_the_total(client: TestClient, viewer: dict[str, str]) -> None:
    first = client.get(SEARCH, params={"size": 2}, headers=viewer).json()
    second = client.get(SEARCH, params={"size": 2, "offset": 2}, headers=viewer).json()
    assert first["total"] == second["total"] == 5  # the current versions: 3 EL + 2 SDN
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])


def test_fuzzy_search_scores_and_names_the_alias(
    client: TestClient, viewer: dict[str, str]
) -> None:
    body = client.get(
        SEARCH, params={"name": "Acme Opticall", "fuzzy_name": "true"}, headers=viewer
    ).json()
    top = body["results"][0]
    assert top["id"] == "EL-acme01"
    assert top["matched_name"] == "Acme Optical"
    assert 50 <= top["score"] < 100


def test_results_carry_every_csl_field_with_csl_spelling(
    client: TestClient, viewer: dict[str, str]
) -> None:
    body = client.get(SEARCH, params={"name": "ocean pearl"}, headers=viewer).json()
    result = body["results"][0]
    assert set(result) >= CSL_FIELDS
    assert result["source"] == "Specially Designated Nationals (SDN) - Treasury Department"
    assert result["entity_number"] == "1002"
    assert result["type"] == "Vessel"
    assert result["call_sign"] == "EPBX7"
    assert result["ids"] == [
        {"type": "IMO", "number": "9123456", "country": None, "issue_date": None,
         "expiration_date": None}
    ]  # fmt: skip
    assert "score" in result and result["score"] is None  # only fuzzy searches are scored
    used = {s["source"] for s in body["sources_used"]}
    assert "Entity List (EL) - Bureau of Industry and Security" in used


def test_csl_clients_can_read_the_results_back(
    client: TestClient, viewer: dict[str, str], tmp_path: Path
) -> None:
    """Our own CSL JSON reader, written against the trade.gov API, reads the response."""
    body = client.get(SEARCH, params={"size": 50}, headers=viewer).json()
    path = tmp_path / "search.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    parsed = csl_json.parse(path)
    by_name = {e.name: e for e in parsed.entries}
    petrov = by_name["PETROV, Ivan Sergeyevich"]
    assert petrov.list is ListCode.SDN
    assert petrov.aliases == ("Ivan Petrov",)
    assert petrov.dates_of_birth == ("1961-05-02",)
    assert petrov.identifiers[0].notes == "issued 2015-01-01; expires 2025-01-01"
    acme = by_name["Acme Photonics Co., Ltd."]
    assert acme.addresses[0].street == "88 Nanhai Avenue"
    assert [str(c) for c in acme.citations] == ["89 FR 1234, 2024-06-01", "90 FR 14048, 2025-03-28"]


def test_the_csl_subscription_key_header_is_accepted(
    client: TestClient, viewer: dict[str, str]
) -> None:
    key = viewer["Authorization"].removeprefix("Bearer ")
    response = client.get(SEARCH, params={"name": "acme"}, headers={"subscription-key": key})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"sources": "EL,XYZ"}, "unknown source 'XYZ'"),
        ({"types": "Spaceship"}, "unknown type 'Spaceship'"),
        ({"countries": "Atlantis"}, "unknown country 'Atlantis'"),
        ({"size": 51}, "size"),  # the CSL API's pages hold at most 50
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_parameters_are_422(
    client: TestClient, viewer: dict[str, str], params: dict[str, object], fragment: str
) -> None:
    response = client.get(SEARCH, params=params, headers=viewer)
    assert response.status_code == 422
    assert fragment in response.text


def test_the_response_has_the_v1_shape(client: TestClient, viewer: dict[str, str]) -> None:
    """The documented v1 search response (anchors §3): total, sources as facet counts of the
    whole result set ({count, value}: clients read `value`), results, search_performed_at and
    sources_used with each source's dates."""
    body = client.get(SEARCH, params={"size": 2}, headers=viewer).json()
    assert set(body) == {"total", "sources", "results", "search_performed_at", "sources_used"}
    assert body["sources"] == [
        {"value": "Entity List (EL) - Bureau of Industry and Security", "count": 3},
        {"value": "Specially Designated Nationals (SDN) - Treasury Department", "count": 2},
    ]  # counted over all 5 results, not the page of 2
    assert sum(s["count"] for s in body["sources"]) == body["total"] == 5
    assert len(body["results"]) == 2
    assert all(set(r) >= CSL_FIELDS for r in body["results"])
    assert {frozenset(u) for u in body["sources_used"]} == {
        frozenset({"source", "source_last_updated", "last_imported"})
    }
    assert datetime.fromisoformat(body["search_performed_at"]).tzinfo is not None


def test_types_are_those_the_csl_shows(client: TestClient, viewer: dict[str, str]) -> None:
    # BIS records carry no type in the CSL: v1 shows null and `types=Entity` does not find them,
    # whatever type exportscreen inferred for matching.
    body = client.get(SEARCH, params={"sources": "EL"}, headers=viewer).json()
    assert {r["type"] for r in body["results"]} == {None}
    assert ids(client, viewer, types="Entity", sources="EL") == []
    assert ids(client, viewer, types="Individual", sources="SDN") == ["SDN-1001"]


def test_the_subscription_key_query_parameter_is_accepted(
    client: TestClient, viewer: dict[str, str]
) -> None:
    key = viewer["Authorization"].removeprefix("Bearer ")
    response = client.get(SEARCH, params={"name": "acme", "subscription-key": key})
    assert response.status_code == 200, response.text
    assert client.get(SEARCH, params={"subscription-key": "esk_wrong"}).status_code == 401


@pytest.mark.shared
def test_ids_and_types_as_trade_gov_gives_them(raw_dir: Path, tmp_path: Path) -> None:
    """The 2025 CSL sample: BIS and State records keep trade.gov's `_id` and a null type; OFAC
    records keep their entity number and type."""
    path = raw_dir / "watchman" / "csl" / "consolidated_sample_2025-06.csv"
    with csv_rows(path) as rows:
        given = {(r["source"], r["name"]): (r["_id"], r["type"] or None) for r in rows}
    with Store.open(f"sqlite:///{tmp_path / 'csl.db'}") as store:
        store.import_source(sources.parse(path))
        headers = add_users(store).header(Role.VIEWER)
        with running(build_app(store, config_for(tmp_path, str(store.engine.url)))) as client:
            body = client.get(SEARCH, params={"size": 50}, headers=headers).json()
    assert body["total"] == len(given) == 13
    for result in body["results"]:
        source_id, source_type = given[(result["source"], result["name"])]
        assert result["type"] == source_type
        if result["entity_number"] is None:  # BIS and State
            assert result["id"] == source_id
        else:
            assert result["id"].endswith(f"-{result['entity_number']}")
