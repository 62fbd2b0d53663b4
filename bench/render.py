"""Benchmark: complete, ready-to-send MIME messages for one list, per second, on one core.

    python bench/render.py [--count 100000] [--naive 50] [--edition tests/data/edition.json]

Fast path: ``render_edition`` once (one Jinja render + one premailer run) and one
``MessageFactory`` per edition; then ``factory.build(recipient)`` for each synthetic
subscriber (some with non-ASCII names, some without a name), the bytes streamed to a
counter. Baseline, measured in the same run on a small sample: the naive way, rendering and
inlining the template for each subscriber and building each message with ``email.message``.

Prints messages/s, the ratio to the baseline, and peak traced memory (tracemalloc) for
10,000 and for the full count, to show memory does not grow with the list.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter._placeholders import greeting, substitute  # noqa: E402
from newsletter.config import Config  # noqa: E402
from newsletter.deliver._message import MessageFactory, Recipient  # noqa: E402
from newsletter.deliver._tokens import make_token  # noqa: E402
from newsletter.render import render_edition  # noqa: E402

FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Émile", "Fatima", "Georg", "Hana", "Ivan", "Jürgen",
         "Kenji", "Li", "Maria", "Nikolaj", "Olu", "Priya", "Quentin", "Rosa", "Søren", "Tomás",
         "王", "Zoë", "O'Brien", ""]
LAST = ["Smith", "García", "Müller", "Nguyen", "Okafor", "Rossi", "Tanaka", "Kowalski",
        "Ødegaard", "& Co", "Dubois", "小明"]
SECRET = b"bench-secret"


def recipients(n: int, list_name: str = "daily") -> Iterator[Recipient]:
    """Synthetic subscribers, generated lazily (nothing is held in memory)."""
    nf, nl = len(FIRST), len(LAST)
    for i in range(1, n + 1):
        first = FIRST[i % nf]
        name = f"{first} {LAST[(i // nf) % nl]}" if first else ""
        yield Recipient(id=i, email=f"reader{i}@example{i % 97}.com", name=name,
                        list_name=list_name)


def fast(factory: MessageFactory, n: int) -> tuple[float, int]:
    total = 0
    build = factory.build
    t0 = time.perf_counter()
    for r in recipients(n):
        total += len(build(r))
    return time.perf_counter() - t0, total


def naive_message(edition: dict, config: Config, r: Recipient) -> bytes:
    """The per-subscriber way: render + inline + email.message for every reader."""
    rendered = render_edition(edition, config=config, list_name=r.list_name)
    token = make_token(SECRET, "unsub", r.list_name, r.id)
    prefs = make_token(SECRET, "prefs", r.list_name, r.id)
    vals = {"GREETING": greeting(r.name), "NAME": r.name,
            "UNSUB_URL": f"{config.newsletter.public_url}/unsubscribe/{token}",
            "PREFS_URL": f"{config.newsletter.public_url}/preferences/{prefs}"}
    msg = EmailMessage()
    msg["From"] = config.newsletter.from_address
    msg["To"] = formataddr((r.name, r.email))
    msg["Subject"] = rendered.subject
    msg["List-Id"] = f"REE Daily <{config.list_id(r.list_name)}>"
    msg["List-Unsubscribe"] = f"<{vals['UNSUB_URL']}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(substitute(rendered.text, vals, html_escape=False))
    msg.add_alternative(substitute(rendered.html, vals, html_escape=True), subtype="html")
    if rendered.chart_png:
        msg.get_payload()[1].add_related(rendered.chart_png, "image", "png",
                                         cid=f"<{rendered.chart_cid}>")
    return msg.as_bytes(policy=policy.SMTP.clone(max_line_length=998))


def traced_peak(factory: MessageFactory, n: int) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fast(factory, n)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def dkim_rate(rendered, config: Config, n: int, algo: str = "rsa") -> float | None:
    """msg/s with DKIM signing (RSA-2048 or Ed25519) on a sample, or None without
    openssl/dkimpy."""
    import subprocess
    import tempfile

    from newsletter.config import DeliverySettings, DkimSettings
    try:
        import dkim  # noqa: F401
        with tempfile.TemporaryDirectory() as tmp:
            key = Path(tmp) / "k.pem"
            cmd = (["openssl", "genrsa", "-out", str(key), "2048"] if algo == "rsa" else
                   ["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)])
            subprocess.run(cmd, check=True, capture_output=True)
            pem = key.read_bytes()
    except (ImportError, OSError, subprocess.CalledProcessError):
        return None
    cfg = config.model_copy(update={"delivery": DeliverySettings(
        dkim=DkimSettings(selector="bench", domain="ree-daily.example"))})
    f = MessageFactory(rendered, config=cfg, list_name="daily", secret=SECRET, dkim_key=pem)
    t0 = time.perf_counter()
    for r in recipients(n):
        f.build(r)
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--naive", type=int, default=50, help="baseline sample size")
    ap.add_argument("--dkim", type=int, default=500,
                    help="sample size for the DKIM-signed rate (0 = skip)")
    ap.add_argument("--edition", default=str(ROOT / "tests" / "data" / "edition.json"))
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})   # one core
    edition = json.loads(Path(args.edition).read_text(encoding="utf-8"))
    config = Config(root=ROOT)

    t0 = time.perf_counter()
    rendered = render_edition(edition, config=config, list_name="daily")
    factory = MessageFactory(rendered, config=config, list_name="daily", secret=SECRET)
    factory.build(Recipient(0, "warm@example.com"))
    setup = time.perf_counter() - t0

    # sanity: a few fast messages parse and carry no placeholder
    for r in recipients(30):
        m = BytesParser(policy=policy.default).parsebytes(factory.build(r))
        assert "%%" not in m.get_body(("html",)).get_content()
        assert "%%" not in m.get_body(("plain",)).get_content()

    secs, total = fast(factory, args.count)
    rate = args.count / secs

    t0 = time.perf_counter()
    for r in recipients(args.naive):
        naive_message(edition, config, r)
    naive_rate = args.naive / (time.perf_counter() - t0)

    signed = dkim_rate(rendered, config, args.dkim) if args.dkim else None
    signed_ed = dkim_rate(rendered, config, args.dkim, "ed25519") if args.dkim else None

    peak_10k = traced_peak(factory, 10_000)
    peak_full = traced_peak(factory, args.count)

    print(f"edition: {args.edition}  HTML {rendered.size_bytes / 1024:.1f} KB, "
          f"message ~{total / args.count / 1024:.1f} KB")
    print(f"setup (render + inline + skeleton, once): {setup * 1000:.0f} ms")
    print(f"fast:  {args.count:,} messages in {secs:.2f} s = {rate:,.0f} msg/s (one core)"
          f"  [{total / secs / 1e6:.0f} MB/s]")
    print(f"naive: {args.naive} messages (render + inline + email.message each) = "
          f"{naive_rate:,.1f} msg/s")
    print(f"ratio fast/naive: {rate / naive_rate:,.0f}x")
    print(f"peak traced memory while building: 10,000 msgs {peak_10k / 1024:,.0f} KiB; "
          f"{args.count:,} msgs {peak_full / 1024:,.0f} KiB")
    if signed is not None:
        print(f"with DKIM signing (relaxed/relaxed), {args.dkim} messages: RSA-2048 "
              f"{signed:,.0f} msg/s" + (f", Ed25519 {signed_ed:,.0f} msg/s" if signed_ed
                                        else ""))
    ok = rate >= 10_000 and rate / naive_rate >= 100
    print("targets (>= 10,000 msg/s, >= 100x naive):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
