"""Dating the Federal Register citations the lists print (part of ``update``).

Entity List entries cite rules by volume and page ("88 FR 12171"); when no loaded rule file holds
the cited page, the Federal Register API is asked for the document (``sources.fr_api``) and its
pages and dates are cached in the store (``Store.fr_documents``), where ``determine`` and ``show``
read them (``decisions.policy.EffectiveDates``). A failure of the API is reported and leaves the
cache as it was: citations stay dated by their own publication dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from exportscreen import settings
from exportscreen.model import Citation, ListCode
from exportscreen.sources import fr_api
from exportscreen.sources.fetch import DEFAULT_BACKOFF, Backoff, mirror_path
from exportscreen.store import Store

# The lists whose citations date their entries (Entity List and MEU rules).
DATED_LISTS = (ListCode.EL, ListCode.MEU)


@dataclass(frozen=True, slots=True)
class FrDatesResult:
    asked: int  # citations not covered by a cached document
    found: int  # documents the API returned for them
    error: str = ""


def api_url(mirror: str | None) -> str:
    """The documents endpoint: official, or under a mirror's ``/<host>/<path>`` layout."""
    if not mirror:
        return fr_api.API_URL
    return mirror.rstrip("/") + mirror_path(fr_api.API_URL)


def uncovered_citations(store: Store) -> list[Citation]:
    """Citations of the current EL and MEU entries no cached document covers."""
    documents = store.fr_documents()
    seen: dict[tuple[int, int], Citation] = {}
    for code in DATED_LISTS:
        if not store.versions(code):
            continue
        for entry in store.entries(code):
            for citation in entry.citations:
                if not any(d.covers(citation) for d in documents):
                    seen.setdefault((citation.volume, citation.page), citation)
    return list(seen.values())


def refresh_fr_documents(
    store: Store,
    *,
    mirror: str | None = None,
    client: httpx.Client | None = None,
    retries: int = settings.HTTP_RETRIES,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> FrDatesResult:
    citations = uncovered_citations(store)
    if not citations:
        return FrDatesResult(0, 0)
    try:
        documents = fr_api.documents_for_citations(
            citations, base_url=api_url(mirror), client=client, retries=retries, backoff=backoff
        )
    except fr_api.FrApiError as error:
        return FrDatesResult(len(citations), 0, str(error))
    store.save_fr_documents(documents)
    return FrDatesResult(len(citations), len(documents))


__all__ = ["DATED_LISTS", "FrDatesResult", "api_url", "refresh_fr_documents"]
