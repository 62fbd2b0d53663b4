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

``--rounds R`` splits each kind's requests into R rounds run in turn (baseline,
unsubscribe, archive, baseline, ...), all servers started once: on a shared machine whose
load drifts, each ratio then compares figures taken minutes apart at most seconds apart.
The overall lines pool every round; ``per-round ratios`` gives each round's ratio. With
the default ``--rounds 1`` the run is the one of earlier releases (baseline, then the app).
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

    queue: asyncio.Queue[tuple[str, str, bytes | None]] = asyncio.Queue()
    for j in jobs:
        queue.put_nowait(j)
    lat: list[float] = []
    errors = 0
    codes: dict[int, int] = {}

    async def worker(c: httpx.AsyncClient) -> None:
        nonlocal errors
        async with c:
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

    # All clients first: making one takes ~20 ms (its TLS context), and made inside the
    # workers they held up the first requests of the others (p99 was ~300 ms, baseline too).
    made = [httpx.AsyncClient(base_url=bases[i % len(bases)], timeout=30)
            for i in range(clients)]
    await asyncio.gather(*(worker(c) for c in made))
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
    ap.add_argument("--rounds", type=int, default=1,
                    help="interleave baseline, unsubscribe and archive in this many rounds "
                         "(each kind's requests split between them)")
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
        rounds = max(1, args.rounds)
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
            base = stack.enter_context(
                serve_process([sys.executable, "-c", BARE_APP, str(bport)], bport))
            asyncio.run(_load(base, [("GET", "/x", None)] * 200, args.clients))  # warm-up
            if rounds == 1:  # as before: the baseline, then the app's servers
                t0 = time.perf_counter()
                lat, err, _ = asyncio.run(_load(base, [("GET", "/x", None)] * args.archive,
                                                args.clients))
                baseline = _report("baseline (bare Starlette)", lat, err,
                                   time.perf_counter() - t0)
            bases = []
            for c, p in zip(configs, ports, strict=True):
                cmd = [sys.executable, *(["-m", "cProfile", "-o", prof] if prof else []),
                       "-m", "newsletter.cli", "serve", "--config", str(c)]
                bases.append(stack.enter_context(
                    serve_process(cmd, p, env={"PYTHONPATH": str(ROOT)}, cwd=Path(tmp))))
            print(f"store: {'postgresql' if store_url else 'sqlite'}, "
                  f"{len(bases)} serve instance(s), {args.clients} clients"
                  + (f", {rounds} rounds" if rounds > 1 else ""))
            asyncio.run(_load(bases, [("GET", "/archive/", None)] * 50, args.clients))
            kinds: dict[str, tuple[str | list[str], list[Any]]] = {
                "unsub": (bases, unsub_jobs), "archive": (bases, arch_jobs)}
            if rounds > 1:
                kinds = {"baseline": (base, [("GET", "/x", None)] * args.archive), **kinds}
            names = {"baseline": "baseline (bare Starlette)",
                     "unsub": "one-click unsubscribe POST", "archive": "archive GET"}
            pooled: dict[str, tuple[list[float], int, float]] = {k: ([], 0, 0.0)
                                                                 for k in kinds}
            per_round: dict[str, list[float]] = {k: [] for k in kinds}
            for r in range(rounds):
                for k, (where, jobs) in kinds.items():
                    part = jobs[r * len(jobs) // rounds:(r + 1) * len(jobs) // rounds]
                    t0 = time.perf_counter()
                    lat, err, _ = asyncio.run(_load(where, part, args.clients))
                    wall = time.perf_counter() - t0
                    all_lat, all_err, all_wall = pooled[k]
                    pooled[k] = (all_lat + lat, all_err + err, all_wall + wall)
                    per_round[k].append(percentile(lat, 50))
            for k, (lat, err, wall) in pooled.items():
                if k == "baseline":
                    baseline = _report(names[k], lat, err, wall)
                else:
                    results[k] = _report(names[k], lat, err, wall)
            if rounds > 1:
                for k in ("unsub", "archive"):
                    ratios = [a / b for a, b in zip(per_round[k], per_round["baseline"],
                                                    strict=True)]
                    print(f"per-round ratios {k}: "
                          + " ".join(f"{x:.1f}x" for x in ratios)
                          + f"  (median {sorted(ratios)[len(ratios) // 2]:.1f}x)")
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
