"""OpenSanctions' own client, ``yente-client`` from PyPI and unchanged, against ``exportscreen
serve`` on a loopback port with the real 2022 Consolidated Screening List loaded: every call it
offers that applies (healthz, readyz, datasets, algorithms, match, match_iter, search, fetch,
adjacent), authenticated as it authenticates, with ``Authorization: ApiKey <key>``.

Not applicable: ``statements`` (OpenSanctions' hosted API only; yente itself answers 404) and
``programs`` (a file on OpenSanctions' data bucket, not a server call).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from yente_client import (
    BEST_ALGORITHM,
    AuthenticationError,
    BadRequestError,
    Client,
    Company,
    MatchError,
    NotFoundError,
    Person,
    Vessel,
)

from exportscreen import sources
from exportscreen.screening.features import ALGORITHM
from exportscreen.store import Store
from tests.api.support import add_users

pytestmark = pytest.mark.shared
CSL_2022 = Path("watchman") / "csl" / "consolidated_2022-05.csv.gz"
# In the 2022 CSL: SDN ent_num 35096, born 1952-10-07, of Russia.
PUTIN = "SDN-35096"
# The vessel 7-28 (SDN ent_num 23156), IMO 8898831.
VESSEL = "SDN-23156"
# Beijing Huawei Digital Technologies Co., Ltd. (Entity List), trade.gov's _id in the file.
HUAWEI_CSL_ID = "986d3f15a6adf1e1e6b5674715ad657adbf8d048"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The server's base URL and a viewer's key."""
    tmp = tmp_path_factory.mktemp("yente_client")
    path = tmp / "served.db"
    with Store.open(f"sqlite:///{path}") as store:
        store.import_source(sources.parse(raw_dir / CSL_2022))
        key = add_users(store).viewer
    port = _free_port()
    env = {
        "EXPORTSCREEN_JOBS_DIR": str(tmp / "jobs"),
        "EXPORTSCREEN_SESSION_SECRET": "test-secret-" + "x" * 32,
    }
    command = [str(Path(sys.executable).with_name("exportscreen")), "--db", str(path), "serve"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, "the server exited"
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.5)
        yield base, key
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=90)


@pytest.fixture()
def client(served: tuple[str, str]) -> Iterator[Client]:
    base, key = served
    with Client(api_key=key, base_url=base, app_name="exportscreen-tests") as opened:
        yield opened


def test_the_client_sends_apikey_and_a_wrong_key_is_refused(served: tuple[str, str]) -> None:
    base, key = served
    with Client(api_key=key, base_url=base) as client:
        assert client._http.headers["Authorization"] == f"ApiKey {key}"
    with Client(api_key="esk_wrong", base_url=base) as wrong, pytest.raises(AuthenticationError):
        wrong.match(Person(name=["Vladimir Putin"]))


def test_health_and_readiness(client: Client) -> None:
    assert client.healthz().status == "ok"
    assert client.readyz().status == "ok"


def test_datasets(client: Client) -> None:
    catalog = client.datasets()
    by_name = {d.name: d for d in catalog.datasets}
    assert {"default", "sanctions", "us_trade_csl", "us_ofac_cons", "us_ofac_sdn"} <= set(by_name)
    # The 2022 CSL carries every list; each list's dataset is loaded and current.
    assert by_name["us_ofac_sdn"].load and by_name["us_ofac_sdn"].index_current
    assert by_name["us_ofac_sdn"].entity_count == 10026  # the SDN rows of the file
    assert "us_bis_denied" in catalog.current
    assert "us_ofac_cons" in by_name["us_trade_csl"].children


def test_algorithms(client: Client) -> None:
    described = client.algorithms()
    assert described.best == ALGORITHM and described.default == BEST_ALGORITHM
    assert [a.name for a in described.algorithms] == [ALGORITHM]


def test_match_a_person_with_filters(client: Client) -> None:
    # yente's test_app.py example, with the facts the list gives.
    query = Person(name=["Vladimir Putin"], birthDate=["1952-10-07"], nationality=["Russia"])
    answer = client.match(query, algorithm=BEST_ALGORITHM)
    assert answer.top is not None and answer.top.id == PUTIN
    assert answer.top.match and answer.top.datasets == ["us_ofac_sdn"]
    assert answer.top.first_seen is not None and answer.top.last_seen is not None
    assert answer.query["properties"]["nationality"] == ["ru"]
    assert answer.total.value == len(answer.matches)
    # A reviewed false positive does not come back; nor does a list left out.
    assert PUTIN not in {r.id for r in client.match(query, exclude_entities=[PUTIN]).results}
    assert client.match(query, exclude_datasets=["us_ofac_sdn"]).results == []
    assert client.match(query, datasets=["us_ofac_cons"]).results == []
    assert client.match(query, topics=["role.pep"]).results == []
    assert client.match(query, exclude_schemata=["Person"]).results == []
    assert client.match(query, datasets=["sanctions"]).top.id == PUTIN  # type: ignore[union-attr]


def test_match_by_identifier_only_and_with_weights(client: Client) -> None:
    answer = client.match(Vessel(imoNumber=["8898831"]))
    assert [r.id for r in answer.results] == [VESSEL]
    assert answer.results[0].match
    weighted = client.match(
        Company(name=["Huawei Digital Technologies"], country=["cn"]),
        weights={"country_mismatch": 0.05},
        threshold=0.5,
        limit=3,
    )
    assert weighted.limit == 3 and len(weighted.results) <= 3
    assert any("Huawei" in r.caption for r in weighted.results)


def test_match_refusals(client: Client) -> None:
    query = Person(name=["Vladimir Putin"])
    with pytest.raises(BadRequestError):
        client.match(query, algorithm="logic-v2")  # this server does not run yente's algorithms
    with pytest.raises(BadRequestError):
        client.match(query, weights={"country_mismatch": 0.9})  # outside the feature's bounds
    with pytest.raises(BadRequestError):
        client.match(query, datasets=["default", "us_sdn"])  # not a dataset here
    with pytest.raises(NotFoundError):
        client.match(query, datasets=["nonexistent"])


def test_match_iter(client: Client) -> None:
    rows = [
        ("putin", Person(name=["Vladimir Putin"])),
        ("vessel", Vessel(name=["7-28"], imoNumber=["8898831"])),
        ("nobody", Company(name=["Zzyzx Quantum Bakery Holdings"])),
    ]
    answers = dict(client.match_iter(rows, workers=2, on_error="collect"))
    assert not any(isinstance(a, MatchError) for a in answers.values())
    tops = {key: a.top.id if a.top else None for key, a in answers.items()}  # type: ignore[union-attr]
    assert tops == {"putin": PUTIN, "vessel": VESSEL, "nobody": None}


def test_search_and_fetch(client: Client) -> None:
    found = client.search("Huawei Digital", datasets=["us_trade_csl"], countries=["cn"])
    huawei = next(r for r in found.results if r.caption.startswith("Beijing Huawei Digital"))
    assert huawei.datasets == ["us_el"] and huawei.referents == [HUAWEI_CSL_ID]
    assert found.total.value >= 1 and "countries" in found.facets
    assert client.search("Putin", schema="Vessel").results == []

    fetched = client.fetch(huawei.id)
    assert fetched.id == huawei.id and fetched.target
    # The CSL's own id is a referent: the server redirects (308) and the client follows.
    assert client.fetch(HUAWEI_CSL_ID).id == huawei.id
    adjacent = client.adjacent(huawei.id)
    assert adjacent.entity.id == huawei.id and adjacent.adjacent == {}
    with pytest.raises(NotFoundError):
        client.fetch("SDN-0")
