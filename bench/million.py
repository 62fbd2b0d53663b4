"""Benchmark: a big list on PostgreSQL, sent through 4 relays, with the ledger in the store.

    python bench/million.py [--n 1000000] [--connections 2] [--size-kb 12]
                            [--sqlite-n 100000] [--raw-n 200000] [--sink both]

1. Import ``--n`` subscribers into a throwaway PostgreSQL cluster (Debian ``postgresql``,
   tests/pg_server.py) through ``Store.upsert_subscribers`` in batches of 10,000: time and
   rate.
2. Send one personalised edition to all of them (the real ``MessageFactory``,
   ``send_edition``, the delivery ledger on PostgreSQL) through a ``RelayPool`` of 4 relays,
   each a sink in its own process: a minimal asyncio responder that only counts (so the
   sender's own cost shows) and aiosmtpd (a real SMTP server, itself the bottleneck). Each
   send runs in its own child process; printed: wall time (ledger planning included),
   messages/s, ledger row writes/s (each message is one batched claim and one
   group-committed ``sent``), sender CPU per message, and the sender's peak RSS after
   100,000 messages and at the end (it must stay flat: the list is streamed, not loaded).
   The sinks' own counters check that every subscriber got exactly one message.
3. Baseline, same run, same 4 minimal sinks, same number of connections: a raw smtplib
   blast of one pre-built message (no ledger, no building) of ``--raw-n`` messages (a rate
   is a rate; the full ``--n`` would double the run). Ratio target >= 0.85. A second
   baseline pipelines MAIL, RCPT and DATA (RFC 2920) as ``SmtpTransport`` does with a server
   that offers it (the fast sink does): the ratio to it is the cost of the ledger and the
   building alone, with the protocol the same on both sides.
4. The same on SQLite with ``--sqlite-n`` subscribers, with its own raw-blast ratio.

Figures are printed as they come (``nohup ... > bench/results/million.txt``); nothing is
asserted. A 1M run takes about an hour on a shared 2-core machine: ``--n 100000`` for a
quick look.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

EDITION = date(2026, 11, 24)
RELAYS = 4
CHECKPOINT = 100_000  # the RSS sample in the middle of the send


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def say(line: str) -> None:
    print(line, flush=True)


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
    marks: dict[str, float] = {}

    def progress(p: Any) -> None:
        if p.sent >= CHECKPOINT and "rss_mid" not in marks:
            marks["rss_mid"] = _rss_mb()
            marks["t_mid"] = time.perf_counter()

    rss0 = _rss_mb()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    rep = send_edition(store, factory, pool, edition_date=date.fromisoformat(day),
                       list_name="daily", settings=delivery_settings(max_errors=50),
                       progress=progress)
    wall = time.perf_counter() - t0
    out.put({"sent": rep.sent, "state": rep.state, "summary": rep.summary(), "wall": wall,
             "cpu": time.process_time() - cpu0, "rss_start": rss0, "rss_peak": _rss_mb(),
             "rss_mid": marks.get("rss_mid"),
             "t_mid": marks["t_mid"] - t0 if "t_mid" in marks else None,
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


def raw_blast(ports: list[int], data: bytes, n: int, connections: int, *,
              pipelined: bool = False) -> float:
    """``n`` pre-built messages over ``connections`` per sink, all sinks at once
    (``pipelined``: MAIL, RCPT and DATA in one write, as our transport does)."""
    import send as send_bench

    per = n // len(ports)
    threads = [threading.Thread(target=send_bench.raw_blast, args=(p, data, per, connections),
                                kwargs={"pipelined": pipelined})
               for p in ports]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def report(label: str, r: dict, arrived: int) -> float:
    rate = r["sent"] / r["wall"]
    mid = (f"{r['rss_mid']:.0f} MB after {CHECKPOINT} messages ({r['t_mid']:.0f} s), "
           if r["rss_mid"] else "")
    say(f"{label}: {r['sent']} sent in {r['wall']:.1f} s = {rate:.0f} msg/s; ledger "
        f"{2 * rate:.0f} row writes/s; sender CPU {r['cpu'] / max(1, r['sent']) * 1e3:.2f}"
        f" ms/msg; peak RSS {r['rss_start']:.0f} MB at start, {mid}{r['rss_peak']:.0f} MB "
        f"at the end; the sinks received {arrived}; {r['summary']}")
    say("    per relay: " + ", ".join(f"{k} {v['sent']:.0f}" for k, v in
                                      r["per_relay"].items()))
    return rate


def measure(url: str, where: str, n: int, kinds: list[str], args: argparse.Namespace,
            first_day: date, sample: bytes) -> None:
    """The sends of one store (one per sink kind) and the raw blast against the fast sinks."""
    for i, kind in enumerate(kinds):
        ports, counters, procs = start_sinks(kind)
        try:
            before = sum(c.value for c in counters)
            r = send_once(url, ports, args, first_day + timedelta(days=i))
            time.sleep(0.5)
            arrived = sum(c.value for c in counters) - before
            ours = report(f"{where}, {n} subscribers, 4 relays x {args.connections}, "
                          f"sink {kind}", r, arrived)
            if kind == "fast":
                m = min(n, args.raw_n)
                t_raw = raw_blast(ports, sample, m, args.connections)
                raw = m / t_raw
                say(f"raw smtplib blast, same 4 sinks x {args.connections} connections: "
                    f"{m} in {t_raw:.1f} s = {raw:.0f} msg/s")
                say(f"ratio send_edition / raw blast ({where}): {ours / raw:.2f} "
                    "(target >= 0.85)")
                t_pipe = raw_blast(ports, sample, m, args.connections, pipelined=True)
                pipe = m / t_pipe
                say(f"raw pipelined blast (MAIL, RCPT, DATA in one write; the protocol our "
                    f"transport speaks to this sink): {m} in {t_pipe:.1f} s = {pipe:.0f} "
                    f"msg/s; ratio send_edition / pipelined blast ({where}): {ours / pipe:.2f}")
        finally:
            for p in procs:
                p.terminate()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="subscribers on PostgreSQL")
    ap.add_argument("--connections", type=int, default=2, help="per relay")
    ap.add_argument("--size-kb", type=int, default=12)
    ap.add_argument("--sqlite-n", type=int, default=100_000, help="0: skip the SQLite run")
    ap.add_argument("--raw-n", type=int, default=200_000,
                    help="messages of the raw blast baseline (at most --n)")
    ap.add_argument("--sink", choices=("aiosmtpd", "fast", "both"), default="both")
    args = ap.parse_args()

    from delivery_helpers import make_factory
    from pg_server import PgServer, pg_bindir

    from newsletter.deliver import Recipient

    bindir = pg_bindir()
    if bindir is None:
        sys.exit("needs Debian's postgresql package (apt-get install postgresql)")
    kinds = ["fast", "aiosmtpd"] if args.sink == "both" else [args.sink]
    sample = make_factory(body_kb=args.size_kb).build(
        Recipient(1, "reader0000001@example.com", "Reader 1"))
    say(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {len(sample) / 1024:.1f} KB messages, "
        f"{RELAYS} relays x {args.connections} connections, PostgreSQL {bindir.parent.name}")
    pg = PgServer(bindir).start()
    try:
        url = pg.new_database("million")
        took, rate = import_subscribers(url, args.n)
        say(f"import into PostgreSQL: {args.n} subscribers in {took:.1f} s ({rate:.0f}/s)")
        # the fast-sink figures first (they carry the ratio), the slow aiosmtpd one last
        measure(url, "PostgreSQL", args.n, kinds[:1], args, EDITION, sample)
        if args.sqlite_n:
            with tempfile.TemporaryDirectory() as tmp:
                surl = f"sqlite:///{Path(tmp) / 'million.db'}"
                took, rate = import_subscribers(surl, args.sqlite_n)
                say(f"import into SQLite: {args.sqlite_n} subscribers in {took:.1f} s "
                    f"({rate:.0f}/s)")
                measure(surl, "SQLite", args.sqlite_n, kinds, args,
                        EDITION + timedelta(days=10), sample)
        if kinds[1:]:
            measure(url, "PostgreSQL", args.n, kinds[1:], args,
                    EDITION + timedelta(days=1), sample)
    finally:
        pg.stop()
    say(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC: done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
