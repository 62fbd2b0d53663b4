"""robots.txt remembered across runs (RFC 9309 section 2.4), against a real local HTTP server
that counts robots.txt requests: fresh copies are used without a request, a stale one is
revalidated after 24 h, a 4xx is cached as "allow all", a 5xx is asked again next run."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsletter.collect import RobotsCache, RobotsEntry, collect_sources
from newsletter.config import CollectSettings
from newsletter.store import open_store
from newsletter.types import Source

UA = "REE-Daily/0.1 (+https://github.com/ree-daily/ree-daily)"
PAGE = (b"<!doctype html><html><head><title>Lab</title></head><body><article>"
        b"<h1>New lab</h1><p>The Baogang Group has launched a laboratory for tailings.</p>"
        b"</article></body></html>")
RULES = b"User-agent: *\nDisallow: /private/\n"


class Site:
    """robots.txt answers ``robots_status`` with ``RULES`` (ETag "r1", honoured)."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.conditional: list[str] = []
        self.robots_status = 200
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                site.hits[self.path] += 1
                if self.path == "/robots.txt":
                    if self.headers.get("If-None-Match") == '"r1"':
                        site.conditional.append(self.path)
                        self._send(304, b"", ETag='"r1"')
                    elif site.robots_status == 200:
                        self._send(200, RULES, **{"Content-Type": "text/plain", "ETag": '"r1"'})
                    else:
                        self._send(site.robots_status, b"nope")
                elif self.path.startswith(("/public/", "/private/")):
                    self._send(200, PAGE, **{"Content-Type": "text/html"})
                else:
                    self._send(404, b"no")

            def _send(self, status: int, body: bytes, **headers: str) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.origin + path


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    thread = threading.Thread(target=s.httpd.serve_forever, daemon=True)
    thread.start()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def settings(**kw: object) -> CollectSettings:
    base: dict[str, object] = dict(deadline=2.0, connect_timeout=1.0, read_timeout=1.5,
                                   retries=0)
    base.update(kw)
    return CollectSettings(**base)  # type: ignore[arg-type]


def pages(site: Site) -> list[Source]:
    return [Source(name="pub", title="pub", kind="page", url=site.url("/public/a")),
            Source(name="priv", title="priv", kind="page", url=site.url("/private/b"))]


def run(site: Site, cache: RobotsCache) -> list[str]:
    results = asyncio.run(collect_sources(pages(site), {}, settings(), user_agent=UA,
                                          robots=cache))
    return [r.status for r in results]


def test_fresh_robots_txt_is_not_fetched_again_and_is_revalidated_after_24_hours(
        site: Site) -> None:
    clock = Clock()
    cache = RobotsCache(clock=clock)
    assert run(site, cache) == ["ok", "error"]
    assert site.hits["/robots.txt"] == 1 and site.hits["/private/b"] == 0
    assert list(cache.updated) == [site.origin]
    entry = cache.updated[site.origin]
    assert entry.body == RULES.decode() and entry.etag == '"r1"'
    assert entry.fetched_at == clock.now

    # a later run within 24 h, from what the store kept: no robots.txt request at all
    clock.now += timedelta(hours=23, minutes=59)
    again = RobotsCache(cache.entries, clock=clock)
    assert run(site, again) == ["ok", "error"]  # the cached rules still apply
    assert site.hits["/robots.txt"] == 1 and site.hits["/private/b"] == 0
    assert again.updated == {}

    # 24 h after the fetch: asked again, conditionally; the 304 renews the copy
    clock.now += timedelta(minutes=2)
    later = RobotsCache(again.entries, clock=clock)
    assert run(site, later) == ["ok", "error"]
    assert site.hits["/robots.txt"] == 2 and site.conditional == ["/robots.txt"]
    assert later.updated[site.origin].fetched_at == clock.now
    assert later.updated[site.origin].body == RULES.decode()


def test_missing_robots_txt_is_cached_as_allow_all(site: Site) -> None:
    site.robots_status = 404
    clock = Clock()
    cache = RobotsCache(clock=clock)
    assert run(site, cache) == ["ok", "ok"]
    assert cache.updated[site.origin].body is None
    clock.now += timedelta(hours=12)
    assert run(site, RobotsCache(cache.entries, clock=clock)) == ["ok", "ok"]
    assert site.hits["/robots.txt"] == 1
    clock.now += timedelta(hours=13)
    assert run(site, RobotsCache(cache.entries, clock=clock)) == ["ok", "ok"]
    assert site.hits["/robots.txt"] == 2


def test_server_error_is_asked_again_next_run_and_a_stale_copy_still_applies(
        site: Site) -> None:
    site.robots_status = 503
    clock = Clock()
    cache = RobotsCache(clock=clock)
    assert run(site, cache) == ["ok", "ok"]  # nothing known: allowed, as before
    assert cache.updated == {}
    assert run(site, RobotsCache(cache.entries, clock=clock)) == ["ok", "ok"]
    assert site.hits["/robots.txt"] == 2  # not cached: retried on the next run

    # a stale copy (3 days old, no validators) is used while the origin fails
    stale = RobotsEntry(RULES.decode(), clock.now - timedelta(days=3))
    cache = RobotsCache({site.origin: stale}, clock=clock)
    assert run(site, cache) == ["ok", "error"]
    assert site.hits["/robots.txt"] == 3 and cache.updated == {}


def test_store_keeps_robots_entries(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    store.save_robots({
        "https://a.example": {"body": "User-agent: *\nDisallow: /x\n", "etag": '"e"',
                              "last_modified": None, "fetched_at": now},
        "https://b.example": {"body": None, "etag": None, "last_modified": None,
                              "fetched_at": now - timedelta(days=31)},
    }, now=now)
    got = store.robots_entries()
    assert list(got) == ["https://a.example"]  # b is older than 30 days: forgotten
    assert got["https://a.example"]["fetched_at"] == now
    assert RobotsEntry(**got["https://a.example"]).etag == '"e"'
    store.save_robots({"https://a.example": {"body": None, "etag": None,
                                             "last_modified": None, "fetched_at": now}},
                      now=now)
    assert store.robots_entries()["https://a.example"]["body"] is None
    store.close()


def test_newsletter_collect_loads_and_saves_the_cache(project: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Newsletter.collect hands the stored entries in and persists what the run fetched;
    an offline replay neither reads nor writes them."""
    import newsletter.collect as collect_pkg
    from newsletter.config import load_config
    from newsletter.core import Newsletter

    now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    seen: list[dict[str, RobotsEntry]] = []

    async def fake(sources, state, settings, *, user_agent, transport=None,  # type: ignore[no-untyped-def]
                   parse_workers=0, robots=None):
        seen.append(dict(robots.entries))
        robots.put("https://new.example", RobotsEntry("User-agent: *\n", robots.clock()))
        return []

    monkeypatch.setattr(collect_pkg, "collect_sources", fake)
    nl = Newsletter(load_config(project / "newsletter.toml"), now=lambda: now)
    nl.collect()
    assert seen[0] == {}
    nl.collect()
    assert seen[1] == {"https://new.example": RobotsEntry("User-agent: *\n", now)}
    nl.collect(offline=True)
    assert seen[2] == {}
    assert list(nl.store.robots_entries()) == ["https://new.example"]
