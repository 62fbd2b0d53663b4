"""Issue 17, the weekly and per-list part, with real parts: a project made by `newsletter
init --demo` (lists daily, weekly and alerts), the recorded week replayed with `newsletter
run --offline --date D` for Mon 23 to Fri 27 Nov 2026, transport smtp to an aiosmtpd
server on 127.0.0.1. Then the weekly email as received, in Debian chromium at 600 and
375 px, light and dark (screenshots in tests/artifacts/)."""

from __future__ import annotations

import base64
import json
import os
import re
from datetime import date, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from browser_setup import ARGS, ARTIFACTS, CHROMIUM
from smtp_server import SmtpServer
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.types import WeeklyEdition

runner = CliRunner()
WEEK = [date(2026, 11, 23) + timedelta(days=i) for i in range(5)]
FRI = WEEK[-1]
SECRET = "weekly-e2e-test-secret-" + "x" * 32  # SMTP sends need 32 bytes or more
DAILY, WEEKLY, ALERTS = ("reader@example.com", "weekly.reader@example.com",
                         "alerts.reader@example.com")


def _parse(data: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(data)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory):
    """The week replayed into aiosmtpd; yields (project folder, server, per-day outputs)."""
    root = tmp_path_factory.mktemp("weekly") / "demo"
    res = runner.invoke(app, ["init", "--demo", str(root)])
    assert res.exit_code == 0, res.output
    with SmtpServer() as srv, pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSLETTER_SECRET", SECRET)
        cfg = root / "newsletter.toml"
        text = cfg.read_text()
        text = text.replace('transport = "outbox"', 'transport = "smtp"', 1)
        text = text.replace("port = 25 ", f"port = {srv.port} ", 1)
        cfg.write_text(text)
        cwd = os.getcwd()
        os.chdir(root)
        outputs: dict[date, str] = {}
        try:
            for day in WEEK:
                res = runner.invoke(app, ["run", "--offline", "--date", day.isoformat()])
                assert res.exit_code == 0, (day, res.output)
                outputs[day] = res.output
            yield root, srv, outputs
        finally:
            os.chdir(cwd)


def _to(srv: SmtpServer, address: str) -> list[EmailMessage]:
    return [_parse(r.data) for r in srv.received if address in r.rcpt_tos]


def test_the_week_gives_five_dailies_one_weekly_on_friday_and_nothing_twice(
        week, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    root, srv, outputs = week
    dailies = _to(srv, DAILY)
    weeklies = _to(srv, WEEKLY)
    assert len(dailies) == 5 and len(weeklies) == 1
    # the alerts list gets no edition, only the price alerts of Thursday's Dy moves
    alerts = _to(srv, ALERTS)
    assert alerts and all(" alert: Dy" in m["Subject"] for m in alerts), \
        [m["Subject"] for m in alerts]
    assert len(srv.received) == 6 + len(alerts)
    # one daily per capture day, in order, each with its date in the subject
    days = [f"{d.day} {d:%b %Y}" for d in WEEK]
    assert [next(x for x in days if x in m["Subject"]) for m in dailies] == days
    wk = weeklies[0]
    assert wk["Subject"].startswith("REE Weekly: week 48, 2026 \u2014 Dy oxide +5.6%")
    assert wk["List-Unsubscribe"] and "One-Click" in wk["List-Unsubscribe-Post"]
    assert wk["List-Id"] == "REE Weekly <weekly.ree-daily.example>"
    assert dailies[0]["List-Id"] == "REE Daily <daily.ree-daily.example>"
    assert "list weekly" not in "".join(outputs[d] for d in WEEK[:4])
    assert "built the weekly recap of 2026-11-27" in outputs[FRI]
    # Friday again: the ledger says both lists are done
    res = runner.invoke(app, ["run", "--offline", "--date", FRI.isoformat()])
    assert res.exit_code == 0, res.output
    assert "already sent" in res.output and len(srv.received) == 6 + len(alerts)


def test_the_weekly_message_has_the_week_in_html_text_and_a_cid_chart(week) -> None:
    _root, srv, _ = week
    msg = _to(srv, WEEKLY)[0]
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    # sent on a Friday afternoon: a greeting for any hour, not the daily's "Good morning"
    assert "\nHello" in text and "Good morning" not in html + text
    pngs = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(pngs) == 1
    cid = pngs[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html and cid.startswith("weekly-chart.20261127@")
    for head in ("Start", "End", "W/w", "Range"):
        assert f">{head}</th>" in html
    # Dy oxide: 1,615,000 (Fri 20 Nov) -> 1,705,000 (Fri 27 Nov), +5.6%
    assert "1,615,000" in html and "1,705,000" in html and "+5.6%" in html
    assert "updated Thu, Fri" in html and "updated Thu, Fri" in text
    assert "Dy oxide led the week" in text and "TOP STORIES OF THE WEEK" in text
    assert re.search(r"Dy oxide \(CNY/t.*\): 1,615,000 \(20 Nov\) -> 1,705,000 \(27 Nov\)",
                     text)
    assert "Unsubscribe: https://" in text and "/archive/weekly/2026-11-27" in text
    # the CSS is inlined on the table cells (clients that drop <style> keep the layout)
    assert re.search(r'<td class="wk-td wk-r"[^>]*style="[^"]*padding', html)
    assert "prefers-color-scheme: dark" in html
    # at most ten stories, each once
    assert 1 <= html.count('class="wk-num"') <= 10


def test_build_list_status_and_the_archive_work_per_list(week) -> None:
    root, _srv, _ = week
    res = runner.invoke(app, ["build", "--list", "weekly", "--date", "2026-11-27"])
    assert res.exit_code == 0, res.output
    doc = json.loads((root / "var/issues/2026-11-27/weekly/edition.json").read_text())
    ed = WeeklyEdition.from_json(doc)
    assert (ed.year, ed.week, ed.start, ed.date) == (2026, 48, WEEK[0], FRI)
    assert ed.editions == tuple(WEEK) and ed.to_json() == doc
    res = runner.invoke(app, ["build", "--list", "alerts"])
    assert res.exit_code == 2 and "alerts" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["build", "--list", "nosuch"])
    assert res.exit_code == 2 and "no list named 'nosuch'" in res.output
    res = runner.invoke(app, ["status", "--json"])
    assert res.exit_code == 0, res.output
    lists = json.loads(res.output)["lists"]
    assert {n: v["kind"] for n, v in lists.items()} == {
        "daily": "daily", "weekly": "weekly", "alerts": "alerts"}
    assert lists["daily"]["last_edition"]["date"] == "2026-11-27"
    assert lists["weekly"]["last_edition"] == {"date": "2026-11-27", "status": "draft",
                                               "send": "sent"}
    assert lists["weekly"]["next_send"].startswith("20") and \
        "T16:00:00" in lists["weekly"]["next_send"]
    # the next weekly send is a Friday
    assert date.fromisoformat(lists["weekly"]["next_send"][:10]).weekday() == 4
    assert lists["alerts"]["last_edition"] is None


# --- the weekly in a real browser ------------------------------------------------------------
@pytest.fixture(scope="module")
def weekly_html(week) -> str:
    _root, srv, _ = week
    msg = _to(srv, WEEKLY)[0]
    html = msg.get_body(("html",)).get_content()
    for part in msg.walk():
        if part.get_content_type() == "image/png":
            uri = "data:image/png;base64," + base64.b64encode(part.get_content()).decode()
            html = html.replace(f"cid:{part['Content-ID'].strip('<>')}", uri)
    assert "cid:" not in html
    return html


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _page(browser, html: str, width: int, scheme: str):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = ctx.new_page()
    page.route(re.compile(r"^(?!data:).*"), lambda route: route.abort())
    page.set_content(html, wait_until="load")
    return ctx, page


@pytest.mark.browser
@pytest.mark.parametrize("width,scheme", [(600, "light"), (375, "light"), (600, "dark"),
                                          (375, "dark")])
def test_weekly_layout_in_chromium(browser, weekly_html: str, width: int, scheme: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    ctx, page = _page(browser, weekly_html, width, scheme)
    try:
        page.screenshot(path=str(ARTIFACTS / f"weekly-{width}-{scheme}.png"), full_page=True)
        sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sw <= iw, f"horizontal scrolling at {width}px: {sw} > {iw}"
        table = page.locator("table.prices")
        assert table.is_visible()
        right = page.eval_on_selector("table.prices", "e => e.getBoundingClientRect().right")
        assert right <= width
        # readable: every cell at least 11 px text, no cell narrower than its widest word
        # (no clipped or overlapping figures), each row's cells on one line of the table
        cells = page.eval_on_selector_all("table.prices td, table.prices th", """els =>
            els.map(e => ({fs: parseFloat(getComputedStyle(e).fontSize),
                           over: e.scrollWidth - e.clientWidth}))""")
        assert cells and min(c["fs"] for c in cells) >= 11
        assert max(c["over"] for c in cells) <= 0, "a price cell overflows"
        assert page.get_by_role("heading", name="Prices this week").is_visible()
        assert page.get_by_role("heading", name="Top stories of the week").is_visible()
        assert page.get_by_text("updated Thu, Fri").first.is_visible()
        assert page.get_by_role("link", name="Unsubscribe").is_visible()
        assert page.eval_on_selector("img.chart-img", "e => e.naturalWidth") > 0
        card = page.eval_on_selector("table.card", "e => getComputedStyle(e).backgroundColor")
        assert card == ("rgb(17, 24, 39)" if scheme == "dark" else "rgb(255, 255, 255)")
        # text and its background differ enough in dark mode too (the table's figures)
        color = page.eval_on_selector("td.wk-td", "e => getComputedStyle(e).color")
        assert color == ("rgb(229, 231, 235)" if scheme == "dark" else "rgb(31, 41, 55)")
    finally:
        ctx.close()


@pytest.mark.browser
@pytest.mark.parametrize("width,scheme", [(1200, "light"), (375, "dark")])
def test_weekly_archive_page_in_chromium(browser, week, width: int, scheme: str) -> None:
    from newsletter.config import load_config
    from newsletter.core import Newsletter

    root, _srv, _ = week
    nl = Newsletter(load_config(root / "newsletter.toml"))
    try:
        html = nl.store.archive_page(FRI, kind="weekly")
    finally:
        nl.close()
    assert html is not None  # published once sent
    ctx, page = _page(browser, html, width, scheme)
    try:
        page.screenshot(path=str(ARTIFACTS / f"weekly-web-{width}-{scheme}.png"),
                        full_page=True)
        sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sw <= iw
        assert page.locator("table.prices").is_visible()
        assert page.eval_on_selector("img", "e => e.naturalWidth") > 0
        assert page.get_by_role("link", name="Unsubscribe").count() == 0
    finally:
        ctx.close()


def test_the_scheduler_builds_and_sends_a_weekly_list_on_its_send_day_only(
        week, monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve`'s send job of a weekly list: on the Friday it builds the recap and sends it
    once; the daily list's Monday edition does not go to it."""
    from datetime import UTC, datetime

    from newsletter._cron import list_due_on
    from newsletter.config import ListSettings, load_config
    from newsletter.core import Newsletter
    from newsletter.schedule import send_if_due

    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    root, srv, _ = week
    (root / "subscribers" / "investors.csv").write_text("email\ninvestor@example.com\n")
    base = load_config(root / "newsletter.toml")
    lists = dict(base.lists, investors=ListSettings(file="subscribers/investors.csv",
                                                    edition="weekly", name="REE Investors"))
    cfg = base.model_copy(update={"lists": lists})
    assert [d for d in WEEK if list_due_on(cfg, "investors", d)] == [FRI]
    friday_4pm = datetime(2026, 11, 27, 16, tzinfo=UTC)
    nl = Newsletter(cfg, now=lambda: friday_4pm)
    try:
        assert nl.due_lists(WEEK[0]) == ["daily"]
        assert nl.due_lists(FRI) == ["daily", "weekly", "investors"]
        before = len(srv.received)
        assert send_if_due(nl, "investors", friday_4pm) == "sent"
        got = [_parse(r.data) for r in srv.received[before:]]
        assert [m["To"] for m in got] == ["investor@example.com"]
        # the one recap of the date, with this list's own List-Id and footer
        assert got[0]["Subject"].startswith("REE Weekly: week 48, 2026")
        assert got[0]["List-Id"] == "REE Investors <investors.ree-daily.example>"
        assert "REE Investors" in got[0].get_body(("plain",)).get_content()
        assert send_if_due(nl, "investors", friday_4pm) == "already_sent"
        assert send_if_due(nl, "weekly", friday_4pm) == "already_sent"
        assert len(srv.received) == before + 1
    finally:
        nl.close()


# --- preview, approval and the archive per list ------------------------------------------------
def test_the_preview_shows_and_approves_the_weekly_list_s_recap(week) -> None:
    import httpx
    from test_preview import serve

    from newsletter.config import load_config
    from newsletter.core import Newsletter
    from newsletter.web.preview import make_preview_app

    root, _srv, _ = week
    nl = Newsletter(load_config(root / "newsletter.toml"))
    app = make_preview_app(nl)
    try:
        with serve(app) as base:
            page = httpx.get(base + "/?list=weekly").text
            assert '<option selected>weekly</option>' in page
            assert "alerts</option>" not in page          # an alerts list has no edition
            assert "REE Weekly: week 48, 2026" in page      # the recap's own subject
            assert "Pin to top" not in page                 # no daily story edits on it
            assert "newsletter approve --date 2026-11-27 --list weekly" in page
            # only the recap's dates are offered for the weekly list
            assert '<option value="2026-11-23"' not in page
            frame = httpx.get(base + "/_email?list=weekly&date=2026-11-27").text
            assert "Prices this week" in frame and "Top stories of the week" in frame
            daily = httpx.get(base + "/_email?list=daily&date=2026-11-27").text
            assert "Prices this week" not in daily and "Top highlights" in daily
            r = httpx.post(base + "/approve", headers={"Origin": base},
                           data={"csrf": app.state.preview.csrf, "date": "2026-11-27",
                                 "list": "weekly", "by": "Ana Editor"})
            assert r.status_code == 303 and "list=weekly" in r.headers["location"]
            r = httpx.post(base + "/edit", headers={"Origin": base},
                           data={"csrf": app.state.preview.csrf, "date": "2026-11-27",
                                 "list": "weekly", "action": "note", "text": "x"})
            assert r.status_code == 400 and "weekly" in r.text
        assert nl.store.edition(FRI, "weekly")["approved_by"] == "Ana Editor"
        assert nl.store.edition(FRI)["status"] == "draft"  # the daily is its own edition
    finally:
        nl.close()


def test_the_public_archive_lists_and_serves_the_weekly_recaps(week) -> None:
    import httpx
    from test_preview import serve

    from newsletter.config import load_config
    from newsletter.core import Newsletter
    from newsletter.web.public import make_app

    root, _srv, _ = week
    nl = Newsletter(load_config(root / "newsletter.toml"))
    try:
        with serve(make_app(nl)) as base:
            index = httpx.get(base + "/archive/")
            assert index.status_code == 200
            assert 'href="/archive/weekly/2026-11-27"' in index.text
            assert "Week 48, 2026" in index.text and 'href="/archive/2026-11-23"' in index.text
            page = httpx.get(base + "/archive/weekly/2026-11-27")
            assert page.status_code == 200 and "Prices this week" in page.text
            assert httpx.get(base + "/archive/weekly/2026-11-26").status_code == 404
            assert httpx.get(base + "/archive/weekly/2026-13-40").status_code == 404
            assert "Prices this week" not in httpx.get(base + "/archive/2026-11-27").text
    finally:
        nl.close()
