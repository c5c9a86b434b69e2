"""Re-screening the counterparty register when a list changes, against the changed entries only.

After a list update, the entries added and changed since the register's last screening (the
*delta*, from the store's version diff) are the only ones that can raise new alerts on
counterparties that were already screened. The delta re-screen filter (``matching.delta_filter``)
picks out the counterparties a full screen could give a hit on a delta name, from a *signature*
per counterparty (``matching.signature``); those are screened with the full new screener through
``Register.screen(only_entries=...)``, so alerts, suppressions, the hit limit and the audit trail
behave exactly as in a full screen. Counterparties added or edited since the last screening are
screened against every entry, and alerts on entries no longer listed are closed.

Signatures are cached in memory (``SignatureCache``) and in the ``counterparties.data`` column,
so a restarted process does not analyse the whole register again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.register import Counterparty, Register, Unscreened
from exportscreen.matching.delta_filter import DeltaNames, FilterResult, InvertedMaps, delta_names
from exportscreen.matching.index import MatchIndex
from exportscreen.matching.signature import SIGNATURE_FORMAT, Signature, signature
from exportscreen.model import EntryChange, ListCode, to_json_data
from exportscreen.screening.screener import REACH_MARGIN, Screener
from exportscreen.store import Store, StoreError, audit_log
from exportscreen.store import counterparties as stored_parties

# Where the signature lives inside ``counterparties.data``.
DATA_KEY = "rescreen_signature"
SCREEN_ACTIONS = ("register.screen", "register.rescreen")
RESCREEN_ACTION = "register.rescreen"
# Counterparties screened per Register.screen call: keeps the SQL ``IN`` list well below the
# bound-parameter limits of SQLite and PostgreSQL drivers.
SCREEN_CHUNK = 10_000


def signature_version(screener_algorithm: str) -> str:
    """The key stored signatures are valid under: the matcher's algorithm, the matcher's code
    (so that a change to name analysis never leaves stale signatures trusted) and this format."""
    from exportscreen.screening.index_cache import code_fingerprint

    return f"{screener_algorithm}+{code_fingerprint()}+signature/{SIGNATURE_FORMAT}"


# --- stored signatures ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredParty:
    """A counterparty row as the cache needs it."""

    row_id: int
    party: Counterparty
    data: Mapping[str, Any]


def load_parties(register: Register, *, with_data: bool = True) -> list[StoredParty]:
    """Every counterparty, with its ``data`` column (which holds any stored signature) unless
    ``with_data`` is False (a warm cache only needs to see which counterparties changed)."""
    return [
        StoredParty(r.id, Counterparty(r.external_id, r.name, r.country, r.type, r.address), r.data)
        for r in stored_parties.rows(register.engine, with_data=with_data)
    ]


def load_data(register: Register, row_ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
    """The ``data`` column of some counterparties, by row id."""
    return stored_parties.data_of(register.engine, row_ids, chunk=SCREEN_CHUNK)


def stored_signature(data: Mapping[str, Any], version: str, party_hash: str) -> Signature | None:
    """The signature kept in a ``data`` column, None when absent or made for another algorithm
    or another state of the counterparty."""
    kept = data.get(DATA_KEY)
    if not isinstance(kept, Mapping):
        return None
    if kept.get("version") != version or kept.get("hash") != party_hash:
        return None
    try:
        return Signature.from_json(kept)
    except (KeyError, TypeError, ValueError):
        return None  # a damaged cache entry is recomputed, never trusted


def save_signatures(
    register: Register, items: Iterable[tuple[StoredParty, Signature]], version: str
) -> int:
    """Write signatures into ``counterparties.data`` in one transaction; returns rows written.

    A row whose name, country, type or address changed since it was read is left alone: the
    signature would not be its own, and the next sync recomputes it."""
    updates = [
        stored_parties.SignatureUpdate(
            row_id=stored.row_id,
            seen_name=stored.party.name,
            seen_country=stored.party.country,
            seen_type=stored.party.type,
            seen_address=stored.party.address,
            data={
                **stored.data,
                DATA_KEY: {
                    "version": version,
                    "hash": stored.party.state_hash(),
                    **found.to_json(),
                },
            },
        )
        for stored, found in items
    ]
    return stored_parties.save_data_if_unchanged(register.engine, updates)


# --- the cache and its inverted maps ------------------------------------------------------


@dataclass
class SyncStats:
    kept: int = 0  # already in memory and current
    loaded: int = 0  # read from the database
    computed: int = 0  # analysed now (new or changed counterparties)
    written: int = 0  # written back to the database
    dropped: int = 0  # no longer in the register


def register_state(register: Register) -> tuple[Any, ...]:
    """What changes whenever a counterparty is added or edited (the register has no deletion):
    the row count, the highest id and the latest update time."""
    return stored_parties.state(register.engine)


class SignatureCache:
    """Signatures of the register's counterparties and maps from their keys back to them.

    ``sync`` brings the cache in line with the register (loading stored signatures, computing
    missing ones and writing them back); ``filter`` answers which counterparties a screener could
    give a hit on some delta names.
    """

    def __init__(self, version: str):
        self.version = version
        self._signatures: dict[str, _Cached] = {}  # by external id
        self._persisted: set[str] = set()  # external ids whose stored signature is current
        self._maps: InvertedMaps | None = None
        # (rows, highest id, latest update) of the register when the cache was last in line
        # with it and every signature was stored: unchanged, a sync need not read the rows.
        self._settled_at: tuple[Any, ...] | None = None

    def __len__(self) -> int:
        return len(self._signatures)

    def sync(self, register: Register, *, persist: bool = True) -> SyncStats:
        """Bring the cache in line with the register: keep what is current, load stored
        signatures, analyse the rest, and (``persist``) store what was not stored yet."""
        stats = SyncStats()
        # Taken before reading, so that an edit made while this sync runs changes the next one.
        state = register_state(register)
        if state == self._settled_at:
            stats.kept = len(self._signatures)
            return stats
        parties = load_parties(register, with_data=False)
        unsettled: list[StoredParty] = []
        for stored in parties:
            cached = self._signatures.get(stored.party.external_id)
            current = cached is not None and cached.party == stored.party
            if current and stored.party.external_id in self._persisted:
                stats.kept += 1
            else:
                unsettled.append(stored)
        data = load_data(register, [s.row_id for s in unsettled]) if unsettled else {}
        to_write: list[tuple[StoredParty, Signature]] = []
        for bare in unsettled:
            stored = replace(bare, data=data.get(bare.row_id, {}))
            party_id, party_hash = stored.party.external_id, stored.party.state_hash()
            found = stored_signature(stored.data, self.version, party_hash)
            if found is not None:
                stats.loaded += 1
                self._persisted.add(party_id)
            else:
                cached = self._signatures.get(party_id)
                if cached is not None and cached.party == stored.party:
                    found = cached.signature
                    stats.kept += 1
                else:
                    found = signature(stored.party.name)
                    stats.computed += 1
                self._persisted.discard(party_id)
                to_write.append((stored, found))
            self._signatures[party_id] = _Cached(stored.party, found)
            self._maps = None
        present = {s.party.external_id for s in parties}
        for gone in set(self._signatures) - present:
            del self._signatures[gone]
            self._persisted.discard(gone)
            stats.dropped += 1
            self._maps = None
        if persist and to_write:
            stats.written = save_signatures(register, to_write, self.version)
            # Rows edited meanwhile were not written; they stay unpersisted and are redone.
            if stats.written == len(to_write):
                self._persisted.update(s.party.external_id for s, _ in to_write)
        if len(self._persisted) == len(self._signatures) or not persist:
            self._settled_at = state
        return stats

    def maps(self) -> InvertedMaps:
        """The inverted maps, rebuilt after the cache changed."""
        if self._maps is None:
            self._maps = InvertedMaps.build(
                (party_id, cached.party.name, cached.signature)
                for party_id, cached in self._signatures.items()
            )
        return self._maps

    def filter(self, index: MatchIndex, delta: DeltaNames, threshold: float) -> FilterResult:
        """The counterparties a screener on ``index`` could give a hit on a delta name scoring
        at least ``threshold`` (see ``FilterResult``): ``Screener.screen`` aligns only the
        candidates whose bound reaches ``threshold - REACH_MARGIN``."""
        return self.maps().filter(index, delta, threshold, threshold - REACH_MARGIN)


class _Cached(NamedTuple):
    party: Counterparty  # as the signature was made for it
    signature: Signature


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

    A ``register.screen`` limited to some entries is a part of a re-screen (see ``rescreen``),
    not a screening of the whole lists: it is skipped, so a re-screen interrupted between its
    parts starts again from the versions before it."""
    with closing(audit_log.latest_of(register.engine, SCREEN_ACTIONS)) as newest_first:
        for rec in newest_first:
            if rec.action == "register.screen" and rec.payload.get("only_entries") is not None:
                continue
            versions = rec.payload.get("list_versions") or {}
            return LastScreening(
                {ListCode(code): int(number) for code, number in versions.items()}, rec.created_at
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
        deltas.append(
            ListDelta(
                code,
                before,
                after,
                added=_ids(diff.added),
                changed=_ids(diff.changed),
                removed=_ids(diff.removed),
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
) -> RescreenReport:
    """Screen the register against the entries added or changed since the last screening (or
    since ``since``: a date, the versions in force then; or list versions by id), raise alerts
    for the new pairs and close alerts on entries no longer listed. Counterparties added or
    edited since the last screening were never screened as they are: they are screened against
    every entry, as a full re-screen would.

    ``screener`` must hold the store's current lists. Pass the same ``cache`` from one call to the
    next to skip re-reading signatures; without one, they are read from the database.
    """
    current = _check_screener(store, screener)
    last = last_screening(register)
    from_versions = _since_versions(store, last, since, current)
    deltas = list_deltas(store, from_versions, current)
    # The screener's own index: the filter must see exactly the vocabulary and keys the
    # screener's candidates come from.
    index = screener.index
    delta_ids = {e for d in deltas for e in (*d.added, *d.changed)}

    closed = register.close_removed(set(index.entry_ids))

    cache = cache if cache is not None else SignatureCache(signature_version(screener.algorithm))
    stats = cache.sync(register)
    filtered = FilterResult(frozenset(), 0, 0)
    if delta_ids:
        filtered = cache.filter(index, delta_names(index, delta_ids), register.threshold)
    fresh = changed_since(register, last.at if last is not None else None)
    passing = sorted(filtered.passing - set(fresh))

    report = RescreenReport(
        since=since if isinstance(since, date) else None,
        lists=deltas,
        counterparties=len(cache),
        screened=0,
        reached=filtered.reached,
        within_reach=filtered.within_reach,
        alerts_closed=closed,
        cache=stats,
    )
    for start in range(0, len(passing), SCREEN_CHUNK):
        run = register.screen(
            screener, external_ids=passing[start : start + SCREEN_CHUNK], only_entries=delta_ids
        )
        report.screened += run.screened
        report.unscreened.extend(run.unscreened)
        report.alerts_raised.extend(run.raised)
        report.already_open += run.already_open
        report.suppressed += run.suppressed
    # After the delta part, so that its record (a full screening of these counterparties) never
    # marks an unfinished delta as done.
    for start in range(0, len(fresh), SCREEN_CHUNK):
        run = register.screen(screener, external_ids=fresh[start : start + SCREEN_CHUNK])
        report.fresh += run.screened
        report.unscreened.extend(run.unscreened)
        report.alerts_raised.extend(run.raised)
        report.already_open += run.already_open
        report.suppressed += run.suppressed
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
    audit.append(
        register.engine,
        register.actor,
        RESCREEN_ACTION,
        {
            "since": report.since,
            "from_versions": {c.value: v for c, v in from_versions.items()},
            # The same field as a full screening's record: the next re-screen starts here.
            "list_versions": {c.value: v for c, v in current.items()},
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
    return report
