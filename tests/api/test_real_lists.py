"""The API on the real 2026 Entity List (eCFR-derived, ../shared)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exportscreen import sources
from exportscreen.api.auth import Role
from exportscreen.store import Store
from tests.api.support import add_users, build_app, config_for, running

pytestmark = pytest.mark.shared
ENTITY_LIST = Path("nsfreg_ecfr_derived") / "bis_entity_list.json.gz"


@pytest.fixture(scope="module")
def real_client(
    raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("real")
    with Store.open(f"sqlite:///{tmp / 'el.db'}") as store:
        store.import_source(sources.parse(raw_dir / ENTITY_LIST))
        headers = add_users(store).header(Role.VIEWER)
        with running(build_app(store, config_for(tmp, str(store.engine.url)))) as client:
            yield client, headers


def test_inspur_taiwan_through_the_csl_endpoint(
    real_client: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = real_client
    body = client.get(
        "/consolidated_screening_list/v1/search",
        params={"name": "Inspur Taiwan", "fuzzy_name": "true", "sources": "EL"},
        headers=headers,
    ).json()
    top = body["results"][0]
    # The file lists "Inspur Taiwan" under Taiwan with the 90 FR 14048 citation of 3/28/25.
    assert top["name"] == "Inspur Taiwan"
    assert top["matched_name"] == "Inspur Taiwan"
    assert top["score"] == 100.0
    assert top["source"] == "Entity List (EL) - Bureau of Industry and Security"
    assert top["addresses"][0]["country"] == "TW"
    assert "90 FR 14048" in top["federal_register_notice"]
    # Other entries rank below it, each saying which of its names matched: for Inspur Group
    # Co., Ltd. that is its alias "Inspur Group" (aliases in the file: Inspur Group, IGL).
    others = {r["name"]: r for r in body["results"][1:]}
    assert all(r["score"] < 100.0 for r in others.values())
    assert others["Inspur Group Co., Ltd."]["matched_name"] == "Inspur Group"


def test_an_inspur_alias_is_named(real_client: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = real_client
    body = client.get(
        "/consolidated_screening_list/v1/search", params={"name": "Inspur Group"}, headers=headers
    ).json()
    group = next(r for r in body["results"] if r["name"] == "Inspur Group Co., Ltd.")
    assert group["matched_name"] == "Inspur Group Co., Ltd."
    assert "IGL" in group["alt_names"]
