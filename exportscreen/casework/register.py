"""Counterparties, alerts and analysts' decisions: where screening results become case work.

An alert is one (counterparty, list entry) pair that scored at or above the threshold. It records
the exact state of both sides (``entry_state_hash``, ``counterparty_hash``), so that:

* screening again while nothing changed raises nothing new (the pair is already open or decided);
* a false-positive decision suppresses the pair until the entry or the counterparty changes, or the
  suppression expires; then it alerts again and the alert says what changed;
* an alert on an entry that left its list is closed with that reason.

Four-eyes: clearing an alert (a false positive) scored at or above ``settings.FOUR_EYES_SCORE``,
or on a list whose match prohibits dealings, is only a proposal until a second analyst approves
it: the decision waits as "pending approval", the alert stays as it was (open, nothing
suppressed, nothing cleared for a determination) until another analyst approves, or anyone
rejects it. Every decision can be reversed by a new one: the history is kept, the latest
effective decision governs, and a reversed false positive stops suppressing.

Every import, screening run and decision goes into the audit trail in the same transaction as the
change it records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from exportscreen import settings
from exportscreen.casework import audit_trail as audit
from exportscreen.casework.four_eyes import (
    Outcome,
    decide,
    four_eyes_reasons,
    review,
)
from exportscreen.decisions.bound import BoundDecision
from exportscreen.model import (
    Disposition,
    Entry,
    EntryType,
    Hit,
    PartyScreener,
    to_json_data,
)
from exportscreen.screening.features import date_of_birth_problem
from exportscreen.screening.screener import name_problem
from exportscreen.screening.tabular import BadRow, ColumnRole, open_table, resolve_columns
from exportscreen.sources.common import RowProblem, SourceError
from exportscreen.sources.problems import BadRows
from exportscreen.store import Store, entry_change, rescreen_jobs
from exportscreen.store import alerts as stored_alerts
from exportscreen.store import counterparties as stored_parties
from exportscreen.store import decisions as stored_decisions
from exportscreen.store import entry_links as stored_links
from exportscreen.store.engine import Connection
from exportscreen.store.queries import entry_state
from exportscreen.store.schema import DECISION_PENDING
from exportscreen.text.countries import country_code


class RegisterScreener(PartyScreener, Protocol):
    algorithm: str  # recorded in the audit trail with each screening run

    # A registered party's date of birth is screened as the batch's qualifier is.
    def screen(
        self,
        name: str,
        country: str | None = None,
        type: str | EntryType | None = None,
        limit: int = 10,
        threshold: float | None = None,
        *,
        date_of_birth: str | None = None,
    ) -> list[Hit]: ...


@dataclass(frozen=True, slots=True)
class Counterparty:
    external_id: str
    name: str
    country: str = ""
    type: str = ""
    address: str = ""
    date_of_birth: str = ""  # as given: "1961", "1961-04-12"; "" when not known

    def state_hash(self) -> str:
        fields = [self.name, self.country, self.type, self.address]
        # The date of birth came after hashes were stored (alerts, decisions, signatures): a
        # party without one hashes as it always did, or every party would alert again.
        if self.date_of_birth:
            fields.append(self.date_of_birth)
        body = json.dumps(fields, ensure_ascii=False)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    counterparty: Counterparty
    entry_id: str
    score: float
    matched_name: str
    status: str
    created_at: datetime
    explanation: dict[str, Any]
    closed_reason: str | None = None
    assigned_to: str | None = None
    list: str | None = None  # the entry's list code, when the store holds the matched state


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision on an alert as the history shows it: who, what, why, and its review."""

    id: int
    alert_id: int
    disposition: Disposition
    reason: str
    decided_by: str
    created_at: datetime
    expires_at: datetime | None
    review_status: str  # effective, pending_approval or rejected
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_reason: str | None = None

    @property
    def pending(self) -> bool:
        return self.review_status == DECISION_PENDING


def _decision(row: stored_decisions.DecisionRow) -> Decision:
    return Decision(
        id=row.id,
        alert_id=row.alert_id,
        disposition=Disposition(row.disposition),
        reason=row.reason,
        decided_by=row.decided_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        review_status=row.review_status,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        review_reason=row.review_reason,
    )


@dataclass(frozen=True, slots=True)
class Unscreened:
    """A counterparty a screening run could not screen, and why (a stored name with no letters
    or digits, a stored country no longer known): reported, never taken as clear."""

    external_id: str
    name: str
    reason: str


@dataclass
class ScreeningRun:
    screened: int = 0
    unscreened: list[Unscreened] = field(default_factory=list)
    raised: list[int] = field(default_factory=list)  # new alert ids
    already_open: int = 0
    suppressed: int = 0
    closed: list[int] = field(default_factory=list)  # alerts closed (entry removed)


@dataclass(frozen=True, slots=True)
class JobPart:
    """Items ``start``..``end`` of a re-screen job's plan (``casework.rescreen``): the screening
    advances the job's cursor to ``end`` in the transaction that writes its alerts, with the
    running totals ``totals`` gives for this part's run."""

    job_id: int
    start: int
    end: int
    totals: Callable[[ScreeningRun], Mapping[str, Any]]


@dataclass
class RegisterImport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


def _counterparty(row: Any) -> Counterparty:
    """The party of a stored row (the register's, an alert's or a decision's join)."""
    return Counterparty(
        row.external_id, row.name, row.country, row.type, row.address, row.date_of_birth
    )


class Register:
    """The counterparty register and its alerts, on the store's database."""

    def __init__(
        self,
        store: Store,
        *,
        actor: str,
        threshold: float | None = None,
        four_eyes_score: float | None = None,
    ):
        self.store = store
        self.engine = store.engine
        self.actor = actor
        self.threshold = settings.DEFAULT_THRESHOLD if threshold is None else threshold
        self.four_eyes_score = (
            settings.FOUR_EYES_SCORE if four_eyes_score is None else four_eyes_score
        )

    # --- the register ----------------------------------------------------------------------

    def import_file(
        self,
        path: Path,
        *,
        id_col: str = "id",
        name_col: str = "name",
        country_col: str = "country",
        type_col: str = "type",
        address_col: str = "address",
        dob_col: str = "date_of_birth",
        skip_bad_rows: bool = False,
    ) -> RegisterImport:
        """Add or update counterparties from CSV, XLSX, Parquet or JSON Lines, all or nothing:
        a bad row fails the whole import (naming file, row and field) unless ``skip_bad_rows``."""
        parties: list[Counterparty] = []
        report = RegisterImport()
        bad_rows = BadRows(skip_bad_rows, report.problems)
        with open_table(path) as table:
            wanted = resolve_columns(
                path,
                table.columns,
                [
                    ColumnRole("id", id_col),
                    ColumnRole("name", name_col, required=True),
                    ColumnRole("country", country_col),
                    ColumnRole("type", type_col),
                    ColumnRole("address", address_col),
                    ColumnRole("date_of_birth", dob_col),
                ],
            )
            present = [i for i in wanted.values() if i is not None]
            for row in table.rows(present):
                if isinstance(row, BadRow):
                    bad_rows.report(SourceError(path, row.line, row.field, row.reason))
                    continue
                cells = dict(
                    zip([k for k, i in wanted.items() if i is not None], row.values, strict=True)
                )
                name = " ".join((cells.get("name") or "").split())
                problem = name_problem(name) if name else "empty name"
                if problem is not None:
                    bad_rows.report(SourceError(path, row.line, name_col, problem))
                    continue
                raw_country = (cells.get("country") or "").strip()
                country = country_code(raw_country) if raw_country else ""
                if raw_country and not country:
                    message = f"unknown country {raw_country!r}"
                    bad_rows.report(SourceError(path, row.line, country_col, message))
                    continue
                born = " ".join((cells.get("date_of_birth") or "").split())
                if born and (problem := date_of_birth_problem(born)) is not None:
                    bad_rows.report(SourceError(path, row.line, dob_col, problem))
                    continue
                parties.append(
                    Counterparty(
                        external_id=(cells.get("id") or "").strip() or f"{path.name}:{row.number}",
                        name=name,
                        country=country,
                        type=(cells.get("type") or "").strip().lower(),
                        address=(cells.get("address") or "").strip(),
                        date_of_birth=born,
                    )
                )
        with audit.writing(self.engine) as conn:
            for party in parties:
                outcome = self._upsert(conn, party)
                setattr(report, outcome, getattr(report, outcome) + 1)
            audit.record(
                conn,
                self.actor,
                "register.import",
                {
                    "file": str(path),
                    "added": report.added,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "bad_rows": len(report.problems),
                },
            )
        return report

    def _upsert(self, conn: Connection, party: Counterparty) -> str:
        return stored_parties.upsert(
            conn,
            external_id=party.external_id,
            name=party.name,
            country=party.country,
            type=party.type,
            address=party.address,
            state_hash=party.state_hash(),
            date_of_birth=party.date_of_birth,
        )

    def add(self, party: Counterparty) -> None:
        """Add or update one counterparty. ValueError for a name that cannot be screened or a
        date of birth that names no year."""
        problem = name_problem(party.name)
        if problem is not None:
            raise ValueError(problem)
        if party.date_of_birth and (problem := date_of_birth_problem(party.date_of_birth)):
            raise ValueError(f"date_of_birth: {problem}")
        with audit.writing(self.engine) as conn:
            self._upsert(conn, party)

    def counterparties(self) -> list[Counterparty]:
        return [_counterparty(r) for r in stored_parties.rows(self.engine, with_data=False)]

    # --- screening the register ------------------------------------------------------------

    def screen(
        self,
        screener: RegisterScreener,
        *,
        external_ids: Collection[str] | None = None,
        only_entries: Collection[str] | None = None,
        limit: int = 10,
        progress: Callable[[int], None] | None = None,
        part: JobPart | None = None,
    ) -> ScreeningRun:
        """Screen counterparties (all, or ``external_ids``) and raise alerts for new pairs.

        ``only_entries`` keeps just the hits on those entry ids: a re-screen after a list change
        looks only at the added and changed entries (see ``rescreen``). ``part``: these are part
        of a re-screen job, whose cursor moves in the same transaction (``CursorMoved``, and
        nothing written, when another process moved it first)."""
        run = ScreeningRun()
        rows = stored_parties.rows(self.engine, external_ids=external_ids, with_data=False)
        findings: list[tuple[Any, list[Hit]]] = []
        for row in rows:
            party = _counterparty(row)
            # A year that rules a listed person out lowers the hit, as in a batch; asked only
            # when known, so that the screening of a party without one is as it always was.
            born: dict[str, Any] = (
                {"date_of_birth": party.date_of_birth} if party.date_of_birth else {}
            )
            try:
                hits = screener.screen(
                    party.name,
                    country=party.country or None,
                    type=party.type or None,
                    limit=limit,
                    threshold=self.threshold,
                    **born,
                )
            except ValueError as error:
                # One stored party that cannot be screened (a name kept from before names were
                # checked at input) must not stop the register's screening for everyone: it is
                # reported here and in the audit record, and stays unscreened, not clear.
                run.unscreened.append(Unscreened(party.external_id, party.name, str(error)))
                continue
            if only_entries is not None:
                hits = [h for h in hits if h.entry.id in only_entries]
            findings.append((row, hits))
            run.screened += 1
            if progress:
                progress(run.screened)
        with audit.writing(self.engine) as conn:
            for row, hits in findings:
                for hit in hits:
                    self._raise(conn, row, hit, run)
            if part is not None:
                rescreen_jobs.advance(
                    conn, part.job_id, start=part.start, end=part.end, totals=part.totals(run)
                )
            audit.record(
                conn,
                self.actor,
                "register.screen",
                {
                    "counterparties": run.screened,
                    "unscreened": [to_json_data(u) for u in run.unscreened],
                    "threshold": self.threshold,
                    "algorithm": screener.algorithm,
                    "list_versions": self._versions(),
                    "only_entries": sorted(only_entries) if only_entries is not None else None,
                    "alerts_raised": run.raised,
                    "already_open": run.already_open,
                    "suppressed": run.suppressed,
                    # A part of a re-screen job is no screening of the whole register.
                    **(
                        {"rescreen_job": part.job_id, "items": [part.start, part.end]}
                        if part is not None
                        else {}
                    ),
                },
            )
        return run

    def _versions(self) -> dict[str, int]:
        return {k.value: v for k, v in self.store.current_version_ids().items()}

    def _raise(self, conn: Connection, row: Any, hit: Hit, run: ScreeningRun) -> None:
        party = _counterparty(row)
        entry_hash = hit.entry.content_hash()
        party_hash = party.state_hash()
        previous = stored_alerts.latest_not_closed(conn, row.id, hit.entry.id)
        if previous is not None and previous.status == "open":
            if (previous.entry_state_hash, previous.counterparty_hash) == (entry_hash, party_hash):
                run.already_open += 1
                return
            # Either side changed while the alert was open: replace it with one that says how.
            stored_alerts.close(
                conn, [previous.id], "superseded: the entry or the counterparty changed"
            )
        suppression = stored_decisions.latest_suppression(conn, row.id, hit.entry.id)
        changed: dict[str, Any] = {}
        if suppression is not None:
            live = suppression.expires_at is None or suppression.expires_at > _now()
            if live and (suppression.entry_state_hash, suppression.counterparty_hash) == (
                entry_hash,
                party_hash,
            ):
                run.suppressed += 1
                return
            changed = self._what_changed(conn, suppression, hit.entry, party, live)
        elif previous is not None and previous.status == "decided":
            if (previous.entry_state_hash, previous.counterparty_hash) == (entry_hash, party_hash):
                run.already_open += 1  # decided (true match, escalated...) and nothing changed
                return
            changed = {"reason": "the entry or the counterparty changed since the last decision"}
        explanation = to_json_data(hit.explanation)
        if changed:
            explanation["changed_since_decision"] = changed
        alert_id = stored_alerts.insert(
            conn,
            counterparty_id=row.id,
            entry_id=hit.entry.id,
            entry_state_hash=entry_hash,
            counterparty_hash=party_hash,
            score=hit.score,
            matched_name=hit.matched_name,
            explanation=explanation,
        )
        run.raised.append(alert_id)

    def _what_changed(
        self,
        conn: Connection,
        suppression: stored_decisions.SuppressionRow,
        entry: Entry,
        party: Counterparty,
        live: bool,
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        if not live and suppression.expires_at is not None:
            result["suppression"] = f"expired on {suppression.expires_at.date().isoformat()}"
        if suppression.entry_state_hash != entry.content_hash():
            before = entry_state(conn, entry.id, suppression.entry_state_hash)
            if before is not None:
                change = entry_change(before, entry)
                result["entry"] = [
                    {
                        "field": f.field,
                        "before": to_json_data(f.before),
                        "after": to_json_data(f.after),
                    }
                    for f in (change.fields if change else ())
                ]
            else:
                result["entry"] = "the list entry was republished with changes"
        if suppression.counterparty_hash != party.state_hash():
            result["counterparty"] = (
                "the counterparty's name, country, type, address or date of birth changed"
            )
        return result

    # --- alerts and decisions --------------------------------------------------------------

    def alerts(self, status: str | None = "open") -> list[Alert]:
        return [self._alert(r) for r in stored_alerts.with_parties(self.engine, status)]

    def alert(self, alert_id: int) -> Alert | None:
        row = stored_alerts.one_with_party(self.engine, alert_id)
        return self._alert(row) if row else None

    def queue(self, ask: stored_alerts.QueueQuery) -> tuple[list[Alert], int]:
        """One page of a view of the queue (``QueueQuery``) and how many alerts the view holds."""
        rows, total = stored_alerts.queue(self.engine, ask)
        return [self._alert(r) for r in rows], total

    def queue_counts(self) -> dict[str, int]:
        return stored_alerts.counts(self.engine)

    def assignees(self) -> list[str]:
        return stored_alerts.assignees(self.engine)

    def decision(self, decision_id: int) -> Decision | None:
        with self.engine.connect() as conn:
            row = stored_decisions.get(conn, decision_id)
        return _decision(row) if row is not None else None

    def history(self, alert_ids: Collection[int]) -> dict[int, list[Decision]]:
        """Each alert's decisions, oldest first (the latest effective one governs)."""
        found = stored_decisions.on_alerts(self.engine, sorted(alert_ids))
        return {a: [_decision(d) for d in rows] for a, rows in found.items()}

    def matched_entry(self, alert: Alert) -> Entry | None:
        """The entry as it was when the alert was raised (what the analyst decides on)."""
        with self.engine.connect() as conn:
            row = stored_alerts.get(conn, alert.id)
            if row is None:
                return None
            return entry_state(conn, row.entry_id, row.entry_state_hash)

    def assign(self, alert_ids: Collection[int], assignee: str | None, *, user: str) -> list[int]:
        """Assign alerts to ``assignee`` (None: unassign), recorded in the audit trail; returns
        the ids of the alerts that exist (LookupError when none does)."""
        with audit.writing(self.engine) as conn:
            found = stored_alerts.assign(conn, sorted(set(alert_ids)), assignee)
            if not found:
                raise LookupError(f"no alert {', '.join(str(a) for a in sorted(alert_ids))}")
            audit.record(conn, user, "alert.assign", {"alerts": found, "assigned_to": assignee})
        return found

    def four_eyes(self, alert_id: int, disposition: Disposition) -> str | None:
        """Why a decision on the alert needs a second analyst's approval (None: it does not)."""
        with self.engine.connect() as conn:
            row = stored_alerts.get(conn, alert_id)
            if row is None:
                raise LookupError(f"no alert {alert_id}")
            return four_eyes_reasons(conn, row, disposition, self.four_eyes_score)

    @staticmethod
    def _alert(row: stored_alerts.AlertWithParty) -> Alert:
        party = _counterparty(row)
        alert = row.alert
        return Alert(
            id=alert.id,
            counterparty=party,
            entry_id=alert.entry_id,
            score=alert.score,
            matched_name=alert.matched_name,
            status=alert.status,
            created_at=alert.created_at,
            explanation=alert.explanation,
            closed_reason=alert.closed_reason,
            assigned_to=alert.assigned_to,
            list=row.list,
        )

    def decide(
        self,
        alert_id: int,
        disposition: Disposition,
        reason: str,
        *,
        user: str,
        expires_at: datetime | None = None,
    ) -> int:
        """Record an analyst's decision on an alert; returns the decision id (``decide_with``
        also says whether it waits for a second analyst)."""
        return self.decide_with(
            alert_id, disposition, reason, user=user, expires_at=expires_at
        ).decision_id

    def decide_with(
        self,
        alert_id: int,
        disposition: Disposition,
        reason: str,
        *,
        user: str,
        expires_at: datetime | None = None,
    ) -> Outcome:
        """Record an analyst's decision on an alert that is not closed.

        A false positive suppresses the pair until either side changes or ``expires_at``
        (default ``four_eyes.DEFAULT_SUPPRESSION_DAYS`` from now) -- once it takes effect:
        under the four-eyes rule (``four_eyes``) it waits, without effect, for another
        analyst's ``approve``. A new decision reverses the one before it (the history is kept).
        ValueError for a blank reason, a closed alert, or one whose clearance already awaits
        approval."""
        return decide(
            self.engine,
            alert_id,
            disposition,
            reason,
            user=user,
            expires_at=expires_at,
            four_eyes_score=self.four_eyes_score,
        )

    def approve(self, decision_id: int, reason: str, *, user: str) -> None:
        """A second analyst approves a decision awaiting approval: it takes effect now (the
        alert is decided, a false positive suppresses). FourEyes when ``user`` made it."""
        review(self.engine, decision_id, reason, user=user, approve=True)

    def reject(self, decision_id: int, reason: str, *, user: str) -> None:
        """Reject a decision awaiting approval: it never takes effect, and the alert stays as it
        was. The analyst who made it may withdraw it this way too."""
        review(self.engine, decision_id, reason, user=user, approve=False)

    def bound_decisions(self) -> list[BoundDecision]:
        """Every decision with the counterparty and entry state it was made for, and whether the
        counterparty is still as it was (for ``decisions.determination.determine``)."""
        found = []
        for row in stored_decisions.bound_decisions(self.engine):
            now = _counterparty(row)
            found.append(
                BoundDecision(
                    id=row.id,
                    disposition=Disposition(row.disposition),
                    entry_id=row.entry_id,
                    entry_state_hash=row.entry_state_hash,
                    counterparty_id=row.external_id,
                    name=row.name,
                    country=row.country,
                    address=row.address,
                    counterparty_unchanged=now.state_hash() == row.counterparty_hash,
                    decided_by=row.decided_by,
                    decided_at=row.created_at,
                    expires_at=row.expires_at,
                    reason=row.reason,
                )
            )
        return found

    def close_removed(self, current_entry_ids: Collection[str]) -> list[int]:
        """Close open alerts whose entry is on no current list. An alert whose entry's party
        continues under a current record (merged into it, or named in its text: identity
        linking) is left open: its party is still listed, so "removed" would be a false clear."""
        closed: list[int] = []
        with audit.writing(self.engine) as conn:
            gone: list[int] = []
            continued: dict[int, str] = {}
            for alert_id, entry_id in stored_alerts.open_entry_ids(conn):
                if entry_id in current_entry_ids:
                    continue
                link = stored_links.continuation(conn, entry_id)
                if link is not None and link.decision.entry_id in current_entry_ids:
                    continued[alert_id] = link.decision.entry_id
                else:
                    gone.append(alert_id)
            if gone:
                stored_alerts.close(conn, gone, "the entry was removed from its list")
            if gone or continued:
                audit.record(
                    conn,
                    self.actor,
                    "alerts.close_removed",
                    {"alerts": gone, "left_open_party_still_listed": continued},
                )
            closed.extend(gone)
        return closed


def parse_disposition(value: str) -> Disposition:
    normalised = value.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {
        "fp": "false_positive",
        "tp": "true_match",
        "match": "true_match",
        "true": "true_match",
        "false": "false_positive",
        "info": "needs_info",
        "escalate": "escalated",
    }
    try:
        return Disposition(aliases.get(normalised, normalised))
    except ValueError as error:
        choices = ", ".join(d.value for d in Disposition)
        raise ValueError(f"unknown decision {value!r}; one of {choices}") from error
