"""Request and response models of the native API (``/v1``), with the examples the OpenAPI page
shows. The CSL- and yente-compatible shapes live in ``schemas_compat``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from exportscreen.api.config import MAX_NAME_LENGTH
from exportscreen.api.schemas_dated import AS_OF, HitOnDate, ListsAsOf
from exportscreen.decisions.policy import IsoDate
from exportscreen.decisions.transaction import COUNTRY_FORMAT as TRANSACTION_COUNTRY_FORMAT
from exportscreen.model import ListCode
from exportscreen.screening.screener import name_problem

PartyType = Literal[
    "person",
    "individual",
    "company",
    "entity",
    "organization",
    "organisation",
    "vessel",
    "aircraft",
]
Texts = list[str]
IdentifierText = Annotated[str, StringConstraints(min_length=1, max_length=60)]


def _screenable(name: str) -> str:
    problem = name_problem(name)
    if problem is not None:
        raise ValueError(problem)
    return name


# A name the screener can screen: some letter or digit survives its analysis (``%' --``, ``¤``
# or ``÷`` do not). Refused at input with the field named, never stored to fail later.
# The OpenAPI says so with the format "party-name" (a client's validator can skip an unknown
# format; schemathesis is told how to generate one).
PARTY_NAME_FORMAT = "party-name"
ScreenableName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH),
    AfterValidator(_screenable),
    Field(
        json_schema_extra={"format": PARTY_NAME_FORMAT},
        description="A party's name: at least one letter or digit.",
    ),
]


# A country as ISO 3166 code or name (``text.countries``): the format "country" in the OpenAPI.
COUNTRY_FORMAT = TRANSACTION_COUNTRY_FORMAT


class Strict(BaseModel):
    # NaN and infinity are not numbers a client can mean (a threshold of NaN, a limit of 1e400).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# --- screening ----------------------------------------------------------------------------------


class ScreenRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Inspur Taiwan", "country": "TW", "type": "company", "limit": 5},
                {"name": "Ivan Petrov", "type": "person", "date_of_birth": "1961"},
            ]
        },
    )
    name: ScreenableName = Field(description="The party's name (with a letter or a digit).")
    country: str | None = Field(
        default=None,
        max_length=60,
        description="ISO 3166 code or name of the party's country.",
        json_schema_extra={"format": COUNTRY_FORMAT},
    )
    type: PartyType | None = None
    date_of_birth: str | None = Field(default=None, max_length=40)
    identifiers: list[IdentifierText] = Field(
        default_factory=list, max_length=10, description="Passport, registration or IMO numbers."
    )
    nationality: str | None = Field(
        default=None,
        max_length=60,
        description="ISO 3166 code or name of a person's nationality.",
        json_schema_extra={"format": COUNTRY_FORMAT},
    )
    address: str | None = Field(
        default=None,
        max_length=500,
        description="The party's address: raises a hit listed there, finds address-only entries.",
    )
    lists: list[ListCode] | None = Field(
        default=None, description="Only these lists (default: every loaded list)."
    )
    limit: int = Field(default=10, ge=1, le=100)
    threshold: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Minimum score (default: the server's)."
    )
    as_of: IsoDate | None = Field(default=None, description=AS_OF)


class TokenMatchOut(BaseModel):
    query: str
    candidate: str
    kind: str
    similarity: float
    weight: float
    note: str = ""


class PenaltyOut(BaseModel):
    reason: str
    amount: float
    feature: str = Field(
        default="", description="The feature's name (country_mismatch, number_mismatch...)."
    )


class ExplanationOut(BaseModel):
    summary: str
    tokens: list[TokenMatchOut]
    penalties: list[PenaltyOut]
    unmatched_query: list[str]
    unmatched_candidate: list[str]


class HitOut(BaseModel):
    entry_id: str
    list: ListCode
    list_name: str
    name: str
    matched_name: str = Field(description="The primary name or alias that matched.")
    score: float
    type: str
    countries: Texts
    programs: Texts
    licence_requirement: str
    review_policy: str
    citations: Texts
    explanation: ExplanationOut
    on_date: HitOnDate | None = Field(default=None, description="With `as_of` only.")


class ScreenResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "query": {"name": "Inspur Taiwan", "country": "TW"},
                    "threshold": 0.8,
                    "algorithm": "exportscreen-match/2",
                    "list_versions": {"EL": 12},
                    "hits": [
                        {
                            "entry_id": "EL-37079698bd50",
                            "list": "EL",
                            "list_name": "Entity List (BIS)",
                            "name": "Inspur Taiwan",
                            "matched_name": "Inspur Taiwan",
                            "score": 1.0,
                            "type": "entity",
                            "countries": ["TW"],
                            "programs": [],
                            "licence_requirement": "For all items subject to the EAR.",
                            "review_policy": "",
                            "citations": ["90 FR 14048, 3/28/25"],
                            "explanation": {
                                "summary": "score 1.00: matched inspur=inspur, taiwan=taiwan",
                                "tokens": [
                                    {
                                        "query": "inspur",
                                        "candidate": "inspur",
                                        "kind": "exact",
                                        "similarity": 1.0,
                                        "weight": 0.6,
                                        "note": "",
                                    }
                                ],
                                "penalties": [],
                                "unmatched_query": [],
                                "unmatched_candidate": [],
                            },
                        }
                    ],
                    "audit_seq": 42,
                    "reference": "ES-000042-69",
                }
            ]
        }
    )
    query: dict[str, Any]
    threshold: float
    algorithm: str
    list_versions: dict[str, int]
    hits: list[HitOut]
    lists_as_of: ListsAsOf | None = Field(default=None, description="With `as_of` only.")
    audit_seq: int = Field(description="The audit trail record of this screening.")
    reference: str = Field(
        description="The screening's reference: its evidence is at /v1/evidence/{reference}."
    )


# --- lists, entries, diffs --------------------------------------------------------------------


class ListOut(BaseModel):
    list: ListCode
    name: str
    version_id: int
    as_of: date
    imported_at: datetime
    entry_count: int
    version_count: int
    age_seconds: float = Field(description="Seconds since this version was imported.")


class ListsResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lists": [
                        {
                            "list": "EL",
                            "name": "Entity List (BIS)",
                            "version_id": 3,
                            "as_of": "2026-07-09",
                            "imported_at": "2026-07-10T06:00:00Z",
                            "entry_count": 3409,
                            "version_count": 2,
                            "age_seconds": 3600.0,
                        }
                    ]
                }
            ]
        }
    )
    lists: list[ListOut]


class EntryBrief(BaseModel):
    entry_id: str
    name: str
    countries: list[str]
    citations: list[str]


class FieldChangeOut(BaseModel):
    field: str
    before: Any
    after: Any
    label: str = ""  # what the field is in law or on the list ("licence requirement")
    format_only: bool = False  # differs only in form (case, spacing, the source's ids)


class ChangedEntry(EntryBrief):
    fields: list[FieldChangeOut]


EntryBriefs = list[EntryBrief]
ChangedEntries = list[ChangedEntry]


class VersionBrief(BaseModel):
    version_id: int
    as_of: date


class DiffResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "list": "EL",
                    "from_version": {"version_id": 1, "as_of": "2025-03-01"},
                    "to_version": {"version_id": 2, "as_of": "2025-04-01"},
                    "added": [
                        {
                            "entry_id": "EL-37079698bd50",
                            "name": "Inspur Taiwan",
                            "countries": ["TW"],
                            "citations": ["90 FR 14048, 3/28/25"],
                        }
                    ],
                    "removed": [],
                    "changed": [],
                }
            ]
        }
    )
    list: ListCode
    from_version: VersionBrief | None
    to_version: VersionBrief
    added: EntryBriefs
    removed: EntryBriefs
    changed: ChangedEntries
    # Entries that differ only in form; old records still listed under another record; records
    # identity linking could not decide on (``exportscreen links --review``).
    format_only: ChangedEntries = []
    merged: EntryBriefs = []
    unresolved: EntryBriefs = []
    # Every section is paged alike (``offset``, ``limit``): ``counts`` are the exact totals,
    # ``next_offset`` the offset of the next page while any section has more.
    counts: dict[str, int] = {}
    offset: int = 0
    limit: int = 0
    next_offset: int | None = None


class EventOut(BaseModel):
    kind: str
    version: VersionBrief
    through: VersionBrief
    citations: list[str]
    fields: list[FieldChangeOut]


class FieldSourceOut(BaseModel):
    field: str
    stated: bool
    described: str = Field(description='"from FILE (FORMAT), DATE" or "not stated by any..."')
    source_format: str = ""
    file_name: str = ""
    first_seen: date | None = None
    last_seen: date | None = None
    version_id: int | None = None


class EntryResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entry": {"id": "EL-37079698bd50", "list": "EL", "name": "Inspur Taiwan"},
                    "listed": True,
                    "history": [
                        {
                            "kind": "added",
                            "version": {"version_id": 1, "as_of": "2026-07-09"},
                            "through": {"version_id": 1, "as_of": "2026-07-09"},
                            "citations": ["90 FR 14048, 3/28/25"],
                            "fields": [],
                        }
                    ],
                }
            ]
        }
    )
    entry: dict[str, Any] = Field(description="The entry as listed on `as_of` (or last listed).")
    listed: bool = Field(description="Whether the entry is on its list on `as_of` (default now).")
    history: list[EventOut]
    field_sources: list[FieldSourceOut] = Field(
        default_factory=list,
        description="Where each legal field's value came from: the source file and format that "
        "stated it, and when; or that no loaded source states it.",
    )


# --- audit, batch, ops ------------------------------------------------------------------------


class AuditRecordOut(BaseModel):
    seq: int
    created_at: datetime
    actor: str
    action: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


_KEY_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "user": "alice",
    "label": "ERP connector",
    "created_at": "2026-07-10T06:00:00Z",
    "revoked_at": None,
}


class KeyOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_KEY_EXAMPLE]})
    id: int
    user: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


class KeysResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"keys": [_KEY_EXAMPLE]}]})
    keys: list[KeyOut]


class AuditResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "verified": {"ok": True, "records": 1, "first_bad_seq": None, "problem": ""},
                    "records": [
                        {
                            "seq": 1,
                            "created_at": "2026-07-10T06:00:00Z",
                            "actor": "alice",
                            "action": "screening.screen",
                            "payload": {"query": {"name": "Inspur Taiwan"}, "hits": 1},
                            "prev_hash": "0" * 64,
                            "hash": "5f" * 32,
                        }
                    ],
                }
            ]
        }
    )
    verified: dict[str, Any] | None = Field(
        default=None, description="The chain check, when asked for with verify=true."
    )
    records: list[AuditRecordOut]


class BatchJobOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3f9c1a2b4d5e6f708192a3b4c5d6e7f8",
                    "status": "running",
                    "file_name": "customers.csv",
                    "owner": "alice",
                    "rows_done": 500,
                    "rows_total": 2000,
                    "hits": 12,
                    "bad_rows": 1,
                    "created_at": "2026-07-10T06:00:00Z",
                    "finished_at": None,
                    "error": None,
                    "result_url": None,
                    "errors_url": None,
                    "reference": None,
                    "evidence_url": None,
                },
                {
                    "id": "3f9c1a2b4d5e6f708192a3b4c5d6e7f8",
                    "status": "done",
                    "file_name": "customers.csv",
                    "owner": "alice",
                    "rows_done": 2000,
                    "rows_total": 2000,
                    "hits": 41,
                    "bad_rows": 1,
                    "created_at": "2026-07-10T06:00:00Z",
                    "finished_at": "2026-07-10T06:01:12Z",
                    "error": None,
                    "result_url": "/v1/batch/3f9c1a2b4d5e6f708192a3b4c5d6e7f8/result",
                    "errors_url": "/v1/batch/3f9c1a2b4d5e6f708192a3b4c5d6e7f8/errors",
                    "reference": "ES-000044-63",
                    "evidence_url": "/v1/evidence/ES-000044-63",
                },
            ]
        }
    )
    id: str
    status: Literal["queued", "running", "done", "failed"]
    file_name: str
    owner: str
    rows_done: int
    rows_total: int | None
    hits: int
    bad_rows: int
    created_at: datetime
    finished_at: datetime | None
    error: str | None
    result_url: str | None
    errors_url: str | None
    attempts: int = Field(
        default=0, description="Runs started: more than 1 when a worker died and another took over."
    )
    notes: list[str] = Field(
        default_factory=list, description="What happened besides the run (runs cut short...)."
    )
    reference: str | None = Field(
        default=None,
        description=(
            "The evidence reference of the finished run (its audit record): "
            "GET /v1/evidence/{reference} shows who screened which file against which lists."
        ),
    )
    evidence_url: str | None = None
