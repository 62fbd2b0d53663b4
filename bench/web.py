"""Benchmark: the public web endpoints under a bounded load on loopback.

    python bench/web.py [--unsubscribes 2000] [--archive 2000] [--clients 20]
                        [--postgres [--instances 2]]

A real ``newsletter serve`` process (uvicorn on 127.0.0.1, scheduler idle) on a throw-away
SQLite store with 2,000 subscribers and 30 published editions. 20 concurrent httpx AsyncClients
fire 2,000 RFC 8058 one-click unsubscribe POSTs (distinct valid tokens) and 2,000 archive
GETs (index and edition pages, ~40 KB each). Prints p50/p99 latency and the error count
(target 0) per kind, and checks the store: every token's subscriber is unsubscribed.

Baseline, measured in the same run with the same client: a bare Starlette app under
uvicorn in its own process, answering a fixed string; the ratio says what our app
(store, templates, middleware) costs over the framework floor.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _web_common import (  # noqa: E402
    BARE_APP,
    ROOT,
    SECRET,
    free_port,
    make_project,
    percentile,
    serve_process,
)


async def _load(base: str | list[str], jobs: list[tuple[str, str, bytes | None]],
                clients: int) -> tuple[list[float], int, dict[int, int]]:
    """``clients`` workers; with several base URLs, client i talks to base i mod n."""
    import httpx

    bases = [base] if isinstance(base, str) else base
    next_base = iter(range(clients))

    queue: asyncio.Queue[tuple[str, str, bytes | None]] = asyncio.Queue()
    for j in jobs:
        queue.put_nowait(j)
    lat: list[float] = []
    errors = 0
    codes: dict[int, int] = {}

    async def worker() -> None:
        nonlocal errors
        url = bases[next(next_base) % len(bases)]
        async with httpx.AsyncClient(base_url=url, timeout=30) as c:
            while True:
                try:
                    method, path, body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                try:
                    headers = {"content-type": "application/x-www-form-urlencoded"} \
                        if body is not None else {}
                    r = await c.request(method, path, content=body, headers=headers)
                    codes[r.status_code] = codes.get(r.status_code, 0) + 1
                    if r.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                lat.append((time.perf_counter() - t0) * 1000)

    await asyncio.gather(*(worker() for _ in range(clients)))
    return lat, errors, codes


def _report(name: str, lat: list[float], errors: int, wall: float) -> dict[str, float]:
    p50, p99 = percentile(lat, 50), percentile(lat, 99)
    print(f"{name:28} n={len(lat):5d}  p50={p50:7.2f} ms  p99={p99:7.2f} ms  "
          f"errors={errors}  {len(lat) / wall:7.0f} req/s")
    return {"p50": p50, "p99": p99, "errors": errors}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unsubscribes", type=int, default=2000)
    ap.add_argument("--archive", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--postgres", action="store_true",
                    help="store on a throwaway PostgreSQL cluster (Debian postgresql)")
    ap.add_argument("--instances", type=int, default=1,
                    help="serve processes on the one store (PostgreSQL), clients spread "
                         "over them")
    args = ap.parse_args(argv)
    if args.instances > 1 and not args.postgres:
        ap.error("--instances > 1 needs --postgres (SQLite allows one serve)")
    pg = None
    store_url = None
    if args.postgres:
        sys.path.insert(0, str(ROOT / "tests"))
        from pg_server import PgServer, pg_bindir

        bindir = pg_bindir()
        if bindir is None:
            ap.error("--postgres needs Debian's postgresql package")
        pg = PgServer(bindir).start()
        store_url = pg.new_database("bench")
    try:
        return _run(args, store_url)
    finally:
        if pg is not None:
            pg.stop()


def _run(args: argparse.Namespace, store_url: str | None) -> int:
    import contextlib

    from newsletter.deliver._tokens import make_token

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        nl = make_project(Path(tmp), subscribers=max(args.unsubscribes, 1), port=port,
                          store_url=store_url)
        subs = nl.store.subscribers("daily")
        days = [d.isoformat() for d in nl.store.archive_dates()]
        unsub_jobs = [("POST", "/unsubscribe/" + make_token(SECRET.encode(), "unsub", "daily",
                                                            s.id),
                       b"List-Unsubscribe=One-Click") for s in subs[:args.unsubscribes]]
        arch_jobs: list[tuple[str, str, Any]] = [
            ("GET", "/archive/" if i % 10 == 0 else f"/archive/{days[i % len(days)]}", None)
            for i in range(args.archive)]

        bport = free_port()
        with serve_process([sys.executable, "-c", BARE_APP, str(bport)], bport) as base:
            asyncio.run(_load(base, [("GET", "/x", None)] * 200, args.clients))  # warm-up
            t0 = time.perf_counter()
            lat, err, _ = asyncio.run(_load(base, [("GET", "/x", None)] * args.archive,
                                            args.clients))
            baseline = _report("baseline (bare Starlette)", lat, err, time.perf_counter() - t0)

        results = {}
        prof = os.environ.get("BENCH_PROFILE")  # a cProfile output file for the server
        cfg = Path(tmp) / "newsletter.toml"
        ports = [port] + [free_port() for _ in range(args.instances - 1)]
        configs = [cfg]
        for i, extra in enumerate(ports[1:], start=2):
            other = Path(tmp) / f"newsletter-{i}.toml"
            other.write_text(cfg.read_text().replace(f"127.0.0.1:{port}",
                                                     f"127.0.0.1:{extra}"))
            configs.append(other)
        with contextlib.ExitStack() as stack:
            bases = []
            for c, p in zip(configs, ports, strict=True):
                cmd = [sys.executable, *(["-m", "cProfile", "-o", prof] if prof else []),
                       "-m", "newsletter.cli", "serve", "--config", str(c)]
                bases.append(stack.enter_context(
                    serve_process(cmd, p, env={"PYTHONPATH": str(ROOT)}, cwd=Path(tmp))))
            print(f"store: {'postgresql' if store_url else 'sqlite'}, "
                  f"{len(bases)} serve instance(s), {args.clients} clients")
            asyncio.run(_load(bases, [("GET", "/archive/", None)] * 50, args.clients))
            t0 = time.perf_counter()
            lat, err, codes = asyncio.run(_load(bases, unsub_jobs, args.clients))
            results["unsub"] = _report("one-click unsubscribe POST", lat, err,
                                       time.perf_counter() - t0)
            t0 = time.perf_counter()
            lat, err, codes2 = asyncio.run(_load(bases, arch_jobs, args.clients))
            results["archive"] = _report("archive GET", lat, err, time.perf_counter() - t0)
        left = len(nl.store.active_recipients("daily"))
        expected_left = len(subs) - len(unsub_jobs)
        print(f"store check: {len(subs) - left} unsubscribed "
              f"(expected {len(unsub_jobs)}), {left} active (expected {expected_left})")
        for k, r in results.items():
            print(f"ratio {k} p50 / baseline p50: {r['p50'] / baseline['p50']:.1f}x")
        total_errors = sum(int(r["errors"]) for r in results.values())
        print(f"total errors: {total_errors}")
        nl.close()
        return 0 if total_errors == 0 and left == expected_left else 1


if __name__ == "__main__":
    raise SystemExit(main())
