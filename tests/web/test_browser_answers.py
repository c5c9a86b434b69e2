"""Answers first, in Debian's chromium: a search hit with its consequence badge, a party grouped
across lists, a determination, a phone's width, the API docs offline. Every page is checked for
console errors and for requests leaving this machine.

Skipped when chromium or playwright is missing, unless CI=true (then it fails)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from exportscreen.casework import audit_trail as audit
from exportscreen.casework.register import Counterparty, Register
from exportscreen.ops.loading import load_paths
from exportscreen.screening.screener import Screener
from exportscreen.store import Store
from tests.api.support import PASSWORD, add_users, build_app, config_for
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, ENTITY_LIST, need, serving

pytestmark = [pytest.mark.browser, pytest.mark.shared]
OFAC_NON_SDN = Path("watchman") / "ofac_cons_2025-12"
OFAC_SDN = Path("watchman") / "ofac_sdn_2021-07"
PHONE = {"width": 390, "height": 844}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}

# WCAG's contrast ratio of two computed CSS colours ("rgb(r, g, b)"), in the page.
CONTRAST_JS = """
([a, b]) => {
  const lum = (css) => {
    const [r, g, b] = css.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map((c) => {
      c = c / 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
"""


@pytest.fixture(scope="module")
def served(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    tmp = tmp_path_factory.mktemp("browser-answers")
    with Store.open(f"sqlite:///{tmp / 'ui.db'}") as store:
        report = load_paths(
            store, [raw_dir / ENTITY_LIST, raw_dir / OFAC_NON_SDN, raw_dir / OFAC_SDN]
        )
        assert not report.failed
        add_users(store)
        desk = Register(store, actor="setup")
        desk.add(Counterparty("C-7", "Inspur Taiwan Co.", "TW"))
        # An SDN individual (SDN-4149, born 1952-11-23 in the 2021 file) as a registered person.
        desk.add(Counterparty("C-9", "Leonardo Caviedes Cruz", "CO", "person", "", "1952-11-23"))
        desk.screen(Screener.from_entries(store.entries()))
        app = build_app(store, config_for(tmp, str(store.engine.url)))
        with serving(app) as url:
            yield url, store


class Watched:
    """A browser page whose console errors and off-machine requests are collected."""

    def __init__(self, page: Any, base_url: str):
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(f"{self.page.url}: {message.text}")

    def _request(self, request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname not in LOCAL_HOSTS:
            self.outside.append(request.url)

    def login(self, user: str = "analyst") -> None:
        page = self.page
        page.goto(f"{self.base_url}/ui/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.base_url}/ui/search")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need(Path(CHROMIUM).exists() or shutil.which("chromium") is not None, "chromium not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright not installed")
        return
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _watched(browser: Any, base_url: str, viewport: dict[str, int]) -> Iterator[Watched]:
    context = browser.new_context(viewport=viewport)
    watched = Watched(context.new_page(), base_url)
    try:
        yield watched
        assert not watched.console_errors, watched.console_errors
        assert not watched.outside, watched.outside
    finally:
        context.close()


@pytest.fixture()
def desktop(browser: Any, served: tuple[str, Store]) -> Iterator[Watched]:
    yield from _watched(browser, served[0], {"width": 1440, "height": 900})


@pytest.fixture()
def phone(browser: Any, served: tuple[str, Store]) -> Iterator[Watched]:
    yield from _watched(browser, served[0], PHONE)


def test_a_hit_says_what_it_means_and_one_party_is_grouped_across_lists(
    desktop: Watched,
) -> None:
    from playwright.sync_api import expect

    desktop.login()
    page = desktop.page
    page.fill("input[name=q]", "Inspur Group")
    page.click("form.searchform button[type=submit]")
    group = page.locator("tr.party-row").first
    expect(group).to_contain_text(re.compile("inspur group co., ltd.", re.IGNORECASE))
    expect(group).to_contain_text(re.compile(r"one party on (EL, CMIC|CMIC, EL)"))
    expect(group.locator(".consequence")).to_have_text(
        ["LICENCE REQUIRED", "INVESTMENT RESTRICTION"]
    )
    el_row = page.locator("tbody.hit-row", has=page.locator(".list-EL")).first
    el_row.locator("details.explanation summary").click()
    meaning = el_row.locator("dl.meaning")
    expect(meaning).to_contain_text("Licence requirement")
    # The footnote marker is a reference to its explanation, not a stray digit.
    footnote = el_row.locator("sup.fn a")
    expect(footnote).to_have_text("4")
    expect(el_row.locator("ol.footnotes li")).to_contain_text("Entity List FDP rule")
    assert "EAR) 4" not in meaning.inner_text()
    link = meaning.locator("a.cite", has_text="744.11").first
    assert link.get_attribute("href") == (
        "https://www.ecfr.gov/current/title-15/part-744/section-744.11"
    )
    # Every badge's text meets WCAG AA against its background, as the browser draws it.
    for badge in page.locator(".consequence, .score, .badge").all():
        colours = badge.evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
        )
        assert page.evaluate(CONTRAST_JS, colours) >= 4.5, (badge.inner_text(), colours)


def test_keyboard_users_get_a_skip_link_and_a_visible_focus_ring(desktop: Watched) -> None:
    desktop.login()
    page = desktop.page
    page.goto(f"{desktop.base_url}/ui/alerts")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto(f"{desktop.base_url}/ui/search")
    page.focus("select[name=type]")
    page.keyboard.press("Tab")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor,"
        " getComputedStyle(document.body).backgroundColor]; }"
    )
    style, width, colour, background = ring
    assert style == "solid" and width >= 2
    assert page.evaluate(CONTRAST_JS, [colour, background]) >= 3.0


def test_a_determination_in_the_browser_is_answered_and_recorded(
    desktop: Watched, served: tuple[str, Store]
) -> None:
    from playwright.sync_api import expect

    desktop.login()
    page = desktop.page
    page.goto(f"{desktop.base_url}/ui/determine?example=1")
    page.select_option("select[name=answer-military_end_use]", "no")
    page.click("form.determine-form button[value=determine]")
    expect(page.locator("#outcome")).to_have_text("HOLD")
    expect(page.locator(".result")).to_contain_text("if the pending matches and questions go")
    expect(page.locator(".party-result").first).to_contain_text("Inspur Taiwan")
    expect(page.locator("table.grounds")).to_contain_text("15 CFR")
    recorded = page.locator(".result").inner_text()
    _, store = served
    last = [r for r in audit.records(store.engine) if r.action == audit.DETERMINE][-1]
    assert f"audit record #{last.seq}" in recorded
    assert last.payload["interface"] == "ui"
    assert last.payload["transaction"]["answers"] == {"military_end_use": False}


def test_a_determination_with_rows_added_keeps_what_was_typed(
    desktop: Watched, served: tuple[str, Store]
) -> None:
    """The form posts itself back with one more row (no JavaScript): the example's parties and
    what was typed stay, and the added party is judged with them."""
    from playwright.sync_api import expect

    desktop.login()
    page = desktop.page
    page.goto(f"{desktop.base_url}/ui/determine?example=1")
    parties = page.locator("input[name$='-name'][name^='party-']")
    expect(parties).to_have_count(5)
    page.fill("input[name=party-2-name]", "Harbour Bakery Ltd")
    # An ownership file chosen before rows are added is kept (a file field cannot be refilled).
    stakes = (
        "owner,owned,percent,as_of,source\n"
        "Leonardo Caviedes Cruz,Harbour Bakery Ltd,60,2020-01-01,registry\n"
    )
    page.set_input_files(
        "input[name=ownership]",
        files=[{"name": "stakes.csv", "mimeType": "text/csv", "buffer": stakes.encode()}],
    )
    page.click("button[value=add_party]")
    expect(page.locator(".ownership-kept")).to_contain_text("stakes.csv")
    expect(page.locator(".alert-ok")).to_have_text("Party row 6 added.")
    expect(parties).to_have_count(6)
    expect(page.locator("input[name=party-0-name]")).to_have_value("Inspur Taiwan")
    expect(page.locator("input[name=party-2-name]")).to_have_value("Harbour Bakery Ltd")
    page.select_option("select[name=party-5-role]", "end_user")
    page.fill("input[name=party-5-name]", "Leonardo Caviedes Cruz")
    page.click("button[value=add_item]")
    expect(page.locator("input[name$='-eccn']")).to_have_count(5)
    page.fill("input[name=item-4-eccn]", "EAR99")
    page.select_option("select[name=answer-military_end_use]", "no")
    page.click("button[value=determine]")
    expect(page.locator("#outcome")).to_be_visible()
    expect(page.locator(".party-result")).to_have_count(4)
    expect(page.locator(".party-result").last).to_contain_text("Leonardo Caviedes Cruz")
    # Owned 60% by an SDN individual: the 50% rule reaches the bakery.
    bakery = page.locator(".party-result", has_text="Harbour Bakery Ltd")
    expect(bakery).to_contain_text("possibly restricted through ownership by Leonardo Caviedes")
    _, store = served
    last = [r for r in audit.records(store.engine) if r.action == audit.DETERMINE][-1]
    assert [p["name"] for p in last.payload["transaction"]["parties"]][-1] == (
        "Leonardo Caviedes Cruz"
    )
    assert len(last.payload["transaction"]["items"]) == 2
    assert last.payload["ownership"] == {"file": "stakes.csv", "stakes": 1}


def test_the_alert_card_shows_the_counterpartys_date_of_birth_beside_the_entrys(
    desktop: Watched,
) -> None:
    from playwright.sync_api import expect

    desktop.login()
    page = desktop.page
    page.goto(f"{desktop.base_url}/ui/alerts")
    card = page.locator("article.alert-card", has_text="Leonardo Caviedes Cruz").first
    party = card.locator("section[aria-label=Counterparty]")
    expect(party.locator(".party-born")).to_contain_text("1952-11-23")
    expect(party.locator(".born-agrees")).to_have_text("same year as the entry's")
    expect(card.locator("section[aria-label='List entry']")).to_contain_text("1952-11-23")


PHONE_PAGES = [
    "/ui/search?q=Huawei",
    "/ui/search?q=Rosneft",
    "/ui/determine?example=1",
    "/ui/alerts",
    "/ui/batch",
    "/ui/changes",
]


def test_every_page_fits_a_phone(phone: Watched) -> None:
    phone.login()
    page = phone.page
    for path in PHONE_PAGES:
        page.goto(phone.base_url + path)
        if path.startswith("/ui/determine"):
            page.click("form.determine-form button[value=determine]")
            page.wait_for_selector("#outcome")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], path
        # The navigation, log out and every control of the page's forms are on the screen.
        outside = page.evaluate(
            """width => [...document.querySelectorAll(
                   'header nav a, header button, main input, main select, main button')]
                 .map(e => [e.name || e.textContent.trim(), e.getBoundingClientRect()])
                 .filter(([, r]) => r.width > 0 && (r.left < 0 || r.right > width))
                 .map(([name]) => name)""",
            PHONE["width"],
        )
        assert not outside, (path, outside)
        assert page.locator("button:has-text('Log out')").is_visible()


def test_a_bad_query_gets_a_page_with_the_navigation(phone: Watched) -> None:
    from playwright.sync_api import expect

    phone.login()
    page = phone.page
    response = page.goto(f"{phone.base_url}/ui/search?q=" + "x" * 301)
    assert response is not None and response.status == 422
    expect(page.locator("main h1")).to_have_text("Please check what you entered")
    expect(page.locator("header nav")).to_be_visible()
    # The browser reports the 422 of the page itself; nothing else may go wrong.
    phone.console_errors = [e for e in phone.console_errors if "status of 422" not in e]


@pytest.mark.parametrize(
    ("path", "ready"), [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")]
)
def test_the_api_docs_work_offline(desktop: Watched, path: str, ready: str) -> None:
    from playwright.sync_api import expect

    desktop.page.goto(desktop.base_url + path)
    expect(desktop.page.locator(ready).first).to_contain_text("exportscreen", timeout=30_000)
