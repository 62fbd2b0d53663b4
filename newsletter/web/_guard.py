"""The guards of ``newsletter serve``: connection, Host and request (issue 12; see
docs/security.md). Every ASGI middleware of the public app lives here.

* :class:`SecurityMiddleware` (pure ASGI) adds the security headers of
  :func:`~newsletter.web._security.security_headers` to every response, caps request
  bodies (413 beyond ``max_body``), and answers a request that breaks it without reaching
  the app.
* :class:`AccessLog` (ASGI): one log line per request, tokens redacted
  (:func:`redact_path`).
* :class:`AllowedHosts` (ASGI): a request whose ``Host`` is not one of the service's names
  (the host of ``public_url``, ``[web] allowed_hosts``, and loopback names for local health
  checks) gets a plain 400 before it reaches the app. Nothing the app builds from the
  request's URL can then point at a foreign host.
* :func:`guarded_h11`: uvicorn's h11 protocol with read deadlines and a per-client
  connection cap. uvicorn has no deadline for a request's headers or body (its
  ``timeout_keep_alive`` only covers the idle time *between* requests, and
  ``h11_max_incomplete_event_size`` only the size of the headers), so a client sending a
  byte every few seconds held a connection for ever. Here each request must arrive in full
  within ``header_timeout`` seconds of its first byte (of the connection's opening, for the
  first request) and its body within ``body_timeout`` seconds of the end of its headers;
  the deadline does not move when more bytes trickle in. A client that misses one gets
  ``408`` (if nothing was answered yet) and the connection is closed. One client address
  (an IPv6 /64 counts as one) may hold at most ``max_per_client`` connections; more are
  answered ``503`` and closed at once. Addresses trusted as reverse proxies (uvicorn's
  ``forwarded_allow_ips``, default 127.0.0.1) are exempt from the cap, because every
  visitor arrives through them; the proxy must limit its own clients (docs/security.md).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .._logfmt import kv
from ._security import (
    MAX_BODY,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    client_key,
    security_headers,
)

log = logging.getLogger("newsletter.web")
_REDACT = re.compile(r"^/(unsubscribe|confirm|preferences)/[^/]*")

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


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
                    await plain_response(send_with_headers, 400, b"bad Content-Length")
                    return
        if declared is not None and (declared > limit or declared < 0):
            await plain_response(send_with_headers, 413, b"request body too large")
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
                await plain_response(send_with_headers, 413, b"request body too large")
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


async def plain_response(send: Send, status: int, text: bytes) -> None:
    """Answer with a short plain-text body and close the connection (a guard's refusal)."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(text)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text})


def redact_path(path: str) -> str:
    """A request path fit for logs: tokens replaced by ``<token>``."""
    return _REDACT.sub(r"/\1/<token>", path)[:200]


class AccessLog:
    """One log line per request, tokens redacted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrap(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrap)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(kv("http", method=scope.get("method"),
                            path=redact_path(scope.get("path", "")), status=status,
                            ms=round((time.perf_counter() - start) * 1000, 1)))


def host_of(value: str) -> str:
    """The host name of a ``Host`` header value, lower-cased, without port or brackets."""
    value = value.strip().lower().rstrip(".")
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.rsplit(":", 1)[0].rstrip(".")
    return value


class AllowedHosts:
    """ASGI middleware: 400 for a request whose Host is not in ``hosts``."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = frozenset(host_of(h) for h in hosts if h)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            got = [v for k, v in scope.get("headers", []) if k == b"host"]
            name = host_of(got[0].decode("latin-1")) if len(got) == 1 else ""
            if name not in self.hosts:
                await plain_response(send, 400, b"unknown Host\n")
                return
        await self.app(scope, receive, send)


def allowed_hosts(public_host: str, extra: Iterable[str], loopback: bool) -> frozenset[str]:
    """The Host names `serve` answers: public_url's host, ``extra``, loopback names."""
    names = {public_host, *extra}
    if loopback:
        names |= LOOPBACK_HOSTS
    return frozenset(host_of(n) for n in names if n)


def _trusted(value: str | list[str] | None) -> tuple[bool, list[Any]]:
    """(everyone trusted, networks) of uvicorn's ``forwarded_allow_ips``."""
    items = value if isinstance(value, list) else (value or "").split(",")
    nets = []
    for item in (i.strip() for i in items):
        if item == "*":
            return True, []
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            continue  # a unix socket path or a name: not an address we can match
    return False, nets


def guarded_h11(*, header_timeout: float, body_timeout: float, max_per_client: int,
                forwarded_allow_ips: str | list[str] | None) -> type[H11Protocol]:
    """A uvicorn ``http`` protocol class with the deadlines and the cap described above."""
    everyone, nets = _trusted(forwarded_allow_ips)
    open_per_client: Counter[str] = Counter()

    def exempt(host: str | None) -> bool:
        if everyone or not host:
            return True
        try:
            addr = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return True
        return any(addr in n for n in nets)

    class GuardedH11Protocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None
        _phase: str | None = None
        _key: str | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            host = self.client[0] if self.client else None
            if not exempt(host):
                key = client_key(host)
                if open_per_client[key] >= max_per_client:
                    transport.write(b"HTTP/1.1 503 Service Unavailable\r\n"
                                    b"content-type: text/plain; charset=utf-8\r\n"
                                    b"content-length: 29\r\nconnection: close\r\n\r\n"
                                    b"too many connections from you")
                    transport.close()
                    return
                self._key = key
                open_per_client[key] += 1
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel()
            if self._key is not None:
                open_per_client[self._key] -= 1
                if open_per_client[self._key] <= 0:
                    del open_per_client[self._key]
                self._key = None
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        # --- deadlines -----------------------------------------------------------------
        def _cancel(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline, self._phase = None, None

        def _arm(self) -> None:
            """Start the deadline of the phase the request is in (once per phase: more
            bytes do not extend it); none while the app is answering."""
            if self.transport is None or self.transport.is_closing():
                self._cancel()
                return
            state = self.conn.their_state
            want = ("headers" if state is h11.IDLE else "body" if state is h11.SEND_BODY
                    else None)
            if want == self._phase:
                return
            self._cancel()
            if want is not None:
                delay = header_timeout if want == "headers" else body_timeout
                self._phase = want
                self._deadline = self.loop.call_later(delay, self._too_slow)

        def _too_slow(self) -> None:
            self._deadline, self._phase = None, None
            if self.transport.is_closing():
                return
            answered = self.cycle is not None and self.cycle.response_started
            if not answered and self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                self.transport.write(b"HTTP/1.1 408 Request Timeout\r\n"
                                     b"content-length: 0\r\nconnection: close\r\n\r\n")
            if self.cycle is not None and not self.cycle.response_complete:
                self.cycle.disconnected = True
                self.cycle.message_event.set()
            self.transport.close()

    return GuardedH11Protocol
