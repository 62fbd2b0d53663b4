"""Delivery against a real SMTP server (aiosmtpd on 127.0.0.1) and to the outbox."""

from __future__ import annotations

import threading
import time
from email import policy
from email.parser import BytesParser

import pytest
from delivery_helpers import EDITION, T0, Clock, delivery_settings, make_factory
from delivery_helpers import populate as add_readers
from smtp_server import SmtpServer

from newsletter.config import DeliverySettings, SmtpSettings
from newsletter.deliver import (
    OutboxTransport,
    SendRateLimiter,
    SmtpTransport,
    send_edition,
    send_test_message,
)
from newsletter.deliver._transports import Envelope
from newsletter.exceptions import HeaderInjectionError, SendError, SubscriberError


@pytest.fixture
def server():
    with SmtpServer() as srv:
        yield srv


@pytest.fixture(params=[True, False], ids=["pipelining", "one-command-at-a-time"])
def any_server(request):
    """The server with and without PIPELINING offered: the client takes either path."""
    with SmtpServer(pipelining=request.param) as srv:
        yield srv


def smtp(server: SmtpServer, connections: int = 2, **kw) -> SmtpTransport:
    return SmtpTransport(SmtpSettings(host=server.host, port=server.port,
                                      connections=connections, timeout=5), **kw)


def send(store, transport, clock=None, **kw):
    settings = kw.pop("settings", None) or delivery_settings()
    return send_edition(store, make_factory(), transport, edition_date=EDITION,
                        list_name="daily", settings=settings, now_fn=clock or Clock(), **kw)


def test_delivers_a_list_once(store, any_server):
    emails = add_readers(store, 30)
    seen = []
    rep = send(store, smtp(any_server), progress=seen.append)
    assert (rep.sent, rep.failed, rep.remaining, rep.state) == (30, 0, 0, "sent")
    assert sorted(any_server.counts) == emails and set(any_server.counts.values()) == {1}
    assert seen[-1].done == 30 and seen[-1].total == 30
    msg = BytesParser(policy=policy.default).parsebytes(any_server.received[0].data)
    assert msg["To"].addresses[0].addr_spec in emails and msg["List-Unsubscribe"]
    assert any_server.received[0].mail_from == "daily@ree-daily.example"
    assert store.send_state(EDITION, "daily")["status"] == "sent"
    # exactly one edition per list per day
    again = send(store, smtp(any_server))
    assert again.already_sent and again.sent == 0 and any_server.total == 30
    rows = store.deliveries(EDITION, "daily")
    assert all(r["status"] == "sent" and r["message_id"] for r in rows)


def test_outbox_files_parse_and_resend_overwrites(tmp_path, store):
    add_readers(store, 5)
    store.add_subscriber("daily", "zoe@bücher.example", "Zoë Ærø", now=T0)
    out = tmp_path / "outbox"
    rep = send(store, OutboxTransport(out), settings=DeliverySettings())
    assert rep.sent == 6
    files = sorted((out / EDITION.isoformat() / "daily").glob("*.eml"))
    assert len(files) == 6
    for f in files:
        msg = BytesParser(policy=policy.default).parsebytes(f.read_bytes())
        assert msg["Subject"] and msg.get_body(("plain",)) is not None
        assert f.name.split("-")[0].isdigit()
    zoe = [f for f in files if b"zoe@xn--bcher-kva.example" in f.read_bytes()]
    assert zoe and "Zoë Ærø" in str(BytesParser(policy=policy.default)
                                    .parsebytes(zoe[0].read_bytes())["To"])
    assert not list(out.rglob(".*.tmp"))
    # a resend writes the same file names
    store.finish_send(EDITION, "daily", "paused", None, T0)
    for r in store.deliveries(EDITION, "daily"):
        store.release_delivery(EDITION, "daily", r["subscriber_id"], "again", T0)
    send(store, OutboxTransport(out), settings=DeliverySettings())
    assert sorted((out / EDITION.isoformat() / "daily").glob("*.eml")) == files


def test_451_defers_then_later_run_delivers(store, server):
    emails = add_readers(store, 10)
    server.temp_fail.update(emails[:3])
    clock = Clock()
    rep = send(store, smtp(server), clock)
    assert (rep.sent, rep.deferred, rep.state) == (7, 3, "deferred")
    assert rep.next_attempt is not None and rep.next_attempt > T0
    assert store.pending_deliveries_summary()[0]["deferred"] == 3
    # not due yet: nothing happens
    assert send(store, smtp(server), clock).sent == 0
    server.temp_fail.clear()
    clock.advance(61)
    rep = send(store, smtp(server), clock)
    assert (rep.sent, rep.state) == (3, "sent")
    assert all(server.count_for(e) == 1 for e in emails)


def test_451_gives_up_after_max_attempts(store, server):
    emails = add_readers(store, 3)
    server.temp_fail.add(emails[0])
    clock = Clock()
    settings = delivery_settings(max_attempts=3, retry_base_seconds=10)
    for _ in range(3):
        rep = send(store, smtp(server), clock, settings=settings)
        clock.advance(3600)
    assert rep.state == "sent" and rep.failed == 1
    row = store.deliveries(EDITION, "daily", ["failed"])[0]
    assert row["attempts"] == 3 and "gave up" in row["last_error"]
    assert store.get_subscriber("daily", emails[0]).status == "active"  # not a bounce


def test_550_bounces_and_is_skipped_next_edition(store, server):
    emails = add_readers(store, 5)
    server.perm_fail.add(emails[1])
    rep = send(store, smtp(server))
    assert (rep.sent, rep.failed, rep.bounced, rep.state) == (4, 1, 1, "sent")
    sub = store.get_subscriber("daily", emails[1])
    assert sub.status == "bounced" and "550" in sub.status_reason
    server.reset()
    server.perm_fail.clear()
    from datetime import timedelta
    rep2 = send_edition(store, make_factory(edition=EDITION + timedelta(days=1)),
                        smtp(server), edition_date=EDITION + timedelta(days=1),
                        list_name="daily", settings=delivery_settings(), now_fn=Clock())
    assert rep2.sent == 4 and server.count_for(emails[1]) == 0


def test_unsubscribed_mid_send_is_skipped(store, server):
    emails = add_readers(store, 4)
    store.plan_deliveries(EDITION, "daily", T0)
    sub = store.get_subscriber("daily", emails[2])
    store.unsubscribe("daily", sub.id, T0)
    rep = send(store, smtp(server))
    assert (rep.sent, rep.skipped) == (3, 1) and server.count_for(emails[2]) == 0


def test_dropped_connection_reconnects_without_loss(store, any_server):
    emails = add_readers(store, 24) + ["zoe@xn--bcher-kva.example"]
    store.add_subscriber("daily", "zoe@bücher.example", "Zoë", now=T0)
    any_server.drop_after = 3
    rep = send(store, smtp(any_server, connections=2))
    assert rep.sent == 25 and rep.errors == 0
    assert any_server.sessions >= 25 // 3  # it really did reconnect
    assert all(any_server.count_for(e) == 1 for e in emails)


def test_server_down_pauses_then_resumes(store, server):
    emails = add_readers(store, 20)
    server.drop_after = 5
    transport = smtp(server, connections=1)
    stop_after = 8

    def progress(p):
        if p.sent == stop_after and server.controller is not None:
            server.stop()  # the server goes away mid-send
    rep = send(store, transport, progress=progress)
    assert rep.paused and rep.state == "paused"
    assert "127.0.0.1" in rep.pause_reason and "check [delivery.smtp]" in rep.pause_reason
    assert rep.sent >= stop_after and rep.remaining == 20 - rep.sent
    assert store.send_state(EDITION, "daily")["status"] == "paused"
    assert store.delivery_counts(EDITION, "daily")["sending"] == 0
    server.start()
    server.drop_after = 0
    rep2 = send(store, smtp(server))
    assert rep2.state == "sent" and rep.sent + rep2.sent == 20
    assert all(server.count_for(e) == 1 for e in emails)


def test_connection_refused_is_translated(store):
    add_readers(store, 3)
    from smtp_server import free_port
    t = SmtpTransport(SmtpSettings(host="127.0.0.1", port=free_port(), connections=1))
    rep = send(store, t)
    assert rep.paused and rep.errors == 3 and rep.sent == 0
    assert "cannot talk to SMTP server 127.0.0.1" in rep.pause_reason
    assert "hint: check [delivery.smtp] host/port" in rep.pause_reason


def test_rate_limit_is_respected(store, server):
    add_readers(store, 20)
    settings = delivery_settings(rate_limit=40.0)
    t0 = time.monotonic()
    rep = send(store, smtp(server, connections=3), settings=settings)
    elapsed = time.monotonic() - t0
    assert rep.sent == 20
    assert elapsed >= 19 / 40 * 0.9  # loosely: not faster than the limit


def test_sliding_window_limiter():
    fake = [0.0]
    limiter = SendRateLimiter(0, window_limit=3, window_seconds=10, clock=lambda: fake[0],
                          sleep=lambda d: fake.__setitem__(0, fake[0] + d))
    times = []
    for _ in range(7):
        limiter.acquire()
        times.append(fake[0])
    assert times == [0, 0, 0, 10, 10, 10, 20]


def test_token_bucket_paces_evenly_and_catches_up():
    fake = [0.0]
    limiter = SendRateLimiter(10, clock=lambda: fake[0],
                          sleep=lambda d: fake.__setitem__(0, fake[0] + d))
    times = []
    for _ in range(5):
        limiter.acquire()
        times.append(round(fake[0], 6))
    assert times == [0, 0.1, 0.2, 0.3, 0.4]  # no initial burst
    fake[0] += 0.35  # the sender fell behind: up to burst (1 token at 10/s) is caught up
    limiter.acquire()
    limiter.acquire()
    assert round(fake[0], 6) == 0.85


def test_stop_event_stops_after_message_in_flight(store, server):
    add_readers(store, 30)
    stop = threading.Event()

    def progress(p):
        if p.sent >= 5:
            stop.set()
    rep = send(store, smtp(server, connections=1), progress=progress, stop_event=stop)
    assert rep.paused and rep.sent == 5 and rep.remaining == 25
    assert store.delivery_counts(EDITION, "daily")["sending"] == 0
    rep = send(store, smtp(server))
    assert rep.sent == 25 and server.total == 30


def test_send_test_copy_does_not_touch_ledger(store, server):
    mid = send_test_message(make_factory(), smtp(server), "editor@example.com", "Ed")
    assert mid and server.count_for("editor@example.com") == 1
    msg = BytesParser(policy=policy.default).parsebytes(server.received[0].data)
    assert "TEST" in msg["Subject"]
    assert store.delivery_counts(EDITION, "daily")["sent"] == 0
    with pytest.raises(HeaderInjectionError):
        send_test_message(make_factory(), smtp(server), "editor@example.com",
                          "Ed\r\nBcc: x@y.example")
    with pytest.raises(SubscriberError):
        send_test_message(make_factory(), smtp(server),
                          "editor@example.com\r\nRCPT TO:<x@y.example>")
    server.perm_fail.add("gone@example.com")
    with pytest.raises(SendError, match="550"):
        send_test_message(make_factory(), smtp(server), "gone@example.com")


def test_crlf_injection_in_a_stored_name_fails_only_that_row(store, server):
    add_readers(store, 3)
    # a row that slipped in without validation (e.g. an old database)
    store.add_subscriber("daily", "mallory@example.com", "M\r\nBcc: all@example.com", now=T0)
    rep = send(store, smtp(server))
    assert rep.sent == 3 and rep.failed == 1 and not rep.paused
    assert server.count_for("all@example.com") == 0
    assert all(b"Bcc:" not in r.data for r in server.received)


def test_starttls_and_auth(store):
    with SmtpServer(security="starttls", auth=("newsletter", "s3cret")) as srv:
        add_readers(store, 4)
        good = SmtpTransport(SmtpSettings(host="localhost", port=srv.port,
                                          security="starttls", connections=1),
                             ("newsletter", "s3cret"), ssl_context=srv.client_context())
        rep = send(store, good)
        assert rep.sent == 4


def test_auth_failure_pauses_with_hint(store):
    with SmtpServer(security="starttls", auth=("newsletter", "s3cret")) as srv:
        add_readers(store, 4)
        bad = SmtpTransport(SmtpSettings(host="localhost", port=srv.port,
                                         security="starttls", connections=2),
                            ("newsletter", "wrong"), ssl_context=srv.client_context())
        rep = send(store, bad)
        assert rep.paused and rep.sent == 0
        assert "NEWSLETTER_SMTP_USERNAME/PASSWORD" in rep.pause_reason
        assert srv.total == 0


def test_untrusted_certificate_is_refused(store):
    with SmtpServer(security="starttls") as srv:
        add_readers(store, 2)
        t = SmtpTransport(SmtpSettings(host="localhost", port=srv.port, security="starttls",
                                       connections=1))
        rep = send(store, t)
        assert rep.paused and "TLS" in rep.pause_reason and srv.total == 0


def test_implicit_tls(store):
    with SmtpServer(security="tls") as srv:
        add_readers(store, 3)
        t = SmtpTransport(SmtpSettings(host="localhost", port=srv.port, security="tls",
                                       connections=1), ssl_context=srv.client_context())
        assert send(store, t).sent == 3


def test_channel_classifies_results(any_server):
    ch = smtp(any_server).channel()
    env = Envelope("daily@ree-daily.example", "ok@example.com", "daily", EDITION, 1)
    data = b"From: daily@ree-daily.example\r\nTo: ok@example.com\r\nSubject: x\r\n\r\nhi\r\n"
    assert ch.send(env, data).status == "ok"
    any_server.temp_fail.add("t@example.com")
    any_server.perm_fail.add("p@example.com")
    r = ch.send(Envelope(env.sender, "t@example.com", "daily"), data)
    assert (r.status, r.code, r.bounce) == ("temporary", 451, False)
    r = ch.send(Envelope(env.sender, "p@example.com", "daily"), data)
    assert (r.status, r.code, r.bounce) == ("permanent", 550, True)
    assert ch.send(env, data).status == "ok"  # the connection is still usable
    ch.close()


def test_exported_members_resolve():
    import newsletter.deliver as deliver

    for name in deliver.__all__:
        assert getattr(deliver, name) is not None, name


def test_make_transport_from_config(tmp_path, monkeypatch):
    from newsletter.config import Config
    from newsletter.deliver import make_transport

    assert make_transport(Config(), tmp_path).name == "outbox"
    monkeypatch.setenv("NEWSLETTER_SMTP_USERNAME", "u")
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "p")
    cfg = Config(delivery=DeliverySettings(transport="smtp"))
    t = make_transport(cfg, tmp_path)
    assert t.name == "smtp" and t.credentials == ("u", "p") and t.connections == 2


def test_outbox_test_copies_and_notices_stay_out_of_the_edition_folder(tmp_path):
    out = tmp_path / "outbox"
    send_test_message(make_factory(), OutboxTransport(out), "editor@example.com")
    files = list(out.rglob("*.eml"))
    assert len(files) == 1 and files[0].parent == out / "test" / "daily"
    ch = OutboxTransport(out).channel()
    env = Envelope("daily@ree-daily.example", "new@example.com", "daily", kind="notice")
    assert ch.send(env, b"Subject: confirm\r\n\r\nhi\r\n").status == "ok"
    assert len(list((out / "notice" / "daily").glob("notice-*.eml"))) == 1


def test_dot_stuffing_is_transparent(any_server):
    import re

    from newsletter.deliver._transports import dot_stuff

    for raw in (b".a\r\n..b\r\nc.\r\n.\r\nend", b"no dots\r\n", b"\r\n.\r\n", b""):
        assert dot_stuff(raw) == re.sub(rb"(?m)^\.", b"..", raw)
    ch = smtp(any_server).channel()
    data = (b"From: daily@ree-daily.example\r\nTo: ok@example.com\r\nSubject: x\r\n\r\n"
            b".first\r\n..second\r\n.\r\nlast\r\n")
    env = Envelope("daily@ree-daily.example", "ok@example.com", "daily", EDITION, 1)
    assert ch.send(env, data).status == "ok"
    ch.close()
    body = any_server.received[0].data.split(b"\r\n\r\n", 1)[1]
    assert body == b".first\r\n..second\r\n.\r\nlast\r\n"


def test_password_is_never_sent_in_clear_to_another_host(store):
    add_readers(store, 1)
    t = SmtpTransport(SmtpSettings(host="smtp.example.com", port=25, connections=1),
                      ("user", "pw"))
    rep = send(store, t)
    assert rep.paused and "unencrypted" in rep.pause_reason and "starttls" in rep.pause_reason


def test_silent_server_times_out_with_hint(store):
    import socket

    add_readers(store, 2)
    with socket.socket() as lsn:  # accepts connections, never says a word
        lsn.bind(("127.0.0.1", 0))
        lsn.listen(8)
        t = SmtpTransport(SmtpSettings(host="127.0.0.1", port=lsn.getsockname()[1],
                                       connections=1, timeout=0.3))
        t0 = time.monotonic()
        rep = send(store, t, settings=delivery_settings(max_errors=2))
    assert rep.paused and "timed out" in rep.pause_reason
    assert time.monotonic() - t0 < 10


def _intl_readers(store) -> list[str]:
    from newsletter.deliver import validate_address
    from newsletter.store._subscribers import SubscriberInput

    emails = ["jürgen@bücher.example", "ascii@example.com"]
    rows = []
    for e in emails:
        email, key = validate_address(e)
        rows.append(SubscriberInput(email=email, key=key, name="Jürgen"))
    store.upsert_subscribers("daily", rows, T0)
    return emails


def test_internationalised_address_goes_out_with_smtputf8(store):
    _intl_readers(store)
    with SmtpServer(smtputf8=True) as srv:
        rep = send(store, smtp(srv))
        assert (rep.sent, rep.failed) == (2, 0)
        got = {m.rcpt_tos[0]: m for m in srv.received}
    intl = got["jürgen@xn--bcher-kva.example"]  # the domain IDNA-encoded, the local part not
    assert "SMTPUTF8" in intl.mail_options
    from email.parser import Parser

    msg = Parser(policy=policy.SMTPUTF8).parsestr(intl.data.decode("utf-8"))  # RFC 6532
    assert msg["To"].addresses[0].addr_spec == "jürgen@xn--bcher-kva.example"
    assert msg["To"].addresses[0].display_name == "Jürgen"
    assert "SMTPUTF8" not in got["ascii@example.com"].mail_options  # only where needed


def test_internationalised_address_without_smtputf8_fails_alone_with_the_reason(store,
                                                                                server):
    _intl_readers(store)
    rep = send(store, smtp(server))  # the default test server does not offer SMTPUTF8
    assert (rep.sent, rep.failed) == (1, 1)
    assert list(server.counts) == ["ascii@example.com"]
    failed = [r for r in store.deliveries(EDITION, "daily") if r["status"] == "failed"]
    assert len(failed) == 1 and "SMTPUTF8" in (failed[0]["last_error"] or "")


def test_gate_holds_the_end_of_data_dot_and_can_abandon_the_message(any_server):
    from newsletter.deliver import Recipient

    ch = smtp(any_server, connections=1).channel()
    data = make_factory().build(Recipient(1, "gate@example.com", "Gate"))
    seen: list[int] = []

    def gate_open() -> bool:
        seen.append(any_server.total)  # the body is out, the dot is not: nothing accepted yet
        return True

    env = Envelope("daily@ree-daily.example", "gate@example.com", "daily", gate=gate_open)
    assert ch.send(env, data).status == "ok"
    assert seen == [0] and any_server.total == 1
    shut = Envelope("daily@ree-daily.example", "shut@example.com", "daily",
                    gate=lambda: False)
    res = ch.send(shut, data)
    assert res.status == "error" and res.fatal and "held back" in res.detail
    time.sleep(0.2)
    assert any_server.total == 1 and "shut@example.com" not in any_server.counts  # discarded
    assert ch.send(Envelope("daily@ree-daily.example", "after@example.com", "daily"),
                   data).status == "ok"  # the channel reconnects for the next message
    ch.close()
    assert any_server.counts["after@example.com"] == 1


@pytest.mark.parametrize("gates", [True, False])
def test_a_connection_hands_over_a_message_only_once_its_previous_one_is_recorded(
        store, gates):
    """The duplicate bound of a kill: whatever the group commit does, each connection's
    previous message is ``sent`` in the ledger before its next one is handed over."""
    from newsletter.deliver._transports import OK

    add_readers(store, 120)
    violations: list[tuple[int, str]] = []

    class Checking:
        def __init__(self) -> None:
            self.gates = gates
            self.prev: int | None = None

        def send(self, env: Envelope, data: bytes):
            if env.gate is not None:
                assert env.gate()
            if self.prev is not None:
                row = {r["subscriber_id"]: r for r in
                       store.deliveries(EDITION, "daily")}[self.prev]
                if row["status"] != "sent":
                    violations.append((self.prev, row["status"]))
            self.prev = env.subscriber_id
            return OK

        def close(self) -> None:
            pass

    class Transport:
        name, connections = "check", 4

        def channel(self):
            return Checking()

        def close(self) -> None:
            pass

    rep = send(store, Transport())
    assert rep.sent == 120 and rep.state == "sent"
    assert violations == []


class _BatchOnlyServer:
    """A raw SMTP server that offers PIPELINING and answers MAIL, RCPT and DATA only once
    all three have arrived: a client that waits for each reply stalls (and times out)."""

    def __init__(self, mail_reply: bytes = b"250 OK") -> None:
        import socket

        self.mail_reply = mail_reply
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.bodies: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        f = conn.makefile("rb")
        conn.sendall(b"220 batch ESMTP\r\n")
        while line := f.readline():
            cmd = line[:4].upper()
            if cmd == b"EHLO":
                conn.sendall(b"250-batch\r\n250 PIPELINING\r\n")
            elif cmd == b"MAIL":
                batch = [line, f.readline(), f.readline()]  # RCPT and DATA, unanswered
                assert batch[1][:4].upper() == b"RCPT" and batch[2].strip() == b"DATA"
                if not self.mail_reply.startswith(b"250"):
                    conn.sendall(self.mail_reply + b"\r\n503 no sender\r\n503 no rcpt\r\n")
                    continue
                conn.sendall(b"250 OK\r\n250 OK\r\n354 go\r\n")
                body = b""
                while (chunk := f.readline()) != b".\r\n":
                    body += chunk
                self.bodies.append(body)
                conn.sendall(b"250 queued\r\n")
            elif cmd in (b"RSET", b"NOOP"):
                conn.sendall(b"250 OK\r\n")
            elif cmd == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                break
        conn.close()

    def close(self) -> None:
        self.sock.close()


def test_a_pipelining_server_gets_mail_rcpt_and_data_in_one_go():
    """Where the server offers PIPELINING (RFC 2920), a message costs two round trips:
    the server here answers nothing until MAIL, RCPT and DATA have all arrived."""
    srv = _BatchOnlyServer()
    ch = SmtpTransport(SmtpSettings(host="127.0.0.1", port=srv.port, connections=1,
                                    timeout=3)).channel()
    data = b"From: daily@ree-daily.example\r\nTo: a@example.com\r\nSubject: x\r\n\r\n.hi\r\n"
    for rcpt in ("a@example.com", "b@example.com"):
        env = Envelope("daily@ree-daily.example", rcpt, "daily", EDITION, 1)
        res = ch.send(env, data)
        assert res.status == "ok", res.detail
    ch.close()
    srv.close()
    assert [b.split(b"\r\n\r\n", 1)[1] for b in srv.bodies] == [b"..hi\r\n"] * 2


def test_a_refused_sender_in_a_pipelined_batch_is_classified_and_the_stream_stays_in_step():
    srv = _BatchOnlyServer(mail_reply=b"452 4.3.1 insufficient system storage")
    ch = SmtpTransport(SmtpSettings(host="127.0.0.1", port=srv.port, connections=1,
                                    timeout=3)).channel()
    env = Envelope("daily@ree-daily.example", "a@example.com", "daily", EDITION, 1)
    res = ch.send(env, b"Subject: x\r\n\r\nhi\r\n")
    assert (res.status, res.code) == ("temporary", 452)
    # the three replies were all read and RSET answered: the connection is still usable
    assert ch.smtp is not None and ch.smtp.noop()[0] == 250
    ch.close()
    srv.close()
