"""Security of the public app (issue 12), through the real ASGI app: key rotation,
single-use confirmation links, old-format tokens, preferences links that age, the
``__Host-`` CSRF cookie and the IPv6 /64 sign-up limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from page_helpers import csrf as _csrf
from page_helpers import outbox_messages as _outbox
from page_helpers import wait_for as _wait

from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.deliver._tokens import make_token
from newsletter.web.public import make_app

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
SECRET = b"test-secret"  # tests/conftest.py
DAY = 86400


def _old_format(secret: bytes, payload: list) -> str:
    """A token exactly as releases before issue 12 made it (no issue time)."""
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()
                                    ).rstrip(b"=").decode()
    sig = hmac.new(secret, body.encode(), hashlib.sha256).digest()[:18]
    return body + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


def _client(nl: Newsletter, **kw):
    from starlette.testclient import TestClient

    return TestClient(make_app(nl), base_url="https://testserver", **kw)








def _sub(nl: Newsletter, address: str = "ann@example.com") -> int:
    return nl.store.add_subscriber("daily", address, "Ann", now=datetime.now(UTC))[0].id


# --- 1: rotation --------------------------------------------------------------------------

def test_links_signed_with_a_previous_secret_still_work(project: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    new, old = "n" * 10 + "-new-secret-0123456789-abcdefghij", "o-old-secret-0123456789-abcdefghij"
    monkeypatch.setenv("NEWSLETTER_SECRET", new)
    monkeypatch.setenv("NEWSLETTER_SECRET_PREVIOUS", f"an-older-one-0123456789-abcdefghij, {old}")
    nl = Newsletter(load_config(project / "newsletter.toml"))
    try:
        sid = _sub(nl)
        with _client(nl) as c:
            stranger = make_token(b"never-configured-0123456789-abcdef", "unsub", "daily", sid)
            assert c.post(f"/unsubscribe/{stranger}").status_code == 404
            assert nl.store.get_subscriber("daily", sid).status == "active"
            r = c.post(f"/unsubscribe/{make_token(old.encode(), 'unsub', 'daily', sid)}",
                       data={"List-Unsubscribe": "One-Click"})
            assert r.status_code == 200
        assert nl.store.get_subscriber("daily", sid).status == "unsubscribed"
        assert nl.config.secret() == new.encode()  # new links: the current secret only
    finally:
        nl.close()


# --- 4: confirmation links are single use --------------------------------------------------

def _confirm(c, token: str):
    page = c.get(f"/confirm/{token}")
    if page.status_code != 200:
        return page
    return c.post(f"/confirm/{token}", data={"csrf_token": _csrf(page.text)})


@pytest.mark.parametrize("later", ["unsubscribe", "bounced", "complained"])
def test_a_confirmation_link_never_undoes_a_later_stop(nl: Newsletter, later: str) -> None:
    address = "new.reader@example.org"
    token = make_token(SECRET, "confirm", "daily", json.dumps([address, "New"]),
                       ttl=48 * 3600)
    with _client(nl) as c:
        r = _confirm(c, token)
        assert r.status_code == 200 and "You are subscribed" in r.text
        sub = nl.store.get_subscriber("daily", address)
        assert sub.status == "active"
        time.sleep(1.1)  # the stop comes later than the link's issue time (in seconds)
        if later == "unsubscribe":
            c.post(f"/unsubscribe/{make_token(SECRET, 'unsub', 'daily', sub.id)}")
            expected = "unsubscribed"
        else:
            nl.store.set_subscriber_status("daily", sub.id, later, "test", datetime.now(UTC))
            expected = later
        assert nl.store.get_subscriber("daily", address).status == expected
        r = _confirm(c, token)                       # the same link, replayed
        assert r.status_code == 410 and "no longer works" in r.text
        page = c.get("/subscribe")                   # even with a valid form token
        r = c.post(f"/confirm/{token}", data={"csrf_token": _csrf(page.text)})
        assert r.status_code == 410
    assert nl.store.get_subscriber("daily", address).status == expected


def test_a_second_use_of_a_confirmation_link_changes_nothing(nl: Newsletter) -> None:
    address = "twice@example.org"
    token = make_token(SECRET, "confirm", "daily", json.dumps([address, "First"]),
                       ttl=48 * 3600)
    with _client(nl) as c:
        assert _confirm(c, token).status_code == 200
        first = nl.store.get_subscriber("daily", address)
        nl.store.rename_subscriber("daily", first.id, "Renamed", datetime.now(UTC))
        again = _confirm(c, token)
        assert again.status_code == 200
    after = nl.store.get_subscriber("daily", address)
    assert after.confirmed_at == first.confirmed_at and after.name == "Renamed"


def test_an_old_format_confirmation_link_is_dated_from_its_expiry(nl: Newsletter) -> None:
    """Links mailed by an earlier release (no issue time, made 48 h before expiry) keep
    working, and are still refused after a later unsubscribe."""
    address = "legacy@example.org"
    token = _old_format(SECRET, ["confirm", "daily", json.dumps([address, ""]),
                                 int(time.time()) + 47 * 3600])
    with _client(nl) as c:
        assert _confirm(c, token).status_code == 200
        sub = nl.store.get_subscriber("daily", address)
        assert sub.status == "active"
        c.post(f"/unsubscribe/{make_token(SECRET, 'unsub', 'daily', sub.id)}")
        assert _confirm(c, token).status_code == 410
    assert nl.store.get_subscriber("daily", address).status == "unsubscribed"


# --- unsubscribe links never expire, whatever their format ------------------------------

def test_old_format_and_old_unsubscribe_links_still_work(nl: Newsletter) -> None:
    a, b = _sub(nl, "a@example.com"), _sub(nl, "b@example.com")
    ancient = time.time() - 5 * 365 * DAY
    with _client(nl) as c:
        old_format = _old_format(SECRET, ["unsub", "daily", a])
        assert c.get(f"/unsubscribe/{old_format}").status_code == 200
        assert c.post(f"/unsubscribe/{old_format}").status_code == 200
        old_date = make_token(SECRET, "unsub", "daily", b, now=ancient)
        assert c.post(f"/unsubscribe/{old_date}").status_code == 200
    assert nl.store.get_subscriber("daily", a).status == "unsubscribed"
    assert nl.store.get_subscriber("daily", b).status == "unsubscribed"


# --- preferences links age -----------------------------------------------------------------

def test_an_old_preferences_link_offers_a_fresh_one(nl: Newsletter, project: Path) -> None:
    sid = _sub(nl, "pat@example.com")
    stale = make_token(SECRET, "prefs", "daily", sid, now=time.time() - 181 * DAY)
    undated = _old_format(SECRET, ["prefs", "daily", sid])
    recent = make_token(SECRET, "prefs", "daily", sid, now=time.time() - 10 * DAY)
    with _client(nl) as c:
        page = c.get(f"/preferences/{recent}")
        assert page.status_code == 200 and 'value="unsubscribe"' in page.text
        assert "Send me a fresh link" not in page.text
        for token in (stale, undated):
            r = c.get(f"/preferences/{token}")
            assert r.status_code == 200 and "Send me a fresh link" in r.text
            assert 'value="unsubscribe"' not in r.text and "Ann" not in r.text
            # the page's actions are refused too, even with a valid form token
            r = c.post(f"/preferences/{token}", data={"csrf_token": _csrf(r.text),
                                                      "action": "name", "name": "Mallory"})
            assert r.status_code == 403 and "Send me a fresh link" in r.text
        assert nl.store.get_subscriber("daily", sid).name == "Ann"
        r = c.get(f"/preferences/{stale}")
        r = c.post(f"/preferences/{stale}", data={"csrf_token": _csrf(r.text),
                                                  "action": "fresh_link"})
        assert r.status_code == 200 and "on its way" in r.text
        assert _wait(lambda: _outbox(project))
        msg = _outbox(project)[-1]
        assert msg["To"].addresses[0].addr_spec == "pat@example.com"
        link = re.search(r"https://\S+(/preferences/\S+)", msg.get_body(("plain",)).get_content())
        assert link
        fresh = c.get(link.group(1))
        assert fresh.status_code == 200 and "Send me a fresh link" not in fresh.text
        assert 'value="unsubscribe"' in fresh.text


# --- CSRF cookie and the sign-up limit ---------------------------------------------------

def test_csrf_cookie_has_the_host_prefix_over_https(nl: Newsletter) -> None:
    with _client(nl) as c:
        cookie = c.get("/subscribe").headers["set-cookie"]
    assert cookie.startswith("__Host-ree_csrf=")
    low = cookie.lower()
    assert "secure" in low and "path=/" in low and "domain=" not in low
    assert "httponly" in low and "samesite=strict" in low


def _signup(c, address: str) -> int:
    page = c.get("/subscribe")
    return c.post("/subscribe", data={"csrf_token": _csrf(page.text), "email": address,
                                      "list": "daily"}).status_code


def test_sign_up_limit_counts_an_ipv6_64_as_one_client(nl: Newsletter) -> None:
    from starlette.testclient import TestClient

    app = make_app(nl)
    codes = []
    for i in range(1, 7):  # six addresses of one /64
        with TestClient(app, base_url="https://testserver",
                        client=(f"2001:db8:1:2::{i:x}", 40000 + i)) as c:
            codes.append(_signup(c, f"v6-{i}@example.com"))
    assert codes[:5] == [200] * 5 and codes[5] == 429
    with TestClient(app, base_url="https://testserver", client=("2001:db8:1:3::1", 1)) as c:
        assert _signup(c, "other-net@example.com") == 200
