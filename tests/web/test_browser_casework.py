"""Case work in a real browser (Debian's chromium, Playwright): the alert queue with a four-eyes
clearance by two analysts, and a batch job with its columns mapped from a preview. Every page
is checked for console errors, for requests leaving localhost, and for fitting a 390 px screen.

Skipped when chromium or playwright is missing, unless CI=true (then it fails)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from exportscreen import sources
from exportscreen.casework.register import Counterparty, Register
from exportscreen.screening.screener import Screener
from exportscreen.store import Store
from tests.api.support import PASSWORD, add_users, build_app, config_for
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, ENTITY_LIST, SCREENSHOTS, need, serving

pytestmark = [pytest.mark.browser, pytest.mark.shared]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
UPLOAD = (
    "Client,Land,Born,Ref\n"
    "Inspur Taiwan Co.,TW,,R-1\n"
    "Harbour Bakery,GB,,R-2\n"
    ",DE,,R-3\n"
    "Inspur Software Co Ltd,CN,,R-4\n"
)


@pytest.fixture(scope="module")
def base_url(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser-casework")
    with Store.open(f"sqlite:///{tmp / 'ui.db'}") as store:
        store.import_source(sources.parse(raw_dir / ENTITY_LIST))
        add_users(store)
        desk = Register(store, actor="setup")
        desk.add(Counterparty("C-7", "Inspur Taiwan Co.", "TW", "company", "New Taipei City"))
        desk.add(Counterparty("C-8", "Huawei Technologies Co Ltd", "CN"))
        desk.screen(Screener.from_entries(store.entries()))
        app = build_app(store, config_for(tmp, str(store.engine.url)))
        with serving(app) as url:
            yield url


class Watch:
    """What a page did wrong: console errors, uncaught errors, requests off this machine."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("request", self._request)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.errors.append(f"{response.status} {response.url}")

    def _request(self, request: Any) -> None:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host not in ("127.0.0.1", "localhost"):
            self.outside.append(request.url)

    def check(self) -> None:
        assert self.errors == []
        assert self.outside == []


def _browser(driver: Any) -> Any:
    return driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def _login(page: Any, base_url: str, user: str, target: str) -> None:
    page.goto(f"{base_url}{target}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


# The right edge of the widest thing in the page's content (the top bar is the base layout's,
# tested with it: tests/web/test_browser_answers.py on the base-layout branch).
_CONTENT_RIGHT = """() => {
  const main = document.querySelector('main');
  let right = main.scrollWidth;
  const scrolls = (e) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX);
  for (const element of main.querySelectorAll('*')) {
    // What scrolls inside its own box (a wide preview table) does not widen the page.
    let inside = false;
    for (let up = element.parentElement; up && up !== main; up = up.parentElement) {
      if (scrolls(up)) { inside = true; break; }
    }
    if (!inside) right = Math.max(right, element.getBoundingClientRect().right);
  }
  return Math.ceil(right);
}"""


def _fits(page: Any) -> None:
    """Nothing in the page's content is wider than the screen (no sideways scrolling)."""
    right = page.evaluate(_CONTENT_RIGHT)
    assert right <= PHONE["width"], f"{page.url}: content reaches {right} px"
    # The whole page too, navigation and log out included.
    whole = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert whole <= PHONE["width"], f"{page.url}: the page is {whole} px wide"


def _playwright() -> Any:
    need(Path(CHROMIUM).exists() or shutil.which("chromium") is not None, "chromium not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright not installed")
        raise
    return sync_playwright


def test_a_clearance_of_a_high_score_needs_a_second_analyst(base_url: str) -> None:
    sync_playwright = _playwright()
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = _browser(driver)
        first = browser.new_context(viewport=DESKTOP).new_page()
        watch_first = Watch(first)
        _login(first, base_url, "analyst", "/ui/alerts")
        expect(first).to_have_url(f"{base_url}/ui/alerts")
        expect(first.locator(".queue-view.current")).to_contain_text("Open")
        card = first.locator("article.alert-card", has_text="Inspur Taiwan Co.")
        # The counterparty beside the entry: its address next to the entry's.
        expect(card.locator("section[aria-label=Counterparty]")).to_contain_text("New Taipei City")
        expect(card.locator("section[aria-label='List entry']")).to_contain_text("TW")
        card.locator("input[name=reason]").fill("A namesake: our customer is a bakery")
        card.locator("button[value=false_positive]").click()
        expect(first.locator(".alert-ok")).to_contain_text("awaits a second analyst")
        first.goto(f"{base_url}/ui/alerts?status=pending_approval")
        pending = first.locator("article.alert-card", has_text="Inspur Taiwan Co.")
        expect(pending.locator(".status.pending").first).to_be_visible()
        expect(pending.locator("button", has_text="Approve")).to_have_count(0)
        first.screenshot(path=str(SCREENSHOTS / "alerts-pending.png"), full_page=True)
        watch_first.check()

        second = browser.new_context(viewport=DESKTOP).new_page()
        watch_second = Watch(second)
        _login(second, base_url, "admin", "/ui/alerts?status=pending_approval")
        pending = second.locator("article.alert-card", has_text="Inspur Taiwan Co.")
        pending.locator("input[name=reason]").fill("Checked the registry extract: agreed")
        pending.locator("button", has_text="Approve").click()
        expect(second.locator(".alert-ok")).to_contain_text("approved: it takes effect")
        second.goto(f"{base_url}/ui/alerts?status=decided")
        decided = second.locator("article.alert-card", has_text="Inspur Taiwan Co.")
        decided.locator("details.history summary").click()
        expect(decided.locator(".history")).to_contain_text("approved by admin")
        second.screenshot(path=str(SCREENSHOTS / "alerts-decided.png"), full_page=True)
        watch_second.check()

        phone = browser.new_context(viewport=PHONE).new_page()
        watch_phone = Watch(phone)
        _login(phone, base_url, "analyst", "/ui/alerts?status=all")
        expect(phone.locator("article.alert-card").first).to_be_visible()
        _fits(phone)
        phone.screenshot(path=str(SCREENSHOTS / "alerts-390.png"), full_page=True)
        watch_phone.check()
        browser.close()


def test_a_batch_with_its_columns_mapped_from_a_preview(base_url: str, tmp_path: Path) -> None:
    sync_playwright = _playwright()
    from playwright.sync_api import expect

    upload = tmp_path / "customers.csv"
    upload.write_text(UPLOAD, encoding="utf-8")
    with sync_playwright() as driver:
        browser = _browser(driver)
        for viewport in (DESKTOP, PHONE):
            page = browser.new_context(viewport=viewport).new_page()
            watch = Watch(page)
            _login(page, base_url, "viewer", "/ui/batch")
            expect(page).to_have_url(f"{base_url}/ui/batch")
            page.set_input_files("input[type=file]", str(upload))
            page.click("button:has-text('Upload and preview')")
            expect(page.locator("table.preview")).to_contain_text("Inspur Taiwan Co.")
            # "Client" is no header the guess knows for names: the analyst maps it.
            page.select_option("select[name=col_name]", "Client")
            page.select_option("select[name=col_country]", "Land")
            page.select_option("select[name=col_date_of_birth]", "Born")
            page.select_option("select[name=col_id]", "Ref")
            page.fill("input[name=threshold]", "0.85")
            if viewport is PHONE:
                _fits(page)
            page.click("button:has-text('Screen the file')")
            expect(page.locator(".status")).to_have_text("done", timeout=60_000)
            summary = page.locator(".job-summary")
            expect(summary).to_contain_text("4 rows read")
            expect(summary).to_contain_text("1 bad rows")
            expect(page.locator("svg.chart").first).to_be_visible()
            expect(page.locator("a", has_text="Download bad rows")).to_be_visible()
            if viewport is PHONE:
                _fits(page)
            page.screenshot(
                path=str(SCREENSHOTS / f"batch-{viewport['width']}.png"), full_page=True
            )
            page.goto(f"{base_url}/ui/batch")
            expect(page.locator("table.history-table")).to_contain_text("customers.csv")
            watch.check()
        browser.close()
