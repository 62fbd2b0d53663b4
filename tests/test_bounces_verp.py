"""VERP (issue 14): each message's envelope sender names its subscriber, signed and short;
the visible From is unchanged; the outbox records the Return-Path."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from delivery_helpers import EDITION, Clock, delivery_settings, make_factory, make_store
from delivery_helpers import populate as add_readers
from smtp_server import SmtpServer

from newsletter._send import verp_sender
from newsletter.bounces import parse_bounce
from newsletter.bounces._verp import verify_token
from newsletter.config import Config, DeliverySettings, SmtpSettings, load_config
from newsletter.deliver import OutboxTransport, SmtpTransport, send_edition
from newsletter.exceptions import ConfigError

SECRET = b"test-secret"  # conftest sets NEWSLETTER_SECRET to this


def _config() -> Config:
    return Config(delivery=DeliverySettings(bounce_address="bounces@ree-daily.example"))


def _send(store, transport, envelope_for):
    return send_edition(store, make_factory(), transport, edition_date=EDITION,
                        list_name="daily", settings=delivery_settings(), now_fn=Clock(),
                        envelope_for=envelope_for)


def test_smtp_mail_from_is_a_signed_per_subscriber_address(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_readers(store, 5)
    with SmtpServer() as server:
        rep = _send(store, SmtpTransport(SmtpSettings(host=server.host, port=server.port,
                                                      timeout=5)), verp_sender(_config()))
        received = list(server.received)
    assert rep.sent == 5
    by_id = {sub.id: sub.email for sub in store.subscribers("daily")}
    senders = set()
    for r in received:
        local, _, domain = r.mail_from.partition("@")
        assert domain == "ree-daily.example" and local.startswith("bounces+")
        assert len(r.mail_from) < 40
        sid = verify_token(SECRET, local.split("+", 1)[1])
        assert sid is not None and by_id[sid] == r.rcpt_tos[0]
        msg = BytesParser(policy=policy.default).parsebytes(r.data)
        assert msg["From"] == "REE Daily <daily@ree-daily.example>"
        senders.add(r.mail_from)
    assert len(senders) == 5
    store.close()


def test_without_bounce_address_the_envelope_is_the_from_address(tmp_path: Path) -> None:
    assert verp_sender(Config()) is None


def test_outbox_file_records_the_return_path(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_readers(store, 2)
    out = tmp_path / "outbox"
    _send(store, OutboxTransport(out), verp_sender(_config()))
    files = sorted((out / EDITION.isoformat() / "daily").glob("*.eml"))
    assert len(files) == 2
    for f in files:
        raw = f.read_bytes()
        assert raw.startswith(b"Return-Path: <bounces+")
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        token = msg["Return-Path"].strip("<>").split("@")[0].split("+")[1]
        sid = int(f.name.split("-")[0])
        assert verify_token(SECRET, token) == sid
    store.close()


def test_a_bounce_to_the_verp_address_identifies_the_subscriber(tmp_path: Path) -> None:
    # An unreadable notice, sent back to the Return-Path of a real outbox message.
    store = make_store(tmp_path)
    add_readers(store, 1)
    out = tmp_path / "outbox"
    _send(store, OutboxTransport(out), verp_sender(_config()))
    [f] = (out / EDITION.isoformat() / "daily").glob("*.eml")
    rp = BytesParser(policy=policy.default).parsebytes(f.read_bytes())["Return-Path"]
    bounce = (f"Delivered-To: {rp.strip('<>')}\r\nFrom: postmaster@isp.example\r\n"
              "Subject: Returned\r\n\r\nCould not deliver.\r\n").encode()
    r = parse_bounce(bounce)
    assert verify_token(SECRET, r.verp_token) == int(f.name.split("-")[0])
    store.close()


@pytest.mark.parametrize("bad", ["bounces+x@ree-daily.example", "no-at-sign", "a@localhost",
                                 "Bounces <bounces@ree-daily.example>"])
def test_bad_bounce_address_is_a_config_error_naming_the_key(tmp_path: Path, bad: str) -> None:
    f = tmp_path / "newsletter.toml"
    f.write_text(f'[delivery]\nbounce_address = "{bad}"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    assert "delivery.bounce_address" in str(exc.value)
