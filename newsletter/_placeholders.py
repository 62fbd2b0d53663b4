"""Per-subscriber placeholders: ASCII tokens rendered into the edition once, replaced per
subscriber by plain string substitution (``deliver._message.MessageFactory`` does it on
bytes).

A token is ``%%NAME%%`` (``%``, capitals and ``_``): it survives Jinja autoescaping,
premailer/lxml serialization (in text and in ``href`` attributes) and quoted-printable
encoding unchanged, and it cannot occur in an edition by accident because rendering escapes
any ``%%`` that comes from the edition's data (see :func:`neutralize`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

#: Placeholder names and their tokens.
GREETING = "%%GREETING%%"
HELLO = "%%HELLO%%"
NAME = "%%NAME%%"
UNSUB_URL = "%%UNSUB_URL%%"
PREFS_URL = "%%PREFS_URL%%"
TOKENS: dict[str, str] = {"GREETING": GREETING, "HELLO": HELLO, "NAME": NAME,
                          "UNSUB_URL": UNSUB_URL, "PREFS_URL": PREFS_URL}

TOKEN_RE = re.compile(r"%%([A-Z][A-Z_]*)%%")


def _one_line(name: str | None) -> str:
    return " ".join((name or "").split())


def greeting(name: str | None) -> str:
    """``"Good morning, Ana"``, or ``"Good morning"`` when there is no name: the daily
    edition's opening (it goes out in the morning)."""
    name = _one_line(name)
    return f"Good morning, {name}" if name else "Good morning"


def hello(name: str | None) -> str:
    """``"Hello, Ana"``, or ``"Hello"``: the opening of mail that goes out at any hour (a
    price alert after a collect, the Friday-afternoon recap)."""
    name = _one_line(name)
    return f"Hello, {name}" if name else "Hello"


def personal(name: str | None) -> dict[str, str]:
    """The raw values of the name placeholders (``GREETING``, ``HELLO``, ``NAME``): the
    one place that says what a subscriber's name turns into."""
    return {"GREETING": greeting(name), "HELLO": hello(name), "NAME": _one_line(name)}


def neutralize(text: str) -> str:
    """Break any ``%%`` in data so it can never be mistaken for a token."""
    return text.replace("%%", "%\u200b%") if "%%" in text else text


def values_for(name: str | None, unsub_url: str, prefs_url: str = "") -> dict[str, str]:
    """The raw (unescaped) value of every placeholder for one subscriber."""
    return {**personal(name), "UNSUB_URL": unsub_url, "PREFS_URL": prefs_url}


def substitute(text: str, values: Mapping[str, str], *, html_escape: bool) -> str:
    """Replace every token in ``text``; values are HTML-escaped when ``html_escape``.

    Unknown tokens are left alone. This is the simple (str) path, used by previews and
    tests; mail sending substitutes on pre-encoded bytes.
    """
    def repl(m: re.Match[str]) -> str:
        v = values.get(m.group(1))
        if v is None:
            return m.group(0)
        return html.escape(v, quote=True) if html_escape else v
    return TOKEN_RE.sub(repl, text)


def unresolved(text: str) -> list[str]:
    """Tokens still present in ``text`` (should be empty after substitution)."""
    return TOKEN_RE.findall(text)
