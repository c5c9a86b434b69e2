"""Weak-alias marks one publication gives and another adopts (issue 16).

OFAC marks some aliases weak ("weak a.k.a.", in single quotes in the Remarks of its legacy
sdn.csv; ``isLowQuality`` in its XML): broad names such as "MOHAMMED, Ali" that identify a party
only together with other facts. The Consolidated Screening List republishes OFAC's lists with every
alias merged into ``alt_names``, the mark lost, so "Mohammad Ali" alerted on KONY, Ali through his
weak alias. In OpenSanctions' terms the mark is a statement about one value (an alias of one
party) made by one dataset: the CSL's rows keep their own statements, and OFAC's mark is laid over
them, with OFAC's version as its provenance, where the index is built.

An entry adopts a mark when a publication that marks aliases (``AliasMarks``) lists a party of the
same id (the CSL's SDN-<entity_number> is OFAC's SDN-<ent_num>) and gives the same alias weak,
the texts compared folded (case, spacing, punctuation: ``alias_key``). An alias the publication
gives strong (OFAC's alt.csv), or as the primary name, stays strong; an alias it does not list
changes nothing, so an OFAC file older or newer than the CSL marks only the aliases they share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from exportscreen.model import Entry
from exportscreen.text.folding import fold


def alias_key(text: str) -> str:
    """The form two publications' spellings of one alias are compared in: romanised, lower
    case, letters and digits only ("MOHAMMED, Ali" and "Mohammed Ali" are one alias)."""
    return fold(text, compatibility=True)


@dataclass(frozen=True, slots=True)
class AliasMarks:
    """The aliases one publication (one list version) marks weak, and the names it gives
    strong, per party id, by ``alias_key``; ``source`` says which publication, for
    explanations ("OFAC sdn.csv.gz of 2021-07-01, SDN version 10")."""

    source: str
    weak: Mapping[str, frozenset[str]]
    strong: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, entries: Iterable[Entry], source: str) -> AliasMarks:
        """The marks of a publication's entries: only parties with a weak alias are kept."""
        weak: dict[str, frozenset[str]] = {}
        strong: dict[str, frozenset[str]] = {}
        for entry in entries:
            if not entry.weak_aliases:
                continue
            marked = set(entry.weak_aliases)
            given = {alias_key(n) for n in entry.names if n not in marked or n == entry.name}
            weak[entry.id] = frozenset(alias_key(a) for a in marked) - given
            strong[entry.id] = frozenset(given)
        return cls(source, weak, strong)

    def __len__(self) -> int:
        return sum(len(keys) for keys in self.weak.values())


def adopted_weak(entry: Entry, marks: Sequence[AliasMarks]) -> dict[str, str]:
    """The aliases of ``entry`` that ``marks`` make weak beyond those its own list marks, each
    with the source of the mark. The first publication in ``marks`` that lists the party decides
    for it (callers give the most recent first); the primary name is never weak."""
    for found in marks:
        weak = found.weak.get(entry.id)
        if weak is None:
            continue
        strong = found.strong[entry.id]
        own = set(entry.weak_aliases)
        return {
            alias: found.source
            for alias in entry.aliases
            if alias != entry.name
            and alias not in own
            and (key := alias_key(alias)) in weak
            and key not in strong
        }
    return {}


__all__ = ["AliasMarks", "adopted_weak", "alias_key"]
