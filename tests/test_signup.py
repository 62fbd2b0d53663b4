"""The sign-up form with one checkbox per list (daily, weekly, alerts) through the public
app (Starlette's TestClient) and the outbox: at least one list, one double-opt-in email
for the whole sign-up, confirming subscribes to every chosen list the way the
preferences page does; a form posting ``list=NAME`` and links of earlier releases still
work."""

from __future__ import annotations

import email
import json
import re
import time
from datetime import UTC, datetime
from email import policy
from html import unescape
from pathlib import Path

import pytest
from page_helpers import csrf as _csrf
from page_helpers import outbox_messages as _messages
from page_helpers import wait_for

from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.deliver._prefs import list_choices
from newsletter.deliver._tokens import make_token

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
SECRET = b"test-secret"


@pytest.fixture
def nl(project: Path):
    """The clone's project (lists daily, weekly and alerts), nobody on the weekly list."""
    cfg = project / "newsletter.toml"
    (project / "subscribers" / "weekly.csv").write_text("email,name\n", encoding="utf-8")
    newsletter = Newsletter(load_config(cfg))
    yield newsletter
    newsletter.close()




def _ticked(html: str) -> dict[str, bool]:
    """The form's list checkboxes: name -> ticked."""
    return {m.group(1): "checked" in m.group(0)
            for m in re.finditer(r'<input type="checkbox" id="list-[^"]+" name="list\.([^"]+)"'
                                 r'[^>]*>', html)}






def _mails_to(root: Path, address: str, n: int) -> list[email.message.EmailMessage]:
    """Wait until ``n`` confirmation emails to ``address`` are in the outbox."""
    def got() -> list[email.message.EmailMessage]:
        return [m for m in _messages(root) if m["To"].addresses[0].addr_spec == address]

    assert wait_for(lambda: len(got()) >= n, 10.0), [m["Subject"] for m in _messages(root)]
    return got()


def _sign_up(client, address: str, lists: tuple[str, ...], name: str = "Ana Reader",
             **extra: str):
    page = client.get("/subscribe")
    assert page.status_code == 200
    data = {"csrf_token": _csrf(page.text), "email": address, "name": name,
            **{f"list.{n}": "on" for n in lists}, **extra}
    return client.post("/subscribe", data=data)


def _link(msg: email.message.EmailMessage) -> str:
    text = msg.get_body(("plain",)).get_content()
    m = re.search(r"https://ree-daily\.example(/confirm/\S+)", text)
    assert m, text
    return m.group(1)


def _confirm(client, path: str):
    page = client.get(path)
    assert page.status_code == 200, page.text
    return page, client.post(path, data={"csrf_token": _csrf(page.text)})


def _status(nl: Newsletter, address: str) -> dict[str, str | None]:
    return {n: (s.status if (s := nl.store.get_subscriber(n, address)) else None)
            for n in nl.config.lists}


# --- the form ------------------------------------------------------------------------------

def test_the_form_has_a_checkbox_per_list_the_first_ticked_or_those_the_link_names(
        client) -> None:
    page = client.get("/subscribe")
    assert _ticked(page.text) == {"daily": True, "weekly": False, "alerts": False}
    for label in ("REE Daily", "the daily edition, every morning", "REE Weekly",
                  "the weekly recap", "REE Daily price alerts",
                  "an email when a price moves past its alert threshold"):
        assert label in page.text
    assert "<select" not in page.text
    assert _ticked(client.get("/subscribe?list=alerts&list=weekly").text) == {
        "daily": False, "weekly": True, "alerts": True}
    assert _ticked(client.get("/subscribe?list=nope").text)["daily"] is True


def test_nothing_ticked_is_refused_and_the_form_keeps_what_was_typed(
        client, nl: Newsletter, project: Path) -> None:
    r = _sign_up(client, "kept@example.org", (), name="Kept Name")
    assert r.status_code == 400
    assert "Please tick at least one of the emails to receive." in r.text
    assert 'value="kept@example.org"' in r.text and 'value="Kept Name"' in r.text
    assert _ticked(r.text) == {"daily": False, "weekly": False, "alerts": False}
    # an invalid address keeps the ticks
    r = _sign_up(client, "not-an-address", ("weekly", "alerts"))
    assert r.status_code == 400 and "Please enter an email address" in r.text
    assert _ticked(r.text) == {"daily": False, "weekly": True, "alerts": True}
    # the refused posts sent nothing: the next good sign-up is the only email
    assert _sign_up(client, "after@example.org", ("daily",)).status_code == 200
    [msg] = _mails_to(project, "after@example.org", 1)
    assert [m["To"].addresses[0].addr_spec for m in _messages(project)] == [
        "after@example.org"]
    assert _status(nl, "kept@example.org") == {"daily": None, "weekly": None, "alerts": None}


# --- one email, every list ---------------------------------------------------------------

def test_one_confirmation_email_confirms_every_chosen_list(client, nl: Newsletter,
                                                           project: Path) -> None:
    address = "two.lists@example.org"
    r = _sign_up(client, address, ("daily", "alerts"))
    assert r.status_code == 200 and "Check your inbox" in r.text
    assert "REE Daily and REE Daily price alerts" in r.text
    [msg] = _mails_to(project, address, 1)
    assert msg["Subject"] == "Confirm your subscription to REE Daily"
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "  * REE Daily: the daily edition, every morning\n" in text
    assert "  * REE Daily price alerts: an email when a price moves" in text
    assert "REE Weekly" not in text and "To confirm them all" in text
    html = unescape(msg.get_body(("html",)).get_content())
    assert "<li><strong>REE Daily price alerts</strong>" in html
    assert _status(nl, address) == {"daily": None, "weekly": None, "alerts": None}

    page = client.get(_link(msg))
    assert "REE Daily price alerts" in page.text and "REE Weekly" not in page.text
    assert _status(nl, address) == {"daily": None, "weekly": None, "alerts": None}  # GET
    done = client.post(_link(msg), data={"csrf_token": _csrf(page.text)})
    assert done.status_code == 200 and "You are subscribed" in done.text
    assert "You now receive:" in done.text and "REE Daily price alerts" in done.text
    assert _status(nl, address) == {"daily": "active", "weekly": None, "alerts": "active"}
    assert {n: nl.store.get_subscriber(n, address).name for n in ("daily", "alerts")} == {
        "daily": "Ana Reader", "alerts": "Ana Reader"}
    # stored as the preferences page stores a choice: its "Your emails" form shows the
    # two lists ticked, and the alerts list sends every commodity (no choice stored)
    choices = {c.name: c.on for c in list_choices(nl.store, nl.config, address)}
    assert choices == {"daily": True, "weekly": False, "alerts": True}
    alerts_sub = nl.store.get_subscriber("alerts", address)
    assert nl.store.subscriber_commodities(alerts_sub.id) == []
    prefs = client.get(f"/preferences/{make_token(SECRET, 'prefs', 'alerts', alerts_sub.id)}")
    assert _ticked(prefs.text) == {"daily": True, "weekly": False, "alerts": True}
    # the link again: nothing changes, it says so kindly
    _, again = _confirm(client, _link(msg))
    assert again.status_code == 200 and "You are subscribed" in again.text
    assert len(_messages(project)) == 1


def test_a_list_whose_subscription_changed_after_the_link_is_left_alone(
        client, nl: Newsletter, project: Path) -> None:
    address = "changed@example.org"
    _sign_up(client, address, ("daily", "weekly"))
    [msg] = _mails_to(project, address, 1)
    _confirm(client, _link(msg))
    time.sleep(1.1)  # the stop comes later than the link's issue time (in seconds)
    weekly = nl.store.get_subscriber("weekly", address)
    nl.store.unsubscribe("weekly", weekly.id, datetime.now(UTC), "test")
    page, done = _confirm(client, _link(msg))
    assert "REE Weekly" not in page.text.split("<form")[0]  # only what it may still do
    assert done.status_code == 200
    assert "could not subscribe you to REE Weekly" in done.text
    assert _status(nl, address) == {"daily": "active", "weekly": "unsubscribed",
                                    "alerts": None}
    nl.store.unsubscribe("daily", nl.store.get_subscriber("daily", address).id,
                         datetime.now(UTC), "test")
    assert client.get(_link(msg)).status_code == 410  # nothing left it may confirm
    _, gone = _confirm_anyway(client, _link(msg))
    assert gone.status_code == 410 and "no longer works" in gone.text
    assert _status(nl, address) == {"daily": "unsubscribed", "weekly": "unsubscribed",
                                    "alerts": None}


def _confirm_anyway(client, path: str):
    form = client.get("/subscribe")  # a valid form token from another page
    return form, client.post(path, data={"csrf_token": _csrf(form.text)})


def test_one_email_per_address_and_list_every_ten_minutes(project: Path, nl: Newsletter
                                                          ) -> None:
    """Through a real SMTP server (aiosmtpd): the outbox keeps one file per address and
    list, so a second notice would replace the first there."""
    from smtp_server import SmtpServer
    from starlette.testclient import TestClient

    from newsletter.web.public import make_app

    cfg = project / "newsletter.toml"
    with SmtpServer() as srv:
        text = cfg.read_text(encoding="utf-8").replace('transport = "outbox"',
                                                       'transport = "smtp"', 1)
        cfg.write_text(text.replace("port = 25\n", f"port = {srv.port}\n", 1),
                       encoding="utf-8")
        smtp_nl = Newsletter(load_config(cfg))
        assert smtp_nl.config.delivery.smtp.port == srv.port
        address = "often@example.org"

        def mails(to: str) -> list[email.message.EmailMessage]:
            with srv.lock:
                return [email.message_from_bytes(r.data, policy=policy.default)
                        for r in srv.received if to in r.rcpt_tos]

        try:
            with TestClient(make_app(smtp_nl), base_url="https://testserver") as client:
                for lists in (("daily",), ("daily",), ("daily", "alerts")):
                    r = _sign_up(client, address, lists)
                    assert r.status_code == 200 and "Check your inbox" in r.text
                assert wait_for(lambda: len(mails(address)) >= 2)
                # a sign-up of another address after them: once its email is in, the
                # repeated daily sign-up has had every chance to send one
                assert _sign_up(client, "other@example.org", ("weekly",)).status_code == 200
                assert wait_for(lambda: len(mails("other@example.org")) == 1)
        finally:
            smtp_nl.close()
        # the repeated daily sent nothing; the third sign-up (alerts is new) sent one
        # naming both lists (the two background sends may arrive in either order)
        texts = sorted(m.get_body(("plain",)).get_content() for m in mails(address))
        assert len(texts) == 2
        assert sum("REE Daily price alerts" in t for t in texts) == 1
        assert sum("To confirm them all" in t for t in texts) == 1


# --- earlier forms and links -------------------------------------------------------------

def test_a_form_posting_one_list_and_an_old_link_still_work(client, nl: Newsletter,
                                                            project: Path) -> None:
    page = client.get("/subscribe")
    r = client.post("/subscribe", data={"csrf_token": _csrf(page.text),
                                        "email": "old.form@example.org", "name": "",
                                        "list": "weekly"})
    assert r.status_code == 200 and "confirm your subscription to REE Weekly." in r.text
    [msg] = _mails_to(project, "old.form@example.org", 1)
    assert msg["Subject"] == "Confirm your subscription to REE Weekly"
    assert "asked to receive REE Weekly at this address" in \
        msg.get_body(("plain",)).get_content()
    _, done = _confirm(client, _link(msg))
    assert "REE Weekly will arrive with the next edition" in done.text
    assert _status(nl, "old.form@example.org") == {"daily": None, "weekly": "active",
                                                   "alerts": None}
    r = client.post("/subscribe", data={"csrf_token": _csrf(page.text),
                                        "email": "x@example.org", "list": "no-such-list"})
    assert r.status_code == 400 and "Please choose a list." in r.text
    # a link mailed by an earlier release: one list, [address, name]
    old = make_token(SECRET, "confirm", "alerts", json.dumps(["old.link@example.org", "Ol"]),
                     ttl=48 * 3600)
    _, done = _confirm(client, f"/confirm/{old}")
    assert done.status_code == 200
    assert _status(nl, "old.link@example.org") == {"daily": None, "weekly": None,
                                                   "alerts": "active"}


def test_a_tampered_or_odd_list_set_in_a_link_is_a_404(client, nl: Newsletter) -> None:
    def tok(lists, primary="daily") -> str:
        return make_token(SECRET, "confirm", primary,
                          json.dumps(["odd@example.org", "", lists]), ttl=3600)

    for path in (f"/confirm/{tok(['weekly', 'daily'])}",  # the token's list comes first
                 f"/confirm/{tok(['daily', 7])}",
                 f"/confirm/{tok('daily')}",
                 f"/confirm/{tok(['gone'], primary='gone')}"):
        assert client.get(path).status_code == 404, path
    # a list removed from the configuration since the sign-up is left out
    r = client.get(f"/confirm/{tok(['daily', 'gone'])}")
    assert r.status_code == 200 and "REE Daily" in r.text
