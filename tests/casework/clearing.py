"""Clearing an alert as the four-eyes rule has it: the analyst decides, and when the clearance
waits for a second analyst, another one approves it. For tests about what a clearance does
(suppression, lapsing, audit), not about the rule itself (``test_four_eyes``)."""

from __future__ import annotations

from datetime import datetime

from exportscreen.casework.register import Register
from exportscreen.model import Disposition

SECOND_ANALYST = "second-analyst"


def clear(
    register: Register,
    alert_id: int,
    reason: str,
    *,
    user: str,
    expires_at: datetime | None = None,
    approver: str = SECOND_ANALYST,
) -> int:
    """Decide the alert a false positive and, if it awaits approval, approve it as ``approver``;
    returns the decision id."""
    outcome = register.decide_with(
        alert_id, Disposition.FALSE_POSITIVE, reason, user=user, expires_at=expires_at
    )
    if outcome.four_eyes:
        register.approve(outcome.decision_id, "second look: agreed", user=approver)
    return outcome.decision_id
