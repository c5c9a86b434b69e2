"""What yente's query parameters mean here, shared by the yente-compatible routes: the algorithm a
request names, the feature weights it asks for, the filters of /match and /search (datasets,
topics, schemata, excluded ids, changed_since), the dates an entity was seen, and search facets.
Every refusal is a 400 naming the parameter, as yente's are."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import HTTPException, status
from followthemoney.types import registry

from exportscreen.api.ftm import (
    DATASET_TITLES,
    TOPICS,
    QueryError,
    Seen,
    dataset_name,
    entity_schema,
    known_schema,
    known_topics,
    lists_of,
    wire_date,
)
from exportscreen.api.state import LoadedLists, Services
from exportscreen.model import Entry, ListCode
from exportscreen.screening.features import ALGORITHM, MatcherConfig
from exportscreen.store import EventKind, Store, StoreError

BEST_ALGORITHM = "best"


def bad_request(error: QueryError | ValueError) -> HTTPException:
    return HTTPException(status.HTTP_400_BAD_REQUEST, str(error))


def check_algorithm(name: str) -> str:
    """The algorithm a request names: exportscreen's own, or yente's alias ``best`` for it."""
    cleaned = name.strip().lower()
    if cleaned not in (BEST_ALGORITHM, ALGORITHM.lower()):
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"Invalid algorithm: {name} (this server runs {ALGORITHM!r}, also called 'best')",
        )
    return ALGORITHM


def matcher_config(
    base: MatcherConfig, weights: dict[str, float], config: dict[str, float]
) -> MatcherConfig:
    """The configuration a request asks for; a feature that does not exist or a weight outside
    its bounds is refused (400), never screened with silently."""
    try:
        # Each checked on its own: a value in ``config`` overridden by ``weights`` is still one
        # the request gave.
        return base.with_weights(config).with_weights(weights)
    except ValueError as error:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"Invalid configuration parameter: {error}"
        ) from None


@dataclass(frozen=True, slots=True)
class Filters:
    """What may be returned, from the query parameters yente shares between /match and /search."""

    lists: frozenset[ListCode]
    topics: frozenset[str] = frozenset()
    exclude_schemas: frozenset[str] = frozenset()
    exclude_ids: frozenset[str] = frozenset()
    changed: frozenset[str] | None = None  # ids changed since changed_since; None: no filter

    def accepts(self, entry: Entry) -> bool:
        if entry.list not in self.lists:
            return False
        if self.topics and TOPICS[entry.list] not in self.topics:
            return False
        if entity_schema(entry) in self.exclude_schemas:
            return False
        # A reviewed false positive stays out whichever of its ids the client holds.
        if entry.id in self.exclude_ids or entry.source_id in self.exclude_ids:
            return False
        return self.changed is None or entry.id in self.changed


def changed_since_ids(found: Services, lists: Iterable[ListCode], when: str) -> frozenset[str]:
    """Ids of entries added or changed in a list version dated after ``when`` (its date part):
    the store's diff from the version in force then to the current one."""
    try:
        day = datetime.fromisoformat(when).date()
    except ValueError as error:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"changed_since: not a date: {when!r} ({error})"
        ) from None
    changed: set[str] = set()
    loaded = found.lists.loaded
    for code in lists:
        summary = loaded.lists.get(code.value) if loaded is not None else None
        if summary is not None:  # a list not loaded has nothing that changed
            changed |= _changed_in(found.store, code, day, summary.version_id)
    return frozenset(changed)


@functools.lru_cache(maxsize=256)
def _changed_in(store: Store, code: ListCode, day: date, version_id: int) -> frozenset[str]:
    """Entries of ``code`` added or changed after ``day`` up to the loaded version (diffs of
    fixed versions never change: kept)."""
    try:
        diff = store.diff(code, from_=day, to=version_id)
    except StoreError:
        return frozenset()
    # Every record that is new or differs, whichever section identity linking put it in.
    return frozenset(diff.to_screen)


def filters_of(
    found: Services,
    scope: frozenset[ListCode],
    include_dataset: Sequence[str],
    exclude_dataset: Sequence[str],
    topics: Sequence[str],
    exclude_schema: Sequence[str],
    exclude_entity_ids: Sequence[str],
    changed_since: str | None,
) -> Filters:
    try:
        lists = scope
        if include_dataset:
            lists = lists & lists_of(include_dataset, "include_dataset")
        lists = lists - lists_of(exclude_dataset, "exclude_dataset")
        excluded = frozenset(known_schema(s, "exclude_schema").name for s in exclude_schema)
        wanted_topics = known_topics(topics)
    except QueryError as error:
        raise bad_request(error) from None
    return Filters(
        lists=lists,
        topics=wanted_topics,
        exclude_schemas=excluded,
        exclude_ids=frozenset(exclude_entity_ids),
        changed=(
            changed_since_ids(found, lists, changed_since) if changed_since is not None else None
        ),
    )


def seen(found: Services, loaded: LoadedLists, entry: Entry) -> Seen:
    """The data dates of the versions that first held the entry, last changed it, and hold it
    now, from the store's history of the entry (kept per loaded version of its list)."""
    current = loaded.lists.get(entry.list.value)
    if current is None:
        return Seen()
    return _seen(found.store, entry.id, current.version_id, current.as_of)


@functools.lru_cache(maxsize=65536)
def _seen(store: Store, entry_id: str, version_id: int, as_of: date) -> Seen:
    try:
        events = [e for e in store.history(entry_id) if e.version.id <= version_id]
    except StoreError:
        events = []
    last_seen = wire_date(as_of)
    if not events:
        return Seen(last_seen=last_seen)
    changes = [e for e in events if e.kind is not EventKind.REMOVED]
    return Seen(
        first_seen=wire_date(events[0].version.as_of),
        last_seen=last_seen,
        last_change=wire_date(changes[-1].version.as_of) if changes else None,
    )


def facets_of(entries: Sequence[Entry], wanted: Sequence[str]) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = {
        "countries": {},
        "topics": {},
        "datasets": {},
        "schema": {},
    }
    for entry in entries:
        for country in {c.lower() for c in entry.countries}:
            counts["countries"][country] = counts["countries"].get(country, 0) + 1
        for key, value in (
            ("topics", TOPICS[entry.list]),
            ("datasets", dataset_name(entry.list)),
            ("schema", entity_schema(entry)),
        ):
            counts[key][value] = counts[key].get(value, 0) + 1
    labels: dict[str, tuple[str, Callable[[str], str]]] = {
        "countries": ("Countries", lambda v: registry.country.caption(v) or v),
        "topics": ("Topics", lambda v: registry.topic.caption(v) or v),
        "datasets": ("Data sources", lambda v: DATASET_TITLES.get(v, v)),
        "schema": ("Entity types", lambda v: v),
    }
    facets = {}
    for name in wanted:
        if name not in counts:
            continue
        label, caption = labels[name]
        values = sorted(counts[name].items(), key=lambda kv: (-kv[1], kv[0]))
        facets[name] = {
            "label": label,
            "values": [{"name": v, "label": caption(v), "count": n} for v, n in values],
        }
    return facets
