"""URL identity and the private-address guard.

:func:`canonical_url` gives every item one identity however a feed decorates its links;
:meth:`AddressGuard.blocked_reason` keeps links discovered in fetched content away from
loopback, private, link-local and reserved addresses (SSRF), unless the settings allow it.

Checking a name and then letting the HTTP client resolve it again to connect is open to
DNS rebinding (the second answer can be 127.0.0.1). So the real transport resolves once,
checks *every* address of the answer, and connects to one of the checked addresses
(:class:`PinnedBackend`, issue 12); TLS SNI, certificate checks and the Host header still
use the name. A name that does not resolve is refused (fail closed).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpcore

_TRACKING = {"fbclid", "gclid", "mc_cid", "mc_eid", "ref", "dclid", "msclkid", "yclid",
             "igshid", "_hsenc", "_hsmi"}


def canonical_url(url: str, base: str | None = None) -> str:
    """The canonical form of an http(s) URL.

    Lowercases scheme and host, drops default ports, the fragment and tracking parameters
    (``utm_*``, ``fbclid``, ``gclid``, ``mc_cid``, ``mc_eid``, ``ref``, ...), and sorts the
    remaining query parameters. ``base`` resolves a relative URL first.
    """
    from urllib.parse import urljoin

    url = url.strip()
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{netloc}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith("utm_") and k.lower() not in _TRACKING]
    query.sort()
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def is_http_url(url: str) -> bool:
    """True for an absolute http or https URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def is_private_ip(ip: str) -> bool:
    """True for loopback, private, link-local, multicast, reserved or unspecified addresses
    (IPv4-mapped IPv6 addresses are judged by their IPv4 part)."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved
            or addr.is_multicast or addr.is_unspecified or not addr.is_global)


def literal_host_is_private(url: str) -> bool | None:
    """For a URL whose host is an IP literal (or ``localhost``): whether it is private.
    None when the host is a name that needs DNS."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return is_private_ip(host)


class AddressGuard:
    """Decides whether a discovered link may be fetched; caches DNS answers per run."""

    def __init__(self, *, allow_private: bool, resolve: bool) -> None:
        self.allow_private = allow_private
        self.resolve = resolve
        self._cache: dict[str, bool] = {}

    async def blocked_reason(self, url: str) -> str | None:
        """None if ``url`` may be fetched, else a one-line reason."""
        if not is_http_url(url):
            return f"not an http(s) URL: {url[:200]}"
        if self.allow_private:
            return None
        literal = literal_host_is_private(url)
        host = urlsplit(url).hostname or ""
        if literal is True:
            return f"refusing to follow a link to a private address ({host})"
        if literal is False or not self.resolve:
            return None
        if host not in self._cache:
            self._cache[host] = await self._resolves_private(host)
        if self._cache[host]:
            return f"refusing to follow a link to {host}: it resolves to a private address"
        return None

    @staticmethod
    async def _resolves_private(host: str) -> bool:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return True  # unresolvable: refused (fail closed), not waved through
        return not infos or any(is_private_ip(str(info[4][0])) for info in infos)


class BlockedAddress(Exception):
    """A guarded connection would reach a private address, or its name did not resolve."""


async def checked_addresses(host: str, port: int) -> list[str]:
    """Resolve ``host`` once; every address must be public.

    Raises:
        BlockedAddress: the name does not resolve, or any of its addresses is private
            (a rebinding answer often mixes a public and a private one).
    """
    literal = host.strip("[]")
    if literal.lower() == "localhost" or literal.lower().endswith(".localhost"):
        raise BlockedAddress(f"refusing to connect to {host}: a loopback name")
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(literal, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise BlockedAddress(f"refusing to connect to {host}: it does not resolve "
                             f"({exc})") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    private = [a for a in addresses if is_private_ip(a)]
    if private or not addresses:
        raise BlockedAddress(f"refusing to connect to {host}: it resolves to a private "
                             f"address ({', '.join(private[:3]) or 'none'})")
    return addresses


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses it has checked.

    httpcore hands ``connect_tcp`` the URL's host name and, once connected, starts TLS
    with that same name as SNI (and checks the certificate against it); the Host header
    comes from the URL. Resolving here and connecting to the checked IP therefore pins
    the connection without changing what the server sees.
    """

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for address in await checked_addresses(host, port):
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout,
                                                     local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("refusing a unix socket for a guarded fetch")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
