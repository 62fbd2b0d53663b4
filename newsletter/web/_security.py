"""Security plumbing of the public web app: headers, body limits, CSRF, rate limiting.

* :class:`SecurityMiddleware` (pure ASGI) adds the security headers to every response,
  caps request bodies (413 beyond ``max_body``), and answers a request that breaks it
  without reaching the app.
* :class:`Csrf`: a signed double-submit token. The GET of a form sets a random nonce in an
  ``HttpOnly; SameSite=Strict`` cookie and puts ``<time>.<HMAC(secret, nonce, time)>`` in a
  hidden field; the POST must carry both, matching and younger than ``max_age``.
* :class:`RateLimiter`: a sliding window per client key (IP), bounded memory.
* Input limits: :data:`FIELD_LIMITS`.
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


class SecurityMiddleware:
    """Security headers on every response; request bodies capped at ``max_body`` bytes.

    The whole (small) body is read before the app runs, so a slow or endless body costs at
    most ``max_body`` bytes of memory and never reaches a handler half-read.
    """

    def __init__(self, app: ASGIApp, *, https: bool, max_body: int = MAX_BODY,
                 prefix_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.headers = security_headers(https)
        self.max_body = max_body
        # Larger caps for some paths (provider webhooks post batches): {"/webhooks/": n}.
        self.prefix_limits = prefix_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        names = {k for k, _ in self.headers}
        limit = next((n for p, n in self.prefix_limits.items()
                      if scope.get("path", "").startswith(p)), self.max_body)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                hdrs = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = hdrs + self.headers
            await send(message)

        declared = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    await _plain(send_with_headers, 400, b"bad Content-Length")
                    return
        if declared is not None and (declared > limit or declared < 0):
            await _plain(send_with_headers, 413, b"request body too large")
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS") and declared in (None, 0):
            await self.app(scope, receive, send_with_headers)
            return
        body = bytearray()
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body += msg.get("body", b"")
            if len(body) > limit:
                await _plain(send_with_headers, 413, b"request body too large")
                return
            if not msg.get("more_body", False):
                break
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_headers)


async def _plain(send: Send, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(text)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text})


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


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key; memory bounded by
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
