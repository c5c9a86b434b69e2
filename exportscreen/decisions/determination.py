"""Licence determination for a transaction: per party and overall, PROHIBITED > LICENSE_REQUIRED >
HOLD > NO_LIST_RESTRICTION, with the reasons an analyst needs to check it.

Each party is screened; every hit at or above the threshold whose entry is in force on the
transaction date is judged by what its list means (``policy.LIST_POLICIES``) for that party's role
and the transaction's items. A hit an analyst confirmed gives the list's outcome; one not yet
decided gives HOLD (and says what confirming it would mean); one decided a false positive is
shown but counts for nothing. Analysts' decisions apply only to the counterparty and the entry
version they were made for (``bound.py``). Parties found in an ownership graph also take on
restrictions through ownership (``ownership.restricted_through_ownership``). The destination's
country controls and end-use questions (``destination.py``) count whoever the parties are.
Lists older than the configured age warn, and past a second limit a clear becomes HOLD.

Where the data cannot decide, the answer is HOLD and says why: never a clear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from exportscreen import settings
from exportscreen.decisions.bound import AppliedDecision, BoundDecision, DecisionBook, by_name
from exportscreen.decisions.consequence import FORWARDER_NOTE as FORWARDER_NOTE
from exportscreen.decisions.consequence import Consequence, consequence
from exportscreen.decisions.consequence import eccn_covers as eccn_covers
from exportscreen.decisions.destination import country_controls, open_questions
from exportscreen.decisions.freshness import (
    FreshnessLimits,
    ListVersionUsed,
    freshness,
)
from exportscreen.decisions.ownership import (
    REGIME_CITATIONS,
    GroundKind,
    Listing,
    OwnershipFinding,
    OwnershipGraph,
    Regime,
    bis_outcome,
    format_percent,
    node_key,
    restricted_through_ownership,
)
from exportscreen.decisions.policy import (
    CHECKED_JURISDICTIONS,
    DEFAULT_AFFILIATES_SCHEDULE,
    DEFAULT_EFFECTIVE_DATES,
    FOOTNOTES,
    LIST_POLICIES,
    AffiliatesRuleSchedule,
    EffectiveDates,
)
from exportscreen.decisions.result import NOTICE as NOTICE
from exportscreen.decisions.result import (
    Determination,
    FootnoteReason,
    Ground,
    GroundType,
    ListingReason,
    MatchStatus,
    OwnershipReason,
    OwnerStake,
    PartyDetermination,
)
from exportscreen.decisions.transaction import Party, PartyRole, Transaction
from exportscreen.lists import JURISDICTIONS, LIST_NAMES
from exportscreen.model import Disposition, Entry, EntryType, Hit, ListCode, Outcome, PartyScreener
from exportscreen.screening.history import ListsOnDate

__all__ = [
    "FORWARDER_NOTE",
    "NOTICE",
    "Consequence",
    "Determination",
    "EntryDating",
    "ListingReason",
    "MatchStatus",
    "PartyScreener",
    "consequence",
    "determine",
    "eccn_covers",
    "listings_for_graph",
]

Decisions = Mapping[tuple[str, str], Disposition]  # (party name, entry id) -> analyst's decision
InForce = Callable[[Entry, date], bool]


@dataclass(frozen=True, slots=True)
class EntryDating:
    """When an entry counts: from its effective date to its end date (inclusive).

    The effective date is the earliest of the entry's own dates: each Federal Register citation
    (its rule's effective date when ``effective_dates`` knows it, else its publication date) and
    the list's start date. Only when the entry carries no date at all is ``first_seen`` asked
    (e.g. the date of the first stored list version holding it). An entry with no date from any
    source counts, since it is on a list we hold.
    """

    effective_dates: EffectiveDates = DEFAULT_EFFECTIVE_DATES
    first_seen: Callable[[Entry], date | None] | None = None

    def effective_date(self, entry: Entry) -> date | None:
        own = [self.effective_dates.effective_date(c) for c in entry.citations]
        known = [d for d in (*own, entry.start_date) if d is not None]
        if known:
            return min(known)
        return self.first_seen(entry) if self.first_seen is not None else None

    def __call__(self, entry: Entry, on: date) -> bool:
        start = self.effective_date(entry)
        if start is not None and on < start:
            return False
        return entry.end_date is None or on <= entry.end_date


def _listing_reason(
    entry: Entry,
    status: MatchStatus,
    effect: Consequence,
    dating: EntryDating,
    *,
    matched_name: str = "",
    score: float | None = None,
    disposition: Disposition | None = None,
    note: str = "",
    decision_id: int | None = None,
    checked: frozenset[str] = CHECKED_JURISDICTIONS,
) -> ListingReason:
    policy = LIST_POLICIES[entry.list]
    if status is MatchStatus.CONFIRMED:
        now = effect.outcome
    elif status is MatchStatus.POTENTIAL:
        # Holding is only worth it when confirming the match would restrict something.
        now = min(Outcome.HOLD, effect.outcome)
    else:
        now = Outcome.NO_LIST_RESTRICTION
    if_confirmed = effect.worst
    in_scope = policy.jurisdiction in checked
    if not in_scope:
        # Reported, so the analyst sees it, but the transaction is not checked for this law.
        now = if_confirmed = Outcome.NO_LIST_RESTRICTION
        unchecked = (
            f"{policy.jurisdiction} list: the transaction is not checked for jurisdiction "
            f"{policy.jurisdiction} (checked: {', '.join(sorted(checked))}; "
            "EXPORTSCREEN_JURISDICTIONS); reported, not counted"
        )
        note = f"{note}; {unchecked}" if note else unchecked
    return ListingReason(
        status=status,
        outcome=now,
        if_confirmed=if_confirmed,
        list=entry.list,
        list_name=LIST_NAMES[entry.list],
        agency=policy.agency,
        effect=policy.effect,
        entry_id=entry.id,
        entry_name=entry.name,
        matched_name=matched_name,
        score=score,
        disposition=disposition,
        consequence=effect,
        footnotes=tuple(
            FootnoteReason(n, FOOTNOTES[n].regulation, FOOTNOTES[n].meaning)
            for n in entry.licence.footnotes
            if n in FOOTNOTES
        ),
        citations=tuple(str(c) for c in entry.citations),
        effective_date=dating.effective_date(entry),
        end_date=entry.end_date,
        note=note,
        decision_id=decision_id,
        jurisdiction=policy.jurisdiction,
        checked=in_scope,
    )


def checked_jurisdictions(jurisdictions: Iterable[str] | None) -> frozenset[str]:
    """The jurisdictions a determination checks: those given, else the configured ones. An
    unknown code is a ValueError naming it (a typo must not leave a jurisdiction unchecked)."""
    if jurisdictions is None:
        return CHECKED_JURISDICTIONS
    codes = frozenset(j.strip().upper() for j in jurisdictions)
    unknown = sorted(codes - set(JURISDICTIONS))
    if unknown or not codes:
        raise ValueError(
            f"jurisdictions: unknown {', '.join(map(repr, unknown)) or 'none given'}; "
            f"the lists' jurisdictions are {', '.join(JURISDICTIONS)}"
        )
    return codes


# --- screening ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Screening:
    screener: PartyScreener
    threshold: float
    by_name: Mapping[tuple[str, str], Disposition]
    book: DecisionBook | None
    in_force: InForce
    on: date
    limit: int
    checked: frozenset[str] = CHECKED_JURISDICTIONS

    def hits(self, name: str, country: str | None, type: EntryType | None) -> list[Hit]:
        found = self.screener.screen(
            name, country=country, type=type, limit=self.limit, threshold=self.threshold
        )
        best: dict[str, Hit] = {}
        for hit in found:
            if hit.score >= self.threshold and (
                hit.entry.id not in best or hit.score > best[hit.entry.id].score
            ):
                best[hit.entry.id] = hit
        return sorted(best.values(), key=lambda h: -h.score)

    def decision(
        self, party: Party | str, entry: Entry
    ) -> tuple[Disposition | None, AppliedDecision | None]:
        name = party if isinstance(party, str) else party.name
        given = self.by_name.get((node_key(name), entry.id))
        if given is not None or self.book is None:
            return given, None
        if isinstance(party, str):  # an ownership graph's node
            owner = self.book.owner_confirmed(party, entry)
            return (Disposition.TRUE_MATCH if owner else None), None
        return self.book.lookup(party, entry)

    def status(
        self, party: Party | str, hit: Hit
    ) -> tuple[MatchStatus, Disposition | None, AppliedDecision | None]:
        disposition, record = self.decision(party, hit.entry)
        if not self.in_force(hit.entry, self.on):
            return MatchStatus.NOT_IN_FORCE, disposition, record
        if disposition is Disposition.FALSE_POSITIVE:
            return MatchStatus.FALSE_POSITIVE, disposition, record
        if disposition is Disposition.TRUE_MATCH:
            return MatchStatus.CONFIRMED, disposition, record
        return MatchStatus.POTENTIAL, disposition, record


def listings_for_graph(
    graph: OwnershipGraph,
    screener: PartyScreener,
    *,
    on: date,
    names: Iterable[str] | None = None,
    threshold: float | None = None,
    confirmed: Decisions | None = None,
    entries_in_force: InForce | None = None,
    limit: int = 10,
    book: DecisionBook | None = None,
) -> dict[str, tuple[Listing, ...]]:
    """Which graph nodes are listed on ``on``: each name (all the graph's by default) is screened;
    hits at or above the threshold and in force count, confirmed when an analyst said so (keyed
    by the node's name and the entry id, or by a live true-match decision of the register's for a
    counterparty of that name: ``book``), and false positives are dropped."""
    screening = _Screening(
        screener,
        settings.DEFAULT_THRESHOLD if threshold is None else threshold,
        by_name(confirmed),
        book,
        entries_in_force or EntryDating(),
        on,
        limit,
    )
    listed: dict[str, tuple[Listing, ...]] = {}
    for name in graph.names if names is None else names:
        listings = []
        for hit in screening.hits(name, None, None):
            status, _, _ = screening.status(name, hit)
            if status in (MatchStatus.CONFIRMED, MatchStatus.POTENTIAL):
                listings.append(
                    Listing(hit.entry, status is MatchStatus.CONFIRMED, hit.score, hit.matched_name)
                )
        if listings:
            listed[name] = tuple(listings)
    return listed


# --- the determination ----------------------------------------------------------------------


def _ownership_reasons(
    finding: OwnershipFinding | None,
    party: Party,
    transaction: Transaction,
    dating: EntryDating,
    affiliates: AffiliatesRuleSchedule,
    checked: frozenset[str] = CHECKED_JURISDICTIONS,
) -> tuple[OwnershipReason, ...]:
    if finding is None:
        return ()
    reasons = []
    for ground in finding.grounds:
        inherited = tuple(
            _listing_reason(
                x.entry,
                MatchStatus.CONFIRMED if x.confirmed else MatchStatus.POTENTIAL,
                consequence(x.entry, party.role, transaction),
                dating,
                matched_name=x.matched_name,
                score=x.score,
                checked=checked,
            )
            for x in ground.inherited
        )
        outcome = ground.outcome
        if ground.kind is GroundKind.RESTRICTED and ground.regime is Regime.BIS_AFFILIATES:
            # The affiliate is treated as its owners would be under the EAR: their entries'
            # scopes, judged against these items and this party's role; the most restrictive
            # wins. An SDN owner's EAR consequence is a licence requirement; OFAC's prohibition
            # is the OFAC 50 Percent Rule's own ground.
            outcome = max(
                (
                    min(r.if_confirmed, bis_outcome(x.entry))
                    for r, x in zip(inherited, ground.inherited, strict=True)
                ),
                default=Outcome.HOLD,
            )
        bis = ground.regime is Regime.BIS_AFFILIATES
        reasons.append(
            OwnershipReason(
                regime=ground.regime,
                kind=ground.kind,
                outcome=outcome,
                text=ground.text,
                owners=tuple(
                    OwnerStake(
                        link.stake.owner,
                        None if link.stake.percent is None else format_percent(link.stake.percent),
                        link.stake.as_of,
                        link.stake.source,
                    )
                    for link in ground.links
                ),
                aggregate=format_percent(ground.aggregate),
                inherited=inherited,
                citation=REGIME_CITATIONS[ground.regime]
                + (
                    ""
                    if ground.kind is GroundKind.RESTRICTED
                    else "; Supp. No. 3 to 15 CFR Part 732"
                ),
                rule_status=affiliates.status_note(transaction.date) if bis else "",
                verified_on=affiliates.verified_on if bis else None,
            )
        )
    return tuple(reasons)


def _not_in_force_note(entry: Entry, dating: EntryDating, on: date) -> str:
    start, end = dating.effective_date(entry), entry.end_date
    when = on.isoformat()
    if start is not None and on < start:
        return f"not in force on {when}: effective {start.isoformat()}"
    if end is not None and on > end:
        return f"not in force on {when}: ended {end.isoformat()}"
    return f"not in force on {when} according to the list history"


def _determine_party(
    party: Party,
    transaction: Transaction,
    screening: _Screening,
    dating: EntryDating,
    finding: OwnershipFinding | None,
    affiliates: AffiliatesRuleSchedule,
    applied: list[AppliedDecision],
    history: ListsOnDate | None = None,
) -> PartyDetermination:
    reasons = []
    for hit in screening.hits(party.name, party.country or None, party.type):
        status, disposition, record = screening.status(party, hit)
        if record is not None:
            applied.append(record)
        note = ""
        if status is MatchStatus.NOT_IN_FORCE:
            note = _not_in_force_note(hit.entry, dating, transaction.date)
        elif record is not None and not record.applied:
            note = f"decision {record.decision_id} not applied ({record.why})"
        reasons.append(
            _listing_reason(
                hit.entry,
                status,
                consequence(hit.entry, party.role, transaction),
                dating,
                matched_name=hit.matched_name,
                score=hit.score,
                disposition=disposition,
                note=note,
                decision_id=record.decision_id if record is not None and record.applied else None,
                checked=screening.checked,
            )
        )
        if history is not None:
            reasons[-1] = replace(reasons[-1], removed_since=history.removed_since(hit.entry))
    reasons.sort(key=lambda r: (-r.outcome.severity, -(r.score or 0.0)))
    ownership = _ownership_reasons(
        finding, party, transaction, dating, affiliates, screening.checked
    )
    outcomes = [r.outcome for r in reasons] + [r.outcome for r in ownership]
    outcome = max(outcomes, default=Outcome.NO_LIST_RESTRICTION)
    pending = [
        r.if_confirmed
        for r in reasons
        if r.status in (MatchStatus.POTENTIAL, MatchStatus.CONFIRMED)
    ]
    pending += [_ownership_worst(r) for r in ownership if r.kind is not GroundKind.RESTRICTED]
    worst = max(pending, default=outcome)
    notes = (FORWARDER_NOTE,) if party.role is PartyRole.FREIGHT_FORWARDER else ()
    return PartyDetermination(
        party, outcome, tuple(reasons), ownership, notes, worst if worst > outcome else None
    )


def _ownership_worst(reason: OwnershipReason) -> Outcome:
    """What an ownership red flag would become if it were resolved against the party."""
    if reason.regime is Regime.OFAC_50_PERCENT:
        return Outcome.PROHIBITED
    if reason.regime is Regime.OFAC_SSI_50_PERCENT or reason.kind is GroundKind.RULE_NOT_IN_FORCE:
        # Directive-specific; or a rule not in force, whose red flag stays a red flag.
        return Outcome.HOLD
    # Under the BIS rule an SDN owner means a licence requirement (OFAC's ground blocks).
    return max(
        (
            min(r.if_confirmed, Outcome.LICENSE_REQUIRED)
            if r.list is ListCode.SDN
            else r.if_confirmed
            for r in reason.inherited
        ),
        default=Outcome.HOLD,
    )


def _party_grounds(party: PartyDetermination) -> list[Ground]:
    grounds = []
    for r in party.listings:
        if r.status not in (MatchStatus.CONFIRMED, MatchStatus.POTENTIAL) or not r.checked:
            continue
        entry_text = f"{r.status.value} match on {r.list.value} {r.entry_id} {r.entry_name!r}"
        grounds.append(
            Ground(
                GroundType.LISTING,
                r.outcome,
                r.if_confirmed,
                r.consequence.regulation,
                f"{entry_text}: {r.effect}",
                party.party.name,
                party.party.role,
                r.list,
                r.entry_id,
            )
        )
    for o in party.ownership:
        grounds.append(
            Ground(
                GroundType.OWNERSHIP,
                o.outcome,
                max(o.outcome, _ownership_worst(o))
                if o.kind is not GroundKind.RESTRICTED
                else o.outcome,
                o.citation,
                o.text + (f" [{o.rule_status}]" if o.rule_status else ""),
                party.party.name,
                party.party.role,
            )
        )
    return grounds


def determine(
    transaction: Transaction,
    screener: PartyScreener,
    *,
    threshold: float | None = None,
    confirmed: Decisions | None = None,
    decisions: Iterable[BoundDecision] | None = None,
    ownership: OwnershipGraph | None = None,
    entries_in_force: InForce | None = None,
    affiliates: AffiliatesRuleSchedule = DEFAULT_AFFILIATES_SCHEDULE,
    dating: EntryDating | None = None,
    history: ListsOnDate | None = None,
    limit: int = 10,
    list_versions: Iterable[ListVersionUsed] = (),
    as_of: date | None = None,
    now: datetime | None = None,
    freshness_limits: FreshnessLimits | None = None,
    jurisdictions: Iterable[str] | None = None,
) -> Determination:
    """Judge a transaction against the lists the screener holds and the destination's controls.

    ``decisions`` are the register's analysts' decisions, each bound to the counterparty and the
    entry version it was made for (``bound.BoundDecision``); ``confirmed`` maps (party name,
    entry id) to a decision given by the caller for this transaction (names compared case- and
    punctuation-insensitively; also used for the ownership graph's nodes). ``list_versions`` are
    the versions screened against, whose age on ``as_of`` (the day the determination is made,
    default today) is checked; ``now`` (default: as_of at midnight UTC, else the clock) decides
    which decisions have expired. ``entries_in_force`` replaces the default dating of entries
    (``EntryDating``); ``affiliates`` is the Affiliates Rule schedule. ``jurisdictions`` are
    the jurisdictions checked (default: ``EXPORTSCREEN_JURISDICTIONS``, US unless configured): a
    match on another jurisdiction's list is reported but decides nothing, and only the checked
    lists' age can hold a clear.

    ``history`` (``screening.history.lists_on`` the transaction's date) screens the lists as they
    stood on that date: its screener replaces ``screener``, an entry counts when that version
    held it or a later one dates it on or before the transaction, and each listing says whether
    the party has been removed since.
    """
    dating = dating or EntryDating()
    checked = checked_jurisdictions(jurisdictions)
    list_versions = tuple(list_versions)  # read twice below
    if history is not None:
        screener = history.screener
        if entries_in_force is None:
            entries_in_force = _history_in_force(history, dating)
    made_on = as_of or datetime.now(UTC).date()
    moment = now or (
        datetime.combine(as_of, time(), tzinfo=UTC) if as_of is not None else datetime.now(UTC)
    )
    screening = _Screening(
        screener,
        settings.DEFAULT_THRESHOLD if threshold is None else threshold,
        by_name(confirmed),
        DecisionBook(decisions, moment) if decisions is not None else None,
        entries_in_force or dating,
        transaction.date,
        limit,
        checked,
    )
    findings: dict[str, OwnershipFinding] = {}
    nodes: dict[str, str] = {}
    if ownership is not None:
        for party in transaction.parties:
            node = ownership.find(party.name)
            if node is not None:
                nodes[party.name] = node
        # Only the owners of the transaction's parties can restrict them: screen just those.
        listed = listings_for_graph(
            ownership,
            screener,
            on=transaction.date,
            names=sorted(ownership.ancestors(nodes.values())),
            threshold=screening.threshold,
            confirmed=confirmed,
            entries_in_force=screening.in_force,
            limit=limit,
            book=screening.book,
        )
        findings = restricted_through_ownership(ownership, listed, transaction.date, affiliates)
    applied: list[AppliedDecision] = []
    parties = tuple(
        _determine_party(
            party,
            transaction,
            screening,
            dating,
            findings.get(nodes[party.name]) if party.name in nodes else None,
            affiliates,
            applied,
            history,
        )
        for party in transaction.parties
    )
    controls = country_controls(transaction)
    grounds = [g for p in parties for g in _party_grounds(p)]
    for control in controls:
        grounds.append(
            Ground(
                GroundType.END_USE if control.question_id else GroundType.COUNTRY_CONTROL,
                control.outcome,
                control.if_decided,
                control.citation,
                f"{control.title} ({control.where})",
                question=control.question,
            )
        )
    outcome = max([p.outcome for p in parties] + [c.outcome for c in controls])
    limits = freshness_limits or FreshnessLimits()
    fresh = freshness(
        [v for v in list_versions if LIST_POLICIES[v.list].jurisdiction in checked],
        made_on,
        limits,
    )
    if outcome is Outcome.NO_LIST_RESTRICTION and fresh.too_old:
        outcome = Outcome.HOLD
        for age in fresh.too_old:
            grounds.append(
                Ground(
                    GroundType.STALE_LIST,
                    Outcome.HOLD,
                    Outcome.HOLD,
                    # Not a legal rule: exportscreen's freshness gate, as configured.
                    f"exportscreen freshness gate: lists older than {limits.hold_days} days "
                    "(EXPORTSCREEN_STALE_LIST_HOLD_DAYS)",
                    f"{age.list_name} data of {age.as_of.isoformat()} is {age.age_days} days old "
                    f"on {made_on.isoformat()}: a clear from it may be a false clear; update the "
                    "list and determine again",
                    list=age.list,
                )
            )
    loaded = {LIST_POLICIES[v.list].jurisdiction for v in list_versions}
    unloaded = sorted(checked - loaded) if list_versions else []
    if unloaded and outcome is Outcome.NO_LIST_RESTRICTION:
        outcome = Outcome.HOLD
    for code in unloaded:
        grounds.append(
            Ground(
                GroundType.UNLOADED_JURISDICTION,
                Outcome.HOLD,
                Outcome.HOLD,
                "exportscreen: EXPORTSCREEN_JURISDICTIONS names it, and no list of it is loaded",
                f"the transaction is checked for jurisdiction {code} ({JURISDICTIONS[code].name}) "
                "but no list of it is loaded: load or update its lists, then determine again",
            )
        )
    worst = max(
        [outcome]
        + [p.if_confirmed for p in parties if p.if_confirmed is not None]
        + [c.if_decided for c in controls]
    )
    return Determination(
        transaction=transaction,
        outcome=outcome,
        parties=parties,
        threshold=screening.threshold,
        if_confirmed=worst if worst > outcome else None,
        grounds=tuple(
            sorted(grounds, key=lambda g: (-g.outcome.severity, -g.if_confirmed.severity))
        ),
        country_controls=controls,
        questions=open_questions(controls)
        + tuple(
            dict.fromkeys(
                c.question
                for p in parties
                for r in p.listings
                if r.status in (MatchStatus.CONFIRMED, MatchStatus.POTENTIAL) and r.checked
                for c in r.consequence.items
                if c.question
            )
        ),
        list_versions=fresh.lists,
        warnings=fresh.warnings,
        decisions_applied=tuple(applied),
        determined_on=made_on,
        versions_used=history.versions_used if history is not None else (),
        jurisdictions=tuple(sorted(checked)),
    )


def _history_in_force(history: ListsOnDate, dating: EntryDating) -> InForce:
    def in_force(entry: Entry, on: date) -> bool:
        return history.in_force(entry, on, dating.effective_date)

    return in_force
