"""Benchmark: alert latency in the service, from observation stored to message handed to
the relay, over the recorded week (Mon 23 to Fri 27 Nov 2026).

    python bench/alerts.py [--subscribers 200]

A project made by ``newsletter init --demo`` sends over SMTP to an aiosmtpd sink on
127.0.0.1 that stamps each message as it is accepted. For each day of the week, in order,
the project's ``snapshots/`` holds the capture days up to that day, so the service's own
scheduled collect job (``schedule.Runner.collect`` with ``[schedule] offline = true``,
which replays the newest capture day, then sends the alerts it queued) runs exactly as in
``serve`` minus the cron trigger. The alerts list has ``--subscribers`` addresses.

Latency of a message = the sink's acceptance time - ``prices.observed`` of the observation
that alerted (the time the collect stored it). Printed: per alert and over every alert
message of the week, median and worst; plus the first message of each alert.

Baseline, same run, same sink: a plain test send (``Newsletter.send_test``: render the
day's stored edition, build one message, hand it over), from the call to the sink's
acceptance; median of 5. The ratio is the alert's median latency over that.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

WEEK = [date(2026, 11, 23) + timedelta(days=i) for i in range(5)]


class Sink:
    """aiosmtpd in a thread: (wall-clock acceptance time, Subject, recipient) per message."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller
        from smtp_server import free_port

        self.got: list[tuple[float, str, str]] = []
        self.port = free_port()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
                t = time.time()
                head = BytesParser(policy=policy.default).parsebytes(
                    envelope.content.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")
                for rcpt in envelope.rcpt_tos:
                    sink.got.append((t, str(head["Subject"]), rcpt))
                return "250 2.0.0 queued"

        self.ctl = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.ctl.start()

    def stop(self) -> None:
        self.ctl.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subscribers", type=int, default=200)
    args = ap.parse_args()

    from typer.testing import CliRunner

    from newsletter.cli import app
    from newsletter.config import load_config
    from newsletter.core import Newsletter
    from newsletter.schedule import JobGuard, Runner
    from newsletter.store import _schema as s

    os.environ["NEWSLETTER_SECRET"] = "bench-alerts-" + "x" * 40
    sink = Sink()
    tmp = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    try:
        root = tmp / "demo"
        res = CliRunner().invoke(app, ["init", "--demo", str(root)])
        assert res.exit_code == 0, res.output
        cfg = root / "newsletter.toml"
        text = cfg.read_text()
        text = text.replace('transport = "outbox"', 'transport = "smtp"', 1)
        text = text.replace("port = 25 ", f"port = {sink.port} ", 1)
        text = text.replace("offline = false", "offline = true", 1)
        cfg.write_text(text)
        rows = ["email,name"] + [f"reader{i}@example.com,Reader {i}"
                                 for i in range(args.subscribers)]
        (root / "subscribers" / "alerts.csv").write_text("\n".join(rows) + "\n")
        all_snaps = root / "snapshots"
        keep = tmp / "all-snapshots"
        shutil.move(str(all_snaps), keep)
        all_snaps.mkdir()
        nl = Newsletter(load_config(cfg))
        runner = Runner(nl, threading.Event(), JobGuard(nl, stale_after=30))
        per_alert: dict[str, list[float]] = {}
        collect_s: list[float] = []
        for day in WEEK:
            shutil.copytree(keep / day.isoformat(), all_snaps / day.isoformat())
            t0 = time.perf_counter()
            runner.collect()  # the service's collect job: collect, queue, send alerts
            collect_s.append(time.perf_counter() - t0)
            nl.build()  # the day's edition (for the baseline); after the alerts went out
        with nl.store.begin() as c:
            observed = {(r.commodity, r.as_of, r.low, r.high): r.observed
                        for r in c.execute(s.prices.select())}
        for q in nl.store.alerts_sent("alerts"):
            a = q.alert
            stored = observed[(a.commodity, a.as_of, a.low, a.high)]
            stored = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
            subject_start = f"REE Daily alert: {a.name} "
            lat = [t - stored.timestamp() for t, subj, _ in sink.got
                   if subj.startswith(subject_start)]
            per_alert[f"{a.name} {a.as_of}"] = sorted(lat)
        # baseline: a plain test send of the stored edition through the same relay
        base = []
        for i in range(5):
            n0 = len(sink.got)
            t0 = time.time()
            nl.send_test(f"baseline{i}@example.com")
            while len(sink.got) == n0:
                time.sleep(0.001)
            base.append(sink.got[-1][0] - t0)
        nl.close()
    finally:
        sink.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"alerts list: {args.subscribers} subscribers; week replayed through "
          f"schedule.Runner.collect; collect job seconds per day: "
          + ", ".join(f"{d:%a} {x:.2f}" for d, x in zip(WEEK, collect_s, strict=True)))
    every: list[float] = []
    for name, lat in per_alert.items():
        every += lat
        print(f"  {name}: {len(lat)} messages; first {lat[0] * 1000:.0f} ms, median "
              f"{statistics.median(lat) * 1000:.0f} ms, worst {lat[-1] * 1000:.0f} ms "
              "after the observation was stored")
    if not every:
        print("no alert was sent: nothing to measure")
        return
    med, worst = statistics.median(every), max(every)
    b = statistics.median(base)
    print(f"alert latency over the week ({len(every)} messages, {len(per_alert)} alerts): "
          f"median {med * 1000:.0f} ms, worst {worst * 1000:.0f} ms")
    print(f"baseline (plain test send, median of 5): {b * 1000:.0f} ms; "
          f"ratio median/baseline {med / b:.1f}x, first-message/baseline "
          f"{min(x[0] for x in per_alert.values()) / b:.1f}x")
    print(f"(measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
