"""Transactional notices: the double-opt-in confirmation and the fresh preferences link.

Built here with the same header policy as the newsletter messages (``deliver/_message.py``):
``email.policy.SMTP`` with 998-character lines, and any CR or LF in a header value is
refused (:class:`~newsletter.exceptions.HeaderInjectionError`) rather than folded.
:func:`send_notice` hands one to a transport; ``newsletter/_send.py`` opens the configured
transport (outbox or SMTP) for it. Never logged with its link.
"""

from __future__ import annotations

import email.policy
from collections.abc import Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr, quote

from ..config import Config
from ..exceptions import SendError
from ._headers import refuse_line_breaks as _check  # the one CR/LF check of deliver
from ._transports import Envelope, Transport

POLICY = email.policy.SMTP.clone(max_line_length=998)


def build_confirmation(config: Config, list_name: str, address: str, name: str,
                       confirm_url: str, now: datetime | None = None, *,
                       lists: Sequence[str] = ()) -> bytes:
    """The confirmation email for a sign-up to ``list_name`` (or to several lists).

    One email for the whole sign-up: with ``lists`` naming more than one list, it names
    each (its title and what it sends) and the one link confirms them all.

    Args:
        config: the configuration (sender, title, postal address).
        list_name: the list signed up for (the first of ``lists``): its sender and title.
        address / name: the new subscriber, as entered.
        confirm_url: the signed, expiring ``/confirm/<token>`` link.
        lists: every list signed up for, in the order to show them (default: the one).

    Raises:
        HeaderInjectionError: a header value contains CR or LF.
    """
    from ._prefs import EDITION_TEXT

    ls = config.list_settings(list_name)
    several = [config.list_settings(n) for n in lists] if len(lists) > 1 else []
    title = config.newsletter.title if several else (ls.name or config.newsletter.title)
    sender = _check(ls.from_address or config.newsletter.from_address, "from_address")
    _check(address, "the address")
    _check(name, "the name")
    _check(confirm_url, "the link")
    # an internationalised local part is written as UTF-8 (RFC 6532; sent with SMTPUTF8)
    pol = POLICY if address.rpartition("@")[0].isascii() else POLICY.clone(utf8=True)
    msg = EmailMessage(policy=pol)
    msg["From"] = sender
    try:
        if pol is not POLICY:  # Address() refuses a non-ASCII local part; the text form
            # works. UTF-8 is allowed in a quoted name here (RFC 6532); no folding CR/LF.
            msg["To"] = f'"{quote(name)}" <{address}>' if name else address
        else:
            msg["To"] = Address(display_name=name, addr_spec=address) if name else address
    except (ValueError, IndexError) as exc:
        raise SendError(f"cannot address a confirmation to {address!r}: {exc}") from None
    msg["Subject"] = _check(f"Confirm your subscription to {title}", "the subject")
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=config.public_host)
    msg["Auto-Submitted"] = "auto-generated"
    if config.newsletter.reply_to:
        msg["Reply-To"] = _check(config.newsletter.reply_to, "reply_to")
    greeting = f"Hello {name}," if name else "Hello,"
    from html import escape

    chosen = [(s.name or n, EDITION_TEXT[s.edition])
              for n, s in zip(lists, several, strict=True)] if several else []
    if chosen:
        what = ("someone (we hope you) asked to receive these emails from "
                f"{title} at this address:\n\n"
                + "".join(f"  * {t}: {w}\n" for t, w in chosen)
                + "\nTo confirm them all, open this link within 48 hours and press the "
                  "button:")
        what_html = (f"<p>Someone (we hope you) asked to receive these emails from "
                     f"<strong>{escape(title)}</strong> at this address:</p><ul>"
                     + "".join(f"<li><strong>{escape(t)}</strong>: {escape(w)}</li>"
                               for t, w in chosen) + "</ul>")
        button = "Confirm my subscriptions"
    else:
        what = (f"someone (we hope you) asked to receive {title} at this address.\n"
                f"To confirm, open this link within 48 hours and press the button:")
        what_html = (f"<p>Someone (we hope you) asked to receive <strong>{escape(title)}"
                     f"</strong> at this address.</p>")
        button = "Confirm my subscription"
    text = (f"{greeting}\n\n{what}\n\n{confirm_url}\n\n"
            "If you did not ask for this, ignore this email: nothing will be sent to you.\n\n"
            f"-- \n{title}\n{config.newsletter.postal_address}\n")
    msg.set_content(text, charset="utf-8")
    html = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title></head>"
            f"<body style=\"font-family:Arial,sans-serif;line-height:1.5;color:#1f2937\">"
            f"<p>{escape(greeting)}</p>{what_html}"
            f"<p><a href=\"{escape(confirm_url)}\" style=\"display:inline-block;padding:10px "
            f"18px;background:#0f4c75;color:#ffffff;text-decoration:none;border-radius:4px\">"
            f"{button}</a></p>"
            f"<p style=\"font-size:13px;color:#4b5563\">The link works for 48 hours. If you "
            f"did not ask for this, ignore this email: nothing will be sent to you.</p>"
            f"<p style=\"font-size:12px;color:#6b7280\">{escape(title)} &middot; "
            f"{escape(config.newsletter.postal_address)}</p></body></html>")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg.as_bytes(policy=pol)


def send_notice(transport: Transport, config: Config, list_name: str, address: str,
                data: bytes, what: str) -> None:
    """Hand one notice to ``transport`` for ``address`` (MAIL FROM: the list's sender).

    Raises:
        SendError: the relay did not accept it (the message names *what*).
    """
    sender = parseaddr(config.list_settings(list_name).from_address
                       or config.newsletter.from_address)[1]
    channel = transport.channel()
    try:
        result = channel.send(Envelope(sender=sender, recipient=address, list_name=list_name),
                              data)
    finally:
        channel.close()
    if result.status != "ok":
        raise SendError(f"{what} not accepted: {result.detail or result.status}",
                        hint=result.hint)


def build_preferences_link(config: Config, list_name: str, address: str, name: str,
                           url: str, now: datetime | None = None) -> bytes:
    """The email that carries a fresh "manage preferences" link (asked for on the page an
    old link shows; sent only to the subscriber's own address).

    Raises:
        HeaderInjectionError: a header value contains CR or LF.
    """
    ls = config.list_settings(list_name)
    title = ls.name or config.newsletter.title
    for value, what in ((address, "the address"), (name, "the name"), (url, "the link")):
        _check(value, what)
    pol = POLICY if address.rpartition("@")[0].isascii() else POLICY.clone(utf8=True)
    msg = EmailMessage(policy=pol)
    msg["From"] = _check(ls.from_address or config.newsletter.from_address, "from_address")
    msg["To"] = address
    msg["Subject"] = _check(f"Your link to the {title} preferences", "the subject")
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=config.public_host)
    msg["Auto-Submitted"] = "auto-generated"
    greeting = f"Hello {name}," if name else "Hello,"
    msg.set_content(f"{greeting}\n\nhere is a fresh link to your {title} preferences (name, "
                    f"unsubscribe, resubscribe):\n\n{url}\n\nIf you did not ask for it, ignore "
                    f"this email.\n\n-- \n{title}\n{config.newsletter.postal_address}\n",
                    charset="utf-8")
    return msg.as_bytes(policy=pol)
