"""VERP: the envelope sender of each message names its recipient, signed and short.

``bounces+<token>@example.com`` where the token is the subscriber id in base 36, a dash,
and the first 50 bits of HMAC-SHA256(secret, "verp:<id>") in lower-case base 32. A bounce
sent back to that address identifies the subscriber even when its text is unreadable, and
nobody can forge a token for another subscriber without the secret. Everything is lower
case, because some MTAs lower-case local parts on the way back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from email.message import Message
from email.utils import getaddresses

_MAC_CHARS = 10
TOKEN_RE = re.compile(rf"^[0-9a-z]{{1,13}}-[a-z2-7]{{{_MAC_CHARS}}}$")
_ADDR_RE = re.compile(rf"^([^@+\s]+)\+([0-9a-z]{{1,13}}-[a-z2-7]{{{_MAC_CHARS}}})@(.+)$", re.I)
# Headers an MTA or mailbox adds with the envelope address a message was delivered to,
# most reliable first (To is what the bouncing MTA wrote, usually the Return-Path).
ENVELOPE_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "x-envelope-to",
                    "x-delivered-to", "to", "x-rcpt-to", "return-path")


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _mac(secret: bytes | str, subscriber_id: int) -> str:
    key = secret if isinstance(secret, bytes) else secret.encode()
    digest = hmac.new(key, f"verp:{subscriber_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:_MAC_CHARS]


def make_token(secret: bytes | str, subscriber_id: int) -> str:
    """The VERP token of a subscriber id."""
    return f"{_b36(subscriber_id)}-{_mac(secret, subscriber_id)}"


def _keys(secrets: bytes | str | Sequence[bytes | str]) -> list[bytes | str]:
    """One secret, or the signing secret then NEWSLETTER_SECRET_PREVIOUS
    (``Config.verify_secrets()``): a bounce of mail sent before a rotation still verifies."""
    return [secrets] if isinstance(secrets, bytes | str) else list(secrets)


def verify_token(secrets: bytes | str | Sequence[bytes | str], token: str) -> int | None:
    """The subscriber id a token was made for (by any of *secrets*), or None when it is
    malformed or forged."""
    token = token.strip().lower()
    if not TOKEN_RE.match(token):
        return None
    ident, mac = token.split("-", 1)
    subscriber_id = int(ident, 36)
    if not any(hmac.compare_digest(mac, _mac(k, subscriber_id)) for k in _keys(secrets)):
        return None
    return subscriber_id


def verp_address(bounce_address: str, token: str) -> str:
    """``local+token@domain`` for ``local@domain``."""
    local, _, domain = bounce_address.rpartition("@")
    return f"{local}+{token}@{domain}"


def find_token(msg: Message) -> str | None:
    """The VERP token of the envelope address a bounce was delivered to, if any."""
    for name in ENVELOPE_HEADERS:
        values = [str(v) for v in msg.get_all(name, [])]
        for _, addr in getaddresses(values):
            m = _ADDR_RE.match(addr.strip())
            if m:
                return m.group(2).lower()
    return None


_MID_RE = re.compile(r"^<?(\d{8})\.([A-Za-z0-9_-]+)\.(\d+)\.([0-9a-f]{8})@[^>]+>?$")


def verify_message_id(secrets: bytes | str | Sequence[bytes | str],
                      message_id: str) -> tuple[str, str, int] | None:
    """``(YYYY-MM-DD, list, subscriber id)`` of one of our Message-IDs
    (``<20261124.daily.42.1a2b3c4d@domain>``, made by ``MessageFactory.message_id``), or
    None when it is not ours or its MAC is wrong."""
    m = _MID_RE.match(message_id.strip())
    if not m:
        return None
    compact, list_label, ident, mac = m.groups()
    day = f"{compact[:4]}-{compact[4:6]}-{compact[6:]}"
    body = f"msgid|{day}|{list_label}|{ident}".encode()
    wants = (hmac.new(k if isinstance(k, bytes) else k.encode(), body,
                      hashlib.sha256).hexdigest()[:8] for k in _keys(secrets))
    if not any(hmac.compare_digest(mac, want) for want in wants):
        return None
    return day, list_label, int(ident)
