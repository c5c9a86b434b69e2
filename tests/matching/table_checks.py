"""A shared check for the matcher's data tables: a table whose rows break its load check is
refused with a message naming the problem, and the cached table is rebuilt afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any, Protocol

import pytest


class _CachedLoader(Protocol):
    def __call__(self) -> Any: ...
    def cache_clear(self) -> None: ...


def assert_table_refused(
    monkeypatch: pytest.MonkeyPatch,
    module: ModuleType,
    loader: _CachedLoader,
    rows: Sequence[tuple[str, ...]],
    problem: str,
) -> None:
    """``loader`` (``module``'s cached table reader) refuses ``rows`` with ``problem``."""
    monkeypatch.setattr(module, "read_rows", lambda name: rows)
    loader.cache_clear()
    try:
        with pytest.raises(ValueError, match=problem):
            loader()
    finally:
        monkeypatch.undo()
        loader.cache_clear()
