"""Shared by bench/web.py and bench/fuzz_web.py: a throw-away project, a populated store and
a real uvicorn server on 127.0.0.1 in a background thread."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-long-enough-for-serve-0123456789"


def make_project(tmp: Path, *, subscribers: int = 2000, editions: int = 30,
                 port: int = 8999, store_url: str | None = None) -> Any:
    """A project in ``tmp`` (repo templates, SQLite store) with subscribers and a published
    archive; returns the :class:`~newsletter.core.Newsletter`."""
    os.environ["NEWSLETTER_SECRET"] = SECRET
    from newsletter.config import load_config
    from newsletter.core import Newsletter
    from newsletter.store._subscribers import SubscriberInput, email_key

    cfg = tmp / "newsletter.toml"
    cfg.write_text(f"""
[newsletter]
public_url = "http://127.0.0.1"
[store]
url = "{store_url or 'sqlite:///' + str(tmp / 'var' / 'newsletter.db')}"
[paths]
data = "{tmp / 'var'}"
[schedule]
collect = "0 0 3 1 1 *"
build = "0 0 4 1 1 *"
send = "0 0 5 1 1 *"
[web]
bind = "127.0.0.1:{port}"
subscribe_per_minute = 1000000
""")
    nl = Newsletter(load_config(cfg))
    now = datetime.now(UTC)
    rows = [SubscriberInput(email=f"reader{i}@example.com",
                            key=email_key(f"reader{i}@example.com"), name=f"Reader {i}")
            for i in range(subscribers)]
    nl.store.upsert_subscribers("daily", rows, now)
    page = _sample_page()
    start = date(2026, 10, 1)
    for i in range(editions):
        d = start + timedelta(days=i)
        nl.store.save_archive(d, page.replace("%%DATE%%", d.isoformat()))
        nl.store.publish_archive(d)
    return nl


def _sample_page() -> str:
    """A realistic archived edition: the repo's sample edition rendered for the web."""
    import json

    from newsletter.config import Config
    from newsletter.render import render_web_edition

    ed = json.loads((ROOT / "tests" / "data" / "edition.json").read_text())
    cfg = Config(root=ROOT)
    try:
        return render_web_edition(ed, config=cfg)
    except Exception:  # the renderer is another stage; fall back to a 40 KB page
        return "<!DOCTYPE html><html><body>" + "<p>%%DATE%% story text</p>" * 1500 \
               + "</body></html>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn on 127.0.0.1 in a thread; yields the base URL."""
    import logging

    import uvicorn

    logging.getLogger("newsletter").setLevel(logging.WARNING)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                            access_log=False, lifespan="off", server_header=False)
    server = uvicorn.Server(config)
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        th.join(10)


@contextmanager
def serve_process(args: list[str], port: int, env: dict[str, str] | None = None,
                  cwd: Path | None = None) -> Iterator[str]:
    """Run a server command in a subprocess (no GIL shared with the load generator) and wait
    until it accepts connections on ``port``; yields the base URL; SIGTERM at the end."""
    import signal
    import subprocess

    proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stderr:
            proc.stderr.close()


BARE_APP = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
async def hello(request):
    return PlainTextResponse("ok")
app = Starlette(routes=[Route("/x", hello)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False)
"""


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]
