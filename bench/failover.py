"""Benchmark: SIGKILL the leading ``serve`` instance mid-send, again and again.

    python bench/failover.py [--instances 3] [--kills 5] [--subscribers 600]
                             [--connections 2] [--rate 6] [--stale 30]

Several ``newsletter serve`` processes share one throwaway PostgreSQL store (Debian
``postgresql``, tests/pg_server.py) and one aiosmtpd server (tests/smtp_server.py) that
records every recipient. The edition is collected offline and built, the schedule sends it
at once, and the send is rate limited (``--rate`` messages/s over ``--connections``
connections) so that it lasts through every kill. Then ``--kills`` times: wait until the
current leader has sent some messages, SIGKILL it, start a fresh instance in its place (so
followers are always there), and measure

* election time: from the kill to ``event=leader_elected`` in another instance's log;
* takeover time: from the kill to the first message the new leader hands to the server
  (it first waits for the dead leader's send lock to go stale: ``--stale``, the
  ``[schedule] lock_stale_seconds``; 30 s by default, as in a fresh config).

At the end: every subscriber must have received the edition (missed: 0) and the
duplicates must stay within ``connections`` per kill (the messages in flight, re-sent from
the ledger). Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--instances", type=int, default=3)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--subscribers", type=int, default=600)
    ap.add_argument("--connections", type=int, default=2)
    ap.add_argument("--rate", type=float, default=6.0, help="messages per second")
    ap.add_argument("--stale", type=float, default=30.0,
                    help="[schedule] lock_stale_seconds (the default config's 30)")
    ap.add_argument("--between", type=int, default=15,
                    help="messages the new leader sends before it is killed in turn")
    args = ap.parse_args()

    import tempfile

    from pg_server import PgServer, pg_bindir
    from smtp_server import SmtpServer, free_port
    from test_service_e2e import Serve, write_project
    from test_service_instances import _cli, _leaders

    bindir = pg_bindir()
    if bindir is None:
        sys.exit("needs Debian's postgresql package (apt-get install postgresql)")
    n, c = args.subscribers, args.connections
    pg = PgServer(bindir).start()
    procs: list[Serve] = []
    try:
        with SmtpServer() as smtp, tempfile.TemporaryDirectory() as tmpdir:
            tmp = Path(tmpdir)
            url = pg.new_database("failover")
            ports = [free_port() for _ in range(args.instances + args.kills)]
            cfg = write_project(tmp, web_port=ports[0], smtp_port=smtp.port, subscribers=n,
                                rate_limit=args.rate, send="*/2 * * * * *",
                                stale=args.stale, store_url=url)
            base = cfg.read_text().replace("connections = 1", f"connections = {c}")
            cfg.write_text(base)
            for cmd in (["collect", "--offline"], ["build"]):
                res = _cli(cfg, *cmd)
                if res.returncode:
                    sys.exit(f"{' '.join(cmd)} failed:\n{res.stdout}{res.stderr}")

            def start(port: int) -> Serve:
                path = tmp / f"serve-{port}.toml"
                path.write_text(base.replace(f'bind = "127.0.0.1:{ports[0]}"',
                                             f'bind = "127.0.0.1:{port}"'))
                p = Serve(path, port)
                procs.append(p)
                return p

            free = iter(ports)
            for _ in range(args.instances):
                start(next(free))
            for p in procs:
                p.wait_for("event=started.*mode=elected", timeout=60)
            print(f"{args.instances} instances on PostgreSQL {bindir.parent.name}; {n} "
                  f"subscribers, {c} connections, {args.rate:g} msg/s, lock_stale_seconds "
                  f"{args.stale:g}", flush=True)
            rows = []
            for k in range(1, args.kills + 1):
                alive = [p for p in procs if p.proc.poll() is None]
                end = time.monotonic() + 120
                while not (leaders := _leaders(alive)) and time.monotonic() < end:
                    time.sleep(0.05)
                if not leaders:
                    print("no leader elected within 120 s; stopping", flush=True)
                    break
                leader = leaders[-1]
                start_total = smtp.total
                end = time.monotonic() + 120
                while smtp.total < start_total + args.between and time.monotonic() < end:
                    time.sleep(0.01)
                if smtp.total >= n:
                    print("the send finished before the kill: lower --rate", flush=True)
                    break
                elected_before = {id(p): len([ln for ln in p.lines
                                              if "event=leader_elected" in ln])
                                  for p in alive}
                leader.proc.send_signal(signal.SIGKILL)
                killed = time.monotonic()
                leader.proc.wait()
                fresh = start(next(free))
                others = [p for p in alive if p is not leader] + [fresh]
                elected_before[id(fresh)] = 0
                # a message whose end-of-data dot left before the kill may still land: the
                # count settles for a second (a takeover takes longer: the stale lock)
                at_kill = smtp.total
                elected = resumed = None
                end = killed + 180
                while time.monotonic() < end and resumed is None:
                    now = time.monotonic()
                    if elected is None and any(
                            len([ln for ln in p.lines if "event=leader_elected" in ln])
                            > elected_before[id(p)] for p in others):
                        elected = now - killed
                    if now - killed < 1.0:
                        at_kill = smtp.total
                    elif smtp.total > at_kill:
                        resumed = now - killed
                    time.sleep(0.02)
                rows.append((k, at_kill, elected, resumed))
                el = f"{elected:.1f} s" if elected is not None else "none"
                rs = f"{resumed:.1f} s" if resumed is not None else "none"
                print(f"kill {k}: leader pid {leader.proc.pid} killed after {at_kill} "
                      f"messages; new leader elected after {el}, sending again after {rs}",
                      flush=True)
            end = time.monotonic() + max(120, n / args.rate * 2)
            while smtp.total < n and time.monotonic() < end:
                time.sleep(0.2)
            time.sleep(3)
            with smtp.lock:
                got = Counter(r for m in smtp.received for r in m.rcpt_tos)
            want = {f"daily{i}@example.com" for i in range(n)}
            missed = len(want - set(got))
            dupes = sum(v - 1 for v in got.values() if v > 1)
            kills = len(rows)
            print(f"\n{kills} kills; {n} subscribers: {len(set(got) & want)} received, "
                  f"{missed} missed (must be 0), {dupes} duplicates (bound: {c} connections "
                  f"x {kills} kills = {c * kills})")
            taken = [r[3] for r in rows if r[3] is not None]
            if taken:
                print("takeover (kill -> the new leader sending): "
                      + ", ".join(f"{t:.1f}" for t in taken)
                      + f" s; max {max(taken):.1f} s (must be < 60 s)")
            from sqlalchemy import text

            from newsletter.store import open_store

            store = open_store(url)
            with store.begin() as conn:
                for r in conn.execute(text("SELECT edition_date, list, status, detail "
                                           "FROM sends")):
                    print(f"send {r.edition_date} {r.list}: {r.status} ({r.detail})")
            store.close()
    finally:
        for p in procs:
            if p.proc.poll() is None:
                p.stop(signal.SIGKILL)
        pg.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
