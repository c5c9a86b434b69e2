"""One party's hits across lists, grouped: Huawei Technologies on the Entity List and on OFAC's
CMIC list, Rosneft Trading on the SDN and SSI lists and the Entity List.

Two hits are taken for the same party when OFAC numbers both records with the same ``ent_num``
(OFAC's record number names a party across its SDN and non-SDN lists), or when their names have
the same identity key (``store.party_keys``, the key that links a party's records across versions
of a list: legal forms, case and punctuation aside) or one's name is the other's alias, the
countries they state agree and their types are the same. Named affiliates ("listed in the entry
for ...") stay parties of their own. A group says why its hits were put together; it never
hides a hit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from exportscreen.lists import LISTS
from exportscreen.model import Entry, EntryType, Hit
from exportscreen.store.party_keys import alias_keys, countriesagree, primary_keys

SAME_OFAC_RECORD = "the same OFAC record number"
SAME_NAME = "the same name and country"
ALIAS_NAME = "one's name among the other's aliases, in the same country"


@dataclass(frozen=True, slots=True)
class PartyGroup:
    """Hits taken for one party, best first, and why they were grouped."""

    hits: tuple[Hit, ...]
    reasons: tuple[str, ...]

    @property
    def best(self) -> Hit:
        return self.hits[0]

    @property
    def score(self) -> float:
        return self.best.score


def _ofac_number(entry: Entry) -> str:
    return entry.source_id if LISTS[entry.list].csl.ofac_numbered and entry.source_id else ""


def _same_party(a: Entry, b: Entry, keys: dict[str, set[str]]) -> str:
    """Why ``a`` and ``b`` are one party, or "" when nothing says so."""
    if a.id == b.id:
        return ""
    number = _ofac_number(a)
    if number and number == _ofac_number(b):
        return SAME_OFAC_RECORD
    if a.details.get("parent_id") == b.id or b.details.get("parent_id") == a.id:
        return ""  # a named affiliate is a party of its own
    if a.type != b.type or a.type is EntryType.ADDRESS_ONLY or not countriesagree(a, b):
        return ""
    own_a, own_b = keys[a.id], keys[b.id]
    if own_a & own_b:
        return SAME_NAME
    if own_a & alias_keys(b) or own_b & alias_keys(a):
        return ALIAS_NAME
    return ""


def group_by_party(hits: Sequence[Hit]) -> list[PartyGroup]:
    """``hits`` grouped by party, the groups in the order of their best hit (``hits`` are
    best first, as a screener gives them)."""
    keys = {h.entry.id: primary_keys(h.entry) for h in hits}
    parent = list(range(len(hits)))
    reasons: dict[int, set[str]] = {}
    ids: dict[int, set[str]] = {i: {h.entry.id} for i, h in enumerate(hits)}
    parents: dict[int, set[str]] = {
        i: {h.entry.details["parent_id"]} if h.entry.details.get("parent_id") else set()
        for i, h in enumerate(hits)
    }

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(hits):
        for j in range(i):
            why = _same_party(a.entry, hits[j].entry, keys)
            ri, rj = root(i), root(j)
            if not why or ri == rj:
                if why:
                    reasons.setdefault(ri, set()).add(why)
                continue
            if parents[ri] & ids[rj] or parents[rj] & ids[ri]:
                continue  # never an affiliate in its parent's group, however alike the names
            low, high = min(ri, rj), max(ri, rj)
            parent[high] = low
            ids[low] |= ids.pop(high)
            parents[low] |= parents.pop(high)
            reasons.setdefault(low, set()).update(reasons.pop(high, set()))
            reasons[low].add(why)
    members: dict[int, list[Hit]] = {}
    for i, hit in enumerate(hits):
        members.setdefault(root(i), []).append(hit)
    return [
        PartyGroup(tuple(group), tuple(sorted(reasons.get(first, ()))))
        for first, group in sorted(members.items())
    ]


__all__ = ["ALIAS_NAME", "SAME_NAME", "SAME_OFAC_RECORD", "PartyGroup", "group_by_party"]
