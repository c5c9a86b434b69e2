"""What every command-line test shares: a console wide enough for whole lines."""

from __future__ import annotations

import pytest

from exportscreen.cli import common


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests read whole lines of tables. The CLI's consoles are made once, at import, and a
    console made while some test had set COLUMNS keeps that width for every later test in the
    process (the order differs with pytest-xdist): give both the same wide width for each test."""
    monkeypatch.setattr(common.console, "_width", 250)
    monkeypatch.setattr(common.err, "_width", 250)
