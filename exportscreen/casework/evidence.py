"""Evidence of a screening or a determination: its reference number, and what an auditor files.

Every screening, batch and determination is answered only after its audit record is committed
(``casework.audit_trail``), so the record's sequence number names it for good. The reference is
that number with an ISO 7064 MOD 97-10 check number (``ES-000123-20``), so that a reference
mistyped into the evidence page is refused rather than showing somebody else's screening.

``evidence`` gathers, from the record and the store, what the printed page and the PDF show:
who asked, when, through which interface, what was screened, against which list versions (each
with its data date, file and checksum, read from the store by the version id the record names),
and what was found, each hit with what a true match on its list means in law. The record's own
hash is recomputed, so a page built from an edited record says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from stdnum.iso7064 import mod_97_10

from exportscreen.casework.audit_trail import (
    BATCH,
    CSL_SEARCH,
    DETERMINE,
    MATCH,
    SCREEN,
    AuditRecord,
)
from exportscreen.decisions.policy import LIST_POLICIES
from exportscreen.lists import LIST_NAMES
from exportscreen.model import ListCode
from exportscreen.store import audit_log

if TYPE_CHECKING:
    from exportscreen.store import Store

__all__ = [
    "EVIDENCED_ACTIONS",
    "Evidence",
    "EvidenceHit",
    "EvidenceVersion",
    "InvalidReference",
    "evidence",
    "parse_reference",
    "reference",
]

PREFIX = "ES"
_REFERENCE = re.compile(r"^\s*ES-?0*(\d{1,12})-?(\d{2})\s*$", re.IGNORECASE)

# What each kind of record is, as the evidence names it; the older action names written before
# the interfaces shared theirs (``audit_trail``) are the same work.
EVIDENCED_ACTIONS: Mapping[str, str] = {
    SCREEN: "screening",
    MATCH: "screening",
    CSL_SEARCH: "screening",
    BATCH: "batch screening",
    DETERMINE: "licence determination",
    "api.screen": "screening",
    "api.match": "screening",
    "api.csl_search": "screening",
    "api.batch": "batch screening",
    "api.determine": "licence determination",
    "determine": "licence determination",
}


class InvalidReference(ValueError):
    """A reference that is malformed, fails its check number, or names no screening."""


def reference(seq: int) -> str:
    """The reference of the audit record ``seq``: ``ES-<seq, six digits or more>-<check>``."""
    if seq < 1:
        raise ValueError(f"audit records are numbered from 1, not {seq}")
    # ISO 7064 MOD 97-10 of the number's digits, as ``mod_97_10.calc_check_digits(str(seq))``
    # computes it, by arithmetic: that function reads the number digit by digit, and every
    # screening answer names its reference (issue 19).
    return f"{PREFIX}-{seq:06d}-{98 - seq * 100 % 97:02d}"


def parse_reference(text: str) -> int:
    """The audit record a reference names; InvalidReference saying what is wrong with it."""
    found = _REFERENCE.match(text)
    if found is None:
        raise InvalidReference(
            f"{text[:40]!r} is not a screening reference (they read like ES-000123-20)"
        )
    number, check = found.groups()
    seq = int(number)
    if seq < 1 or not mod_97_10.is_valid(f"{seq}{check}"):
        raise InvalidReference(f"{text.strip()!r}: the check number does not match; mistyped?")
    return seq


@dataclass(frozen=True, slots=True)
class EvidenceVersion:
    """One list version screened against, as the store holds it."""

    list: str
    list_name: str
    version_id: int
    as_of: date | None  # None: the store no longer holds this version (restored elsewhere?)
    file_name: str = ""
    sha256: str = ""
    imported_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EvidenceHit:
    """One hit as recorded, with what a true match on its list means."""

    entry_id: str
    score: float | None
    matched_name: str
    list: str
    list_name: str
    outcome: str  # of a confirmed match before items and roles: PROHIBITED, LICENSE_REQUIRED...
    effect: str
    regulation: str
    licence_requirement: str
    entry_name: str


@dataclass(frozen=True, slots=True)
class EvidenceScreening:
    query: Mapping[str, Any]
    hit_count: int
    hits: tuple[EvidenceHit, ...]


@dataclass(frozen=True, slots=True)
class Evidence:
    reference: str
    record: AuditRecord
    kind: str  # "screening", "batch screening", "licence determination"
    versions: tuple[EvidenceVersion, ...]
    screenings: tuple[EvidenceScreening, ...]
    hash_checks: bool  # the record's hash recomputes from its content

    @property
    def payload(self) -> Mapping[str, Any]:
        return self.record.payload

    @property
    def interface(self) -> str:
        return str(self.record.payload.get("interface") or "")

    @property
    def outcome(self) -> str | None:
        """A determination's overall outcome (None for screenings)."""
        found = self.record.payload.get("outcome")
        return None if found is None else str(found)

    @property
    def hit_total(self) -> int:
        return sum(s.hit_count for s in self.screenings)

    def to_dict(self) -> dict[str, Any]:
        """The evidence as JSON data (the API's answer)."""
        r = self.record
        return {
            "reference": self.reference,
            "kind": self.kind,
            "seq": r.seq,
            "created_at": r.created_at.isoformat(),
            "user": r.actor,
            "interface": self.interface,
            "action": r.action,
            "list_versions": [
                {
                    "list": v.list,
                    "list_name": v.list_name,
                    "version_id": v.version_id,
                    "as_of": v.as_of.isoformat() if v.as_of else None,
                    "file": v.file_name,
                    "sha256": v.sha256,
                }
                for v in self.versions
            ],
            "screenings": [
                {
                    "query": dict(s.query),
                    "hit_count": s.hit_count,
                    "hits": [
                        {
                            "entry": h.entry_id,
                            "score": h.score,
                            "matched_name": h.matched_name,
                            "entry_name": h.entry_name,
                            "list": h.list,
                            "outcome_if_true_match": h.outcome,
                            "effect": h.effect,
                            "regulation": h.regulation,
                            "licence_requirement": h.licence_requirement,
                        }
                        for h in s.hits
                    ],
                }
                for s in self.screenings
            ],
            "payload": dict(r.payload),
            "hash": r.hash,
            "prev_hash": r.prev_hash,
            "hash_checks": self.hash_checks,
        }


def _list_code(code: str) -> ListCode | None:
    try:
        return ListCode(code)
    except ValueError:
        return None


def _versions(store: Store, recorded: Any) -> tuple[EvidenceVersion, ...]:
    from exportscreen.store import StoreError

    found: list[EvidenceVersion] = []
    if not isinstance(recorded, Mapping):
        return ()
    for code, version_id in sorted(recorded.items()):
        known = _list_code(code)
        name = LIST_NAMES[known] if known is not None else code
        try:
            version = store.version(int(version_id))
        except (StoreError, ValueError, TypeError):
            found.append(EvidenceVersion(code, name, int(version_id or 0), None))
            continue
        found.append(
            EvidenceVersion(
                code,
                name,
                version.id,
                version.as_of,
                version.file_name,
                version.sha256,
                version.imported_at,
            )
        )
    return tuple(found)


def _hit(
    store: Store, recorded: Mapping[str, Any], versions: Sequence[EvidenceVersion]
) -> EvidenceHit:
    from exportscreen.store import StoreError

    entry_id = str(recorded.get("entry", ""))
    score = recorded.get("score")
    entry = None
    # The entry as listed in the version screened against (by its data date).
    code = entry_id.split("-", 1)[0]
    as_of = next((v.as_of for v in versions if v.list == code and v.as_of), None)
    try:
        entry = store.entry(entry_id, as_of=as_of)
    except StoreError:
        entry = None
    list_code = entry.list if entry is not None else _list_code(code)
    policy = LIST_POLICIES.get(list_code) if list_code is not None else None
    return EvidenceHit(
        entry_id=entry_id,
        score=float(score) if isinstance(score, int | float) else None,
        matched_name=str(recorded.get("matched_name") or ""),
        list=list_code.value if list_code else "?",
        list_name=LIST_NAMES[list_code] if list_code else "unknown list",
        outcome=policy.outcome.name if policy else "HOLD",
        effect=policy.effect if policy else "the list of this entry is not known: hold",
        regulation=policy.regulation if policy else "",
        licence_requirement=entry.licence.raw if entry is not None else "",
        entry_name=entry.name if entry is not None else "(not found in the store)",
    )


def evidence(store: Store, ref: str) -> Evidence:
    """The evidence a reference names; InvalidReference when there is none."""
    seq = parse_reference(ref)
    record = audit_log.record_at(store.engine, seq)
    if record is None or record.action not in EVIDENCED_ACTIONS:
        raise InvalidReference(f"{ref.strip()!r} names no screening or determination")
    versions = _versions(store, record.payload.get("list_versions"))
    screenings = tuple(
        EvidenceScreening(
            query=dict(item.get("query") or {}),
            hit_count=int(item.get("hit_count") or 0),
            hits=tuple(_hit(store, h, versions) for h in item.get("hits") or ()),
        )
        for item in record.payload.get("screenings") or ()
        if isinstance(item, Mapping)
    )
    checks = (
        audit_log.digest(
            record.seq,
            record.created_at,
            record.actor,
            record.action,
            record.payload,
            record.prev_hash,
        )
        == record.hash
    )
    return Evidence(
        reference(seq), record, EVIDENCED_ACTIONS[record.action], versions, screenings, checks
    )
