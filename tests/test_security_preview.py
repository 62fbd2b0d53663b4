"""Security of `newsletter preview` (issue 12): bound to anything but loopback it answers
only requests that carry its access token, the Host check is never off, and malformed
subscriber ids get 400, not 500."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.web.preview import make_preview_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_preview import _edition, serve  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 24)
AS_OF = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
ROUTES = ["/", f"/?date={DAY}", f"/_email?date={DAY}&list=daily&sub=sample",
          f"/_source?date={DAY}&list=daily&sub=sample", "/_reload?since=0",
          f"/_cid/chart?date={DAY}", "/nope"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def stored(project: Path) -> Iterator[Path]:
    nl = Newsletter(load_config(project / "newsletter.toml"))
    nl.store.save_edition(DAY, _edition(), as_of=AS_OF, html_size=None, stories=[],
                          now=AS_OF)
    nl.store.add_subscriber("daily", "secret.reader@example.com", "Secret Reader",
                            now=AS_OF)
    nl.close()
    yield project


@pytest.fixture
def wildcard_preview(stored: Path) -> Iterator[tuple[str, str]]:
    """`newsletter preview --host 0.0.0.0` as a real process: (base URL, printed URL)."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "newsletter.cli", "preview", "--host",
                             "0.0.0.0", "--port", str(port)], cwd=stored, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(base + "/_reload", timeout=1)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, first
                time.sleep(0.1)
        yield base, first
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


def test_a_non_loopback_preview_needs_its_access_token(wildcard_preview) -> None:
    base, printed = wildcard_preview
    port = base.rsplit(":", 1)[1]
    # DNS rebinding: a page of evil.example resolving to this machine
    r = httpx.get(base + "/", headers={"Host": f"evil.example:{port}"})
    assert r.status_code == 421 and "secret.reader" not in r.text
    m = re.search(r"http://\S+:\d+/\?token=([A-Za-z0-9_-]{20,})", printed)
    assert m, printed
    token = m.group(1)
    r = httpx.get(f"{base}/?token={token}", headers={"Host": f"evil.example:{port}"})
    assert r.status_code == 421 and "set-cookie" not in r.headers
    # without the token nothing is shown, whatever the route or method
    for path in ROUTES:
        r = httpx.get(base + path)
        assert r.status_code == 401, path
        assert "secret.reader" not in r.text and "REE Daily" not in r.text
    for path in ("/edit", "/approve", "/send-test", "/rebuild"):
        r = httpx.post(base + path, data={"date": DAY.isoformat(), "action": "note",
                                          "text": "pwned", "address": "x@example.com"})
        assert r.status_code == 401, path
    assert httpx.get(f"{base}/?token=wrong{token}").status_code == 401
    assert httpx.get(base + "/", cookies={"ree_preview_access": "guess"}).status_code == 401
    # the printed link sets the cookie once and drops the token from the address bar
    r = httpx.get(f"{base}/?token={token}&date={DAY}")
    assert r.status_code == 303 and r.headers["location"] == f"/?date={DAY}"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    with httpx.Client(base_url=base, cookies=r.cookies) as c:
        page = c.get("/")
        assert page.status_code == 200 and "secret.reader" in page.text
        assert c.get(ROUTES[3]).status_code == 200


@pytest.mark.parametrize("sub", ["%C2%B2", "99999999999999999999", "%D9%A3", "1" * 40])
def test_malformed_subscriber_ids_get_400(stored: Path, sub: str) -> None:
    nl = Newsletter(load_config(stored / "newsletter.toml"))
    try:
        with serve(make_preview_app(nl)) as base:
            for route in ("/_source", "/_email", "/", "/_cid/chart"):
                r = httpx.get(f"{base}{route}?date={DAY}&list=daily&sub={sub}")
                assert r.status_code == 400, (route, r.status_code, r.text[:200])
    finally:
        nl.close()
