"""The response and request shapes of the two APIs exportscreen stands in for: the trade.gov CSL
search (anchors §3) and yente's ``/match`` (anchors §1.1), so that their clients work unchanged."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StringConstraints

from exportscreen.api.config import MAX_NAME_LENGTH
from exportscreen.api.ftm import QUERY_SCHEMATA, screenable_query_rule
from exportscreen.api.schemas import PARTY_NAME_FORMAT
from exportscreen.screening.features import DEFAULT_CONFIG

# --- CSL ------------------------------------------------------------------------------------------


class CslAddress(BaseModel):
    address: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None


class CslId(BaseModel):
    type: str
    number: str
    country: str | None
    issue_date: str | None
    expiration_date: str | None


class CslResult(BaseModel):
    id: str
    source: str
    entity_number: str | None
    type: str | None
    programs: list[str]
    name: str
    title: str | None
    addresses: list[CslAddress]
    federal_register_notice: str | None
    start_date: str | None
    end_date: str | None
    standard_order: str | None
    license_requirement: str | None
    license_policy: str | None
    call_sign: str | None
    vessel_type: str | None
    gross_tonnage: str | None
    gross_registered_tonnage: str | None
    vessel_flag: str | None
    vessel_owner: str | None
    remarks: str | None
    source_list_url: str | None
    alt_names: list[str]
    citizenships: list[str]
    dates_of_birth: list[str]
    nationalities: list[str]
    places_of_birth: list[str]
    source_information_url: str | None
    ids: list[CslId]
    score: float | None = Field(
        default=None, description="0-100, only with fuzzy_name=true (as the CSL API)."
    )
    matched_name: str = Field(
        description="The name or alias that matched (not in the original CSL API)."
    )


class CslSourceCount(BaseModel):
    """One facet of the response's ``sources``: how many results come from a source."""

    value: str
    count: int


class CslSource(BaseModel):
    source: str
    source_last_updated: str
    last_imported: str


class CslResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "total": 1,
                    "sources": [
                        {"value": "Entity List (EL) - Bureau of Industry and Security", "count": 1}
                    ],
                    "search_performed_at": "2026-07-10T08:00:00+00:00",
                    "sources_used": [
                        {
                            "source": "Entity List (EL) - Bureau of Industry and Security",
                            "source_last_updated": "2026-07-09",
                            "last_imported": "2026-07-10T06:00:00+00:00",
                        }
                    ],
                    "results": [
                        {
                            "id": "8a7be9c5d7c41e0b7d3a2a0c5f5f3c2b1d9e8f70",
                            "source": "Entity List (EL) - Bureau of Industry and Security",
                            "entity_number": None,
                            "type": None,
                            "programs": [],
                            "name": "Inspur Taiwan",
                            "title": None,
                            "addresses": [
                                {
                                    "address": "Taipei",
                                    "city": None,
                                    "state": None,
                                    "postal_code": None,
                                    "country": "TW",
                                }
                            ],
                            "federal_register_notice": "90 FR 14048, 3/28/25",
                            "start_date": None,
                            "end_date": None,
                            "standard_order": None,
                            "license_requirement": "For all items subject to the EAR.",
                            "license_policy": None,
                            "call_sign": None,
                            "vessel_type": None,
                            "gross_tonnage": None,
                            "gross_registered_tonnage": None,
                            "vessel_flag": None,
                            "vessel_owner": None,
                            "remarks": None,
                            "source_list_url": None,
                            "alt_names": [],
                            "citizenships": [],
                            "dates_of_birth": [],
                            "nationalities": [],
                            "places_of_birth": [],
                            "source_information_url": None,
                            "ids": [],
                            "score": 100.0,
                            "matched_name": "Inspur Taiwan",
                        }
                    ],
                }
            ]
        }
    )
    total: int
    sources: list[CslSourceCount] = Field(
        description="How many results come from each source (facet counts, as the CSL API)."
    )
    results: list[CslResult]
    search_performed_at: str
    sources_used: list[CslSource] = Field(
        description="Each source searched: its data date and when it was imported."
    )


# --- yente ---------------------------------------------------------------------------------------
# Shapes of yente's yente/data/common.py, so that its clients (yente-client) read our answers.

ScalarValue = (
    Annotated[str, StringConstraints(max_length=MAX_NAME_LENGTH)] | StrictInt | StrictFloat
)
# A property is a value or a list of values, numbers included ("birthDate": [1965]), as in yente.
PropertyValues = ScalarValue | Annotated[list[ScalarValue | None], Field(max_length=20)]


# yente's settings.MAX_BATCH: queries in one /match request.
MAX_BATCH = 100


def _values_with(item: dict[str, Any]) -> dict[str, Any]:
    """A property's value as a string like ``item``, or a list holding one."""
    return {"anyOf": [item, {"type": "array", "contains": item}]}


def _example_schema(schema: dict[str, Any]) -> None:
    """What the router refuses with 400 (as yente), said in the OpenAPI: a schema that is not
    one a query may have, and a query without a name to screen (a letter or digit) or an
    identifier (``ftm.parse_example``)."""
    schema["properties"]["schema"]["enum"] = list(QUERY_SCHEMATA)
    schema["properties"]["properties"]["anyOf"] = screenable_query_rule(
        _values_with({"type": "string", "format": PARTY_NAME_FORMAT}),
        _values_with({"type": "string", "pattern": r"\S"}),
    )


class EntityExample(BaseModel):
    """A query: an FtM entity given by example, of a schema FtM marks matchable (or Thing), with
    a name or an identifier to screen. The router refuses others with 400, as yente refuses
    unknown and non-matchable schemata; the OpenAPI says so (``_example_schema``)."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        allow_inf_nan=False,
        json_schema_extra=_example_schema,
    )
    id: Annotated[str, StringConstraints(max_length=200)] | None = None
    schema_: Annotated[str, StringConstraints(max_length=60)] = Field(alias="schema")
    properties: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=60)], PropertyValues
    ] = Field(max_length=30)


def _weights_schema() -> dict[str, Any]:
    """The features a request may weigh and each one's bounds (``GET /algorithms``); the router
    refuses others with 400, as yente refuses an unknown configuration parameter."""
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            f["name"]: {"type": "number", "minimum": f["bounds"][0], "maximum": f["bounds"][1]}
            for f in DEFAULT_CONFIG.describe()
        },
    }


class MatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [
                {
                    "queries": {
                        "q1": {
                            "schema": "Company",
                            "properties": {"name": ["Inspur Taiwan"], "country": ["tw"]},
                        },
                        "q2": {
                            "schema": "Person",
                            "properties": {"name": "Ivan Petrov", "birthDate": [1961]},
                        },
                    },
                    "weights": {"country_mismatch": 0.05},
                }
            ]
        },
    )
    # 1 to MAX_BATCH queries: the router refuses none or more with 400, as yente.
    queries: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=100)], EntityExample
    ] = Field(json_schema_extra={"minProperties": 1, "maxProperties": MAX_BATCH})
    # The matcher's feature weights (GET /algorithms: each feature's bounds); yente's `config`
    # takes the same names here, since exportscreen's features are its only parameters.
    weights: dict[str, StrictInt | StrictFloat] = Field(
        default_factory=dict, json_schema_extra=_weights_schema()
    )
    config: dict[str, StrictInt | StrictFloat] = Field(
        default_factory=dict, json_schema_extra=_weights_schema()
    )


class Feature(BaseModel):
    score: float
    detail: str | None = None
    query: str | None = None
    candidate: str | None = None
    weight: float | None = None


_ENTITY_EXAMPLE: dict[str, Any] = {
    "id": "SDN-35096",
    "caption": "PUTIN, Vladimir Vladimirovich",
    "schema": "Person",
    "properties": {
        "name": ["PUTIN, Vladimir Vladimirovich"],
        "alias": ["PUTIN, Vladimir"],
        "birthDate": ["1952-10-07"],
        "country": ["ru"],
        "topics": ["sanction"],
    },
    "datasets": ["us_ofac_sdn"],
    "referents": [],
    "target": True,
    "first_seen": "2022-04-21T00:00:00",
    "last_seen": "2022-05-16T00:00:00",
    "last_change": "2022-04-21T00:00:00",
}
_MATCH_EXAMPLE: dict[str, Any] = {
    **_ENTITY_EXAMPLE,
    "score": 1.0,
    "match": True,
    "explanations": {
        "name": {
            "score": 1.0,
            "detail": "vladimir=vladimir (exact), putin=putin (exact)",
            "query": "Vladimir Putin",
            "candidate": "PUTIN, Vladimir",
        }
    },
}


class EntityResponse(BaseModel):
    """An entity as yente returns it (id, caption, schema, properties, datasets, referents,
    target, first_seen, last_seen, last_change)."""

    model_config = ConfigDict(
        populate_by_name=True, json_schema_extra={"examples": [_ENTITY_EXAMPLE]}
    )
    id: str
    caption: str
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str]]
    datasets: list[str]
    referents: list[str]
    target: bool
    first_seen: str | None
    last_seen: str | None
    last_change: str | None


class MatchResult(EntityResponse):
    model_config = ConfigDict(json_schema_extra={"examples": [_MATCH_EXAMPLE]})
    score: float
    match: bool
    explanations: dict[str, Feature]


class Total(BaseModel):
    value: int
    relation: Literal["eq", "gte"]


class QueryEcho(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str | None
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str]]


class QueryResponse(BaseModel):
    status: int
    results: list[MatchResult]
    total: Total
    query: QueryEcho


class MatchResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "responses": {
                        "q1": {
                            "status": 200,
                            "results": [_MATCH_EXAMPLE],
                            "total": {"value": 1, "relation": "eq"},
                            "query": {
                                "id": None,
                                "schema": "Person",
                                "properties": {"name": ["Vladimir Putin"], "country": ["ru"]},
                            },
                        }
                    },
                    "limit": 5,
                }
            ]
        }
    )
    responses: dict[str, QueryResponse]
    limit: int


class SearchFacetItem(BaseModel):
    name: str
    label: str
    count: int


class SearchFacet(BaseModel):
    label: str
    values: list[SearchFacetItem]


class SearchResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "results": [_ENTITY_EXAMPLE],
                    "facets": {
                        "countries": {
                            "label": "Countries",
                            "values": [{"name": "ru", "label": "Russia", "count": 1}],
                        }
                    },
                    "total": {"value": 1, "relation": "eq"},
                    "limit": 10,
                    "offset": 0,
                }
            ]
        }
    )
    results: list[EntityResponse]
    facets: dict[str, SearchFacet]
    total: Total
    limit: int
    offset: int


class AdjacentResults(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"results": [], "total": {"value": 0, "relation": "eq"}, "limit": 10, "offset": 0}
            ]
        }
    )
    results: list[EntityResponse]
    total: Total
    limit: int
    offset: int


class AdjacentResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"entity": _ENTITY_EXAMPLE, "adjacent": {}}]}
    )
    entity: EntityResponse
    adjacent: dict[str, AdjacentResults]


class AlgorithmDescription(BaseModel):
    name: str
    description: str
    features: dict[str, Any]
    docs: dict[str, Any]


class AlgorithmsResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "algorithms": [
                        {
                            "name": "exportscreen-match/2",
                            "description": "IDF-weighted token alignment, then the qualifiers.",
                            "features": {
                                "country_mismatch": {
                                    "description": "The query's country is none of ...",
                                    "coefficient": 0.1,
                                }
                            },
                            "docs": {"config": {"country_mismatch": {"bounds": [0.0, 0.2]}}},
                        }
                    ],
                    "default": "best",
                    "best": "exportscreen-match/2",
                }
            ]
        }
    )
    algorithms: list[AlgorithmDescription]
    default: str
    best: str


class CatalogDataset(BaseModel):
    name: str
    title: str
    summary: str | None = None
    publisher: dict[str, Any] | None = None
    version: str | None = None
    updated_at: str | None = None
    entity_count: int | None = None
    load: bool
    index_version: str | None = None
    index_current: bool
    children: list[str]


class CatalogResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "datasets": [
                        {
                            "name": "us_ofac_sdn",
                            "title": "Specially Designated Nationals (OFAC)",
                            "version": "20220516",
                            "updated_at": "2022-05-16",
                            "entity_count": 10026,
                            "load": True,
                            "index_version": "20220516",
                            "index_current": True,
                            "children": [],
                        }
                    ],
                    "current": ["us_ofac_sdn"],
                    "outdated": [],
                    "index_stale": False,
                }
            ]
        }
    )
    datasets: list[CatalogDataset]
    current: list[str]
    outdated: list[str]
    index_stale: bool
