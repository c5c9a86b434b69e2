"""What a licence determination returns: per party and overall, with every ground and its CFR
citation, the list versions used and their age, warnings, and the decisions applied.

Data only; ``determination.py`` builds it, the CLI and the API render ``to_dict()``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from exportscreen.decisions.bound import AppliedDecision
from exportscreen.decisions.consequence import Consequence
from exportscreen.decisions.destination import ControlGround
from exportscreen.decisions.freshness import ListAge
from exportscreen.decisions.ownership import GroundKind, Regime
from exportscreen.decisions.transaction import Party, PartyRole, Transaction
from exportscreen.model import Disposition, ListCode, Outcome, to_json_data
from exportscreen.screening.history import VersionUsed

NOTICE = (
    "This determination supports, and does not replace, a compliance decision. It covers the "
    "screening lists and ownership data given to it, the country controls of 15 CFR Part 746 and "
    "the end-use questions of Part 744 as declared in exportscreen's data; not the Commerce "
    "Control List country chart or ECCN-level licence requirements. Confirm listings against the "
    "Federal Register and the agencies' own lists before acting."
)


class MatchStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # an analyst decided the hit is a true match
    POTENTIAL = "potential"  # at or above the threshold, not (yet) decided
    FALSE_POSITIVE = "false-positive"  # an analyst decided it is not the party
    NOT_IN_FORCE = "not-in-force"  # the listing does not cover the transaction date


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
    decision_id: int | None = None  # the analyst's decision applied, when one was
    # For a past date: "" while the current list still holds the entry, else why it does not.
    removed_since: str = ""
    # Whose law a match on the list engages, and whether the determination checks that
    # jurisdiction: a listing of an unchecked one is reported with outcome NO_LIST_RESTRICTION
    # (and if_confirmed too) and is no ground of the determination.
    jurisdiction: str = ""
    checked: bool = True


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
    citation: str = ""
    # For the Affiliates Rule: its status on the transaction date, with the date it was verified.
    rule_status: str = ""
    verified_on: date | None = None


@dataclass(frozen=True, slots=True)
class PartyDetermination:
    party: Party
    outcome: Outcome
    listings: tuple[ListingReason, ...]
    ownership: tuple[OwnershipReason, ...]
    notes: tuple[str, ...]
    if_confirmed: Outcome | None = None  # the outcome if every pending match were confirmed


class GroundType(enum.StrEnum):
    LISTING = "listing"
    OWNERSHIP = "ownership"
    COUNTRY_CONTROL = "country_control"
    END_USE = "end_use"
    STALE_LIST = "stale_list"
    # A checked jurisdiction none of whose lists is loaded: a clear would be a false clear.
    UNLOADED_JURISDICTION = "unloaded_jurisdiction"


@dataclass(frozen=True, slots=True)
class Ground:
    """One reason for the outcome, flat, with its legal citation."""

    kind: GroundType
    outcome: Outcome
    if_confirmed: Outcome  # what it gives once the pending match, question or item is resolved
    citation: str
    text: str
    party: str = ""
    role: PartyRole | None = None
    list: ListCode | None = None
    entry_id: str = ""
    question: str = ""


@dataclass(frozen=True, slots=True)
class Determination:
    transaction: Transaction
    outcome: Outcome
    parties: tuple[PartyDetermination, ...]
    threshold: float
    # The worst case: what the outcome becomes if every pending match is confirmed and every
    # open question is answered against the transaction; None when nothing pending could raise it.
    if_confirmed: Outcome | None = None
    grounds: tuple[Ground, ...] = ()
    country_controls: tuple[ControlGround, ...] = ()
    questions: tuple[str, ...] = ()  # end-use and item questions still to answer
    list_versions: tuple[ListAge, ...] = ()
    warnings: tuple[dict[str, Any], ...] = ()
    decisions_applied: tuple[AppliedDecision, ...] = ()
    determined_on: date | None = None
    # The list versions screened for the transaction's date and each list's current version
    # (``screening.history``); empty when the caller screened without a history.
    versions_used: tuple[VersionUsed, ...] = ()
    # The jurisdictions the transaction was checked for (EXPORTSCREEN_JURISDICTIONS by default):
    # only their lists decide the outcome.
    jurisdictions: tuple[str, ...] = ()
    notice: str = NOTICE

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible data: outcomes by name, dates as ISO strings, the transaction's
        pydantic models as their fields (the one serialiser, ``model.to_json_data``)."""
        result: dict[str, Any] = to_json_data(self)
        return result
