"""The matcher's word sets kept in a file under the cache folder: read back as built, in any
process; a damaged, foreign or stale file ignored and rebuilt; a folder that cannot be written
costing only the rebuild."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from exportscreen.matching import weights
from exportscreen.screening import table_cache
from exportscreen.screening.table_cache import HashArray

# (key, surface, in use): words each set decides (tests/matching/test_weights.py has more).
IN_USE = [
    ("mitter", "", True),  # in German's large list only: the population set
    ("allain", "", True),
    ("hikvisoin", "", False),
    ("pavlik", "pavlík", True),  # Czech as spelt: the spelt set
    ("dang", "đặng", True),
    ("huawai", "huawái", False),
]


@pytest.fixture(scope="module")
def built() -> dict[str, HashArray]:
    return {name: weights.word_set_hashes(name) for name in weights.WORD_SETS}


@pytest.fixture
def builds(built: dict[str, HashArray], monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The word sets unloaded, and the sets ``load_word_sets`` builds counted (built once for
    the module, not on every call)."""
    calls: list[str] = []

    def build(name: str) -> HashArray:
        calls.append(name)
        return built[name].copy()

    monkeypatch.setattr(weights, "word_set_hashes", build)
    _unload()
    yield calls
    weights.adopt_word_sets(built)


def _unload() -> None:
    weights._adopted.clear()
    weights._spelt_words.cache_clear()
    weights._population_words.cache_clear()


def _answers() -> list[bool]:
    return [weights.in_use(key, surface) for key, surface, _ in IN_USE]


EXPECTED = [used for _, _, used in IN_USE]


def test_built_once_then_read_from_the_file(tmp_path: Path, builds: list[str]) -> None:
    table_cache.load_word_sets(tmp_path)
    assert sorted(builds) == sorted(weights.WORD_SETS)
    assert table_cache.cache_path(tmp_path).is_file()
    assert _answers() == EXPECTED
    _unload()
    table_cache.load_word_sets(tmp_path)
    assert len(builds) == len(weights.WORD_SETS)  # no new build: read from the file
    assert _answers() == EXPECTED


def _truncated(data: bytes) -> bytes:
    return data[: len(data) - 8]


def _payload_flipped(data: bytes) -> bytes:
    at = len(data) - 1000
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _foreign(data: bytes) -> bytes:
    return os.urandom(len(data))


def _header_only(data: bytes) -> bytes:
    return data[: len(table_cache.MAGIC) + 4]


@pytest.mark.parametrize(
    "damage", [_truncated, _payload_flipped, _foreign, _header_only, lambda _: b""]
)
def test_a_damaged_or_foreign_file_is_ignored_and_rebuilt(
    tmp_path: Path, builds: list[str], damage: Callable[[bytes], bytes]
) -> None:
    table_cache.load_word_sets(tmp_path)
    path = table_cache.cache_path(tmp_path)
    good = path.read_bytes()
    path.write_bytes(damage(good))
    assert table_cache.read_word_sets(path, table_cache.word_sets_key()) is None
    _unload()
    builds.clear()
    table_cache.load_word_sets(tmp_path)
    assert sorted(builds) == sorted(weights.WORD_SETS)
    assert _answers() == EXPECTED
    assert path.read_bytes() == good  # rewritten whole


def test_a_stale_file_under_the_current_name_is_rebuilt(
    tmp_path: Path, builds: list[str], built: dict[str, HashArray]
) -> None:
    # Sets of other lists (a word missing), written for another key, under this key's name.
    stale = {name: hashes[hashes != weights._hashed("mitter")] for name, hashes in built.items()}
    path = table_cache.cache_path(tmp_path)
    table_cache.write_word_sets(path, "another key", stale)
    assert table_cache.read_word_sets(path, table_cache.word_sets_key()) is None
    table_cache.load_word_sets(tmp_path)
    assert sorted(builds) == sorted(weights.WORD_SETS)
    assert _answers() == EXPECTED


def test_unsorted_hashes_are_refused(tmp_path: Path, built: dict[str, HashArray]) -> None:
    # Searched by bisection, an unsorted set would miss words: never read back.
    shuffled = {name: hashes[::-1].copy() for name, hashes in built.items()}
    path = tmp_path / "sets.bin"
    table_cache.write_word_sets(path, "key", shuffled)
    assert table_cache.read_word_sets(path, "key") is None
    table_cache.write_word_sets(path, "key", built)
    read = table_cache.read_word_sets(path, "key")
    assert read is not None
    for name in weights.WORD_SETS:
        assert np.array_equal(read[name], built[name])


def test_a_folder_that_cannot_be_written_only_costs_the_build(
    tmp_path: Path, builds: list[str]
) -> None:
    # A regular file where the folder should be: no folder can be made or written there (a
    # read-only folder fails the same way, with an OSError; the tests run as root, whom
    # permissions do not stop).
    blocked = tmp_path / "not-a-folder"
    blocked.write_bytes(b"")
    table_cache.load_word_sets(blocked / "cache")
    assert _answers() == EXPECTED
    _unload()
    table_cache.load_word_sets(blocked / "cache")
    assert len(builds) == 2 * len(weights.WORD_SETS)
    assert _answers() == EXPECTED


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a read-only folder")
def test_a_read_only_folder_only_costs_the_build(tmp_path: Path, builds: list[str]) -> None:
    tmp_path.chmod(0o500)
    try:
        table_cache.load_word_sets(tmp_path)
    finally:
        tmp_path.chmod(0o700)
    assert _answers() == EXPECTED
    assert not table_cache.cache_path(tmp_path).exists()


def test_a_file_written_by_one_process_answers_in_another(
    tmp_path: Path, built: dict[str, HashArray]
) -> None:
    """Python's str hash differs between processes; the file's hashes must not."""
    table_cache.write_word_sets(
        table_cache.cache_path(tmp_path), table_cache.word_sets_key(), built
    )
    script = f"""
import sys
from pathlib import Path
from exportscreen.matching import weights
from exportscreen.screening import table_cache
def refuse(name):
    raise AssertionError("built, not read")
weights.word_set_hashes = refuse
table_cache.load_word_sets(Path(sys.argv[1]))
print([weights.in_use(key, surface) for key, surface in {[(k, s) for k, s, _ in IN_USE]!r}])
"""
    root = Path(__file__).resolve().parents[2]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        done = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            capture_output=True, text=True, check=True, env=env, cwd=root,
        )  # fmt: skip
        assert done.stdout.strip() == repr(EXPECTED)
