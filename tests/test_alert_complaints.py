"""The complaint pause of an alerts list: each alert is its own ledger unit
(``LIST+COMMODITY``), but the spam complaints it draws are the list's, so the rate that
pauses the list is counted over every alert the list was sent that day. Real sends
through the outbox, complaints as ARF reports of the very messages sent, then the next
queued alert of the list is held until ``newsletter bounces resume --list alerts``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.bounces._policy import complaint_pause, ingest_mail
from newsletter.cli import app
from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.summarize.alerts import Alert

runner = CliRunner()
WED, THU, FRI = date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)
DY_ONLY = [f"dy{i:02d}@example.com" for i in range(10)]
EVERYTHING = [f"all{i:02d}@example.com" for i in range(40)]


def _alert(commodity: str, name: str, day: date) -> Alert:
    return Alert(commodity=commodity, name=name, kind="price", direction="up",
                 change=50_000, change_pct=3.05, threshold_pct=3.0, low=1_680_000,
                 high=1_700_000, level=1_690_000, unit="CNY/t", basis="exw_china_vat",
                 basis_label="China ex-works, incl. 13% VAT", as_of=day,
                 previous_level=1_640_000, previous_as_of=WED, sources=("SMM",),
                 series=((WED, 1_640_000.0), (day, 1_690_000.0)))


@pytest.fixture
def nl(project: Path):
    """The clone's project (lists daily and alerts, outbox) with a 3 % complaint limit
    and 50 alerts subscribers: 10 chose Dy oxide only, 40 made no choice (all)."""
    cfg = project / "newsletter.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8")
                   + "\n[bounces]\ncomplaint_rate_limit = 0.03\n", encoding="utf-8")
    (project / "subscribers" / "alerts.csv").write_text(
        "email,name\n" + "".join(f"{a},\n" for a in DY_ONLY + EVERYTHING), encoding="utf-8")
    newsletter = Newsletter(load_config(cfg))
    now = datetime.now(UTC)
    for address in DY_ONLY:
        sub = newsletter.store.confirm_subscriber("alerts", address, "", now)
        newsletter.store.set_subscriber_commodities(sub.id, ["dy_oxide"], now)
    for address in EVERYTHING:
        newsletter.store.confirm_subscriber("alerts", address, "", now)
    yield newsletter
    newsletter.close()


def _sent(project: Path, day: date, unit: str) -> dict[str, bytes]:
    """The outbox copies of one alert, by recipient."""
    out = {}
    for f in sorted((project / "var" / "outbox" / day.isoformat() / unit).glob("*.eml")):
        raw = f.read_bytes()
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        out[msg["To"].addresses[0].addr_spec] = raw
    return out


def _arf(raw: bytes, address: str) -> bytes:
    """A Yahoo-style spam report (RFC 5965) quoting the headers of the message sent."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace").replace("\r\n", "\n")
    return (f"From: Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.yahoo.com>\n"
            f"To: bounces@ree-daily.example\nSubject: FW: an alert\n"
            f"Date: Fri, 27 Nov 2026 09:12:44 +0000\n"
            f"Message-ID: <arf-{address}@arf.mail.yahoo.com>\nMIME-Version: 1.0\n"
            'Content-Type: multipart/report; report-type=feedback-report; boundary="B"\n\n'
            "--B\nContent-Type: text/plain\n\nThis is an email abuse report.\n\n"
            "--B\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
            f"User-Agent: Yahoo!-Mail-Feedback/1.0\nVersion: 1\n"
            f"Original-Rcpt-To: <{address}>\n\n"
            f"--B\nContent-Type: message/rfc822\n\n{head}\n\nThe alert.\n\n--B--\n"
            ).encode()


def _complain(nl: Newsletter, raw: bytes, address: str) -> None:
    [out] = ingest_mail(nl.store, _arf(raw, address), source="mailbox", config=nl.config,
                        now=nl.now())
    assert out.kind == "complaint" and "complained" in (out.decision or ""), out


def test_complaints_about_alerts_pause_the_list_counted_over_all_its_alerts(
        nl: Newsletter, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nl.store.queue_alerts("alerts", [_alert("dy_oxide", "Dy oxide", THU),
                                     _alert("tb_oxide", "Tb oxide", THU)],
                          sent_on=THU, now=nl.now())
    reports = nl.send_alerts()
    assert [(r.list_name, r.state) for r in reports] == [("alerts+dy_oxide", "sent"),
                                                        ("alerts+tb_oxide", "sent")]
    dy, tb = _sent(project, THU, "alerts+dy_oxide"), _sent(project, THU, "alerts+tb_oxide")
    assert (len(dy), len(tb)) == (50, 40)  # 90 alert emails on Thursday

    # Two complaints about the Dy alert: 2 of its 50 (4 %) but 2 of the list's 90
    # alert emails that day (2.2 %), under the 3 % limit: no pause.
    for address in DY_ONLY[:2]:
        _complain(nl, dy[address], address)
    assert complaint_pause(nl.store, nl.config, "alerts", FRI) is None
    # A third, about the Tb alert: 3 / 90 = 3.3 %, above it: the list pauses.
    _complain(nl, tb[EVERYTHING[0]], EVERYTHING[0])
    reason = complaint_pause(nl.store, nl.config, "alerts", FRI)
    assert reason is not None
    assert "the 2026-11-26 alerts of 'alerts' (2 alerts)" in reason
    assert "3.33% (3 complaints / 90 sent)" in reason
    assert "newsletter bounces resume --list alerts" in reason
    # status shows the list's day, not one row per alert
    rows = [r for r in nl.store.bounce_rates() if r["list"].startswith("alerts")]
    assert [(r["list"], r["edition"], r["sent"], r["units"], r["complaints"])
            for r in rows] == [("alerts", "2026-11-26", 90, 2, 3)]

    # Friday's alert is held: nothing is sent, the report says why.
    nl.store.queue_alerts("alerts", [_alert("dy_oxide", "Dy oxide", FRI)], sent_on=FRI,
                          now=nl.now())
    [held] = nl.send_alerts()
    assert held.paused and held.list_name == "alerts+dy_oxide"
    assert "3 complaints / 90 sent" in (held.pause_reason or "")
    assert not _sent(project, FRI, "alerts+dy_oxide")

    # The operator acknowledges it; the queued alert goes out to those still subscribed
    # (the three who complained are suppressed on every list).
    monkeypatch.chdir(project)
    res = runner.invoke(app, ["bounces", "resume", "--list", "alerts"])
    assert res.exit_code == 0, res.output
    [sent] = nl.send_alerts()
    assert sent.state == "sent"
    got = set(_sent(project, FRI, "alerts+dy_oxide"))
    assert len(got) == 47 and not got & {*DY_ONLY[:2], EVERYTHING[0]}
    st = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert [r["units"] for r in st["bounces"]["editions"] if r["list"] == "alerts"] == [1, 2]
