"""`newsletter serve` as a REAL process: single instance, signals, crash and restart, the
public endpoints over real HTTP, and the scheduled pipeline delivering to an aiosmtpd server.

Each test writes a config into tmp_path whose jobs fire within seconds (6-field cron with
seconds first), imports subscribers into the store, starts ``python -m newsletter.cli serve``
and watches its key=value log lines on stdout.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest

from newsletter.deliver._tokens import make_token
from newsletter.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from smtp_server import SmtpServer, free_port  # noqa: E402

pytestmark = pytest.mark.slow  # real processes and timed jobs: about a minute in all
REPO = Path(__file__).resolve().parent.parent
SECRET = "e2e-secret-long-enough-for-serve-0123456789"
FAR = "0 0 0 1 1 *"  # midnight on 1 January: never during a test


def _pipeline_ready() -> bool:
    try:
        import newsletter._send  # noqa: F401
    except ImportError:
        return False
    return True


needs_pipeline = pytest.mark.skipif(not _pipeline_ready(),
                                    reason="needs newsletter/_send.py (send glue)")


# --- the harness -------------------------------------------------------------------------

def _cron_at(t: datetime) -> str:
    t = t.astimezone(UTC)
    return f"{t.second} {t.minute} {t.hour} * * *"


def write_project(tmp: Path, *, web_port: int, smtp_port: int, collect: str = FAR,
                  build: str = FAR, send: str = FAR, rate_limit: float = 0,
                  subscribers: int = 6, lists: tuple[str, ...] = ("daily",),
                  stale: float = 2.0, store_url: str | None = None) -> Path:
    """A config whose data, store and lists live in ``tmp``; returns the config path."""
    tmp.mkdir(parents=True, exist_ok=True)
    list_tables = []
    for name in lists:
        rows = ["email,name"] + [f"{name}{i}@example.com,Reader {i}"
                                 for i in range(subscribers)]
        (tmp / f"{name}.csv").write_text("\n".join(rows) + "\n")
        list_tables.append(f'[lists.{name}]\nfile = "{tmp / (name + ".csv")}"\n'
                           f'list_id = "{name}.ree-daily.test"\n')
        if name != "daily":  # a list with its own send time and time zone
            list_tables.append(f'send = "{send}"\ntimezone = "Asia/Shanghai"\n')
    store_url = store_url or f"sqlite:///{tmp / 'var' / 'newsletter.db'}"
    cfg = tmp / "newsletter.toml"
    cfg.write_text(f"""
[newsletter]
public_url = "http://127.0.0.1:{web_port}"
[store]
url = "{store_url}"
[paths]
data = "{tmp / 'var'}"
{''.join(list_tables)}
[delivery]
transport = "smtp"
rate_limit = {rate_limit}
retry_base_seconds = 1
[delivery.smtp]
host = "127.0.0.1"
port = {smtp_port}
connections = 1
timeout = 5
[schedule]
timezone = "UTC"
collect = "{collect}"
build = "{build}"
send = "{send}"
grace_minutes = 120
offline = true
lock_stale_seconds = {stale}
[web]
bind = "127.0.0.1:{web_port}"
""")
    store = open_store(store_url)
    try:
        from newsletter.deliver import import_csv

        for name in lists:
            import_csv(store, tmp / f"{name}.csv", name, now=datetime.now(UTC))
    finally:
        store.close()
    return cfg


class Serve:
    """One ``newsletter serve`` subprocess with its stdout collected line by line."""

    def __init__(self, config: Path, web_port: int) -> None:
        env = {**os.environ, "NEWSLETTER_SECRET": SECRET, "PYTHONPATH": str(REPO),
               "PYTHONUNBUFFERED": "1"}
        self.port = web_port
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newsletter.cli", "serve", "--config", str(config)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=config.parent)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 30.0, count: int = 1) -> str:
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            hits = [ln for ln in list(self.lines) if rx.search(ln)]
            if len(hits) >= count:
                return hits[-1]
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no log line matching {pattern!r} (x{count}) within "
                             f"{timeout}s; output:\n{self.output[-6000:]}")

    def wait_http(self, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return
            except httpx.HTTPError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise AssertionError(f"serve did not answer HTTP; output:\n{self.output[-4000:]}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> tuple[int, float]:
        """Send ``sig``; return (exit code, seconds it took)."""
        t0 = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._reader.join(5)
        return code, time.monotonic() - t0


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as srv:
        yield srv


@pytest.fixture
def running() -> Iterator[list[Serve]]:
    """Every Serve started by a test; whatever is left is killed at the end."""
    procs: list[Serve] = []
    yield procs
    for p in procs:
        if p.proc.poll() is None:
            p.stop(signal.SIGKILL)


def _start(procs: list[Serve], cfg: Path, port: int) -> Serve:
    s = Serve(cfg, port)
    procs.append(s)
    return s


def _store(cfg: Path):
    return open_store(f"sqlite:///{cfg.parent / 'var' / 'newsletter.db'}")


def _recipients(smtp: SmtpServer) -> list[str]:
    with smtp.lock:
        return [r for m in smtp.received for r in m.rcpt_tos]


# --- single instance, signals, crash -------------------------------------------------------

def test_second_instance_is_refused_with_exit_2(tmp_path, smtp, running) -> None:
    port = free_port()
    cfg = write_project(tmp_path, web_port=port, smtp_port=smtp.port)
    first = _start(running, cfg, port)
    first.wait_for("event=started")
    first.wait_http()
    second = subprocess.run(
        [sys.executable, "-m", "newsletter.cli", "serve", "--config", str(cfg)],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "NEWSLETTER_SECRET": SECRET, "PYTHONPATH": str(REPO)})
    assert second.returncode == 2, second.stdout + second.stderr
    msg = second.stderr + second.stdout
    assert "already running" in msg or "another `newsletter serve` is running" in msg
    assert f"pid={first.proc.pid}" in msg and "host=" in msg and "since=" in msg
    code, took = first.stop(signal.SIGTERM)
    assert code == 0 and took < 10


def test_sigterm_exits_0_quickly_and_releases_the_lock(tmp_path, smtp, running) -> None:
    port = free_port()
    cfg = write_project(tmp_path, web_port=port, smtp_port=smtp.port, stale=60)
    s = _start(running, cfg, port)
    s.wait_for("event=started")
    s.wait_http()
    code, took = s.stop(signal.SIGTERM)
    assert code == 0, s.output
    assert took < 10
    assert "event=stopped code=0" in s.output
    st = _store(cfg)
    assert st.lock_info("serve") is None
    st.close()
    # a new instance starts at once (no stale wait: the lock was released)
    again = _start(running, cfg, port)
    again.wait_for("event=started", timeout=15)
    assert "lock_wait" not in again.output
    assert again.stop(signal.SIGINT)[0] == 0


def test_sigint_right_after_start_is_a_clean_stop(tmp_path, smtp, running) -> None:
    # The signal lands between the "started" line and the web server taking over the
    # handlers: it must still be a clean stop (exit 0, lock released), not a
    # KeyboardInterrupt (exit 130).
    port = free_port()
    cfg = write_project(tmp_path, web_port=port, smtp_port=smtp.port, stale=60)
    s = _start(running, cfg, port)
    s.wait_for("event=started")
    code, took = s.stop(signal.SIGINT)
    assert code == 0, s.output
    assert "event=stopped code=0" in s.output
    st = _store(cfg)
    assert st.lock_info("serve") is None
    st.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_signal_while_waiting_for_a_stale_lock_exits_0(tmp_path, smtp, running, sig) -> None:
    port = free_port()
    cfg = write_project(tmp_path, web_port=port, smtp_port=smtp.port, stale=30)
    s = _start(running, cfg, port)
    s.wait_for("event=started")
    s.stop(signal.SIGKILL)  # leaves a lock that is stale only after 30 s
    again = _start(running, cfg, port)
    again.wait_for("event=lock_wait", timeout=20)
    code, took = again.stop(sig)
    assert code == 0, again.output
    assert took < 10
    assert "event=started" not in again.output
    assert "Traceback" not in again.output


def test_sigkill_then_restart_takes_over_the_stale_lock(tmp_path, smtp, running) -> None:
    port = free_port()
    cfg = write_project(tmp_path, web_port=port, smtp_port=smtp.port, stale=2)
    s = _start(running, cfg, port)
    s.wait_for("event=started")
    s.stop(signal.SIGKILL)
    again = _start(running, cfg, port)
    again.wait_for("event=started", timeout=20)
    assert "event=lock_taken_over" in again.output
    assert again.stop()[0] == 0


# --- public endpoints over real HTTP --------------------------------------------------------

def test_one_click_unsubscribe_over_http(tmp_path, smtp, running) -> None:
    port = free_port()
    cfg = write_project(tmp_path, web_port=port, smtp_port=smtp.port)
    st = _store(cfg)
    sub = st.subscribers("daily")[0]
    s = _start(running, cfg, port)
    s.wait_http()
    token = make_token(SECRET.encode(), "unsub", "daily", sub.id)
    url = f"http://127.0.0.1:{port}/unsubscribe/{token}"
    assert httpx.get(url).status_code == 200
    assert st.get_subscriber("daily", sub.id).status == "active"
    r = httpx.post(url, content=b"List-Unsubscribe=One-Click",
                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and "set-cookie" not in r.headers
    assert st.get_subscriber("daily", sub.id).status == "unsubscribed"
    assert token not in s.output  # tokens are never logged
    assert "path=/unsubscribe/<token>" in s.output
    st.close()
    assert s.stop()[0] == 0


def test_double_opt_in_end_to_end(tmp_path, smtp, running) -> None:
    port = free_port()
    cfg = write_project(tmp_path, web_port=port, smtp_port=smtp.port)
    s = _start(running, cfg, port)
    s.wait_http()
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base) as c:
        form = c.get("/subscribe")
        assert form.status_code == 200
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        r = c.post("/subscribe", data={"csrf_token": csrf, "email": "joiner@example.net",
                                       "name": "Jo Iner", "list": "daily"})
        assert r.status_code == 200 and "Check your inbox" in r.text
    end = time.monotonic() + 15
    while time.monotonic() < end and "joiner@example.net" not in _recipients(smtp):
        time.sleep(0.1)
    assert "joiner@example.net" in _recipients(smtp), s.output
    st = _store(cfg)
    assert st.get_subscriber("daily", "joiner@example.net") is None  # not before confirming
    with smtp.lock:
        raw = next(m.data for m in smtp.received if "joiner@example.net" in m.rcpt_tos)
    msg = message_from_bytes(raw, policy=policy.default)
    link = re.search(r"http://127\.0\.0\.1:\d+/confirm/\S+",
                     msg.get_body(("plain",)).get_content()).group(0)
    with httpx.Client() as browser:  # a fresh browser: the link opened from the mailbox
        page = browser.get(link)
        assert page.status_code == 200
        assert st.get_subscriber("daily", "joiner@example.net") is None  # GET changes nothing
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        done = browser.post(link, data={"csrf_token": csrf})
        assert done.status_code == 200 and "You are subscribed" in done.text
    sub = st.get_subscriber("daily", "joiner@example.net")
    assert sub is not None and sub.status == "active" and sub.name == "Jo Iner"
    st.close()
    assert link.split("/confirm/")[1] not in s.output
    assert s.stop()[0] == 0


# --- the scheduled pipeline ---------------------------------------------------------------

def _wait_count(smtp: SmtpServer, n: int, timeout: float) -> int:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if smtp.total >= n:
            return smtp.total
        time.sleep(0.1)
    return smtp.total


@needs_pipeline
def test_scheduled_pipeline_sends_one_edition_per_list_and_never_twice(
        tmp_path, smtp, running) -> None:
    port = free_port()
    start = datetime.now(UTC)
    cfg = write_project(tmp_path, web_port=port, smtp_port=smtp.port, subscribers=5,
                        lists=("daily", "asia"),
                        collect=_cron_at(start + timedelta(seconds=4)),
                        build=_cron_at(start + timedelta(seconds=14)),
                        send="*/3 * * * * *")  # the ledger, not the trigger, decides
    st = _store(cfg)
    gone = st.subscribers("daily")[0]
    s = _start(running, cfg, port)
    s.wait_http()
    # one-click unsubscribe before the send: the edition skips that address
    tok = make_token(SECRET.encode(), "unsub", "daily", gone.id)
    assert httpx.post(f"http://127.0.0.1:{port}/unsubscribe/{tok}",
                      content=b"List-Unsubscribe=One-Click").status_code == 200
    s.wait_for(r"event=collected", timeout=60)
    s.wait_for(r"event=built", timeout=90)
    s.wait_for(r"event=send_done list=daily", timeout=60)
    s.wait_for(r"event=send_done list=asia", timeout=60)
    expected = 4 + 5
    assert _wait_count(smtp, expected, 10) == expected
    time.sleep(4)  # more send triggers fire: the ledger says sent
    assert smtp.total == expected
    rcpts = _recipients(smtp)
    assert gone.email not in rcpts
    assert len(rcpts) == len(set(rcpts))
    subjects = {message_from_bytes(m.data, policy=policy.default)["Subject"]
                for m in smtp.received}
    assert len(subjects) == 1  # one edition
    # crash and restart inside the send window: no second edition
    s.stop(signal.SIGKILL)
    again = _start(running, cfg, port)
    again.wait_for("event=started", timeout=30)
    again.wait_for(r"event=send_skipped list=daily", timeout=30)
    time.sleep(3)
    assert smtp.total == expected
    health = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
    assert health["lists"]["daily"]["sent_today"] and health["ok"], health
    assert again.stop()[0] == 0
    st.close()


@needs_pipeline
def test_sigterm_during_a_send_then_the_rest_on_restart(tmp_path, smtp, running) -> None:
    port = free_port()
    cfg = write_project(tmp_path, web_port=port, smtp_port=smtp.port, subscribers=20,
                        rate_limit=2, send="*/2 * * * * *")
    env = {**os.environ, "NEWSLETTER_SECRET": SECRET, "PYTHONPATH": str(REPO)}
    for cmd in (["collect", "--offline"], ["build"]):
        subprocess.run([sys.executable, "-m", "newsletter.cli", *cmd, "--config", str(cfg)],
                       env=env, check=True, capture_output=True, timeout=180)
    s = _start(running, cfg, port)
    assert _wait_count(smtp, 3, 60) >= 3, s.output
    code, took = s.stop(signal.SIGTERM)
    assert code == 0, s.output
    assert took < 10
    first = smtp.total
    assert 3 <= first < 20, s.output
    time.sleep(1)
    assert smtp.total == first  # nothing after the exit
    again = _start(running, cfg, port)
    assert _wait_count(smtp, 20, 60) == 20, again.output
    time.sleep(3)
    rcpts = _recipients(smtp)
    assert len(rcpts) == 20 and len(set(rcpts)) == 20  # everyone exactly once
    assert again.stop()[0] == 0
