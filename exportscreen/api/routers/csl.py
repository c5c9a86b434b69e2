"""``GET /consolidated_screening_list/v1/search``: the trade.gov CSL API, served from our lists.

Parameters and response follow the CSL API v1 (anchors §3) so that its clients only change
their base URL (the ``subscription-key`` header or query parameter is accepted as the API key):
``sources`` as facet counts, trade.gov's record ids, pages of at most 50, no type where the
source gives none. Two differences, both additions: every result says which of its names
matched (``matched_name``), and fuzzy scores come from exportscreen's matcher (0-100, comparable
across lists) rather than from an edit distance per word.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from exportscreen.api.auth import Viewer
from exportscreen.api.config import MAX_NAME_LENGTH
from exportscreen.api.csl_format import (
    CSL_SOURCE_NAMES,
    SOURCES_PATTERN,
    TYPES_PATTERN,
    AddressFilter,
    CslFilter,
    comma_list_pattern,
    csl_record,
    csl_type,
    list_for_csl_source,
    parse_codes,
)
from exportscreen.api.errors import InputError
from exportscreen.api.limits import work_units
from exportscreen.api.schemas import PARTY_NAME_FORMAT
from exportscreen.api.schemas_compat import CslResponse, CslResult, CslSource, CslSourceCount
from exportscreen.api.state import LoadedLists, Services, services
from exportscreen.api.trail import AUDITED_HITS, REFERENCE_HEADER, record_screening
from exportscreen.casework.audit_trail import CSL_SEARCH
from exportscreen.casework.evidence import reference
from exportscreen.model import Entry, Hit
from exportscreen.screening.screener import name_problem
from exportscreen.text.countries import ISO_ALPHA_2, country_code

router = APIRouter(prefix="/consolidated_screening_list/v1", tags=["CSL-compatible"])

# Fuzzy results below this score are noise to a CSL user; the CSL itself returns them down to
# about 60 (an edit-distance score), and users asked for a floor (developerportal#92).
FUZZY_FLOOR = 0.5
# Fuzzy search ranks at most this many candidates; pages beyond are not useful for screening.
FUZZY_CANDIDATES = 500
MAX_PAGE = 50  # the CSL API's largest page

Text = Annotated[str | None, Query(max_length=MAX_NAME_LENGTH)]
# The CSL takes ISO 3166 codes (a country's name is taken too, as everywhere in exportscreen).
COUNTRIES_PATTERN = comma_list_pattern(ISO_ALPHA_2)
# A name to search for, or none (blank: every record, filtered by the other parameters).
NameQuery = Annotated[
    str,
    Query(
        max_length=MAX_NAME_LENGTH,
        description="A name (with a letter or a digit), or blank for every record.",
        json_schema_extra={
            "anyOf": [
                {"type": "string", "pattern": r"^\s*$"},
                {"type": "string", "format": PARTY_NAME_FORMAT},
            ]
        },
    ),
]


def _codes(pattern: str, *examples: str) -> Any:
    return Query(max_length=200, examples=list(examples), json_schema_extra={"pattern": pattern})


def _country(text: str) -> str:
    code = country_code(text)
    if not code:
        raise ValueError("not a country")
    return code


def _filter(
    sources: str | None, types: str | None, countries: str | None, address: AddressFilter
) -> CslFilter:
    try:
        return CslFilter(
            sources=frozenset(parse_codes(sources, list_for_csl_source, "source")),
            types=frozenset(parse_codes(types, csl_type, "type")),
            countries=frozenset(parse_codes(countries, _country, "country")),
            address=address,
        )
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None


def _source_counts(entries: list[Entry]) -> list[CslSourceCount]:
    """The ``sources`` facet: results per source over the whole result set, most first."""
    counts: dict[str, int] = {}
    for entry in entries:
        name = CSL_SOURCE_NAMES[entry.list]
        counts[name] = counts.get(name, 0) + 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [CslSourceCount(value=name, count=count) for name, count in ordered]


def _sources(loaded: LoadedLists, wanted: CslFilter) -> list[CslSource]:
    return [
        CslSource(
            source=CSL_SOURCE_NAMES[summary.list],
            source_last_updated=summary.as_of.isoformat(),
            last_imported=summary.imported_at.isoformat(),
        )
        for summary in loaded.lists.values()
        if not wanted.sources or summary.list in wanted.sources
    ]


@router.get("/search", response_model=CslResponse, response_model_exclude_none=False)
def search(
    principal: Viewer,
    found: Annotated[Services, Depends(services)],
    response: Response,
    name: NameQuery = "",
    fuzzy_name: bool = False,
    sources: Annotated[str, _codes(SOURCES_PATTERN, "EL,MEU")] = "",
    types: Annotated[str, _codes(TYPES_PATTERN, "Entity")] = "",
    countries: Annotated[str, _codes(COUNTRIES_PATTERN, "CN,TW")] = "",
    address: Text = None,
    city: Text = None,
    state: Text = None,
    postal_code: Annotated[str | None, Query(max_length=40)] = None,
    full_address: Text = None,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 10,
    subscription_key: Annotated[
        str | None,
        Query(
            alias="subscription-key",
            max_length=200,
            description="The API key, as the CSL API takes it (a header is better: URLs are "
            "logged); read by the authentication, which also takes the header.",
        ),
    ] = None,
) -> CslResponse:
    """Search the lists as the CSL API does. ``name`` without ``fuzzy_name`` finds entries with
    every word of the name (any case, accents ignored) in their name or an alias;
    ``fuzzy_name=true`` ranks them by exportscreen's matcher and adds ``score`` (0-100).
    ``sources``, ``types`` and ``countries`` take comma-separated values; the address parameters
    must each be found in one of the entry's addresses. Example:
    ``/consolidated_screening_list/v1/search?name=Inspur%20Taiwan&fuzzy_name=true&sources=EL``"""
    wanted = _filter(
        sources,
        types,
        countries,
        AddressFilter(
            address=address or "",
            city=city or "",
            state=state or "",
            postal_code=postal_code or "",
            full_address=full_address or "",
        ),
    )
    if name.strip() and (problem := name_problem(name)) is not None:
        # Nothing to search for: an empty answer would read as "not listed".
        raise InputError(["query", "name"], problem)
    loaded = found.loaded()
    if name and name.strip():  # a name search is a screening: it counts as one name's work
        cutoff = FUZZY_FLOOR if fuzzy_name else 1.0
        found.work.charge_request(principal.rate_key, work_units(1, cutoff), ["query", "name"])
    scored: list[tuple[Entry, str, float | None]]
    if name and name.strip() and fuzzy_name:
        started = time.perf_counter()
        try:
            hits: list[Hit] = loaded.screener.screen(
                name,
                limit=FUZZY_CANDIDATES,
                threshold=FUZZY_FLOOR,
                lists=wanted.sources or None,
            )
        except ValueError as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
        found.metrics.screening_timer("csl").observe(time.perf_counter() - started)
        kept = [h for h in hits if wanted.accepts(h.entry)]
        scored = [(h.entry, h.matched_name, round(h.score * 100, 1)) for h in kept]
    else:
        pairs = loaded.catalog.search(name) if name and name.strip() else loaded.catalog.all()
        scored = [(entry, matched, None) for entry, matched in pairs if wanted.accepts(entry)]
    if name and name.strip():
        # A name search is a screening: the trail shows what was asked and what was found.
        seq = record_screening(
            found,
            principal,
            [{"name": name, "fuzzy": fuzzy_name, "sources": sources, "countries": countries}],
            [[{"entry": e.id, "score": s, "matched_name": m} for e, m, s in scored[:AUDITED_HITS]]],
            loaded,
            FUZZY_FLOOR if fuzzy_name else None,
            action=CSL_SEARCH,
        )
        response.headers[REFERENCE_HEADER] = reference(seq)
    page = scored[offset : offset + size]
    return CslResponse(
        total=len(scored),
        sources=_source_counts([entry for entry, _, _ in scored]),
        search_performed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        sources_used=_sources(loaded, wanted),
        results=[
            CslResult(**csl_record(entry), score=score, matched_name=matched)
            for entry, matched, score in page
        ],
    )
