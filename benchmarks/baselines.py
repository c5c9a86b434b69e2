"""The scorers exportscreen is measured against: nomenklatura's logic-v2 (what yente uses) and
rapidfuzz's WRatio.

Both are pairwise scorers with no index of their own. To compare them with a screener fairly,
they get the benefit of a generous candidate set: the union of the 50 list names closest to the
query by WRatio (over every list name, folded to lower-case ASCII with anyascii, among names
scoring at least ``CANDIDATE_CUTOFF``) and every name of the entry the query should find. An
entry's score is the best over its names. Candidate sets are the slow part (WRatio over ~36,000
names per query), so they are cached on disk beside the benchmark's output.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np
from anyascii import anyascii
from followthemoney import model as ftm_model
from followthemoney.entity import ValueEntity
from nomenklatura.matching import LogicV2
from rapidfuzz import fuzz, process

from exportscreen.matching.alias_marks import AliasMarks, adopted_weak
from exportscreen.model import Entry, EntryType

CANDIDATES = 50
CANDIDATE_CUTOFF = 65  # WRatio below this never made a top-50 in trials; it halves the time
CANDIDATE_NOTE = (
    f"baselines score the union of the top-{CANDIDATES} list names by rapidfuzz WRatio over all "
    f"list names (anyascii-folded, lower case, WRatio >= {CANDIDATE_CUTOFF}) and the expected "
    "entry's names; an entry scores the best of its names"
)


def fold(text: str) -> str:
    return " ".join(anyascii(text).lower().split())


@dataclass(frozen=True, slots=True)
class Scored:
    entry_id: str
    score: float


class PairScorer(Protocol):
    name: str

    def entry_score(self, query: str, kind: EntryType, entry: Entry) -> float: ...

    def pair_score(self, left: str, right: str, schema: str) -> float: ...


class CandidateIndex:
    """Every list name, folded, with the entries that carry it."""

    def __init__(self, entries: Sequence[Entry], cache_dir: Path | None = None) -> None:
        self.entries = {e.id: e for e in entries}
        owners: dict[str, list[str]] = defaultdict(list)
        for entry in entries:
            for name in entry.names:
                folded = fold(name)
                if entry.id not in owners[folded]:
                    owners[folded].append(entry.id)
        self.names = sorted(owners)
        self.owners = [owners[n] for n in self.names]
        digest = hashlib.sha256("\n".join(f"{e.id}\t{'|'.join(e.names)}" for e in entries).encode())
        self._cache_path = (
            cache_dir / f"candidates-{digest.hexdigest()[:16]}.json" if cache_dir else None
        )
        self._cache: dict[str, list[str]] = {}
        if self._cache_path and self._cache_path.exists():
            self._cache = json.loads(self._cache_path.read_text(encoding="utf-8"))

    def prepare(self, queries: Iterable[str], workers: int = 2, chunk: int = 200) -> None:
        """Candidate ids for every query not cached yet, computed in batches on all cores."""
        missing = sorted({fold(q) for q in queries} - set(self._cache))
        for start in range(0, len(missing), chunk):
            batch = missing[start : start + chunk]
            matrix = process.cdist(
                batch,
                self.names,
                scorer=fuzz.WRatio,
                dtype=np.uint8,
                workers=workers,
                score_cutoff=CANDIDATE_CUTOFF,
            )
            for row, query in enumerate(batch):
                scores = matrix[row]
                top = np.argpartition(scores, -CANDIDATES)[-CANDIDATES:]
                top = top[scores[top] > 0]
                top = top[np.argsort(-scores[top], kind="stable")]
                ids = list(dict.fromkeys(i for t in top for i in self.owners[int(t)]))
                self._cache[query] = ids
        if missing and self._cache_path:
            self._cache_path.parent.mkdir(parents=True, exist_ok=True)
            self._cache_path.write_text(json.dumps(self._cache), encoding="utf-8")

    def candidates(self, query: str, expected: str | None) -> list[Entry]:
        folded = fold(query)
        if folded not in self._cache:
            self.prepare([query])
        ids = list(self._cache[folded])
        if expected is not None and expected not in ids:
            ids.append(expected)
        return [self.entries[i] for i in ids]


def screen(
    scorer: PairScorer,
    index: CandidateIndex,
    query: str,
    kind: EntryType,
    expected: str | None,
    limit: int = 10,
) -> list[Scored]:
    """The best ``limit`` candidate entries for a query by a pairwise scorer."""
    scored = [
        Scored(entry.id, scorer.entry_score(query, kind, entry))
        for entry in index.candidates(query, expected)
    ]
    scored.sort(key=lambda s: -s.score)
    return scored[:limit]


class WRatioScorer:
    """rapidfuzz WRatio on anyascii-folded lower-case strings, scaled to 0..1."""

    name = "rapidfuzz-wratio"

    def entry_score(self, query: str, kind: EntryType, entry: Entry) -> float:
        folded = fold(query)
        return max(fuzz.WRatio(folded, fold(n)) for n in entry.names) / 100.0

    def pair_score(self, left: str, right: str, schema: str) -> float:
        return float(fuzz.WRatio(fold(left), fold(right))) / 100.0


_SCHEMAS = {
    EntryType.INDIVIDUAL: "Person",
    EntryType.ENTITY: "Organization",
    EntryType.VESSEL: "Vessel",
    EntryType.AIRCRAFT: "Airplane",
    EntryType.ADDRESS_ONLY: "LegalEntity",
}


# One count for every scorer of a process: logic-v2 caches features by entity id across calls.
_ENTITY_IDS = itertools.count()


def schema_for(kind: EntryType) -> str:
    return _SCHEMAS[kind]


class LogicV2Scorer:
    """nomenklatura's logic-v2 with its default configuration, names only.

    The query entity gets the schema of what it names (Person, Organization...), which lets
    logic-v2 skip entries of another kind: an advantage the screener under test does not get.
    An entry is one entity holding all its names, so logic-v2 itself takes the best name pair.

    An alias the lists mark weak (OFAC's "weak a.k.a.", the UN's "Low" quality: the entry's own
    marks and those ``marks`` lay over the CSL's rows, as the screener under test gets them) is
    given as FollowTheMoney's ``weakAlias``, as OpenSanctions publishes OFAC's weak aliases to
    yente; FtM declares that property not matchable, so logic-v2 does not compare it, as in
    yente. With ``marks=None`` every alias is a plain name (the comparison before session 10).
    """

    name = "nomenklatura-logic-v2"

    def __init__(self, marks: Sequence[AliasMarks] | None = ()) -> None:
        self._config = LogicV2.default_config()
        self._marks = marks

    @cache  # noqa: B019 - the scorer lives for the whole run; entities are reused per name
    def _entity(
        self, schema: str, names: tuple[str, ...], weak: frozenset[str] = frozenset()
    ) -> ValueEntity:
        # logic-v2 caches features by entity id, so equal ids must mean equal content.
        entity = ValueEntity(
            ftm_model.schemata[schema],
            {"id": f"e{next(_ENTITY_IDS)}", "schema": schema, "properties": {}},
        )
        for name in names:
            entity.add("weakAlias" if name in weak else "name", name)
        return entity

    def weak_names(self, entry: Entry) -> frozenset[str]:
        """The names of ``entry`` given to logic-v2 as weak aliases (never the primary name)."""
        if self._marks is None:
            return frozenset()
        weak = set(entry.weak_aliases) | set(adopted_weak(entry, self._marks))
        weak.discard(entry.name)
        return frozenset(weak)

    def _score(self, query: ValueEntity, result: ValueEntity) -> float:
        return float(LogicV2.compare(query, result, self._config).score)

    def entry_score(self, query: str, kind: EntryType, entry: Entry) -> float:
        return self._score(
            self._entity(schema_for(kind), (query,)),
            self._entity(schema_for(entry.type), entry.names, self.weak_names(entry)),
        )

    def pair_score(self, left: str, right: str, schema: str) -> float:
        return self._score(self._entity(schema, (left,)), self._entity(schema, (right,)))
