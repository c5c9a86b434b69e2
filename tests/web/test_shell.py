"""The frame of every page: friendly error pages with the navigation, the API docs offline, a
skip link, and colours that meet WCAG AA."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exportscreen.store import Store
from exportscreen.web.pages import STATIC_DIR
from tests.api.support import add_users, build_app, config_for, load_fixture_lists, running
from tests.web.test_views import login


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    with Store.open(f"sqlite:///{tmp_path / 'ui.db'}") as store:
        load_fixture_lists(store)
        add_users(store)
        with running(build_app(store, config_for(tmp_path, str(store.engine.url)))) as client:
            yield client


# (path, status, what the page must say)
UI_ERRORS = [
    ("/ui/search?q=" + "x" * 301, 422, "Name: at most 300 characters, please."),
    ("/ui/changes?since=2020-13-45", 422, "Since: expected a date as YYYY-MM-DD."),
    ("/ui/search?q=acme&threshold=2", 422, "Minimum score: out of range"),
    ("/ui/no-such-page", 404, "Page not found"),
    ("/ui/entries/EL-nobody", 404, "Page not found"),
]


@pytest.mark.parametrize(("path", "code", "says"), UI_ERRORS, ids=[e[0][:40] for e in UI_ERRORS])
def test_ui_errors_are_pages_with_the_navigation(
    client: TestClient, path: str, code: int, says: str
) -> None:
    login(client, "viewer")
    response = client.get(path)
    assert response.status_code == code
    assert response.headers["content-type"].startswith("text/html")
    assert says in response.text
    assert '<nav aria-label="Pages">' in response.text and "Log out" in response.text


def test_api_errors_stay_json(client: TestClient) -> None:
    response = client.post("/v1/screen", json={"name": "x" * 301})
    assert response.headers["content-type"].startswith("application/json")


def test_an_error_page_for_someone_logged_out_has_no_navigation(client: TestClient) -> None:
    response = client.get("/ui/no-such-page")
    assert response.status_code == 404 and "<nav" not in response.text


def test_every_page_starts_with_a_skip_link_to_the_content(client: TestClient) -> None:
    login(client, "viewer")
    page = client.get("/ui/search").text
    body = page[page.index("<body>") :]
    first_link = re.search(r"<a [^>]*>", body)
    assert first_link is not None and 'href="#main"' in first_link.group(0)
    assert '<main id="main"' in page


@pytest.mark.parametrize(
    ("path", "assets"),
    [
        ("/docs", ["/static/vendor/swagger-ui.css", "/static/vendor/swagger-ui-bundle.js"]),
        ("/redoc", ["/static/redoc.js"]),
    ],
)
def test_api_docs_need_nothing_from_the_internet(
    client: TestClient, path: str, assets: list[str]
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert not re.findall(r"(?:src|href)=\"https?:", page.text)
    policy = page.headers["content-security-policy"]
    assert "http" not in policy and "script-src 'self';" in policy
    for asset in assets:
        assert asset in page.text
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 10_000


def test_redoc_is_served_without_its_cdn_logo(client: TestClient) -> None:
    assert b"cdn.redoc.ly/redoc/logo-mini.svg" not in client.get("/static/redoc.js").content


# --- WCAG AA contrast of the stylesheet's colours ------------------------------------------


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_computed_as_wcag_does() -> None:
    assert round(contrast("#ffffff", "#000000"), 1) == 21.0
    assert round(contrast("#ffffff", "#b26a00"), 2) == 4.24  # the old amber badge: too low


CSS = (STATIC_DIR / "style.css").read_text(encoding="utf-8")
VARIABLES = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", CSS))
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def _colour(value: str) -> str | None:
    value = value.strip().removesuffix("!important").strip()
    if value.startswith("var(--"):
        return VARIABLES.get(value[6:-1])
    if re.fullmatch(r"#[0-9a-fA-F]{3,6}", value):
        return value
    return None


def _coloured_rules() -> list[tuple[str, str, str]]:
    """Every rule that sets both a text colour and a background colour."""
    found = []
    for selector, body in RULE.findall(CSS):
        declarations = dict(
            (k.strip(), v) for k, _, v in (d.partition(":") for d in body.split(";")) if v
        )
        text = _colour(declarations.get("color", ""))
        background = _colour(declarations.get("background", ""))
        if text and background:
            found.append((selector.strip(), text, background))
    return found


def test_every_rule_with_a_text_and_a_background_colour_meets_aa() -> None:
    rules = _coloured_rules()
    selectors = " ".join(s for s, _, _ in rules)
    for badge in ("prohibited", "licence", "hold", "flag"):
        assert f".consequence-{badge}" in selectors
    low = [(s, t, b, round(contrast(t, b), 2)) for s, t, b in rules if contrast(t, b) < 4.5]
    assert not low


def test_white_text_badges_meet_aa() -> None:
    """Scores and list badges are white text on a coloured background set elsewhere."""
    for selector in (
        ".score.high",
        ".score.mid",
        ".score.low",
        ".list-EL",
        ".list-SDN",
        ".list-DTC",
        ".list-UN",
        ".list-EU",
        ".list-UK",
    ):
        match = re.search(re.escape(selector) + r"[^{]*\{\s*background:\s*([^;]+);", CSS)
        assert match is not None, selector
        background = _colour(match.group(1))
        assert background is not None and contrast("#ffffff", background) >= 4.5, selector


def test_the_focus_ring_stands_out_at_3_to_1() -> None:
    declared = re.search(r":focus-visible \{ outline: 3px solid ([^;]+);", CSS)
    assert declared is not None
    ring = _colour(declared.group(1))
    assert ring is not None
    for background in (VARIABLES["card"], VARIABLES["bg"]):
        assert contrast(ring, background) >= 3.0
    topbar_ring = re.search(r"\.topbar :focus-visible \{ outline-color: (#\w+);", CSS)
    topbar = re.search(r"\.topbar \{[^}]*background: (#\w+);", CSS)
    assert topbar_ring is not None and topbar is not None
    assert contrast(topbar_ring.group(1), topbar.group(1)) >= 3.0


def test_every_list_badge_has_a_background_white_text_can_be_read_on() -> None:
    """A list without a colour of its own (a declared FtM dataset) falls back to the badge's
    own background: white text is never drawn on the white page."""
    badge = re.search(r"\.badge \{[^}]*background:\s*([^;]+);", CSS)
    assert badge is not None
    background = _colour(badge.group(1))
    assert background is not None and contrast("#ffffff", background) >= 4.5
