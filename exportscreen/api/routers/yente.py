"""``POST /match/{dataset}``: yente's query-by-example screening, answered by exportscreen.

Request and response follow yente (anchors §1.1) for its common use: queries of a schema and
properties (``name``, ``country``, ``birthDate``, identifier properties), results with an id,
caption, schema, FtM-style properties, datasets, a score, whether it is a match, and
explanations. Datasets are ``default`` (every list) or one list (``us_el``, ``us_sdn``...).
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from exportscreen.api.auth import Viewer
from exportscreen.api.ftm import (
    DATASETS,
    IDENTIFIER_PROPERTIES,
    QUERY_TYPES,
    SCHEMAS,
    dataset_name,
    entity_properties,
)
from exportscreen.api.schemas_compat import (
    Feature,
    MatchQuery,
    MatchRequest,
    MatchResponse,
    MatchResult,
    QueryResponse,
    Total,
)
from exportscreen.api.state import LoadedLists, Services, services
from exportscreen.api.trail import record_screening
from exportscreen.casework.audit_trail import MATCH
from exportscreen.model import Hit, ListCode

router = APIRouter(tags=["yente-compatible"])

# yente shows candidates below the match threshold (with match=false) down to a cutoff.
CANDIDATE_CUTOFF = 0.5
MAX_LIMIT = 100


def _screen_query(
    loaded: LoadedLists,
    key: str,
    query: MatchQuery,
    lists: frozenset[ListCode] | None,
    limit: int,
    cutoff: float,
) -> list[Hit]:
    names = [n for n in query.properties.get("name", []) if n.strip()]
    if not names:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"query {key!r} has no 'name' property"
        )
    countries = query.properties.get("country", [])
    birth_dates = query.properties.get("birthDate", [])
    identifiers = [
        value
        for prop, values in query.properties.items()
        if prop in IDENTIFIER_PROPERTIES
        for value in values
    ]
    best: dict[str, Hit] = {}
    for name in names:
        try:
            hits = loaded.screener.screen(
                name,
                country=countries[0] if countries else None,
                type=QUERY_TYPES[query.schema_],
                limit=limit,
                threshold=cutoff,
                lists=lists,
                date_of_birth=birth_dates[0] if birth_dates else None,
                identifiers=identifiers,
            )
        except ValueError as error:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"query {key!r}: {error}"
            ) from None
        for hit in hits:
            if hit.entry.id not in best or hit.score > best[hit.entry.id].score:
                best[hit.entry.id] = hit
    ranked = sorted(best.values(), key=lambda h: (-h.score, h.entry.id))
    return ranked[:limit]


def _result(hit: Hit, threshold: float) -> MatchResult:
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
        features[penalty.feature] = Feature(score=-penalty.amount, detail=penalty.reason)
    return MatchResult(
        id=hit.entry.id,
        caption=hit.entry.name,
        schema=SCHEMAS[hit.entry.type],
        properties=entity_properties(hit.entry),
        datasets=[dataset_name(hit.entry.list)],
        score=hit.score,
        match=hit.score >= threshold,
        explanations=features,
    )


@router.post("/match/{dataset}", response_model=MatchResponse, response_model_by_alias=True)
def match(
    body: MatchRequest,
    principal: Viewer,
    found: Annotated[Services, Depends(services)],
    dataset: Annotated[str, Path(max_length=40, examples=["default", "us_el"])],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 5,
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
) -> MatchResponse:
    """Match up to 100 entities given by example. Each result's ``match`` says whether its
    score reaches ``threshold`` (default: the server's alert threshold); weaker candidates
    down to 0.5 are listed with ``match: false``, as yente does."""
    if dataset not in DATASETS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"unknown dataset {dataset!r}; one of " + ", ".join(sorted(DATASETS)),
        )
    loaded = found.loaded()
    cutoff_at = found.config.threshold if threshold is None else threshold
    cutoff = min(CANDIDATE_CUTOFF, cutoff_at)
    started = time.perf_counter()
    answers = {
        key: _screen_query(loaded, key, query, DATASETS[dataset], limit, cutoff)
        for key, query in body.queries.items()
    }
    found.metrics.screening.labels("match").observe(time.perf_counter() - started)
    record_screening(
        found,
        principal,
        [
            {"key": key, "dataset": dataset, **query.model_dump(by_alias=True)}
            for key, query in body.queries.items()
        ],
        list(answers.values()),
        loaded,
        cutoff_at,
        action=MATCH,
    )
    return MatchResponse(
        responses={
            key: QueryResponse(
                status=200,
                results=[_result(h, cutoff_at) for h in hits],
                total=Total(value=len(hits), relation="eq"),
                query=body.queries[key].model_dump(by_alias=True),
            )
            for key, hits in answers.items()
        },
        limit=limit,
    )
