"""The public web app of `serve` (newsletter/web/public.py) through Starlette's TestClient:
tokens, one-click unsubscribe, double opt-in, CSRF, rate limit, limits, headers, health."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from page_helpers import csrf as _csrf
from page_helpers import outbox_messages as _outbox_messages
from page_helpers import wait_for as _wait_for

from newsletter.core import Newsletter
from newsletter.deliver._notices import build_confirmation
from newsletter.deliver._tokens import make_token
from newsletter.exceptions import HeaderInjectionError
from newsletter.web._security import Csrf, RequestRateLimiter
from newsletter.web.public import health, redact_path

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
SECRET = b"test-secret"


def _sub(nl: Newsletter, address: str = "ann@example.com", name: str = "Ann") -> int:
    s, _ = nl.store.add_subscriber("daily", address, name, now=datetime.now(UTC))
    return s.id








# --- headers and generic answers ---------------------------------------------------------

@pytest.mark.parametrize("path", ["/subscribe", "/archive/", "/healthz", "/nope",
                                  "/unsubscribe/bogus", "/confirm/bogus"])
def test_every_response_has_security_headers(client, path: str) -> None:
    r = client.get(path)
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["strict-transport-security"].startswith("max-age=")
    assert "server" not in r.headers


def test_unknown_path_and_bad_tokens_get_the_same_404(client, nl) -> None:
    sid = _sub(nl)
    good = make_token(SECRET, "unsub", "daily", sid)
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    other_secret = make_token(b"other", "unsub", "daily", sid)
    wrong_purpose = make_token(SECRET, "confirm", "daily", sid)
    unknown_list = make_token(SECRET, "unsub", "no-such-list", sid)
    bodies = set()
    for path in ["/nothing-here", f"/unsubscribe/{tampered}", f"/unsubscribe/{other_secret}",
                 f"/unsubscribe/{wrong_purpose}", f"/unsubscribe/{unknown_list}",
                 "/confirm/x.y", f"/confirm/{good}"]:
        r = client.get(path)
        assert r.status_code == 404, path
        assert "Page not found" in r.text
        bodies.add(r.text)
        r = client.post(path, content=b"List-Unsubscribe=One-Click")
        assert r.status_code in (404, 405), path
    assert len(bodies) == 1  # nothing in the page depends on what was wrong
    assert nl.store.get_subscriber("daily", sid).status == "active"


def test_no_redirect_to_a_user_supplied_url(client) -> None:
    for path in ["/?next=https://evil.example", "//evil.example/", "/archive?to=//evil"]:
        r = client.get(path, follow_redirects=False)
        loc = r.headers.get("location", "")
        assert "evil" not in loc
        assert not loc or loc.startswith("/")


def test_body_size_is_capped(client, nl) -> None:
    sid = _sub(nl)
    tok = make_token(SECRET, "unsub", "daily", sid)
    r = client.post(f"/unsubscribe/{tok}", content=b"x" * 100_000)
    assert r.status_code == 413
    assert nl.store.get_subscriber("daily", sid).status == "active"


# --- unsubscribe -------------------------------------------------------------------------

def test_unsubscribe_get_never_changes_state(client, nl) -> None:
    sid = _sub(nl)
    tok = make_token(SECRET, "unsub", "daily", sid)
    for _ in range(3):
        r = client.get(f"/unsubscribe/{tok}")
        assert r.status_code == 200
        assert 'method="post"' in r.text and f'action="/unsubscribe/{tok}"' in r.text
    assert nl.store.get_subscriber("daily", sid).status == "active"
    assert "ann@example.com" not in r.text  # masked
    assert "set-cookie" not in r.headers


def test_one_click_post_unsubscribes_at_once_and_is_idempotent(client, nl) -> None:
    sid = _sub(nl)
    tok = make_token(SECRET, "unsub", "daily", sid)
    client.cookies.clear()
    for _ in range(2):
        r = client.post(f"/unsubscribe/{tok}", content=b"List-Unsubscribe=One-Click",
                        headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200
        assert "unsubscribed" in r.text
        assert "set-cookie" not in r.headers
    assert nl.store.get_subscriber("daily", sid).status == "unsubscribed"
    assert sid not in {s.id for s in nl.store.active_recipients("daily")}


# --- subscribe and confirm ---------------------------------------------------------------

def _subscribe(client, address: str, name: str = "New Reader", **extra: str):
    r = client.get("/subscribe")
    assert r.status_code == 200
    data = {"csrf_token": _csrf(r.text), "email": address, "name": name, "list": "daily"}
    data.update(extra)
    return client.post("/subscribe", data=data)


def test_double_opt_in_through_the_outbox(client, nl, project: Path) -> None:
    r = _subscribe(client, "new.reader@example.org")
    assert r.status_code == 200 and "Check your inbox" in r.text
    assert nl.store.get_subscriber("daily", "new.reader@example.org") is None  # not yet
    assert _wait_for(lambda: _outbox_messages(project))
    msg = _outbox_messages(project)[0]
    assert msg["To"].addresses[0].addr_spec == "new.reader@example.org"
    assert msg["Auto-Submitted"] == "auto-generated"
    text = msg.get_body(("plain",)).get_content()
    link = re.search(r"https://\S+/confirm/(\S+)", text)
    assert link
    token = link.group(1)
    r = client.get(f"/confirm/{token}")
    assert r.status_code == 200 and "Confirm my subscription" in r.text
    assert nl.store.get_subscriber("daily", "new.reader@example.org") is None  # GET: nothing
    r = client.post(f"/confirm/{token}", data={"csrf_token": _csrf(r.text)})
    assert r.status_code == 200 and "You are subscribed" in r.text
    sub = nl.store.get_subscriber("daily", "new.reader@example.org")
    assert sub.status == "active" and sub.name == "New Reader"


def test_same_answer_for_known_unknown_and_plausible_addresses(client, nl, project) -> None:
    _sub(nl, "known@example.com")
    answers = []
    for address in ("known@example.com", "fresh@example.com", "a..b@example.com"):
        r = _subscribe(client, address)
        assert r.status_code == 200
        answers.append(re.sub(r'value="[^"]*"', "", r.text))
    assert len(set(answers)) == 1


def test_honeypot_answers_the_same_but_sends_nothing(client, nl, project: Path) -> None:
    r = _subscribe(client, "bot@example.com", website="http://spam.example")
    assert r.status_code == 200 and "Check your inbox" in r.text
    time.sleep(0.3)
    assert not _outbox_messages(project)


def test_csrf_is_required_on_the_form(client, nl) -> None:
    r = client.post("/subscribe", data={"email": "x@example.com", "list": "daily"})
    assert r.status_code == 403
    client.get("/subscribe")
    r = client.post("/subscribe", data={"email": "x@example.com", "list": "daily",
                                        "csrf_token": "123.abc"})
    assert r.status_code == 403


def test_expired_confirmation_link_is_a_404(client, nl) -> None:
    old = time.time() - 49 * 3600
    tok = make_token(SECRET, "confirm", "daily", '["late@example.com", ""]', ttl=48 * 3600,
                     now=old)
    assert client.get(f"/confirm/{tok}").status_code == 404
    assert client.post(f"/confirm/{tok}", data={}).status_code == 404


def test_invalid_input_and_limits(client) -> None:
    r = _subscribe(client, "not-an-address")
    assert r.status_code == 400
    r = _subscribe(client, "a" * 300 + "@example.com")
    assert r.status_code == 400
    r = _subscribe(client, "ok@example.com", list="no-such-list")
    assert r.status_code == 400


def test_rate_limit_per_client(client) -> None:
    codes = [_subscribe(client, f"r{i}@example.com").status_code for i in range(7)]
    assert codes[:5] == [200] * 5
    assert codes[5] == 429


def test_rate_limiter_and_csrf_units() -> None:
    t = [0.0]
    rl = RequestRateLimiter(2, 60, max_keys=3, clock=lambda: t[0])
    assert rl.hit("a") is None and rl.hit("a") is None
    assert rl.hit("a") is not None
    t[0] = 61
    assert rl.hit("a") is None
    for k in "bcdef":
        rl.hit(k)
    assert len(rl._hits) == 3
    c = Csrf(b"k", max_age=10)
    tok = c.token("nonce-value-123456", now=100)
    assert c.check("nonce-value-123456", tok, now=105)
    assert not c.check("nonce-value-123456", tok, now=200)
    assert not c.check("other-nonce-123456", tok, now=105)
    assert not c.check(None, tok)


def test_confirmation_email_refuses_header_injection(nl) -> None:
    with pytest.raises(HeaderInjectionError):
        build_confirmation(nl.config, "daily", "a@example.com", "Eve\r\nBcc: x@evil",
                           "https://x/confirm/t")
    data = build_confirmation(nl.config, "daily", "a@example.com", "Ann",
                              "https://ree-daily.example/confirm/t")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998


def test_confirmation_email_to_an_internationalised_address(nl) -> None:
    from email import policy as email_policy
    from email.parser import Parser

    data = build_confirmation(nl.config, "daily", "jürgen@example.de", "Jürgen",
                              "https://ree-daily.example/confirm/t")
    msg = Parser(policy=email_policy.SMTPUTF8).parsestr(data.decode("utf-8"))
    assert msg["To"].addresses[0].addr_spec == "jürgen@example.de"
    # a long non-ASCII name (which an encoded-word form would fold) and quotes in it
    for name in ("Jürgen Ölmüller-Schwarzenbergerhausen von Österreich-Ungarn", 'Ann "A", B'):
        data = build_confirmation(nl.config, "daily", "jürgen@example.de", name,
                                  "https://ree-daily.example/confirm/t")
        msg = Parser(policy=email_policy.SMTPUTF8).parsestr(data.decode("utf-8"))
        assert msg["To"].addresses[0].display_name == name
        assert max(len(line) for line in data.split(b"\r\n")) <= 998


# --- archive and health ------------------------------------------------------------------

def test_archive_shows_published_editions_only(client, nl) -> None:
    nl.store.save_archive(date(2026, 11, 24), "<html><body>edition 24</body></html>")
    nl.store.save_archive(date(2026, 11, 25), "<html><body>edition 25</body></html>")
    nl.store.publish_archive(date(2026, 11, 24))
    r = client.get("/archive/")
    assert "/archive/2026-11-24" in r.text and "2026-11-25" not in r.text
    assert client.get("/archive/2026-11-24").text.endswith("edition 24</body></html>")
    assert client.get("/archive/2026-11-25").status_code == 404
    assert client.get("/archive/2026-13-45").status_code == 404
    assert client.get("/archive/../../etc/passwd").status_code == 404
    assert client.get("/archive", follow_redirects=False).headers["location"] == "/archive/"


def test_healthz_is_503_when_the_send_is_overdue_or_failed(client, nl) -> None:
    _sub(nl)
    now = datetime.now(UTC)
    # send time = 06:00 UTC; before 08:00 nothing is overdue, after it is
    early = now.replace(hour=7, minute=0)
    late = now.replace(hour=9, minute=0)
    assert health(nl, early)["ok"]
    h = health(nl, late)
    assert not h["ok"] and h["lists"]["daily"]["overdue"]
    nl.store.begin_send(late.date(), "daily", now=late - timedelta(hours=2))
    nl.store.finish_send(late.date(), "daily", "sent", None, late - timedelta(hours=2))
    assert health(nl, late)["ok"]
    run = nl.store.start_run("send", now)
    nl.store.finish_run(run, "error", {"error": "smtp down"}, now)
    h = health(nl, late)
    assert not h["ok"] and "the last send failed" in h["problems"]
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["status"] == "fail"
    assert "smtp down" not in r.text  # details stay in the store, not on a public page


def test_tokens_are_redacted_in_logs() -> None:
    assert redact_path("/unsubscribe/abc.def") == "/unsubscribe/<token>"
    assert redact_path("/confirm/abc.def") == "/confirm/<token>"
    assert redact_path("/archive/2026-11-24") == "/archive/2026-11-24"
