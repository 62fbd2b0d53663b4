"""Benchmark: sending throughput of ``send_edition`` against baselines, same run, same sink.

    python bench/send.py [--messages 20000] [--connections 4] [--size-kb 28]

A local aiosmtpd sink runs in a separate *process* (so it does not share the GIL with the
sender) and counts what it receives. Measured:

1. ``send_edition``: the real loop (ledger commits before and after each message, real
   ``MessageFactory`` building ~30 KB edition-sized messages, SMTP pool) over SQLite;
2. raw smtplib blast: the same number of connections sending one pre-built message, no
   ledger, no building -- the ceiling for this sink; target ratio >= 0.8;
3. naive sender: a new SMTP connection per message (reported for comparison);
4. a rate-limited run (default 200 msg/s for 2,000 messages): achieved vs configured rate.

Two sinks (``--sink both``, the default): aiosmtpd, a real SMTP server implementation, which
is itself the bottleneck at ~300 msg/s for 30 KB messages; and a minimal asyncio responder
that only counts, so the sender's own cost shows. The sender's CPU time per message is
printed for both the loop and the raw blast.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import smtplib
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def _sink(port: int, counter: mp.Value, ready: mp.Event) -> None:  # type: ignore[valid-type]
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
            with counter.get_lock():
                counter.value += len(envelope.rcpt_tos)
            return "250 2.0.0 queued"

    ctl = Controller(Handler(), hostname="127.0.0.1", port=port, ready_timeout=10)
    ctl.start()
    ready.set()
    threading.Event().wait()


def _fast_sink(port: int, counter: mp.Value, ready: mp.Event) -> None:  # type: ignore[valid-type]
    """A minimal asyncio SMTP responder (no parsing beyond the commands): a sink that is
    not the bottleneck, so the sender's own cost shows."""
    import asyncio

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink ESMTP\r\n")
        rcpts = 0
        while True:
            line = await reader.readline()
            if not line:
                break
            cmd = line[:4].upper()
            if cmd in (b"EHLO", b"HELO"):
                writer.write(b"250-sink\r\n250-8BITMIME\r\n250 PIPELINING\r\n")
            elif cmd == b"RCPT":
                rcpts += 1
                writer.write(b"250 OK\r\n")
            elif cmd == b"DATA":
                writer.write(b"354 go\r\n")
                await reader.readuntil(b"\r\n.\r\n")
                with counter.get_lock():
                    counter.value += rcpts
                rcpts = 0
                writer.write(b"250 queued\r\n")
            elif cmd == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:  # MAIL, RSET, NOOP
                rcpts = 0 if cmd in (b"MAIL", b"RSET") else rcpts
                writer.write(b"250 OK\r\n")
            await writer.drain()
        writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(client, "127.0.0.1", port, limit=2**20)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_count(counter: mp.Value, n: int, timeout: float = 60) -> None:  # type: ignore[valid-type]
    end = time.monotonic() + timeout
    while counter.value < n and time.monotonic() < end:
        time.sleep(0.001)


def raw_blast(port: int, data: bytes, n: int, connections: int, *,
              pipelined: bool = False) -> float:
    """Pre-built bytes over ``connections`` reused connections; returns seconds.

    ``pipelined``: MAIL, RCPT and DATA in one write and the body dot-stuffed once, ahead
    (RFC 2920, as ``SmtpTransport`` does when the server offers PIPELINING): the ceiling
    for a client using the same protocol as ours. Otherwise plain ``smtplib.sendmail``
    (four round trips a message).
    """
    per = [n // connections + (1 if i < n % connections else 0) for i in range(connections)]
    body = re.sub(rb"(?m)^\.", b"..", data) + b".\r\n"

    def worker(count: int, k: int) -> None:
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        s.ehlo()
        for i in range(count):
            if not pipelined:
                s.sendmail("daily@ree-daily.example", [f"raw{k}-{i}@example.com"], data)
                continue
            s.send(f"MAIL FROM:<daily@ree-daily.example>\r\nRCPT TO:<raw{k}-{i}@example.com>"
                   "\r\nDATA\r\n")
            replies = [s.getreply()[0] for _ in range(3)]
            assert replies == [250, 250, 354], replies
            s.send(body)
            assert s.getreply()[0] == 250
        s.quit()

    threads = [threading.Thread(target=worker, args=(c, k)) for k, c in enumerate(per)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def naive(port: int, data: bytes, n: int) -> float:
    """One new connection per message (what a simple script does)."""
    t0 = time.perf_counter()
    for i in range(n):
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
            s.sendmail("daily@ree-daily.example", [f"naive{i}@example.com"], data)
    return time.perf_counter() - t0


def start_sink(kind: str) -> tuple[int, object, mp.Process]:
    port = free_port()
    ctx = mp.get_context("spawn")
    counter, ready = ctx.Value("q", 0), ctx.Event()
    target = _sink if kind == "aiosmtpd" else _fast_sink
    proc = ctx.Process(target=target, args=(port, counter, ready), daemon=True)
    proc.start()
    if not ready.wait(20):
        sys.exit(f"the {kind} sink did not start")
    return port, counter, proc


def run(kind: str, args: argparse.Namespace, tmp: Path, rate_run: bool) -> None:
    from delivery_helpers import EDITION, delivery_settings, make_factory, populate

    from newsletter.config import SmtpSettings
    from newsletter.deliver import Recipient, SmtpTransport, send_edition
    from newsletter.store import open_store

    port, counter, proc = start_sink(kind)
    factory = make_factory(body_kb=args.size_kb)
    sample = factory.build(Recipient(1, "reader00001@example.com", "Reader 1"))
    n, c = args.messages, args.connections
    print(f"\n== sink: {kind} in a separate process; {len(sample) / 1024:.1f} KB messages, "
          f"{n} messages, {c} connections")

    store = open_store(f"sqlite:///{tmp / f'bench-{kind}.db'}")
    populate(store, n)
    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, connections=c))
    settings = delivery_settings(max_errors=20)

    raw_blast(port, sample, 200, c)  # warm-up, not counted
    wait_count(counter, 200)

    before, cpu0 = counter.value, time.process_time()
    t0 = time.perf_counter()
    rep = send_edition(store, factory, transport, edition_date=EDITION, list_name="daily",
                       settings=settings)
    wait_count(counter, before + n)
    t_ours, cpu_ours = time.perf_counter() - t0, time.process_time() - cpu0
    assert rep.sent == n and counter.value - before == n, (rep.summary(), counter.value)

    before, cpu0 = counter.value, time.process_time()
    t_raw = raw_blast(port, sample, n, c)
    wait_count(counter, before + n)
    cpu_raw = time.process_time() - cpu0

    t_pipe = None
    if kind == "fast":  # the sink that offers PIPELINING, so the transport pipelines
        before = counter.value
        t_pipe = raw_blast(port, sample, n, c, pipelined=True)
        wait_count(counter, before + n)

    m = args.naive_messages
    t_naive = naive(port, sample, m)

    ours, raw, nv = n / t_ours, n / t_raw, m / t_naive
    print(f"send_edition (ledger + factory + pool): {ours:8.0f} msg/s  ({t_ours:.2f} s, "
          f"sender CPU {cpu_ours / n * 1e3:.2f} ms/msg)")
    print(f"raw smtplib blast, pre-built bytes:     {raw:8.0f} msg/s  ({t_raw:.2f} s, "
          f"sender CPU {cpu_raw / n * 1e3:.2f} ms/msg)")
    if t_pipe is not None:
        print(f"raw pipelined blast (RFC 2920):         {n / t_pipe:8.0f} msg/s  "
              f"({t_pipe:.2f} s)")
    print(f"naive, one connection per message:      {nv:8.0f} msg/s  ({m} messages)")
    print(f"ratio send_edition / raw blast:   {ours / raw:.2f}  (target >= 0.80)")
    if t_pipe is not None:
        print(f"ratio send_edition / raw pipelined blast: {ours / (n / t_pipe):.2f}")
    print(f"ratio send_edition / naive:       {ours / nv:.2f}")
    store.close()

    if rate_run:
        rm = args.rate_messages
        store2 = open_store(f"sqlite:///{tmp / f'rate-{kind}.db'}")
        populate(store2, rm)
        stamps: list[float] = []
        send_edition(store2, factory, transport, edition_date=EDITION + timedelta(days=1),
                     list_name="daily", settings=delivery_settings(rate_limit=args.rate),
                     progress=lambda p: stamps.append(time.perf_counter()))
        achieved = (len(stamps) - 1) / (stamps[-1] - stamps[0])
        err = (achieved - args.rate) / args.rate * 100
        print(f"rate-limited: configured {args.rate:.0f} msg/s, achieved {achieved:.1f} msg/s "
              f"over {len(stamps)} messages ({err:+.1f}%, target within 5%)")
        store2.close()
    proc.terminate()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--size-kb", type=int, default=28, help="HTML size of the test edition")
    ap.add_argument("--naive-messages", type=int, default=2_000)
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--rate-messages", type=int, default=2_000)
    ap.add_argument("--sink", choices=["aiosmtpd", "fast", "both"], default="both")
    args = ap.parse_args()
    kinds = ["aiosmtpd", "fast"] if args.sink == "both" else [args.sink]
    with tempfile.TemporaryDirectory() as tmp:
        for i, kind in enumerate(kinds):
            run(kind, args, Path(tmp), rate_run=i == 0)


if __name__ == "__main__":
    main()
