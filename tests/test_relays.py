"""Several SMTP relays (``[[delivery.relays]]``) against several aiosmtpd servers: spread
by weight, per-relay rate limits, a relay going down mid-send, pinned lists; the ledger
ends with every subscriber sent exactly once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from delivery_helpers import EDITION, Clock, delivery_settings, make_factory, populate
from smtp_server import SmtpServer

from newsletter.config import Config, RelaySettings, load_config
from newsletter.deliver import send_edition
from newsletter.deliver._relays import relay_pool
from newsletter.deliver._transports import make_transport
from newsletter.exceptions import ConfigError


@pytest.fixture
def servers():
    srvs = [SmtpServer().start() for _ in range(3)]
    yield srvs
    for s in srvs:
        s.stop()


def relay(name: str, srv: SmtpServer, **kw) -> RelaySettings:
    return RelaySettings(name=name, host="127.0.0.1", port=srv.port,
                         connections=kw.pop("connections", 2), timeout=5, **kw)


def send(store, pool):
    return send_edition(store, make_factory(), pool, edition_date=EDITION, list_name="daily",
                        settings=delivery_settings(), now_fn=Clock())


def everyone_once(store, servers, emails) -> None:
    got: dict[str, int] = {}
    for s in servers:
        for addr, n in s.counts.items():
            got[addr] = got.get(addr, 0) + n
    assert sorted(got) == sorted(emails)
    counts = store.delivery_counts(EDITION, "daily")
    assert counts["sent"] == len(emails) and counts["pending"] == counts["sending"] == 0


def test_messages_spread_across_relays_by_weight(store, servers) -> None:
    emails = populate(store, 200)
    pool = relay_pool([relay("a", servers[0], weight=3), relay("b", servers[1], weight=1)])
    rep = send(store, pool)
    pool.close()
    assert rep.sent == 200 and rep.state == "sent"
    everyone_once(store, servers, emails)
    assert set(servers[0].counts.values()) | set(servers[1].counts.values()) == {1}
    a, b = servers[0].total, servers[1].total
    assert a + b == 200 and a > 2 * b > 0  # 3:1 expected (150/50)


def test_a_relay_that_goes_down_mid_send_is_cooled_down_and_the_others_take_over(
        store, servers) -> None:
    emails = populate(store, 150)
    pool = relay_pool([relay(n, s, rate_per_second=60, cooldown_seconds=300)
                       for n, s in zip("abc", servers, strict=True)])
    victim = servers[1]

    def kill_b() -> None:
        while victim.total < 10:
            time.sleep(0.005)
        victim.stop()

    killer = threading.Thread(target=kill_b)
    killer.start()
    rep = send(store, pool)
    killer.join()
    stats = pool.stats()
    pool.close()
    assert rep.sent == 150 and rep.state == "sent", rep
    got = {}
    for s in servers:
        for addr, n in s.counts.items():
            got[addr] = got.get(addr, 0) + n
    assert sorted(got) == sorted(emails)  # nobody missed
    assert sum(n - 1 for n in got.values()) <= 2  # a message in DATA at the kill, per conn
    assert stats["b"]["failures"] >= 1 and stats["b"]["down_for"] > 0
    assert victim.total < 60 and servers[0].total + servers[2].total >= 90


def test_each_relay_keeps_its_own_hourly_limit(store, servers) -> None:
    emails = populate(store, 40)
    pool = relay_pool([relay("small", servers[0], rate_per_hour=5, weight=100),
                       relay("big", servers[1])])
    rep = send(store, pool)
    pool.close()
    assert rep.sent == 40
    assert servers[0].total == 5 and servers[1].total == 35
    everyone_once(store, servers, emails)


def test_every_relay_down_puts_the_message_back_not_failed(store, servers) -> None:
    populate(store, 5)
    pool = relay_pool([relay("a", servers[0], cooldown_seconds=300),
                       relay("b", servers[1], cooldown_seconds=300)])
    servers[0].stop()
    servers[1].stop()
    rep = send(store, pool)
    pool.close()
    assert rep.sent == 0 and rep.state != "sent"
    counts = store.delivery_counts(EDITION, "daily")
    assert counts["pending"] == 5 and counts["failed"] == 0  # the ledger resumes later


def _config(tmp_path: Path, servers: list[SmtpServer], pin: str = "") -> Config:
    cfg = tmp_path / "newsletter.toml"
    cfg.write_text(f"""
[lists.daily]
file = "daily.csv"
{pin}
[delivery]
transport = "smtp"

[[delivery.relays]]
name = "own-postfix"
host = "127.0.0.1"
port = {servers[0].port}
connections = 4
weight = 3
rate_per_second = 50
rate_per_hour = 100000

[[delivery.relays]]
name = "ses"
host = "127.0.0.1"
port = {servers[1].port}
security = "none"
username_env = "SES_SMTP_USER"
password_env = "SES_SMTP_PASSWORD"
""")
    return load_config(cfg)


def test_relays_config_and_a_pinned_list(tmp_path, servers, monkeypatch) -> None:
    cfg = _config(tmp_path, servers, pin='relays = ["own-postfix"]')
    with pytest.raises(ConfigError, match="SES_SMTP_USER, which is not set"):
        make_transport(cfg, tmp_path)  # the unpinned pool needs ses's credentials
    monkeypatch.setenv("SES_SMTP_USER", "u")
    pool = make_transport(cfg, tmp_path)
    assert [r.name for r in pool.relays] == ["own-postfix", "ses"]
    assert pool.connections == 6
    assert pool.relays[1].transport.credentials == ("u", "")
    from newsletter._send import open_transport as job_transport

    pinned = job_transport(cfg, tmp_path, "daily")
    assert [r.name for r in pinned.relays] == ["own-postfix"]
    assert pinned.relays[0].settings.rate_per_hour == 100000


def test_a_pin_to_an_unknown_relay_or_a_repeated_name_is_a_config_error(
        tmp_path, servers) -> None:
    cfg = _config(tmp_path, servers, pin='relays = ["postmark"]')
    from newsletter._send import open_transport as job_transport

    with pytest.raises(ConfigError, match="'postmark'.*does not define"):
        job_transport(cfg, tmp_path, "daily")
    text = (tmp_path / "newsletter.toml").read_text().replace('name = "ses"',
                                                              'name = "own-postfix"')
    (tmp_path / "newsletter.toml").write_text(text)
    with pytest.raises(ConfigError, match="relay names must be unique: own-postfix"):
        load_config(tmp_path / "newsletter.toml")
