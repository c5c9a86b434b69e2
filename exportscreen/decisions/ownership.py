"""Who owns whom, and which parties are restricted because of it.

Two rules turn ownership into restrictions (domain notes §4):

* OFAC's 50 Percent Rule: an entity owned 50% or more in aggregate, directly or indirectly, by
  blocked persons is blocked. Indirect ownership counts only through entities that are themselves
  blocked.
* BIS's Affiliates Rule: an entity owned 50% or more by Entity List or MEU parties, by SDN parties
  of the §744.8(a)(1) programs, or by entities restricted through such ownership, takes on their
  restrictions (the most restrictive, when there are several), but only on days the rule is in
  force (``policy.AffiliatesRuleSchedule``).

Both are the same fixpoint: start from the listed parties and keep adding every entity whose
restricted owners hold 50% or more, until nothing changes. Stakes are exact decimals. A stake
of unknown size is computed twice: as 0% (what is certain) and as 100% (what is possible); an
entity that is only possibly restricted is a red flag (Red Flag 29), not a restriction.

This module is pure: it takes the listings of graph nodes as input. Deciding which nodes are
listed (by screening their names) is the caller's job, so that the algorithm can be tested on
hand-made graphs.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from exportscreen.decisions.policy import (
    AFFILIATES_RULE_LISTS,
    AFFILIATES_RULE_SDN_PROGRAMS,
    DEFAULT_AFFILIATES_SCHEDULE,
    LIST_POLICIES,
    AffiliatesRuleSchedule,
    RuleStatus,
)
from exportscreen.lists import LIST_NAMES
from exportscreen.model import Entry, ListCode, Outcome
from exportscreen.sources.common import SourceError, identity_text

FIFTY = Decimal(50)
HUNDRED = Decimal(100)
UNKNOWN_WORDS = frozenset({"", "unknown", "?", "n/a"})
CSV_COLUMNS = ("owner", "owned", "percent", "as_of", "source")


# --- the graph -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stake:
    """One ownership record: ``owner`` held ``percent`` of ``owned`` as of a date."""

    owner: str
    owned: str
    percent: Decimal | None  # None: the stake exists but its size is unknown
    as_of: date
    source: str = ""
    line: int | None = None  # where it was read, for evidence

    def describe(self) -> str:
        size = "unknown %" if self.percent is None else f"{format_percent(self.percent)}%"
        return f"{self.owner} ({size}, as of {self.as_of.isoformat()})"


def format_percent(value: Decimal) -> str:
    """``60`` rather than ``60.00``; ``25.5`` stays ``25.5``."""
    return format(value.normalize(), "f")


def node_key(name: str) -> str:
    """Graph nodes are names; two spellings that differ only in case, punctuation or script
    folding are the same node."""
    return identity_text(name)


class OwnershipGraph:
    """Ownership records between named parties; several records of one pair are kept so that
    the graph can be read as of a date."""

    def __init__(self, stakes: Iterable[Stake]) -> None:
        self.stakes: tuple[Stake, ...] = tuple(stakes)
        self._names: dict[str, str] = {}
        for stake in self.stakes:
            self._names.setdefault(node_key(stake.owner), stake.owner)
            self._names.setdefault(node_key(stake.owned), stake.owned)

    @classmethod
    def from_csv(cls, path: str | Path) -> OwnershipGraph:
        """Read ``owner, owned, percent, as_of, source``. ``percent`` empty or ``unknown`` means
        a stake of unknown size; anything else must be a number from 0 to 100 (a trailing ``%``
        is accepted). Raises SourceError naming the file, line and field of the first problem,
        without returning a partial graph."""
        path = Path(path)
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                return cls(_read_stakes(path, handle))
        except OSError as error:
            raise SourceError(path, None, None, f"cannot read the file: {error}") from error
        except UnicodeDecodeError as error:
            raise SourceError(path, None, None, f"not UTF-8 text: {error}") from error

    @classmethod
    def from_text(cls, name: str, text: str) -> OwnershipGraph:
        """The same as ``from_csv`` for a file already read (an upload): errors name ``name``."""
        return cls(_read_stakes(Path(name), io.StringIO(text.removeprefix("\ufeff"), newline="")))

    @classmethod
    def from_relations(cls, entries: Iterable[Entry], as_of: date) -> OwnershipGraph:
        """The Ownership relations list entries carry (FollowTheMoney streams:
        ``details["relations"]``, ``sources.ftm_json``), read from the owned party's side. A
        stake is dated by its start date when it has one ("2019" counts from 2019-01-01), else
        by ``as_of`` (the data date of the list version it came from); a share that is not a
        number from 0 to 100 is a stake of unknown size."""
        stakes: dict[tuple[str, str, Decimal | None, date], Stake] = {}
        for entry in entries:
            text = entry.details.get("relations")
            if not text:
                continue
            for relation in json.loads(text):
                if relation.get("kind") != "Ownership" or relation.get("role") != "owned":
                    continue
                owner = relation.get("other_name") or relation.get("other_id", "")
                percent = _share(relation.get("percentage", ""))
                since = _start(relation.get("start_date", "")) or as_of
                key = (node_key(owner), node_key(entry.name), percent, since)
                stakes.setdefault(
                    key, Stake(owner, entry.name, percent, since, f"{entry.id} (FtM Ownership)")
                )
        return cls(stakes.values())

    @property
    def names(self) -> tuple[str, ...]:
        """Every node, by the first spelling seen."""
        return tuple(self._names.values())

    def find(self, name: str) -> str | None:
        """The graph's spelling of a party name, or None when the party is not in the graph."""
        return self._names.get(node_key(name))

    def ancestors(self, names: Iterable[str]) -> set[str]:
        """Every node that owns, directly or through others, one of ``names`` (graph spellings),
        whatever the date. These are the only nodes whose listing can matter to those names."""
        owners_of: dict[str, set[str]] = defaultdict(set)
        for stake in self.stakes:
            owners_of[node_key(stake.owned)].add(node_key(stake.owner))
        seen: set[str] = set()
        todo = [node_key(n) for n in names]
        while todo:
            for owner in owners_of.get(todo.pop(), ()):
                if owner not in seen:
                    seen.add(owner)
                    todo.append(owner)
        return {self._names[k] for k in seen}

    def stakes_on(self, day: date) -> dict[str, dict[str, Stake]]:
        """owned key -> owner key -> the stake in force on ``day``: the latest record dated on
        or before it; when every record of a pair is later, the earliest one (the best evidence
        there is, rather than none)."""
        chosen: dict[tuple[str, str], Stake] = {}
        for stake in sorted(self.stakes, key=lambda s: s.as_of):
            pair = (node_key(stake.owner), node_key(stake.owned))
            current = chosen.get(pair)
            if current is None or stake.as_of <= day:
                chosen[pair] = stake
        result: dict[str, dict[str, Stake]] = defaultdict(dict)
        for (owner, owned), stake in chosen.items():
            result[owned][owner] = stake
        return dict(result)


def _share(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        return None
    return value if 0 <= value <= 100 else None


def _start(text: str) -> date | None:
    """The first date of an FtM date value: "2019", "2019-05" or "2019-05-04"."""
    parts = text.strip()[:10].split("-")
    try:
        numbers = [int(p) for p in parts if p]
        return date(numbers[0], *[*numbers[1:3], 1, 1][:2]) if numbers else None
    except (ValueError, IndexError):
        return None


def _read_stakes(path: Path, handle: Iterable[str]) -> list[Stake]:
    reader = csv.DictReader(handle)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise SourceError(path, 1, missing[0], f"missing column(s): {', '.join(missing)}")
    reader.fieldnames = header
    stakes: list[Stake] = []
    first_line: dict[tuple[str, str, date], int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            raise SourceError(path, line, None, "more cells than columns")
        cells = {k: (v or "").strip() for k, v in row.items()}
        if not any(cells.values()):
            continue
        owner, owned = cells["owner"], cells["owned"]
        for column, value in (("owner", owner), ("owned", owned)):
            if not node_key(value):
                raise SourceError(path, line, column, "a party name is required")
        if node_key(owner) == node_key(owned):
            raise SourceError(path, line, "owned", f"{owner!r} cannot own itself")
        percent = _percent(path, line, cells["percent"])
        as_of = _as_of(path, line, cells["as_of"])
        key = (node_key(owner), node_key(owned), as_of)
        if key in first_line:
            raise SourceError(
                path,
                line,
                "as_of",
                f"a second stake of {owner!r} in {owned!r} as of {as_of} "
                f"(first on line {first_line[key]})",
            )
        first_line[key] = line
        stakes.append(Stake(owner, owned, percent, as_of, cells["source"], line))
    return stakes


def _percent(path: Path, line: int, text: str) -> Decimal | None:
    if text.lower() in UNKNOWN_WORDS:
        return None
    try:
        value = Decimal(text.removesuffix("%").strip())
    except InvalidOperation:
        raise SourceError(path, line, "percent", f"not a number: {text!r}") from None
    if not value.is_finite() or not Decimal(0) <= value <= HUNDRED:
        raise SourceError(path, line, "percent", f"must be from 0 to 100, got {text!r}")
    return value


def _as_of(path: Path, line: int, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SourceError(
            path, line, "as_of", f"expected a date as YYYY-MM-DD, got {text!r}"
        ) from None


# --- listings and findings -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listing:
    """A list entry a graph node screens as. Unconfirmed listings (hits above the threshold that
    no analyst has confirmed) only make owned entities possibly restricted."""

    entry: Entry
    confirmed: bool = True
    score: float | None = None
    matched_name: str = ""

    def describe(self) -> str:
        state = "" if self.confirmed else ", potential match not yet confirmed"
        return f"{LIST_NAMES[self.entry.list]}: {self.entry.name} ({self.entry.id}{state})"


class Regime(enum.StrEnum):
    OFAC_50_PERCENT = "ofac-50-percent-rule"
    # OFAC applies the 50 Percent Rule to the SSI directives too: an entity owned 50% or more by
    # SSI persons is subject to the same directive-specific restrictions (not blocked).
    OFAC_SSI_50_PERCENT = "ofac-ssi-50-percent-rule"
    BIS_AFFILIATES = "bis-affiliates-rule"


REGIME_NAMES: Mapping[Regime, str] = {
    Regime.OFAC_50_PERCENT: "OFAC 50 Percent Rule",
    Regime.OFAC_SSI_50_PERCENT: "OFAC 50 Percent Rule (SSI directives)",
    Regime.BIS_AFFILIATES: "BIS Affiliates Rule",
}

# The legal ground each regime rests on, shown with every result it drives.
REGIME_CITATIONS: Mapping[Regime, str] = {
    Regime.OFAC_50_PERCENT: "OFAC guidance on entities owned by blocked persons (2014-08-13)",
    Regime.OFAC_SSI_50_PERCENT: "E.O. 13662 Directives 1-4; OFAC 50 Percent Rule guidance",
    Regime.BIS_AFFILIATES: "15 CFR 744.11, 744.21, 744.8 as amended by 90 FR 47201",
}
RED_FLAG_CITATION = "Supp. No. 3 to 15 CFR Part 732 (know your customer, red flags)"


class GroundKind(enum.StrEnum):
    RESTRICTED = "restricted"  # 50% or more held by restricted owners, on known stakes
    RED_FLAG = "red-flag"  # could reach 50% through unknown stakes or unconfirmed owners
    RULE_NOT_IN_FORCE = "rule-not-in-force"  # would be restricted, but the rule is not in force


@dataclass(frozen=True, slots=True)
class OwnerLink:
    """A restricted (or possibly restricted) owner's stake in the party."""

    stake: Stake
    owner_listings: tuple[Listing, ...]  # the owner's own listings that count under the regime
    owner_restricted_through_ownership: bool

    def describe(self) -> str:
        text = self.stake.describe()
        if self.owner_restricted_through_ownership and not self.owner_listings:
            text += ", itself restricted through ownership"
        return text


@dataclass(frozen=True, slots=True)
class OwnershipGround:
    regime: Regime
    kind: GroundKind
    links: tuple[OwnerLink, ...]
    aggregate: Decimal  # the known stakes of restricted owners, summed
    inherited: tuple[Listing, ...]  # every listing up the chain that the party takes on
    outcome: Outcome  # before items are considered (the caller refines Affiliates Rule cases)
    text: str


@dataclass(frozen=True, slots=True)
class OwnershipFinding:
    party: str
    grounds: tuple[OwnershipGround, ...]

    @property
    def outcome(self) -> Outcome:
        return max((g.outcome for g in self.grounds), default=Outcome.NO_LIST_RESTRICTION)

    @property
    def text(self) -> str:
        return "; ".join(g.text for g in self.grounds)


# --- the fixpoint ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Closure:
    """Nodes restricted from the seeds, in the order they were reached, with the stakes of the
    restricted owners that carried each one."""

    carried_by: dict[str, tuple[Stake, ...]]
    restricted: frozenset[str]


def _closure(
    stakes: Mapping[str, Mapping[str, Stake]], seeds: Iterable[str], *, unknown_as: Decimal
) -> _Closure:
    owned_by: dict[str, list[str]] = defaultdict(list)
    for owned, owners in stakes.items():
        for owner in owners:
            owned_by[owner].append(owned)
    restricted = set(seeds)
    carried_by: dict[str, tuple[Stake, ...]] = {}
    # A worklist: only entities owned by a newly restricted node can change status. Each node
    # joins at most once, so cycles end.
    todo = list(restricted)
    while todo:
        for owned in owned_by.get(todo.pop(), ()):
            if owned in restricted:
                continue
            held = tuple(s for o, s in stakes[owned].items() if o in restricted)
            total = sum((unknown_as if s.percent is None else s.percent for s in held), Decimal(0))
            if total >= FIFTY:
                restricted.add(owned)
                carried_by[owned] = held
                todo.append(owned)
    return _Closure(carried_by, frozenset(restricted))


def _counts(regime: Regime, listing: Listing) -> bool:
    """Whether a listing makes its holder a restricted owner under the regime."""
    entry = listing.entry
    if regime is Regime.OFAC_50_PERCENT:
        return entry.list is ListCode.SDN
    if regime is Regime.OFAC_SSI_50_PERCENT:
        return entry.list is ListCode.SSI
    if entry.list is ListCode.SDN:
        return bool(AFFILIATES_RULE_SDN_PROGRAMS.intersection(entry.programs))
    return entry.list in AFFILIATES_RULE_LISTS


def _regime_grounds(
    regime: Regime,
    stakes: Mapping[str, Mapping[str, Stake]],
    listed: Mapping[str, tuple[Listing, ...]],
    names: Mapping[str, str],
    rule_status: RuleStatus,
    rule_note: str,
) -> dict[str, OwnershipGround]:
    counting = {k: tuple(x for x in v if _counts(regime, x)) for k, v in listed.items()}
    counting = {k: v for k, v in counting.items() if v}
    certain = _closure(
        stakes,
        [k for k, v in counting.items() if any(x.confirmed for x in v)],
        unknown_as=Decimal(0),
    )
    possible = _closure(stakes, counting, unknown_as=HUNDRED)

    def chain(closure: _Closure, confirmed_only: bool) -> dict[str, tuple[Listing, ...]]:
        # What each restricted node carries: its own counting listings, then its carriers'.
        carried: dict[str, tuple[Listing, ...]] = {
            k: tuple(x for x in v if x.confirmed or not confirmed_only) for k, v in counting.items()
        }
        for node, held in closure.carried_by.items():
            inherited: dict[str, Listing] = {}
            for stake in held:
                for listing in carried.get(node_key(stake.owner), ()):
                    inherited.setdefault(listing.entry.id, listing)
            carried[node] = tuple(inherited.values())
        return carried

    certain_listings = chain(certain, confirmed_only=True)
    possible_listings = chain(possible, confirmed_only=False)

    grounds: dict[str, OwnershipGround] = {}
    # A node listed only by an unconfirmed match is a seed of the possible closure, yet may be
    # certainly restricted through ownership: walk both.
    for node in {**certain.carried_by, **possible.carried_by}:
        is_certain = node in certain.carried_by
        closure, carried = (
            (certain, certain_listings) if is_certain else (possible, possible_listings)
        )
        held = closure.carried_by[node]
        links = tuple(
            OwnerLink(
                stake=s,
                owner_listings=tuple(
                    x for x in counting.get(node_key(s.owner), ()) if x.confirmed or not is_certain
                ),
                owner_restricted_through_ownership=node_key(s.owner) in closure.carried_by,
            )
            for s in held
        )
        aggregate = sum((s.percent for s in held if s.percent is not None), Decimal(0))
        inherited = carried[node]
        kind, outcome = _kind_and_outcome(regime, is_certain, rule_status, inherited)
        text = _ground_text(regime, kind, links, aggregate, inherited, rule_note)
        grounds[names[node]] = OwnershipGround(
            regime, kind, links, aggregate, inherited, outcome, text
        )
    return grounds


def _kind_and_outcome(
    regime: Regime, is_certain: bool, rule_status: RuleStatus, inherited: Sequence[Listing]
) -> tuple[GroundKind, Outcome]:
    if rule_status is not RuleStatus.IN_FORCE:
        # Ownership by a listed party stays a red flag while the rule is not in force (Supp. No.
        # 3 to Part 732): resolve it before proceeding.
        return GroundKind.RULE_NOT_IN_FORCE, Outcome.HOLD
    if not is_certain:
        return GroundKind.RED_FLAG, Outcome.HOLD
    if regime is Regime.OFAC_50_PERCENT:
        return GroundKind.RESTRICTED, Outcome.PROHIBITED
    if regime is Regime.OFAC_SSI_50_PERCENT:
        # Directive-specific: only the activities in the owner's directive are prohibited; a
        # specialist must read it (ESCALATE, held until then).
        return GroundKind.RESTRICTED, Outcome.HOLD
    # The most restrictive of the owners' EAR restrictions, before items are considered.
    outcome = max((bis_outcome(x.entry) for x in inherited), default=Outcome.HOLD)
    return GroundKind.RESTRICTED, outcome


def bis_outcome(entry: Entry) -> Outcome:
    """What an owner's listing means under the Affiliates Rule: its list's EAR consequence. For
    an SDN owner that is the EAR licence requirement (744.8 and related); OFAC's prohibition is
    its own ground, through the OFAC 50 Percent Rule."""
    if entry.list is ListCode.SDN:
        return Outcome.LICENSE_REQUIRED
    return LIST_POLICIES[entry.list].outcome


def _ground_text(
    regime: Regime,
    kind: GroundKind,
    links: Sequence[OwnerLink],
    aggregate: Decimal,
    inherited: Sequence[Listing],
    rule_note: str,
) -> str:
    owners = " and ".join(link.describe() for link in links)
    if len(links) > 1 and all(link.stake.percent is not None for link in links):
        owners += f": {format_percent(aggregate)}% in aggregate"
    listings = "; ".join(x.describe() for x in inherited)
    rule = REGIME_NAMES[regime]
    if kind is GroundKind.RESTRICTED:
        if regime is Regime.OFAC_50_PERCENT:
            effect = "blocked"
        elif regime is Regime.OFAC_SSI_50_PERCENT:
            effect = f"subject to the owners' SSI directive restrictions: {listings}"
        else:
            effect = f"takes on {listings}"
        return f"{rule}: restricted through ownership by {owners} ({effect})"
    if kind is GroundKind.RED_FLAG:
        reasons = []
        if any(link.stake.percent is None for link in links):
            reasons.append("a restricted owner's stake is unknown (Red Flag 29)")
        if any(not x.confirmed for x in inherited):
            reasons.append("an owner's match to a list entry is not yet confirmed")
        why = " and ".join(reasons) or "ownership could reach 50%"
        return (
            f"{rule}: possibly restricted through ownership by {owners}: {why}; "
            f"resolve before proceeding ({listings})"
        )
    return (
        f"{rule} not in force on this date ({rule_note}): would be restricted through ownership "
        f"by {owners} ({listings}); ownership by a listed party remains a red flag to resolve "
        f"before proceeding ({RED_FLAG_CITATION})"
    )


def restricted_through_ownership(
    graph: OwnershipGraph,
    listed: Mapping[str, Sequence[Listing]],
    on: date,
    policy: AffiliatesRuleSchedule = DEFAULT_AFFILIATES_SCHEDULE,
) -> dict[str, OwnershipFinding]:
    """What ownership means for each party of the graph on ``on``, by graph spelling: restricted
    (known stakes of restricted owners reach 50%), a red flag (only unknown stakes or unconfirmed
    owner matches could make it reach 50%), or, for the Affiliates Rule on a day it is not in
    force, what it would have meant.

    ``listed`` maps graph names to the list entries each one screens as. A listed party appears
    in the result only when ownership adds something to its own listings (an Entity List party
    owned by SDN parties is also blocked).
    """
    stakes = graph.stakes_on(on)
    names = {node_key(n): n for n in graph.names}
    keyed: dict[str, tuple[Listing, ...]] = {}
    for name, listings in listed.items():
        key = node_key(name)
        names.setdefault(key, name)
        keyed[key] = (*keyed.get(key, ()), *listings)
    period = policy.period_on(on)
    by_party: dict[str, list[OwnershipGround]] = defaultdict(list)
    regimes = (
        (Regime.OFAC_50_PERCENT, RuleStatus.IN_FORCE, "in force"),
        (Regime.OFAC_SSI_50_PERCENT, RuleStatus.IN_FORCE, "in force"),
        (Regime.BIS_AFFILIATES, period.status, policy.status_note(on)),
    )
    for regime, status, note in regimes:
        for party, ground in _regime_grounds(regime, stakes, keyed, names, status, note).items():
            by_party[party].append(ground)
    return {party: OwnershipFinding(party, tuple(grounds)) for party, grounds in by_party.items()}
