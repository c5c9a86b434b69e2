"""Re-screening the counterparty register when a list changes, against the changed entries only.

After a list update, the entries added and changed since the register's last screening (the
*delta*, from the store's version diff) are the only ones that can raise new alerts on
counterparties that were already screened. The delta re-screen filter (``matching.delta_filter``)
picks out the counterparties a full screen could give a hit on a delta name, from a *signature*
per counterparty (``matching.signature``); those are screened with the full new screener through
``Register.screen(only_entries=...)``, so alerts, suppressions, the hit limit and the audit trail
behave exactly as in a full screen. Counterparties added or edited since the last screening are
screened against every entry, and alerts on entries no longer listed are closed.

Signatures are cached in memory and in the database (``casework.signatures``). A re-screen is a
job with a persisted cursor (``store.rescreen_jobs``): a killed one resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.register import JobPart, Register, ScreeningRun, Unscreened
from exportscreen.casework.signatures import (
    DATA_KEY,
    SignatureCache,
    StoredParty,
    SyncStats,
    load_data,
    load_parties,
    register_state,
    save_signatures,
    signature_version,
    stored_signature,
)
from exportscreen.matching.delta_filter import FilterResult, delta_names
from exportscreen.model import EntryChange, ListCode, to_json_data
from exportscreen.screening.screener import Screener
from exportscreen.store import Store, StoreError, audit_log, rescreen_jobs
from exportscreen.store import counterparties as stored_parties

__all__ = [  # the signature cache's names, re-exported: callers know them from here
    "DATA_KEY",
    "SignatureCache",
    "StoredParty",
    "SyncStats",
    "load_data",
    "load_parties",
    "register_state",
    "rescreen",
    "save_signatures",
    "signature_version",
    "stored_signature",
]

SCREEN_ACTIONS = ("register.screen", "register.rescreen")
RESCREEN_ACTION = "register.rescreen"  # a re-screen job, complete
START_ACTION = "register.rescreen_start"  # a job planned; its parts follow as register.screen
RESUME_ACTION = "register.rescreen_resume"  # an interrupted job taken up again at its cursor
SUPERSEDED_ACTION = "register.rescreen_superseded"  # an interrupted job replaced by a new one
# Counterparties screened per Register.screen call: keeps the SQL ``IN`` list well below the
# bound-parameter limits of SQLite and PostgreSQL drivers.
SCREEN_CHUNK = 10_000


# --- the delta ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListDelta:
    """How one list moved between the version last screened and the current one."""

    list: ListCode
    from_version: int | None  # None: the list was not screened before (all entries are new)
    to_version: int
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list.value,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
        }


@dataclass(frozen=True, slots=True)
class LastScreening:
    versions: dict[ListCode, int]  # the list versions the register was screened against
    at: datetime  # when (the audit record's time)


def last_screening(register: Register) -> LastScreening | None:
    """The register's latest full screening or re-screening, None if it was never screened.

    A ``register.screen`` that is a part of a re-screen job, or limited to some entries, is no
    screening of the whole lists: it is skipped, so an interrupted re-screen is never taken for
    a finished one. A complete re-screen counts from when it was planned (``screened_as_of``):
    a counterparty edited while it ran is screened again next time."""
    with closing(audit_log.latest_of(register.engine, SCREEN_ACTIONS)) as newest_first:
        for rec in newest_first:
            payload = rec.payload
            if rec.action == "register.screen" and (
                payload.get("only_entries") is not None or payload.get("rescreen_job") is not None
            ):
                continue
            versions = payload.get("list_versions") or {}
            as_of = payload.get("screened_as_of")
            return LastScreening(
                {ListCode(code): int(number) for code, number in versions.items()},
                datetime.fromisoformat(as_of) if isinstance(as_of, str) else rec.created_at,
            )
    return None


def changed_since(register: Register, when: datetime | None) -> list[str]:
    """External ids of the counterparties added or edited since ``when`` (all when None)."""
    return stored_parties.changed_since(register.engine, when)


def list_deltas(
    store: Store, from_versions: Mapping[ListCode, int], to_versions: Mapping[ListCode, int]
) -> list[ListDelta]:
    """Per list, the entries added, changed and removed from one set of versions to another."""
    deltas: list[ListDelta] = []
    for code in sorted(to_versions, key=lambda c: list(ListCode).index(c)):
        before, after = from_versions.get(code), to_versions[code]
        if before == after:
            deltas.append(ListDelta(code, before, after))
            continue
        if before is None:
            added = tuple(e.id for e in store.entries(code, version_id=after))
            deltas.append(ListDelta(code, None, after, added=added))
            continue
        diff = store.diff(code, before, after)
        added = _ids(diff.added)
        new = frozenset(added)
        deltas.append(
            ListDelta(
                code,
                before,
                after,
                added=added,
                # Every other record to look at again (changed, undecided, merged into), so that
                # identity linking's sections hide nothing from the re-screen.
                changed=tuple(i for i in diff.to_screen if i not in new),
                removed=diff.gone,
            )
        )
    return deltas


def _ids(changes: Sequence[EntryChange]) -> tuple[str, ...]:
    return tuple(change.entry_id for change in changes)


# --- the re-screen --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CounterpartyHit:
    """A new alert the re-screen raised."""

    alert_id: int
    external_id: str
    counterparty: str
    entry_id: str
    list: ListCode
    entry_name: str
    matched_name: str
    score: float


@dataclass
class RescreenReport:
    """What changed since the last screening (or ``since``) and which counterparties it hits."""

    since: date | None
    lists: list[ListDelta]
    counterparties: int  # in the register
    screened: int  # passed the filter and were screened against the delta
    fresh: int = 0  # added or edited since the last screening: screened against every entry
    # How the filter narrowed the register (see FilterResult).
    reached: int = 0
    within_reach: int = 0
    hits: list[CounterpartyHit] = field(default_factory=list)
    alerts_raised: list[int] = field(default_factory=list)
    alerts_closed: list[int] = field(default_factory=list)
    already_open: int = 0
    suppressed: int = 0
    unscreened: list[Unscreened] = field(default_factory=list)  # could not be screened: why
    cache: SyncStats = field(default_factory=SyncStats)

    @property
    def from_versions(self) -> dict[ListCode, int | None]:
        return {d.list: d.from_version for d in self.lists}

    @property
    def to_versions(self) -> dict[ListCode, int]:
        return {d.list: d.to_version for d in self.lists}

    def lines(self) -> list[str]:
        """The report as text: what changed since when, and which counterparties it hits."""
        since = f"since {self.since.isoformat()}" if self.since else "since the last screening"
        moved = [d for d in self.lists if d.from_version != d.to_version]
        result = [f"Changes {since}: " + ("none" if not moved else f"{len(moved)} list(s)")]
        for d in moved:
            start = f"version {d.from_version}" if d.from_version is not None else "nothing"
            result.append(
                f"  {d.list.value} ({start} -> version {d.to_version}): {len(d.added)} added, "
                f"{len(d.changed)} changed, {len(d.removed)} removed"
            )
        result.append(
            f"Screened {self.screened} of {self.counterparties} counterparties: "
            f"{len(self.alerts_raised)} alert(s) raised, {len(self.alerts_closed)} closed "
            "(entry removed)"
        )
        if self.fresh:
            result.append(f"Screened {self.fresh} new or edited counterparties against every entry")
        for party in self.unscreened:
            result.append(f"  NOT SCREENED {party.external_id} {party.name!r}: {party.reason}")
        for hit in sorted(self.hits, key=lambda h: (h.external_id, -h.score, h.entry_id)):
            result.append(
                f"  {hit.external_id} {hit.counterparty!r} -> {hit.entry_id} "
                f"{hit.entry_name!r} ({hit.list.value}) score {hit.score:.2f}, "
                f"matched {hit.matched_name!r}, alert {hit.alert_id}"
            )
        return result

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "from_versions": {c.value: v for c, v in self.from_versions.items()},
            "to_versions": {c.value: v for c, v in self.to_versions.items()},
            "lists": [d.to_dict() for d in self.lists],
            "counterparties": self.counterparties,
            "reached": self.reached,
            "within_reach": self.within_reach,
            "screened": self.screened,
            "fresh": self.fresh,
            "hits": [to_json_data(h) for h in self.hits],
            "alerts_raised": list(self.alerts_raised),
            "alerts_closed": list(self.alerts_closed),
            "already_open": self.already_open,
            "suppressed": self.suppressed,
            "unscreened": [to_json_data(u) for u in self.unscreened],
            "signature_cache": to_json_data(self.cache),
        }


def _check_screener(store: Store, screener: Screener) -> dict[ListCode, int]:
    """The current versions, after making sure the screener was built from them: a delta taken
    against other lists than the screener holds would miss or invent changes."""
    current = store.lists()
    versions = {s.list: s.version_id for s in current}
    if screener.version_ids and screener.version_ids != versions:
        raise ValueError(
            "the screener was built from other list versions than the store's current ones "
            f"({_shown(screener.version_ids)} vs {_shown(versions)}): rebuild it"
        )
    expected = sum(s.entry_count for s in current)
    if len(screener) != expected:
        raise ValueError(
            f"the screener holds {len(screener)} entries, the current lists {expected}: "
            "rebuild it from the store"
        )
    return versions


def _shown(versions: Mapping[ListCode, int]) -> str:
    return ", ".join(f"{c.value} {v}" for c, v in sorted(versions.items()))


def _since_versions(
    store: Store,
    last: LastScreening | None,
    since: date | Mapping[ListCode, int] | None,
    current: Mapping[ListCode, int],
) -> dict[ListCode, int]:
    if since is None:
        if last is None:
            raise StoreError(
                "the register was never screened: run a full screening first, or give a date"
            )
        return last.versions
    if isinstance(since, date):
        versions: dict[ListCode, int] = {}
        for code in current:
            version = store.version_at(code, since)
            if version is not None:
                versions[code] = version.id
        return versions
    return {ListCode(code): int(number) for code, number in since.items()}


def rescreen(
    store: Store,
    register: Register,
    screener: Screener,
    *,
    since: date | Mapping[ListCode, int] | None = None,
    cache: SignatureCache | None = None,
    chunk: int = SCREEN_CHUNK,
) -> RescreenReport:
    """Screen the register against the entries added or changed since the last screening (or
    since ``since``: a date, the versions in force then; or list versions by id), raise alerts
    for the new pairs and close alerts on entries no longer listed. Counterparties added or
    edited since the last screening were never screened as they are: they are screened against
    every entry, as a full re-screen would.

    A re-screen is a job (``store.rescreen_jobs``): its plan (which counterparties, against
    which entries) is stored before any is screened, and each part of ``chunk`` counterparties
    moves the job's cursor in the transaction that writes its alerts. A re-screen interrupted
    (killed, crashed) resumes at its cursor on the next call for the same list versions, so
    every counterparty of the plan is screened once; only then is it recorded as complete.

    ``screener`` must hold the store's current lists. Pass the same ``cache`` from one call to the
    next to skip re-reading signatures; without one, they are read from the database.
    """
    current = _check_screener(store, screener)
    last = last_screening(register)
    from_versions = _since_versions(store, last, since, current)
    job = _resumable(register, from_versions, current)
    stats = SyncStats()
    if job is None:
        cache = (
            cache if cache is not None else SignatureCache(signature_version(screener.algorithm))
        )
        stats = cache.sync(register)
        job = _plan(store, register, screener, cache, since, last, from_versions, current)
    job = _run_parts(register, screener, job, chunk)
    return _complete(register, screener, job, stats)


def _plain_versions(versions: Mapping[ListCode, int]) -> dict[str, int]:
    return {c.value: v for c, v in versions.items()}


def _resumable(
    register: Register, from_versions: Mapping[ListCode, int], current: Mapping[ListCode, int]
) -> rescreen_jobs.RescreenJob | None:
    """The unfinished job to resume: one for the same versions. One for other versions (the
    lists moved on while it was stopped) is superseded: the new job starts from the last
    complete screening, before it, so it covers what the old one would have."""
    job = rescreen_jobs.running(register.engine)
    if job is None:
        return None
    same = dict(job.from_versions) == _plain_versions(from_versions) and dict(
        job.to_versions
    ) == _plain_versions(current)
    with audit.writing(register.engine) as conn:
        if same:
            rescreen_jobs.mark_resumed(conn, job.id)
            action, note = RESUME_ACTION, "interrupted; resuming at its cursor"
        else:
            rescreen_jobs.finish(conn, job.id, "superseded")
            action, note = SUPERSEDED_ACTION, "interrupted; the lists changed since: superseded"
        audit.record(
            conn,
            register.actor,
            action,
            {"job": job.id, "done": job.done, "total": job.total, "complete": False, "note": note},
        )
    return rescreen_jobs.load(register.engine, job.id) if same else None


def _plan(
    store: Store,
    register: Register,
    screener: Screener,
    cache: SignatureCache,
    since: date | Mapping[ListCode, int] | None,
    last: LastScreening | None,
    from_versions: Mapping[ListCode, int],
    current: Mapping[ListCode, int],
) -> rescreen_jobs.RescreenJob:
    """Work out whom to screen against what, and store it as a new job."""
    deltas = list_deltas(store, from_versions, current)
    # The screener's own index: the filter must see exactly the vocabulary and keys the
    # screener's candidates come from.
    index = screener.index
    delta_ids = {e for d in deltas for e in (*d.added, *d.changed)}
    closed = register.close_removed(set(index.entry_ids))
    filtered = FilterResult(frozenset(), 0, 0)
    if delta_ids:
        filtered = cache.filter(index, delta_names(index, delta_ids), register.threshold)
    # Taken before reading the register: an edit made from now on is picked up next time.
    planned_at = datetime.now(UTC)
    fresh = changed_since(register, last.at if last is not None else None)
    passing = sorted(filtered.passing - set(fresh))
    plan = {
        "since": since.isoformat() if isinstance(since, date) else None,
        "deltas": [
            {
                "list": d.list.value,
                "from_version": d.from_version,
                "to_version": d.to_version,
                "added": list(d.added),
                "changed": list(d.changed),
                "removed": list(d.removed),
            }
            for d in deltas
        ],
        "only_entries": sorted(delta_ids),
        # Screened against the delta first, then the fresh ones against every entry.
        "delta_part": passing,
        "fresh_part": fresh,
        "alerts_closed": closed,
        "counterparties": len(cache),
        "reached": filtered.reached,
        "within_reach": filtered.within_reach,
        "screened_as_of": planned_at.isoformat(),
    }
    totals = {"screened": 0, "fresh": 0, "alerts_raised": [], "already_open": 0, "suppressed": 0}
    with audit.writing(register.engine) as conn:
        job = rescreen_jobs.create(
            conn,
            actor=register.actor,
            from_versions=_plain_versions(from_versions),
            to_versions=_plain_versions(current),
            plan=plan,
            total=len(passing) + len(fresh),
            totals=totals,
        )
        audit.record(
            conn,
            register.actor,
            START_ACTION,
            {
                "job": job.id,
                "from_versions": job.from_versions,
                "to_versions": job.to_versions,
                "delta_part": len(passing),
                "fresh_part": len(fresh),
                "total": job.total,
                "complete": False,
            },
        )
    return job


def _run_parts(
    register: Register, screener: Screener, job: rescreen_jobs.RescreenJob, chunk: int
) -> rescreen_jobs.RescreenJob:
    """Screen the plan from the job's cursor to its end, a part at a time."""
    delta_part: list[str] = list(job.plan["delta_part"])
    fresh_part: list[str] = list(job.plan["fresh_part"])
    only_entries = set(job.plan["only_entries"])
    while job.status == "running" and job.done < job.total:
        start = job.done
        # A part never mixes the delta counterparties with the fresh ones.
        if start < len(delta_part):
            end = min(start + chunk, len(delta_part))
            ids, only = delta_part[start:end], only_entries
        else:
            end = min(start + chunk, job.total)
            ids = fresh_part[start - len(delta_part) : end - len(delta_part)]
            only = None
        in_delta = only is not None

        def totals(
            run: ScreeningRun, before: Mapping[str, Any] = job.totals, in_delta: bool = in_delta
        ) -> dict[str, Any]:
            return {
                "screened": before["screened"] + (run.screened if in_delta else 0),
                "fresh": before["fresh"] + (0 if in_delta else run.screened),
                "alerts_raised": [*before["alerts_raised"], *run.raised],
                "already_open": before["already_open"] + run.already_open,
                "suppressed": before["suppressed"] + run.suppressed,
                # Parties whose names cannot be screened: reported, never cleared.
                "unscreened": [
                    *before.get("unscreened", ()),
                    *(to_json_data(u) for u in run.unscreened),
                ],
            }

        # CursorMoved: another process screened this part; carry on from where it left it.
        with suppress(rescreen_jobs.CursorMoved):
            register.screen(
                screener,
                external_ids=ids,
                only_entries=only,
                part=JobPart(job.id, start, end, totals),
            )
        reloaded = rescreen_jobs.load(register.engine, job.id)
        assert reloaded is not None
        job = reloaded
    if job.status == "superseded":
        raise StoreError(
            f"re-screen job {job.id} was superseded by a re-screen against newer lists"
        )
    return job


def _complete(
    register: Register, screener: Screener, job: rescreen_jobs.RescreenJob, stats: SyncStats
) -> RescreenReport:
    """Record the job as complete (once, whichever process finished it) and report on it."""
    plan, totals = job.plan, job.totals
    deltas = [
        ListDelta(
            ListCode(d["list"]),
            d["from_version"],
            d["to_version"],
            added=tuple(d["added"]),
            changed=tuple(d["changed"]),
            removed=tuple(d["removed"]),
        )
        for d in plan["deltas"]
    ]
    since = date.fromisoformat(plan["since"]) if plan["since"] else None
    report = RescreenReport(
        since=since,
        lists=deltas,
        counterparties=plan["counterparties"],
        screened=totals["screened"],
        fresh=totals["fresh"],
        reached=plan["reached"],
        within_reach=plan["within_reach"],
        alerts_raised=list(totals["alerts_raised"]),
        alerts_closed=list(plan["alerts_closed"]),
        already_open=totals["already_open"],
        suppressed=totals["suppressed"],
        unscreened=[Unscreened(**u) for u in totals.get("unscreened", ())],
        cache=stats,
    )
    with audit.writing(register.engine) as conn:
        if rescreen_jobs.finish(conn, job.id, "complete"):
            audit.record(
                conn,
                register.actor,
                RESCREEN_ACTION,
                {
                    "job": job.id,
                    "complete": True,
                    "resumed": job.resumed,
                    "since": report.since,
                    "from_versions": dict(job.from_versions),
                    # The same field as a full screening's record: the next re-screen starts here.
                    "list_versions": dict(job.to_versions),
                    "screened_as_of": plan["screened_as_of"],
                    "delta": [d.to_dict() for d in deltas],
                    "counterparties_considered": report.counterparties,
                    "counterparties_reached": report.reached,
                    "counterparties_within_reach": report.within_reach,
                    "counterparties_screened": report.screened,
                    "counterparties_fresh": report.fresh,
                    "alerts_raised": report.alerts_raised,
                    "alerts_closed": report.alerts_closed,
                    "already_open": report.already_open,
                    "suppressed": report.suppressed,
                    "unscreened": [to_json_data(u) for u in report.unscreened],
                },
            )
    for alert_id in report.alerts_raised:
        alert = register.alert(alert_id)
        entry = screener.entry(alert.entry_id) if alert else None
        if alert is None or entry is None:
            continue
        report.hits.append(
            CounterpartyHit(
                alert_id,
                alert.counterparty.external_id,
                alert.counterparty.name,
                entry.id,
                entry.list,
                entry.name,
                alert.matched_name,
                alert.score,
            )
        )
    return report
