"""The Federal Register watch of ``update`` (``ops.fr_watch``) against a local mirror: the API's
search answered from a fixture in its JSON shape, the rule's XML the real 2023 rule file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from exportscreen.ops.fr_watch import watch
from exportscreen.sources import fr_api
from exportscreen.sources.fetch import Backoff, mirror_path
from exportscreen.store import Store
from tests.httpserver import MirrorServer, send
from tests.store.factories import NETTRIX, parsed

FAST = Backoff(base=0.01, cap=0.02)
FR_API = Path(__file__).parent.parent / "fixtures" / "sources" / "fr_api"
RULE = "raw/federal_register/2023-03929_88FR12170_entity_list_additions.xml"
XML_URL = "https://www.federalregister.gov/documents/full_text/xml/2023/02/27/2023-03929.xml"


class Routes(dict[str, object]):
    def __init__(self, search: object, xml: object) -> None:
        super().__init__()
        self.search, self.xml = search, xml

    def get(self, path: str, default: object = None) -> object:  # type: ignore[override]
        plain = urlsplit(path).path
        if plain == mirror_path(fr_api.API_URL):
            return self.search
        return self.xml if plain == mirror_path(XML_URL) else default


def search(handler: BaseHTTPRequestHandler) -> None:
    query = parse_qs(urlsplit(handler.path).query)
    # What the watch asks: BIS rules amending 15 CFR 744 naming the Entity List, since a date.
    assert query["conditions[agencies][]"] == ["industry-and-security-bureau"]
    assert query["conditions[type][]"] == ["RULE"]
    assert (query["conditions[cfr][title]"], query["conditions[cfr][part]"]) == (["15"], ["744"])
    assert query["conditions[term]"] == ['"Entity List"']
    since = date.fromisoformat(query["conditions[publication_date][gte]"][0])
    answer = json.loads((FR_API / "documents_2023-02-27.json").read_text())
    answer["results"] = [
        r for r in answer["results"][:1] if date.fromisoformat(r["publication_date"]) >= since
    ]
    send(handler, 200, json.dumps(answer).encode(), "application/json")


@pytest.fixture()
def mirror(raw_dir: Path) -> Iterator[MirrorServer]:
    with MirrorServer() as server:
        rule = server.shared_file(RULE).read_bytes()
        server.routes = Routes(search, lambda h: send(h, 200, rule, "application/xml"))  # type: ignore[assignment]
        yield server


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        # An Entity List whose data is older than the rule.
        opened.import_source(parsed([NETTRIX], name="el.csv", as_of=date(2023, 1, 15)))
        yield opened


@pytest.mark.shared
def test_a_rule_published_after_the_list_is_staged_until_a_list_holds_it(
    mirror: MirrorServer, store: Store
) -> None:
    result = watch(store, today=date(2023, 3, 1), mirror=mirror.url, retries=0, backoff=FAST)
    assert (result.since, result.found, result.staged, result.errors) == (
        date(2023, 1, 15),
        1,
        ("2023-03929",),
        (),
    )
    (pending,) = store.pending_rules()
    assert pending.effective_on == date(2023, 2, 24)
    assert len(pending.changes["added"]) == 13 and "CPUNTO Inc." in pending.changes["added"]
    assert pending.summary().startswith("FR Doc 2023-03929 (88 FR 12170, published 2023-02-27")
    # Its dates are cached for the citations that will name it.
    assert [d.document_number for d in store.fr_documents()] == ["2023-03929"]
    # The next run asks from the rule's date and stages nothing twice.
    again = watch(store, today=date(2023, 3, 2), mirror=mirror.url, retries=0, backoff=FAST)
    assert (again.since, again.staged) == (date(2023, 2, 27), ())
    # A consolidated list as new as the rule holds it: no longer pending.
    store.import_source(parsed([NETTRIX], name="el-2.csv", as_of=date(2023, 3, 10)))
    assert store.pending_rules() == []
    assert len(store.all_staged_rules()) == 1


def test_an_api_failure_is_reported(store: Store) -> None:
    with MirrorServer() as server:
        result = watch(store, today=date(2023, 3, 1), mirror=server.url, retries=0, backoff=FAST)
    assert result.found == 0 and "HTTP 404" in result.errors[0]
    assert store.pending_rules() == []


@pytest.mark.shared
def test_a_document_that_is_not_a_rule_is_reported_not_staged(raw_dir: Path, store: Store) -> None:
    with MirrorServer() as server:
        server.routes = Routes(search, lambda h: send(h, 200, b"<html>moved</html>", "text/html"))  # type: ignore[assignment]
        result = watch(store, today=date(2023, 3, 1), mirror=server.url, retries=0, backoff=FAST)
    assert result.staged == () and "not a Federal Register rule" in result.errors[0]
