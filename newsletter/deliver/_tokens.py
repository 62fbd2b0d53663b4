"""HMAC-signed tokens for unsubscribe, preferences and confirmation links.

A token binds a purpose (``unsub``, ``prefs``, ``confirm``), a list, a subscriber (id or
address), its issue time and optionally an expiry; it is URL-safe and compared in constant
time. It is ``BODY.SIG``: BODY the base64url JSON payload, SIG the first 18 bytes of
HMAC-SHA256(secret, BODY).

Payload formats (issue 12):

* current: ``[purpose, list, subject, expiry_or_null, issued]`` (five items; times in
  seconds since the epoch). The issue time lets the web app refuse a confirmation link
  issued before a later change of the address, and show an old preferences link a "send
  me a fresh link" form.
* earlier releases: ``[purpose, list, subject]`` or ``[purpose, list, subject, expiry]``,
  without an issue time. They are still accepted, because links already mailed must keep
  working (an unsubscribe link never expires: the law and RFC 8058 expect it to work);
  :attr:`Token.issued` is then None and the caller decides what an undated token may do
  (see ``web/public.py``: unsubscribe yes; preferences only through a fresh link; a
  confirmation's issue time is its expiry minus the 48 h it was made for).

Key rotation: verification accepts a list of secrets (the current one first, then those
of ``NEWSLETTER_SECRET_PREVIOUS``), so changing the secret does not break mailed links.
"""

from __future__ import annotations

import base64
import hmac
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sig(secret: bytes, body: str) -> str:
    return _b64(hmac.digest(secret, body.encode(), "sha256")[:18])  # HMAC-SHA256, one call


@dataclass(frozen=True)
class Token:
    """A verified token.

    Attributes:
        list_name: the list it is bound to.
        subject: the subscriber id, or the JSON text of a confirmation's address and name.
        issued: when it was made (seconds since the epoch); None for a token of an earlier
            release, which carried no issue time.
        expires: when it stops being valid; None if never.
    """

    list_name: str
    subject: str | int
    issued: int | None
    expires: int | None


def make_token(secret: bytes, purpose: str, list_name: str, subject: str | int,
               *, ttl: float | None = None, now: float | None = None,
               issued: float | None = None) -> str:
    """Sign ``(purpose, list, subject, expiry, issued)``.

    Args:
        secret: the HMAC key (``NEWSLETTER_SECRET``).
        purpose: what the token allows (``unsub``, ``prefs`` or ``confirm``).
        list_name: the list it is bound to.
        subject: the subscriber id (or, for a confirmation, a JSON-able value).
        ttl: seconds until it expires; None means it never does.
        now: the current time (seconds since the epoch); default the clock.
        issued: the issue time to record, default ``now`` (the newsletter rounds it down to
            the day so that a message built twice on one day is the same bytes).
    """
    t = now if now is not None else time.time()
    expiry = int(t + ttl) if ttl is not None else None
    payload: list[str | int | None] = [purpose, list_name, subject, expiry,
                                       int(issued if issued is not None else t)]
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_sig(secret, body)}"


def read_token(secrets: bytes | Sequence[bytes], token: str, purpose: str,
               *, now: float | None = None) -> Token | None:
    """The verified, unexpired token of ``purpose``, else None.

    Args:
        secrets: the key, or the keys to try (current first, then previous ones).

    Never raises on malformed input: a tampered token is simply not valid.
    """
    if not isinstance(token, str) or len(token) > 2048 or token.count(".") != 1:
        return None
    keys = [secrets] if isinstance(secrets, bytes) else list(secrets)
    body, _, sig = token.partition(".")
    if not any(hmac.compare_digest(_sig(k, body).encode(), sig.encode("utf-8", "replace"))
               for k in keys):
        return None
    try:
        payload = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, list) or len(payload) not in (3, 4, 5) or payload[0] != purpose:
        return None
    expiry = payload[3] if len(payload) >= 4 else None
    issued = payload[4] if len(payload) == 5 else None
    if len(payload) == 4 and expiry is None:
        return None  # an earlier release never wrote a null expiry
    for value in (expiry, issued):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            return None
    if len(payload) == 5 and issued is None:
        return None
    if expiry is not None and (now if now is not None else time.time()) > expiry:
        return None
    list_name, subject = payload[1], payload[2]
    if not isinstance(list_name, str) or not isinstance(subject, str | int):
        return None
    return Token(list_name, subject, issued, expiry)


def verify_token(secrets: bytes | Sequence[bytes], token: str, purpose: str,
                 *, now: float | None = None) -> tuple[str, str | int] | None:
    """Return ``(list, subject)`` for a valid, unexpired token of ``purpose``, else None.

    Never raises on malformed input: a tampered token is simply not valid.
    """
    got = read_token(secrets, token, purpose, now=now)
    return None if got is None else (got.list_name, got.subject)
