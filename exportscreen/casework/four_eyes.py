"""The four-eyes rule and the life of a decision on an alert (``Register`` delegates here).

Clearing an alert (a false positive) scored at or above the four-eyes score, or on a list whose
match prohibits dealings, or whose list is not known, is only a proposal until a second analyst
approves it: the decision waits as "pending approval" without effect. Approving makes it take
effect (the alert is decided; a false positive suppresses the pair); rejecting leaves the alert as
it was. Each step is written to the audit trail in the same transaction as the rows it changes,
and the rows name their audit record so that ``audit verify`` can check one against the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from exportscreen.casework import audit_trail as audit
from exportscreen.lists import LIST_NAMES, LISTS, ListAction
from exportscreen.model import Disposition, ListCode
from exportscreen.store import alerts as stored_alerts
from exportscreen.store import decisions as stored_decisions
from exportscreen.store.engine import Connection, Engine
from exportscreen.store.queries import entry_state, list_of_entry
from exportscreen.store.schema import DECISION_EFFECTIVE, DECISION_PENDING, DECISION_REJECTED

# A false-positive decision holds this long unless the analyst sets another expiry; stale accept
# lists are a known enforcement finding (domain.md §6), so suppressions never last forever.
DEFAULT_SUPPRESSION_DAYS = 365


@dataclass(frozen=True, slots=True)
class Outcome:
    """What ``Register.decide`` did: the decision, and why it waits for a second analyst (None:
    it took effect)."""

    decision_id: int
    review_status: str
    four_eyes: str | None


class FourEyes(ValueError):
    """A review the four-eyes rule refuses (the analyst approving their own clearance)."""


def four_eyes_reasons(
    conn: Connection, row: stored_alerts.AlertRow, disposition: Disposition, score_limit: float
) -> str | None:
    """Why a decision on the alert needs a second analyst's approval (None: it does not)."""
    # Only a clearance can let a listed party through; confirming or escalating cannot.
    if disposition is not Disposition.FALSE_POSITIVE:
        return None
    reasons: list[str] = []
    if row.score >= score_limit:
        reasons.append(f"score {row.score:.2f} is at or above {score_limit:.2f}")
    matched = entry_state(conn, row.entry_id, row.entry_state_hash)
    code: ListCode | None = matched.list if matched else list_of_entry(conn, row.entry_id)
    if code is None:
        # Not knowing the list is no reason to let one analyst clear it alone.
        reasons.append(f"the list of entry {row.entry_id} is not known")
    elif LISTS[code].meaning.action is ListAction.PROHIBITED:
        reasons.append(f"a match on the {LIST_NAMES[code]} prohibits the transaction")
    return "; ".join(reasons) or None


def decide(
    engine: Engine,
    alert_id: int,
    disposition: Disposition,
    reason: str,
    *,
    user: str,
    expires_at: datetime | None,
    four_eyes_score: float,
) -> Outcome:
    """Record an analyst's decision on an alert that is not closed (``Register.decide_with``)."""
    if not reason.strip():
        raise ValueError("a decision needs a reason")
    with audit.writing(engine) as conn:
        row = stored_alerts.get(conn, alert_id)
        if row is None:
            raise LookupError(f"no alert {alert_id}")
        # Re-deciding is allowed (escalations get resolved), but never on a closed alert.
        if row.status == "closed":
            raise ValueError(f"alert {alert_id} is closed ({row.closed_reason})")
        waiting = stored_decisions.pending_on(conn, alert_id)
        if waiting is not None:
            raise ValueError(
                f"alert {alert_id}: decision {waiting.id} by {waiting.decided_by} awaits a "
                "second analyst's approval; approve or reject it first"
            )
        now = _now()
        if disposition is Disposition.FALSE_POSITIVE and expires_at is None:
            expires_at = now + timedelta(days=DEFAULT_SUPPRESSION_DAYS)
        four_eyes = four_eyes_reasons(conn, row, disposition, four_eyes_score)
        review_status = DECISION_PENDING if four_eyes else DECISION_EFFECTIVE
        decision_id = stored_decisions.insert(
            conn,
            alert_id=alert_id,
            disposition=disposition.value,
            reason=reason,
            decided_by=user,
            created_at=now,
            expires_at=expires_at if disposition is Disposition.FALSE_POSITIVE else None,
            review_status=review_status,
        )
        suppression = (
            None if four_eyes else take_effect(conn, row, decision_id, disposition, expires_at)
        )
        # The record holds what the decision and suppression rows hold, and the decision row
        # names the record: ``audit verify`` checks the rows against it (an edited decision
        # shows), and the record against the rows (a deleted one shows).
        written = audit.record(
            conn,
            user,
            "alert.decide",
            {
                "alert": alert_id,
                "decision": decision_id,
                "decided_at": now.isoformat(),
                "entry": row.entry_id,
                "counterparty_id": row.counterparty_id,
                "score": row.score,
                "disposition": disposition.value,
                "reason": reason,
                "expires_at": expires_at.isoformat() if expires_at else None,
                "suppression": suppression,
                "review_status": review_status,
                "four_eyes": four_eyes,
            },
        )
        stored_decisions.link_audit(conn, decision_id, written.seq)
    return Outcome(decision_id, review_status, four_eyes)


def take_effect(
    conn: Connection,
    row: stored_alerts.AlertRow,
    decision_id: int,
    disposition: Disposition,
    expires_at: datetime | None,
) -> dict[str, Any] | None:
    """The alert's new status and, for a false positive, its suppression (returned as the
    audit record states it)."""
    # needs_info keeps the alert in the queue; the other dispositions take it out.
    status = "open" if disposition is Disposition.NEEDS_INFO else "decided"
    stored_alerts.set_status(conn, row.id, status)
    if disposition is not Disposition.FALSE_POSITIVE:
        return None
    stored_decisions.suppress(
        conn,
        counterparty_id=row.counterparty_id,
        entry_id=row.entry_id,
        entry_state_hash=row.entry_state_hash,
        counterparty_hash=row.counterparty_hash,
        expires_at=expires_at,
        decision_id=decision_id,
    )
    return {
        "counterparty_id": row.counterparty_id,
        "entry_id": row.entry_id,
        "entry_state_hash": row.entry_state_hash,
        "counterparty_hash": row.counterparty_hash,
        "expires_at": expires_at.isoformat() if expires_at else None,
    }


def review(engine: Engine, decision_id: int, reason: str, *, user: str, approve: bool) -> None:
    """Approve (a second analyst: FourEyes when ``user`` made it) or reject a decision awaiting
    approval; an approval makes it take effect now."""
    if not reason.strip():
        raise ValueError("an approval or rejection needs a reason")
    with audit.writing(engine) as conn:
        decision = stored_decisions.get(conn, decision_id)
        if decision is None:
            raise LookupError(f"no decision {decision_id}")
        if not decision.pending:
            raise ValueError(
                f"decision {decision_id} is not awaiting approval ({decision.review_status}"
                + (f" by {decision.reviewed_by}" if decision.reviewed_by else "")
                + ")"
            )
        if approve and decision.decided_by == user:
            raise FourEyes(
                f"decision {decision_id} was made by {user}: a second analyst must approve it"
            )
        row = stored_alerts.get(conn, decision.alert_id)
        assert row is not None  # decisions.alert_id is a foreign key
        if approve and row.status == "closed":
            raise ValueError(
                f"alert {row.id} was closed ({row.closed_reason}) while decision "
                f"{decision_id} awaited approval: reject it"
            )
        now = _now()
        status = DECISION_EFFECTIVE if approve else DECISION_REJECTED
        if not stored_decisions.review(
            conn, decision_id, status=status, reviewed_by=user, reviewed_at=now, reason=reason
        ):
            raise ValueError(f"decision {decision_id} was reviewed meanwhile")
        suppression = (
            take_effect(
                conn, row, decision_id, Disposition(decision.disposition), decision.expires_at
            )
            if approve
            else None
        )
        written = audit.record(
            conn,
            user,
            "alert.approve" if approve else "alert.reject",
            {
                "alert": row.id,
                "decision": decision_id,
                "decided_by": decision.decided_by,
                "disposition": decision.disposition,
                "reviewed_at": now.isoformat(),
                "reason": reason,
                "suppression": suppression,
            },
        )
        stored_decisions.link_review_audit(conn, decision_id, written.seq)


def _now() -> datetime:
    return datetime.now(UTC)
