"""The preferences page in a real browser (Debian chromium via Playwright), served by the
public app under uvicorn: a daily subscriber ticks the weekly recap and price alerts for
Tb oxide, unticks the daily, saves; the store has it, and re-importing the list files
does not undo it. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from browser_setup import ARGS, ARTIFACTS, CHROMIUM
from test_preview import serve

from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.deliver import import_csv
from newsletter.deliver._tokens import make_token
from newsletter.web.public import make_app

ADDRESS = "anna.lindqvist@example.com"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and shutil.which("chromium") is None,
                       reason=f"Debian chromium is not installed ({CHROMIUM}); "
                              "apt-get install -y chromium"),
]


def _with_weekly(project: Path) -> Path:
    cfg = project / "newsletter.toml"
    text = cfg.read_text(encoding="utf-8")
    if "[lists.weekly]" not in text:
        text = text.replace("[lists.alerts]", '[lists.weekly]\nfile = "subscribers/weekly.csv"'
                            '\nname = "REE Weekly"\nedition = "weekly"\n\n[lists.alerts]', 1)
        cfg.write_text(text, encoding="utf-8")
    weekly = project / "subscribers" / "weekly.csv"
    if not weekly.exists():
        weekly.write_text("email,name\nd.wright@example.com,Daniel Wright\n", encoding="utf-8")
    return cfg


def _reimport(nl: Newsletter, project: Path) -> None:
    for name, ls in nl.config.lists.items():
        import_csv(nl.store, project / ls.file, name, now=datetime.now(UTC))


def test_tick_weekly_and_alerts_untick_daily_and_a_reimport_keeps_it(project: Path) -> None:
    pw = pytest.importorskip("playwright.sync_api")
    cfg = _with_weekly(project)
    nl = Newsletter(load_config(cfg))
    try:
        import_csv(nl.store, project / "subscribers" / "daily.csv", "daily",
                   now=datetime.now(UTC))
        sub = nl.store.get_subscriber("daily", ADDRESS)
        path = f"/preferences/{make_token(nl.config.secret(), 'prefs', 'daily', sub.id)}"
        ARTIFACTS.mkdir(exist_ok=True)
        with serve(make_app(nl)) as base, pw.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 420, "height": 900})
            page.goto(base + path)
            assert page.locator("#list-daily").is_checked()
            weekly = page.locator("#list-weekly")
            alerts = page.locator("#list-alerts")
            assert not weekly.is_checked() and not alerts.is_checked()
            page.screenshot(path=str(ARTIFACTS / "preferences-before.png"), full_page=True)
            weekly.check()
            alerts.check()
            page.locator("#c-tb_oxide").check()
            page.locator("#list-daily").uncheck()
            page.get_by_role("button", name="Save my emails").click()
            page.get_by_text("Your emails are saved.").wait_for()
            page.screenshot(path=str(ARTIFACTS / "preferences-after.png"), full_page=True)
            assert weekly.is_checked() and alerts.is_checked()
            assert not page.locator("#list-daily").is_checked()
            assert page.locator("#c-tb_oxide").is_checked()
            assert not page.locator("#c-dy_oxide").is_checked()
            browser.close()
        st = nl.store

        def standing() -> tuple:
            a = st.get_subscriber("alerts", ADDRESS)
            return (st.get_subscriber("daily", ADDRESS).status,
                    st.get_subscriber("weekly", ADDRESS).status, a.status,
                    st.subscriber_commodities(a.id))

        assert standing() == ("unsubscribed", "active", "active", ["tb_oxide"])
        _reimport(nl, project)  # the CSVs still list the address on daily and alerts
        assert standing() == ("unsubscribed", "active", "active", ["tb_oxide"])
    finally:
        nl.close()
