"""A screener for the store's current lists, built once per list version and then loaded.

Building the match index over every list takes seconds; loading a serialised one takes a fraction
of a second. The cache key names everything the index depends on: the store, the current version
of every list, and the matcher's own code (so an upgrade never screens with a stale index).
Cache files are written atomically; a damaged or foreign one is ignored and rebuilt.

Every screener built from the store is built here (``build_from_store``; ``Screener.open`` too), so
that each one adopts OFAC's weak-alias marks for the CSL's rows of OFAC's lists from the latest
OFAC file the store holds (``matching.alias_marks``); those versions are part of the cache key.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from exportscreen import settings
from exportscreen.matching.alias_marks import AliasMarks, adopted_weak
from exportscreen.matching.index_build import build_index
from exportscreen.model import Entry, ListCode
from exportscreen.screening.screener import Screener
from exportscreen.store import Store
from exportscreen.store.records import StoredVersion

log = logging.getLogger(__name__)

_PACKAGE = Path(__file__).resolve().parent.parent
# Generations of cache files kept per store, so that a worker still on the previous version can
# reload it while another has moved on.
KEEP_FILES = 3
# The formats whose files mark weak aliases (OFAC's weak a.k.a.) that the CSL's rows of the same
# lists do not: OFAC's legacy CSV files and its XML.
MARK_FORMATS: tuple[str, ...] = ("ofac_csv", "ofac_xml")


@functools.cache
def code_fingerprint() -> str:
    """A digest of the matcher's code and data: what an index or a stored name analysis
    depends on beyond the lists."""
    digest = hashlib.sha256()
    sources = [*sorted((_PACKAGE / "matching").rglob("*")), _PACKAGE / "screening" / "screener.py"]
    for path in sources:
        if path.is_file() and path.suffix in {".py", ".json", ".tsv", ".txt", ".csv", ".yaml"}:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(db_url: str, version_ids: dict[str, int]) -> str:
    body = repr((Screener.algorithm, code_fingerprint(), db_url, sorted(version_ids.items())))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:24]


def open_screener(db_url: str | None = None, cache_dir: Path | None = None) -> Screener:
    """The screener for the current lists of the store at ``db_url``, from the cache when an
    index for exactly these versions and this matcher exists, else built and cached."""
    with Store.open(settings.db_url(db_url)) as store:
        return load_or_build(store, store.current_version_ids(), cache_dir)


def load_or_build(
    store: Store,
    versions: Mapping[ListCode, int],
    cache_dir: Path | None = None,
    *,
    also: Mapping[ListCode, int] | None = None,
    neighbours: bool | None = None,
) -> Screener:
    """The screener for ``versions`` of the store's lists (normally the current ones): loaded
    from the cache, or built from the store and cached for the next process. ``also`` adds the
    entries of more versions that ``versions`` lacks (by id): a past date's screening adds the
    current versions' parties this way (``screening.history``); ``version_ids`` names
    ``versions`` only. ``neighbours``: the listed words' spelled neighbours searched at build
    (``index_build.build_index``): a served index's queries are faster, its build slower (a
    past date's screening, seldom repeated, does without); None: ``settings.index_neighbours``."""
    if neighbours is None:
        neighbours = settings.index_neighbours()
    folder = cache_dir or settings.index_cache_dir()
    url = store.engine.url.render_as_string(hide_password=True)
    marking = mark_versions(store, versions)
    keyed = {code.value: number for code, number in versions.items()}
    keyed.update({f"{code.value}+": number for code, number in (also or {}).items()})
    keyed.update({f"{v.list.value}~marks": v.id for v in marking})
    if neighbours:
        keyed["~neighbours"] = 1
    key = cache_key(url, keyed)
    path = folder / f"index-{key}.bin"
    if path.is_file():
        try:
            return Screener.from_bytes(path.read_bytes())
        except Exception as error:  # any unreadable cache file is rebuilt
            log.warning("ignoring unreadable index cache %s: %s", path, error)
    screener = build_from_store(store, versions, also=also, marking=marking, neighbours=neighbours)
    _save(folder, path, screener)
    return screener


def mark_versions(store: Store, versions: Mapping[ListCode, int]) -> list[StoredVersion]:
    """The versions whose weak-alias marks a screener of ``versions`` adopts: for each list,
    the latest OFAC file the store holds, older or newer than the version screened, unless that
    is the version screened (its entries carry their own marks)."""
    screened = set(versions.values())
    return [v for v in store.latest_of_formats(MARK_FORMATS) if v.id not in screened]


def alias_marks(store: Store, marking: Sequence[StoredVersion]) -> list[AliasMarks]:
    """The marks of ``marking``'s versions, each named by its file, date and store version."""
    return [AliasMarks.of(store.entries(version_id=v.id), mark_source(v)) for v in marking]


def entry_weak_marks(store: Store, entry: Entry) -> dict[str, str]:
    """The aliases of ``entry`` (as the store lists it now) that a screener of the current
    versions counts weak by another publication's mark, each with that publication
    (``mark_source``): what an entry's page shows beside the list's own weak aliases. Reads
    only this party's record in each OFAC version, not the whole version."""
    marking = [v for v in mark_versions(store, store.current_version_ids()) if v.list is entry.list]
    marks = []
    for version in marking:
        found = store.entry_in_version(entry.id, version.id)
        if found is not None:
            marks.append(AliasMarks.of([found], mark_source(version)))
    return adopted_weak(entry, marks)


def mark_source(version: StoredVersion) -> str:
    """How an explanation names the version a mark came from: its primary file (a legacy OFAC
    version has four), the data's date and the store's version id."""
    primary = version.file_name.split(", ")[0]
    when = version.as_of.isoformat()
    return f"OFAC {primary} of {when}, {version.list.value} version {version.id}"


def build_from_store(
    store: Store,
    versions: Mapping[ListCode, int],
    *,
    also: Mapping[ListCode, int] | None = None,
    marking: Sequence[StoredVersion] | None = None,
    neighbours: bool | None = None,
) -> Screener:
    """A screener of ``versions`` of the store's lists (and ``also``'s entries, as
    ``load_or_build``), the CSL's rows of OFAC's lists marked as OFAC marks them (``marking``:
    default ``mark_versions``; ``neighbours``: None reads ``settings.index_neighbours``).
    Built, not cached."""
    if neighbours is None:
        neighbours = settings.index_neighbours()
    entries = [e for code, number in versions.items() for e in store.entries(version_id=number)]
    if also:
        seen = {e.id for e in entries}
        entries += [
            e
            for number in also.values()
            for e in store.entries(version_id=number)
            if e.id not in seen
        ]
    if marking is None:
        marking = mark_versions(store, versions)
    index = build_index(entries, alias_marks(store, marking), neighbours=neighbours)
    return Screener(index, versions)


def _save(folder: Path, path: Path, screener: Screener) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".index-", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(screener.to_bytes())
        os.replace(temp, path)
        old = sorted(folder.glob("index-*.bin"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[KEEP_FILES:]:
            stale.unlink(missing_ok=True)
    except OSError as error:
        # A read-only or full cache directory only costs speed, never a screening.
        log.warning("could not write the index cache in %s: %s", folder, error)
