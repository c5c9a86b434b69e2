"""The response and request shapes of the two APIs exportscreen stands in for: the trade.gov CSL
search (anchors §3) and yente's ``/match`` (anchors §1.1), so that their clients work unchanged."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from exportscreen.api.config import MAX_NAME_LENGTH

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
                        {
                            "source": "Entity List (EL) - Bureau of Industry and Security",
                            "source_last_updated": "2026-07-09",
                            "last_imported": "2026-07-10T06:00:00+00:00",
                        }
                    ],
                    "results": [
                        {
                            "id": "EL-37079698bd50",
                            "source": "Entity List (EL) - Bureau of Industry and Security",
                            "entity_number": None,
                            "type": "Entity",
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
    sources: list[CslSource]
    results: list[CslResult]


# --- yente ----------------------------------------------------------------------------------------

FtmSchema = Literal["Person", "Company", "Organization", "LegalEntity", "Vessel", "Airplane"]
PropertyValue = Annotated[str, StringConstraints(max_length=MAX_NAME_LENGTH)]


class MatchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    schema_: FtmSchema = Field(alias="schema")
    properties: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=60)],
        Annotated[list[PropertyValue], Field(max_length=20)],
    ] = Field(max_length=30)


class MatchRequest(BaseModel):
    # yente's "weights" and "config" tune its own algorithms; they are accepted and ignored.
    model_config = ConfigDict(
        extra="forbid",
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
                            "properties": {"name": ["Ivan Petrov"], "birthDate": ["1961"]},
                        },
                    }
                }
            ]
        },
    )
    queries: dict[Annotated[str, StringConstraints(min_length=1, max_length=100)], MatchQuery] = (
        Field(min_length=1, max_length=100)
    )
    weights: dict[str, float] | None = None
    config: dict[str, Any] | None = None


class Feature(BaseModel):
    score: float
    detail: str
    query: str | None = None
    candidate: str | None = None


class MatchResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str
    caption: str
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str]]
    datasets: list[str]
    score: float
    match: bool
    explanations: dict[str, Feature]


class Total(BaseModel):
    value: int
    relation: Literal["eq", "gte"]


class QueryResponse(BaseModel):
    status: int
    results: list[MatchResult]
    total: Total
    query: dict[str, Any]


class MatchResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "responses": {
                        "q1": {
                            "status": 200,
                            "results": [
                                {
                                    "id": "EL-37079698bd50",
                                    "caption": "Inspur Taiwan",
                                    "schema": "Organization",
                                    "properties": {"name": ["Inspur Taiwan"], "country": ["tw"]},
                                    "datasets": ["us_bis_el"],
                                    "score": 1.0,
                                    "match": True,
                                    "explanations": {
                                        "name": {
                                            "score": 1.0,
                                            "detail": "matched inspur=inspur, taiwan=taiwan",
                                            "query": "Inspur Taiwan",
                                            "candidate": "Inspur Taiwan",
                                        }
                                    },
                                }
                            ],
                            "total": {"value": 1, "relation": "eq"},
                            "query": {
                                "schema": "Company",
                                "properties": {"name": ["Inspur Taiwan"], "country": ["tw"]},
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
