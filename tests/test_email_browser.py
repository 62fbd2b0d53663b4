"""The built email in a real browser (Debian chromium via Playwright): 600 px, 375 px and
dark mode. Screenshots go to tests/artifacts/ (git-ignored) for a human look."""

from __future__ import annotations

import base64
import json
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from browser_setup import ARGS, ARTIFACTS, CHROMIUM

from newsletter.config import Config
from newsletter.deliver._message import MessageFactory, Recipient
from newsletter.render import render_edition

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium is not installed at /usr/bin/chromium "
                              "(apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def email_html() -> str:
    """The HTML part of a real built message, its cid: image swapped for a data: URI
    (a browser cannot resolve Content-IDs)."""
    edition = json.loads((DATA / "edition.json").read_text(encoding="utf-8"))
    # The widest rows real editions carry (seven-digit ranges, a long source name) must
    # still fit 375 px: a range may break after its dash.
    edition["prices"].append(dict(edition["prices"][-1], commodity="tb_oxide",
                                  name="Tb oxide", low=5820000, high=5860000, unit="CNY/t",
                                  change=-25000, change_pct=-0.43, direction="down",
                                  source="China Rare Earth Industry Association"))
    cfg = Config(root=REPO)
    rendered = render_edition(edition, config=cfg, list_name="daily")
    raw = MessageFactory(rendered, config=cfg, list_name="daily", secret=b"t").build(
        Recipient(42, "ana@example.com", "Zoë O'Brien & Co"))
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    html = msg.get_body(("html",)).get_content()
    for part in msg.walk():
        if part.get_content_type() == "image/png":
            cid = part["Content-ID"].strip("<>")
            uri = "data:image/png;base64," + base64.b64encode(part.get_content()).decode()
            html = html.replace(f"cid:{cid}", uri)
    assert "cid:" not in html
    return html


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _page(browser, html: str, width: int, scheme: str = "light"):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                              java_script_enabled=True)
    page = ctx.new_page()
    # nothing may be fetched: every resource is inline
    page.route(re.compile(r"^(?!data:).*"), lambda route: route.abort())
    page.set_content(html, wait_until="load")
    return ctx, page


@pytest.mark.parametrize("width,scheme", [(600, "light"), (375, "light"), (600, "dark"),
                                          (375, "dark")])
def test_layout(browser, email_html: str, width: int, scheme: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    ctx, page = _page(browser, email_html, width, scheme)
    try:
        page.screenshot(path=str(ARTIFACTS / f"email-{width}-{scheme}.png"), full_page=True)
        sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sw <= iw, f"horizontal scrolling at {width}px: {sw} > {iw}"
        alts = page.eval_on_selector_all("img", "els => els.map(e => e.getAttribute('alt'))")
        assert alts and all(a and a.strip() for a in alts)
        loaded = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
        assert all(w > 0 for w in loaded)
        assert page.locator("table.prices").is_visible()
        assert page.get_by_role("heading", name="Top highlights").is_visible()
        assert page.get_by_text("Good morning, Zoë O'Brien & Co.").is_visible()
        assert page.get_by_role("link", name="Unsubscribe").is_visible()
        # the price table fits: its right edge is inside the viewport
        right = page.eval_on_selector("table.prices", "e => e.getBoundingClientRect().right")
        assert right <= width
        card = page.eval_on_selector(
            "table.card", "e => getComputedStyle(e).backgroundColor")
        if scheme == "dark":
            assert card == "rgb(17, 24, 39)"
        else:
            assert card == "rgb(255, 255, 255)"
    finally:
        ctx.close()


def test_single_column_on_narrow_screens(browser, email_html: str) -> None:
    ctx, page = _page(browser, email_html, 375)
    try:
        pad = page.eval_on_selector("td.story", "e => getComputedStyle(e).paddingLeft")
        assert pad == "16px"
        # no content cell is squeezed beside another one below 480 px
        widths = page.eval_on_selector_all(
            "td.story, td.hl-text", "els => els.map(e => e.getBoundingClientRect().width)")
        assert min(widths) > 250
    finally:
        ctx.close()


@pytest.mark.parametrize("width,scheme", [(1200, "light"), (375, "dark")])
def test_web_edition(browser, width: int, scheme: str) -> None:
    from newsletter.render import render_web_edition

    edition = json.loads((DATA / "edition.json").read_text(encoding="utf-8"))
    page_html = render_web_edition(edition, config=Config(root=REPO))
    ARTIFACTS.mkdir(exist_ok=True)
    ctx, page = _page(browser, page_html, width, scheme)
    try:
        page.screenshot(path=str(ARTIFACTS / f"web-{width}-{scheme}.png"), full_page=True)
        sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sw <= iw
        assert page.locator("table.prices").is_visible()
        assert page.eval_on_selector("img", "e => e.naturalWidth") > 0
        assert page.get_by_role("link", name="Unsubscribe").count() == 0
    finally:
        ctx.close()
