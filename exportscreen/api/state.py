"""What one API process holds: the store, the current screening index and the services around it.

The screening index is built once per set of list versions and shared by every request. A
request never waits for a rebuild: at most every ``check_seconds`` one request triggers a cheap
check of the store's current version ids (so several workers on one PostgreSQL store all notice
an update), and when they changed a background thread builds the new index and swaps it in with
one assignment; requests in progress finish on the index they started with.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request, status

from exportscreen.api.csl_format import CslCatalog
from exportscreen.model import ListCode
from exportscreen.screening.index_cache import load_or_build, mark_versions
from exportscreen.screening.screener import Screener
from exportscreen.store import ListSummary, Store

if TYPE_CHECKING:
    from exportscreen.api.audit_writer import AuditWriter
    from exportscreen.api.config import ApiConfig
    from exportscreen.api.jobs import JobStore
    from exportscreen.api.limits import Capacity, RateLimiter, WorkBudget
    from exportscreen.api.metrics import Metrics
    from exportscreen.api.principal import KeyAuthenticator

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LoadedLists:
    """One consistent view: the index, and the list versions it was built from."""

    screener: Screener
    catalog: CslCatalog
    lists: dict[str, ListSummary]  # by list code
    built_at: float  # time.time()
    # The OFAC versions whose weak-alias marks the index adopted (``index_cache.mark_versions``):
    # loading an OFAC file older than the CSL changes no current version but these.
    mark_version_ids: tuple[int, ...] = ()

    @property
    def version_ids(self) -> dict[str, int]:
        return {code: summary.version_id for code, summary in self.lists.items()}


class ScreenerHolder:
    def __init__(self, store: Store, *, check_seconds: float):
        self._store = store
        self._check_seconds = check_seconds
        self._current: LoadedLists | None = None
        self._lock = threading.Lock()
        self._refreshing = False
        self._next_check = 0.0
        self.last_error: str | None = None
        self.ready = threading.Event()  # set once the first load attempt finished

    @property
    def loaded(self) -> LoadedLists | None:
        """The current index, without checking for an update."""
        return self._current

    def current(self) -> LoadedLists | None:
        """The current index; starts a background refresh when a check is due."""
        now = time.monotonic()
        if now >= self._next_check:
            with self._lock:
                start = not self._refreshing and now >= self._next_check
                if start:
                    self._refreshing = True
                    self._next_check = now + self._check_seconds
            if start:
                threading.Thread(target=self._refresh_in_background, daemon=True).start()
        return self._current

    def _refresh_in_background(self) -> None:
        try:
            self.refresh()
        except Exception:  # kept serving the previous index; readyz shows the error
            log.exception("reloading the screening index failed")
        finally:
            with self._lock:
                self._refreshing = False

    def refresh(self) -> bool:
        """Rebuild the index if the store's current versions differ from it; True if rebuilt."""
        try:
            summaries = self._store.lists()
            wanted = {s.list.value: s.version_id for s in summaries}
            versions = {ListCode(code): number for code, number in wanted.items()}
            marking = tuple(v.id for v in mark_versions(self._store, versions))
            current = self._current
            if (
                current is not None
                and current.version_ids == wanted
                and current.mark_version_ids == marking
            ):
                return False
            if not summaries:
                self._current = None
                return False
            # Entries are read by version id, so an import meanwhile cannot mix versions; the
            # index is shared with the other workers and the CLI through the index cache.
            screener = load_or_build(self._store, versions)
            # The tables the matcher reads on a name's first need of them (CC-CEDICT, Unihan,
            # wordfreq's lists: seconds of CPU) are read now, before this index serves, so
            # that no request waits for them (once per process; a reload finds them read).
            screener.load_tables()
            self._current = LoadedLists(
                screener=screener,
                catalog=CslCatalog(screener.entries),
                lists={s.list.value: s for s in summaries},
                built_at=time.time(),
                mark_version_ids=marking,
            )
            self.last_error = None
            log.info("screening index built: %d entries, versions %s", len(screener), wanted)
            _exempt_from_collection()
            return True
        except Exception as error:
            self.last_error = f"{type(error).__name__}: {error}"
            raise
        finally:
            self.ready.set()


def _exempt_from_collection() -> None:
    """Take everything alive now (chiefly the index: hundreds of thousands of objects) out of
    the garbage collector's view. Otherwise each full collection walks the whole index, a pause
    of a few hundred milliseconds on whatever request is running, often enough to set the p99.
    Unfreezing first lets the collection free the previous index's cycles after a reload; that
    one collection is the only pause, once per list update."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@dataclass(slots=True)
class Services:
    config: ApiConfig
    store: Store
    lists: ScreenerHolder
    keys: KeyAuthenticator
    rate_limiter: RateLimiter
    metrics: Metrics
    jobs: JobStore
    audit: AuditWriter
    work: WorkBudget
    batch_rows: WorkBudget
    capacity: Capacity
    started_at: float = field(default_factory=time.time)

    def loaded(self) -> LoadedLists:
        """The current index, or 503 while none is loaded."""
        found = self.lists.current()
        if found is None:
            detail = (
                "no list is loaded yet: load lists with `exportscreen load` or `update`"
                if self.lists.ready.is_set()
                else "the screening index is being built; retry shortly"
            )
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, detail, headers={"Retry-After": "5"}
            )
        return found


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found
