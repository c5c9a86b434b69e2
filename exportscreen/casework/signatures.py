"""The delta re-screen's signature cache: one name signature per counterparty, kept in memory
(``SignatureCache``) and in the ``counterparties.data`` column, so that a restarted process does
not analyse the whole register again, and the inverted maps the delta filter walks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from exportscreen.casework.register import Counterparty, Register
from exportscreen.matching.delta_filter import DeltaNames, FilterResult, InvertedMaps
from exportscreen.matching.index import MatchIndex
from exportscreen.matching.signature import SIGNATURE_FORMAT, Signature, signature
from exportscreen.screening.screener import candidate_bound
from exportscreen.store import counterparties as stored_parties

# Where the signature lives inside ``counterparties.data``.
DATA_KEY = "rescreen_signature"
# Rows read per query: keeps the SQL ``IN`` list well below the drivers' parameter limits.
READ_CHUNK = 10_000


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
        StoredParty(
            r.id,
            Counterparty(r.external_id, r.name, r.country, r.type, r.address, r.date_of_birth),
            r.data,
        )
        for r in stored_parties.rows(register.engine, with_data=with_data)
    ]


def load_data(register: Register, row_ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
    """The ``data`` column of some counterparties, by row id."""
    return stored_parties.data_of(register.engine, row_ids, chunk=READ_CHUNK)


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

    A row whose name, country, type, address or date of birth changed since it was read is left
    alone: the signature would not be its own, and the next sync recomputes it."""
    updates = [
        stored_parties.SignatureUpdate(
            row_id=stored.row_id,
            seen_name=stored.party.name,
            seen_country=stored.party.country,
            seen_type=stored.party.type,
            seen_address=stored.party.address,
            seen_date_of_birth=stored.party.date_of_birth,
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
        candidates whose bound reaches ``candidate_bound(threshold)``."""
        return self.maps().filter(index, delta, threshold, candidate_bound(threshold))


class _Cached(NamedTuple):
    party: Counterparty  # as the signature was made for it
    signature: Signature
