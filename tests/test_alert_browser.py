"""A price alert in a real browser (Debian chromium via Playwright): 600 and 375 px, light
and dark. Screenshots go to tests/artifacts/ (git-ignored) for a human look."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from io import BytesIO
from pathlib import Path

import pytest
from browser_setup import ARGS, ARTIFACTS, CHROMIUM

from newsletter.config import Config
from newsletter.deliver._message import AlertMessageFactory, Recipient
from newsletter.render._alert import render_alert
from newsletter.summarize.alerts import Alert

REPO = Path(__file__).resolve().parent.parent
THU = date(2026, 11, 26)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium is not installed at /usr/bin/chromium "
                              "(apt-get install -y chromium)"),
]


def _alert() -> Alert:
    days = [THU - timedelta(days=29 - i) for i in range(30)]
    levels = [1_560_000 + 2_500 * i for i in range(29)] + [1_690_000]
    return Alert(commodity="dy_oxide", name="Dy oxide", kind="price", direction="up",
                 change=50_000, change_pct=3.0488, threshold_pct=3.0, low=1_685_000,
                 high=1_695_000, level=1_690_000, unit="CNY/t", basis="exw_china_vat",
                 basis_label="China ex-works, incl. 13% VAT", as_of=THU,
                 previous_level=1_640_000, previous_as_of=THU - timedelta(days=1),
                 sources=("SMM", "SMM 上海有色网", "China Rare Earth Industry Association"),
                 series=tuple(zip(days, map(float, levels), strict=True)))


@pytest.fixture(scope="module")
def alert_html() -> str:
    cfg = Config(root=REPO, lists={"alerts": {"file": "a.csv", "edition": "alerts",
                                              "name": "REE Daily price alerts"}})
    rendered = render_alert(_alert(), config=cfg, list_name="alerts")
    raw = AlertMessageFactory(rendered, config=cfg, list_name="alerts",
                              unit="alerts+dy_oxide", secret=b"t").build(
        Recipient(42, "ana@example.com", "Zoë O'Brien & Co"))
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    html = msg.get_body(("html",)).get_content()
    assert len(html.encode("utf-8")) < 20 * 1024
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


@pytest.mark.parametrize("width,scheme", [(600, "light"), (375, "light"), (600, "dark"),
                                          (375, "dark")])
def test_alert_layout(browser, alert_html: str, width: int, scheme: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    ctx = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page = ctx.new_page()
    page.route(re.compile(r"^(?!data:).*"), lambda route: route.abort())  # all inline
    try:
        page.set_content(alert_html, wait_until="load")
        page.screenshot(path=str(ARTIFACTS / f"alert-{width}-{scheme}.png"), full_page=True)
        sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sw <= iw, f"horizontal scrolling at {width}px: {sw} > {iw}"
        img = page.locator("img.spark")
        assert img.is_visible() and img.evaluate("e => e.naturalWidth") > 0
        assert "Dy oxide, 30 days" in (img.get_attribute("alt") or "")
        # the sparkline is see-through: the card shows around the line, no white box in
        # dark mode, and the line reads on either background
        from PIL import Image

        assert img.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
        shot = Image.open(BytesIO(img.screenshot(
            path=str(ARTIFACTS / f"alert-spark-{width}-{scheme}.png")))).convert("RGB")
        card_rgb = (17, 24, 39) if scheme == "dark" else (255, 255, 255)
        assert shot.getpixel((2, 2)) == shot.getpixel((shot.width - 20, 2)) == card_rgb
        pixels = shot.getcolors(shot.width * shot.height) or []
        if scheme == "dark":
            assert not [c for _, c in pixels if min(c) > 160], "a light patch in dark mode"
        assert any(abs(c[0] - 47) + abs(c[1] - 128) + abs(c[2] - 200) < 30
                   for _, c in pixels), "the line's blue"
        head = page.locator("p.move")
        assert head.is_visible() and head.inner_text() == "\u25b2 +3.0% Dy oxide"
        assert page.get_by_text("from 1,640,000 on Wed 25 Nov").is_visible()
        assert page.get_by_text("Hello, Zoë O'Brien & Co.").is_visible()
        for name in ("Unsubscribe", "Manage preferences", "Archive"):
            assert page.get_by_role("link", name=name, exact=True).is_visible()
        card = page.eval_on_selector("table.card", "e => getComputedStyle(e).backgroundColor")
        move = page.eval_on_selector("p.move", "e => getComputedStyle(e).color")
        if scheme == "dark":
            assert (card, move) == ("rgb(17, 24, 39)", "rgb(232, 238, 246)")
        else:
            assert (card, move) == ("rgb(255, 255, 255)", "rgb(11, 37, 64)")
        right = page.eval_on_selector("table.card", "e => e.getBoundingClientRect().right")
        assert right <= width
    finally:
        ctx.close()
