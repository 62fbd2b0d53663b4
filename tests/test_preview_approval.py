"""Approval gate and the preview's loopback-only default bind (issue 8)."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.exceptions import NotApprovedError

REPO = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 24)
AS_OF = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def _require_approval(project: Path) -> None:
    toml = project / "newsletter.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'approval = "auto"' in text
    toml.write_text(text.replace('approval = "auto"', 'approval = "required"'),
                    encoding="utf-8")


def _store_edition(project: Path) -> Newsletter:
    nl = Newsletter(load_config(project / "newsletter.toml"))
    edition = json.loads((REPO / "tests" / "data" / "edition.json").read_text("utf-8"))
    nl.store.save_edition(DAY, edition, as_of=AS_OF, html_size=None, stories=[], now=AS_OF)
    return nl


def _output(result: object) -> str:
    """stdout and stderr (click >= 8.2 interleaves both in ``output``)."""
    return str(getattr(result, "output", ""))


def test_send_refuses_an_unapproved_edition(project: Path) -> None:
    _require_approval(project)
    nl = _store_edition(project)
    assert nl.config.editorial.approval == "required"
    with pytest.raises(NotApprovedError) as exc:
        nl.send(DAY)
    assert "not approved" in str(exc.value) and "newsletter approve" in str(exc.value)
    outbox = project / "var" / "outbox"
    assert not outbox.exists() or not any(outbox.rglob("*.eml"))
    nl.approve(DAY, "Ana Editor")
    nl.check_approved(DAY)  # no longer raises
    row = nl.store.edition(DAY)
    assert row is not None and row["status"] == "approved"
    assert row["approved_by"] == "Ana Editor" and row["approved_at"] is not None
    nl.store.save_edits(DAY, {"note": "changed after approval"})
    with pytest.raises(NotApprovedError):
        nl.check_approved(DAY)  # an edit puts it back to draft
    nl.close()


def test_cli_send_exits_1_with_a_clear_message_until_approved(project: Path) -> None:
    _require_approval(project)
    _store_edition(project).close()
    runner = CliRunner()
    result = runner.invoke(app, ["send", "--date", DAY.isoformat()])
    assert result.exit_code == 1, _output(result)
    text = _output(result)
    assert "not approved" in text
    assert f"newsletter approve --date {DAY}" in text
    result = runner.invoke(app, ["approve", "--date", DAY.isoformat(), "--by", "ana"])
    assert result.exit_code == 0, _output(result)
    nl = Newsletter(load_config(project / "newsletter.toml"))
    nl.check_approved(DAY)
    nl.close()


def test_scheduled_send_refuses_and_logs_an_error(project: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    from newsletter.schedule import JobGuard, Runner

    _require_approval(project)
    _store_edition(project).close()
    soon = AS_OF + timedelta(hours=1)
    nl = Newsletter(load_config(project / "newsletter.toml"), now=lambda: soon)
    runner = Runner(nl, threading.Event(), JobGuard(nl, stale_after=60))
    with caplog.at_level(logging.INFO):
        assert runner.send("daily", soon) is None
    alerts = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("not approved" in m for m in alerts), caplog.text
    outbox = project / "var" / "outbox"
    assert not outbox.exists() or not any(outbox.rglob("*.eml"))
    nl.close()


def test_auto_approval_does_not_block(project: Path) -> None:
    nl = _store_edition(project)
    assert nl.config.editorial.approval == "auto"
    nl.check_approved(DAY)
    nl.close()


# --- the preview listens on loopback only unless told otherwise ------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listeners(port: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp*) listening on ``port``."""
    found = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, _, hexport = fields[1].rpartition(":")
            if int(hexport, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.append(addr)
    return found


def _non_loopback_ipv4() -> str | None:
    """An address of this machine on a non-loopback interface, if there is one."""
    candidates = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            candidates.add(str(info[4][0]))
    except OSError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
            candidates.add(s.getsockname()[0])
        except OSError:
            pass
    real = sorted(a for a in candidates if not a.startswith("127.") and a != "0.0.0.0")
    return real[0] if real else None


def test_preview_command_listens_on_loopback_only(project: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "newsletter.cli", "preview", "--port",
                             str(port)], cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first, first
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the preview did not start listening"
                time.sleep(0.1)
        listening = _listeners(port)
        if listening:  # /proc is there: the only listener is 127.0.0.1 (0100007F)
            assert listening == ["0100007F"], listening
        other = _non_loopback_ipv4()
        if other is not None:
            with pytest.raises(OSError):
                socket.create_connection((other, port), timeout=2).close()
        assert listening or other, "cannot check the bind address on this machine"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
