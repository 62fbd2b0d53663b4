"""One sender per list: `newsletter send` and the service's scheduled send exclude each
other through the list's store lock, so a second sender cannot reset the first one's
messages in flight (and send them twice)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.exceptions import AlreadyRunningError
from newsletter.store._locks import send_lock_name

REPO = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 24)
AS_OF = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def _newsletter(project: Path, stale: float = 30.0) -> Newsletter:
    toml = project / "newsletter.toml"
    toml.write_text(toml.read_text("utf-8").replace(
        "grace_minutes = 120", f"grace_minutes = 120\nlock_stale_seconds = {stale}"), "utf-8")
    nl = Newsletter(load_config(toml))
    edition = json.loads((REPO / "tests" / "data" / "edition.json").read_text("utf-8"))
    nl.store.save_edition(DAY, edition, as_of=AS_OF, html_size=None, stories=[], now=AS_OF)
    return nl


def _emls(project: Path) -> list[Path]:
    return sorted((project / "var" / "outbox").rglob("*.eml"))


@pytest.fixture
def other_process() -> Iterator[int]:
    """The pid of a live process on this host (another sender, as far as locks go)."""
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield p.pid
    p.kill()
    p.wait()


def test_a_second_sender_of_a_list_is_refused(project: Path, other_process: int) -> None:
    nl = _newsletter(project)
    got = nl.store.acquire_lock(send_lock_name("daily"), nl.now(), pid=other_process)
    assert got.acquired
    with pytest.raises(AlreadyRunningError) as exc:
        nl.send(DAY)
    assert f"pid={other_process}" in str(exc.value) and "'daily'" in str(exc.value)
    assert _emls(project) == []
    assert nl.store.send_state(DAY, "daily") is None  # nothing planned or reset
    # the command line says so, with exit code 2 and no traceback
    res = CliRunner().invoke(app, ["send", "--date", DAY.isoformat()])
    assert res.exit_code == 2, res.output
    assert "being sent by another process" in res.output and "Traceback" not in res.output
    nl.store.release_lock(send_lock_name("daily"), pid=other_process)
    reports = nl.send(DAY)
    assert reports[0].sent == len(_emls(project)) > 0


def test_the_lock_is_released_after_a_send(project: Path) -> None:
    nl = _newsletter(project)
    nl.send(DAY)
    assert nl.store.lock_info(send_lock_name("daily")) is None


def test_a_dead_senders_lock_is_waited_out_then_taken_over(project: Path) -> None:
    nl = _newsletter(project, stale=1.0)
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()  # a pid that no longer runs on this host
    nl.store.acquire_lock(send_lock_name("daily"), nl.now(), pid=p.pid,
                          host=socket.gethostname())
    t0 = time.monotonic()
    reports = nl.send(DAY)
    assert time.monotonic() - t0 >= 0.9  # not before the dead holder's lock went stale
    assert reports[0].sent > 0
    assert nl.store.lock_info(send_lock_name("daily")) is None


def test_a_send_under_the_services_job_lock_runs_and_leaves_it_held(project: Path) -> None:
    # The service's job guard holds job:send:<list> for this process while it sends.
    nl = _newsletter(project)
    assert nl.store.acquire_lock(send_lock_name("daily"), nl.now()).acquired
    reports = nl.send(DAY)
    assert reports[0].sent > 0
    assert nl.store.lock_info(send_lock_name("daily")) is not None  # the guard releases it
