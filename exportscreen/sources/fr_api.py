"""The Federal Register API (https://www.federalregister.gov/developers/documentation/api/v1):
the pages and dates of the documents the lists cite.

An Entity List entry cites a page of a rule ("88 FR 12171"), and the rule's effective date can
precede its publication (domain notes §2): the API's document search returns each document's
``citation``, ``start_page``, ``end_page``, ``publication_date`` and ``effective_on``. Citations
are looked up by their publication date (the date printed with them) among BIS's documents; a
citation printed without a date is looked up in its volume's year under 15 CFR part 744.

The answer's shape (``documents.json``): ``{"count": N, "total_pages": P, "next_page_url": URL or
null, "results": [{"document_number", "citation", "start_page", "end_page", "publication_date",
"effective_on", "title", "type", "full_text_xml_url", "html_url"}]}``.

Requests are GETs with a timeout and retries on connection errors, timeouts, 429 and 5xx (as the
list downloads, ``sources.fetch``); a malformed answer is an ``FrApiError`` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, Final, TypeVar

import httpx
import tenacity

from exportscreen import __version__, settings
from exportscreen.model import Citation, FrDocument
from exportscreen.sources.fetch import DEFAULT_BACKOFF, Backoff

API_URL: Final = "https://www.federalregister.gov/api/v1/documents.json"
BIS_AGENCY: Final = "industry-and-security-bureau"
FIELDS: Final = (
    "document_number",
    "citation",
    "start_page",
    "end_page",
    "publication_date",
    "effective_on",
    "title",
    "type",
    "full_text_xml_url",
    "html_url",
)
# The fields a document's dates and pages are read from: each must be in every record (its value
# may be null where the API has none, as effective_on for a rule without one).
REQUIRED_FIELDS: Final = (
    "document_number",
    "citation",
    "start_page",
    "end_page",
    "publication_date",
    "effective_on",
)
# The Federal Register's volume 1 is 1936: volume = year - 1935.
_FIRST_VOLUME_YEAR: Final = 1935
_PER_PAGE: Final = 100
# A bound on pages followed per query, so a server that keeps sending next_page_url cannot loop us.
_MAX_PAGES: Final = 50
_RETRIED: Final = frozenset({429, 500, 502, 503, 504})


T = TypeVar("T")


class FrApiError(Exception):
    """The Federal Register API failed or answered something that is not its document list."""


class _Transient(Exception):
    pass


def _query(conditions: dict[str, str | list[str]]) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = [("per_page", str(_PER_PAGE)), ("order", "oldest")]
    params += [("fields[]", name) for name in FIELDS]
    # "publication_date.is" -> conditions[publication_date][is]; a list value repeats "[]".
    for key, value in conditions.items():
        name = "conditions" + "".join(f"[{part}]" for part in key.split("."))
        for item in [value] if isinstance(value, str) else value:
            params.append((name + ("[]" if isinstance(value, list) else ""), item))
    return params


def _get(client: httpx.Client, url: str, params: list[tuple[str, str]] | None, retries: int,
         backoff: Backoff) -> Any:  # fmt: skip
    def once() -> Any:
        try:
            response = client.get(
                url, params=tuple(params) if params else None, timeout=settings.HTTP_TIMEOUT_SECONDS
            )
        except httpx.TransportError as error:
            raise _Transient(f"{url}: {error}") from error
        if response.status_code in _RETRIED:
            raise _Transient(f"{url}: HTTP {response.status_code}")
        if response.status_code != 200:
            raise FrApiError(f"{url}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as error:
            raise FrApiError(f"{response.url}: not JSON ({error})") from error

    return _retrying(once, retries, backoff)


def _retrying(once: Callable[[], T], retries: int, backoff: Backoff) -> T:
    """``once()``, tried again after transient failures (connection, timeout, 429, 5xx)."""
    try:
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Transient),
            stop=tenacity.stop_after_attempt(retries + 1),
            wait=tenacity.wait_exponential(multiplier=backoff.base, max=backoff.cap),
            reraise=True,
        )(once)
    except _Transient as error:
        raise FrApiError(f"{error} (after {retries + 1} attempts)") from error


def _field(record: dict[str, Any], name: str, where: str, kind: type) -> Any:
    value = record.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise FrApiError(f"{where}.{name}: expected {kind.__name__}, got {value!r}")
    return value


def _date(record: dict[str, Any], name: str, where: str, *, required: bool) -> date | None:
    value = record.get(name)
    if value is None and not required:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise FrApiError(f"{where}.{name}: not a date (YYYY-MM-DD): {value!r}") from error


def parse_documents(data: Any, url: str) -> tuple[list[FrDocument], str | None]:
    """The documents of one answer page, and the next page's URL (None on the last page)."""
    if not isinstance(data, dict) or not isinstance(data.get("results", []), list):
        raise FrApiError(f"{url}: expected an object with a results list")
    documents = []
    for index, record in enumerate(data.get("results", [])):
        where = f"{url}: results[{index}]"
        if not isinstance(record, dict):
            raise FrApiError(f"{where}: expected an object")
        # A renamed effective_on would otherwise read as a document without an effective date.
        missing = [name for name in REQUIRED_FIELDS if name not in record]
        if missing:
            raise FrApiError(
                f"{where}.{missing[0]}: required field {', '.join(map(repr, missing))} missing "
                f"(the record has: {', '.join(sorted(record)) or 'none'}); renamed?"
            )
        citation = _field(record, "citation", where, str)
        volume = citation.split(" FR ")[0].strip()
        if not volume.isdigit():
            raise FrApiError(f"{where}.citation: not a Federal Register citation: {citation!r}")
        published = _date(record, "publication_date", where, required=True)
        assert published is not None
        documents.append(
            FrDocument(
                document_number=_field(record, "document_number", where, str),
                volume=int(volume),
                start_page=_field(record, "start_page", where, int),
                end_page=_field(record, "end_page", where, int),
                publication_date=published,
                effective_on=_date(record, "effective_on", where, required=False),
                title=str(record.get("title") or ""),
                xml_url=str(record.get("full_text_xml_url") or ""),
                source=str(record.get("html_url") or url),
            )
        )
    following = data.get("next_page_url")
    if following is not None and not isinstance(following, str):
        raise FrApiError(f"{url}: next_page_url: expected a URL, got {following!r}")
    return documents, following


def search(
    conditions: dict[str, str | list[str]],
    *,
    base_url: str = API_URL,
    client: httpx.Client | None = None,
    retries: int = settings.HTTP_RETRIES,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> Iterator[FrDocument]:
    """Every document the API's search returns for ``conditions``, following its pages."""
    own = client is None
    http = client or httpx.Client(
        headers={"User-Agent": f"exportscreen/{__version__} (Federal Register dates)"}
    )
    try:
        url: str | None = base_url
        params: list[tuple[str, str]] | None = _query(conditions)
        for _ in range(_MAX_PAGES):
            if url is None:
                return
            documents, url = parse_documents(_get(http, url, params, retries, backoff), base_url)
            params = None  # next_page_url carries the query
            yield from documents
        raise FrApiError(f"{base_url}: more than {_MAX_PAGES} pages of results")
    finally:
        if own:
            http.close()


def documents_for_citations(
    citations: Iterable[Citation],
    *,
    base_url: str = API_URL,
    client: httpx.Client | None = None,
    retries: int = settings.HTTP_RETRIES,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> list[FrDocument]:
    """The BIS documents holding the cited pages (one search per publication date, or per year
    for citations printed without a date); a citation the API does not know is left out."""
    wanted = {(c.volume, c.page, c.date) for c in citations}
    found: dict[tuple[int, int], FrDocument] = {}
    searches: dict[tuple[str, str], dict[str, str | list[str]]] = {}
    for volume, _, when in wanted:
        if when is not None:
            searches[("is", when.isoformat())] = {
                "publication_date.is": when.isoformat(),
                "agencies": [BIS_AGENCY],
            }
        else:
            year = str(volume + _FIRST_VOLUME_YEAR)
            searches[("year", year)] = {
                "publication_date.year": year,
                "agencies": [BIS_AGENCY],
                "cfr.title": "15",
                "cfr.part": "744",
            }
    for conditions in searches.values():
        for document in search(
            conditions, base_url=base_url, client=client, retries=retries, backoff=backoff
        ):
            if any(document.covers(Citation(volume, page, when)) for volume, page, when in wanted):
                found[(document.volume, document.start_page)] = document
    return list(found.values())


def entity_list_rules(
    since: date,
    *,
    base_url: str = API_URL,
    client: httpx.Client | None = None,
    retries: int = settings.HTTP_RETRIES,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> list[FrDocument]:
    """BIS rules published on or after ``since`` that amend 15 CFR part 744 and name the Entity
    List (the Federal Register watch of ``update``)."""
    conditions: dict[str, str | list[str]] = {
        "agencies": [BIS_AGENCY],
        "type": ["RULE"],
        "cfr.title": "15",
        "cfr.part": "744",
        "term": '"Entity List"',
        "publication_date.gte": since.isoformat(),
    }
    return list(
        search(conditions, base_url=base_url, client=client, retries=retries, backoff=backoff)
    )


def download_xml(
    url: str,
    dest: Path,
    *,
    client: httpx.Client | None = None,
    retries: int = settings.HTTP_RETRIES,
    backoff: Backoff = DEFAULT_BACKOFF,
    max_bytes: int = settings.MAX_DOWNLOAD_BYTES,
) -> Path:
    """A document's full-text XML (``full_text_xml_url``) written to ``dest``; an answer that is
    not XML, or larger than ``max_bytes``, is an FrApiError."""
    own = client is None
    http = client or httpx.Client(
        headers={"User-Agent": f"exportscreen/{__version__} (Federal Register watch)"}
    )

    def once() -> bytes:
        try:
            response = http.get(url, timeout=settings.HTTP_TIMEOUT_SECONDS, follow_redirects=True)
        except httpx.TransportError as error:
            raise _Transient(f"{url}: {error}") from error
        if response.status_code in _RETRIED:
            raise _Transient(f"{url}: HTTP {response.status_code}")
        if response.status_code != 200:
            raise FrApiError(f"{url}: HTTP {response.status_code}")
        return response.content

    try:
        body = _retrying(once, retries, backoff)
    finally:
        if own:
            http.close()
    if len(body) > max_bytes:
        raise FrApiError(f"{url}: {len(body):,} bytes, more than the {max_bytes:,} allowed")
    if b"<RULE" not in body:
        raise FrApiError(f"{url}: not a Federal Register rule in XML")
    dest.write_bytes(body)
    return dest


__all__ = [
    "API_URL",
    "BIS_AGENCY",
    "FrApiError",
    "documents_for_citations",
    "download_xml",
    "entity_list_rules",
    "parse_documents",
    "search",
]
