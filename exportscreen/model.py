"""The types every other module speaks: list entries, list versions, changes, hits and decisions.

They are plain frozen dataclasses so that a loader, the store, the matcher and the API can pass them
around without caring where they came from. Serialisation to and from JSON-compatible dicts lives
here too (``to_json_data``, ``entry_to_dict`` / ``entry_from_dict``): one serialiser, msgspec, for
entries, hits, determinations and audit payloads, so the store, the API, the CLI and the audit trail
write the same shape.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Protocol, TypeVar

import msgspec
from pydantic import BaseModel


class ListCode(enum.StrEnum):
    """The lists exportscreen screens against: the Consolidated Screening List's, by their CSL
    source code, and the UN, EU and UK sanctions lists."""

    EL = "EL"  # Entity List (BIS)
    MEU = "MEU"  # Military End-User List (BIS)
    UVL = "UVL"  # Unverified List (BIS)
    DPL = "DPL"  # Denied Persons List (BIS)
    SDN = "SDN"  # Specially Designated Nationals (OFAC)
    SSI = "SSI"  # Sectoral Sanctions Identifications (OFAC)
    FSE = "FSE"  # Foreign Sanctions Evaders (OFAC)
    ISN = "ISN"  # Nonproliferation sanctions (State)
    DTC = "DTC"  # ITAR debarred (State)
    CAP = "CAP"  # CAPTA list (OFAC)
    CMIC = "CMIC"  # Non-SDN Chinese Military-Industrial Complex (OFAC)
    MBS = "MBS"  # Non-SDN Menu-Based Sanctions (OFAC)
    PLC = "PLC"  # Non-SDN Palestinian Legislative Council (OFAC)
    # Beyond the US lists: a match means an asset freeze under that jurisdiction's law.
    UN = "UN"  # UN Security Council Consolidated List
    EU = "EU"  # EU Consolidated Financial Sanctions List
    UK = "UK"  # UK Sanctions List (FCDO)


# Each list's name, agency and meaning are declared in lists.yaml and read by exportscreen.lists.
BUILT_IN_LIST_CODES: Final[frozenset[str]] = frozenset(ListCode.__members__)


def declare_list_code(code: str) -> ListCode:
    """The ListCode of a list a deployment declares in a data file (a FollowTheMoney dataset it
    screens against, ``EXPORTSCREEN_LISTS_DIR``): added to the enum, so that it is iterated,
    stored, pickled and looked up by value like the built-in lists. Called only by
    ``exportscreen.lists`` while it loads the declarations, before any table is built from
    ``ListCode``; every process reading the same declarations gets the same members."""
    if code in ListCode.__members__:
        return ListCode(code)
    member = str.__new__(ListCode, code)
    member._name_ = code
    member._value_ = code
    ListCode._member_map_[code] = member
    ListCode._value2member_map_[code] = member
    ListCode._member_names_.append(code)
    return member


class EntryType(enum.StrEnum):
    ENTITY = "entity"
    INDIVIDUAL = "individual"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    ADDRESS_ONLY = "address-only"


class LicenceScope(enum.StrEnum):
    """What an Entity List (or MEU) licence requirement covers."""

    ALL_ITEMS = "all-items-subject-to-the-EAR"  # includes EAR99
    LISTED_ECCNS = "listed-eccns"
    OTHER = "other"
    NONE = "none"


class ReviewPolicy(enum.StrEnum):
    PRESUMPTION_OF_DENIAL = "presumption-of-denial"
    POLICY_OF_DENIAL = "policy-of-denial"
    CASE_BY_CASE = "case-by-case"
    PRESUMPTION_OF_APPROVAL = "presumption-of-approval"
    MIXED = "mixed"
    NONE = "none"
    # The cell only points at a section that sets the policy ("See §§ 744.2(d), 744.3(d)..."):
    # the policy is in the regulation, not the list (domain notes §1).
    CROSS_REFERENCE = "cross-reference"
    # No loaded source states one: the newest source has no review-policy column and no older
    # source listed the entry (the store sets it on import; store.provenance).
    NOT_STATED = "not-stated"


@dataclass(frozen=True, slots=True)
class Address:
    street: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2, or "" when unknown

    def one_line(self) -> str:
        parts = (self.street, self.city, self.state, self.postal_code, self.country)
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Identifier:
    type: str  # as printed by the list: "Passport", "Registration Number", "IMO"...
    value: str
    country: str = ""  # ISO 3166-1 alpha-2 of the issuer, when known
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Citation:
    """A Federal Register citation such as ``90 FR 14048, 3/28/25``."""

    volume: int
    page: int
    date: date | None
    raw: str = ""

    def __str__(self) -> str:
        when = f", {self.date.isoformat()}" if self.date else ""
        return f"{self.volume} FR {self.page}{when}"


@dataclass(frozen=True, slots=True)
class FrDocument:
    """A Federal Register document's dates, from a loaded rule file or the Federal Register API.

    An entry's citation may name any page of the document ("88 FR 12171" for the rule starting
    on page 12170), so a document covers pages ``start_page`` to ``end_page``.
    """

    document_number: str  # "2023-03929"
    volume: int
    start_page: int
    end_page: int
    publication_date: date
    effective_on: date | None  # None: the document states no effective date
    title: str = ""
    xml_url: str = ""
    source: str = ""  # "rule file <name>" or the API URL it was read from

    def covers(self, citation: Citation) -> bool:
        return citation.volume == self.volume and self.start_page <= citation.page <= self.end_page


@dataclass(frozen=True, slots=True)
class LicenceRequirement:
    raw: str = ""
    scope: LicenceScope = LicenceScope.NONE
    eccns: tuple[str, ...] = ()  # for LISTED_ECCNS (and exceptions carved out of ALL_ITEMS)
    footnotes: tuple[int, ...] = ()  # foreign-direct-product footnotes (1..5), see domain §1
    regulations: tuple[str, ...] = ()  # "744.11", "734.9(e)(2)"...


@dataclass(frozen=True, slots=True)
class Review:
    raw: str = ""
    policy: ReviewPolicy = ReviewPolicy.NONE


@dataclass(frozen=True, slots=True)
class Entry:
    """One party on one list, as published in one version of that list.

    ``id`` is exportscreen's identity for the party on that list. It is stable across versions and
    formats (an SDN entry is ``SDN-<ent_num>`` whether read from OFAC's CSV, OFAC's XML or the CSL),
    so that a re-published entry with a new address is a change, not a removal and an addition.
    ``source_id`` is the identifier the publisher gave the record, kept for reference.
    """

    id: str
    list: ListCode
    type: EntryType
    name: str
    source_id: str = ""
    aliases: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    countries: tuple[str, ...] = ()  # ISO alpha-2, the entry's countries in list order
    identifiers: tuple[Identifier, ...] = ()
    programs: tuple[str, ...] = ()
    licence: LicenceRequirement = field(default_factory=LicenceRequirement)
    review: Review = field(default_factory=Review)
    citations: tuple[Citation, ...] = ()
    start_date: date | None = None
    end_date: date | None = None
    remarks: str = ""
    source_url: str = ""
    title: str = ""
    dates_of_birth: tuple[str, ...] = ()  # as printed: "1973-03-25", "circa 1960", "1960 to 1962"
    places_of_birth: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    citizenships: tuple[str, ...] = ()
    # Secondary fields that only some lists carry (call_sign, vessel_type, vessel_flag,
    # vessel_owner, gross_tonnage, gross_registered_tonnage, standard_order...).
    details: Mapping[str, str] = field(default_factory=dict)
    # The aliases the publisher marks weak or low quality (OFAC's "weak a.k.a.", the UN's "Low",
    # FtM's weakAlias): a subset of ``aliases``. Broad names ("MOHAMMED, Ali", "Bashir") that
    # identify the party only together with other facts; the matcher counts them less. Last, and
    # left out of the stored form when empty, so that entries without any keep their content hash.
    weak_aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The primary name first, then every alias, without duplicates."""
        seen: dict[str, None] = {self.name: None}
        for alias in self.aliases:
            seen.setdefault(alias, None)
        return tuple(seen)

    def content_hash(self) -> str:
        """A digest of everything published about the entry, to tell versions apart."""
        payload = json.dumps(entry_to_dict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- list versions and changes -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListVersion:
    """One import of one list: which file it came from and when the data was current."""

    id: int
    list: ListCode
    source_format: str
    file_name: str
    sha256: str
    as_of: date  # the data's own date (publication), not the import time
    imported_at: datetime
    entry_count: int
    retrieved_from: str = ""  # URL when downloaded


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str  # the field's path in the stored entry ("licence.raw")
    before: Any
    after: Any
    # What the field is in law or on the list ("licence requirement"); derived from ``field``.
    label: str = dataclasses.field(default="", compare=False)
    # True when the values differ only in form (case, spacing, punctuation) or the field is
    # bookkeeping (the source's record id or URL): reported apart, never as a legal change.
    # Derived from the other three, so not compared.
    format_only: bool = dataclasses.field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class EntryChange:
    """How one entry differs between two versions of a list."""

    kind: ChangeKind
    entry_id: str
    before: Entry | None
    after: Entry | None
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleChange:
    """One instruction of a Federal Register rule to the Entity List (add, revise, remove)."""

    kind: ChangeKind  # ADDED, CHANGED (a revision) or REMOVED
    entry: Entry  # for a removal, only list, country, name and id are meaningful
    effective_date: date | None
    citation: Citation | None


# --- screening -----------------------------------------------------------------------------


class MatchKind(enum.StrEnum):
    """How a query token was paired with an entry token; shown to analysts in explanations."""

    EXACT = "exact"
    FUZZY = "fuzzy"
    PHONETIC = "phonetic"
    TRANSLITERATED = "transliterated"
    TRANSLATED = "translated"
    LEGAL_FORM = "legal-form"
    ABBREVIATION = "abbreviation"
    EQUIVALENCE = "mined-equivalence"  # learned from the lists' own alias pairs
    JOINED = "joined-or-split"
    INITIAL = "initial"
    # A word written by sound in another script (Han, Hangul, kana, Hebrew) read against the
    # listed spelling by sound classes (``matching.sound``): weaker than a spelling.
    SOUND = "sound"


@dataclass(frozen=True, slots=True)
class TokenMatch:
    query: str  # the query token as typed (original script)
    candidate: str  # the entry token it matched
    kind: MatchKind
    similarity: float  # 0..1
    weight: float  # how much the token counts in the score (rare tokens count more)
    note: str = ""  # e.g. which alias pair taught a mined equivalence


@dataclass(frozen=True, slots=True)
class Penalty:
    reason: str  # "unmatched query token 'acme'", "country mismatch: CN vs US"...
    amount: float  # subtracted from, or multiplied into, the score as stated in reason
    # The name of the feature that lowered the score ("country_mismatch", "number_mismatch"; see
    # screening.features and matching.score): what programs read instead of parsing reason.
    feature: str = ""


@dataclass(frozen=True, slots=True)
class Explanation:
    tokens: tuple[TokenMatch, ...] = ()
    penalties: tuple[Penalty, ...] = ()
    unmatched_query: tuple[str, ...] = ()
    unmatched_candidate: tuple[str, ...] = ()
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float  # 0..1, comparable across lists
    matched_name: str  # which of the entry's names (primary or alias) matched best
    explanation: Explanation


class PartyScreener(Protocol):
    """What batch, determination and the register need of a screener
    (``exportscreen.screening.screener.Screener``): written against this, they can be tested with a
    screener over a handful of entries and shipped to worker processes."""

    def screen(
        self,
        name: str,
        country: str | None = None,
        type: str | EntryType | None = None,
        limit: int = 10,
        threshold: float | None = None,
    ) -> list[Hit]: ...


# --- decisions -----------------------------------------------------------------------------


@functools.total_ordering
class Outcome(enum.Enum):
    """Licence-determination outcomes, least to most restrictive: ``max()`` picks the most
    restrictive. Their values are their names, which is how every output writes them (the order
    is for comparing, not for reading)."""

    NO_LIST_RESTRICTION = "NO_LIST_RESTRICTION"
    HOLD = "HOLD"
    LICENSE_REQUIRED = "LICENSE_REQUIRED"
    PROHIBITED = "PROHIBITED"

    @property
    def severity(self) -> int:
        """0 for the least restrictive outcome, rising with each more restrictive one."""
        return _OUTCOME_ORDER.index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return self.severity < other.severity


_OUTCOME_ORDER: Final[tuple[Outcome, ...]] = tuple(Outcome)


class Disposition(enum.StrEnum):
    """An analyst's decision on an alert."""

    TRUE_MATCH = "true_match"
    FALSE_POSITIVE = "false_positive"
    NEEDS_INFO = "needs_info"
    ESCALATED = "escalated"


# --- JSON round trip -----------------------------------------------------------------------


# Every model value is serialised by msgspec, which walks the dataclasses in C: entries for the
# store (every entry of every import; a Python walk over the fields was most of an import's time),
# hits and explanations for the API, determinations and audit payloads. The module functions, not
# Encoder/Decoder objects: those cannot be pickled, and Spark pickles what a UDF reaches.
Model = TypeVar("Model")


def _encode_other(value: Any) -> Any:
    """msgspec's hook for the types it does not know: a pydantic model (a transaction, a party,
    an item) as its fields, any other mapping as a dict. Anything else is refused, so a payload
    never stores a ``repr``."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot serialise a {type(value).__name__}")


def to_json_data(value: Any) -> Any:
    """A model value (entry, hit, explanation, change, determination, audit payload...) as JSON
    data: dates as ISO 8601 strings (an aware UTC datetime ends in "Z"), enums as their values,
    records as dicts, sequences as lists, Decimals as strings (encoded to JSON and decoded again,
    both in C)."""
    return msgspec.json.decode(msgspec.json.encode(value, enc_hook=_encode_other))


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    """``to_json_data`` of an entry: the form the store keeps, hashes and returns. An empty
    ``weak_aliases`` is left out: the field came later, and every entry without weak aliases
    keeps the stored form and content hash it had before (decisions are bound to that hash)."""
    data: dict[str, Any] = to_json_data(entry)
    if not data.get("weak_aliases"):
        data.pop("weak_aliases", None)
    return data


def from_json_data(data: Any, model_type: type[Model]) -> Model:
    """The inverse of ``to_json_data``: fields the data lacks take their defaults, and a value
    of the wrong type raises ``msgspec.ValidationError`` naming the field."""
    return msgspec.convert(data, model_type)


def entry_from_dict(data: Mapping[str, Any]) -> Entry:
    """The inverse of ``entry_to_dict``."""
    return from_json_data(data, Entry)
