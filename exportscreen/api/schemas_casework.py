"""Request and response models of the native API's case work (``/v1/counterparties``,
``/v1/alerts``, decisions and their four-eyes reviews), with the examples the OpenAPI page shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from exportscreen.api.schemas import COUNTRY_FORMAT, PartyType, ScreenableName, Strict
from exportscreen.model import Disposition
from exportscreen.screening.features import MAX_DATE_OF_BIRTH, date_of_birth_problem

# A date of birth the screening's birth-year check can read (``date_of_birth_problem``): the
# format "date-of-birth" in the OpenAPI (a pattern cannot say "a real day").
DATE_OF_BIRTH_FORMAT = "date-of-birth"


class CounterpartyIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "C-1001",
                    "name": "Inspur Taiwan",
                    "country": "TW",
                    "type": "company",
                },
                {
                    "external_id": "C-2002",
                    "name": "Ivan Petrov",
                    "country": "RU",
                    "type": "person",
                    "date_of_birth": "1961-04-12",
                },
            ]
        },
    )
    external_id: str = Field(min_length=1, max_length=200)
    name: ScreenableName
    country: str = Field(
        default="",
        max_length=60,
        description="ISO 3166 code or name, or empty.",
        json_schema_extra={"format": COUNTRY_FORMAT},
    )
    # Validated here: the register stores it and screens with it later.
    type: PartyType | Literal[""] = ""
    address: str = Field(default="", max_length=500)
    date_of_birth: str = Field(
        default="",
        max_length=MAX_DATE_OF_BIRTH,
        description=(
            "A year, a date (YYYY-MM-DD) or a range (1960 to 1962), or empty; screened as the "
            "batch's date of birth qualifier: a year that rules a listed person out lowers the hit."
        ),
        examples=["1961", "1961-04-12"],
        json_schema_extra={"format": DATE_OF_BIRTH_FORMAT},
    )

    @field_validator("date_of_birth")
    @classmethod
    def _known_date_of_birth(cls, value: str) -> str:
        value = " ".join(value.split())
        problem = date_of_birth_problem(value) if value else None
        if problem is not None:
            raise ValueError(problem)
        return value


class CounterpartyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "external_id": "C-1001",
                    "name": "Inspur Taiwan",
                    "country": "TW",
                    "type": "company",
                    "address": "",
                    "date_of_birth": "",
                }
            ]
        }
    )
    external_id: str
    name: str
    country: str
    type: str
    address: str
    date_of_birth: str = ""


class CounterpartiesResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "counterparties": [
                        {
                            "external_id": "C-1001",
                            "name": "Inspur Taiwan",
                            "country": "TW",
                            "type": "company",
                            "address": "",
                            "date_of_birth": "",
                        }
                    ]
                }
            ]
        }
    )
    counterparties: list[CounterpartyOut]


class UnscreenedOut(BaseModel):
    external_id: str
    name: str
    reason: str


class ScreenRegisterResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"screened": 120, "raised": [7, 8], "already_open": 3, "suppressed": 1}]
        }
    )
    screened: int
    raised: list[int]
    already_open: int
    suppressed: int
    unscreened: list[UnscreenedOut] = Field(
        default_factory=list,
        description="Counterparties that could not be screened, and why: not clear, unknown.",
    )


_ALERT_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "counterparty": {
        "external_id": "C-1001",
        "name": "Inspur Taiwan",
        "country": "TW",
        "type": "company",
        "address": "",
        "date_of_birth": "",
    },
    "entry_id": "EL-37079698bd50",
    "score": 1.0,
    "matched_name": "Inspur Taiwan",
    "status": "open",
    "created_at": "2026-07-10T06:00:00Z",
    "explanation": {"summary": "score 1.00: matched inspur=inspur, taiwan=taiwan"},
    "closed_reason": None,
}


class AlertOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_ALERT_EXAMPLE]})
    id: int
    counterparty: CounterpartyOut
    entry_id: str
    score: float
    matched_name: str
    status: str
    created_at: datetime
    explanation: dict[str, Any]
    closed_reason: str | None
    assigned_to: str | None = None
    list: str | None = Field(default=None, description="The matched entry's list code.")


class AlertsResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"alerts": [_ALERT_EXAMPLE]}]})
    alerts: list[AlertOut]


class DecisionIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "disposition": "false_positive",
                    "reason": "Different company: our customer is a Taipei bakery.",
                }
            ]
        },
    )
    disposition: Disposition
    reason: str = Field(min_length=1, max_length=2000)
    expires_at: datetime | None = Field(
        default=None, description="When a false-positive suppression lapses (default: a year)."
    )


class DecisionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "decision_id": 3,
                    "alert_id": 7,
                    "disposition": "false_positive",
                    "decided_by": "alice",
                    "alert_status": "decided",
                }
            ]
        }
    )
    decision_id: int
    alert_id: int
    disposition: Disposition
    decided_by: str
    alert_status: str
    review_status: Literal["effective", "pending_approval", "rejected"] = Field(
        default="effective",
        description="pending_approval: a clearance under the four-eyes rule, without effect "
        "until a second analyst approves it (POST /v1/decisions/{id}/approve).",
    )
    four_eyes: str | None = Field(
        default=None, description="Why the decision needs a second analyst's approval."
    )


class ReviewIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Checked the customer file: other firm."}]},
    )
    reason: str = Field(min_length=1, max_length=2000)


_DECISION_RECORD_EXAMPLE: dict[str, Any] = {
    "id": 12,
    "alert_id": 7,
    "disposition": "false_positive",
    "reason": "Different company: other address and registration number.",
    "decided_by": "analyst1",
    "created_at": "2026-12-06T10:15:00Z",
    "expires_at": "2027-12-06T10:15:00Z",
    "review_status": "effective",
    "reviewed_by": "analyst2",
    "reviewed_at": "2026-12-06T11:02:00Z",
    "review_reason": "Checked the customer file: other firm.",
}


class DecisionRecordOut(BaseModel):
    """A decision in an alert's history; the latest effective one governs."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DECISION_RECORD_EXAMPLE]})
    id: int
    alert_id: int
    disposition: Disposition
    reason: str
    decided_by: str
    created_at: datetime
    expires_at: datetime | None
    review_status: Literal["effective", "pending_approval", "rejected"]
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_reason: str | None


class DecisionsResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"decisions": [_DECISION_RECORD_EXAMPLE]}]}
    )
    decisions: list[DecisionRecordOut]
