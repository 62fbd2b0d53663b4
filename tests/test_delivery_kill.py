"""Kill tests: SIGKILL a sending process at random points, resume, count what arrived.

Every active subscriber must get exactly one message, except at most one duplicate per
connection and kill (the message in flight when the ledger said ``sending``), and none may
be missed.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from delivery_helpers import EDITION, make_store, populate
from smtp_server import SmtpServer

CHILD = Path(__file__).with_name("delivery_child.py")
ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")


def run_child(db: Path, port: int, connections: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(CHILD), str(db), str(port), str(connections)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize(("connections", "trials"), [(1, 12), (3, 6)])
def test_kill_and_resume_loses_nothing(tmp_path, connections, trials):
    rng = random.Random(20261124 + connections)
    store = make_store(tmp_path)
    emails = populate(store, 500)
    db = tmp_path / "newsletter.db"
    kills = 0
    with SmtpServer() as srv:
        for _ in range(trials):
            proc = run_child(db, srv.port, connections)
            target = srv.total + rng.randint(3, 35)
            deadline = time.monotonic() + 30
            while proc.poll() is None and srv.total < target and time.monotonic() < deadline:
                time.sleep(0.0005)
            time.sleep(rng.choice([0, 0, 0.0005, 0.002]))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
            proc.communicate()
        assert kills >= trials - 1, "the sends finished before they could be killed"
        final = run_child(db, srv.port, connections)
        out, err = final.communicate(timeout=120)
        assert final.returncode == 0, (out + err).decode()
        counts = dict(srv.counts)
    missing = [e for e in emails if counts.get(e, 0) == 0]
    extra = sum(n - 1 for n in counts.values() if n > 1)
    assert not missing
    assert set(counts) == set(emails)
    assert extra <= kills * connections, (extra, kills)
    assert store.delivery_counts(EDITION, "daily")["sent"] == 500
    assert store.send_state(EDITION, "daily")["status"] == "sent"
    print(f"connections={connections}: {kills} kills, {extra} duplicates, 0 missing")
    store.close()
