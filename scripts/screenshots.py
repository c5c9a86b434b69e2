"""Screenshots of every page of the web UI, at a desktop's and a phone's width, for reviewers.

Loads the real list files (``$EXPORTSCREEN_SHARED_DATA/raw`` or ``--data-dir``) into a temporary
store, registers a few counterparties and screens them (so the alert queue has cards), starts the
server on a free local port, logs in with Playwright in Debian's chromium and writes
``<page>-<width>.png`` into ``docs/screenshots/`` (or ``--out``). Nothing leaves this machine.

    python scripts/screenshots.py [--data-dir DIR] [--out DIR] [--only NAME ...]

To add a page, add a row to ``PAGES``: its file name, its path, and optionally what to do on it
before the screenshot (fill a form, open a detail).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The audit trail of this throw-away store is signed with a throw-away key, never the user's.
_KEYS = Path(tempfile.mkdtemp(prefix="exportscreen-shots-keys-"))
os.environ.setdefault("EXPORTSCREEN_AUDIT_KEY_FILE", str(_KEYS / "audit.key"))
os.environ.setdefault("EXPORTSCREEN_AUDIT_ANCHORS", str(_KEYS / "anchors"))

from exportscreen import settings  # noqa: E402
from exportscreen.api.app import create_app  # noqa: E402
from exportscreen.api.config import ApiConfig  # noqa: E402
from exportscreen.casework.register import Counterparty, Register  # noqa: E402
from exportscreen.ops.accounts import Role, add_user  # noqa: E402
from exportscreen.ops.loading import load_paths  # noqa: E402
from exportscreen.screening.index_cache import build_from_store  # noqa: E402
from exportscreen.store import Store  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
WIDTHS = ((1440, 900), (390, 844))
USER, PASSWORD = "analyst", "screenshots only, never deployed"
COUNTERPARTIES = (
    Counterparty("C-1001", "Inspur Taiwan Co.", "TW"),
    Counterparty("C-1002", "Rosneft Trading SA", "CH"),
    Counterparty("C-1003", "Huawei Technologies Co Ltd", "CN"),
)


def _submit(page: Any) -> None:
    page.click("form.determine-form button[value=determine]")
    page.wait_for_selector("#outcome")


def _open_first_explanation(page: Any) -> None:
    page.locator("details.explanation").first.evaluate("d => d.open = true")


def _first_entity_list_entry(page: Any) -> None:
    page.locator("tbody.hit-row", has=page.locator(".list-EL")).locator(
        "a.entry-name"
    ).first.click()
    page.wait_for_selector(".timeline")


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    before: Callable[[Any], None] | None = None


# The pages, in the order a reviewer reads them.
PAGES = (
    Shot("search-huawei", "/ui/search?q=Huawei"),
    Shot("search-rosneft", "/ui/search?q=Rosneft", _open_first_explanation),
    Shot("entry", "/ui/search?q=Inspur+Group", _first_entity_list_entry),
    Shot("determine", "/ui/determine?example=1", _submit),
    Shot("alerts", "/ui/alerts"),
    Shot("batch", "/ui/batch"),
    Shot("changes", "/ui/changes"),
    Shot("lists", "/ui/lists"),
    Shot("evidence", "/ui/evidence"),
    Shot("audit", "/ui/audit"),
    Shot("error-404", "/ui/no-such-page"),
    Shot("error-422", "/ui/search?q=" + "x" * 301),
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(data_dir: Path, work: Path) -> Iterator[str]:
    with Store.open(f"sqlite:///{work / 'ui.db'}") as store:
        report = load_paths(store, [data_dir], isolate_failures=True)
        print(f"loaded {len(report.files)} files ({len(report.failed)} refused)", flush=True)
        add_user(store, USER, Role.ADMIN, PASSWORD, actor="screenshots")
        desk = Register(store, actor="screenshots")
        for counterparty in COUNTERPARTIES:
            desk.add(counterparty)
        desk.screen(build_from_store(store, store.current_version_ids()))
        config = ApiConfig(
            db_url=str(store.engine.url),
            secret_file=work / "session.key",
            jobs_dir=work / "jobs",
            cookie_secure=False,
        )
        app = create_app(config, store=store, load_in_background=False)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        if not server.started:
            raise SystemExit("the server did not start")
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def take(base_url: str, out: Path, shots: tuple[Shot, ...]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width, height in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(f"{base_url}/ui/login")
            page.screenshot(path=str(out / f"login-{width}.png"), full_page=True)
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base_url}/ui/search")
            for shot in shots:
                page.goto(base_url + shot.path)
                if shot.before is not None:
                    shot.before(page)
                target = out / f"{shot.name}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
                print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
            context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=settings.shared_data_dir() / "raw")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", help="page names from PAGES")
    args = parser.parse_args()
    if not args.data_dir.is_dir():
        raise SystemExit(f"no list files at {args.data_dir} (give --data-dir)")
    shots = tuple(s for s in PAGES if not args.only or s.name in args.only)
    with (
        tempfile.TemporaryDirectory(prefix="exportscreen-shots-") as work,
        serving(args.data_dir, Path(work)) as base_url,
    ):
        take(base_url, args.out, shots)


if __name__ == "__main__":
    main()
