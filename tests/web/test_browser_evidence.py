"""The evidence, lists, changes and audit pages in a real browser: Debian's chromium driven by
Playwright against uvicorn, on the fixture lists with the real 2026 Entity List loaded on top.

Every page is checked for console errors, for requests that leave localhost (refused and
counted), and for fitting a 390 px wide screen. Skipped when chromium or playwright is missing,
unless CI=true (then it fails)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pypdf
import pytest

from exportscreen import sources
from exportscreen.casework.evidence import parse_reference
from exportscreen.model import ListCode
from exportscreen.store import Store
from exportscreen.store.plausibility import DEFAULT_PLAUSIBILITY
from tests.api.support import PASSWORD, add_users, build_app, config_for, load_fixture_lists
from tests.store.factories import el_entry, parsed
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, ENTITY_LIST, SCREENSHOTS, need, serving

pytestmark = [pytest.mark.browser, pytest.mark.shared]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def server(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser-evidence")
    with Store.open(f"sqlite:///{tmp / 'ui.db'}") as store:
        load_fixture_lists(store)  # EL and SDN versions of 2025
        # A version staged pending review (it removes 10 of 40 entries), then the real 2026
        # Entity List: thousands of additions to page through, and a size chart with a history.
        full = [el_entry(f"e{n}", f"Listed Trading Company Number {n}") for n in range(40)]
        store.import_source(
            parsed(full, name="full.csv", as_of=date(2025, 5, 1), lists=(ListCode.EL,))
        )
        store.import_source(
            parsed(full[:30], name="cut.csv", as_of=date(2025, 5, 2), lists=(ListCode.EL,)),
            plausibility=DEFAULT_PLAUSIBILITY,
        )
        store.import_source(sources.parse(raw_dir / ENTITY_LIST))
        add_users(store)
        app = build_app(store, config_for(tmp, str(store.engine.url)))
        with serving(app) as url:
            yield url


class Watch:
    """Console errors, failed page scripts and requests that would leave localhost."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []

    def attach(self, context: Any) -> None:
        def console(message: Any) -> None:
            if message.type == "error":
                self.errors.append(f"{message.text} ({message.location})")

        def guard(route: Any) -> None:
            url = route.request.url
            if urlsplit(url).scheme in ("http", "https", "ws", "wss") and (
                urlsplit(url).hostname not in LOCAL_HOSTS
            ):
                self.outside.append(url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", guard)
        context.on("page", lambda page: page.on("console", console))
        context.on("page", lambda page: page.on("pageerror", lambda e: self.errors.append(str(e))))


# The pages' own content (the shared top bar is web/templates/base.html's): the widest right edge
# of anything in <main>, and main's own scroll width.
_MAIN_WIDTH = """() => {
  const main = document.querySelector('main');
  let right = [main.scrollWidth, 'main'];
  for (const el of main.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const scrolled = el.parentElement && el.parentElement.closest('.table-wrap');
    if (box.width && !scrolled && box.right > right[0]) {
      right = [box.right, el.tagName + '.' + el.className];
    }
  }
  return [Math.ceil(right[0]), right[1]];
}"""


def _width(page: Any) -> tuple[int, str]:
    right, widest = page.evaluate(_MAIN_WIDTH)
    return int(right), str(widest)


def test_evidence_lists_changes_and_audit_in_chromium(server: str, tmp_path: Path) -> None:
    need(Path(CHROMIUM).exists(), "chromium not installed")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        need(False, "playwright not installed")
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    watch = Watch()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        watch.attach(context)
        page = context.new_page()
        page.goto(f"{server}/ui/login?next=/ui/search")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{server}/ui/search")

        # --- a screening's reference, its evidence page and its PDF ---
        page.fill("input[name=q]", "Inspur Taiwan")
        page.click("form.searchform button[type=submit]")
        reference = page.locator(".evidence-ref .ref").inner_text()
        seq = parse_reference(reference)
        page.click(".evidence-ref >> text=evidence")
        expect(page).to_have_url(f"{server}/ui/evidence/{reference}")
        expect(page.locator("h1")).to_contain_text(reference)
        expect(page.locator("table.facts")).to_contain_text("admin")
        expect(page.locator("table.versions")).to_contain_text("Entity List (BIS)")
        expect(page.locator("table.hits").first).to_contain_text("Inspur Taiwan")
        expect(page.locator("table.hits").first).to_contain_text("LICENSE_REQUIRED")
        page.screenshot(path=str(SCREENSHOTS / "evidence.png"), full_page=True)
        with page.expect_download() as started:
            page.click("text=Download PDF")
        saved = tmp_path / "evidence.pdf"
        started.value.save_as(saved)
        assert started.value.suggested_filename == f"{reference}.pdf"
        assert saved.read_bytes().startswith(b"%PDF-")
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(saved).pages)
        assert reference in text and "Inspur Taiwan" in text and f"no. {seq}" in text

        # --- lists: ages past the limits, a staged version rejected with a reason ---
        page.click("nav >> text=Lists")
        expect(page.locator("h1")).to_have_text("Lists")
        expect(page.locator("table.lists-table td.age-stale").first).to_be_visible()
        staged = page.locator("section.staged-version")
        expect(staged).to_contain_text("removes 10 of the 40 entries")
        page.screenshot(path=str(SCREENSHOTS / "lists.png"), full_page=True)
        staged.locator("input[name=reason]").fill("A partial extract, not a BIS publication")
        staged.locator("button[value=reject]").click()
        expect(page.locator(".alert-ok")).to_contain_text("rejected")
        expect(page.locator("section.staged-version")).to_have_count(0)

        # --- changes: exact counts, paging, the charts ---
        page.goto(f"{server}/ui/changes?since=2025-04-15")
        row = page.locator("table.changes-overview tr", has_text="Entity List (BIS)")
        expect(row).to_contain_text("added")
        page.screenshot(path=str(SCREENSHOTS / "changes.png"), full_page=True)
        row.locator("text=every change").click()
        expect(page.locator("p.pager").first).to_contain_text("Rows 1–100 of")
        expect(page.locator("table.changes-table tbody tr")).to_have_count(100)
        page.click("nav.pager >> text=next")
        expect(page.locator("p.pager").first).to_contain_text("Rows 101–200 of")
        chart = page.locator("img.chart").first
        expect(chart).to_be_visible()
        page.wait_for_function(
            "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"
        )
        page.screenshot(path=str(SCREENSHOTS / "changes-list.png"), full_page=True)

        # --- audit: search by reference, verify, export ---
        page.click("nav >> text=Audit")
        page.fill("input[name=reference]", reference)
        page.click("form.filters button")
        expect(page.locator("table.audit-table tbody tr")).to_have_count(1)
        expect(page.locator("table.audit-table")).to_contain_text("screening.screen")
        page.click("text=Verify the whole trail")
        verdict = page.locator(".verdict strong").inner_text()
        assert verdict.startswith(("audit trail intact:", "audit chain unbroken")), verdict
        with page.expect_download() as exported:
            page.click("text=CSV")
        rows = list(csv.DictReader(io.StringIO(Path(exported.value.path()).read_text("utf-8"))))
        assert [int(r["seq"]) for r in rows] == [seq]
        page.screenshot(path=str(SCREENSHOTS / "audit.png"), full_page=True)

        # --- a 390 px screen: nothing wider than the screen ---
        narrow = context.new_page()
        narrow.set_viewport_size({"width": 390, "height": 844})
        for path in (
            f"/ui/evidence/{reference}",
            "/ui/lists",
            "/ui/changes?since=2025-04-15",
            "/ui/changes?list=EL&since=2025-04-15",
            "/ui/audit",
        ):
            narrow.goto(f"{server}{path}")
            right, widest = _width(narrow)
            assert right <= 390, (path, right, widest)
            # The whole page too, navigation and log out included: no sideways scrolling.
            page_width = narrow.evaluate("() => document.scrollingElement.scrollWidth")
            assert page_width <= 390, (path, page_width)
        narrow.screenshot(path=str(SCREENSHOTS / "audit-390.png"), full_page=True)
        browser.close()
    assert watch.errors == []
    assert watch.outside == []
