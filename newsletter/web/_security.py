"""Security rules of the public web app: headers, body limits, CSRF, rate limiting.

The ASGI middleware that applies them lives with the other guards in
:mod:`newsletter.web._guard`.

* :func:`security_headers`: the headers of every response; :data:`MAX_BODY` and
  :data:`FIELD_LIMITS`: the input limits.
* :class:`Csrf`: a signed double-submit token. The GET of a form sets a random nonce in an
  ``HttpOnly; SameSite=Strict`` cookie and puts ``<time>.<HMAC(secret, nonce, time)>`` in a
  hidden field; the POST must carry both, matching and younger than ``max_age``.
* :class:`RequestRateLimiter`: requests per key (a client's IP, an address) in a sliding
  window, bounded memory.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 16 * 1024
"""Largest request body accepted (the biggest form is a few hundred bytes)."""

FIELD_LIMITS = {"email": 254, "name": 100, "list": 100, "csrf_token": 200, "website": 200,
                "action": 20}
"""Longest accepted value of each form field (characters)."""

CSRF_COOKIE = "ree_csrf"
CSRF_FIELD = "csrf_token"


def csrf_cookie_name(https: bool) -> str:
    """``__Host-ree_csrf`` when the site is served over https, else ``ree_csrf``.

    The ``__Host-`` prefix makes the browser keep the cookie only if it was set with
    ``Secure``, ``Path=/`` and no ``Domain`` by this very host, so a sibling subdomain (or
    a man in the middle on plain http) cannot plant a CSRF nonce. Browsers refuse
    ``Secure`` cookies from an ``http://`` origin (localhost aside, inconsistently), so a
    site whose ``public_url`` is plain http (a local test, a loopback health check) uses
    the unprefixed name; it is still host-only, HttpOnly and SameSite=Strict.
    """
    return "__Host-" + CSRF_COOKIE if https else CSRF_COOKIE


def client_key(host: str | None) -> str:
    """The rate-limit key of a client address: the address itself for IPv4, its /64 for
    IPv6 (one subscriber line or host usually holds a whole /64, so a per-address limit
    would be a limit per 2**64 tries). IPv4-mapped addresses count as IPv4."""
    import ipaddress

    if not host:
        return "unknown"
    try:
        addr = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)


def security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    """The headers added to every response."""
    csp = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; "
           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"interest-cohort=(), camera=(), microphone=(), "
                                b"geolocation=()"),
    ]
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class Csrf:
    """Signed double-submit CSRF tokens (see the module docstring).

    Args:
        secret: the HMAC key (``NEWSLETTER_SECRET``).
        max_age: seconds a form stays valid.
    """

    def __init__(self, secret: bytes, max_age: float = 4 * 3600) -> None:
        self._key = hashlib.sha256(b"csrf\x00" + secret).digest()
        self.max_age = max_age

    def new_nonce(self) -> str:
        return secrets.token_urlsafe(24)

    def _sig(self, nonce: str, ts: int) -> str:
        return hmac.new(self._key, f"{nonce}.{ts}".encode(), hashlib.sha256).hexdigest()[:40]

    def token(self, nonce: str, now: float | None = None) -> str:
        """The hidden-field value for the cookie ``nonce``."""
        ts = int(now if now is not None else time.time())
        return f"{ts}.{self._sig(nonce, ts)}"

    def check(self, nonce: str | None, token: str | None, now: float | None = None) -> bool:
        """True if ``token`` was made for ``nonce`` less than ``max_age`` ago."""
        if not nonce or not token or len(nonce) > 100 or len(token) > 200:
            return False
        ts_s, _, sig = token.partition(".")
        if not ts_s.isdigit() or len(ts_s) > 12:
            return False
        ts = int(ts_s)
        t = now if now is not None else time.time()
        if not (t - self.max_age <= ts <= t + 60):
            return False
        return hmac.compare_digest(self._sig(nonce, ts).encode(), sig.encode("utf-8",
                                                                            "replace"))


class RequestRateLimiter:
    """At most ``limit`` requests per ``window`` seconds per key (sign-ups per client IP,
    confirmation emails per address); memory bounded by
    ``max_keys`` (the least recently seen keys are forgotten first)."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count one event for ``key``. Returns None if allowed, else seconds to wait."""
        now = self._clock()
        with self._lock:
            q = self._hits.get(key)
            if q is None:
                q = self._hits[key] = deque()
                while len(self._hits) > self.max_keys:
                    self._hits.popitem(last=False)
            else:
                self._hits.move_to_end(key)
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.limit:
                return max(1.0, q[0] + self.window - now)
            q.append(now)
            return None
