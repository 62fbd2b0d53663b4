"""The collector's SSRF guard against DNS rebinding (issue 12), with real HTTP servers.

Two servers share a port: "internal" on 127.0.0.1 (what an attacker wants to reach) and
"public" on 127.0.0.2, which these tests treat as a public address. A fake resolver gives
names answers that change between lookups, as a rebinding DNS server does. A guarded fetch
(a link found in content, or a redirect hop) must connect to the address it checked, refuse
any answer that holds a private address, and refuse a name that does not resolve.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.collect import _fetch, _urls
from newsletter.config import CollectSettings
from newsletter.exceptions import FetchError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_collect_fetch import UA, Server, respond  # noqa: E402

PUBLIC = "127.0.0.2"


def _can_bind(host: str) -> bool:
    try:
        with socket.socket() as s:
            s.bind((host, 0))
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _can_bind(PUBLIC), reason="needs 127.0.0.2 (Linux)")


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server]]:
    internal, public = Server(), Server()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    held: list[asyncio.base_events.Server] = []

    async def start() -> None:
        a = await asyncio.start_server(internal._handle, "127.0.0.1", 0)
        port = a.sockets[0].getsockname()[1]
        b = await asyncio.start_server(public._handle, PUBLIC, port)
        internal.port = public.port = port
        held.extend([a, b])

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(5)

    async def secret(req, w) -> None:
        await respond(w, 200, b"internal secret")

    async def page(req, w) -> None:
        await respond(w, 200, b"public page")

    internal.routes["/secret"] = secret
    public.routes["/secret"] = page
    yield internal, public

    async def stop() -> None:
        for s in held:
            s.close()

    asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """``dns[name] = [answer1, answer2, ...]``: one answer per lookup, the last repeats. An
    answer is a list of IPs, or an exception to raise. 127.0.0.2 counts as public."""
    answers: dict[str, list] = {}
    real = socket.getaddrinfo
    lookups: list[str] = []

    def fake(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in answers:
            return real(host, port, family, type, proto, flags)
        lookups.append(name)
        queue = answers[name]
        got = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(got, BaseException):
            raise got
        p = int(port or 0)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, p)) for ip in got]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    real_private = _urls.is_private_ip
    monkeypatch.setattr(_urls, "is_private_ip",
                        lambda ip: False if ip == PUBLIC else real_private(ip))
    answers["__lookups__"] = lookups  # type: ignore[assignment]
    return answers


def _fetch_one(url: str, *, discovered: bool = True) -> _fetch.Fetched:
    settings = CollectSettings(retries=0, connect_timeout=2, read_timeout=5, deadline=10,
                               respect_robots=False)

    async def go() -> _fetch.Fetched:
        async with _fetch.Fetcher(settings, UA) as f:
            return await f.fetch(url, discovered=discovered, source="t")

    return asyncio.run(go())


def test_the_connection_goes_to_the_address_that_was_checked(servers, dns) -> None:
    internal, public = servers
    dns["a.rebind.test"] = [[PUBLIC], ["127.0.0.1"]]  # public for the check, then private
    got = _fetch_one(f"http://a.rebind.test:{public.port}/secret")
    assert got.content == b"public page"
    assert internal.hits["/secret"] == 0
    assert public.seen[-1].headers["host"] == f"a.rebind.test:{public.port}"  # still the name


def test_a_failed_lookup_fails_closed(servers, dns) -> None:
    internal, _ = servers
    dns["b.rebind.test"] = [socket.gaierror(socket.EAI_NONAME, "no such name"),
                            ["127.0.0.1"]]
    with pytest.raises(FetchError, match="does not resolve"):
        _fetch_one(f"http://b.rebind.test:{internal.port}/secret")
    assert internal.hits["/secret"] == 0


def test_every_address_of_an_answer_is_checked(servers, dns) -> None:
    internal, public = servers
    dns["c.rebind.test"] = [[PUBLIC, "127.0.0.1"]]
    with pytest.raises(FetchError, match="private address"):
        _fetch_one(f"http://c.rebind.test:{public.port}/secret")
    assert internal.hits["/secret"] == 0 and public.hits["/secret"] == 0


def test_every_redirect_hop_is_pinned(servers, dns) -> None:
    internal, public = servers
    port = public.port

    async def go(req, w) -> None:
        await respond(w, 302, headers={"Location": f"http://d.rebind.test:{port}/secret"})

    public.routes["/go"] = go
    dns["d.rebind.test"] = [[PUBLIC], ["127.0.0.1"]]
    # a configured source (not a discovered link) on a public address that redirects
    got = _fetch_one(f"http://{PUBLIC}:{port}/go", discovered=False)
    assert got.content == b"public page" and internal.hits["/secret"] == 0
    dns["e.rebind.test"] = [["127.0.0.1"]]
    public.routes["/go2"] = lambda req, w: respond(
        w, 302, headers={"Location": f"http://e.rebind.test:{port}/secret"})
    with pytest.raises(FetchError, match="private address"):
        _fetch_one(f"http://{PUBLIC}:{port}/go2", discovered=False)
    assert internal.hits["/secret"] == 0


def test_allow_private_links_still_reaches_private_addresses(servers, dns) -> None:
    internal, _ = servers
    dns["f.rebind.test"] = [["127.0.0.1"]]
    settings = CollectSettings(retries=0, respect_robots=False, allow_private_links=True)

    async def go() -> _fetch.Fetched:
        async with _fetch.Fetcher(settings, UA) as f:
            return await f.fetch(f"http://f.rebind.test:{internal.port}/secret",
                                 discovered=True)

    assert asyncio.run(go()).content == b"internal secret"
