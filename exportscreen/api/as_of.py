"""Screening and determinations for a date: the lists as they stood then (``screening.history``).

A date on or after every current version's data date is screened on the index the server already
holds, so today's requests build nothing. An earlier date needs the index of the versions then in
force (plus later versions' parties, for their own effective dates to decide): built or loaded
once and kept for the next request of a date with the same versions. Only the last such index is
kept: each holds a whole set of lists in memory.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from typing import Any

from exportscreen.api.state import LoadedLists, Services
from exportscreen.decisions.determination import EntryDating
from exportscreen.decisions.policy import EffectiveDates
from exportscreen.model import Hit
from exportscreen.screening.history import ListsOnDate, VersionsOnDate, lists_on, versions_on

_lock = threading.Lock()
# (the store's URL, the versions on the date) -> the lists as they stood then.
_kept: dict[tuple[str, VersionsOnDate], ListsOnDate] = {}


def lists_on_date(found: Services, loaded: LoadedLists, on: date) -> ListsOnDate:
    """The lists as they stood on ``on``, reusing the server's index when they are the current
    ones and the last past index when its versions are the same."""
    store = found.store
    versions = versions_on(store, on)
    key = (store.engine.url.render_as_string(hide_password=True), versions)
    with _lock:
        kept = _kept.get(key)
    caught_up = versions.all_current and loaded.screener.version_ids == versions.then
    if kept is not None and not caught_up:
        return replace(kept, on=on)
    history = lists_on(store, on, current=loaded.screener, versions=versions)
    if history.screener is not loaded.screener:
        with _lock:
            _kept.clear()
            _kept[key] = history
    return history


def dating(found: Services) -> EntryDating:
    """Entries dated by their Federal Register documents, as the CLI dates them."""
    return EntryDating(effective_dates=EffectiveDates(found.store.fr_documents()))


def describe(history: ListsOnDate) -> dict[str, Any]:
    """What a response says about the lists screened for its date."""
    return {
        "on": history.on.isoformat(),
        "current": history.all_current,
        "versions": history.describe(),
        "not_yet_loaded": [code.value for code in history.not_yet_loaded],
    }


def hit_on_date(history: ListsOnDate, hit: Hit, entry_dating: EntryDating) -> dict[str, Any]:
    """Whether a hit's entry was listed on the date, and whether it has been removed since."""
    return history.listing_on_date(hit.entry, entry_dating.effective_date)


__all__ = ["dating", "describe", "hit_on_date", "lists_on_date"]
