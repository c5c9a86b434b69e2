from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_lists_show_current_versions(client: TestClient, viewer: dict[str, str]) -> None:
    body = client.get("/v1/lists", headers=viewer).json()
    by_code = {item["list"]: item for item in body["lists"]}
    assert set(by_code) == {"EL", "SDN"}
    assert by_code["EL"]["as_of"] == "2025-04-01"
    assert by_code["EL"]["entry_count"] == 3
    assert by_code["EL"]["version_count"] == 2
    assert by_code["EL"]["age_seconds"] >= 0


def test_diff_of_the_current_version_against_the_previous(
    client: TestClient, viewer: dict[str, str]
) -> None:
    body = client.get("/v1/lists/EL/diff", headers=viewer).json()
    assert body["from_version"]["as_of"] == "2025-01-15"
    assert [e["entry_id"] for e in body["added"]] == ["EL-zenith"]
    assert [e["entry_id"] for e in body["removed"]] == ["EL-nordstar"]
    [changed] = body["changed"]
    assert changed["entry_id"] == "EL-acme01"
    assert {f["field"] for f in changed["fields"]} == {"addresses", "citations"}


def test_the_diff_is_paged_with_exact_counts(client: TestClient, viewer: dict[str, str]) -> None:
    body = client.get("/v1/lists/EL/diff", params={"limit": 1}, headers=viewer).json()
    assert body["counts"]["added"] == 1 and body["counts"]["removed"] == 1
    assert (body["offset"], body["limit"], body["next_offset"]) == (0, 1, None)
    page = client.get("/v1/lists/EL/diff", params={"offset": 1}, headers=viewer).json()
    assert page["added"] == [] and page["counts"] == body["counts"]
    [changed] = body["changed"]
    assert {f["label"] for f in changed["fields"]} == {"addresses", "Federal Register citations"}
    bad = client.get("/v1/lists/EL/diff", params={"limit": 0}, headers=viewer)
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "2025-02-01"}, 200),  # the version in force then: the first
        ({"from": "1"}, 200),
        ({"from": "2020-01-01"}, 404),  # nothing was listed then
        ({"from": "yesterday"}, 422),
    ],
)
def test_diff_since_a_date_or_version(
    client: TestClient, viewer: dict[str, str], params: dict[str, str], status: int
) -> None:
    response = client.get("/v1/lists/EL/diff", params=params, headers=viewer)
    assert response.status_code == status, response.text
    if status == 200:
        assert [e["entry_id"] for e in response.json()["added"]] == ["EL-zenith"]


def test_diff_of_an_unknown_list_is_422(client: TestClient, viewer: dict[str, str]) -> None:
    assert client.get("/v1/lists/XX/diff", headers=viewer).status_code == 422


def test_entry_with_its_history(client: TestClient, viewer: dict[str, str]) -> None:
    body = client.get("/v1/entries/EL-acme01", headers=viewer).json()
    assert body["listed"] is True
    assert body["entry"]["addresses"][0]["street"] == "88 Nanhai Avenue"
    kinds = [(e["kind"], e["version"]["as_of"]) for e in body["history"]]
    assert kinds == [("added", "2025-01-15"), ("changed", "2025-04-01")]
    assert body["history"][1]["citations"] == ["89 FR 1234, 6/1/24", "90 FR 14048, 3/28/25"]
    # Where each legal field came from: the address from the April version that changed it.
    sources = {s["field"]: s for s in body["field_sources"]}
    assert sources["addresses"]["first_seen"] == "2025-04-01"
    assert sources["addresses"]["described"].endswith("(test_fixture), 2025-04-01")


def test_entry_as_of_a_past_date(client: TestClient, viewer: dict[str, str]) -> None:
    body = client.get(
        "/v1/entries/EL-acme01", params={"as_of": "2025-02-01"}, headers=viewer
    ).json()
    assert body["entry"]["addresses"][0]["street"] == "12 Keji Road"
    sources = {s["field"]: s for s in body["field_sources"]}
    assert sources["addresses"]["first_seen"] == "2025-01-15"


def test_removed_entry_is_shown_as_no_longer_listed(
    client: TestClient, viewer: dict[str, str]
) -> None:
    body = client.get("/v1/entries/EL-nordstar", headers=viewer).json()
    assert body["listed"] is False
    assert [e["kind"] for e in body["history"]] == ["added", "removed"]


def test_unknown_entry_is_404(client: TestClient, viewer: dict[str, str]) -> None:
    response = client.get("/v1/entries/EL-doesnotexist", headers=viewer)
    assert response.status_code == 404
    assert "EL-doesnotexist" in response.json()["detail"]
