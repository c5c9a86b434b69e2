"""Checking the audit trail: the hash chain, its signed checkpoints, and the case rows it covers.

``verify`` names the first thing wrong:

* a record edited, re-numbered, deleted or re-ordered (the hash chain, as always);
* a chain rewritten by someone who recomputed the hashes, or a cut tail: a signed checkpoint
  (``store.audit_seal``: in the database, and the anchor file outside it) vouches for a record
  that is different or gone ("records N..M missing after checkpoint K");
* a decision or suppression row that differs from the audit record that made it, or a record
  whose rows are gone; a four-eyes review (approval or rejection) likewise: a decision that
  waited for a second analyst is effective only if an approval record says so.

Stores written before checkpoints existed verify as before; until their first sealed write, a
cut of their tail cannot be seen, and ``notes`` says so. Decisions made before they were linked
to their records (``decisions.audit_seq`` NULL) are counted in ``notes``, not checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from exportscreen.store import audit_log, audit_seal
from exportscreen.store import decisions as stored_decisions
from exportscreen.store.audit_log import GENESIS_HASH, AuditRecord
from exportscreen.store.engine import Engine

DECIDE = "alert.decide"
REVIEWS = ("alert.approve", "alert.reject")


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    records: int  # records checked before the first problem (all, when ok)
    first_bad_seq: int | None
    problem: str
    # What holds but is not protected, or could not be checked (never a failure by itself).
    notes: tuple[str, ...] = field(default=())
    sealed_through: int | None = None  # the latest record a valid checkpoint vouches for

    @property
    def intact(self) -> bool:
        """The chain links up and a checked signature vouches for its last record. Without the
        signature a cut of the tail would not show, so an unbroken chain alone is not intact."""
        return self.ok and self.sealed_through is not None and self.sealed_through >= self.records

    @property
    def verdict(self) -> tuple[str, str]:
        """(state, wording) as every interface says it: state "intact", "unvouched" or
        "broken"; the wording the CLI prints (the notes say why a tail is not vouched for)."""
        if self.intact:
            assert self.sealed_through is not None
            return (
                "intact",
                f"audit trail intact: {self.records:,} records, signed through record "
                f"{self.sealed_through:,}",
            )
        if self.ok:
            vouched = (
                f"signed through record {self.sealed_through:,}"
                if self.sealed_through is not None
                else "no checked signature"
            )
            return (
                "unvouched",
                f"audit chain unbroken, tail not vouched for: {self.records:,} records, {vouched}",
            )
        return (
            "broken",
            f"audit trail broken at record {self.first_bad_seq}: {self.problem} "
            f"({self.records:,} records verified before it)",
        )


class _Broken(Exception):
    def __init__(self, seq: int | None, problem: str):
        super().__init__(problem)
        self.seq = seq
        self.problem = problem


def verify_chain(engine: Engine) -> VerifyResult:
    """The hash chain alone (what a backup's audit table is checked with)."""
    try:
        count, _, _ = _walk(engine, set())
    except _Broken as broken:
        return VerifyResult(False, (broken.seq or 1) - 1, broken.seq, broken.problem)
    return VerifyResult(True, count, None, "")


def verify(engine: Engine) -> VerifyResult:
    """The chain, its seal and the decisions it covers; the first problem is reported."""
    notes: list[str] = []
    witnesses = _witnesses(engine)
    try:
        count, hashes, decides = _walk(engine, {w.seq for w in witnesses})
    except _Broken as broken:
        return VerifyResult(False, (broken.seq or 1) - 1, broken.seq, broken.problem)
    try:
        sealed = _check_seal(witnesses, count, hashes, notes)
        _check_decisions(engine, decides, notes)
    except _Broken as broken:
        return VerifyResult(False, count, broken.seq, broken.problem, tuple(notes))
    return VerifyResult(True, count, None, "", tuple(notes), sealed)


def _witnesses(engine: Engine) -> list[audit_seal.Checkpoint]:
    """The checkpoints in the database and the anchor file kept on this machine."""
    found = audit_seal.checkpoints(engine) if audit_seal.has_checkpoint_table(engine) else []
    genesis = audit_log.hash_of(engine, 1)
    anchor = (
        audit_seal.read_anchor(audit_seal.anchor_name(engine.url, genesis))
        if genesis is not None
        else None
    )
    return sorted([*found, *([anchor] if anchor else [])], key=lambda p: p.seq)


def _walk(engine: Engine, wanted: set[int]) -> tuple[int, dict[int, str], dict[int, AuditRecord]]:
    """Walk the chain; returns the record count, the hashes of the ``wanted`` records and the
    decision and review records."""
    count = 0
    expected_prev = GENESIS_HASH
    decides: dict[int, AuditRecord] = {}
    hashes: dict[int, str] = {}
    for count, rec in enumerate(audit_log.iter_rows(engine), start=1):
        if rec.seq != count:
            missing = "deleted or re-numbered" if rec.seq > count else "duplicated"
            raise _Broken(count, f"record {count} is {missing} (found seq {rec.seq})")
        if rec.prev_hash != expected_prev:
            raise _Broken(rec.seq, f"record {rec.seq} does not link to record {rec.seq - 1}")
        recomputed = audit_log.digest(
            rec.seq, rec.created_at, rec.actor, rec.action, rec.payload, rec.prev_hash
        )
        if recomputed != rec.hash:
            raise _Broken(rec.seq, f"record {rec.seq} was edited after it was written")
        if rec.action == DECIDE or rec.action in REVIEWS:
            decides[rec.seq] = rec
        if rec.seq in wanted:
            hashes[rec.seq] = rec.hash
        expected_prev = rec.hash
    return count, hashes, decides


def _check_seal(
    witnesses: list[audit_seal.Checkpoint], count: int, hashes: dict[int, str], notes: list[str]
) -> int | None:
    """Every checkpoint against the chain; returns the latest record they vouch for."""
    if not witnesses:
        if count:
            notes.append(
                f"records 1..{count} were written before the trail was sealed: an edit shows, "
                "but a cut of the tail or a recomputed chain cannot (sealed from the next write)"
            )
        return None
    key = audit_seal.load_key(create=False)
    if key is None:
        notes.append(
            "the signed checkpoints were not checked: no audit key on this machine "
            "(EXPORTSCREEN_AUDIT_KEY or EXPORTSCREEN_AUDIT_KEY_FILE)"
        )
        return None
    last_good: int | None = None
    attested = 0
    for point in witnesses:
        where = "the anchor file" if point.kind == "anchor" else f"checkpoint of record {point.seq}"
        if not point.valid(key):
            raise _Broken(
                point.seq,
                f"{where} does not verify with this key ({audit_seal.key_id(key)}): it was "
                "forged or altered, or signed with another key",
            )
        attested = max(attested, point.seq)
        if point.seq > count:
            continue
        if hashes[point.seq] != point.hash:
            after = f"checkpoint {last_good}" if last_good else "the first record"
            raise _Broken(
                point.seq,
                f"record {point.seq} is not the record {where} signed on "
                f"{point.signed_at.isoformat()}: the chain was rewritten between {after} and "
                f"record {point.seq}",
            )
        last_good = point.seq
    if attested > count:
        after = f" after checkpoint {last_good}" if last_good else ""
        raise _Broken(
            count + 1,
            f"records {count + 1}..{attested} missing{after}: a signed checkpoint says the "
            f"chain reached record {attested}, it ends at record {count}",
        )
    if last_good is not None and last_good < count:
        notes.append(
            f"records {last_good + 1}..{count} are after the last signed checkpoint "
            f"(written without the seal): a cut there cannot be seen"
        )
    return last_good


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _check_decisions(engine: Engine, records: Mapping[int, AuditRecord], notes: list[str]) -> None:
    """Each linked decision row (and its suppression) against the record that made it, and
    each record naming a decision against the rows."""
    rows = {d.id: d for d in stored_decisions.all_decisions(engine)}
    decides = {seq: rec for seq, rec in records.items() if rec.action == DECIDE}
    reviews = {seq: rec for seq, rec in records.items() if rec.action in REVIEWS}
    by_decision = {
        rec.payload["decision"]: rec for rec in decides.values() if "decision" in rec.payload
    }
    first_linked = min(by_decision, default=None)
    unlinked = 0
    for row in rows.values():
        if row.audit_seq is None:
            if first_linked is not None and row.id > first_linked:
                raise _Broken(
                    None,
                    f"decision {row.id} names no audit record, though decisions since "
                    f"{first_linked} all do: it was inserted or unlinked outside exportscreen",
                )
            unlinked += 1
            continue
        rec = decides.get(row.audit_seq)
        if rec is None or rec.payload.get("decision") != row.id:
            raise _Broken(
                row.audit_seq,
                f"decision {row.id} names audit record {row.audit_seq}, which did not make it",
            )
        payload = rec.payload
        fp = payload.get("disposition") == "false_positive"
        expected = {
            "alert_id": payload.get("alert"),
            "disposition": payload.get("disposition"),
            "reason": payload.get("reason"),
            "decided_by": rec.actor,
            "created_at": payload.get("decided_at"),
            "expires_at": payload.get("expires_at") if fp else None,
            **_review_expected(row, payload, reviews),
        }
        actual = {
            "alert_id": row.alert_id,
            "disposition": row.disposition,
            "reason": row.reason,
            "decided_by": row.decided_by,
            "created_at": _iso(row.created_at),
            "expires_at": _iso(row.expires_at),
            "review_status": row.review_status,
            "reviewed_by": row.reviewed_by,
            "reviewed_at": _iso(row.reviewed_at),
            "review_reason": row.review_reason,
        }
        for name, value in expected.items():
            if actual[name] != value:
                raise _Broken(
                    rec.seq,
                    f"decision {row.id} was changed after it was made: its {name} is "
                    f"{actual[name]!r}, its audit record {rec.seq} says {value!r}",
                )
    for decision_id, rec in by_decision.items():
        linked = rows.get(decision_id)
        if linked is None or linked.audit_seq != rec.seq:
            raise _Broken(
                rec.seq,
                f"decision {decision_id}, made by audit record {rec.seq}, is missing from the "
                "decisions table or no longer linked to its record",
            )
    for rec in reviews.values():
        reviewed = rows.get(rec.payload.get("decision", -1))
        if reviewed is None or reviewed.review_audit_seq != rec.seq:
            raise _Broken(
                rec.seq,
                f"the review of decision {rec.payload.get('decision')} (audit record {rec.seq}) "
                "is missing from the decisions table or no longer linked to its record",
            )
    _check_suppressions(engine, rows, records)
    if unlinked:
        notes.append(
            f"{unlinked} decision(s) made before decisions were linked to the trail are not "
            "cross-checked"
        )


def _review_expected(
    row: stored_decisions.DecisionRow,
    payload: Mapping[str, Any],
    reviews: Mapping[int, AuditRecord],
) -> dict[str, Any]:
    """The review fields the trail vouches for: a decision made effective stays so with no
    review; one that waited is pending until a review record (the one the row names) says it
    was approved or rejected."""
    made = payload.get("review_status", "effective")
    if made != "pending_approval":
        return {
            "review_status": made,
            "reviewed_by": None,
            "reviewed_at": None,
            "review_reason": None,
        }
    review = reviews.get(row.review_audit_seq) if row.review_audit_seq is not None else None
    if review is None or review.payload.get("decision") != row.id:
        return {
            "review_status": "pending_approval",
            "reviewed_by": None,
            "reviewed_at": None,
            "review_reason": None,
        }
    return {
        "review_status": "effective" if review.action == "alert.approve" else "rejected",
        "reviewed_by": review.actor,
        "reviewed_at": review.payload.get("reviewed_at"),
        "review_reason": review.payload.get("reason"),
    }


def _check_suppressions(
    engine: Engine,
    rows: Mapping[int, stored_decisions.DecisionRow],
    records: Mapping[int, AuditRecord],
) -> None:
    # What each decision's suppression must be: as its decide record states it, or (a clearance
    # that waited for a second analyst) as the approval that made it effective states it.
    promises: dict[int, tuple[AuditRecord, Any]] = {}
    for rec in sorted(records.values(), key=lambda r: r.seq):
        decision_id = rec.payload.get("decision")
        if rec.action == "alert.reject" or decision_id is None:
            continue
        if rec.payload.get("suppression") is not None or decision_id not in promises:
            promises[decision_id] = (rec, rec.payload.get("suppression"))
    seen: set[int] = set()
    for kept in stored_decisions.all_suppressions(engine):
        decision = rows.get(kept.decision_id)
        if decision is None or decision.audit_seq is None:
            continue  # made before the linkage: not covered
        rec, promised = promises.get(kept.decision_id, (records[decision.audit_seq], None))
        actual = {
            "counterparty_id": kept.counterparty_id,
            "entry_id": kept.entry_id,
            "entry_state_hash": kept.entry_state_hash,
            "counterparty_hash": kept.counterparty_hash,
            "expires_at": _iso(kept.expires_at),
        }
        if promised != actual or kept.decision_id in seen:
            raise _Broken(
                rec.seq,
                f"suppression {kept.id} is not the one decision {kept.decision_id} made "
                f"(audit record {rec.seq}): it was added or changed outside exportscreen",
            )
        seen.add(kept.decision_id)
    for decision_id, (rec, promised) in promises.items():
        if promised is not None and decision_id not in seen:
            raise _Broken(
                rec.seq,
                f"the suppression decision {decision_id} made (audit record {rec.seq}) was deleted",
            )
