"""Security of `newsletter serve` as a REAL process on 127.0.0.1 (issue 12): the secret
never fails open, unknown Host values get 400 and no redirect points elsewhere, slow or
half-sent requests are cut off while /healthz keeps answering, and one client cannot hold
every connection."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from smtp_server import free_port  # noqa: E402

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
STRONG = "a-strong-secret-for-the-serve-security-tests-0123456789"
FAR = "0 0 0 1 1 *"
PUBLIC = "news.example.test"


def write_project(tmp: Path, port: int, web_extra: str = "",
                  transport: str = "outbox") -> Path:
    (tmp / "daily.csv").write_text("email,name\nann@example.com,Ann\n")
    cfg = tmp / "newsletter.toml"
    cfg.write_text(f"""
[newsletter]
public_url = "https://{PUBLIC}"
[store]
url = "sqlite:///{tmp / 'var' / 'newsletter.db'}"
[paths]
data = "{tmp / 'var'}"
templates = "{REPO / 'templates'}"
sources = "{REPO / 'seeds' / 'sources.toml'}"
snapshots = "{REPO / 'seeds' / 'snapshots'}"
[lists.daily]
file = "{tmp / 'daily.csv'}"
[delivery]
transport = "{transport}"
[schedule]
collect = "{FAR}"
build = "{FAR}"
send = "{FAR}"
lock_stale_seconds = 2
[web]
bind = "127.0.0.1:{port}"
{web_extra}
""")
    return cfg


def _env(secret: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env.update(PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", **extra)
    if secret is not None:
        env["NEWSLETTER_SECRET"] = secret
    return env


class Serve:
    def __init__(self, cfg: Path, port: int, env: dict[str, str]) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newsletter.cli", "serve", "--config", str(cfg)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cfg.parent)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                return
            except httpx.HTTPError:
                assert self.proc.poll() is None, "serve exited"
                time.sleep(0.1)
        raise AssertionError("serve did not answer")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    port = free_port()
    s = Serve(write_project(tmp_path, port), port, _env(STRONG))
    yield s
    s.stop()


def _raw(port: int, request: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
        return out


# --- 1: the secret never fails open ------------------------------------------------------

@pytest.mark.parametrize("secret", [None, "short-but-random-Zq81",
                                    "change-me-to-a-long-random-string",
                                    "ree-daily-development-secret-change-me"])
def test_serve_refuses_to_start_without_a_strong_secret(tmp_path: Path,
                                                        secret: str | None) -> None:
    cfg = write_project(tmp_path, free_port())
    try:
        got = subprocess.run([sys.executable, "-m", "newsletter.cli", "serve", "--config",
                              str(cfg)], capture_output=True, text=True, timeout=30,
                             env=_env(secret), cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail("serve started (and kept running) with a weak NEWSLETTER_SECRET")
    msg = got.stderr + got.stdout
    assert got.returncode == 2, msg
    assert "NEWSLETTER_SECRET" in msg and "secrets.token_urlsafe" in msg
    assert "Traceback" not in msg
    assert not (tmp_path / "var" / "secret").exists()  # serve never makes up its own


def test_serve_refuses_a_placeholder_among_the_previous_secrets(tmp_path: Path) -> None:
    cfg = write_project(tmp_path, free_port())
    got = subprocess.run([sys.executable, "-m", "newsletter.cli", "serve", "--config",
                          str(cfg)], capture_output=True, text=True, timeout=30,
                         env=_env(STRONG, NEWSLETTER_SECRET_PREVIOUS="x" * 40),
                         cwd=tmp_path)
    assert got.returncode == 2 and "NEWSLETTER_SECRET_PREVIOUS" in got.stderr


def test_smtp_send_refuses_without_a_secret_but_the_outbox_does_not(tmp_path: Path) -> None:
    cfg = write_project(tmp_path, free_port(), transport="smtp")
    got = subprocess.run([sys.executable, "-m", "newsletter.cli", "send", "--config",
                          str(cfg)], capture_output=True, text=True, timeout=60,
                         env=_env(None), cwd=tmp_path)
    assert got.returncode == 2, got.stderr
    assert "NEWSLETTER_SECRET" in got.stderr and "secrets.token_urlsafe" in got.stderr


def test_offline_quick_start_generates_a_private_local_secret(tmp_path: Path,
                                                              project: Path) -> None:
    from email import message_from_bytes, policy

    from newsletter.deliver._tokens import verify_token

    env = _env(None)
    run = [sys.executable, "-m", "newsletter.cli", "run", "--offline"]
    first = subprocess.run(run, capture_output=True, text=True, timeout=300, env=env,
                           cwd=project)
    assert first.returncode in (0, 1), first.stderr
    path = project / "var" / "secret"
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    assert first.stderr.count("generated a random signing secret") == 1
    key = path.read_text().strip().encode()
    assert len(key) >= 32
    eml = next((project / "var" / "outbox").rglob("*.eml"))
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    token = msg["List-Unsubscribe"].split("/unsubscribe/", 1)[1].split(">", 1)[0]
    assert verify_token(key, token, "unsub") is not None
    assert verify_token(b"ree-daily-development-secret-change-me", token, "unsub") is None
    again = subprocess.run([sys.executable, "-m", "newsletter.cli", "build"],
                           capture_output=True, text=True, timeout=300, env=env, cwd=project)
    assert again.returncode == 0, again.stderr
    assert "generated a random signing secret" not in again.stderr  # said once
    assert path.read_text().strip().encode() == key


# --- 5: Host allow-list, no redirect to a host from the request -------------------------

def test_unknown_host_gets_400_and_no_redirect_names_it(serve: Serve) -> None:
    base = f"http://127.0.0.1:{serve.port}"
    for path in ("/subscribe/", "/archive", "/", "/healthz"):
        r = httpx.get(base + path, headers={"Host": "evil.example"})
        assert r.status_code == 400, (path, r.status_code)
        assert "evil.example" not in r.headers.get("location", "")
    # the public name and loopback still work; no redirect ever points at the Host given
    assert httpx.get(base + "/healthz", headers={"Host": PUBLIC}).status_code in (200, 503)
    assert httpx.get(base + "/healthz").status_code in (200, 503)
    r = httpx.get(base + "/subscribe/", headers={"Host": PUBLIC})
    assert r.status_code == 404 and "location" not in r.headers
    r = httpx.get(base + "/archive", headers={"Host": PUBLIC})
    assert r.status_code == 308 and r.headers["location"] == "/archive/"
    raw = _raw(serve.port, b"GET /subscribe/ HTTP/1.0\r\n\r\n")  # no Host at all
    assert raw.startswith(b"HTTP/1.1 400")


# --- 6: slow requests ---------------------------------------------------------------------

def test_half_open_requests_are_closed_while_healthz_answers(serve: Serve) -> None:
    socks = []
    for i in range(100):
        s = socket.create_connection(("127.0.0.1", serve.port), timeout=5)
        if i % 2:  # half of them: headers never finished
            s.sendall(b"GET /archive/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        else:      # the others: a body that never comes
            s.sendall(b"POST /subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                      b"application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=")
        s.setblocking(False)
        socks.append(s)
    start = time.monotonic()
    closed: dict[int, float] = {}
    answers = []
    while len(closed) < len(socks) and time.monotonic() - start < 30:
        for i, s in enumerate(socks):
            if i in closed:
                continue
            try:
                data = s.recv(4096)
            except BlockingIOError:
                if i % 7 == 0:  # a byte now and then does not extend the deadline
                    try:
                        s.send(b"x")
                    except OSError:
                        closed[i] = time.monotonic() - start
                continue
            except OSError:
                data = b""
            if not data or b"408" in data:
                closed[i] = time.monotonic() - start
        r = httpx.get(f"http://127.0.0.1:{serve.port}/healthz", timeout=5)
        answers.append(r.status_code)
        time.sleep(0.5)
    for s in socks:
        s.close()
    assert len(closed) == 100, f"{100 - len(closed)} of 100 still open after 30 s"
    assert answers and all(code in (200, 503) for code in answers)


def test_one_client_cannot_hold_every_connection(tmp_path: Path) -> None:
    port = free_port()
    cfg = write_project(tmp_path, port, web_extra="max_connections_per_client = 5")
    # loopback is a trusted proxy by default (exempt); here it is an ordinary client
    s = Serve(cfg, port, _env(STRONG, FORWARDED_ALLOW_IPS="192.0.2.1"))
    try:
        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(5)]
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sixth:
            extra = sixth.recv(4096)  # answered and closed before it sends anything
        assert extra.startswith(b"HTTP/1.1 503"), extra[:100]
        for h in held:
            h.close()
        time.sleep(0.3)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code in (200, 503)
    finally:
        s.stop()
