"""The service's log format: one ``key=value`` line per event (journald-friendly).

:func:`kv` writes the event part (``event=job_done job=build``); the scheduler, the leader
election, the service and the public web app log through it. :class:`KeyValueFormatter`
adds the level and logger name and turns a traceback into one line.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import Any

_QUOTED = re.compile(r'[ "=]')
_NEWLINE = re.compile(r"[\n\r]")


def kv(event: str, **fields: Any) -> str:
    """One log line as ``event=... key=value ...``; values with spaces are quoted."""
    parts = [f"event={event}"]
    for k, v in fields.items():
        if v is None:
            continue
        text = v.isoformat() if isinstance(v, datetime | date) else str(v)
        if _NEWLINE.search(text):
            text = text.replace("\n", " ").replace("\r", " ")
        if not text or _QUOTED.search(text):
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f"{k}={text}")
    return " ".join(parts)


class KeyValueFormatter(logging.Formatter):
    """``level=info logger=newsletter.service event=...``: one line, journald-friendly."""

    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage().replace("\n", " ")
        if not msg.startswith("event="):
            msg = kv("log", msg=msg)
        line = f"level={record.levelname.lower()} logger={record.name} {msg}"
        if record.exc_info:
            exc = self.formatException(record.exc_info).replace("\n", " | ")
            line += " " + kv("x", traceback=exc)[len("event=x "):]
        return line
