"""Several `newsletter serve` processes on one PostgreSQL store: all answer the web
endpoints, exactly one runs the scheduler, and when it is SIGKILLed mid-send another takes
over and finishes the edition: nobody missed, at most one duplicate (one connection)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from smtp_server import SmtpServer, free_port
from test_service_e2e import REPO, SECRET, Serve, _wait_count, write_project

pytestmark = pytest.mark.slow


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as srv:
        yield srv


@pytest.fixture
def pg_url(pg_server) -> Iterator[str]:
    url = pg_server.new_database("serve")
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def running() -> Iterator[list[Serve]]:
    procs: list[Serve] = []
    yield procs
    for p in procs:
        if p.proc.poll() is None:
            p.stop(signal.SIGKILL)


def _cli(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSLETTER_SECRET": SECRET, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "newsletter.cli", *args, "--config", str(cfg)],
                          env=env, capture_output=True, text=True, timeout=180)


def _leaders(procs: list[Serve]) -> list[Serve]:
    return [p for p in procs if any("event=leader_elected" in ln for ln in p.lines)]


def test_two_instances_one_scheduler_and_a_takeover_after_sigkill(
        tmp_path, smtp, pg_url, running) -> None:
    ports = [free_port(), free_port()]
    n = 60  # 20 s of sending at 3/s: the status step above must not outlast it under load
    cfg = write_project(tmp_path, web_port=ports[0], smtp_port=smtp.port, subscribers=n,
                        rate_limit=3, send="*/2 * * * * *", stale=6, store_url=pg_url)
    for cmd in (["collect", "--offline"], ["build"]):
        res = _cli(cfg, *cmd)
        assert res.returncode == 0, res.stdout + res.stderr
    # the second instance: the same config but its own port
    cfg2 = tmp_path / "second.toml"
    cfg2.write_text(cfg.read_text().replace(f'bind = "127.0.0.1:{ports[0]}"',
                                            f'bind = "127.0.0.1:{ports[1]}"'))
    procs = [Serve(cfg, ports[0]), Serve(cfg2, ports[1])]
    running.extend(procs)
    for p in procs:
        p.wait_for("event=started.*mode=elected")
        p.wait_http()
    deadline = time.monotonic() + 30
    while not _leaders(procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3)  # the other one has polled at least once more by now
    leaders = _leaders(procs)
    assert len(leaders) == 1, [p.output[-2000:] for p in procs]
    leader = leaders[0]
    follower = procs[1 - procs.index(leader)]
    # both serve the public endpoints
    for p in procs:
        assert httpx.get(f"http://127.0.0.1:{p.port}/healthz", timeout=5).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{p.port}/archive/", timeout=5).status_code == 200
    st = json.loads(_cli(cfg, "status", "--json").stdout)["scheduler"]
    assert st["mode"] == "elected" and st["leader"]["pid"] == leader.proc.pid
    assert {i["pid"] for i in st["instances"]} == {p.proc.pid for p in procs}

    assert _wait_count(smtp, 4, 60) >= 4, leader.output[-3000:]
    leader.stop(signal.SIGKILL)
    killed_at = time.monotonic()
    before = smtp.total
    assert before < n, "the send finished before the kill: slow the rate down"
    follower.wait_for("event=leader_elected", timeout=60)  # the takeover bound
    print(f"takeover after SIGKILL: {time.monotonic() - killed_at:.1f} s")
    assert _wait_count(smtp, n, 90) >= n, follower.output[-3000:]
    time.sleep(3)
    with smtp.lock:
        rcpts = Counter(r for m in smtp.received for r in m.rcpt_tos)
    assert set(rcpts) == {f"daily{i}@example.com" for i in range(n)}  # nobody missed
    assert sum(c - 1 for c in rcpts.values()) <= 1  # one connection: at most one re-send
    st = json.loads(_cli(cfg, "status", "--json").stdout)["scheduler"]
    assert st["leader"]["pid"] == follower.proc.pid
    assert re.search(r"event=send_done list=daily", follower.output)
    assert follower.stop()[0] == 0
