"""The sign-up form in a real browser (Debian chromium via Playwright), served by the
public app under uvicorn, the confirmation email through aiosmtpd: untick everything and
submit (the error, the typed address kept), tick the weekly recap and price alerts,
submit, open the one email's link, confirm; the store has both lists. Screenshots of the
form at 600 and 375 px, light and dark, go to tests/artifacts/."""

from __future__ import annotations

import re
import shutil
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from browser_setup import ARGS, ARTIFACTS, CHROMIUM
from smtp_server import SmtpServer
from test_preview import serve

from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.web.public import make_app

ADDRESS = "new.reader@example.org"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Using `httpx`"),
    pytest.mark.skipif(not Path(CHROMIUM).exists() and shutil.which("chromium") is None,
                       reason=f"Debian chromium is not installed ({CHROMIUM}); "
                              "apt-get install -y chromium"),
]


def _config(project: Path, smtp_port: int) -> Path:
    cfg = project / "newsletter.toml"
    text = cfg.read_text(encoding="utf-8")
    text = text.replace('transport = "outbox"', 'transport = "smtp"', 1)
    cfg.write_text(text.replace("port = 25\n", f"port = {smtp_port}\n", 1), encoding="utf-8")
    (project / "subscribers" / "weekly.csv").write_text("email,name\n", encoding="utf-8")
    return cfg


def test_sign_up_for_two_lists_with_one_email(project: Path) -> None:
    pw = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with SmtpServer() as srv:
        nl = Newsletter(load_config(_config(project, srv.port)))
        try:
            with serve(make_app(nl)) as base, pw.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for width, scheme in ((600, "light"), (375, "light"), (600, "dark"),
                                      (375, "dark")):
                    ctx = browser.new_context(viewport={"width": width, "height": 900},
                                              color_scheme=scheme)
                    page = ctx.new_page()
                    page.goto(base + "/subscribe")
                    page.screenshot(path=str(ARTIFACTS / f"signup-{width}-{scheme}.png"),
                                    full_page=True)
                    sw, iw = page.evaluate(
                        "[document.documentElement.scrollWidth, window.innerWidth]")
                    assert sw <= iw, f"horizontal scrolling at {width}px"
                    ctx.close()
                page = browser.new_page(viewport={"width": 375, "height": 900})
                page.goto(base + "/subscribe")
                daily = page.get_by_label("REE Daily · the daily edition")
                weekly = page.get_by_label("REE Weekly")
                alerts = page.get_by_label("REE Daily price alerts")
                assert daily.is_checked() and not weekly.is_checked()
                assert not alerts.is_checked()
                page.get_by_label("Email address").fill(ADDRESS)
                page.get_by_label("Name").fill("New Reader")
                daily.uncheck()
                page.get_by_role("button", name="Subscribe").click()
                error = page.get_by_role("alert")
                error.wait_for()
                assert error.inner_text() == "Please tick at least one of the emails to receive."
                page.screenshot(path=str(ARTIFACTS / "signup-375-nothing-ticked.png"),
                                full_page=True)
                assert page.get_by_label("Email address").input_value() == ADDRESS
                assert page.get_by_label("Name").input_value() == "New Reader"
                page.get_by_label("REE Weekly").check()
                page.get_by_label("REE Daily price alerts").check()
                page.get_by_role("button", name="Subscribe").click()
                page.get_by_text("Check your inbox").first.wait_for()
                assert "REE Weekly and REE Daily price alerts" in page.content()

                deadline = time.monotonic() + 15
                while time.monotonic() < deadline and not srv.count_for(ADDRESS):
                    time.sleep(0.05)
                with srv.lock:
                    [got] = [r for r in srv.received if ADDRESS in r.rcpt_tos]
                msg = message_from_bytes(got.data, policy=policy.default)
                text = msg.get_body(("plain",)).get_content()
                path = re.search(r"https://ree-daily\.example(/confirm/\S+)", text).group(1)
                page.goto(base + path)
                page.screenshot(path=str(ARTIFACTS / "signup-375-confirm.png"),
                                full_page=True)
                assert nl.store.get_subscriber("weekly", ADDRESS) is None
                page.get_by_role("button", name="Confirm my subscription").click()
                page.get_by_text("You are subscribed").wait_for()
                browser.close()
        finally:
            nl.close()
        with srv.lock:
            assert [r.rcpt_tos for r in srv.received] == [(ADDRESS,)]  # one email only
    st = Newsletter(load_config(project / "newsletter.toml"))
    try:
        assert st.store.get_subscriber("daily", ADDRESS) is None
        for name in ("weekly", "alerts"):
            sub = st.store.get_subscriber(name, ADDRESS)
            assert sub.status == "active" and sub.name == "New Reader"
    finally:
        st.close()
