"""The UI in a real browser: Debian's chromium driven by Playwright against uvicorn.

Skipped when chromium or playwright is missing, unless CI=true (then it fails)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from exportscreen import sources
from exportscreen.casework.register import Counterparty, Register
from exportscreen.screening.screener import Screener
from exportscreen.store import Store
from tests.api.support import PASSWORD, add_users, build_app, config_for
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, ENTITY_LIST, SCREENSHOTS, need, serving

pytestmark = [pytest.mark.browser, pytest.mark.shared]


@pytest.fixture(scope="module")
def base_url(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser")
    with Store.open(f"sqlite:///{tmp / 'ui.db'}") as store:
        store.import_source(sources.parse(raw_dir / ENTITY_LIST))
        add_users(store)
        desk = Register(store, actor="setup")
        desk.add(Counterparty("C-7", "Inspur Taiwan Co.", "TW"))
        desk.screen(Screener.from_entries(store.entries()))
        app = build_app(store, config_for(tmp, str(store.engine.url)))
        with serving(app) as url:
            yield url


def test_log_in_search_open_the_entry_and_decide_an_alert(base_url: str) -> None:
    need(Path(CHROMIUM).exists() or shutil.which("chromium") is not None, "chromium not installed")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        need(False, "playwright not installed")
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base_url}/ui/search")
        expect(page).to_have_url(f"{base_url}/ui/login?next=/ui/search")
        page.fill("input[name=username]", "analyst")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{base_url}/ui/search")

        page.fill("input[name=q]", "Inspur Taiwan")
        page.click("form.searchform button")
        first = page.locator("tbody.hit-row").first
        expect(first.locator("a.entry-name")).to_have_text("Inspur Taiwan")
        expect(first.locator("mark")).to_have_text(["Inspur", "Taiwan"])
        expect(first.locator(".explanation")).to_contain_text("score 1.00")
        page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)

        first.locator("a.entry-name").click()
        expect(page.locator("h1")).to_have_text("Inspur Taiwan")
        expect(page.locator(".timeline")).to_contain_text("90 FR 14048, 3/28/25")
        page.screenshot(path=str(SCREENSHOTS / "entry.png"), full_page=True)

        page.click("nav >> text=Alerts")
        card = page.locator("article.alert-card").first
        expect(card).to_contain_text("Inspur Taiwan Co.")
        card.locator("input[name=reason]").fill("Same company: address in New Taipei City")
        card.locator("button[value=true_match]").click()
        expect(page.locator(".alert-ok")).to_contain_text("true match")
        page.screenshot(path=str(SCREENSHOTS / "alerts.png"), full_page=True)
        browser.close()
