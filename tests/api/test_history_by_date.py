"""``POST /v1/determine`` and ``POST /v1/screen`` for a past date, on the real files: the 2022
CSL, the 2023 Entity List rule, the 2023 BIS Denied Persons file and the 2026 BIS files, loaded
into one store (as ``tests/decisions/test_history_by_date.py`` does for the Python API)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from exportscreen.api.auth import Role
from exportscreen.api.schemas import ScreenResponse
from exportscreen.ops.loading import load_paths
from exportscreen.store import Store, audit_log
from tests.api.support import add_users, build_app, config_for, running
from tests.web.test_views import login

pytestmark = pytest.mark.shared

FILES = (
    "watchman/csl/consolidated_2022-05.csv.gz",
    "federal_register/2023-03929_88FR12170_entity_list_additions.xml",
    "watchman/bis_dpl/dpl_2023-11-30.txt.gz",
    "nsfreg_ecfr_derived",
)


@pytest.fixture(scope="module")
def api(
    raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, str], Store]]:
    tmp = tmp_path_factory.mktemp("history-api")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXPORTSCREEN_CACHE", str(tmp / "cache"))
        with Store.open(f"sqlite:///{tmp / 'store.db'}") as store:
            for name in FILES:
                # allow_shrink: the 2026 DPL would otherwise be staged for review (#15's check).
                load_paths(store, [raw_dir / name], allow_shrink=True)
            headers = add_users(store).header(Role.VIEWER)
            with running(build_app(store, config_for(tmp, str(store.engine.url)))) as client:
                yield client, headers, store


def shipment(name: str, on: str) -> dict[str, Any]:
    return {
        "date": on,
        "destination_country": "US",
        "items": [{"eccn": "EAR99"}],
        "parties": [{"role": "ultimate_consignee", "name": name, "country": "US"}],
    }


def dpl(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in answer["parties"][0]["listings"] if r["list"] == "DPL"]


def last_record(store: Store) -> Any:
    return list(audit_log.iter_rows(store.engine))[-1]


def test_a_2025_determination_screens_the_dpl_of_the_day(
    api: tuple[TestClient, dict[str, str], Store],
) -> None:
    client, headers, store = api
    # ABDUL MAJID SAIDI: on the DPL from 2020-10-30 to 2026-03-13 (the 2023 file), not in 2026's.
    response = client.post(
        "/v1/determine", json=shipment("ABDUL MAJID SAIDI", "2025-06-01"), headers=headers
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    (listing,) = dpl(answer)
    assert listing["status"] == "potential" and answer["outcome"] == "HOLD"
    assert listing["removed_since"].startswith("no longer listed: not in the current DPL")
    used = {v["list"]: v for v in answer["versions_used"]}
    assert used["DPL"]["file_name"] == "dpl_2023-11-30.txt.gz"
    assert used["DPL"]["version_id"] != used["DPL"]["current_version_id"]
    assert answer["lists_as_of"]["current"] is False
    assert any(line.startswith("DPL: version") for line in answer["lists_as_of"]["versions"])
    # The audit record names the versions screened: the 2023 DPL, not the current one.
    record = last_record(store)
    assert record.action == "decisions.determine"
    assert record.payload["list_versions"]["DPL"] == used["DPL"]["version_id"]


def test_a_determination_of_today_screens_the_current_lists(
    api: tuple[TestClient, dict[str, str], Store],
) -> None:
    client, headers, _ = api
    answer = client.post(
        "/v1/determine", json=shipment("ABDUL MAJID SAIDI", "2026-12-04"), headers=headers
    ).json()
    assert dpl(answer) == []
    assert answer["lists_as_of"]["current"] is True
    assert all(v["version_id"] == v["current_version_id"] for v in answer["versions_used"])


def test_robert_luba_is_not_prohibited_after_his_order_expired(
    api: tuple[TestClient, dict[str, str], Store],
) -> None:
    client, headers, _ = api
    # 82 FR 1690; the 2026 BIS file says "Expires: 2026-04-25".
    after = client.post(
        "/v1/determine", json=shipment("ROBERT LUBA", "2026-12-04"), headers=headers
    ).json()
    (listing,) = dpl(after)
    assert listing["status"] == "not-in-force" and "ended 2026-04-25" in listing["note"]
    assert after["outcome"] != "PROHIBITED" and after.get("if_confirmed") != "PROHIBITED"
    during = client.post(
        "/v1/determine", json=shipment("ROBERT LUBA", "2026-04-01"), headers=headers
    ).json()
    assert during["outcome"] == "HOLD" and during["if_confirmed"] == "PROHIBITED"


def test_a_planned_shipment_is_screened_on_the_current_lists(
    api: tuple[TestClient, dict[str, str], Store],
) -> None:
    client, headers, _ = api
    answer = client.post(
        "/v1/determine", json=shipment("Inspur Taiwan Co., Ltd.", "2031-01-01"), headers=headers
    ).json()
    assert answer["lists_as_of"]["current"] is True
    assert any(
        r["list"] == "EL" and r["status"] == "potential" for r in answer["parties"][0]["listings"]
    )


@pytest.mark.parametrize("bad", ["2025-13-01", "01/06/2025", "yesterday", ""])
def test_a_bad_date_is_a_422_naming_the_field(
    api: tuple[TestClient, dict[str, str], Store], bad: str
) -> None:
    client, headers, _ = api
    response = client.post("/v1/determine", json=shipment("X Y", bad), headers=headers)
    assert response.status_code == 422
    assert any(e["loc"][-1] == "date" for e in response.json()["errors"]), response.text
    response = client.post(
        "/v1/screen", json={"name": "ROBERT LUBA", "as_of": bad}, headers=headers
    )
    assert response.status_code == 422
    assert any(e["loc"][-1] == "as_of" for e in response.json()["errors"]), response.text


def test_screening_for_a_past_date(api: tuple[TestClient, dict[str, str], Store]) -> None:
    client, headers, store = api
    request = {"name": "ABDUL MAJID SAIDI", "lists": ["DPL"], "as_of": "2025-06-01"}
    response = client.post("/v1/screen", json=request, headers=headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    ScreenResponse.model_validate(answer)
    top = answer["hits"][0]
    assert top["name"] == "ABDUL MAJID SAIDI" and top["on_date"]["listed_on_date"] is True
    assert top["on_date"]["removed_since"].startswith("no longer listed")
    assert answer["lists_as_of"]["on"] == "2025-06-01" and not answer["lists_as_of"]["current"]
    record = last_record(store)
    assert record.payload["list_versions"]["DPL"] == answer["list_versions"]["DPL"]
    assert record.payload["screenings"][0]["query"]["as_of"] == "2025-06-01"
    # Without a date: the current lists, which no longer hold him.
    today = client.post(
        "/v1/screen", json={"name": "ABDUL MAJID SAIDI", "lists": ["DPL"]}, headers=headers
    ).json()
    assert all(h["name"] != "ABDUL MAJID SAIDI" for h in today["hits"])
    assert today["lists_as_of"] is None and all(h["on_date"] is None for h in today["hits"])


def test_a_screening_says_an_ended_order_was_not_in_force(
    api: tuple[TestClient, dict[str, str], Store],
) -> None:
    client, headers, _ = api
    answer = client.post(
        "/v1/screen",
        json={"name": "ROBERT LUBA", "lists": ["DPL"], "as_of": "2026-12-04"},
        headers=headers,
    ).json()
    top = answer["hits"][0]
    assert top["name"] == "ROBERT LUBA" and top["on_date"]["listed_on_date"] is False
    assert "ended 2026-04-25" in top["on_date"]["note"]


def test_the_search_page_screens_the_lists_as_of_a_date(
    api: tuple[TestClient, dict[str, str], Store], tmp_path: Path
) -> None:
    _, _, store = api
    with running(build_app(store, config_for(tmp_path, str(store.engine.url)))) as client:
        assert login(client, "viewer") == 303
        page = client.get("/ui/search", params={"q": "ABDUL MAJID SAIDI", "as_of": "2025-06-01"})
        assert page.status_code == 200
        assert 'name="as_of" type="date" value="2025-06-01"' in page.text
        assert "Lists screened as they stood on 2025-06-01" in page.text
        assert "dpl_2023-11-30.txt.gz" in page.text
        assert "no longer listed: not in the current DPL version" in page.text
        record = last_record(store)
        assert record.payload["screenings"][0]["query"]["as_of"] == "2025-06-01"
        # Today's lists no longer hold him; an ended order says so on its date.
        today = client.get("/ui/search", params={"q": "ABDUL MAJID SAIDI"}).text
        assert "Lists screened as they stood" not in today and "no longer listed" not in today
        luba = client.get("/ui/search", params={"q": "ROBERT LUBA", "as_of": "2026-12-04"}).text
        assert "ended 2026-04-25" in luba
        bad = client.get("/ui/search", params={"q": "ROBERT LUBA", "as_of": "2026-02-30"})
        assert bad.status_code == 422 and "as of: expected a date as YYYY-MM-DD" in bad.text


# --- the diff in the API: exact counts, every page, the whole export ------------------------------


@pytest.mark.parametrize("lst", ["EL", "DPL"])
def test_the_api_diff_is_exact_and_exported_whole(
    api: tuple[TestClient, dict[str, str], Store], lst: str
) -> None:
    client, headers, store = api
    first = store.versions(lst)[0]
    assert first.file_name.startswith("consolidated_2022")
    params = {"from": str(first.id)}
    # Every page, 400 entries per section at a time, adds up to the counts.
    pages: dict[str, list[str]] = {}
    offset: int | None = 0
    while offset is not None:
        page = client.get(
            f"/v1/lists/{lst}/diff",
            params={**params, "offset": offset, "limit": 400},
            headers=headers,
        ).json()
        counts = page["counts"]
        for section in counts:
            pages.setdefault(section, []).extend(e["entry_id"] for e in page[section])
        offset = page["next_offset"]
    assert {s: len(ids) for s, ids in pages.items()} == counts
    # The store's own diff says the same.
    diff = store.diff(lst, first.id)
    assert counts == {s: len(getattr(diff, s)) for s in counts}
    assert sum(counts.values()) > 400  # more than one page: the paging was exercised
    # The export holds every entry of every section, in CSV and in JSON alike.
    csv_response = client.get(f"/v1/lists/{lst}/diff/export", params=params, headers=headers)
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert json.loads(csv_response.headers["x-diff-counts"]) == counts
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert len(rows) == int(csv_response.headers["x-row-count"])
    exported = {s: {r["entry_id"] for r in rows if r["section"] == s} for s in counts}
    assert {s: len(ids) for s, ids in exported.items()} == counts
    assert all(exported[s] == set(pages[s]) for s in counts)
    as_json = client.get(
        f"/v1/lists/{lst}/diff/export", params={**params, "format": "json"}, headers=headers
    ).json()
    assert len(as_json) == len(rows)
    assert [r["entry_id"] for r in as_json] == [r["entry_id"] for r in rows]
    bad = client.get(f"/v1/lists/{lst}/diff/export", params={"format": "xlsx"}, headers=headers)
    assert bad.status_code == 422 and "format" in bad.text
