"""The server's scheduled updates end to end: a new Denied Persons version lands from the (local)
mirror, the register is re-screened against what changed, and the index reloads without a
restart."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from exportscreen.api.app import _scheduler, create_app
from exportscreen.api.config import ApiConfig
from exportscreen.casework.register import Counterparty, Register
from exportscreen.model import ListCode
from exportscreen.screening.index_cache import load_or_build
from exportscreen.sources import fetch
from exportscreen.store import Store
from exportscreen.store.schema import update_runs
from tests.httpserver import MirrorServer, body, serve_official_files

pytestmark = pytest.mark.shared

NEW_PARTY = "ZEPHYRINE QUORTELL TRADING"
NEW_ROW = (
    f'"{NEW_PARTY}"\t"12 Harbour Road"\t"Limassol"\t""\t"CY"\t"3035"\t"11/02/2026"\t'
    '"11/02/2031"\t"Y"\t"2026-11-03"\t"F.R. NOTICE ADDED"\t"91 F.R. 70001 11/3/2026"\n'
)


def _as_if_the_interval_passed(store: Store) -> None:
    # The scheduler skips a cycle claimed less than half an interval ago (another worker's);
    # age the claims instead of sleeping through a real interval.
    with store.engine.begin() as conn:
        conn.execute(update_runs.update().values(started_at=datetime.now(UTC) - timedelta(days=1)))


def _index_is_current(services: Any, store: Store) -> None:
    services.lists.refresh()
    loaded = services.lists.loaded
    assert loaded is not None
    assert loaded.screener.version_ids == store.current_version_ids()


def test_a_scheduled_update_rescreens_the_register_and_reloads(
    tmp_path: Path, raw_dir: Path
) -> None:
    with (
        MirrorServer(raw_dir.parent) as server,
        Store.open(f"sqlite:///{tmp_path / 's.db'}") as store,
    ):
        serve_official_files(server)
        config = replace(
            ApiConfig.from_settings(f"sqlite:///{tmp_path / 's.db'}"),
            update_every=timedelta(hours=6),
            mirror=server.url,
            jobs_dir=tmp_path / "jobs",
        )
        app = create_app(config, store=store, load_in_background=False)
        services = app.state.services
        scheduler = _scheduler(services)

        first = scheduler.run_once()
        assert first.ok, first.error
        # The first versions: the index is built (here, or already by the batch-job dispatcher,
        # whose poll asks the holder for the current lists and so starts its due check).
        _index_is_current(services, store)
        register = Register(store, actor="ops-test")
        register.add(Counterparty("C-new", "Zephyrine Quortell Trading Ltd", "CY", "company"))
        register.add(Counterparty("C-clean", "Acme Widgets GmbH", "DE", "company"))
        register.screen(load_or_build(store, store.current_version_ids()))
        assert register.alerts() == []
        dpl_before = store.current_version_ids()[ListCode.DPL]

        # BIS publishes a Denied Persons List with one more party.
        plain = gzip.decompress((raw_dir / "watchman/bis_dpl/dpl_2023-11-30.txt.gz").read_bytes())
        server.route_official(
            fetch.source("bis-dpl").primary.url,
            body(plain + NEW_ROW.encode("utf-8"), content_type="text/plain"),
        )
        _as_if_the_interval_passed(store)
        second = scheduler.run_once()
        assert second.ok, second.error
        assert second.change is not None and ListCode.DPL in second.change.lists
        assert store.current_version_ids()[ListCode.DPL] != dpl_before

        alerts = register.alerts()
        assert [(a.counterparty.external_id, a.entry_id.split("-")[0]) for a in alerts] == [
            ("C-new", "DPL")
        ]
        with store.engine.connect() as conn:
            actions = [
                r.action for r in conn.execute(sa.text("SELECT action FROM audit_log ORDER BY seq"))
            ]
        assert actions[-1] == "register.rescreen"
        # The worker's index notices the new version at its next check, without a restart.
        _index_is_current(services, store)
        loaded = services.lists.loaded
        assert loaded is not None and loaded.screener.screen(NEW_PARTY)
