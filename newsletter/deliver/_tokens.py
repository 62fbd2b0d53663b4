"""HMAC-signed tokens for unsubscribe, preferences and confirmation links.

A token binds a purpose (``unsub``, ``prefs``, ``confirm``), a list and a subscriber (id or address)
and optionally an expiry; it is URL-safe and compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(secret: bytes, purpose: str, list_name: str, subject: str | int,
               *, ttl: float | None = None, now: float | None = None) -> str:
    """Sign ``(purpose, list, subject[, expiry])``.

    Args:
        secret: the HMAC key (``NEWSLETTER_SECRET``).
        purpose: what the token allows (``unsub``, ``prefs`` or ``confirm``).
        list_name: the list it is bound to.
        subject: the subscriber id (or, for a confirmation, a JSON-able value).
        ttl: seconds until it expires; None means it never does.
    """
    payload: list = [purpose, list_name, subject]
    if ttl is not None:
        payload.append(int((now if now is not None else time.time()) + ttl))
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    sig = hmac.new(secret, body.encode(), hashlib.sha256).digest()[:18]
    return f"{body}.{_b64(sig)}"


def verify_token(secret: bytes, token: str, purpose: str,
                 *, now: float | None = None) -> tuple[str, str | int] | None:
    """Return ``(list, subject)`` for a valid, unexpired token of ``purpose``, else None.

    Never raises on malformed input: a tampered token is simply not valid.
    """
    if not isinstance(token, str) or len(token) > 2048 or token.count(".") != 1:
        return None
    body, _, sig = token.partition(".")
    expected = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest()[:18])
    if not hmac.compare_digest(expected.encode(), sig.encode()):
        return None
    try:
        payload = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, list) or len(payload) not in (3, 4) or payload[0] != purpose:
        return None
    if len(payload) == 4:
        t = now if now is not None else time.time()
        if not isinstance(payload[3], int) or t > payload[3]:
            return None
    list_name, subject = payload[1], payload[2]
    if not isinstance(list_name, str) or not isinstance(subject, str | int):
        return None
    return list_name, subject
