"""The subscriber's preferences page (``/preferences/TOKEN``) of the public app: reached
from the "Manage preferences" link of every edition; masked address, name change,
unsubscribe and resubscribe, CSRF, PRG, and the same 404 for any bad token."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from page_helpers import csrf as _csrf

from newsletter.core import Newsletter
from newsletter.deliver._message import MessageFactory, Recipient
from newsletter.deliver._tokens import make_token
from newsletter.render import render_edition
from newsletter.web.public import redact_path

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
SECRET = b"test-secret"
DATA = Path(__file__).parent / "data"


def _sub(nl: Newsletter, address: str = "ann.smith@example.com", name: str = "Ann",
         status: str = "active") -> int:
    s, _ = nl.store.add_subscriber("daily", address, name, status=status,
                                   now=datetime.now(UTC))
    return s.id


def _path(sid: int, list_name: str = "daily", secret: bytes = SECRET) -> str:
    return f"/preferences/{make_token(secret, 'prefs', list_name, sid)}"




def _post(client, path: str, action: str, **fields: str):
    page = client.get(path)
    assert page.status_code == 200
    data = {"csrf_token": _csrf(page.text), "action": action, **fields}
    return client.post(path, data=data, follow_redirects=False)


def _status(nl: Newsletter, sid: int) -> str:
    return nl.store.get_subscriber("daily", sid).status


# --- the link in the email leads here ----------------------------------------------------

def test_link_in_the_email_opens_the_page(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    edition = json.loads((DATA / "edition.json").read_text(encoding="utf-8"))
    rendered = render_edition(edition, config=nl.config, list_name="daily")
    factory = MessageFactory(rendered, config=nl.config, list_name="daily",
                             secret=nl.config.secret())
    msg = BytesParser(policy=policy.default).parsebytes(
        factory.build(Recipient(sid, "ann.smith@example.com", "Ann")))
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    url = re.search(r"Manage preferences: (\S+)", text).group(1)
    assert f'href="{url}"' in html
    public = nl.config.newsletter.public_url
    assert url.startswith(f"{public}/preferences/")
    r = client.get(url[len(public):])
    assert r.status_code == 200 and "Your preferences" in r.text


# --- GET ---------------------------------------------------------------------------------

def test_get_shows_masked_address_list_and_status(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    path = _path(sid)  # once: a token made a second later differs (its issue time)
    r = client.get(path)
    assert r.status_code == 200
    assert "a\u2026@example.com" in r.text
    assert "ann.smith@example.com" not in r.text and "ann.smith" not in r.text
    assert "REE Daily" in r.text
    assert "Status: <strong>Subscribed</strong>. You receive every edition." in r.text
    assert 'value="Ann"' in r.text
    assert r.headers["cache-control"] == "no-store"
    assert "ree_csrf=" in r.headers["set-cookie"]
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=strict" in r.headers[
        "set-cookie"]
    # four forms at most (emails, name, unsubscribe), all to this same path, with CSRF
    assert set(re.findall(r'action="([^"]+)"', r.text)) == {path}
    assert 'value="unsubscribe"' in r.text and 'value="resubscribe"' not in r.text


def test_get_never_changes_state(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    before = nl.store.get_subscriber("daily", sid)
    for query in ("", "?action=unsubscribe", "?done=unsubscribed",
                  "?action=name&name=Mallory"):
        r = client.get(_path(sid) + query)
        assert r.status_code == 200
    r = client.head(_path(sid))
    assert r.status_code == 200
    assert nl.store.get_subscriber("daily", sid) == before


def test_security_headers(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    for r in (client.get(_path(sid)), client.get("/preferences/bogus"),
              _post(client, _path(sid), "name", name="Ann B")):
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["strict-transport-security"].startswith("max-age=")


# --- bad tokens --------------------------------------------------------------------------

def test_bad_tokens_get_the_same_404(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    good = make_token(SECRET, "prefs", "daily", sid)
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    body_swapped = make_token(SECRET, "prefs", "daily", sid + 1).split(".")[0] + "." + \
        good.split(".")[1]
    unsub = make_token(SECRET, "unsub", "daily", sid)
    paths = [f"/preferences/{tampered}", f"/preferences/{body_swapped}",
             _path(sid, secret=b"other"), f"/preferences/{unsub}",
             _path(sid, list_name="no-such-list"), _path(999_999), _path(0),
             f"/preferences/{make_token(SECRET, 'prefs', 'daily', str(sid))}",
             "/preferences/x.y", "/preferences/", "/nothing-here"]
    bodies = set()
    for path in paths:
        r = client.get(path)
        assert r.status_code == 404, path
        assert "Page not found" in r.text
        bodies.add(r.text)
    # nor does a preferences token work as an unsubscribe or confirmation link
    prefs = make_token(SECRET, "prefs", "daily", sid)
    for path in (f"/unsubscribe/{prefs}", f"/confirm/{prefs}"):
        r = client.get(path)
        assert r.status_code == 404
        bodies.add(r.text)
    assert client.post(f"/unsubscribe/{prefs}",
                       content=b"List-Unsubscribe=One-Click").status_code == 404
    assert len(bodies) == 1
    # a POST with a valid CSRF token from a real page is still a 404 for a bad token
    csrf = _csrf(client.get(_path(sid)).text)
    for path in paths[:-2]:
        r = client.post(path, data={"csrf_token": csrf, "action": "unsubscribe"})
        assert r.status_code == 404, path
        assert r.text in bodies
    assert _status(nl, sid) == "active"


# --- POST: CSRF --------------------------------------------------------------------------

def test_csrf_missing_or_wrong_is_403_and_changes_nothing(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    path = _path(sid)
    client.cookies.clear()
    for data in ({"action": "unsubscribe"}, {"action": "name", "name": "Mallory"},
                 {"action": "unsubscribe", "csrf_token": "123.abc"}):
        r = client.post(path, data=data, follow_redirects=False)
        assert r.status_code == 403
        assert "expired" in r.text
    client.get(path)             # a cookie, but a token made for another nonce
    other = client.__class__(client.app, base_url="https://testserver")
    foreign = _csrf(other.get(path).text)
    r = client.post(path, data={"action": "unsubscribe", "csrf_token": foreign})
    assert r.status_code == 403
    sub = nl.store.get_subscriber("daily", sid)
    assert sub.status == "active" and sub.name == "Ann"


# --- POST: name --------------------------------------------------------------------------

def test_name_change_persists_and_redirects_to_the_same_path(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    path = _path(sid)
    r = _post(client, path, "name", name="  Ann   B. Smith ")
    assert r.status_code == 303
    assert r.headers["location"] == f"{path}?done=name"
    assert nl.store.get_subscriber("daily", sid).name == "Ann B. Smith"
    page = client.get(r.headers["location"])
    assert "Your name is saved." in page.text and 'value="Ann B. Smith"' in page.text
    assert _status(nl, sid) == "active"
    r = _post(client, path, "name", name="")          # clearing the name is allowed
    assert r.status_code == 303 and nl.store.get_subscriber("daily", sid).name == ""


@pytest.mark.parametrize("bad", ["Eve\r\nBcc: all@example.com", "Eve\nX", "Eve\rX",
                                 "Tab\there", "Line\u2028sep", "Nul\x00"])
def test_name_with_line_breaks_or_controls_is_rejected(client, nl: Newsletter,
                                                       bad: str) -> None:
    sid = _sub(nl)
    r = _post(client, _path(sid), "name", name=bad)
    assert r.status_code == 400
    assert "line breaks" in r.text
    assert nl.store.get_subscriber("daily", sid).name == "Ann"


def test_name_length_is_limited(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    r = _post(client, _path(sid), "name", name="x" * 101)
    assert r.status_code == 400
    assert nl.store.get_subscriber("daily", sid).name == "Ann"
    r = _post(client, _path(sid), "name", name="y" * 100)
    assert r.status_code == 303
    assert nl.store.get_subscriber("daily", sid).name == "y" * 100


def test_name_is_escaped_on_the_page(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    _post(client, _path(sid), "name", name='"><script>alert(1)</script>')
    page = client.get(_path(sid)).text
    assert "<script>alert(1)</script>" not in page
    assert "&#34;&gt;&lt;script&gt;" in page or "&quot;&gt;&lt;script&gt;" in page


def test_unknown_action_is_400(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    r = _post(client, _path(sid), "delete-everything")
    assert r.status_code == 400
    assert _status(nl, sid) == "active"


# --- POST: unsubscribe and resubscribe ---------------------------------------------------

def test_unsubscribe_then_resubscribe(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    path = _path(sid)
    r = _post(client, path, "unsubscribe")
    assert r.status_code == 303 and r.headers["location"] == f"{path}?done=unsubscribed"
    assert _status(nl, sid) == "unsubscribed"
    assert sid not in {s.id for s in nl.store.active_recipients("daily")}
    page = client.get(r.headers["location"])
    assert "You are unsubscribed" in page.text
    assert "<strong>Unsubscribed</strong>. Nothing is sent" in page.text
    assert 'value="resubscribe"' in page.text and 'value="unsubscribe"' not in page.text
    r = _post(client, path, "unsubscribe")             # idempotent
    assert r.status_code == 303 and _status(nl, sid) == "unsubscribed"

    r = _post(client, path, "resubscribe")
    assert r.status_code == 303 and r.headers["location"] == f"{path}?done=resubscribed"
    sub = nl.store.get_subscriber("daily", sid)
    assert sub.status == "active" and sub.name == "Ann"
    assert sub.status_reason == "confirmed opt-in" and sub.confirmed_at is not None
    assert sid in {s.id for s in nl.store.active_recipients("daily")}
    assert "You are subscribed again" in client.get(r.headers["location"]).text


def test_unsubscribe_has_the_same_effect_as_one_click(client, nl: Newsletter) -> None:
    a, b = _sub(nl, "a@example.com"), _sub(nl, "b@example.com")
    _post(client, _path(a), "unsubscribe")
    client.post(f"/unsubscribe/{make_token(SECRET, 'unsub', 'daily', b)}",
                content=b"List-Unsubscribe=One-Click",
                headers={"content-type": "application/x-www-form-urlencoded"})
    assert _status(nl, a) == _status(nl, b) == "unsubscribed"


@pytest.mark.parametrize("status", ["bounced", "complained"])
def test_bounced_or_complained_address_is_not_reactivated(client, nl: Newsletter,
                                                          status: str) -> None:
    sid = _sub(nl)
    nl.store.set_subscriber_status("daily", sid, status, "550 5.1.1 no such user",
                                   datetime.now(UTC))
    path = _path(sid)
    page = client.get(path)
    assert page.status_code == 200
    assert "cannot be reactivated from this page" in page.text
    assert "<strong>Stopped</strong>" in page.text
    assert 'value="resubscribe"' not in page.text
    assert 'href="/subscribe"' in page.text
    # a hand-made POST is refused too
    r = _post(client, path, "resubscribe")
    assert r.status_code == 409
    assert "cannot be reactivated from this page" in r.text
    assert _status(nl, sid) == status
    r = _post(client, path, "unsubscribe")             # keeps the stronger status
    assert r.status_code == 303 and _status(nl, sid) == status
    assert sid not in {s.id for s in nl.store.active_recipients("daily")}


def test_resubscribe_of_an_active_address_is_a_no_op(client, nl: Newsletter) -> None:
    sid = _sub(nl)
    before = nl.store.get_subscriber("daily", sid)
    r = _post(client, _path(sid), "resubscribe")
    assert r.status_code == 303
    assert nl.store.get_subscriber("daily", sid) == before


def test_tokens_are_redacted_in_logs() -> None:
    assert redact_path("/preferences/abc.def") == "/preferences/<token>"
