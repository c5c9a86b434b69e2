"""The matcher's word sets (``matching.weights``: the words in use in the population's languages,
the words spelt with letters beyond ASCII), kept in a file under the index cache folder.

Building them reads some 820,000 words from wordfreq's lists and hashes each: about a second of
CPU before a batch run's first row (``Screener.load_tables``). Read back from the file, they take
milliseconds. The file's name and header carry a key of what the sets depend on (the code of
``matching/weights.py``, which names the languages and thresholds, wordfreq's version and its list
files); a header that does not match, a digest that does not, or any other damage, and the file is
ignored and rebuilt: it can cost time, never an answer. A cache folder that cannot be written only
costs the rebuild, in every process.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import msgspec
import numpy as np
import numpy.typing as npt
from wordfreq import DATA_PATH

from exportscreen import settings
from exportscreen.matching import weights

log = logging.getLogger(__name__)

MAGIC = b"exportscreen word sets 1\n"
# Files of other keys kept (another installation sharing the folder may still read one).
KEEP_FILES = 3
DIGEST_BYTES = 32
HashArray = npt.NDArray[np.int64]


class _Header(msgspec.Struct, frozen=True):
    key: str
    counts: dict[str, int]


@functools.cache
def word_sets_key() -> str:
    """A digest of what the word sets depend on: the code that builds them and wordfreq's lists."""
    digest = hashlib.sha256()
    digest.update(Path(weights.__file__).read_bytes())
    digest.update(importlib.metadata.version("wordfreq").encode())
    for path in sorted(Path(DATA_PATH).glob("*.msgpack.gz")):
        stat = path.stat()
        digest.update(f"{path.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def cache_path(cache_dir: Path | None = None) -> Path:
    folder = cache_dir if cache_dir is not None else settings.index_cache_dir()
    return folder / f"word-sets-{word_sets_key()}.bin"


def load_word_sets(cache_dir: Path | None = None) -> None:
    """Have ``matching.weights`` use its word sets read from the cache file, built (and the file
    written) when it is missing or unusable."""
    if weights.word_sets_loaded():
        return
    path = cache_path(cache_dir)
    stored = read_word_sets(path, word_sets_key())
    if stored is None:
        stored = {name: weights.word_set_hashes(name) for name in weights.WORD_SETS}
        write_word_sets(path, word_sets_key(), stored)
    weights.adopt_word_sets(stored)


def encode(key: str, hashes: Mapping[str, HashArray]) -> bytes:
    header = msgspec.json.encode(
        _Header(key, {name: len(hashes[name]) for name in weights.WORD_SETS})
    )
    payload = b"".join(hashes[name].astype("<i8").tobytes() for name in weights.WORD_SETS)
    digest = hashlib.blake2b(payload, digest_size=DIGEST_BYTES).digest()
    return MAGIC + len(header).to_bytes(4, "big") + header + digest + payload


def decode(data: bytes, key: str) -> dict[str, HashArray] | None:
    """The word sets a file holds, or None if it is not a whole file of the sets for ``key``."""
    if not data.startswith(MAGIC):
        return None
    at = len(MAGIC)
    size = int.from_bytes(data[at : at + 4], "big")
    at += 4
    try:
        header = msgspec.json.decode(data[at : at + size], type=_Header)
    except msgspec.DecodeError:
        return None
    at += size
    if header.key != key or set(header.counts) != set(weights.WORD_SETS):
        return None
    digest, payload = data[at : at + DIGEST_BYTES], data[at + DIGEST_BYTES :]
    counts = [header.counts[name] for name in weights.WORD_SETS]
    if min(counts) < 0 or len(payload) != 8 * sum(counts):
        return None
    if hashlib.blake2b(payload, digest_size=DIGEST_BYTES).digest() != digest:
        return None
    everything = np.frombuffer(payload, dtype="<i8").astype(np.int64)
    sets: dict[str, HashArray] = {}
    start = 0
    for name, count in zip(weights.WORD_SETS, counts, strict=True):
        hashes = everything[start : start + count]
        start += count
        # Searched by bisection: only a strictly increasing array answers right.
        if count > 1 and not bool(np.all(hashes[1:] > hashes[:-1])):
            return None
        sets[name] = hashes
    return sets


def read_word_sets(path: Path, key: str) -> dict[str, HashArray] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    sets = decode(data, key)
    if sets is None:
        log.warning("ignoring the unusable word sets file %s", path)
    return sets


def write_word_sets(path: Path, key: str, hashes: Mapping[str, HashArray]) -> None:
    """Write the file atomically; a folder that cannot be written only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".word-sets-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(encode(key, hashes))
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        kept = path.parent.glob("word-sets-*.bin")
        for stale in sorted(kept, key=lambda p: p.stat().st_mtime, reverse=True)[KEEP_FILES:]:
            stale.unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not write the word sets cache in %s: %s", path.parent, error)
