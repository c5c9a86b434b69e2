"""A re-screen that did not complete is visible: ``exportscreen status`` warns that the last
re-screen did not complete with its progress, and ``/readyz`` carries the job and its progress,
until a re-screen completes it (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from exportscreen.casework.register import Register
from exportscreen.casework.rescreen import rescreen
from exportscreen.cli.app import app
from exportscreen.matching.index_build import build_index
from exportscreen.model import Hit, ListCode
from exportscreen.ops.status import unfinished_rescreen
from exportscreen.screening.screener import Screener
from exportscreen.store import Store
from tests.api.support import build_app, config_for, running
from tests.casework.test_rescreen import (
    NEW_ENTRIES,
    STEADY,
    THRESHOLD,
    V1_DATE,
    publish,
    write_register,
)

PARTIES = [(f"cp-{n}", f"Quiet Harbour Trading {n}") for n in range(10)] + [
    ("hit-tatneft", "Tatneft")
]


class Interrupted(Exception):
    """Stands for the process dying in the middle of a part."""


class DiesAfter(Screener):
    """A screener that fails once it has screened ``limit`` names."""

    limit = 0
    calls = 0

    def screen(self, name: str, *args: Any, **options: Any) -> list[Hit]:
        self.calls += 1
        if self.calls > self.limit:
            raise Interrupted
        return super().screen(name, *args, **options)


def status_output(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--db", url, "status"], env={"EXPORTSCREEN_USER": "tester", "COLUMNS": "400"}
    )
    return result.exit_code, result.output


def test_an_interrupted_rescreen_shows_in_status_and_readyz_until_completed(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    publish(store, [STEADY, *NEW_ENTRIES], V1_DATE, [ListCode.EL, ListCode.SDN, ListCode.SSI])
    register = Register(store, actor="tester", threshold=THRESHOLD)
    register.import_file(write_register(tmp_path / "register.csv", PARTIES))
    assert unfinished_rescreen(store) is None

    dying = DiesAfter(build_index(store.entries()), store.current_version_ids())
    dying.limit = 6  # the first part of 4 is written, the second dies halfway
    with pytest.raises(Interrupted):
        rescreen(store, register, dying, since=date(2020, 1, 1), chunk=4)

    progress = unfinished_rescreen(store)
    assert progress is not None
    assert (progress.done, progress.total, progress.actor) == (4, len(PARTIES), "tester")
    code, output = status_output(store_url)
    assert code == 0, output  # the lists are fine: a warning, not a failure
    warning = next(line for line in output.splitlines() if "re-screen" in line)
    assert warning.startswith(
        f"warning: the last re-screen did not complete: job {progress.job_id} "
    )
    assert f"screened 4 of {len(PARTIES)} counterparties; the other 7 are not screened" in warning

    api = build_app(store, config_for(tmp_path, str(store.engine.url)))
    with running(api) as client:
        body = client.get("/readyz").json()
    assert body["ready"] is True
    shown = body["rescreen"]
    assert (shown["job_id"], shown["status"], shown["done"], shown["total"]) == (
        progress.job_id,
        "unfinished",
        4,
        len(PARTIES),
    )
    assert shown["warning"] == progress.warning

    # Resumed to its end: nothing is unfinished any more, and neither says so.
    screener = Screener(build_index(store.entries()), store.current_version_ids())
    rescreen(store, register, screener, since=date(2020, 1, 1), chunk=4)
    assert unfinished_rescreen(store) is None
    code, output = status_output(store_url)
    assert code == 0 and "re-screen" not in output
    with running(build_app(store, config_for(tmp_path, str(store.engine.url)))) as client:
        assert client.get("/readyz").json()["rescreen"] is None
    assert [a.counterparty.external_id for a in register.alerts()] == ["hit-tatneft"]


def test_a_staged_version_shows_in_status_and_readyz_until_decided(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    from exportscreen.ops import reviews
    from exportscreen.store.plausibility import DEFAULT_PLAUSIBILITY
    from tests.store.factories import el_entry, parsed

    full = [el_entry(f"e{n}", f"Listed Trading Company Number {n}") for n in range(40)]
    store.import_source(parsed(full, name="full.csv", as_of=date(2025, 5, 1), lists=(ListCode.EL,)))
    (staged,) = store.import_source(
        parsed(full[:30], name="cut.csv", as_of=date(2025, 5, 2), lists=(ListCode.EL,)),
        plausibility=DEFAULT_PLAUSIBILITY,
    ).staged
    code, output = status_output(store_url)
    assert code == 0
    assert f"EL version {staged.id} (cut.csv, 30 entries, data of 2025-05-02) is staged" in output
    assert "removes 10 of the 40 entries" in output
    with running(build_app(store, config_for(tmp_path, str(store.engine.url)))) as client:
        (shown,) = client.get("/readyz").json()["staged"]
    assert (shown["version_id"], shown["entry_count"]) == (staged.id, 30)

    reviews.reject(store, staged.id, actor="tester", reason="a partial file")
    code, output = status_output(store_url)
    assert code == 0 and "staged" not in output
    with running(build_app(store, config_for(tmp_path, str(store.engine.url)))) as client:
        assert client.get("/readyz").json()["staged"] == []
