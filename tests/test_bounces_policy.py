"""Bounce policy and storage (issue 14): events stored raw before acting, hard -> bounced,
soft -> scored (one point a day, forgotten, suspended, re-enabled), complaint -> suppressed
for good, auto-replies ignored, duplicates counted once, decisions explainable."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from delivery_helpers import EDITION, Clock, delivery_settings, make_factory, make_store
from typer.testing import CliRunner

from newsletter.bounces._policy import (
    acknowledge_complaints,
    complaint_pause,
    decide_pending,
    ingest_mail,
    reenable_due,
)
from newsletter.bounces._verp import make_token
from newsletter.config import BounceSettings, Config
from newsletter.deliver import OutboxTransport, import_csv, send_edition

DATA = Path(__file__).parent / "data" / "bounces"
SECRET = "test-secret"
T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def store(tmp_path):
    st = make_store(tmp_path)
    yield st
    st.close()


def cfg(**bounces) -> Config:
    return Config(bounces=BounceSettings(**bounces))


def dsn(address: str, action: str = "failed", status: str = "5.1.1", mid: str = "d1",
        to: str = "bounces@ree-daily.example") -> bytes:
    return (f"From: MAILER-DAEMON@relay.example\r\nTo: {to}\r\nDelivered-To: {to}\r\n"
            f"Subject: Delivery Status Notification\r\nMessage-ID: <{mid}@relay.example>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;"
            " boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nReport.\r\n\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; r\r\n\r\n"
            f"Final-Recipient: rfc822; {address}\r\nAction: {action}\r\nStatus: {status}\r\n"
            f"Diagnostic-Code: smtp; {status[0]}50 {status} said no\r\n\r\n--B--\r\n").encode()


def arf(address: str, mid: str = "arf1") -> bytes:
    raw = (DATA / "yahoo_arf.eml").read_bytes().replace(b"angry.reader@yahoo.com",
                                                        address.encode())
    return raw.replace(b"arf-20261201091244-41b2", mid.encode())


def test_hard_bounce_is_stored_raw_then_bounces_the_address_on_every_list(store) -> None:
    a, _ = store.add_subscriber("daily", "dead@x.example", now=T)
    b, _ = store.add_subscriber("weekly", "dead@x.example", now=T)
    raw = dsn("dead@x.example")
    [o] = ingest_mail(store, raw, source="mailbox", config=cfg(), now=T)
    assert o.created and o.kind == "hard"
    ev = store.bounce_event(o.event_id)
    assert store.bounce_event_raw(o.event_id) == raw  # the evidence, byte for byte
    assert (ev.recipient, ev.status, ev.subscriber_id) == ("dead@x.example", "5.1.1", a.id)
    assert "daily: active -> bounced" in ev.decision and "weekly" in ev.decision
    for lst in ("daily", "weekly"):
        sub = store.get_subscriber(lst, "dead@x.example")
        assert sub.status == "bounced"
        assert f"event {o.event_id}" in sub.status_reason and "5.1.1" in sub.status_reason
    assert b.id != a.id


def test_the_same_mail_twice_is_stored_and_counted_once(store) -> None:
    store.add_subscriber("daily", "slow@x.example", now=T)
    raw = dsn("slow@x.example", "delayed", "4.4.1")
    first = ingest_mail(store, raw, source="mailbox", config=cfg(), now=T)
    again = ingest_mail(store, raw, source="mailbox", config=cfg(), now=T + timedelta(days=1))
    assert first[0].created and not again[0].created
    assert len(store.bounce_events()) == 1
    sub = store.get_subscriber("daily", "slow@x.example")
    assert store.bounce_score(sub.id).score == 1.0


def test_soft_bounces_score_once_a_day_suspend_and_reenable(store) -> None:
    sub, _ = store.add_subscriber("daily", "full@x.example", now=T)
    c = cfg(soft_threshold=3, reenable_days=5, score_reset_days=7)
    # Two bounces the same day: one point.
    for i in range(2):
        ingest_mail(store, dsn("full@x.example", "delayed", "4.2.2", mid=f"a{i}"),
                    source="mailbox", config=c, now=T)
    assert store.bounce_score(sub.id).score == 1.0
    [o] = ingest_mail(store, dsn("full@x.example", "delayed", "4.2.2", mid="b"),
                      source="mailbox", config=c, now=T + timedelta(days=1))
    assert "score 2/3" in o.decision
    assert store.get_subscriber("daily", sub.id).status == "active"
    [o] = ingest_mail(store, dsn("full@x.example", "delayed", "4.2.2", mid="c"),
                      source="mailbox", config=c, now=T + timedelta(days=2))
    assert "active -> suspended" in o.decision
    assert store.get_subscriber("daily", sub.id).status == "suspended"
    assert store.active_recipients("daily") == []
    assert reenable_due(store, T + timedelta(days=6)) == 0  # 4 days after: not yet
    assert reenable_due(store, T + timedelta(days=7, hours=1)) == 1
    assert store.get_subscriber("daily", sub.id).status == "active"
    assert store.bounce_score(sub.id).score == 0.0


def test_soft_score_is_forgotten_after_quiet_days(store) -> None:
    sub, _ = store.add_subscriber("daily", "flaky@x.example", now=T)
    c = cfg(soft_threshold=3, score_reset_days=7)
    ingest_mail(store, dsn("flaky@x.example", "delayed", "4.4.1", mid="1"), source="m",
                config=c, now=T)
    ingest_mail(store, dsn("flaky@x.example", "delayed", "4.4.1", mid="2"), source="m",
                config=c, now=T + timedelta(days=1))
    [o] = ingest_mail(store, dsn("flaky@x.example", "delayed", "4.4.1", mid="3"), source="m",
                      config=c, now=T + timedelta(days=20))
    assert "score 1/3" in o.decision
    assert store.get_subscriber("daily", sub.id).status == "active"


def test_complaint_suppresses_and_a_csv_import_never_brings_it_back(store, tmp_path) -> None:
    store.add_subscriber("daily", "angry@x.example", now=T)
    [o] = ingest_mail(store, arf("angry@x.example"), source="mailbox", config=cfg(), now=T)
    assert o.kind == "complaint" and "active -> complained" in o.decision
    csv = tmp_path / "daily.csv"
    csv.write_text("email,name\nangry@x.example,Angry Reader\nnew@x.example,New\n")
    rep = import_csv(store, csv, "daily", now=T + timedelta(days=1))
    assert rep.kept_suppressed == 1
    assert store.get_subscriber("daily", "angry@x.example").status == "complained"
    assert [s.email for s in store.active_recipients("daily")] == ["new@x.example"]


@pytest.mark.parametrize("name", ["vacation_rfc3834.eml", "outlook_autoreply.eml",
                                  "autoresponder_header.eml"])
def test_auto_replies_are_stored_but_never_acted_on(store, name) -> None:
    sub, _ = store.add_subscriber("daily", "m.keller@magnet-maker.example", now=T)
    [o] = ingest_mail(store, (DATA / name).read_bytes(), source="mailbox", config=cfg(),
                      now=T)
    assert o.kind == "auto-reply" and o.decision == "ignored: auto-reply"
    assert store.get_subscriber("daily", sub.id).status == "active"
    assert store.bounce_score(sub.id) is None


def test_verp_names_the_subscriber_when_the_report_names_nobody(store) -> None:
    sub, _ = store.add_subscriber("daily", "real.reader@x.example", now=T)
    token = make_token(SECRET, sub.id)
    raw = (DATA / "verp_only_unreadable.eml").read_bytes().replace(
        b"5c-abcdefghij", token.encode())
    [o] = ingest_mail(store, raw, source="mailbox", config=cfg(), now=T)
    ev = store.bounce_event(o.event_id)
    assert (ev.kind, ev.subscriber_id, ev.evidence["matched_by"]) == ("soft", sub.id, "verp")
    assert store.bounce_score(sub.id).score == 1.0


def test_a_forged_verp_token_identifies_nobody(store) -> None:
    store.add_subscriber("daily", "victim@x.example", now=T)
    [o] = ingest_mail(store, (DATA / "verp_only_unreadable.eml").read_bytes(),
                      source="mailbox", config=cfg(), now=T)
    ev = store.bounce_event(o.event_id)
    assert ev.subscriber_id is None and ev.evidence["verp_valid"] is False
    assert "no subscriber" in ev.decision


def test_an_event_stored_by_a_run_that_died_is_decided_by_the_next(store) -> None:
    sub, _ = store.add_subscriber("daily", "dead@x.example", now=T)
    eid, _ = store.record_bounce_event(dedupe_key="mail:x", source="mailbox", received=T,
                                       kind="hard", raw=b"...", recipient="dead@x.example",
                                       subscriber_id=sub.id, list_name="daily")
    assert store.get_subscriber("daily", sub.id).status == "active"
    assert decide_pending(store, cfg(), T) == 1
    assert store.get_subscriber("daily", sub.id).status == "bounced"
    assert decide_pending(store, cfg(), T) == 0


def _sent_edition(store, tmp_path, n: int) -> list[str]:
    from delivery_helpers import populate

    emails = populate(store, n)
    send_edition(store, make_factory(), OutboxTransport(tmp_path / "outbox"),
                 edition_date=EDITION, list_name="daily", settings=delivery_settings(),
                 now_fn=Clock())
    return emails


def test_complaint_rate_above_the_limit_pauses_the_next_send_until_acknowledged(
        store, tmp_path) -> None:
    emails = _sent_edition(store, tmp_path, 400)
    after = datetime(2026, 11, 24, 12, tzinfo=UTC)
    nxt = EDITION + timedelta(days=1)
    ingest_mail(store, arf(emails[0], "c0"), source="mailbox", config=cfg(), now=after)
    # 1 / 400 = 0.25 %: under the 0.3 % limit.
    assert complaint_pause(store, cfg(), "daily", nxt) is None
    ingest_mail(store, arf(emails[1], "c1"), source="mailbox", config=cfg(), now=after)
    reason = complaint_pause(store, cfg(), "daily", nxt)
    assert reason and "0.50%" in reason and "2 complaints / 400 sent" in reason
    assert "newsletter bounces resume --list daily" in reason
    [rates] = store.bounce_rates()
    assert (rates["edition"], rates["complaints"], rates["complaint_rate"]) == (
        EDITION.isoformat(), 2, 0.005)
    assert acknowledge_complaints(store, "daily", "ops", after) == EDITION.isoformat()
    assert complaint_pause(store, cfg(), "daily", nxt) is None


def test_cli_send_pauses_with_the_alert_and_status_shows_rates(project, monkeypatch) -> None:
    from newsletter.cli import app

    res = runner.invoke(app, ["run", "--offline", "--date", "2026-11-24"])
    assert res.exit_code == 0, res.output
    first = sorted((project / "var/outbox/2026-11-24/daily").glob("*.eml"))[0]
    to = [ln for ln in first.read_text().splitlines() if ln.startswith("To:")][0]
    address = to.split("<")[-1].strip(">").split()[-1]
    (project / "c.eml").write_bytes(arf(address))
    res = runner.invoke(app, ["bounces", "ingest", str(project / "c.eml")])
    assert res.exit_code == 0 and "complained" in res.output, res.output
    st = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    [row] = [r for r in st["bounces"]["editions"] if r["list"] == "daily"]
    assert row["complaints"] == 1 and row["complaint_rate"] > 0.003
    res = runner.invoke(app, ["run", "--offline", "--date", "2026-11-25"])
    assert res.exit_code == 1
    assert "paused" in res.output and "complaint rate of the 2026-11-24 edition" in res.output
    assert not (project / "var/outbox/2026-11-25").exists()
    assert runner.invoke(app, ["bounces", "resume", "--list", "daily"]).exit_code == 0
    res = runner.invoke(app, ["send", "--date", "2026-11-25"])
    assert res.exit_code == 0, res.output
    assert (project / "var/outbox/2026-11-25/daily").is_dir()
    # The decision is explainable from both ends.
    events = json.loads(runner.invoke(app, ["bounces", "list", "--json"]).stdout)
    assert events[0]["kind"] == "complaint" and "complained" in events[0]["decision"]
    show = json.loads(runner.invoke(app, ["subscribers", "show", address, "--json"]).stdout)
    assert show["subscriptions"][0]["status"] == "complained"
    assert show["events"][0]["id"] == events[0]["id"]
    text = runner.invoke(app, ["subscribers", "show", address]).output
    assert "complained" in text and f"#{events[0]['id']}" in text


def test_preview_source_health_panel_shows_rates_per_edition(project) -> None:
    import threading
    import time as _time

    import httpx
    import uvicorn

    from newsletter.cli import app
    from newsletter.config import load_config
    from newsletter.core import Newsletter
    from newsletter.web.preview import make_preview_app

    assert runner.invoke(app, ["run", "--offline", "--date", "2026-11-24"]).exit_code == 0
    nl = Newsletter(load_config(project / "newsletter.toml"))
    first = nl.store.subscribers("daily")[0]
    ingest_mail(nl.store, arf(first.email), source="mailbox", config=nl.config, now=nl.now())
    server = uvicorn.Server(uvicorn.Config(make_preview_app(nl), host="127.0.0.1", port=0,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        _time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        page = httpx.get(f"http://127.0.0.1:{port}/").text
    finally:
        server.should_exit = True
        thread.join(10)
        nl.close()
    table = page.split('id="bounce-rates"', 1)[1].split("</table>", 1)[0]
    assert "2026-11-24" in table and "daily" in table
    assert "above the 0.3% limit" in table and 'class="bad"' in table


def test_a_bounce_of_mail_sent_before_a_secret_rotation_still_names_its_subscriber(
        store, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = "Old-7hQ2xV9pL4mZ8rT1wK6sN3bY5cJ0dF", "New-3kR8vB1nM6qW4tZ9yH2xC7pL5sG0aD"
    sub, _ = store.add_subscriber("daily", "rotated.reader@x.example", now=T)
    raw = (DATA / "verp_only_unreadable.eml").read_bytes().replace(
        b"5c-abcdefghij", make_token(old.encode(), sub.id).encode())
    monkeypatch.setenv("NEWSLETTER_SECRET", new)
    [before] = ingest_mail(store, raw, source="mailbox", config=cfg(), now=T)
    assert store.bounce_event(before.event_id).subscriber_id is None  # old key not trusted
    monkeypatch.setenv("NEWSLETTER_SECRET_PREVIOUS", old)  # the rotation the docs describe
    [o] = ingest_mail(store, raw.replace(b"Message-ID: <", b"Message-ID: <again."),
                      source="mailbox", config=cfg(), now=T)
    ev = store.bounce_event(o.event_id)
    assert (ev.subscriber_id, ev.evidence["matched_by"]) == (sub.id, "verp")
