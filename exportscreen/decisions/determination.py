"""Licence determination for a transaction: per party and overall, PROHIBITED > LICENSE_REQUIRED >
HOLD > NO_LIST_RESTRICTION, with the reasons an analyst needs to check it.

Each party is screened; every hit at or above the threshold whose entry is in force on the
transaction date is judged by what its list means (``policy.LIST_POLICIES``) for that party's role
and the transaction's items. A hit an analyst confirmed gives the list's outcome; one not yet
decided gives HOLD (and says what confirming it would mean); one decided a false positive is
shown but counts for nothing. Parties found in an ownership graph also take on restrictions
through ownership (``ownership.restricted_through_ownership``).

This module returns data only; the CLI and the API render it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from exportscreen import settings
from exportscreen.decisions.ownership import (
    GroundKind,
    Listing,
    OwnershipFinding,
    OwnershipGraph,
    Regime,
    format_percent,
    node_key,
    restricted_through_ownership,
)
from exportscreen.decisions.policy import (
    DEFAULT_AFFILIATES_SCHEDULE,
    DEFAULT_EFFECTIVE_DATES,
    EAR_LICENCE_SDN_PROGRAMS,
    EAR_SDN_REQUIREMENT,
    FOOTNOTES,
    LIST_POLICIES,
    MEU_ANY_ITEM_COUNTRIES,
    MEU_SUPPLEMENT_2_ECCNS,
    REVIEW_MEANINGS,
    AffiliatesRuleSchedule,
    EffectiveDates,
    ItemScope,
)
from exportscreen.decisions.transaction import (
    Item,
    Party,
    PartyRole,
    Transaction,
    normalize_eccn,
)
from exportscreen.lists import LIST_NAMES
from exportscreen.model import (
    Disposition,
    Entry,
    EntryType,
    Hit,
    LicenceRequirement,
    LicenceScope,
    ListCode,
    Outcome,
    PartyScreener,
    ReviewPolicy,
    to_json_data,
)

NOTICE = (
    "This determination supports, and does not replace, a compliance decision. It covers the "
    "screening lists and ownership data given to it, not the Commerce Control List country chart, "
    "end-use controls or other red flags; confirm listings against the Federal Register and the "
    "agencies' own lists before acting."
)

FORWARDER_NOTE = (
    "A freight forwarder is screened, but is not a party under 15 CFR 748.5(c)-(f) (purchaser, "
    "intermediate consignee, ultimate consignee, end user): Entity List, MEU and Unverified List "
    "requirements do not attach to it, though a listed forwarder is a red flag to resolve. "
    "Denial orders and OFAC blocking still reach it."
)

_EAR99_CARVE_OUT = re.compile(r"\bexcept\b.*\bear99\b", re.IGNORECASE)


# --- what the determination needs from its collaborators -----------------------------------


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


# --- the result ------------------------------------------------------------------------------


class MatchStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # an analyst decided the hit is a true match
    POTENTIAL = "potential"  # at or above the threshold, not (yet) decided
    FALSE_POSITIVE = "false-positive"  # an analyst decided it is not the party
    NOT_IN_FORCE = "not-in-force"  # the listing does not cover the transaction date


@dataclass(frozen=True, slots=True)
class ItemCoverage:
    eccn: str
    description: str
    covered: bool | None  # None: cannot be decided from the data; counted as covered
    why: str


@dataclass(frozen=True, slots=True)
class Consequence:
    """What a confirmed match on one entry means for one party and the transaction's items."""

    outcome: Outcome
    requirement: str  # the entry's licence requirement text, or the list's effect
    items: tuple[ItemCoverage, ...]
    review_policy: ReviewPolicy
    review_text: str
    review_meaning: str
    likely_denial: bool
    licence_exceptions: str
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FootnoteReason:
    number: int
    regulation: str
    meaning: str


@dataclass(frozen=True, slots=True)
class ListingReason:
    status: MatchStatus
    outcome: Outcome  # what this listing contributes to the party's outcome now
    if_confirmed: Outcome  # what it would contribute once confirmed
    list: ListCode
    list_name: str
    agency: str
    effect: str
    entry_id: str
    entry_name: str
    matched_name: str
    score: float | None
    disposition: Disposition | None
    consequence: Consequence
    footnotes: tuple[FootnoteReason, ...]
    citations: tuple[str, ...]
    effective_date: date | None
    end_date: date | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class OwnerStake:
    owner: str
    percent: str | None  # exact decimal as text; None when unknown
    as_of: date
    source: str


@dataclass(frozen=True, slots=True)
class OwnershipReason:
    regime: Regime
    kind: GroundKind
    outcome: Outcome
    text: str  # "... restricted through ownership by X (60%, as of D) ..."
    owners: tuple[OwnerStake, ...]
    aggregate: str
    inherited: tuple[ListingReason, ...]  # the owners' listings, judged for this party


@dataclass(frozen=True, slots=True)
class PartyDetermination:
    party: Party
    outcome: Outcome
    listings: tuple[ListingReason, ...]
    ownership: tuple[OwnershipReason, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Determination:
    transaction: Transaction
    outcome: Outcome
    parties: tuple[PartyDetermination, ...]
    threshold: float
    notice: str = NOTICE

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible data: outcomes by name, dates as ISO strings, the transaction's
        pydantic models as their fields (the one serialiser, ``model.to_json_data``)."""
        result: dict[str, Any] = to_json_data(self)
        return result


# --- what a listing means for a party and the items -----------------------------------------


def eccn_covers(listed: str, item: str) -> bool:
    """Whether an ECCN printed in an entry reaches an item's ECCN: the same, or one within the
    other ("3A001" reaches "3A001.a.1"; an item given only as "1A004" may be "1A004.c")."""
    a, b = normalize_eccn(listed), normalize_eccn(item)
    return a == b or b.startswith(a + ".") or a.startswith(b + ".")


def _entry_scope(licence: LicenceRequirement, item: Item) -> ItemCoverage:
    def result(covered: bool | None, why: str) -> ItemCoverage:
        return ItemCoverage(item.eccn, item.description, covered, why)

    if licence.scope is LicenceScope.ALL_ITEMS:
        carved = [x for x in licence.eccns if eccn_covers(x, item.eccn)]
        if carved:
            return result(False, f"carved out of the entry's requirement ({', '.join(carved)})")
        if item.is_ear99 and _EAR99_CARVE_OUT.search(licence.raw):
            return result(
                None,
                "the entry carves some EAR99 items out (e.g. food or medicine): check whether "
                "this item is one; counted as covered until then",
            )
        return result(True, "all items subject to the EAR, which includes EAR99")
    if licence.scope is LicenceScope.LISTED_ECCNS:
        if licence.eccns:
            listed = [x for x in licence.eccns if eccn_covers(x, item.eccn)]
            if listed:
                return result(True, f"listed in the entry ({', '.join(listed)})")
            return result(False, f"not among the entry's ECCNs ({', '.join(licence.eccns)})")
        if item.is_ear99:
            return result(False, "the entry covers items on the Commerce Control List, not EAR99")
        return result(True, "the entry covers items on the Commerce Control List")
    printed = licence.raw or "no licence requirement in the list data"
    return result(
        None, f"the scope ({printed}) needs an analyst's reading; counted as covered until then"
    )


def _meu_scope(entry: Entry, item: Item, destination: str) -> ItemCoverage:
    def result(covered: bool, why: str) -> ItemCoverage:
        return ItemCoverage(item.eccn, item.description, covered, why)

    if MEU_ANY_ITEM_COUNTRIES.intersection((*entry.countries, destination)):
        return result(True, "any item subject to the EAR for Russia and Belarus (744.21(a)(2))")
    if item.is_ear99:
        return result(False, "EAR99 is not in Supplement No. 2 to Part 744")
    if item.eccn[:5] in MEU_SUPPLEMENT_2_ECCNS:
        return result(True, f"{item.eccn[:5]} is in Supplement No. 2 to Part 744")
    return result(False, f"{item.eccn} is not in Supplement No. 2 to Part 744")


def consequence(
    entry: Entry, role: PartyRole, items: Sequence[Item], destination: str
) -> Consequence:
    """What a confirmed match on ``entry`` means for a party in ``role`` shipping ``items`` to
    ``destination``."""
    policy = LIST_POLICIES[entry.list]
    review = entry.review.policy
    if review is ReviewPolicy.NONE:
        review = policy.default_review
    meaning = REVIEW_MEANINGS[review]
    notes: list[str] = []
    coverage: tuple[ItemCoverage, ...] = ()
    if policy.items is ItemScope.ENTRY_SCOPE:
        coverage = tuple(_entry_scope(entry.licence, item) for item in items)
    elif policy.items is ItemScope.MEU_SUPPLEMENT_2:
        coverage = tuple(_meu_scope(entry, item, destination) for item in items)
    outcome = policy.outcome
    if coverage and all(c.covered is False for c in coverage):
        outcome = Outcome.NO_LIST_RESTRICTION
        notes.append("The entry's licence requirement covers none of the transaction's items.")
    if policy.section_748_5_parties_only and role is PartyRole.FREIGHT_FORWARDER:
        outcome = Outcome.HOLD
        notes.append(FORWARDER_NOTE)
    if policy.uvl_statement_required:
        notes.append(
            "Before a shipment that needs no licence, obtain a UVL statement signed by the "
            "listed party (15 CFR 744.15(b)) and keep it (15 CFR 762.2(b)(52))."
        )
    ear_programs = sorted(EAR_LICENCE_SDN_PROGRAMS.intersection(entry.programs))
    if entry.list is ListCode.SDN and ear_programs:
        notes.append(f"{EAR_SDN_REQUIREMENT} This entry: {', '.join(ear_programs)}.")
    return Consequence(
        outcome=outcome,
        requirement=entry.licence.raw or policy.effect,
        items=coverage,
        review_policy=review,
        review_text=entry.review.raw,
        review_meaning=meaning.meaning,
        likely_denial=meaning.likely_denial,
        licence_exceptions=policy.licence_exceptions,
        notes=tuple(notes),
    )


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
) -> ListingReason:
    policy = LIST_POLICIES[entry.list]
    if status is MatchStatus.CONFIRMED:
        now = effect.outcome
    elif status is MatchStatus.POTENTIAL:
        # Holding is only worth it when confirming the match would restrict something.
        now = min(Outcome.HOLD, effect.outcome)
    else:
        now = Outcome.NO_LIST_RESTRICTION
    return ListingReason(
        status=status,
        outcome=now,
        if_confirmed=effect.outcome,
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
    )


# --- screening ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Screening:
    screener: PartyScreener
    threshold: float
    decisions: Mapping[tuple[str, str], Disposition]
    in_force: InForce
    on: date
    limit: int

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

    def decision(self, party: str, entry_id: str) -> Disposition | None:
        return self.decisions.get((node_key(party), entry_id))

    def status(self, party: str, hit: Hit) -> tuple[MatchStatus, Disposition | None]:
        disposition = self.decision(party, hit.entry.id)
        if not self.in_force(hit.entry, self.on):
            return MatchStatus.NOT_IN_FORCE, disposition
        if disposition is Disposition.FALSE_POSITIVE:
            return MatchStatus.FALSE_POSITIVE, disposition
        if disposition is Disposition.TRUE_MATCH:
            return MatchStatus.CONFIRMED, disposition
        return MatchStatus.POTENTIAL, disposition


def _decisions(confirmed: Decisions | None) -> dict[tuple[str, str], Disposition]:
    return {(node_key(party), entry_id): d for (party, entry_id), d in (confirmed or {}).items()}


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
) -> dict[str, tuple[Listing, ...]]:
    """Which graph nodes are listed on ``on``: each name (all the graph's by default) is screened;
    hits at or above the threshold and in force count, confirmed when an analyst said so (keyed
    by the node's name and the entry id), and false positives are dropped."""
    screening = _Screening(
        screener,
        settings.DEFAULT_THRESHOLD if threshold is None else threshold,
        _decisions(confirmed),
        entries_in_force or EntryDating(),
        on,
        limit,
    )
    listed: dict[str, tuple[Listing, ...]] = {}
    for name in graph.names if names is None else names:
        listings = []
        for hit in screening.hits(name, None, None):
            status, _ = screening.status(name, hit)
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
) -> tuple[OwnershipReason, ...]:
    if finding is None:
        return ()
    reasons = []
    for ground in finding.grounds:
        inherited = tuple(
            _listing_reason(
                x.entry,
                MatchStatus.CONFIRMED if x.confirmed else MatchStatus.POTENTIAL,
                consequence(
                    x.entry, party.role, transaction.items, transaction.destination_country
                ),
                dating,
                matched_name=x.matched_name,
                score=x.score,
            )
            for x in ground.inherited
        )
        outcome = ground.outcome
        if ground.kind is GroundKind.RESTRICTED and ground.regime is Regime.BIS_AFFILIATES:
            # The affiliate is treated as its owners would be: their entries' scopes, judged
            # against these items and this party's role; the most restrictive wins.
            outcome = max((r.if_confirmed for r in inherited), default=Outcome.HOLD)
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
            )
        )
    return tuple(reasons)


def _determine_party(
    party: Party,
    transaction: Transaction,
    screening: _Screening,
    dating: EntryDating,
    finding: OwnershipFinding | None,
) -> PartyDetermination:
    reasons = []
    for hit in screening.hits(party.name, party.country or None, party.type):
        status, disposition = screening.status(party.name, hit)
        note = ""
        if status is MatchStatus.NOT_IN_FORCE:
            start, end = dating.effective_date(hit.entry), hit.entry.end_date
            when = transaction.date.isoformat()
            if start is not None and transaction.date < start:
                note = f"not in force on {when}: effective {start.isoformat()}"
            elif end is not None and transaction.date > end:
                note = f"not in force on {when}: ended {end.isoformat()}"
            else:
                note = f"not in force on {when} according to the list history"
        effect = consequence(
            hit.entry, party.role, transaction.items, transaction.destination_country
        )
        reasons.append(
            _listing_reason(
                hit.entry,
                status,
                effect,
                dating,
                matched_name=hit.matched_name,
                score=hit.score,
                disposition=disposition,
                note=note,
            )
        )
    reasons.sort(key=lambda r: (-r.outcome.severity, -(r.score or 0.0)))
    ownership = _ownership_reasons(finding, party, transaction, dating)
    outcomes = [r.outcome for r in reasons] + [r.outcome for r in ownership]
    outcome = max(outcomes, default=Outcome.NO_LIST_RESTRICTION)
    notes = (FORWARDER_NOTE,) if party.role is PartyRole.FREIGHT_FORWARDER else ()
    return PartyDetermination(party, outcome, tuple(reasons), ownership, notes)


def determine(
    transaction: Transaction,
    screener: PartyScreener,
    *,
    threshold: float | None = None,
    confirmed: Decisions | None = None,
    ownership: OwnershipGraph | None = None,
    entries_in_force: InForce | None = None,
    affiliates: AffiliatesRuleSchedule = DEFAULT_AFFILIATES_SCHEDULE,
    dating: EntryDating | None = None,
    limit: int = 10,
) -> Determination:
    """Judge a transaction against the lists the screener holds.

    ``confirmed`` maps (party name, entry id) to an analyst's decision; party names are compared
    case- and punctuation-insensitively. ``entries_in_force`` replaces the default dating of
    entries (``EntryDating``), e.g. with one that knows from the store when a list version
    dropped an entry. ``affiliates`` is the Affiliates Rule schedule
    (``AffiliatesRuleSchedule.from_file`` for a deployment's own).
    """
    dating = dating or EntryDating()
    screening = _Screening(
        screener,
        settings.DEFAULT_THRESHOLD if threshold is None else threshold,
        _decisions(confirmed),
        entries_in_force or dating,
        transaction.date,
        limit,
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
        )
        findings = restricted_through_ownership(ownership, listed, transaction.date, affiliates)
    parties = tuple(
        _determine_party(
            party,
            transaction,
            screening,
            dating,
            findings.get(nodes[party.name]) if party.name in nodes else None,
        )
        for party in transaction.parties
    )
    return Determination(
        transaction=transaction,
        outcome=max(p.outcome for p in parties),
        parties=parties,
        threshold=screening.threshold,
    )
