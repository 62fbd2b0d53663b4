"""The collector against a real HTTP server on 127.0.0.1: hostile sources, conditional GET,
robots.txt, redirects, retries, per-host limits, the private-address guard, snapshots."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from newsletter.collect import (
    FetchState,
    _fetch,
    collect_sources,
    inspect_target,
    snapshot_transport,
)
from newsletter.config import CollectSettings
from newsletter.exceptions import FetchError
from newsletter.types import Source

UA = "REE-Daily/0.1 (+https://github.com/ree-daily/ree-daily)"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Server:
    """A raw asyncio HTTP/1.1 server in its own thread, so handlers control every byte."""

    routes: dict[str, Handler] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    seen: list[Request] = field(default_factory=list)
    active: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (ln.partition(":") for ln in lines[1:] if ln)}
                req = Request(method, target, headers)
                self.hits[target] += 1
                self.seen.append(req)
                handler = self.routes.get(target.split("?")[0], not_found)
                route = target.split("?")[0]
                self.active[route] += 1
                self.peak[route] = max(self.peak[route], self.active[route])
                try:
                    await handler(req, writer)
                finally:
                    self.active[route] -= 1
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


async def respond(w: asyncio.StreamWriter, status: int = 200, body: bytes = b"",
                  headers: dict[str, str] | None = None, close: bool = False) -> None:
    hdrs = {"Content-Length": str(len(body)), **(headers or {})}
    if close:
        hdrs["Connection"] = "close"
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
    w.write(head.encode() + b"\r\n" + body)
    await w.drain()
    if close:
        w.close()


async def not_found(req: Request, w: asyncio.StreamWriter) -> None:
    await respond(w, 404, b"no")


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def start() -> asyncio.base_events.Server:
        s = await asyncio.start_server(srv._handle, "127.0.0.1", 0)
        srv.port = s.sockets[0].getsockname()[1]
        return s

    holder: dict[str, object] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        holder["server"] = loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(5)
    yield srv

    async def stop() -> None:
        s = holder["server"]
        s.close()  # type: ignore[attr-defined]
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fetch, "BACKOFF_BASE", 0.05)


def settings(**kw: object) -> CollectSettings:
    base: dict[str, object] = dict(deadline=2.0, connect_timeout=1.0, read_timeout=1.5,
                                   max_bytes=1024 * 1024, retries=1, retry_after_max=2.0,
                                   max_redirects=5)
    base.update(kw)
    return CollectSettings(**base)  # type: ignore[arg-type]


def rss(items: list[tuple[str, str, str]], title: str = "Feed") -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Mon, 24 Nov 2026 06:00:00 GMT</pubDate>"
        f"<description><![CDATA[{d}]]></description></item>" for t, link, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://x.example/</link>{body}</channel></rss>"
            ).encode()


GOOD = rss([("Neodymium prices rise", "https://news.example/nd?utm_source=rss",
             "<p>NdPr oxide rose 2%.</p>")])

EVIL = rss([("Evil <script>alert(1)</script>item", "https://news.example/evil",
             '<p onmouseover="x()">Body<script>alert(2)</script>'
             '<img src="x" onerror="alert(3)"><a href="javascript:alert(4)">click</a>'
             '<span style="background:expression(alert(5))">css</span>'
             '<a href="/rel">rel</a></p>'),
            ("Bad link", "javascript:alert(6)", "<p>x</p>")])

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
<!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"><!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]><rss version="2.0"><channel><title>&i;</title><item><title>&i;</title>
<link>https://news.example/lol</link><description>&i;</description></item></channel></rss>"""

ARTICLE = """<!doctype html><html><head><title>Lab</title>
<meta property="article:published_time" content="2025-01-22T00:00:00Z"></head><body>
<article><h1>New Inner Mongolia Lab</h1><h3>Highlights</h3><ul><li>Baogang sets up a lab.</li>
<li>It recycles tailings.</li></ul><div class="entry"><p>The Baogang Group has launched a
laboratory for the green utilization of mining and metallurgy waste in Inner Mongolia.</p>
<p>Researchers will develop recycling methods for tailings.</p></div></article></body></html>"""


def static(body: bytes, ctype: str, status: int = 200, **headers: str) -> Handler:
    async def h(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, status, body, {"Content-Type": ctype, **headers})
    return h


def src(name: str, url: str, kind: str = "feed", **kw: object) -> Source:
    return Source(name=name, title=name, kind=kind, url=url, **kw)  # type: ignore[arg-type]


def install_hostile(server: Server) -> None:
    r = server.routes
    r["/good.xml"] = static(GOOD, "application/rss+xml")

    async def hang(req: Request, w: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)

    async def drip(req: Request, w: asyncio.StreamWriter) -> None:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                b"Content-Length: 100000\r\n\r\n")
        for _ in range(100000):
            w.write(b"<")
            await w.drain()
            await asyncio.sleep(1)

    async def huge(req: Request, w: asyncio.StreamWriter) -> None:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
        chunk = b"<p>" + b"x" * 65533
        for _ in range(100 * 16):  # 100 MB, generated as it goes
            w.write(chunk)
            await w.drain()
        w.close()

    bomb = gzip_bomb()

    async def gz(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 200, bomb, {"Content-Type": "application/rss+xml",
                                     "Content-Encoding": "gzip"})

    async def loop_a(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 302, b"", {"Location": "/loop-b"})

    async def loop_b(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 302, b"", {"Location": "/loop-a"})

    r.update({"/hang": hang, "/drip": drip, "/huge": huge, "/bomb": gz,
              "/loop-a": loop_a, "/loop-b": loop_b})
    r["/gone"] = static(b"gone", "text/plain", 410)
    r["/boom"] = static(b"err", "text/plain", 500)
    r["/busy"] = static(b"busy", "text/plain", 503, **{"Retry-After": "1"})
    r["/busy-long"] = static(b"busy", "text/plain", 503, **{"Retry-After": "3600"})
    r["/html"] = static(b"<!DOCTYPE html><html><body><p>Home</p></body></html>", "text/html")
    r["/empty"] = static(b"", "application/rss+xml")
    r["/binary"] = static(os.urandom(5000) + b"\x00\x00", "application/octet-stream")
    r["/laughs"] = static(LAUGHS, "application/rss+xml")
    r["/evil"] = static(EVIL, "application/rss+xml")
    wrong = ("<html><head><title>Prices</title></head><body><article><h1>Prix du néodyme"
             "</h1><p>Le prix de l’oxyde de néodyme a augmenté à 600 000 ¥ la tonne, "
             "selon les négociants. Les acheteurs chinois ont réagi rapidement.</p>"
             "</article></body></html>").encode()
    r["/wrong-charset"] = static(wrong, "text/html; charset=iso-8859-1")


_BOMB: bytes | None = None


def gzip_bomb() -> bytes:
    """About 200 KB of gzip that inflates to 200 MB of zeros."""
    global _BOMB
    if _BOMB is None:
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = b"\0" * (1 << 20)
        _BOMB = b"".join(comp.compress(block) for _ in range(200)) + comp.flush()
    return _BOMB


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_hostile_sources_end_as_errors_or_clean_items(server: Server) -> None:
    install_hostile(server)
    u = server.url
    sources = [
        src("good", u("/good.xml")),
        src("refused", f"http://127.0.0.1:{closed_port()}/feed"),
        src("hang", u("/hang")),
        src("drip", u("/drip")),
        src("huge", u("/huge"), kind="page"),
        src("bomb", u("/bomb")),
        src("loop", u("/loop-a")),
        src("missing", u("/nothing")),
        src("gone", u("/gone")),
        src("boom", u("/boom")),
        src("busy", u("/busy")),
        src("busy-long", u("/busy-long")),
        src("html", u("/html")),
        src("empty", u("/empty")),
        src("binary", u("/binary")),
        src("binary-page", u("/binary"), kind="page"),
        src("laughs", u("/laughs")),
        src("evil", u("/evil")),
        src("wrong-charset", u("/wrong-charset"), kind="page"),
    ]
    started = time.monotonic()
    results = asyncio.run(collect_sources(sources, {}, settings(), user_agent=UA))
    elapsed = time.monotonic() - started
    assert elapsed < 30
    print(f"hostile run: {elapsed:.1f} s")
    by = {r.source.name: r for r in results}
    assert [r.source.name for r in results] == [s.name for s in sources]
    expect_error = {
        "refused": "cannot connect", "hang": "timed out", "drip": "deadline",
        "huge": "limit", "bomb": "after decompression", "loop": "redirect loop",
        "missing": "HTTP 404", "gone": "HTTP 410", "boom": "HTTP 500", "busy": "HTTP 503",
        "busy-long": "Retry-After 3600 s exceeds", "html": "expected a feed, got an HTML page",
        "empty": "empty", "binary": "not a feed", "binary-page": "binary",
    }
    for name, fragment in expect_error.items():
        r = by[name]
        assert r.status == "error", (name, r)
        assert fragment in (r.error or ""), (name, r.error)
        assert "\n" not in (r.error or "")
        assert r.items == []
    # retried once (retries=1), honouring Retry-After: 1
    assert server.hits["/busy"] == 2 and server.hits["/boom"] == 2
    assert server.hits["/busy-long"] == 1

    good = by["good"]
    assert good.status == "ok" and good.documents_parsed == 1
    (item,) = good.items
    assert item.url == "https://news.example/nd" and item.title == "Neodymium prices rise"

    laughs = by["laughs"]  # expat refuses the entities; nothing is expanded
    assert laughs.status in ("ok", "error")
    for it in laughs.items:
        assert len(it.title) + len(it.text) < 10_000

    evil = by["evil"]
    assert evil.status == "ok", evil.error
    (ev,) = evil.items  # the javascript: link entry is skipped with a warning
    assert any("not http(s)" in w for w in evil.warnings)
    blob = ev.title + ev.text + ev.html + ev.summary
    for bad in ("<script", "alert(", "onerror", "onmouseover", "javascript:", "expression("):
        assert bad not in blob, bad
    assert 'href="https://news.example/rel"' in ev.html

    wc = by["wrong-charset"]
    assert wc.status == "ok", wc.error
    assert wc.items[0].title == "Prix du néodyme"
    assert "l’oxyde de néodyme" in wc.items[0].text


def test_conditional_get_304(server: Server) -> None:
    async def feed(req: Request, w: asyncio.StreamWriter) -> None:
        if req.headers.get("if-none-match") == '"v1"':
            await respond(w, 304, b"", {"ETag": '"v1"'})
        else:
            await respond(w, 200, GOOD, {"Content-Type": "application/rss+xml", "ETag": '"v1"',
                                          "Last-Modified": "Mon, 24 Nov 2026 06:00:00 GMT"})
    server.routes["/feed"] = feed
    s = [src("f", server.url("/feed"))]
    (first,) = asyncio.run(collect_sources(s, {}, settings(), user_agent=UA))
    assert first.status == "ok" and first.etag == '"v1"'
    state = {"f": FetchState(first.etag, first.last_modified)}
    (second,) = asyncio.run(collect_sources(s, state, settings(), user_agent=UA))
    assert second.status == "not_modified" and second.items == []
    assert second.documents_parsed == 0 and second.etag == '"v1"'
    req = server.seen[-1]
    assert req.headers["if-modified-since"] == "Mon, 24 Nov 2026 06:00:00 GMT"
    assert req.headers["user-agent"] == UA


def test_robots_txt_applies_to_pages_not_feeds(server: Server) -> None:
    server.routes["/robots.txt"] = static(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    server.routes["/private/page"] = static(ARTICLE.encode(), "text/html")
    server.routes["/private/feed"] = static(GOOD, "application/rss+xml")
    server.routes["/public/page"] = static(ARTICLE.encode(), "text/html")
    s = [src("p", server.url("/private/page"), kind="page"),
         src("f", server.url("/private/feed")),
         src("ok", server.url("/public/page"), kind="page")]
    r = asyncio.run(collect_sources(s, {}, settings(), user_agent=UA))
    assert r[0].status == "error" and "robots.txt" in (r[0].error or "")
    assert r[1].status == "ok" and r[2].status == "ok"
    assert server.hits["/robots.txt"] == 1  # cached per host per run
    assert server.hits["/private/page"] == 0
    # respect_robots = false turns it off
    (again,) = asyncio.run(collect_sources(s[:1], {}, settings(respect_robots=False),
                                           user_agent=UA))
    assert again.status == "ok"


def test_permanent_redirect_recorded(server: Server) -> None:
    server.routes["/old"] = static(b"", "text/plain", 301, Location="/new")
    server.routes["/new"] = static(b"", "text/plain", 302, Location="/good.xml")
    server.routes["/good.xml"] = static(GOOD, "application/rss+xml")
    (r,) = asyncio.run(collect_sources([src("f", server.url("/old"))], {}, settings(),
                                       user_agent=UA))
    assert r.status == "ok" and r.permanent_redirect == server.url("/new")
    (r2,) = asyncio.run(collect_sources([src("f", server.url("/old"))], {},
                                        settings(max_redirects=1), user_agent=UA))
    assert r2.status == "error" and "too many redirects" in (r2.error or "")


def test_per_host_limit(server: Server) -> None:
    async def slow(req: Request, w: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.2)
        await respond(w, 200, GOOD, {"Content-Type": "application/rss+xml"})
    server.routes["/slow"] = slow
    s = [src(f"s{i}", server.url(f"/slow?n={i}")) for i in range(6)]
    server.routes["/slow"] = slow
    rs = asyncio.run(collect_sources(s, {}, settings(per_host=2), user_agent=UA))
    assert all(r.status == "ok" for r in rs)
    assert server.peak["/slow"] == 2
    assert sum(server.hits[f"/slow?n={i}"] for i in range(6)) == 6


def test_follow_links_and_private_address_guard(server: Server) -> None:
    art_url = server.url("/article/1?utm_source=feed")
    feed = rss([("Lab opens", art_url, "<p>Short summary.</p>")])
    server.routes["/feed"] = static(feed, "application/rss+xml")
    server.routes["/article/1"] = static(ARTICLE.encode(), "text/html")
    s = [src("f", server.url("/feed"), follow=True)]
    (blocked,) = asyncio.run(collect_sources(s, {}, settings(), user_agent=UA))
    assert blocked.status == "ok" and blocked.documents_parsed == 1
    assert any("private address" in w for w in blocked.warnings)
    assert blocked.items[0].text == "Short summary."
    assert server.hits["/article/1?utm_source=feed"] == 0 and server.hits["/article/1"] == 0

    (allowed,) = asyncio.run(collect_sources(s, {}, settings(allow_private_links=True),
                                             user_agent=UA))
    assert allowed.documents_parsed == 2, allowed.warnings
    item = allowed.items[0]
    assert item.highlights == ("Baogang sets up a lab.", "It recycles tailings.")
    assert "Researchers will develop" in item.text
    assert item.summary == "Short summary."


def test_listing_page_follows_links(server: Server) -> None:
    listing = ('<html><body><h2 class="t"><a href="/article/1">One</a></h2>'
               '<h2 class="t"><a href="/article/2#c">Two</a></h2>'
               '<h2 class="t"><a href="javascript:x()">Bad</a></h2></body></html>')
    server.routes["/news"] = static(listing.encode(), "text/html")
    server.routes["/article/1"] = static(ARTICLE.encode(), "text/html")
    s = [src("l", server.url("/news"), kind="page",
             selectors={"links": "h2.t a", "body": "div.entry"})]
    (r,) = asyncio.run(collect_sources(s, {}, settings(allow_private_links=True),
                                       user_agent=UA))
    assert r.status == "ok"
    assert [i.url for i in r.items] == [server.url("/article/1")]
    assert any("/article/2" in w and "404" in w for w in r.warnings)
    assert r.items[0].text.startswith("The Baogang Group has launched")


def test_inspect_url_and_file(server: Server, tmp_path: Path) -> None:
    server.routes["/a"] = static(ARTICLE.encode(), "text/html")
    kind, items = asyncio.run(inspect_target(server.url("/a"), source=None,
                                             settings=settings(), user_agent=UA))
    assert kind == "page" and items[0].title == "New Inner Mongolia Lab"
    f = tmp_path / "feed.xml"
    f.write_bytes(GOOD)
    kind, items = asyncio.run(inspect_target(str(f), source=None, settings=settings(),
                                             user_agent=UA))
    assert kind == "feed" and items[0].title == "Neodymium prices rise"
    with pytest.raises(FetchError, match="cannot read"):
        asyncio.run(inspect_target(str(tmp_path / "nope.xml"), source=None,
                                   settings=settings(), user_agent=UA))


def test_snapshot_replay(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(rss([
        ("Lab opens", "https://www.news.example/a", "<p>s</p>"),
        ("Private", "http://10.0.0.8/admin", "<p>p</p>"),
        ("Sneaky", "https://www.news.example/r", "<p>r</p>")]))
    (tmp_path / "a.html").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "capture.toml").write_text("""
captured_at = "2026-11-24T06:00:00Z"
[[response]]
url = "https://feeds.news.example/rare-earths/feed/"
file = "feed.xml"
content_type = "application/rss+xml; charset=UTF-8"
[[response]]
url = "https://www.news.example/a"
file = "a.html"
content_type = "text/html"
[[response]]
url = "https://www.news.example/r"
status = 302
location = "http://169.254.169.254/latest/meta-data/"
""", encoding="utf-8")
    transport, captured = snapshot_transport(tmp_path)
    assert captured.isoformat() == "2026-11-24T06:00:00+00:00"
    s = [src("n", "https://feeds.news.example/rare-earths/feed/", follow=True),
         src("missing", "https://nowhere.example/feed")]
    r = asyncio.run(collect_sources(s, {}, settings(), user_agent=UA, transport=transport))
    assert r[0].status == "ok", r[0].error
    assert r[0].items[0].highlights == ("Baogang sets up a lab.", "It recycles tailings.")
    assert any("10.0.0.8" in w and "private address" in w for w in r[0].warnings)
    assert any("redirect refused" in w and "169.254.169.254" in w for w in r[0].warnings)
    assert r[1].status == "error" and "404" in (r[1].error or "")


def test_parse_in_worker_processes(server: Server) -> None:
    server.routes["/good.xml"] = static(GOOD, "application/rss+xml")
    server.routes["/html"] = static(b"<!DOCTYPE html><html><body>x</body></html>", "text/html")
    server.routes["/a"] = static(ARTICLE.encode(), "text/html")
    s = [src("good", server.url("/good.xml")), src("html", server.url("/html")),
         src("page", server.url("/a"), kind="page")]
    r = asyncio.run(collect_sources(s, {}, settings(), user_agent=UA, parse_workers=2))
    assert r[0].status == "ok" and r[0].items[0].title == "Neodymium prices rise"
    assert r[1].status == "error" and "expected a feed" in (r[1].error or "")
    assert r[2].items[0].highlights == ("Baogang sets up a lab.", "It recycles tailings.")


def test_retry_after_parsing() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    assert _fetch.parse_retry_after("7", now) == 7
    assert _fetch.parse_retry_after("Tue, 24 Nov 2026 06:00:30 GMT", now) == 30
    assert _fetch.parse_retry_after("Tue, 24 Nov 2026 05:00:00 GMT", now) == 0
    assert _fetch.parse_retry_after("soon", now) is None


def test_429_with_http_date_retry_after(server: Server) -> None:
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    async def limited(req: Request, w: asyncio.StreamWriter) -> None:
        if server.hits["/limited"] == 1:
            when = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
            await respond(w, 429, b"slow down", {"Retry-After": when})
        else:
            await respond(w, 200, GOOD, {"Content-Type": "application/rss+xml"})
    server.routes["/limited"] = limited
    (r,) = asyncio.run(collect_sources([src("l", server.url("/limited"))], {}, settings(),
                                       user_agent=UA))
    assert r.status == "ok" and server.hits["/limited"] == 2


def test_inspect_local_page_with_source_selectors(tmp_path: Path) -> None:
    f = tmp_path / "article.html"
    f.write_text(ARTICLE, encoding="utf-8")
    source = src("reex", "https://reex.example/news/lab/", kind="page",
                 selectors={"body": "div.entry", "title": "h1"})
    kind, items = asyncio.run(inspect_target(str(f), source=source, settings=settings(),
                                             user_agent=UA))
    assert kind == "page"
    (item,) = items
    assert item.url == "https://reex.example/news/lab/" and item.source == "reex"
    assert item.text.startswith("The Baogang Group has launched")
    assert item.highlights == ("Baogang sets up a lab.", "It recycles tailings.")


def test_snapshot_manifest_errors(tmp_path: Path) -> None:
    from newsletter.exceptions import ConfigError

    with pytest.raises(ConfigError, match="not found"):
        snapshot_transport(tmp_path)
    (tmp_path / "capture.toml").write_text(
        '[[response]]\nurl = "https://x.example/"\nfile = "missing.xml"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        snapshot_transport(tmp_path)
    assert "captured_at" in str(err.value) and "missing.xml" in str(err.value)
