"""Helpers the web tests share: the CSRF token of a form, the outbox's messages, polling."""

from __future__ import annotations

import email
import re
import time
from collections.abc import Callable
from email import policy
from pathlib import Path


def csrf(html: str) -> str:
    """The hidden CSRF token of the (first) form in ``html``."""
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def outbox_messages(root: Path) -> list[email.message.EmailMessage]:
    """Every message under ``root/var/outbox``, oldest first (file time)."""
    files = sorted((root / "var" / "outbox").rglob("*.eml"), key=lambda f: f.stat().st_mtime)
    return [email.message_from_bytes(f.read_bytes(), policy=policy.default)  # type: ignore[misc]
            for f in files]


def wait_for(pred: Callable[[], object], timeout: float = 5.0) -> bool:
    """Poll ``pred`` every 50 ms until it is true (True) or ``timeout`` s pass (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False
