"""The bounce mailbox reader against a real Debian dovecot on loopback (issue 14): IMAP
(plain, STARTTLS, TLS) moves what it processed, POP3 deletes only what it processed,
unparseable mail is kept and reported, and SIGKILL half-way loses nothing and counts
nothing twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from delivery_helpers import make_store
from dovecot_server import PASSWORD, USER, Dovecot, available
from typer.testing import CliRunner

from newsletter.bounces import _mailbox
from newsletter.bounces._mailbox import UNPARSED_FLAG, fetch
from newsletter.config import BounceSettings, Config, MailboxSettings
from newsletter.exceptions import ConfigError, MailboxError

pytestmark = pytest.mark.skipif(not available(), reason="needs Debian dovecot-imapd and "
                                "dovecot-pop3d (apt-get install -y dovecot-imapd "
                                "dovecot-pop3d)")
DATA = Path(__file__).parent / "data" / "bounces"
T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CREDS = (USER, PASSWORD)
runner = CliRunner()


@pytest.fixture
def dovecot():
    with Dovecot() as d:
        yield d


@pytest.fixture
def store(tmp_path):
    st = make_store(tmp_path)
    yield st
    st.close()


def cfg(dv: Dovecot, protocol: str = "imap", security: str = "none", **kw) -> Config:
    port = {"imap": dv.imap_port, "pop3": dv.pop3_port}[protocol]
    if security == "tls":
        port = dv.imaps_port
    return Config(bounces=BounceSettings(mailbox=MailboxSettings(
        protocol=protocol, host="127.0.0.1", port=port, security=security, timeout=10, **kw)))


def soft_dsn(address: str, n: int) -> bytes:
    return (f"From: MAILER-DAEMON@relay.example\r\nTo: bounces@ree-daily.example\r\n"
            f"Subject: Delivery Status Notification (Delay)\r\n"
            f"Message-ID: <delay-{n}@relay.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
            "\r\n--B\r\nContent-Type: text/plain\r\n\r\nDelayed.\r\n\r\n--B\r\n"
            "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay\r\n\r\n"
            f"Final-Recipient: rfc822; {address}\r\nAction: delayed\r\nStatus: 4.2.2\r\n"
            "\r\n--B--\r\n").encode()


UNREADABLE = (b"From: postmaster@odd.example\r\nTo: bounces@ree-daily.example\r\n"
              b"Subject: Undeliverable\r\nMessage-ID: <odd-1@odd.example>\r\n\r\n"
              b"Something went wrong with a message.\r\n")


def _fixtures(store) -> list[bytes]:
    store.add_subscriber("daily", "nobody.here@metals-buyer.example", now=T)
    store.add_subscriber("daily", "full.inbox@gmail.com", now=T)
    store.add_subscriber("daily", "angry.reader@yahoo.com", now=T)
    return [(DATA / n).read_bytes() for n in ("postfix_dsn_hard.eml", "gmail_dsn_quota.eml",
                                               "yahoo_arf.eml", "vacation_rfc3834.eml")]


def test_imap_moves_processed_mail_and_keeps_what_it_cannot_read(dovecot, store) -> None:
    dovecot.append([*_fixtures(store), UNREADABLE])
    rep = fetch(store, cfg(dovecot), lambda: T, creds=CREDS)
    assert (rep.fetched, rep.stored, rep.duplicates) == (5, 5, 0)
    assert rep.kinds == {"hard": 1, "soft": 1, "complaint": 1, "auto-reply": 1, "unknown": 1}
    assert len(rep.kept) == 1 and "Undeliverable" in rep.kept[0]
    assert dovecot.count("Processed") == 4
    assert dovecot.count("INBOX") == 1  # the unreadable one stays, flagged
    m = dovecot.imap()
    m.select("INBOX")
    assert m.search(None, "KEYWORD", UNPARSED_FLAG)[1][0]
    m.logout()
    st = {s.email: s.status for s in store.subscribers("daily")}
    assert st == {"nobody.here@metals-buyer.example": "bounced",
                  "full.inbox@gmail.com": "active", "angry.reader@yahoo.com": "complained"}
    # Raw evidence of each mail is in the store.
    events = store.bounce_events()
    assert all(store.bounce_event_raw(e.id) for e in events) and len(events) == 5
    # A second run has nothing new to read.
    again = fetch(store, cfg(dovecot), lambda: T, creds=CREDS)
    assert again.fetched == 0 and dovecot.count("INBOX") == 1


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_imap_over_tls(dovecot, store, security) -> None:
    dovecot.append(_fixtures(store)[:1])
    rep = fetch(store, cfg(dovecot, security=security), lambda: T, creds=CREDS,
                ssl_context=dovecot.client_context)
    assert rep.stored == 1 and dovecot.count("Processed") == 1


def test_tls_with_an_untrusted_certificate_is_refused(dovecot, store) -> None:
    with pytest.raises(MailboxError) as exc:
        fetch(store, cfg(dovecot, security="tls"), lambda: T, creds=CREDS)
    assert "127.0.0.1" in str(exc.value) and exc.value.hint


def test_pop3_deletes_only_what_was_processed(dovecot, store) -> None:
    dovecot.append([*_fixtures(store), UNREADABLE])
    rep = fetch(store, cfg(dovecot, "pop3", "starttls"), lambda: T, creds=CREDS,
                ssl_context=dovecot.client_context)
    assert rep.stored == 5 and len(rep.kept) == 1
    assert dovecot.count("INBOX") == 1
    m = dovecot.imap()
    m.select("INBOX")
    [num] = m.search(None, "ALL")[1][0].split()
    assert b"odd-1@odd.example" in m.fetch(num, "(BODY.PEEK[HEADER])")[1][0][1]
    m.logout()


def test_pop3_run_that_fails_half_way_deletes_nothing(dovecot, store, monkeypatch) -> None:
    dovecot.append(_fixtures(store))
    real = _mailbox.ingest_mail
    calls = []

    def failing(*a, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("power cut")
        return real(*a, **kw)

    monkeypatch.setattr(_mailbox, "ingest_mail", failing)
    with pytest.raises(RuntimeError):
        fetch(store, cfg(dovecot, "pop3"), lambda: T, creds=CREDS)
    assert dovecot.count("INBOX") == 4  # no QUIT: the two marked ones were not deleted
    monkeypatch.setattr(_mailbox, "ingest_mail", real)
    rep = fetch(store, cfg(dovecot, "pop3"), lambda: T, creds=CREDS)
    assert (rep.stored, rep.duplicates) == (2, 2)
    assert dovecot.count("INBOX") == 0 and len(store.bounce_events()) == 4


def test_wrong_password_is_a_mailbox_error_with_a_hint(dovecot, store) -> None:
    with pytest.raises(MailboxError) as exc:
        fetch(store, cfg(dovecot), lambda: T, creds=(USER, "wrong"))
    assert "NEWSLETTER_BOUNCE_USERNAME" in (exc.value.hint or "")


def test_plain_text_login_to_another_host_is_refused(store) -> None:
    c = Config(bounces=BounceSettings(mailbox=MailboxSettings(host="mail.example.com",
                                                              security="none")))
    with pytest.raises(ConfigError) as exc:
        fetch(store, c, lambda: T, creds=CREDS)
    assert "in clear" in str(exc.value)


def test_missing_credentials_name_the_variables(store, dovecot) -> None:
    with pytest.raises(ConfigError) as exc:
        fetch(store, cfg(dovecot), lambda: T)
    assert "NEWSLETTER_BOUNCE_PASSWORD" in str(exc.value)


def _project(tmp_path: Path, dv: Dovecot) -> Path:
    (tmp_path / "newsletter.toml").write_text(
        f'[store]\nurl = "sqlite:///{tmp_path}/nl.db"\n[paths]\ndata = "{tmp_path}/var"\n'
        f'[bounces.mailbox]\nprotocol = "imap"\nhost = "127.0.0.1"\nport = {dv.imap_port}\n'
        'security = "none"\n')
    return tmp_path / "newsletter.toml"


def test_cli_fetch_reports_and_exits_0(dovecot, tmp_path, monkeypatch) -> None:
    from newsletter.cli import app

    conf = _project(tmp_path, dovecot)
    monkeypatch.setenv("NEWSLETTER_BOUNCE_USERNAME", USER)
    monkeypatch.setenv("NEWSLETTER_BOUNCE_PASSWORD", PASSWORD)
    dovecot.append([(DATA / "ses_dsn.eml").read_bytes(), UNREADABLE])
    res = runner.invoke(app, ["bounces", "fetch", "--config", str(conf), "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["fetched"] == 2 and len(rep["kept"]) == 1
    monkeypatch.setenv("NEWSLETTER_BOUNCE_PASSWORD", "wrong")
    res = runner.invoke(app, ["bounces", "fetch", "--config", str(conf)])
    assert res.exit_code == 1 and "hint" in res.output and "Traceback" not in res.output


def test_sigkill_during_a_mailbox_run_loses_nothing_and_counts_nothing_twice(
        dovecot, tmp_path) -> None:
    conf = _project(tmp_path, dovecot)
    n = 300
    addresses = [f"reader{i:04d}@x.example" for i in range(n)]
    from newsletter.store import open_store

    st = open_store(f"sqlite:///{tmp_path}/nl.db")
    for a in addresses:
        st.add_subscriber("daily", a, now=T)
    st.close()
    dovecot.append([soft_dsn(a, i) for i, a in enumerate(addresses)])
    env = {**os.environ, "NEWSLETTER_BOUNCE_USERNAME": USER,
           "NEWSLETTER_BOUNCE_PASSWORD": PASSWORD}
    cmd = [sys.executable, "-m", "newsletter.cli", "bounces", "fetch", "--config", str(conf)]
    log = (tmp_path / "child.log").open("wb")
    child = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
    db = tmp_path / "nl.db"
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and child.poll() is None:
        try:
            with sqlite3.connect(db, timeout=1) as c:
                stored = c.execute("select count(*) from bounce_events").fetchone()[0]
        except sqlite3.OperationalError:
            stored = 0
        if stored >= 40:
            break
        time.sleep(0.01)
    assert child.poll() is None, (tmp_path / "child.log").read_text()
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert 0 < dovecot.count("Processed") < n  # it really died half-way
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert dovecot.count("INBOX") == 0
    # Every message reached the processed folder. A message whose MOVE the kill cut short
    # can be there twice (IMAP copies before it expunges); it is stored once all the same.
    assert len(set(dovecot.message_ids("Processed"))) == n
    with sqlite3.connect(db) as c:
        assert c.execute("select count(*), count(distinct dedupe_key) from bounce_events"
                         ).fetchone() == (n, n)
        assert c.execute("select count(*) from bounce_events where decision is null"
                         ).fetchone() == (0,)
        scores = [r[0] for r in c.execute("select score from bounce_scores")]
    assert len(scores) == n and set(scores) == {1.0}  # every bounce counted exactly once


def test_serve_reads_the_mailbox_on_its_schedule(dovecot, tmp_path, monkeypatch) -> None:
    import threading

    from newsletter.config import load_config
    from newsletter.core import Newsletter
    from newsletter.schedule import JobGuard, Runner, make_scheduler

    conf = _project(tmp_path, dovecot)
    monkeypatch.setenv("NEWSLETTER_BOUNCE_USERNAME", USER)
    monkeypatch.setenv("NEWSLETTER_BOUNCE_PASSWORD", PASSWORD)
    nl = Newsletter(load_config(conf))
    runner = Runner(nl, threading.Event(), JobGuard(nl, 30))
    sched = make_scheduler(nl, runner)
    job = sched.get_job("bounces")
    assert job is not None and job.trigger.interval.total_seconds() == 600
    dovecot.append([(DATA / "ses_dsn.eml").read_bytes()])
    rep = job.func()  # what the scheduler calls
    assert rep.stored == 1 and dovecot.count("Processed") == 1
    nl.store.close()


def test_no_mailbox_configured_means_no_scheduled_fetch(tmp_path) -> None:
    import threading

    from newsletter.config import Config
    from newsletter.core import Newsletter
    from newsletter.schedule import JobGuard, Runner, make_scheduler

    nl = Newsletter(Config(root=tmp_path))
    sched = make_scheduler(nl, Runner(nl, threading.Event(), JobGuard(nl, 30)))
    assert sched.get_job("bounces") is None
