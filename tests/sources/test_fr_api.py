"""The Federal Register API client (``sources.fr_api``) against a local server answering in the
API's JSON shape (fixtures in ``fixtures/sources/fr_api``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from exportscreen.model import Citation
from exportscreen.sources import fr_api
from exportscreen.sources.fetch import Backoff
from tests.httpserver import MirrorServer, send

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sources" / "fr_api"
FAST = Backoff(base=0.01, cap=0.02)
ENDPOINT = "/api/v1/documents.json"


class ApiRoutes(dict[str, object]):
    """Routes on the path alone: the API's answers depend on the query string."""

    def __init__(self, answer: object) -> None:
        super().__init__()
        self.answer = answer

    def get(self, path: str, default: object = None) -> object:  # type: ignore[override]
        return self.answer if urlsplit(path).path.endswith(ENDPOINT) else default


def by_publication_date(handler: BaseHTTPRequestHandler) -> None:
    query = parse_qs(urlsplit(handler.path).query)
    assert query["conditions[agencies][]"] == ["industry-and-security-bureau"]
    assert "start_page" in query["fields[]"] and "effective_on" in query["fields[]"]
    (day,) = query.get("conditions[publication_date][is]", ["none"])
    fixture = FIXTURES / f"documents_{day}.json"
    body = fixture.read_bytes() if fixture.is_file() else b'{"count": 0, "results": []}'
    send(handler, 200, body, "application/json")


@pytest.fixture()
def api() -> Iterator[MirrorServer]:
    with MirrorServer() as server:
        server.routes = ApiRoutes(by_publication_date)  # type: ignore[assignment]
        yield server


def lookup(server: MirrorServer, *citations: Citation) -> dict[str, fr_api.FrDocument]:
    found = fr_api.documents_for_citations(
        citations, base_url=server.url + ENDPOINT, retries=2, backoff=FAST
    )
    return {d.document_number: d for d in found}


@pytest.mark.parametrize(
    ("citation", "document", "effective"),
    [
        # The eCFR cites CPUNTO's rule by the page its row is printed on, not the first page.
        (Citation(88, 12171, date(2023, 2, 27)), "2023-03929", date(2023, 2, 24)),
        (Citation(88, 12170, date(2023, 2, 27)), "2023-03929", date(2023, 2, 24)),
        (Citation(90, 14048, date(2025, 3, 28)), "2025-05427", date(2025, 3, 25)),
        (Citation(90, 14040, date(2025, 3, 28)), "2025-05426", date(2025, 3, 25)),
    ],
)
def test_a_citation_finds_the_document_holding_its_page(
    api: MirrorServer, citation: Citation, document: str, effective: date
) -> None:
    found = lookup(api, citation)
    assert list(found) == [document]
    assert found[document].effective_on == effective
    assert found[document].covers(citation)


def test_a_page_no_document_holds_finds_nothing(api: MirrorServer) -> None:
    assert lookup(api, Citation(88, 99999, date(2023, 2, 27))) == {}
    assert lookup(api, Citation(88, 13675, date(2023, 3, 6))) == {}


def test_server_errors_are_retried_then_reported() -> None:
    calls: list[str] = []

    def flaky(handler: BaseHTTPRequestHandler) -> None:
        calls.append(handler.path)
        if len(calls) < 3:
            send(handler, 503, b"busy", "text/plain")
        else:
            by_publication_date(handler)

    with MirrorServer() as server:
        server.routes = ApiRoutes(flaky)  # type: ignore[assignment]
        assert list(lookup(server, Citation(88, 12171, date(2023, 2, 27)))) == ["2023-03929"]
        assert len(calls) == 3
    with MirrorServer() as server:
        server.routes = ApiRoutes(lambda h: send(h, 503, b"busy", "text/plain"))  # type: ignore[assignment]
        with pytest.raises(fr_api.FrApiError, match="HTTP 503 \\(after 3 attempts\\)"):
            lookup(server, Citation(88, 12171, date(2023, 2, 27)))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>maintenance</html>", "not JSON"),
        (b'{"results": "none"}', "expected an object with a results list"),
        (
            json.dumps(
                {
                    "results": [
                        {
                            "citation": "88 FR 12170",
                            "document_number": "x",
                            "publication_date": "2023-02-27",
                            "start_page": "12170",
                            "end_page": 12175,
                            "effective_on": None,
                            "full_text_xml_url": None,
                        }
                    ]
                }
            ).encode(),
            r"results\[0\]\.start_page: expected int",
        ),
        (
            json.dumps(
                {
                    "results": [
                        {
                            "citation": "88 FR 12170",
                            "document_number": "x",
                            "start_page": 1,
                            "end_page": 2,
                            "publication_date": "02/27/2023",
                            "effective_on": None,
                            "full_text_xml_url": None,
                        }
                    ]
                }
            ).encode(),
            r"results\[0\]\.publication_date: not a date",
        ),
        (
            # effective_on renamed: never read as "no effective date"
            json.dumps(
                {
                    "results": [
                        {
                            "citation": "88 FR 12170",
                            "document_number": "2023-03929",
                            "start_page": 12170,
                            "end_page": 12175,
                            "publication_date": "2023-02-27",
                            "effective_date": "2023-02-24",
                        }
                    ]
                }
            ).encode(),
            r"results\[0\]\.effective_on: required field 'effective_on' missing .*"
            r"effective_date.*renamed\?",
        ),
    ],
)
def test_a_malformed_answer_names_the_field(body: bytes, message: str) -> None:
    with MirrorServer() as server:
        server.routes = ApiRoutes(lambda h: send(h, 200, body, "application/json"))  # type: ignore[assignment]
        with pytest.raises(fr_api.FrApiError, match=message):
            lookup(server, Citation(88, 12171, date(2023, 2, 27)))


def test_pages_are_followed() -> None:
    first = json.loads((FIXTURES / "documents_2025-03-28.json").read_text())
    second = dict(first, results=first["results"][1:], next_page_url=None)

    def paged(handler: BaseHTTPRequestHandler) -> None:
        if "page=2" in handler.path:
            send(handler, 200, json.dumps(second).encode(), "application/json")
            return
        host, port = handler.server.server_address[:2]
        page = dict(first, results=first["results"][:1])
        page["next_page_url"] = f"http://{host!s}:{port}{ENDPOINT}?page=2"
        send(handler, 200, json.dumps(page).encode(), "application/json")

    with MirrorServer() as server:
        server.routes = ApiRoutes(paged)  # type: ignore[assignment]
        found = lookup(server, Citation(90, 14035, date(2025, 3, 28)), Citation(90, 14050, None))
        # The dated citation is found on page 1, the undated one (asked by year) on page 2.
        assert sorted(found) == ["2025-05426", "2025-05427"]
        rules = fr_api.entity_list_rules(
            date(2025, 3, 1), base_url=server.url + ENDPOINT, retries=0, backoff=FAST
        )
        assert [d.document_number for d in rules] == ["2025-05426", "2025-05427"]
