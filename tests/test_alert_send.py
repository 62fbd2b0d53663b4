"""Price-move alerts end to end: the recorded week replayed (`newsletter run --offline
--date D`, Mon 23 to Thu 26 Nov 2026) into aiosmtpd, the Thursday Dy move alerted once to
the alerts list's subscribers who want it, never again on a replay; the service's collect
job sends the alert before any build."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from smtp_server import SmtpServer
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.deliver import import_csv

runner = CliRunner()
SECRET = "alerts-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
MON = date(2026, 11, 23)
WEEK = [MON + timedelta(days=i) for i in range(5)]
ALERTS_CSV = ("email,name\nall@example.com,All Moves\ndy@example.com,Dy Desk\n"
              "tb@example.com,Tb Only\n")


def _project(root: Path, smtp_port: int, extra: str = "") -> Path:
    res = runner.invoke(app, ["init", "--demo", str(root)])
    assert res.exit_code == 0, res.output
    cfg = root / "newsletter.toml"
    text = cfg.read_text(encoding="utf-8")
    text = text.replace('transport = "outbox"', 'transport = "smtp"', 1)
    text = text.replace("port = 25 ", f"port = {smtp_port} ", 1)
    cfg.write_text(text + extra, encoding="utf-8")
    (root / "subscribers" / "alerts.csv").write_text(ALERTS_CSV, encoding="utf-8")
    nl = Newsletter(load_config(cfg))
    try:  # the subscribers' own choices, as the preferences page stores them
        import_csv(nl.store, root / "subscribers" / "alerts.csv", "alerts",
                   now=datetime.now(UTC))
        for email, choice in (("dy@example.com", ["dy_oxide", "tb_oxide"]),
                              ("tb@example.com", ["tb_oxide"])):
            sub = nl.store.get_subscriber("alerts", email)
            nl.store.set_subscriber_commodities(sub.id, choice, datetime.now(UTC))
    finally:
        nl.close()
    return cfg


def _run(root: Path, *args: str) -> str:
    cwd, old = os.getcwd(), os.environ.get("NEWSLETTER_SECRET")
    os.chdir(root)
    os.environ["NEWSLETTER_SECRET"] = SECRET  # one secret for the whole replay
    try:
        res = runner.invoke(app, ["run", "--offline", *args])
    finally:
        os.chdir(cwd)
        if old is None:
            os.environ.pop("NEWSLETTER_SECRET", None)
        else:
            os.environ["NEWSLETTER_SECRET"] = old
    assert res.exit_code == 0, res.output
    return res.output


def _alert_mails(srv: SmtpServer) -> list:
    out = []
    for r in srv.received:
        msg = BytesParser(policy=policy.default).parsebytes(r.data)
        if "alert" in str(msg["Subject"]):
            out.append((r, msg))
    return out


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, SmtpServer, dict]]:
    root = tmp_path_factory.mktemp("alertweek") / "demo"
    with SmtpServer() as srv:
        _project(root, srv.port)
        seen: dict[date, int] = {}
        for day in WEEK[:4]:
            _run(root, "--date", day.isoformat())
            seen[day] = len(_alert_mails(srv))
        yield root, srv, seen


def test_only_thursday_alerts_and_only_subscribers_who_want_the_commodity(week) -> None:
    root, srv, seen = week
    assert seen[WEEK[0]] == seen[WEEK[1]] == seen[WEEK[2]] == 0, seen
    mails = _alert_mails(srv)
    dy = [(r, m) for r, m in mails if str(m["Subject"]).startswith(
        "REE Daily alert: Dy oxide +3.0% to 1,690,000 CNY/t")]
    # "tb@" chose Tb oxide only; "all@" made no choice (all); "dy@" chose Dy and Tb
    assert sorted(r.rcpt_tos[0] for r, _ in dy) == ["all@example.com", "dy@example.com"]
    # the Dy-Fe move of the same day is its own alert; "dy@" did not choose Dy-Fe
    dyfe = [r.rcpt_tos[0] for r, m in mails if "Dy-Fe" in str(m["Subject"])]
    assert dyfe == ["all@example.com"]
    daily = [r for r in srv.received if r.rcpt_tos[0] in ("all@example.com", "dy@example.com")
             and b"alert" not in r.data.split(b"\r\n\r\n", 1)[0].lower()]
    assert not daily  # an alerts list never gets the daily edition


def test_the_alert_says_the_move_level_basis_previous_sources_and_links(week) -> None:
    _, srv, _ = week
    r, msg = next((r, m) for r, m in _alert_mails(srv)
                  if "Dy oxide" in str(m["Subject"]) and r.rcpt_tos[0] == "all@example.com")
    assert msg["List-Id"] and "alerts." in msg["List-Id"]
    assert "/unsubscribe/" in msg["List-Unsubscribe"]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ".alerts-dy_oxide." in msg["Message-ID"]
    text = msg.get_body(("plain",)).get_content()
    for want in ("Dy oxide rose 3.0% day on day to 1,685,000\u20131,695,000 CNY/t "
                 "(mid-point 1,690,000)", "from 1,640,000 on Wed 25 Nov",
                 "China ex-works, incl. 13% VAT", "SMM", "Archive: ", "/archive",
                 "Manage preferences: ", "/preferences/", "Unsubscribe: "):
        assert want in " ".join(text.split()) or want in text, (want, text)
    html = msg.get_body(("html",)).get_content()
    assert "Good morning" not in html + text  # an alert goes out at any hour
    assert len(html.encode("utf-8")) < 20 * 1024
    assert "prefers-color-scheme: dark" in html and "/preferences/" in html
    related = next(p for p in msg.walk() if p.get_content_type() == "multipart/related")
    png = next(p for p in related.iter_parts() if p.get_content_type() == "image/png")
    cid = png["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    assert png.get_payload(decode=True).startswith(b"\x89PNG")


def test_replaying_thursday_again_sends_no_alert(week) -> None:
    root, srv, _ = week
    before = len(_alert_mails(srv))
    out = _run(root, "--date", WEEK[3].isoformat())
    assert len(_alert_mails(srv)) == before
    assert "alert alerts+" not in out
    nl = Newsletter(load_config(root / "newsletter.toml"))
    try:
        sent = nl.store.alerts_sent("alerts")
        assert sorted(a.alert.commodity for a in sent) == ["dy_oxide", "dyfe"]
        assert all(a.status == "sent" for a in sent)
        assert nl.store.delivery_counts(WEEK[3], "alerts+dy_oxide")["sent"] == 2
        shown = {a["commodity"]: a for a in nl.status()["alerts"]}
        assert shown["dy_oxide"]["status"] == "sent" and shown["dy_oxide"]["headline"] == (
            "Dy oxide +3.0% to 1,690,000 CNY/t")
    finally:
        nl.close()


def test_the_daily_cap_and_a_commodity_threshold(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """max_per_day = 1: of Thursday's two crossings only the larger (relative to its
    threshold) goes out; the other is suppressed, not queued for later."""
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    with SmtpServer() as srv:
        root = tmp_path / "p"
        cfg = _project(root, srv.port)
        text = cfg.read_text().replace("max_per_day = 3 ", "max_per_day = 1 ", 1)
        cfg.write_text(text.replace("commodities = {} ", "commodities = { dy_oxide = 2.0 } ",
                                    1))
        for day in WEEK[2:4]:
            _run(root, "--date", day.isoformat(), "--no-send")
        nl = Newsletter(load_config(root / "newsletter.toml"))
        try:
            queued = nl.store.queued_alerts("alerts")
            assert [q.alert.commodity for q in queued] == ["dy_oxide"]
            assert queued[0].alert.threshold_pct == 2.0
            reports = nl.send_alerts()
        finally:
            nl.close()
        assert [r.list_name for r in reports] == ["alerts+dy_oxide"]
        assert sorted(r.rcpt_tos[0] for r, _ in _alert_mails(srv)) == [
            "all@example.com", "dy@example.com"]


def test_the_service_collect_job_sends_the_alert_before_any_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve`'s scheduled collect ([schedule] offline: the newest capture day) hands the
    alert to the relay in the same job; no build or send job has run."""
    import threading
    import time

    from newsletter.schedule import JobGuard, Runner

    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    with SmtpServer() as srv:
        root = tmp_path / "svc"
        cfg = _project(root, srv.port, "")
        text = cfg.read_text().replace("offline = false", "offline = true", 1)
        cfg.write_text(text.replace("retry_base_seconds = 60 ", "retry_base_seconds = 1 ", 1))
        snaps = root / "snapshots"
        later = sorted(p for p in snaps.iterdir() if p.is_dir() and p.name > "2026-11-26")
        for p in later:  # the service replays the newest capture day: make it Thursday
            shutil.rmtree(p)
        nl = Newsletter(load_config(cfg))
        try:
            nl.collect(offline=True, day=WEEK[2])  # Wednesday's prices are in the store
            runner_ = Runner(nl, threading.Event(), JobGuard(nl, stale_after=5))
            srv.temp_fail.add("dy@example.com")  # 451 at RCPT: deferred, not lost
            runner_.collect()
            got = [r.rcpt_tos[0] for r, m in _alert_mails(srv) if "Dy oxide" in str(m["Subject"])]
            assert got == ["all@example.com"]
            assert nl.store.latest_edition_date() is None  # no build ran
            assert [q.alert.commodity for q in nl.store.queued_alerts()] == ["dy_oxide"]
            srv.temp_fail.clear()
            time.sleep(1.2)  # the deferred row's next attempt (retry_base_seconds = 1)
            runner_.retry()  # the service's retry job resumes the deferred alert
            got = [r.rcpt_tos[0] for r, m in _alert_mails(srv) if "Dy oxide" in str(m["Subject"])]
            assert sorted(got) == ["all@example.com", "dy@example.com"]
            assert nl.store.queued_alerts() == []
            runner_.collect()  # the next scheduled collect: nothing new, nothing sent
            runner_.retry()
            assert len(_alert_mails(srv)) == 3
        finally:
            nl.close()
