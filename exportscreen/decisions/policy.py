"""What each list means for a transaction, declared as data.

Every list of the Consolidated Screening List gets one ``ListPolicy`` row: who publishes it, what a
confirmed match means (domain notes §3), whether that depends on the items, and the text an analyst
reads. The rows are read from ``exportscreen/lists.yaml`` (through ``exportscreen.lists``, which
checks them at import); code elsewhere looks rules up here instead of branching on list codes, so
that a change in the law is a change in that file.

Also declared here, because they are facts about the rules rather than about any one entry:
review-policy meanings, foreign-direct-product footnotes, how Federal Register citations are
dated (from the documents the store knows), and the dated status of BIS's Affiliates Rule (which a
deployment can override from a YAML or JSON file, since its status has changed twice and may change
again).
"""

from __future__ import annotations

import bisect
import enum
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

# ItemScope and ListAction are declared with the lists' data; re-exported for the decision code.
from exportscreen import settings
from exportscreen.lists import LISTS, parse_jurisdictions
from exportscreen.lists import ItemScope as ItemScope
from exportscreen.lists import ListAction as ListAction
from exportscreen.model import Citation, FrDocument, ListCode, Outcome, ReviewPolicy
from exportscreen.sources.common import SourceError

# --- what a confirmed match on each list means ---------------------------------------------


# ESCALATE holds the transaction until the specialist has read the listing; FLAG is reported but
# does not stop an export.
ACTION_OUTCOMES: Mapping[ListAction, Outcome] = {
    ListAction.PROHIBITED: Outcome.PROHIBITED,
    ListAction.LICENSE_REQUIRED: Outcome.LICENSE_REQUIRED,
    ListAction.HOLD: Outcome.HOLD,
    ListAction.ESCALATE: Outcome.HOLD,
    ListAction.FLAG: Outcome.NO_LIST_RESTRICTION,
}


@dataclass(frozen=True, slots=True)
class ListPolicy:
    code: ListCode
    agency: str
    jurisdiction: str  # whose law a match engages (lists.yaml ``jurisdictions``)
    action: ListAction
    badge: str  # the consequence in capitals, as a hit shows it ("BLOCKED")
    items: ItemScope
    effect: str  # what a true match means, for the analyst
    regulation: str
    # EL, MEU and UVL requirements attach when the listed person is a party under §748.5(c)-(f):
    # purchaser, intermediate consignee, ultimate consignee, end user; not a freight forwarder.
    section_748_5_parties_only: bool = False
    licence_exceptions: str = ""
    uvl_statement_required: bool = False
    # The review policy to show when the entry itself states none (MEU entries point to §744.21).
    default_review: ReviewPolicy = ReviewPolicy.NONE

    @property
    def outcome(self) -> Outcome:
        """The outcome of a confirmed match, before items and roles are considered."""
        return ACTION_OUTCOMES[self.action]


LIST_POLICIES: Mapping[ListCode, ListPolicy] = {
    code: ListPolicy(
        code=code,
        agency=facts.agency,
        jurisdiction=facts.jurisdiction,
        **facts.meaning.model_dump(),
    )
    for code, facts in LISTS.items()
}

# The jurisdictions determinations check unless told otherwise (EXPORTSCREEN_JURISDICTIONS, US by
# default). An unknown code fails the import: a jurisdiction meant to be checked and silently
# left out would clear what its lists prohibit.
CHECKED_JURISDICTIONS: frozenset[str] = parse_jurisdictions(settings.JURISDICTIONS)

# SDN programs for which the EAR add their own licence requirement for all items subject to the
# EAR, on top of OFAC's blocking, and the section that imposes it: [NPWMD] 744.8, [SDGT] 744.12,
# [SDT] 744.13, [FTO] 744.14, and [IRAQ2] 744.18 (E.O. 13315 persons; 746.3 is the Iraq
# destination control, not this one).
EAR_SDN_PROGRAM_SECTIONS: Mapping[str, str] = {
    "NPWMD": "744.8",
    "SDGT": "744.12",
    "SDT": "744.13",
    "FTO": "744.14",
    "IRAQ2": "744.18",
}
EAR_LICENCE_SDN_PROGRAMS: frozenset[str] = frozenset(EAR_SDN_PROGRAM_SECTIONS)

# The SDN owners whose affiliates the Affiliates Rule reaches: "§744.8(a)(1)" parties. Read here
# as the same EAR-tagged programs; the rule text should be checked before relying on the exact set.
AFFILIATES_RULE_SDN_PROGRAMS: frozenset[str] = EAR_LICENCE_SDN_PROGRAMS
AFFILIATES_RULE_LISTS: frozenset[ListCode] = frozenset({ListCode.EL, ListCode.MEU, ListCode.SDN})

# --- the Military End-User rule's item list ------------------------------------------------

# Supplement No. 2 to Part 744, as expanded by 85 FR 23459 (April 2020). Recalled from that rule,
# not read from a current eCFR text: verify before relying on it. Supp. 2 limits some entries to
# paragraphs; here any paragraph of a listed ECCN counts, which errs towards requiring a licence.
MEU_SUPPLEMENT_2_ECCNS: frozenset[str] = frozenset(
    {
        "1A290", "1C990", "1C996", "1D999", "1E994",
        "2A290", "2A291", "2B999", "2D290",
        "3A991", "3A992", "3A999", "3B991", "3B992", "3C992", "3D991", "3E991",
        "4A994", "4D993", "4D994",
        "5A991", "5A992", "5B991", "5D991", "5D992", "5E991", "5E992",
        "6A991", "6A993", "6A995", "6A996", "6C992", "6D991", "6D992", "6D993",
        "7A994", "7B994", "7D994", "7E994",
        "8A992", "8D999",
        "9A991", "9B990", "9D991", "9E991",
    }
)  # fmt: skip
# §744.21(a)(2): for Russia and Belarus the requirement covers any item subject to the EAR.
MEU_ANY_ITEM_COUNTRIES: frozenset[str] = frozenset({"RU", "BY"})

# --- review policies -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewMeaning:
    policy: ReviewPolicy
    meaning: str  # what it means for the chance of getting a licence
    likely_denial: bool


REVIEW_MEANINGS: Mapping[ReviewPolicy, ReviewMeaning] = {
    m.policy: m
    for m in (
        ReviewMeaning(
            ReviewPolicy.PRESUMPTION_OF_DENIAL,
            "Presumption of denial: a licence is likely to be denied.",
            likely_denial=True,
        ),
        ReviewMeaning(
            ReviewPolicy.POLICY_OF_DENIAL,
            "Policy of denial: a licence is likely to be denied.",
            likely_denial=True,
        ),
        ReviewMeaning(
            ReviewPolicy.CASE_BY_CASE,
            "Case-by-case review: BIS weighs each application on its merits.",
            likely_denial=False,
        ),
        ReviewMeaning(
            ReviewPolicy.PRESUMPTION_OF_APPROVAL,
            "Presumption of approval: a licence is likely to be granted.",
            likely_denial=False,
        ),
        ReviewMeaning(
            ReviewPolicy.MIXED,
            "Mixed policy: the chance of a licence depends on the item; read the entry's clauses.",
            likely_denial=False,
        ),
        ReviewMeaning(
            ReviewPolicy.CROSS_REFERENCE,
            "The review policy is set by the regulation the entry cites (e.g. 15 CFR 744.2(d), "
            "744.21(e)): read that section for the chance of a licence.",
            likely_denial=False,
        ),
        ReviewMeaning(
            ReviewPolicy.NOT_STATED,
            "Review policy not stated by any loaded source (the newest list data has no "
            "review-policy column and no earlier source listed the entry): read the entry in the "
            "Federal Register rule that added it, or the eCFR.",
            likely_denial=False,
        ),
        ReviewMeaning(
            ReviewPolicy.NONE,
            "No review policy stated in the list data: read the entry in the Federal Register "
            "or eCFR.",
            likely_denial=False,
        ),
    )
}

# --- foreign-direct-product footnotes (Supp. No. 4 to Part 744) ----------------------------


@dataclass(frozen=True, slots=True)
class Footnote:
    number: int
    regulation: str
    meaning: str


FOOTNOTES: Mapping[int, Footnote] = {
    f.number: f
    for f in (
        Footnote(
            1,
            "15 CFR 734.9(e)(1)",
            "Entity List FDP rule: foreign-produced direct products of certain U.S. technology "
            "or software are subject to the EAR when the entity is a party.",
        ),
        Footnote(
            2,
            "Supp. No. 4 to Part 744, footnote 2",
            "Carve-out printed with the entry (e.g. technology for standards organizations); "
            "read the footnote text.",
        ),
        Footnote(
            3,
            "15 CFR 734.9(g), 746.8(a)(3)",
            "Russia/Belarus military end-user FDP rule: foreign-produced items are subject to "
            "the EAR; licence policy per the entry.",
        ),
        Footnote(
            4,
            "15 CFR 734.9(e)(2), 744.11(a)(2)(iv)",
            "Entity List FDP rule (advanced computing): foreign-produced items are subject to "
            "the EAR; see also 15 CFR 744.23.",
        ),
        Footnote(
            5,
            "15 CFR 734.9(e)(3)",
            "Entity List FDP rule (advanced chips and chipmaking tools, Dec. 2024): broader "
            "foreign-direct-product reach.",
        ),
    )
}

# --- Federal Register effective dates ------------------------------------------------------


class EffectiveDates:
    """Effective dates of Federal Register citations, from the documents the store knows.

    A citation names a page of a document, not necessarily its first ("88 FR 12171" for the rule
    starting on page 12170), so documents are found by page range. The documents come from the
    rule files loaded (their DATES) and from the Federal Register API (``update``; cached in the
    store): ``Store.fr_documents()``. A citation of no known document is dated by its own
    (publication) date.
    """

    def __init__(self, documents: Iterable[FrDocument] = ()) -> None:
        self._by_volume: dict[int, list[FrDocument]] = {}
        for document in documents:
            self._by_volume.setdefault(document.volume, []).append(document)

    def document(self, citation: Citation) -> FrDocument | None:
        return next(
            (d for d in self._by_volume.get(citation.volume, ()) if d.covers(citation)), None
        )

    def effective_date(self, citation: Citation) -> date | None:
        """When the cited rule took effect: its document's effective date, else its publication
        date, else the citation's own date."""
        known = self.document(citation)
        if known is None:
            return citation.date
        return known.effective_on or known.publication_date

    def with_documents(self, documents: Iterable[FrDocument]) -> EffectiveDates:
        """A copy with more documents (looked up after the ones held)."""
        return EffectiveDates([*self, *documents])

    def __iter__(self) -> Iterator[FrDocument]:
        return iter([d for documents in self._by_volume.values() for d in documents])

    def __len__(self) -> int:
        return sum(len(documents) for documents in self._by_volume.values())


# No built-in table: dates come from the documents themselves (``Store.fr_documents``).
DEFAULT_EFFECTIVE_DATES = EffectiveDates()

# --- configuration documents (YAML or JSON) ------------------------------------------------

Document = TypeVar("Document", bound=BaseModel)


def _iso_date(value: Any) -> date:
    """Accept a date or an ISO ``YYYY-MM-DD`` string, nothing else (pydantic's lax mode would
    read an integer as a Unix timestamp)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def _read_data(path: Path) -> Any:
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(path, None, None, f"cannot read the file: {error}") from error
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise SourceError(path, error.lineno, None, f"invalid JSON: {error.msg}") from error
    if suffix in (".yaml", ".yml"):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise SourceError(path, line, None, f"invalid YAML: {error}") from error
    raise SourceError(path, None, None, "expected a .json, .yaml or .yml file")


def _line_of(path: Path, location: tuple[int | str, ...]) -> int | None:
    """The line a validation error points at, found by walking the YAML node tree (JSON is
    YAML too, as far as line numbers go); the deepest line reached when the path stops early."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for key in location:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == key), None)
            if pair is None:
                return line
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for key in location:
        path += f"[{key}]" if isinstance(key, int) else (f".{key}" if path else str(key))
    return path


def load_document(path: str | Path, model: type[Document]) -> Document:
    """Read a YAML or JSON file into a pydantic model; any problem is a SourceError naming the
    file, the line when it can be found, and the field."""
    path = Path(path)
    data = _read_data(path)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        message = first["msg"]
        more = error.error_count() - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise SourceError(
            path, _line_of(path, location), _field_path(location) or None, message
        ) from error


# --- the Affiliates Rule's status over time ------------------------------------------------


class RuleStatus(enum.StrEnum):
    NOT_IN_FORCE = "not_in_force"
    IN_FORCE = "in_force"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True)
class RulePeriod:
    start: date  # first day of the period; it lasts until the next period starts
    status: RuleStatus
    note: str = ""


@dataclass(frozen=True, slots=True)
class AffiliatesRuleSchedule:
    """The status of BIS's Affiliates Rule by date: before the first period the rule is not in
    force."""

    periods: tuple[RulePeriod, ...]
    source: str = "built-in"
    # The day the schedule was last checked against the Federal Register: periods starting after
    # it are assumptions (e.g. a reinstatement "absent a further extension").
    verified_on: date | None = None
    _starts: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.periods, key=lambda p: p.start))
        starts = tuple(p.start for p in ordered)
        if len(set(starts)) != len(starts):
            raise ValueError("two Affiliates Rule periods start on the same day")
        object.__setattr__(self, "periods", ordered)
        object.__setattr__(self, "_starts", starts)

    def period_on(self, day: date) -> RulePeriod:
        index = bisect.bisect_right(self._starts, day) - 1
        if index < 0:
            return RulePeriod(date.min, RuleStatus.NOT_IN_FORCE, "before the Affiliates Rule")
        return self.periods[index]

    def in_force(self, day: date) -> bool:
        return self.period_on(day).status is RuleStatus.IN_FORCE

    def status_note(self, day: date) -> str:
        """The status on ``day`` with its source and when it was verified, for every result the
        rule drives."""
        period = self.period_on(day)
        text = period.note or period.status.value
        if self.verified_on is None:
            return f"{text}; schedule ({self.source}) not dated as verified"
        checked = f"status as verified on {self.verified_on.isoformat()} ({self.source})"
        if period.start > self.verified_on:
            return f"{text}; {checked}: this period starts later and is assumed, not verified"
        return f"{text}; {checked}"

    @classmethod
    def from_file(cls, path: str | Path) -> AffiliatesRuleSchedule:
        """Read a deployment's schedule (``verified_on``: the day it was last checked against
        the Federal Register, shown with every result it drives)::

        verified_on: 2026-11-20
        affiliates_rule:
          - {start: 2025-09-29, status: in_force, note: "90 FR 47201"}
          - {start: 2025-11-10, status: suspended}
        """
        document = load_document(path, _ScheduleDocument)
        periods = tuple(RulePeriod(p.start, p.status, p.note) for p in document.affiliates_rule)
        try:
            return cls(periods, source=str(path), verified_on=document.verified_on)
        except ValueError as error:
            raise SourceError(path, None, "affiliates_rule", str(error)) from error


class _PeriodDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    start: IsoDate
    status: RuleStatus
    note: str = ""


class _ScheduleDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    verified_on: IsoDate | None = None
    affiliates_rule: tuple[_PeriodDocument, ...]


DEFAULT_AFFILIATES_SCHEDULE = AffiliatesRuleSchedule(
    (
        RulePeriod(
            date(2025, 9, 29),
            RuleStatus.IN_FORCE,
            "Affiliates Rule, FR Doc 2025-19001 (interim final rule, effective 2025-09-29)",
        ),
        RulePeriod(
            date(2025, 11, 10),
            RuleStatus.SUSPENDED,
            "suspended for one year, FR Doc 2025-19846 (effective 2025-11-10, to 2026-11-09)",
        ),
        RulePeriod(
            date(2026, 11, 10),
            RuleStatus.IN_FORCE,
            "in force again after the one-year suspension, absent a further extension",
        ),
    ),
    # The suspension rule's publication (90 FR 50857): what followed is assumed.
    verified_on=date(2025, 11, 12),
)
