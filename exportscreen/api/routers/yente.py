"""yente's API, answered by exportscreen: ``POST /match/{dataset}``, ``GET /search/{dataset}``,
``/entities/{id}`` (and ``/adjacent``), ``/algorithms`` and ``/catalog``, with yente's parameters,
defaults, status codes and response keys (yente's routers/match.py, search.py, admin.py and
data/common.py), so that its clients, OpenSanctions' ``yente-client`` among them, work unchanged.

Where yente would silently answer from nothing, this refuses with 400 instead: a dataset, schema
or topic name that does not exist in a filter, a weight outside its feature's bounds. A missed
party on a typo is the worst answer a screening can give.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from followthemoney import Schema
from followthemoney.types import registry
from pydantic import AfterValidator

from exportscreen.api.auth import Viewer
from exportscreen.api.csl_format import is_csl_record_id
from exportscreen.api.ftm import (
    BASE_SCHEMA,
    DATASET_TITLES,
    DATASETS,
    SCHEMA_NAMES,
    TOPIC_NAMES,
    TOPICS,
    ParsedExample,
    QueryError,
    Seen,
    comparable_schema,
    entity_response,
    entity_schema,
    known_schema,
    known_topics,
    lists_of,
    parse_example,
    schema_accepts,
)
from exportscreen.api.limits import work_units
from exportscreen.api.schemas import PARTY_NAME_FORMAT
from exportscreen.api.schemas_compat import (
    MAX_BATCH,
    AdjacentResponse,
    AdjacentResults,
    AlgorithmDescription,
    AlgorithmsResponse,
    CatalogDataset,
    CatalogResponse,
    EntityResponse,
    Feature,
    MatchRequest,
    MatchResponse,
    MatchResult,
    QueryEcho,
    QueryResponse,
    SearchResponse,
    Total,
)
from exportscreen.api.state import LoadedLists, Services, services
from exportscreen.api.trail import AUDITED_HITS, REFERENCE_HEADER, record_screening
from exportscreen.api.yente_params import (
    BEST_ALGORITHM,
    Filters,
    bad_request,
    check_algorithm,
    facets_of,
    filters_of,
    matcher_config,
    seen,
)
from exportscreen.casework.audit_trail import MATCH, SCREEN
from exportscreen.casework.evidence import reference
from exportscreen.lists import COLLECTION_CHILDREN, LISTS
from exportscreen.model import Entry, Hit, ListCode
from exportscreen.screening.features import ALGORITHM, DEFAULT_CONFIG, MatcherConfig
from exportscreen.screening.screener import name_problem

# yente takes a JSON body without a Content-Type header (its test_app.py); so does this router.
router = APIRouter(tags=["yente-compatible"], strict_content_type=False)

# yente's settings (yente/settings.py) where exportscreen has no reason to differ.
MATCH_PAGE = 5
MAX_MATCHES = 500
MATCH_CANDIDATES = 10  # candidates screened per result asked for, as yente retrieves them
MAX_MATCH_CANDIDATES = 500
FUZZY_SEARCH_FLOOR = 0.5  # /search?fuzzy=true lists candidates down to this score
DEFAULT_PAGE = 10
MAX_PAGE = 500
MAX_OFFSET = 9999 - MAX_PAGE
Facet = Literal["datasets", "schema", "countries", "identifiers", "topics", "genders"]

DatasetPath = Annotated[
    str, Path(max_length=60, description="Dataset or collection", examples=["default"])
]
Names = Annotated[tuple[str, ...], Query(max_length=50)]


def _vocabulary(names: Iterable[str], what: str) -> Any:
    """A repeated parameter whose values the router checks against ``names`` (400 for another,
    as yente): the OpenAPI lists them."""
    return Query(
        max_length=50,
        description=f"{what} (repeat the parameter for several)",
        json_schema_extra={"items": {"type": "string", "enum": list(names)}},
    )


DatasetNames = Annotated[tuple[str, ...], _vocabulary(DATASETS, "Dataset or collection names")]
SchemaNames = Annotated[tuple[str, ...], _vocabulary(SCHEMA_NAMES, "FtM schema names")]
TopicNames = Annotated[tuple[str, ...], _vocabulary(TOPIC_NAMES, "FtM topics")]


# A date or a date and time (ISO 8601); yente's pattern allows an hour without minutes too,
# which is taken, as any form ``datetime.fromisoformat`` reads.
def _timestamp(value: str | None) -> str | None:
    """A ``changed_since`` that ``datetime.fromisoformat`` reads (422 otherwise, as yente's
    pattern refuses what it does not match)."""
    if value is not None:
        datetime.fromisoformat(value)  # ValueError: pydantic's 422 names the parameter
    return value


ChangedSince = Annotated[
    str | None,
    AfterValidator(_timestamp),
    Query(
        max_length=40,
        description="Only entities changed since this date (data date)",
        json_schema_extra={
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
                {"type": "null"},
            ]
        },
    ),
]
# yente's parameters this server does not support: refused with 400 when given (not ignored).
Unsupported = Annotated[
    tuple[str, ...],
    Query(
        max_length=50,
        description="Not supported by this server: refused (400) when given",
        json_schema_extra={"maxItems": 0},
    ),
]
# yente's names of its algorithms are case-insensitive; "best" is the best one.
Algorithm = Annotated[
    str, Query(json_schema_extra={"enum": [BEST_ALGORITHM, ALGORITHM]}, max_length=60)
]


def _scope(dataset: str) -> frozenset[ListCode]:
    if dataset not in DATASETS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such dataset.")
    return DATASETS[dataset]


# --- /match -----------------------------------------------------------------------------------


def _screen_example(
    loaded: LoadedLists,
    key: str,
    example: ParsedExample,
    filters: Filters,
    candidates: int,
    cutoff: float,
    config: MatcherConfig,
) -> list[Hit]:
    """Every hit of one query at or above ``cutoff`` that the filters let through, best first:
    the best score of each entry over the query's names, or its identifiers alone when the query
    gives no name."""
    if not example.names and not example.identifiers:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"query {key!r} has no name and no identifier to match (its schema's properties "
            "of those types, after FtM's cleaning)",
        )
    if not filters.lists:
        return []
    best: dict[str, Hit] = {}
    refusals: list[str] = []
    for name in example.names:
        try:
            hits = loaded.screener.screen(
                name,
                country=example.country,
                # No party type: the schema filter below leaves out what the source types
                # otherwise (as yente), and for a record the source gives no type the
                # screener's type would be a guess held against it.
                limit=candidates,
                threshold=cutoff,
                lists=filters.lists,
                date_of_birth=example.birth_date,
                identifiers=example.identifiers,
                config=config,
            )
        except ValueError as error:  # a name of punctuation only: the other names still count
            refusals.append(str(error))
            continue
        for hit in hits:
            if hit.entry.id not in best or hit.score > best[hit.entry.id].score:
                best[hit.entry.id] = hit
    if refusals and len(refusals) == len(example.names) and not example.identifiers:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"query {key!r}: {refusals[0]}")
    if len(refusals) == len(example.names):  # no name could be screened: its identifiers can
        for hit in loaded.screener.screen_identifiers(
            example.identifiers, lists=filters.lists, config=config
        ):
            if hit.score >= cutoff:
                best[hit.entry.id] = hit
    kept = [
        h
        for h in best.values()
        if filters.accepts(h.entry) and schema_accepts(example.schema, comparable_schema(h.entry))
    ]
    return sorted(kept, key=lambda h: (-h.score, h.entry.id))


def _result(hit: Hit, threshold: float, when: Seen) -> MatchResult:
    explanation = hit.explanation
    features = {
        "name": Feature(
            score=hit.score,
            detail=explanation.summary,
            query=" ".join(t.query for t in explanation.tokens) or None,
            candidate=hit.matched_name,
        )
    }
    # Each penalty names its feature (screening.features, matching.score): the key is that name.
    for penalty in explanation.penalties:
        features[penalty.feature] = Feature(
            score=-penalty.amount, detail=penalty.reason, weight=penalty.amount
        )
    return MatchResult.model_validate(
        {
            **entity_response(hit.entry, when),
            "score": hit.score,
            "match": hit.score >= threshold,
            "explanations": features,
        }
    )


@router.post("/match/{dataset}", response_model=MatchResponse, response_model_by_alias=True)
def match(
    body: MatchRequest,
    principal: Viewer,
    found: Annotated[Services, Depends(services)],
    response: Response,
    dataset: DatasetPath,
    limit: Annotated[int, Query(ge=1, le=MAX_MATCHES)] = MATCH_PAGE,
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    cutoff: Annotated[float | None, Query(ge=0.0, le=1.0, deprecated=True)] = None,
    algorithm: Algorithm = BEST_ALGORITHM,
    include_dataset: DatasetNames = (),
    exclude_dataset: DatasetNames = (),
    exclude_schema: SchemaNames = (),
    topics: TopicNames = (),
    changed_since: ChangedSince = None,
    exclude_entity_ids: Names = (),
) -> MatchResponse:
    """Match up to 100 entities given by example, as yente does. A result's ``match`` says
    whether its score reaches ``threshold`` (default: the server's alert threshold); results
    below ``cutoff`` (deprecated; default and at most ``threshold``) are left out, so by default
    only matches are listed. ``total`` counts the matches among every candidate, also those past
    ``limit``. ``weights`` and ``config`` set the features' weights within the bounds
    ``/algorithms`` gives. Unlike yente, a result scoring exactly ``cutoff`` is kept."""
    scope = _scope(dataset)
    check_algorithm(algorithm)
    config = matcher_config(DEFAULT_CONFIG, body.weights, body.config)
    if not body.queries:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "No queries provided.")
    if len(body.queries) > MAX_BATCH:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"Too many queries in one batch (limit: {MAX_BATCH})"
        )
    try:
        examples = {
            key: parse_example(q.schema_, q.properties, q.id) for key, q in body.queries.items()
        }
    except QueryError as error:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"Cannot parse example entity: {error}"
        ) from None
    filters = filters_of(
        found, scope, include_dataset, exclude_dataset, topics, exclude_schema,
        exclude_entity_ids, changed_since,
    )  # fmt: skip
    loaded = found.loaded()
    match_at = found.config.threshold if threshold is None else threshold
    floor = min(match_at if cutoff is None else cutoff, match_at)
    candidates = min(max(20, limit * MATCH_CANDIDATES), max(MAX_MATCH_CANDIDATES, limit))
    # Work, not requests: each name of each query, weighted by how low the floor goes.
    names = sum(max(1, len(example.names)) for example in examples.values())
    found.work.charge_request(principal.rate_key, work_units(names, floor), ["body", "queries"])
    started = time.perf_counter()
    answers = {
        key: _screen_example(loaded, key, example, filters, candidates, floor, config)
        for key, example in examples.items()
    }
    found.metrics.screening_timer("match").observe(time.perf_counter() - started)
    seq = record_screening(
        found,
        principal,
        # The identifiers screened too: one given under a property its schema lacks is not
        # in the echo.
        [
            {"key": key, "dataset": dataset, **example.echo(), "identifiers": example.identifiers}
            for key, example in examples.items()
        ],
        [hits[:AUDITED_HITS] for hits in answers.values()],
        loaded,
        match_at,
        action=MATCH,
    )
    response.headers[REFERENCE_HEADER] = reference(seq)
    responses = {}
    for key, hits in answers.items():
        shown = hits[:limit]
        responses[key] = QueryResponse(
            status=200,
            results=[_result(h, match_at, seen(found, loaded, h.entry)) for h in shown],
            total=Total(value=sum(h.score >= match_at for h in hits), relation="eq"),
            query=QueryEcho.model_validate(examples[key].echo()),
        )
    return MatchResponse(responses=responses, limit=limit)


# --- /search ----------------------------------------------------------------------------------


@router.get("/search/{dataset}", response_model=SearchResponse, response_model_by_alias=True)
def search(
    principal: Viewer,
    found: Annotated[Services, Depends(services)],
    response: Response,
    dataset: DatasetPath,
    q: Annotated[
        str,
        Query(
            max_length=500,
            description="Words to find (with a letter or a digit), or blank for every entity.",
            json_schema_extra={
                "anyOf": [
                    {"type": "string", "pattern": r"^\s*$"},
                    {"type": "string", "format": PARTY_NAME_FORMAT},
                ]
            },
        ),
    ] = "",
    schema: Annotated[
        str, Query(max_length=60, json_schema_extra={"enum": list(SCHEMA_NAMES)})
    ] = BASE_SCHEMA,
    include_dataset: DatasetNames = (),
    exclude_dataset: DatasetNames = (),
    exclude_schema: SchemaNames = (),
    changed_since: ChangedSince = None,
    countries: Names = (),
    topics: TopicNames = (),
    datasets: DatasetNames = (),
    limit: Annotated[int, Query(ge=0, le=MAX_PAGE)] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    fuzzy: bool = False,
    simple: bool = False,
    facets: Annotated[tuple[Facet, ...], Query(max_length=6)] = ("countries", "topics", "datasets"),
    filter_op: Literal["AND", "OR"] = "OR",
    target: Annotated[bool | None, Query(deprecated=True)] = None,
    filter: Unsupported = (),
    sort: Unsupported = (),
) -> SearchResponse:
    """Text search, as yente's: ``q`` finds entries with every word of it in one of their names
    (any case, accents ignored; ``simple`` changes nothing, there is no query syntax); with
    ``fuzzy=true`` they are ranked by exportscreen's matcher instead. Several values of
    ``countries``, ``topics`` or ``datasets`` combine by ``filter_op`` (default OR), filters with
    each other by AND. ``filter`` (property filters) and ``sort`` are refused (400) rather than
    ignored: this server has no property index and keeps list order."""
    scope = _scope(dataset)
    if q.strip() and (problem := name_problem(q)) is not None:
        # Nothing to search for: an empty answer would read as "not listed".
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"q: {problem}")
    if filter or sort:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"{'filter' if filter else 'sort'} is not supported by this server",
        )
    try:
        wanted_schema = known_schema(schema, "schema")
        chosen = [lists_of([d], "datasets") for d in datasets]
        wanted_topics = set(known_topics(topics))
    except QueryError as error:
        raise bad_request(error) from None
    filters = filters_of(
        found, scope, include_dataset, exclude_dataset, topics if filter_op == "OR" else (),
        exclude_schema, (), changed_since,
    )  # fmt: skip
    wanted_countries = {c.lower() for c in countries}
    every = filter_op == "AND"

    def in_filters(entry: Entry) -> bool:
        held = {c.lower() for c in entry.countries}
        if wanted_countries and not (
            wanted_countries <= held if every else wanted_countries & held
        ):
            return False
        if every and wanted_topics and not wanted_topics <= {TOPICS[entry.list]}:
            return False
        in_chosen = [entry.list in lists for lists in chosen]
        if chosen and not (all(in_chosen) if every else any(in_chosen)):
            return False
        return target is None or target is bool({TOPICS[entry.list]} & registry.topic.RISKS)

    loaded = found.loaded()
    text = q.strip()
    if text:  # a name search is a screening: one name's work, as the CSL search
        cutoff = FUZZY_SEARCH_FLOOR if fuzzy else 1.0
        found.work.charge_request(principal.rate_key, work_units(1, cutoff), ["query", "q"])
    if text and fuzzy:
        try:
            hits = loaded.screener.screen(
                text, limit=MAX_MATCH_CANDIDATES, threshold=FUZZY_SEARCH_FLOOR
            )
        except ValueError as error:
            raise bad_request(error) from None
        matched: Iterable[Entry] = (h.entry for h in hits)
    elif text:
        matched = (entry for entry, _ in loaded.catalog.search(text))
    else:
        matched = loaded.screener.entries
    kept = [
        entry
        for entry in matched
        if filters.accepts(entry)
        and in_filters(entry)
        and _schema_is(wanted_schema, comparable_schema(entry))
    ]
    if text:
        seq = record_screening(
            found,
            principal,
            [{"q": text, "fuzzy": fuzzy, "dataset": dataset}],
            [[{"entry": e.id} for e in kept[:AUDITED_HITS]]],
            loaded,
            None,
            action=SCREEN,
        )
        response.headers[REFERENCE_HEADER] = reference(seq)
    page = kept[offset : offset + limit]
    return SearchResponse.model_validate(
        {
            "results": [entity_response(e, seen(found, loaded, e)) for e in page],
            "facets": facets_of(kept, facets),
            "total": {"value": len(kept), "relation": "eq"},
            "limit": limit,
            "offset": offset,
        }
    )


def _schema_is(wanted: Schema, name: str) -> bool:
    return wanted.name == BASE_SCHEMA or schema_accepts(wanted, name) or name == wanted.name


# --- /entities --------------------------------------------------------------------------------


def _entity(found: Services, entity_id: str) -> tuple[LoadedLists, Entry | str]:
    """The current entry of that id, or the canonical id of a referent (the CSL's ``_id``)."""
    loaded = found.loaded()
    entry = loaded.screener.entry(entity_id)
    if entry is not None:
        return loaded, entry
    if is_csl_record_id(entity_id):
        for candidate in loaded.screener.entries:
            if candidate.source_id == entity_id:
                return loaded, candidate.id
    raise HTTPException(status.HTTP_404_NOT_FOUND, "No such entity!")


@router.get(
    "/entities/{entity_id}",
    response_model=EntityResponse,
    response_model_by_alias=True,
    responses={308: {"description": "The id is a referent of another entity"}},
)
def fetch_entity(
    request: Request,
    principal: Viewer,
    found: Annotated[Services, Depends(services)],
    entity_id: Annotated[str, Path(max_length=200)],
    nested: bool = True,
) -> Any:
    """One entity by id. The lists carry no relations between entries, so ``nested`` adds
    nothing; a referent (the CSL's own ``_id``) redirects to the entity (308), as yente does."""
    loaded, entry = _entity(found, entity_id)
    if isinstance(entry, str):
        url = request.app.url_path_for("fetch_entity", entity_id=entry)
        return RedirectResponse(url, status_code=status.HTTP_308_PERMANENT_REDIRECT)
    return EntityResponse.model_validate(entity_response(entry, seen(found, loaded, entry)))


@router.get(
    "/entities/{entity_id}/adjacent",
    response_model=AdjacentResponse,
    response_model_by_alias=True,
)
def fetch_adjacent(
    request: Request,
    principal: Viewer,
    found: Annotated[Services, Depends(services)],
    entity_id: Annotated[str, Path(max_length=200)],
) -> Any:
    """The entity and its adjacent entities by property: none, since the lists relate no
    entries to one another."""
    loaded, entry = _entity(found, entity_id)
    if isinstance(entry, str):
        url = request.app.url_path_for("fetch_adjacent", entity_id=entry)
        return RedirectResponse(url, status_code=status.HTTP_308_PERMANENT_REDIRECT)
    return AdjacentResponse.model_validate(
        {"entity": entity_response(entry, seen(found, loaded, entry)), "adjacent": {}}
    )


@router.get("/entities/{entity_id}/adjacent/{property_name}", response_model=AdjacentResults)
def fetch_adjacent_property(
    principal: Viewer,
    found: Annotated[Services, Depends(services)],
    entity_id: Annotated[str, Path(max_length=200)],
    property_name: Annotated[str, Path(max_length=60)],
    limit: Annotated[int, Query(ge=0, le=MAX_PAGE)] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> AdjacentResults:
    """Adjacent entities through one entity-valued property: 404 for a property the entity's
    schema lacks, as yente; otherwise none."""
    _, entry = _entity(found, entity_id)
    schema = known_schema(entity_schema(entry) if isinstance(entry, Entry) else "Thing", "schema")
    prop = schema.properties.get(property_name)
    if prop is None or prop.type != registry.entity:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such property!")
    return AdjacentResults(
        results=[], total=Total(value=0, relation="eq"), limit=limit, offset=offset
    )


# --- /algorithms, /catalog --------------------------------------------------------------------


@router.get("/algorithms", response_model=AlgorithmsResponse)
def algorithms() -> AlgorithmsResponse:
    """The matching algorithm: exportscreen's, with its features, their weights and the bounds
    a request may set them within (``weights`` or ``config`` in a /match request)."""
    features = {
        f["name"]: {"description": f["description"], "coefficient": f["weight"]}
        for f in DEFAULT_CONFIG.describe()
    }
    docs = {
        "name": ALGORITHM,
        "description": "exportscreen's name matcher and its qualifiers (docs/matcher.md)",
        "features": features,
        "config": {
            f["name"]: {
                "description": f["description"],
                "type": "float",
                "default": f["default_weight"],
                "bounds": f["bounds"],
                "applies_to": f["applies_to"],
            }
            for f in DEFAULT_CONFIG.describe()
        },
    }
    return AlgorithmsResponse(
        algorithms=[
            AlgorithmDescription(
                name=ALGORITHM,
                description="IDF-weighted token alignment over every script and alias, then "
                "the qualifiers (type, country, birth year, identifiers).",
                features=features,
                docs=docs,
            )
        ],
        default=BEST_ALGORITHM,
        best=ALGORITHM,
    )


@router.get("/catalog", response_model=CatalogResponse)
def catalog(found: Annotated[Services, Depends(services)]) -> CatalogResponse:
    """Every dataset and collection a request may name. A list's dataset is current when the
    list is loaded into the index; ``version`` is the loaded version's data date."""
    loaded = found.lists.current()
    held = loaded.lists if loaded is not None else {}
    entries_by_list: dict[ListCode, int] = {}
    for summary in held.values():
        entries_by_list[summary.list] = summary.entry_count
    datasets = []
    current: list[str] = []
    for name, codes in DATASETS.items():
        single = next(iter(codes)) if name not in COLLECTION_CHILDREN else None
        loaded_codes = [c for c in codes if c.value in held]
        updated = max((held[c.value].as_of for c in loaded_codes), default=None)
        if single is not None:
            facts = LISTS[single]
            is_current = single.value in held
            datasets.append(
                CatalogDataset(
                    name=name,
                    title=DATASET_TITLES[name],
                    summary=facts.meaning.effect,
                    publisher={"name": facts.agency, "country": "us", "official": True},
                    version=_version(updated),
                    updated_at=updated.isoformat() if updated else None,
                    entity_count=entries_by_list.get(single),
                    load=True,
                    index_version=_version(updated),
                    index_current=is_current,
                    children=[],
                )
            )
            if is_current:
                current.append(name)
        else:
            children = list(COLLECTION_CHILDREN.get(name, ()))
            datasets.append(
                CatalogDataset(
                    name=name,
                    title=DATASET_TITLES[name],
                    version=_version(updated),
                    updated_at=updated.isoformat() if updated else None,
                    entity_count=sum(entries_by_list.get(c, 0) for c in codes),
                    load=False,
                    index_current=bool(loaded_codes),
                    children=children,
                )
            )
    return CatalogResponse(datasets=datasets, current=current, outdated=[], index_stale=False)


def _version(day: date | None) -> str | None:
    return day.strftime("%Y%m%d") if day else None
