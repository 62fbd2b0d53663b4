"""Benchmark: a big list on PostgreSQL, sent through 4 relays, with the ledger in the store.

    python bench/million.py [--subscribers 1000000] [--send 100000] [--connections 2]
                            [--size-kb 12] [--sqlite 100000] [--sink both]

1. Import ``--subscribers`` subscribers into a throwaway PostgreSQL cluster (Debian
   ``postgresql``, tests/pg_server.py) through ``Store.upsert_subscribers`` in batches of
   10,000: time and rate.
2. Send one personalised edition (the real ``MessageFactory``, ``send_edition``, the
   delivery ledger on PostgreSQL) to the first ``--send`` of them through a ``RelayPool`` of 4
   relays, each a sink in its own process: aiosmtpd (a real SMTP server, itself the
   bottleneck) and a minimal asyncio responder that only counts (so the sender's cost
   shows). Wall time, messages/s, ledger rows/s (each message is one claim and one sent
   row update, both committed), peak RSS of the sending process (each send runs in its own
   child process, so the peak is that send's).
3. Baseline, same run, same 4 minimal sinks and the same number of connections: a raw
   smtplib blast of one pre-built message, no ledger, no building. Ratio target >= 0.85.
4. The same send of ``--sqlite`` subscribers on SQLite, for comparison.

Figures are printed; nothing is asserted. On the shared 2-core machine a 1M-message send
takes long: ``--send`` chooses its size, and the output says which size was measured.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

EDITION = date(2026, 11, 24)
RELAYS = 4


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_subscribers(url: str, n: int, batch: int = 10_000) -> tuple[float, float]:
    from newsletter.store import open_store
    from newsletter.store._subscribers import SubscriberInput

    store = open_store(url)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    for start in range(0, n, batch):
        rows = [SubscriberInput(email=f"reader{i:07d}@example.com",
                                key=f"reader{i:07d}@example.com", name=f"Reader {i}")
                for i in range(start, min(n, start + batch))]
        store.upsert_subscribers("daily", rows, now)
    took = time.perf_counter() - t0
    store.close()
    return took, n / took


def _limit_list(url: str, n: int, day: date) -> None:
    """Only the first ``n`` subscribers are active for the send of ``day``: the others are
    planned as already-skipped rows, so the ledger holds the whole list."""
    from sqlalchemy import text

    from newsletter.store import open_store

    store = open_store(url)
    with store.begin() as c:
        c.execute(text("UPDATE subscribers SET status = CASE WHEN id <= :n THEN 'active' "
                       "ELSE 'unconfirmed' END"), {"n": n})
    store.close()


def _send_child(url: str, ports: list[int], connections: int, size_kb: int, day: str,
                out: Any) -> None:
    from delivery_helpers import delivery_settings, make_factory

    from newsletter.config import RelaySettings
    from newsletter.deliver import send_edition
    from newsletter.deliver._relays import RelayPool
    from newsletter.store import open_store

    store = open_store(url)
    factory = make_factory(body_kb=size_kb, edition=date.fromisoformat(day))
    pool = RelayPool([(RelaySettings(name=f"r{i}", host="127.0.0.1", port=p,
                                     connections=connections, timeout=30), None)
                      for i, p in enumerate(ports)])
    rss0 = _rss_mb()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    rep = send_edition(store, factory, pool, edition_date=date.fromisoformat(day),
                       list_name="daily", settings=delivery_settings(max_errors=50))
    wall = time.perf_counter() - t0
    out.put({"sent": rep.sent, "state": rep.state, "wall": wall,
             "cpu": time.process_time() - cpu0, "rss_start": rss0, "rss_peak": _rss_mb(),
             "per_relay": pool.stats()})
    pool.close()
    store.close()


def send_once(url: str, ports: list[int], args: argparse.Namespace, day: date) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_send_child, args=(url, ports, args.connections, args.size_kb,
                                              day.isoformat(), q))
    p.start()
    res = q.get()
    p.join()
    return res


def start_sinks(kind: str) -> tuple[list[int], list[Any], list[Any]]:
    import send as send_bench

    ports, counters, procs = [], [], []
    for _ in range(RELAYS):
        port, counter, proc = send_bench.start_sink(kind)
        ports.append(port)
        counters.append(counter)
        procs.append(proc)
    return ports, counters, procs


def raw_blast(ports: list[int], data: bytes, n: int, connections: int) -> float:
    import threading

    import send as send_bench

    per = n // len(ports)
    times: list[float] = []

    def one(port: int) -> None:
        times.append(send_bench.raw_blast(port, data, per, connections))

    threads = [threading.Thread(target=one, args=(p,)) for p in ports]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def report(label: str, n: int, r: dict) -> float:
    rate = r["sent"] / r["wall"]
    print(f"{label:44} {r['sent']:8d} sent  {r['wall']:7.1f} s  {rate:7.0f} msg/s  "
          f"ledger {2 * rate:7.0f} row updates/s  CPU {r['cpu'] / max(1, r['sent']) * 1e3:.2f}"
          f" ms/msg  RSS {r['rss_start']:.0f} -> {r['rss_peak']:.0f} MB  ({r['state']})")
    print("    per relay: " + ", ".join(f"{k} {v['sent']:.0f}" for k, v in
                                        r["per_relay"].items()))
    return rate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subscribers", type=int, default=1_000_000)
    ap.add_argument("--send", type=int, default=100_000,
                    help="how many of them the measured sends go to")
    ap.add_argument("--connections", type=int, default=2, help="per relay")
    ap.add_argument("--size-kb", type=int, default=12)
    ap.add_argument("--sqlite", type=int, default=100_000, help="0: skip the SQLite run")
    ap.add_argument("--sink", choices=("aiosmtpd", "fast", "both"), default="both")
    args = ap.parse_args()

    from delivery_helpers import make_factory
    from pg_server import PgServer, pg_bindir

    from newsletter.deliver import Recipient

    bindir = pg_bindir()
    if bindir is None:
        sys.exit("needs Debian's postgresql package")
    pg = PgServer(bindir).start()
    kinds = ["fast", "aiosmtpd"] if args.sink == "both" else [args.sink]
    sample = make_factory(body_kb=args.size_kb).build(
        Recipient(1, "reader0000001@example.com", "Reader 1"))
    print(f"{len(sample) / 1024:.1f} KB messages, {RELAYS} relays x {args.connections} "
          f"connections, PostgreSQL {bindir.parent.name}")
    try:
        url = pg.new_database("million")
        took, rate = import_subscribers(url, args.subscribers)
        print(f"import into PostgreSQL: {args.subscribers} subscribers in {took:.1f} s "
              f"({rate:.0f}/s)")
        n = min(args.send, args.subscribers)
        _limit_list(url, n, EDITION)
        for i, kind in enumerate(kinds):
            ports, counters, procs = start_sinks(kind)
            day = EDITION + timedelta(days=i)
            r = send_once(url, ports, args, day)
            ours = report(f"PostgreSQL, {n} of {args.subscribers}, sink {kind}", n, r)
            if kind == "fast":
                t_raw = raw_blast(ports, sample, n, args.connections)
                raw = n / t_raw
                print(f"{'raw smtplib blast, same sinks/connections':44} {n:8d} sent  "
                      f"{t_raw:7.1f} s  {raw:7.0f} msg/s")
                print(f"ratio send_edition / raw blast: {ours / raw:.2f} (target >= 0.85)")
            for p in procs:
                p.terminate()
        if args.sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                surl = f"sqlite:///{Path(tmp) / 'million.db'}"
                took, rate = import_subscribers(surl, args.sqlite)
                print(f"import into SQLite: {args.sqlite} subscribers in {took:.1f} s "
                      f"({rate:.0f}/s)")
                for i, kind in enumerate(kinds):
                    ports, counters, procs = start_sinks(kind)
                    r = send_once(surl, ports, args, EDITION + timedelta(days=10 + i))
                    report(f"SQLite, {args.sqlite}, sink {kind}", args.sqlite, r)
                    for p in procs:
                        p.terminate()
    finally:
        pg.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
