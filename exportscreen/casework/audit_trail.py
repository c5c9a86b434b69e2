"""The audit trail: every screening, determination and decision, append-only and hash-chained.

Each record's hash covers its sequence number, time, actor, action, payload and the previous
record's hash, so editing or deleting any record (or re-ordering them) breaks the chain from that
point on and ``verify`` names the first broken record. Every write signs the chain's new head
with a key outside the database (``store.audit_seal``), so a cut tail or a recomputed chain shows
too, and decisions are checked against the records that made them (``casework.audit_verify``).

exportscreen never deletes audit records: the EAR (15 CFR 762.6) asks for five years from the
latest of export, reexport or end of transaction, and a tool cannot know when that is, so
retention is left to the database's owner.

The table and its chain are ``store.audit_log``'s; this module says what the records mean. The
records of screenings, batches and determinations are built here, once (``screening_event``,
``batch_event``, ``determination_event``), so that the CLI, the API, the web UI and the Python
API record the same action with the same payload keys, and an auditor's query over the trail
finds them all. Each interface hands the event to a sink: the API its batching ``AuditWriter``,
the CLI and the Python API a ``StoreSink`` that commits at once.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from exportscreen.casework.audit_verify import VerifyResult, verify, verify_chain
from exportscreen.model import Hit, ListCode
from exportscreen.screening.tabular import formula_safe
from exportscreen.store import audit_log
from exportscreen.store.audit_log import (
    GENESIS_HASH,
    AuditRecord,
    append,
    record,
    record_many,
    writing,
)

if TYPE_CHECKING:
    from exportscreen.decisions.determination import Determination
    from exportscreen.decisions.transaction import Transaction
    from exportscreen.screening.batch import BatchReport
    from exportscreen.store.engine import Engine

__all__ = [
    "AUDITED_HITS",
    "BATCH",
    "CSL_SEARCH",
    "DETERMINE",
    "GENESIS_HASH",
    "MATCH",
    "RETENTION_YEARS",
    "SCREEN",
    "AuditEvent",
    "AuditRecord",
    "AuditSink",
    "Caller",
    "Interface",
    "StoreSink",
    "VerifyResult",
    "append",
    "batch_event",
    "determination_event",
    "export",
    "export_text",
    "record",
    "record_many",
    "records",
    "screening_event",
    "summarise",
    "verify",
    "verify_chain",
    "writing",
]

RETENTION_YEARS = 5  # 15 CFR 762.6: the minimum; shown in exports for the auditor

# --- what is recorded ---------------------------------------------------------------------------

# One action name per kind of work, whichever interface asked for it; which one did is the
# payload's "interface". Named "<concern>.<what>" like the register's and the accounts' actions.
# Trails written before these names were shared hold "api.screen", "api.batch", "api.match",
# "api.csl_search" and "api.determine" (API and UI only) and "determine" (CLI) for the same work.
SCREEN = "screening.screen"
MATCH = "screening.match"  # the yente-compatible /match: several named queries in one request
CSL_SEARCH = "screening.csl_search"  # the CSL search API: a name search, fuzzy or not
BATCH = "screening.batch"
DETERMINE = "decisions.determine"

# Enough to reconstruct what the caller was shown without storing whole result pages.
AUDITED_HITS = 25


class Interface(enum.StrEnum):
    """Which way in the request came: recorded in every event's payload."""

    API = "api"
    UI = "ui"
    CLI = "cli"
    PYTHON = "python"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asked, as the trail records it. ``role`` and ``key_id`` are the API's (None on the
    command line, which has neither)."""

    user: str
    interface: Interface
    role: str | None = None
    key_id: int | None = None

    def fields(self) -> dict[str, Any]:
        return {"interface": self.interface.value, "key_id": self.key_id, "role": self.role}


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One record to append: who, what, and the details."""

    actor: str
    action: str
    payload: Mapping[str, Any]


class AuditSink(Protocol):
    """Where events go: the API's batching ``AuditWriter`` or a ``StoreSink``. ``append``
    returns once the record is committed."""

    def append(self, actor: str, action: str, payload: Mapping[str, Any]) -> AuditRecord: ...


class StoreSink:
    """Appends each record at once, in a transaction of its own (the CLI, the Python API)."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def append(self, actor: str, action: str, payload: Mapping[str, Any]) -> AuditRecord:
        return append(self._engine, actor, action, payload)


def write(sink: AuditSink, event: AuditEvent) -> AuditRecord:
    """Append ``event`` through ``sink`` and return the committed record."""
    return sink.append(event.actor, event.action, event.payload)


def summarise(hits: Sequence[Hit]) -> list[dict[str, Any]]:
    return [
        {"entry": h.entry.id, "score": h.score, "matched_name": h.matched_name}
        for h in hits[:AUDITED_HITS]
    ]


def _summary(item: Hit | Mapping[str, Any]) -> Mapping[str, Any]:
    return summarise([item])[0] if isinstance(item, Hit) else item


def _versions(list_versions: Mapping[ListCode, int] | Mapping[str, int]) -> dict[str, int]:
    return {
        code.value if isinstance(code, ListCode) else code: number
        for code, number in list_versions.items()
    }


def screening_event(
    caller: Caller,
    queries: Sequence[Mapping[str, Any]],
    results: Sequence[Sequence[Hit | Mapping[str, Any]]],
    *,
    algorithm: str,
    list_versions: Mapping[ListCode, int] | Mapping[str, int],
    threshold: float | None,
    action: str = SCREEN,
) -> AuditEvent:
    """The record of screenings (one per query): what was asked, against which list versions,
    with which algorithm and threshold, and what was found. ``results`` are hits, or already
    summarised hits (``summarise``) for searches that do not produce Hit objects."""
    return AuditEvent(
        caller.user,
        action,
        {
            **caller.fields(),
            "algorithm": algorithm,
            "threshold": threshold,
            "list_versions": _versions(list_versions),
            "screenings": [
                {
                    "query": dict(query),
                    "hit_count": len(hits),
                    "hits": [_summary(h) for h in hits[:AUDITED_HITS]],
                }
                for query, hits in zip(queries, results, strict=True)
            ],
        },
    )


def batch_event(
    caller: Caller,
    report: BatchReport,
    *,
    file: str,
    algorithm: str,
    threshold: float | None,
    list_versions: Mapping[ListCode, int] | Mapping[str, int],
    job: str | None = None,
) -> AuditEvent:
    """The record of a file screened (``job``: the API's job id, None on the command line)."""
    return AuditEvent(
        caller.user,
        BATCH,
        {
            **caller.fields(),
            "job": job,
            "file": file,
            "algorithm": algorithm,
            "threshold": threshold,
            "list_versions": _versions(list_versions),
            "rows": report.rows_read,
            "screened": report.rows_screened,
            "hits": report.hits_written,
            "bad_rows": report.bad_rows,
        },
    )


def determination_event(
    caller: Caller,
    transaction: Transaction,
    result: Determination,
    *,
    algorithm: str,
    list_versions: Mapping[ListCode, int] | Mapping[str, int],
    ownership: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """The record of a licence determination: the transaction, the outcome overall and per
    party, and what it was judged against (``ownership``: the ownership file given, if any;
    left out of the records made without one, which stay as they were)."""
    return AuditEvent(
        caller.user,
        DETERMINE,
        {
            **caller.fields(),
            "transaction": transaction.model_dump(mode="json"),
            "outcome": result.outcome.name,
            "if_confirmed": None if result.if_confirmed is None else result.if_confirmed.name,
            # One row a party, in the transaction's order: two parties may share a name.
            "parties": [
                {"role": p.party.role.value, "name": p.party.name, "outcome": p.outcome.name}
                for p in result.parties
            ],
            "grounds": [f"{g.kind.value}: {g.citation}" for g in result.grounds],
            "warnings": [dict(w) for w in result.warnings],
            "decisions_applied": [d.decision_id for d in result.decisions_applied if d.applied],
            "algorithm": algorithm,
            "threshold": result.threshold,
            "list_versions": _versions(list_versions),
            **({"ownership": dict(ownership)} if ownership is not None else {}),
        },
    )


# --- checking and exporting the chain -----------------------------------------------------------


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    lo = datetime.combine(start, time.min, tzinfo=UTC) if start else None
    hi = datetime.combine(end, time.min, tzinfo=UTC) + timedelta(days=1) if end else None
    return lo, hi


def records(
    engine: Engine, start: date | None = None, end: date | None = None
) -> list[AuditRecord]:
    """Records created from ``start`` to ``end`` inclusive (whole days, UTC)."""
    lo, hi = _bounds(start, end)
    return list(audit_log.iter_rows(engine, lo, hi))


def _keep_until(created: datetime) -> str:
    if created.month == 2 and created.day == 29:
        return date(created.year + RETENTION_YEARS, 3, 1).isoformat()
    return created.replace(year=created.year + RETENTION_YEARS).date().isoformat()


def export_text(rows: Sequence[AuditRecord], *, as_json: bool) -> str:
    """Records as an auditor receives them, JSON or CSV; each row carries its hashes so the
    auditor can re-check the chain segment, and the day it may be discarded at the earliest."""
    plain = [
        {
            "seq": r.seq,
            "created_at": r.created_at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "payload": r.payload,
            "prev_hash": r.prev_hash,
            "hash": r.hash,
            "keep_until": _keep_until(r.created_at),
        }
        for r in rows
    ]
    if as_json:
        return json.dumps(plain, ensure_ascii=False, indent=2)
    handle = io.StringIO(newline="")
    writer = csv.DictWriter(handle, fieldnames=list(plain[0]) if plain else ["seq"])
    writer.writeheader()
    for row in plain:
        cells = {**row, "payload": json.dumps(row["payload"], ensure_ascii=False)}
        # Opened in a spreadsheet: no cell may be taken for a formula.
        writer.writerow({k: formula_safe(v) for k, v in cells.items()})
    return handle.getvalue()


def export(engine: Engine, path: Path, start: date | None = None, end: date | None = None) -> int:
    """Write the records of a period for an auditor: JSON (``.json``) or CSV (anything else).
    Each row carries its hashes so the auditor can re-check the chain segment."""
    rows = records(engine, start, end)
    tmp = path.with_name(path.name + ".partial")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        handle.write(export_text(rows, as_json=path.suffix.lower() == ".json"))
    tmp.replace(path)
    return len(rows)
