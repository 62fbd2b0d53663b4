"""Connections: one keep-alive pool per origin, reused across requests of a run, including
after a 304 or a redirect (their bodies are drained, not left to close the connection)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsletter.collect import FetchState, collect_sources
from newsletter.config import CollectSettings
from newsletter.types import Source

UA = "REE-Daily/0.1 (+https://github.com/ree-daily/ree-daily)"
FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Nd up</title><link>https://news.example/a</link></item>"
        b"</channel></rss>")


class Origin:
    def __init__(self) -> None:
        self.connections = 0
        self.hits: Counter[str] = Counter()
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                origin.connections += 1
                super().setup()

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                origin.hits[self.path] += 1
                if self.path.startswith("/old/"):
                    body = b"<html>moved</html>"
                    self.send_response(301)
                    self.send_header("Location", self.path.replace("/old/", "/feed/"))
                elif self.headers.get("If-None-Match") == '"v1"':
                    body = b""
                    self.send_response(304)
                    self.send_header("ETag", '"v1"')
                else:
                    body = FEED
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("ETag", '"v1"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def origin() -> Iterator[Origin]:
    o = Origin()
    threading.Thread(target=o.httpd.serve_forever, daemon=True).start()
    yield o
    o.httpd.shutdown()
    o.httpd.server_close()


def test_connections_are_kept_alive_across_304s_and_redirects(origin: Origin) -> None:
    settings = CollectSettings(per_host=2, concurrency=8, deadline=5, retries=0)
    sources = [Source(name=f"f{i}", title="f", kind="feed", url=f"{origin.base}/feed/{i}")
               for i in range(8)]
    first = asyncio.run(collect_sources(sources, {}, settings, user_agent=UA))
    assert [r.status for r in first] == ["ok"] * 8
    assert origin.connections <= 2  # per_host connections, each reused

    origin.connections = 0
    state = {r.source.name: FetchState(r.etag, r.last_modified) for r in first}
    second = asyncio.run(collect_sources(sources, state, settings, user_agent=UA))
    assert [r.status for r in second] == ["not_modified"] * 8
    assert origin.connections <= 2

    origin.connections = 0
    moved = [Source(name=f"m{i}", title="m", kind="feed", url=f"{origin.base}/old/{i}")
             for i in range(6)]
    third = asyncio.run(collect_sources(moved, {}, settings, user_agent=UA))
    assert all(r.status == "ok" and r.permanent_redirect for r in third)
    assert sum(origin.hits[f"/old/{i}"] for i in range(6)) == 6
    assert origin.connections <= 2
