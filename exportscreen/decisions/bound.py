"""Analysts' decisions bound to what was decided: one counterparty and one version of one entry.

A decision on an alert was made for a counterparty of the register (its id, name, country and
address) and for the entry as it was then (the alert's ``entry_state_hash``). It applies to a
transaction's party only when the party is that counterparty (the same register id, or, without
one, the same name, country and address), and only while neither side has changed and the
decision has not expired. The latest decision of the pair counts; when it has lapsed, no older
one takes its place. A decision never crosses to another party of the same name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from exportscreen.decisions.ownership import node_key
from exportscreen.decisions.transaction import Party
from exportscreen.model import Disposition, Entry
from exportscreen.text.folding import fold


@dataclass(frozen=True, slots=True)
class BoundDecision:
    """A decision as the register holds it, with what it was made for."""

    id: int
    disposition: Disposition
    entry_id: str
    entry_state_hash: str  # the entry as it was when the alert was raised
    counterparty_id: str  # the register's external id
    name: str
    country: str
    address: str
    counterparty_unchanged: bool  # the register's counterparty is as it was at the alert
    decided_by: str
    decided_at: datetime
    expires_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AppliedDecision:
    """A decision a determination took into account (or found lapsed), for the record."""

    decision_id: int
    party: str
    entry_id: str
    disposition: Disposition
    counterparty_id: str
    decided_by: str
    decided_at: datetime
    expires_at: datetime | None
    applied: bool
    why: str


def _same_address(a: str, b: str) -> bool:
    return fold(a) == fold(b)


def made_for(decision: BoundDecision, party: Party) -> bool:
    """Whether the decision was made for this party."""
    if party.counterparty_id:
        return decision.counterparty_id == party.counterparty_id
    return (
        node_key(decision.name) == node_key(party.name)
        and decision.country == party.country
        and _same_address(decision.address, party.address)
    )


class DecisionBook:
    """The register's decisions, looked up per (party, entry)."""

    def __init__(self, decisions: Iterable[BoundDecision], now: datetime) -> None:
        self.now = now
        self._by_entry: dict[str, list[BoundDecision]] = {}
        for decision in sorted(decisions, key=lambda d: d.id):
            self._by_entry.setdefault(decision.entry_id, []).append(decision)

    def lookup(
        self, party: Party, entry: Entry
    ) -> tuple[Disposition | None, AppliedDecision | None]:
        """The disposition that applies to ``party`` and ``entry`` now, and the record of the
        decision looked at (applied or lapsed); (None, None) when none was made for the party."""
        made = [d for d in self._by_entry.get(entry.id, ()) if made_for(d, party)]
        if not made:
            return None, None
        latest = made[-1]
        lapsed = self._lapsed(latest, entry)
        record = AppliedDecision(
            decision_id=latest.id,
            party=party.name,
            entry_id=entry.id,
            disposition=latest.disposition,
            counterparty_id=latest.counterparty_id,
            decided_by=latest.decided_by,
            decided_at=latest.decided_at,
            expires_at=latest.expires_at,
            applied=not lapsed,
            why=lapsed or "made for this counterparty and this version of the entry",
        )
        return (None if lapsed else latest.disposition), record

    def owner_confirmed(self, name: str, entry: Entry) -> bool:
        """Whether an ownership graph's node (known by name only) is a confirmed match: the
        latest live decision on the entry for a counterparty of that name is a true match. Only
        true matches cross from the register to a graph node, since they can only raise the
        outcome; a false positive made for a counterparty never clears an owner of that name."""
        made = [d for d in self._by_entry.get(entry.id, ()) if node_key(d.name) == node_key(name)]
        return (
            bool(made)
            and made[-1].disposition is Disposition.TRUE_MATCH
            and not self._lapsed(made[-1], entry)
        )

    def _lapsed(self, decision: BoundDecision, entry: Entry) -> str:
        if decision.expires_at is not None and decision.expires_at <= self.now:
            return f"lapsed: expired on {decision.expires_at.date().isoformat()}"
        if decision.entry_state_hash != entry.content_hash():
            return "lapsed: the list entry changed since the decision"
        if not decision.counterparty_unchanged:
            return "lapsed: the counterparty changed in the register since the decision"
        return ""


def by_name(
    confirmed: Mapping[tuple[str, str], Disposition] | None,
) -> Mapping[tuple[str, str], Disposition]:
    """Decisions given by (party name, entry id), keyed as graph nodes are."""
    return {(node_key(party), entry_id): d for (party, entry_id), d in (confirmed or {}).items()}


def applied_ids(records: Sequence[AppliedDecision]) -> tuple[int, ...]:
    return tuple(sorted({r.decision_id for r in records if r.applied}))
