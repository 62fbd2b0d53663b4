"""The one HTTP client wrapper of the collector.

A :class:`Fetcher` owns one ``httpx.AsyncClient`` for a run and puts every request under
the same rules: a global and a per-host concurrency limit, connect/read timeouts plus a
total deadline around the whole streamed read, a size cap counted on the decompressed
stream, manually followed redirects (permanent ones recorded), retries with exponential
backoff and jitter for connect errors, 429 and 5xx (honouring ``Retry-After``), robots.txt
for ``crawl`` fetches, conditional GET, and the private-address guard for discovered links.
httpx exceptions never leave this module: they become :class:`FetchError`.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from ..config import CollectSettings
from ..exceptions import FetchError
from ._robots import RobotsCache, RobotsEntry, robots_parser
from ._urls import (
    AddressGuard,
    BlockedAddress,
    PinnedBackend,
    is_http_url,
    literal_host_is_private,
)

FetchPolicy = Literal["plain", "crawl", "robots"]
"""How a URL is fetched: ``crawl`` obeys robots.txt (pages and the articles they link);
``plain`` does not (a feed, meant to be polled); ``robots`` is robots.txt itself (a 4xx
answer is returned instead of raising). Each source kind names its policy
(``collect/_kinds.py``)."""
_Fail = Callable[..., FetchError]  # builds a FetchError for (message, url=None)
REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT = {301, 308}
BACKOFF_BASE = 0.5  # seconds; attempt n waits BACKOFF_BASE * 2**n * jitter(0.5..1.5)
ROBOTS_MAX_BYTES = 512 * 1024
DRAIN_MAX = 64 * 1024  # unused bodies (304, redirects, errors) read to keep the connection
GUARD = "ree_guard"
"""Request extension: the connection must go to a checked public address (PinnedBackend)."""


@dataclass
class Fetched:
    """A successful response (200-299) or a 304, body fully read and size-checked."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes
    permanent_redirect: str | None = None

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", ""))

    @property
    def etag(self) -> str | None:
        value: str | None = self.headers.get("etag")
        return value

    @property
    def last_modified(self) -> str | None:
        value: str | None = self.headers.get("last-modified")
        return value


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _mb(n: int) -> str:
    return f"{n / 1_048_576:g} MB" if n >= 1_048_576 else f"{n / 1024:g} KB"


_ACCEPT = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, "
           "text/html;q=0.8, */*;q=0.5")


class OriginPools(httpx.AsyncBaseTransport):
    """A small keep-alive connection pool per origin, routed by a dict lookup.

    httpcore's pool scans all its connections for every request, and one pool shared by
    a hundred hosts either keeps few idle connections (so every request reconnects) or
    scans many; a pool per origin keeps ``per_host`` connections alive and scans only
    those. Beyond ``max_origins`` origins, requests share one pool (bounded sockets).

    A request with the :data:`GUARD` extension (a link found in fetched content, or a
    redirect hop) goes through pools whose connections resolve once, check every address
    and connect to a checked one (:class:`~newsletter.collect._urls.PinnedBackend`), so a
    name cannot be rebound to a private address between the check and the connect.
    """

    def __init__(self, settings: CollectSettings, max_origins: int = 128) -> None:
        self._per_origin = httpx.Limits(max_connections=settings.per_host + 2,
                                        max_keepalive_connections=settings.per_host)
        self._shared_limits = httpx.Limits(
            max_connections=settings.concurrency + 4,
            max_keepalive_connections=min(settings.concurrency, 16))
        self._max_origins = max_origins
        self._pools: dict[tuple[bool, bytes, bytes, int | None],
                          httpx.AsyncHTTPTransport] = {}
        self._shared: dict[bool, httpx.AsyncHTTPTransport] = {}
        self._ssl: ssl.SSLContext | None = None

    def _new(self, limits: httpx.Limits, guarded: bool) -> httpx.AsyncHTTPTransport:
        # one TLS context shared by all pools: making one costs ~15 ms (CA bundle)
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context(trust_env=False)
        transport = httpx.AsyncHTTPTransport(verify=self._ssl, trust_env=False, limits=limits)
        if guarded:
            # httpx (<1) takes no network backend: give its pool one with the same limits.
            transport._pool = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl, max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry, network_backend=PinnedBackend())
        return transport

    def _pool(self, url: httpx.URL, guarded: bool) -> httpx.AsyncHTTPTransport:
        key = (guarded, url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            if len(self._pools) < self._max_origins:
                pool = self._pools[key] = self._new(self._per_origin, guarded)
            else:
                if guarded not in self._shared:
                    self._shared[guarded] = self._new(self._shared_limits, guarded)
                pool = self._shared[guarded]
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        guarded = bool(request.extensions.get(GUARD))
        return await self._pool(request.url, guarded).handle_async_request(request)

    async def aclose(self) -> None:
        for pool in (*self._pools.values(), *self._shared.values()):
            await pool.aclose()
        self._pools.clear()
        self._shared.clear()


async def _drain(response: httpx.Response) -> None:
    """Read a body we do not use (a 304's empty one, a redirect's short note) so that the
    connection goes back to the pool instead of being closed; give up past DRAIN_MAX."""
    declared = response.headers.get("content-length", "")
    if response.is_stream_consumed or (declared.isdigit() and int(declared) > DRAIN_MAX):
        return  # already in memory (a mock transport's response), or not worth reading
    seen = 0
    async for chunk in response.aiter_raw():
        seen += len(chunk)
        if seen > DRAIN_MAX:
            return


class Fetcher:
    """One run's HTTP client. Use as ``async with Fetcher(...) as f: await f.fetch(url)``.

    Every request goes through one shared ``httpx.AsyncClient`` (no redirects followed by
    httpx: the collector follows them itself; no environment proxies), whose transport
    keeps a small pool of reused connections per origin (:class:`OriginPools`).
    """

    def __init__(self, settings: CollectSettings, user_agent: str,
                 transport: httpx.AsyncBaseTransport | None = None,
                 robots: RobotsCache | None = None) -> None:
        self.settings = settings
        self.robots = robots if robots is not None else RobotsCache()
        self.user_agent = user_agent
        s = settings
        headers = {"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate",
                   "Accept": _ACCEPT}
        self.transport = transport if transport is not None else OriginPools(s)
        self.client = httpx.AsyncClient(transport=self.transport, follow_redirects=False,
                                        trust_env=False, timeout=httpx.Timeout(
                                            connect=s.connect_timeout, read=s.read_timeout,
                                            write=s.read_timeout, pool=s.deadline),
                                        headers=headers)
        self._global = asyncio.Semaphore(s.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._robots: dict[str, asyncio.Task[urllib.robotparser.RobotFileParser | None]] = {}
        offline = isinstance(transport, httpx.MockTransport)
        # With our own transport the connection itself is pinned to checked addresses
        # (OriginPools + PinnedBackend): a DNS check beforehand would only add a lookup.
        # Any other live transport gets the (fail-closed) check before the request.
        pinned = isinstance(self.transport, OriginPools)
        self.guard = AddressGuard(allow_private=s.allow_private_links,
                                  resolve=not offline and not pinned)
        self.pinning = pinned and not s.allow_private_links

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for task in self._robots.values():
            task.cancel()
        await self.client.aclose()

    # ------------------------------------------------------------------ public
    async def fetch(self, url: str, *, policy: FetchPolicy = "plain", etag: str | None = None,
                    last_modified: str | None = None, discovered: bool = False,
                    source: str | None = None, max_bytes: int | None = None) -> Fetched:
        """Fetch ``url`` and return its body.

        Args:
            policy: ``crawl`` fetches obey robots.txt; ``plain`` and ``robots`` do not (a
                ``robots`` fetch returns a 4xx answer instead of raising).
            etag, last_modified: validators for a conditional GET (a 304 is returned as is).
            discovered: the URL was found inside fetched content; refuse private addresses.
            source: the source name, carried by errors.

        Raises:
            FetchError: any failure, with a one-line message naming the problem.
        """
        def fail(msg: str, at: str | None = None) -> FetchError:
            return FetchError(msg, source=source, url=at or url)

        if not is_http_url(url):
            raise fail(f"not an http(s) URL: {url[:200]}")
        if discovered and (reason := await self.guard.blocked_reason(url)):
            raise fail(reason)
        if policy == "crawl" and self.settings.respect_robots \
                and not await self._allowed(url):
            raise fail(f"robots.txt of {urlsplit(url).netloc} disallows {url}")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current, permanent, all_permanent, seen = url, None, True, {url}
        guarded = discovered
        for _hop in range(self.settings.max_redirects + 1):
            status, resp_headers, body = await self._with_retries(
                current, headers, max_bytes or self.settings.max_bytes, fail, guarded)
            if status in REDIRECTS and resp_headers.get("location"):
                target = urljoin(current, resp_headers["location"].strip())
                if not is_http_url(target):
                    raise fail(f"redirect to a non-http(s) URL: {target[:200]}", current)
                trusted_hop = not discovered and literal_host_is_private(current) is True
                if not trusted_hop and (reason := await self.guard.blocked_reason(target)):
                    raise fail(f"redirect refused: {reason}", current)
                if target in seen:
                    raise fail(f"redirect loop: {current} -> {target}", current)
                if (policy == "crawl" and self.settings.respect_robots
                        and not await self._allowed(target)):
                    raise fail(f"redirected to {target}, which robots.txt of "
                               f"{urlsplit(target).netloc} disallows", current)
                seen.add(target)
                guarded = not trusted_hop
                all_permanent = all_permanent and status in PERMANENT
                if all_permanent:
                    permanent = target
                current = target
                continue
            if status == 304 or 200 <= status < 300 or (policy == "robots"
                                                          and 400 <= status < 500):
                return Fetched(current, status, resp_headers, body, permanent)
            raise fail(f"HTTP {status} {httpx.codes.get_reason_phrase(status)}".rstrip(),
                       current)
        raise fail(f"too many redirects (more than {self.settings.max_redirects})", current)

    # ---------------------------------------------------------------- internals
    def _host_slot(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.settings.per_host)
        return sem

    async def _with_retries(self, url: str, headers: dict[str, str], max_bytes: int,
                            fail: _Fail, guarded: bool = False
                            ) -> tuple[int, httpx.Headers, bytes]:
        s = self.settings
        for attempt in range(s.retries + 1):
            try:
                async with self._host_slot(url), self._global:
                    return await self._once(url, headers, max_bytes, fail, guarded)
            except _Retryable as exc:
                if attempt >= s.retries:
                    raise fail(exc.message, url) from None
                delay = exc.retry_after
                if delay is not None and delay > s.retry_after_max:
                    raise fail(f"{exc.message} (Retry-After {delay:g} s exceeds the "
                               f"{s.retry_after_max:g} s limit)", url) from None
                if delay is None:
                    delay = BACKOFF_BASE * 2**attempt * (0.5 + random.random())
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _once(self, url: str, headers: dict[str, str], max_bytes: int,
                    fail: _Fail, guarded: bool = False) -> tuple[int, httpx.Headers, bytes]:
        deadline = self.settings.deadline
        try:
            async with asyncio.timeout(deadline):
                request = self.client.build_request(
                    "GET", url, headers=headers,
                    extensions={GUARD: True} if guarded and self.pinning else None)
                response = await self.client.send(request, stream=True)
                try:
                    status = response.status_code
                    if status == 429 or 500 <= status < 600:
                        raise _Retryable(
                            f"HTTP {status} {response.reason_phrase}".rstrip(),
                            parse_retry_after(response.headers.get("retry-after")))
                    if status in REDIRECTS or status == 304 or not 200 <= status < 300:
                        await _drain(response)
                        return status, response.headers, b""
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise fail(f"response too large: Content-Length {declared} bytes "
                                   f"exceeds the {_mb(max_bytes)} limit")
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            raise fail(f"response body exceeds the {_mb(max_bytes)} limit "
                                       "(counted after decompression); download stopped")
                    return status, response.headers, bytes(body)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise fail(f"no complete response within the {deadline:g} s deadline") from None
        except BlockedAddress as exc:
            raise fail(str(exc)) from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _Retryable(f"cannot connect to {urlsplit(url).netloc}: "
                             f"{exc or type(exc).__name__}") from None
        except httpx.ReadTimeout:
            raise fail(f"read timed out after {self.settings.read_timeout:g} s") from None
        except httpx.DecodingError as exc:
            raise fail(f"cannot decompress the response: {exc}") from None
        except httpx.HTTPError as exc:
            raise fail(f"{type(exc).__name__}: {exc or 'request failed'}") from None

    async def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}".lower()
        task = self._robots.get(key)
        if task is None:
            task = self._robots[key] = asyncio.ensure_future(self._load_robots(key))
        parser = task.result() if task.done() else await asyncio.shield(task)
        return parser is None or parser.can_fetch(self.user_agent, url)

    async def _load_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """robots.txt of an origin; None (everything allowed) when missing or unreadable.

        A fresh cached copy is used without a request; a stale one is revalidated; a 4xx
        is cached as "allow all"; an unreachable or failing origin is asked again next run
        (its stale copy, if any, applies meanwhile). See ``_robots.py``.
        """
        cache = self.robots
        entry = cache.get(origin)
        if entry is not None and cache.is_fresh(entry):
            return robots_parser(origin, entry)
        try:
            got = await self.fetch(origin + "/robots.txt", policy="robots",
                                   etag=entry.etag if entry else None,
                                   last_modified=entry.last_modified if entry else None,
                                   max_bytes=ROBOTS_MAX_BYTES)
        except FetchError:
            return robots_parser(origin, entry)
        now = cache.clock()
        if got.status == 304 and entry is not None:
            entry = RobotsEntry(entry.body, now, got.etag or entry.etag,
                                got.last_modified or entry.last_modified)
        elif 200 <= got.status < 300:
            entry = RobotsEntry(got.content.decode("utf-8", "replace"), now, got.etag,
                                got.last_modified)
        elif 400 <= got.status < 500:
            entry = RobotsEntry(None, now)
        else:  # a 304 to a request without validators: not an answer
            return robots_parser(origin, entry)
        cache.put(origin, entry)
        return robots_parser(origin, entry)
