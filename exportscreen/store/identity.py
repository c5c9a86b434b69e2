"""Party identity across versions and formats: each record of a new list version is linked to the
record of the version before it that names the same party, and takes that record's id.

The loaders give every record a provisional id (``SDN-<ent_num>``, or a hash of list, name and
country for the lists without record numbers). Those hashes break whenever a file spells the
country differently, omits it, or types a party as an individual where another file says entity,
so the store does not take them on trust: a party keeps the id it had when first seen, and a new
record is linked to the previous version's record by, in order,

1. the same id: the source's own number (``SDN-12345``), the provisional id the party was first
   stored under, or one an earlier link decision mapped to a stored id;
2. the same CSL ``_id`` (``source_id``), where both records carry one;
3. the same normalised name (legal forms and punctuation aside), with countries that agree where
   both records state one; the record type (individual / entity) is ignored. Where several
   records share a name, addresses decide;
4. a fuzzy match on names, aliases and addresses (rapidfuzz on the folded text), with a
   confidence. Only a clear, mutual best match above ``ACCEPT`` links; a close second candidate
   or a confidence between ``REVIEW`` and ``ACCEPT`` is *ambiguous*: the record gets a new id and
   the decision is kept for ``exportscreen links --review``. Nothing is guessed silently.

What is left over is new (added) or gone (removed), except that an old record whose name is still
listed under a record already linked to another old record is *merged* into it (BIS printing one
party once per address in one file and once in another), and a second new record of an already
linked name is *split* from it. Every decision other than a plain same-id link is returned so that
the importer can persist it (``entry_links``).

This module is pure: it reads no database. Matching here is deliberately simpler than the
screening matcher (which lives above the store): an id must not change because the matcher did.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from exportscreen.model import Entry
from exportscreen.store.party_keys import (
    Record,
    address_similarity,
    agree,
    candidate_pairs,
    confidence,
    name_key,
)
from exportscreen.text.folding import fold

# A fuzzy link is accepted at this confidence or above (and only as a clear, mutual best match);
# between REVIEW and ACCEPT it is ambiguous and goes to review.
ACCEPT: Final = 0.92
REVIEW: Final = 0.85
# A second candidate within this margin of the best makes a fuzzy link ambiguous.
MARGIN: Final = 0.05
# Words in more than this share of the records compared are generic ("technology", "beijing").
_COMMON_WORD_SHARE: Final = 0.01


class LinkMethod(enum.StrEnum):
    SAME_ID = "same-id"
    SOURCE_ID = "source-id"
    NAME_COUNTRY = "name-country"
    ALIAS = "name-alias"
    FUZZY = "fuzzy"
    MERGED = "merged"  # an old record whose party continues under another record's id
    NAMED_IN = "named-in"  # an old record whose name the new version prints in another's text
    SPLIT = "split"  # a further new record of a party already linked to another new record
    AMBIGUOUS = "ambiguous"  # new id given; a person must decide (links --review)
    # An AMBIGUOUS link a person decided (``link_reviews``); never made by the linker.
    ACCEPTED = "accepted"  # the record continues ``previous_id``: one party under two ids
    REJECTED = "rejected"  # the record is a new party


# What each method means, for analysts reading ``links`` output.
METHOD_LABELS: Final[Mapping[LinkMethod, str]] = {
    LinkMethod.SAME_ID: "same id (the source's own number or the id first given)",
    LinkMethod.SOURCE_ID: "same CSL record id",
    LinkMethod.NAME_COUNTRY: "same name and country",
    LinkMethod.ALIAS: "the name of one is an alias of the other",
    LinkMethod.FUZZY: "names, aliases and addresses match closely",
    LinkMethod.MERGED: "still listed, under another record of the same name",
    LinkMethod.NAMED_IN: "still named, in another entry's text",
    LinkMethod.SPLIT: "a further record of a party already linked",
    LinkMethod.AMBIGUOUS: "could not decide: new id given, to review",
    LinkMethod.ACCEPTED: "undecided, then accepted on review: continues the earlier record",
    LinkMethod.REJECTED: "undecided, then rejected on review: a new party",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    entry_id: str
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class LinkDecision:
    """How one record got its id, or (MERGED) where an old record's party went.

    ``entry_id`` is the id the record carries in the new version (for MERGED: the id of the record
    that continues the party); ``previous_id`` the old record's id (None for a new party)."""

    entry_id: str
    source_key: str  # the loader's provisional id
    name: str
    method: LinkMethod
    confidence: float
    previous_id: str | None = None
    previous_name: str = ""
    candidates: tuple[Candidate, ...] = ()


@dataclass(frozen=True, slots=True)
class Linked:
    entries: list[Entry]  # the new records with their final ids, in the order given
    decisions: list[LinkDecision] = field(default_factory=list)


# --- linking ------------------------------------------------------------------------------------


class _Linker:
    def __init__(
        self,
        previous_ids: Iterable[str],
        open_previous: Sequence[Entry],
        known: Mapping[str, str],
        entries: Sequence[Entry],
    ):
        self.previous_ids = set(previous_ids)
        self.known = known
        self.entries = list(entries)
        places = (
            frozenset(
                w
                for e in (*open_previous, *entries)
                for a in e.addresses
                for w in fold(a.one_line(), compatibility=True).split()
            )
            if open_previous
            else frozenset()
        )
        # The previous records the same-id step may leave open, read from the store.
        self.previous = {e.id: Record.of(e, places) for e in open_previous}
        self.records = [Record.of(e, places) for e in entries] if open_previous else []
        self.final: list[str | None] = [None] * len(self.entries)
        self.decisions: dict[int, LinkDecision] = {}
        self.taken: dict[str, int] = {}  # old id -> index of the new record linked to it
        self.merges: dict[str, tuple[int, LinkMethod, float]] = {}  # old id -> new index

    def link(self, index: int, old_id: str, method: LinkMethod, score: float) -> None:
        entry = self.entries[index]
        self.final[index] = old_id
        self.taken[old_id] = index
        if method is not LinkMethod.SAME_ID:
            old_name = self.previous[old_id].entry.name
            self.decisions[index] = LinkDecision(
                old_id, entry.id, entry.name, method, round(score, 3), old_id, old_name
            )

    def open_new(self) -> list[int]:
        return [i for i, f in enumerate(self.final) if f is None and i not in self.decisions]

    def open_old(self) -> list[Record]:
        return [r for eid, r in self.previous.items() if eid not in self.taken]

    # 1. the same id, directly or through an earlier decision
    def same_ids(self) -> None:
        for index, entry in enumerate(self.entries):
            stored = self.known.get(entry.id, entry.id)
            if stored in self.previous_ids and stored not in self.taken:
                self.link(index, stored, LinkMethod.SAME_ID, 1.0)

    # 2. the CSL's own record id
    def source_ids(self) -> None:
        by_source: dict[str, list[str]] = defaultdict(list)
        for old in self.open_old():
            if old.entry.source_id:
                by_source[old.entry.source_id].append(old.entry.id)
        for index in self.open_new():
            found = by_source.get(self.entries[index].source_id or "\0", [])
            free = [o for o in found if o not in self.taken]
            if len(free) == 1:
                self.link(index, free[0], LinkMethod.SOURCE_ID, 1.0)

    # 3. the same normalised name, countries agreeing
    def same_names(self) -> None:
        by_name: dict[str, list[Record]] = defaultdict(list)
        for old in self.open_old():
            for key in old.keys:
                by_name[key].append(old)
        for index in self.open_new():
            record = self.records[index]
            found = {
                old.entry.id: old
                for key in record.keys
                for old in by_name.get(key, ())
                if old.entry.id not in self.taken and agree(record.countries, old.countries)
            }
            if found:
                best = self._by_address(record, list(found.values()))
                self.link(index, best.entry.id, LinkMethod.NAME_COUNTRY, 1.0)

    # 3b. the name of one is an alias of the other (BIS swapped a name and an alias)
    def aliases(self) -> None:
        by_name: dict[str, list[Record]] = defaultdict(list)
        by_alias: dict[str, list[Record]] = defaultdict(list)
        for old in self.open_old():
            for key in old.keys:
                by_name[key].append(old)
            for key in old.alias_keys:
                by_alias[key].append(old)
        for index in self.open_new():
            record = self.records[index]
            olds = [o for k in record.keys for o in by_alias.get(k, ())]
            olds += [o for k in record.alias_keys for o in by_name.get(k, ())]
            found = {
                o.entry.id: o
                for o in olds
                if o.entry.id not in self.taken and agree(record.countries, o.countries)
            }
            if len(found) == 1:
                (best,) = found.values()
                self.link(index, best.entry.id, LinkMethod.ALIAS, 0.95)
            elif found:
                self.ambiguous(index, [(0.95, o.entry) for o in found.values()])

    def ambiguous(self, index: int, ranked: Sequence[tuple[float, Entry]]) -> None:
        entry = self.entries[index]
        self.decisions[index] = LinkDecision(
            "",  # filled in when new ids are given
            entry.id,
            entry.name,
            LinkMethod.AMBIGUOUS,
            round(ranked[0][0], 3),
            candidates=tuple(Candidate(o.id, o.name, round(s, 3)) for s, o in ranked[:5]),
        )

    def _by_address(self, record: Record, olds: list[Record]) -> Record:
        """Among old records of the same name, the one whose address matches best. Records of
        one name are one party listed more than once, so with no address to tell them apart
        the first as published is taken and the others are merged into it later."""
        if len(olds) == 1:
            return olds[0]
        scored = [(address_similarity(record, o) or 0.0, -n, o) for n, o in enumerate(olds)]
        scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
        return scored[0][2]

    def _common_words(self, records: Iterable[Record]) -> frozenset[str]:
        frequency: Counter[str] = Counter()
        count = 0
        for record in records:
            count += 1
            frequency.update({w for v in record.variants for w in v.split()})
        limit = max(3, int(count * _COMMON_WORD_SHARE))
        return frozenset(w for w, n in frequency.items() if n > limit)

    # 4. fuzzy: names, aliases, addresses
    def fuzzy(self) -> None:
        olds = self.open_old()
        todo = self.open_new()
        if not olds or not todo:
            return
        news = [self.records[i] for i in todo]
        common = self._common_words([*olds, *news])
        pairs = candidate_pairs(news, olds)
        scores: dict[int, list[tuple[float, Record]]] = {}
        for position, index in enumerate(todo):
            ranked = sorted(
                ((confidence(news[position], olds[j], common), olds[j]) for j in pairs[position]),
                key=lambda t: t[0],
                reverse=True,
            )
            scores[index] = [(s, o) for s, o in ranked if s >= REVIEW]
        # The best new record for each old one, to require mutual best matches.
        best_new: dict[str, float] = {}
        for ranked in scores.values():
            for s, o in ranked:
                best_new[o.entry.id] = max(best_new.get(o.entry.id, 0.0), s)
        for index in sorted(scores, key=lambda i: -(scores[i][0][0] if scores[i] else 0.0)):
            ranked = [(s, o) for s, o in scores[index] if o.entry.id not in self.taken]
            if not ranked:
                continue
            top, old = ranked[0]
            close = [(s, o) for s, o in ranked[1:] if s >= top - MARGIN]
            mutual = best_new.get(old.entry.id, 0.0) <= top + 1e-9
            if top >= ACCEPT and not close and mutual:
                self.link(index, old.entry.id, LinkMethod.FUZZY, top)
            else:
                self.ambiguous(index, [(s, o.entry) for s, o in [(top, old), *close]])

    # 5. old records whose party the new version still names, under another record
    def merged(self) -> None:
        olds = self.open_old()
        if not olds or not self.records:
            return
        by_key: dict[str, list[int]] = defaultdict(list)
        for index, record in enumerate(self.records):
            for key in record.variants:
                by_key[key].append(index)
        left: list[Record] = []
        for old in olds:
            # its name as printed first, then its other keys and its aliases
            full = name_key(old.entry.name)
            targets = list(by_key.get(full, ()))
            targets += [i for k in sorted(old.keys - {full}) for i in by_key.get(k, ())]
            targets += [i for k in old.alias_keys for i in by_key.get(k, ())]
            target = next(
                (i for i in targets if agree(old.countries, self.records[i].countries)), None
            )
            if target is not None:
                self.merges[old.entry.id] = (target, LinkMethod.MERGED, 1.0)
            else:
                left.append(old)
        if not left:
            return
        common = self._common_words([*left, *self.records])
        pairs = candidate_pairs(left, self.records)
        texts: list[str] | None = None
        for position, old in enumerate(left):
            ranked = sorted(
                ((confidence(old, self.records[j], common), j) for j in pairs.get(position, ())),
                reverse=True,
            )
            if ranked and ranked[0][0] >= ACCEPT:
                self.merges[old.entry.id] = (ranked[0][1], LinkMethod.MERGED, ranked[0][0])
                continue
            # Named inside another record's text ("CNOOC Limited (a subsidiary of China
            # National Offshore Oil Corporation)"; a subordinate listed in an address): a key
            # of three words or more, found whole.
            keys = [k for k in old.keys if len(k.split()) >= 3]
            if not keys:
                continue
            if texts is None:
                texts = [f" {r.text} " for r in self.records]
            for j, text in enumerate(texts):
                if any(f" {k} " in text for k in keys) and agree(
                    old.countries, self.records[j].countries
                ):
                    self.merges[old.entry.id] = (j, LinkMethod.NAMED_IN, 1.0)
                    break

    # what is left: splits, new parties
    def finish(self) -> Linked:
        linked_keys: dict[str, list[int]] = defaultdict(list)
        if self.records:
            for old_id, index in self.taken.items():
                keys = set(self.records[index].keys)
                if old_id in self.previous:
                    keys |= self.previous[old_id].keys
                for key in keys:
                    linked_keys[key].append(index)
        used = {f for f in self.final if f is not None}
        result: list[Entry] = []
        decisions: list[LinkDecision] = []
        for index, entry in enumerate(self.entries):
            final = self.final[index]
            decision = self.decisions.get(index)
            if final is None:
                final = _unique(entry.id, used)
                used.add(final)
                self.final[index] = final
                if decision is not None:  # ambiguous
                    decision = replace(decision, entry_id=final)
                elif self.records:
                    twin = next(
                        (i for k in self.records[index].keys for i in linked_keys.get(k, ())),
                        None,
                    )
                    if twin is not None:
                        decision = LinkDecision(
                            final,
                            entry.id,
                            entry.name,
                            LinkMethod.SPLIT,
                            1.0,
                            self.final[twin],
                            self.entries[twin].name,
                        )
            if decision is not None:
                decisions.append(decision)
            result.append(entry if entry.id == final else replace(entry, id=final))
        for old_id, (target, method, score) in self.merges.items():
            old = self.previous[old_id].entry
            continued = result[target]
            decisions.append(
                LinkDecision(
                    continued.id, "", continued.name, method, round(score, 3), old.id, old.name
                )
            )
        moved = {e.id: r.id for e, r in zip(self.entries, result, strict=True) if e.id != r.id}
        return Linked(_remap_parents(result, moved), decisions)


def _unique(wanted: str, used: set[str]) -> str:
    if wanted not in used:
        return wanted
    n = 2
    while f"{wanted}-{n}" in used:
        n += 1
    return f"{wanted}-{n}"


def _remap_parents(entries: list[Entry], moved: Mapping[str, str]) -> list[Entry]:
    """Sub-party records name their parent by id (``details["parent_id"]``): follow the parent's
    new id."""
    if not moved:
        return entries
    result = []
    for entry in entries:
        parent = entry.details.get("parent_id")
        if parent and parent in moved:
            entry = replace(entry, details={**entry.details, "parent_id": moved[parent]})
        result.append(entry)
    return result


def link_entries(
    previous_ids: Iterable[str],
    open_previous: Sequence[Entry],
    known: Mapping[str, str],
    entries: Sequence[Entry],
) -> Linked:
    """The new version's records with the ids of the parties they continue.

    ``previous_ids`` are the ids of the version in force before; ``open_previous`` its records
    that the same-id step leaves open (``open_previous_ids``); ``known`` maps provisional ids to
    the stored ids earlier decisions gave them. The order of ``entries`` is kept."""
    linker = _Linker(previous_ids, open_previous, known, entries)
    linker.same_ids()
    if linker.previous:
        linker.source_ids()
        linker.same_names()
        linker.aliases()
        linker.fuzzy()
        linker.merged()
    return linker.finish()


def open_previous_ids(
    previous_ids: Iterable[str], known: Mapping[str, str], entries: Iterable[Entry]
) -> list[str]:
    """The previous records no new record claims by id: the only ones linking must read."""
    claimed = {known.get(e.id, e.id) for e in entries}
    return [i for i in previous_ids if i not in claimed]


__all__ = [
    "ACCEPT",
    "METHOD_LABELS",
    "REVIEW",
    "Candidate",
    "LinkDecision",
    "LinkMethod",
    "Linked",
    "link_entries",
    "open_previous_ids",
]
