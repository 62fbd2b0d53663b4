"""Collector throughput: concurrent collect vs a sequential baseline, and conditional GET.

A local HTTP server (a separate process, listening on many 127.0.0.x addresses so the
per-host limit is realistic) serves 300 RSS feeds (24 KB, 20 items) and 300 article pages
(~30 KB, parsed with per-source selectors), adding 100 ms of latency to every response.
It counts requests, robots.txt requests, 304 answers and connections; every run prints them.

1. Sequential baseline: one httpx.Client, fetch then parse, one document at a time -
   measured on a sample (default 60 documents, half feeds, half pages) and extrapolated
   to 600 documents.
2. First run: ``collect_sources`` over all 600 sources, nothing known (robots.txt fetched
   once per origin: 700 requests); wall time and ratio to baseline.
3. Second run with the ETags and the robots.txt cache of the first, as ``Newsletter.collect``
   keeps them in the store (robots.txt is reused for 24 h): 600 requests, every answer a
   304; wall time, ratio to the first run, documents parsed (must be 0). For comparison:
   the same run with robots.txt cached per run only (the old behaviour), and the same 600
   conditional GETs through bare httpx transports with no collector logic at all.
0. Parsing + cleaning throughput on one core for the 24 KB, 20-item feeds (no network),
   with bare ``feedparser.parse`` (its sanitizer on) as the baseline.

Why the second run's 5x target is out of reach here (2 shared cores, figures of
2026-11-26): the first run takes ~2.2-2.5 s (it is bound by parsing 600 documents), so 5x
means <= ~0.45-0.5 s for 600 conditional GETs. Latency floor: with concurrency 200 and 2
connections per host, each host's 6 requests take ceil(6 / 2) = 3 rounds of 100 ms =
0.3 s (at concurrency 128: ceil(600 / 128) = 5 rounds = 0.5 s, the whole budget). CPU
floor: one event loop spends ~0.7 ms per request in httpx + httpcore + anyio + asyncio
(the bare-transport line measures it: ~0.43 s for 600), and no answer arrives before
100 ms, so the run cannot end before ~0.43 + 0.1 = 0.53 s even with zero collector code;
the collector itself adds ~0.1-0.15 ms per request (conditional headers, deadline timer,
robots check, result objects). Measured: ~0.62-0.68 s, 3.2-3.5x. Getting under 0.45 s
would need a cheaper HTTP stack (or several fetching processes), not tuning.

    python bench/collect.py [--hosts 100] [--per-host 2] [--concurrency hosts x per-host]
                            [--sample 60]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing as mp
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feedparser  # noqa: E402
import httpx  # noqa: E402

from newsletter.collect import (  # noqa: E402
    FetchState,
    RobotsCache,
    SourceResult,
    collect_sources,
)
from newsletter.collect._feeds import parse_feed  # noqa: E402
from newsletter.collect._pages import extract_article  # noqa: E402
from newsletter.collect._text import decode_bytes  # noqa: E402
from newsletter.config import CollectSettings  # noqa: E402
from newsletter.types import Source  # noqa: E402

LATENCY = 0.1
N_FEEDS = N_PAGES = 300
UA = "REE-Daily-bench/0.1 (+https://github.com/ree-daily/ree-daily)"
SELECTORS = {"title": "h1.headline", "date": "time.published", "body": "div.entry-content",
             "highlights": "ul.highlights"}
WORDS = ("neodymium praseodymium dysprosium terbium oxide prices rose fell exporters "  # noqa: SIM905
         "Baotou Ganzhou magnet makers buyers tonnes yuan market supply quota smelter "
         "separation capacity demand electric vehicles wind turbines").split()


def sentence(i: int, n: int = 18) -> str:
    return " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(n)).capitalize() + "."


def make_feed(i: int) -> bytes:
    items = []
    for j in range(20):
        body = "".join(f"<p>{sentence(i + j + k)} {sentence(i * j + k)}</p>" for k in range(3))
        items.append(
            f"<item><title>Rare earth update {i}-{j}: {sentence(j, 8)}</title>"
            f"<link>https://news{i % 50}.example/{i}/{j}?utm_source=rss</link>"
            f"<guid>https://news{i % 50}.example/{i}/{j}</guid>"
            f"<pubDate>Mon, 24 Nov 2026 0{j % 10}:00:00 GMT</pubDate>"
            f"<description><![CDATA[{body}]]></description></item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Feed {i}</title><link>https://news.example/</link>"
            f"<description>REE news</description>{''.join(items)}</channel></rss>").encode()


def make_page(i: int) -> bytes:
    nav = "".join(f'<li><a href="/section/{k}">Section {k}</a></li>' for k in range(40))
    related = "".join(f'<li><a href="/story/{i + k}">{sentence(k, 10)}</a></li>'
                      for k in range(25))
    body = "".join(f"<p>{sentence(i + k, 30)} {sentence(i * 3 + k, 25)}</p>" for k in range(40))
    return (f"<!doctype html><html><head><title>Story {i}</title><meta charset='utf-8'>"
            f'<meta property="article:published_time" content="2026-11-24T0{i % 10}:00:00Z">'
            f"<style>body{{font:16px sans-serif}} .nav li{{display:inline}}</style>"
            f"<script>window.dataLayer=[];function t(){{return 1}}</script></head><body>"
            f'<header><ul class="nav">{nav}</ul></header><main><article>'
            f'<h1 class="headline">Rare earth story {i}: {sentence(i, 9)}</h1>'
            f'<time class="published" datetime="2026-11-24T06:00:00Z">Nov 24, 2026</time>'
            f"<h3>Highlights</h3><ul class='highlights'><li>{sentence(i, 14)}</li>"
            f"<li>{sentence(i + 1, 14)}</li><li>{sentence(i + 2, 14)}</li></ul>"
            f'<div class="entry-content">{body}</div></article>'
            f'<aside><h3>Related</h3><ul>{related}</ul></aside></main>'
            f"<footer>{sentence(i, 40)}</footer></body></html>").encode()


# --------------------------------------------------------------------- the server process

def serve(addresses: list[str], ports: mp.Queue,  # type: ignore[type-arg]
          counts: Any) -> None:
    """``counts``: a shared array [requests, robots.txt requests, 304 answers,
    connections accepted], reset by the parent between runs."""
    feeds = [make_feed(i) for i in range(N_FEEDS)]
    pages = [make_page(i) for i in range(N_PAGES)]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counts[3] += 1
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                path = head.split(" ", 2)[1]
                counts[0] += 1
                if path == "/robots.txt":
                    counts[1] += 1
                inm = ""
                for line in head.split("\r\n"):
                    if line.lower().startswith("if-none-match:"):
                        inm = line.split(":", 1)[1].strip()
                await asyncio.sleep(LATENCY)
                kind, _, name = path.strip("/").partition("/")
                n = int(name.split(".")[0]) if name[:1].isdigit() else -1
                if kind in ("feed", "page") and 0 <= n < N_FEEDS:
                    etag = f'"{kind}-{n}"'
                    if inm == etag:
                        counts[2] += 1
                        writer.write(f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\n\r\n"
                                     .encode())
                    else:
                        body = feeds[n] if kind == "feed" else pages[n]
                        ctype = "application/rss+xml" if kind == "feed" else "text/html"
                        writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}; charset=utf-8"
                                     f"\r\nETag: {etag}\r\nContent-Length: {len(body)}\r\n\r\n"
                                     .encode() + body)
                else:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, a, 0, backlog=512) for a in addresses]
        ports.put([s.sockets[0].getsockname()[1] for s in servers])
        await asyncio.Event().wait()

    asyncio.run(main())


# ------------------------------------------------------------------------------ runs

def baseline(sources: list[Source]) -> float:
    """Fetch then parse, one document at a time (the naive loop)."""
    t0 = time.perf_counter()
    with httpx.Client(headers={"User-Agent": UA}) as client:
        for s in sources:
            r = client.get(s.url)
            if s.kind == "feed":
                parse_feed(r.content, url=s.url, source=s.name,
                           content_type=r.headers.get("content-type", ""))
            else:
                extract_article(decode_bytes(r.content, r.headers.get("content-type")), s.url,
                                s.selectors)
    return time.perf_counter() - t0


async def bare_conditional(requests: list[tuple[str, str]], concurrency: int,
                           per_host: int) -> None:
    """The same conditional GETs through bare httpx transports (a pool per origin, the same
    global and per-host limits), none of the collector's logic: the floor httpx sets."""
    pools: dict[str, httpx.AsyncHTTPTransport] = {}
    slots: dict[str, asyncio.Semaphore] = {}
    total = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=per_host + 2, max_keepalive_connections=per_host)
    tls = httpx.create_ssl_context()  # one for all pools, as the collector does

    async def one(url: str, etag: str) -> None:
        origin = url.rsplit("/", 2)[0]
        if origin not in pools:
            pools[origin] = httpx.AsyncHTTPTransport(limits=limits, verify=tls)
            slots[origin] = asyncio.Semaphore(per_host)
        async with slots[origin], total:
            r = await pools[origin].handle_async_request(
                httpx.Request("GET", url, headers={"If-None-Match": etag}))
            async for _ in r.aiter_raw():
                pass
            await r.aclose()

    await asyncio.gather(*(one(u, e) for u, e in requests))
    for pool in pools.values():
        await pool.aclose()


def throughput(seconds: float = 1.5, rounds: int = 3) -> tuple[float, float]:
    """Docs/s for parse_feed and for bare feedparser.parse, alternating, best of rounds
    (the machine may be shared; the best round is the least disturbed one)."""
    feeds = [make_feed(i) for i in range(20)]

    def rate(fn) -> float:  # type: ignore[no-untyped-def]
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            fn(feeds[n % 20])
            n += 1
        return n / (time.perf_counter() - t0)

    ours, bare = 0.0, 0.0
    for _ in range(rounds):
        ours = max(ours, rate(lambda d: parse_feed(d, url="https://news.example/feed",
                                                   source="b",
                                                   content_type="application/rss+xml")))
        bare = max(bare, rate(lambda d: feedparser.parse(d, sanitize_html=True,
                                                         resolve_relative_uris=True)))
    return ours, bare


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=None,
                    help="global limit (default: hosts x per-host, so that every host can "
                         "use its per-host limit at once)")
    ap.add_argument("--per-host", type=int, default=2)
    ap.add_argument("--sample", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each kind; best is kept")
    ap.add_argument("--workers", type=int, default=2,
                    help="parser processes for collect_sources (0 = parse in-process)")
    args = ap.parse_args()
    if args.concurrency is None:
        args.concurrency = args.hosts * args.per_host
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
          "(other processes share these cores; figures scale with it)")
    ours, bare = throughput()
    print(f"parse + clean, one core, 24 KB 20-item feeds: {ours:.0f} docs/s (target >= 100); "
          f"bare feedparser.parse with its sanitizer: {bare:.0f} docs/s "
          f"(ratio {ours / bare:.2f}x)")
    addresses = [f"127.0.0.{k + 2}" for k in range(args.hosts)]
    ctx = mp.get_context("spawn")
    ports = ctx.Queue()
    counts = ctx.RawArray("q", 4)
    proc = ctx.Process(target=serve, args=(addresses, ports, counts), daemon=True)
    proc.start()
    try:
        port_list = ports.get(timeout=60)
        hosts = [f"http://{a}:{p}" for a, p in zip(addresses, port_list, strict=True)]
        sources = []
        for i in range(N_FEEDS):
            sources.append(Source(name=f"feed-{i}", title=f"Feed {i}", kind="feed",
                                  url=f"{hosts[i % len(hosts)]}/feed/{i}.xml"))
        for i in range(N_PAGES):
            sources.append(Source(name=f"page-{i}", title=f"Page {i}", kind="page",
                                  url=f"{hosts[(i + 7) % len(hosts)]}/page/{i}.html",
                                  selectors=SELECTORS))
        settings = CollectSettings(concurrency=args.concurrency, per_host=args.per_host,
                                   deadline=30, retries=0)
        half = args.sample // 2
        sample = sources[:half] + sources[N_FEEDS:N_FEEDS + half]
        base_sample = baseline(sample)
        base = base_sample * len(sources) / len(sample)
        print(f"sequential baseline: {base_sample:.2f} s for {len(sample)} documents "
              f"({base_sample / len(sample) * 1000:.0f} ms each) -> {base:.1f} s "
              f"extrapolated to {len(sources)}")

        def collect(state: dict[str, FetchState], robots: RobotsCache
                    ) -> tuple[list[SourceResult], float, float, list[int]]:
            counts[:] = [0, 0, 0, 0]
            t0, c0 = time.perf_counter(), time.process_time()
            res = asyncio.run(collect_sources(sources, state, settings, user_agent=UA,
                                              parse_workers=args.workers, robots=robots))
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            return res, dt, cpu, list(counts)

        def best(state: dict[str, FetchState], robots: Callable[[], RobotsCache]
                 ) -> tuple[list[SourceResult], float, float, list[int], RobotsCache]:
            top: tuple[list[SourceResult], float, float, list[int], RobotsCache] | None = None
            for _ in range(args.repeat):  # best of N: the machine may be shared
                cache = robots()
                got = (*collect(state, cache), cache)
                if top is None or got[1] < top[1]:
                    top = got
            assert top is not None
            return top

        def requests(c: list[int]) -> str:
            return (f"{c[0]} HTTP requests ({c[1]} robots.txt, {c[2]} answered 304) on "
                    f"{c[3]} connections")

        print(f"collector settings: concurrency {args.concurrency}, per host {args.per_host}, "
              f"{args.hosts} hosts, {args.workers} parser processes")
        # a first run ever: nothing known, robots.txt fetched once per origin
        first, t1, cpu1, c1, robots = best({}, RobotsCache)
        ok = sum(r.status == "ok" for r in first)
        items = sum(len(r.items) for r in first)
        parsed = sum(r.documents_parsed for r in first)
        errors = [r.error for r in first if r.status == "error"][:3]
        print(f"first run (best of {args.repeat}): {t1:.2f} s, {ok}/{len(sources)} ok, "
              f"{items} items, {parsed} documents parsed; {base / t1:.1f}x faster than the "
              "sequential baseline (target >= 20x)"
              + (f"; errors: {errors}" if errors else ""))
        print(f"  {requests(c1)}; main-process CPU {cpu1:.2f} s")

        # the next run: ETags and robots.txt as the store keeps them (robots.txt < 24 h old)
        state = {r.source.name: FetchState(r.etag, r.last_modified) for r in first}
        second, t2, cpu2, c2, _ = best(state, lambda: RobotsCache(robots.entries))
        nm = sum(r.status == "not_modified" for r in second)
        parsed2 = sum(r.documents_parsed for r in second)
        print(f"second run (conditional GET, best of {args.repeat}): {t2:.2f} s, "
              f"{nm}/{len(sources)} not modified, {parsed2} documents parsed; "
              f"{t1 / t2:.1f}x faster than the first run (target >= 5x)")
        print(f"  {requests(c2)}; main-process CPU {cpu2:.2f} s "
              f"({cpu2 / max(c2[0], 1) * 1000:.2f} ms per request)")
        _, t3, _, c3 = collect(state, RobotsCache())
        print(f"  for comparison, robots.txt cached per run only (as before): {t3:.2f} s, "
              f"{t1 / t3:.1f}x; {requests(c3)}")

        # the floor httpx alone sets for these 600 conditional GETs on this machine
        pairs = [(r.source.url, r.etag or "") for r in first]
        t4 = cpu4 = float("inf")
        for _ in range(args.repeat):
            counts[:] = [0, 0, 0, 0]
            t0, c0 = time.perf_counter(), time.process_time()
            asyncio.run(bare_conditional(pairs, args.concurrency, args.per_host))
            if time.perf_counter() - t0 < t4:
                t4, cpu4 = time.perf_counter() - t0, time.process_time() - c0
        print(f"  bare httpx transports, same {len(pairs)} conditional GETs and limits, no "
              f"collector logic: {t4:.2f} s, CPU {cpu4:.2f} s "
              f"({cpu4 / len(pairs) * 1000:.2f} ms per request); {list(counts)[2]} answered 304")

        # why the second run cannot be faster than this on this machine
        n, per_host_max = c2[0], max(Counter(urlsplit(s.url).netloc for s in sources).values())
        rounds = max(math.ceil(n / args.concurrency), math.ceil(per_host_max / args.per_host))
        print(f"  floors: latency {rounds} rounds x {LATENCY * 1000:.0f} ms = "
              f"{rounds * LATENCY:.2f} s (max of ceil({n} requests / concurrency "
              f"{args.concurrency}), ceil({per_host_max} requests per host / {args.per_host} "
              f"per host)); CPU {cpu2:.2f} s in one event loop, and no answer before "
              f"{LATENCY * 1000:.0f} ms, so >= {cpu2 + LATENCY:.2f} s; 5x needs "
              f"<= {t1 / 5:.2f} s" + (" - out of reach" if cpu2 + LATENCY > t1 / 5 else ""))
    finally:
        proc.terminate()
        proc.join(5)


if __name__ == "__main__":
    main()
