"""Response and request models of the operations routes: ``/healthz``, ``/readyz`` and the
staged list versions (``/v1/versions``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from exportscreen.api.schemas import Strict


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})
    status: str


class ListReadiness(BaseModel):
    list: str
    version_id: int
    as_of: date
    age_seconds: float
    entry_count: int
    last_update_status: str | None
    last_update_error: str | None
    last_update_at: datetime | None


class StagedVersion(BaseModel):
    list_code: str = Field(alias="list")
    version_id: int
    as_of: date
    entry_count: int
    reasons: list[str]

    model_config = ConfigDict(populate_by_name=True)


_STAGED_EXAMPLE: dict[str, JsonValue] = {
    "version_id": 7,
    "list": "EL",
    "file": "consolidated.csv",
    "sha256": "9f2c...",
    "as_of": "2026-07-09",
    "imported_at": "2026-07-10T06:00:00Z",
    "entry_count": 2410,
    "review": "pending",
    "reasons": ["removes 520 of the 2,003 EL entries (26%), more than 5%"],
    "decided_by": None,
    "decision_reason": None,
}


class StagedVersionOut(BaseModel):
    """A list version held back by a plausibility check, or the decision taken on it."""

    model_config = ConfigDict(
        populate_by_name=True, json_schema_extra={"examples": [_STAGED_EXAMPLE]}
    )
    version_id: int
    list_code: str = Field(alias="list")
    file: str
    sha256: str
    as_of: date
    imported_at: datetime
    entry_count: int
    review: Literal["pending", "accepted", "rejected"]
    reasons: list[str] = Field(description="Why the version was staged rather than made current.")
    decided_by: str | None = None
    decision_reason: str | None = None


class StagedVersionsResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"versions": [_STAGED_EXAMPLE]}]})
    versions: list[StagedVersionOut]


class VersionDecisionIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "BIS removed them in 90 FR 14048."}]},
    )
    reason: str = Field(default="", max_length=2000, description="Why (kept in the audit trail).")


class UnfinishedRescreen(BaseModel):
    job_id: int
    status: Literal["unfinished"] = "unfinished"
    started_at: datetime
    actor: str
    done: int = Field(description="Counterparties screened and recorded so far.")
    total: int = Field(description="Counterparties the re-screen covers.")
    resumed: int = Field(description="Times it was resumed already.")
    warning: str


class Readiness(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "ready": True,
                    "index_entries": 3409,
                    "reload_error": None,
                    "lists": [
                        {
                            "list": "EL",
                            "version_id": 3,
                            "as_of": "2026-07-09",
                            "age_seconds": 3600.0,
                            "entry_count": 3409,
                            "last_update_status": "ok",
                            "last_update_error": None,
                            "last_update_at": "2026-07-10T06:00:00Z",
                        }
                    ],
                }
            ]
        }
    )
    status: str = Field(description='"ok" when ready, as yente\'s /readyz; else "not ready"')
    ready: bool
    index_entries: int
    reload_error: str | None
    lists: list[ListReadiness]
    # Versions written but held back by a plausibility check until an admin decides
    # (`exportscreen versions accept|reject`); the lists keep serving their current versions.
    staged: list[StagedVersion] = []
    # A re-screen of the register not recorded as complete (interrupted, or running now): the
    # service is ready, but part of the register is not screened against the new lists yet.
    rescreen: UnfinishedRescreen | None = None
    # Why the service is not ready, when it is not (no list loaded, the store unreachable, every
    # place for a keyed screening taken).
    reason: str | None = None
