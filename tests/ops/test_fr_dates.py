"""``update`` dates the lists' Federal Register citations from the Federal Register API (a local
mirror serving fixtures in the API's JSON shape) and caches the documents in the store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from exportscreen.decisions.determination import EntryDating
from exportscreen.decisions.policy import EffectiveDates
from exportscreen.model import Citation
from exportscreen.ops.fr_dates import api_url, refresh_fr_documents
from exportscreen.sources import fr_api
from exportscreen.sources.fetch import Backoff, mirror_path
from exportscreen.store import Store
from tests.httpserver import MirrorServer, send
from tests.sources.test_fr_api import ApiRoutes, by_publication_date
from tests.store.factories import el_entry, parsed

FAST = Backoff(base=0.01, cap=0.02)
# CPUNTO as the eCFR prints it: the 2023 rule cited by the page its row is on.
CPUNTO = el_entry("cpunto", "CPUNTO Inc.", citations=(Citation(88, 12171, date(2023, 2, 27)),))
INSPUR = el_entry("inspur-tw", "Inspur Taiwan")  # 90 FR 14048, 3/28/25


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        opened.import_source(parsed([CPUNTO, INSPUR], name="el.json", file_format="bis_json"))
        yield opened


def test_the_api_url_follows_the_mirror_layout() -> None:
    assert api_url(None) == fr_api.API_URL
    assert api_url("http://mirror:8080/") == (
        "http://mirror:8080/www.federalregister.gov/api/v1/documents.json"
    )


def test_update_dates_citations_from_the_api_and_caches_the_documents(store: Store) -> None:
    dating = EntryDating(effective_dates=EffectiveDates(store.fr_documents()))
    assert dating.effective_date(CPUNTO) == date(2023, 2, 27)  # publication: nothing known yet
    with MirrorServer() as server:
        server.routes = ApiRoutes(by_publication_date)  # type: ignore[assignment]
        result = refresh_fr_documents(store, mirror=server.url, retries=0, backoff=FAST)
        assert (result.asked, result.found, result.error) == (2, 2, "")
        asked = [r.path for r in server.requests]
        assert all(p.startswith(mirror_path(fr_api.API_URL)) for p in asked)
        # Cached: a second run asks nothing.
        assert refresh_fr_documents(store, mirror=server.url, retries=0, backoff=FAST).asked == 0
        assert len(server.requests) == len(asked)
    documents = {d.document_number for d in store.fr_documents()}
    assert documents == {"2023-03929", "2025-05427"}
    dating = EntryDating(effective_dates=EffectiveDates(store.fr_documents()))
    assert dating.effective_date(CPUNTO) == date(2023, 2, 24)
    assert dating.effective_date(INSPUR) == date(2025, 3, 25)


def test_an_api_failure_is_reported_and_keeps_the_cache(store: Store) -> None:
    with MirrorServer() as server:
        server.routes = ApiRoutes(lambda h: send(h, 500, b"down", "text/plain"))  # type: ignore[assignment]
        result = refresh_fr_documents(store, mirror=server.url, retries=1, backoff=FAST)
    assert result.found == 0 and "HTTP 500 (after 2 attempts)" in result.error
    assert store.fr_documents() == []


@pytest.mark.shared
def test_a_loaded_rule_file_records_its_document_and_is_not_asked_for(
    raw_dir: Path, tmp_path: Path
) -> None:
    from exportscreen.ops.loading import load_paths

    with Store.open(f"sqlite:///{tmp_path / 'real.db'}") as store:
        load_paths(store, [raw_dir / "watchman/csl/consolidated_2022-05.csv.gz"])
        load_paths(store, [raw_dir / "federal_register"])
        (document,) = store.fr_documents()
        assert (document.document_number, document.start_page, document.end_page) == (
            "2023-03929",
            12170,
            12175,
        )
        assert document.effective_on == date(2023, 2, 24)
        assert document.source.startswith("rule file 2023-03929")
        # The API's answer for the same pages does not replace the rule file's own.
        api = fr_api.parse_documents(
            {"results": [{"document_number": "2023-03929", "citation": "88 FR 12170",
                          "start_page": 12170, "end_page": 12175,
                          "publication_date": "2023-02-27", "effective_on": "2023-02-27"}]},
            "api",
        )[0]  # fmt: skip
        store.save_fr_documents(api)
        assert store.fr_documents() == [document]
