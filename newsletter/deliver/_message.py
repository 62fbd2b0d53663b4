"""The message factory: the one place newsletter MIME messages are built.

Header values come from :mod:`._headers` (CR/LF refusal, RFC 2047, addresses) and the
DKIM signature from :mod:`._dkim`; this module lays out the MIME structure, encodes the
body and fills in the per-recipient values.

A :class:`MessageFactory` serializes the whole message ONCE per edition and list: headers,
MIME structure, the quoted-printable text and HTML parts and the base64 chart, with
per-recipient placeholders left in. ``build(recipient)`` then only computes a handful of
small values (To, Message-ID, the unsubscribe and preferences tokens and URLs, the
greeting) and joins pre-encoded byte segments. No premailer, no ``email.message`` and no
re-encoding of the body per subscriber: that is what makes 100,000 messages a matter of
seconds (``bench/render.py``). DKIM signing, when ``[delivery.dkim]`` is set, reuses the
skeleton too (a pre-canonicalized body, one SHA-256 and one signature per message).

Structure::

    multipart/alternative
     ├── text/plain; charset=utf-8            (quoted-printable)
     └── multipart/related; type="text/html"  (only when there is a chart)
          ├── text/html; charset=utf-8        (quoted-printable)
          └── image/png  (inline, Content-ID referenced as cid: from the HTML)

Why this layout rather than ``related[alternative[text, html], png]``: the image belongs to
the HTML alternative only (RFC 2387), which is how Apple Mail, Thunderbird and Outlook
themselves compose mail with inline images. Clients that show the text part then do not
list the PNG as an attachment, and Gmail, Outlook and Apple Mail all resolve the ``cid:``
reference inside the nested related part. The other layout makes several clients (older
Outlook, some webmail) show the image as a separate attachment.

Encoding: both text parts are quoted-printable, so the message is 7-bit clean (no 8BITMIME
needed) and no line exceeds 76 characters whatever the HTML looks like after inlining.
Every placeholder sits alone on its own soft-broken line (``=\\r\\n%%KEY%%=\\r\\n``), so a
substituted value is quoted-printable-encoded on its own and can never split an escape or
make a line too long.

Headers are written by hand on one line each (RFC 5322 allows 998; the limit we keep);
only Subject and a non-ASCII display name in To are RFC 2047 encoded-words (folded between
words). An internationalised address keeps its UTF-8 local part in To (RFC 6532); such a
message goes out with SMTPUTF8. List-Unsubscribe and List-Unsubscribe-Post are plain
ASCII on one line, as RFC 8058 one-click unsubscribe requires (and both are in the DKIM
``h=`` list when signing). A CR or LF in any header value raises
:class:`~newsletter.exceptions.HeaderInjectionError` before anything is written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser, Parser
from email.utils import format_datetime, parseaddr
from itertools import chain
from typing import Any

from .._placeholders import TOKEN_RE, personal
from ..config import Config
from ..exceptions import ConfigError
from ..types import RenderedEdition
from ._dkim import DkimSigner, dkimpy_sign, relaxed_body
from ._headers import format_address, header_address, phrase, refuse_line_breaks, subject_header
from ._tokens import make_token

__all__ = ["AlertMessageFactory", "MessageFactory", "Recipient"]

CRLF = b"\r\n"
_QP_LINE = 74          # longest encoded value line before a soft break (+ "=" = 75 < 76)
_B64_LINE = 76
_SAFE_VALUE = re.compile(rb"[\x20-\x3c\x3e-\x7e]*")   # printable ASCII except "="


@dataclass(frozen=True)
class Recipient:
    """One subscriber as the message factory needs them.

    Attributes:
        id: the subscriber's id in the store (goes into the unsubscribe token and
            Message-ID).
        email: the address (ASCII local part; an internationalized domain is IDNA-encoded).
        name: display name, may be empty or non-ASCII.
        list_name: the list the message is sent for (informational: the factory's
            list decides the List-Id and the unsubscribe token).
    """

    id: int
    email: str
    name: str = ""
    list_name: str = "daily"


# --- quoted-printable helpers -------------------------------------------------------------

def _qp_literal(text: str) -> bytes:
    """QP-encode a stretch of body between placeholders; its last line is kept short
    enough that a following soft break stays within 76 characters."""
    out = binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=True, header=False)
    out = out.replace(b"\r\n", b"\n").replace(b"\n", CRLF)
    head, sep, last = out.rpartition(CRLF)
    if len(last) > 75:
        cut = 74
        while b"=" in last[cut - 2:cut]:   # never split an =XX escape
            cut -= 1
        last = last[:cut] + b"=" + CRLF + last[cut:]
    return head + sep + last


def _qp_value(value: str) -> bytes:
    """QP-encode a substituted value: lines of at most 74 characters joined by soft breaks."""
    raw = value.encode("utf-8")
    if _SAFE_VALUE.fullmatch(raw):
        if len(raw) <= _QP_LINE:
            return raw
        return b"=\r\n".join(raw[i:i + _QP_LINE] for i in range(0, len(raw), _QP_LINE))
    lines, line = [], b""
    for byte in raw:
        tok = bytes((byte,)) if 0x20 <= byte <= 0x7e and byte != 0x3d else b"=%02X" % byte
        if len(line) + len(tok) > _QP_LINE:
            lines.append(line)
            line = b""
        line += tok
    lines.append(line)
    return b"=\r\n".join(lines)


def _qp_part(text: str, prefix: str) -> bytes:
    """A whole part as QP with every ``%%KEY%%`` renamed ``%%<prefix>_KEY%%`` and isolated
    on its own soft-broken line."""
    pieces: list[bytes] = []
    pos = 0
    for m in TOKEN_RE.finditer(text):
        pieces.append(_qp_literal(text[pos:m.start()]))
        pieces.append(b"=\r\n%%" + f"{prefix}_{m.group(1)}".encode("ascii") + b"%%=\r\n")
        pos = m.end()
    pieces.append(_qp_literal(text[pos:]))
    body = b"".join(pieces)
    return body if body.endswith(CRLF) else body + CRLF


def _b64_lines(data: bytes) -> bytes:
    enc = base64.b64encode(data)
    return CRLF.join(enc[i:i + _B64_LINE] for i in range(0, len(enc), _B64_LINE)) + CRLF


_SEGMENT_RE = re.compile(rb"%%([A-Z][A-Z_]*)%%")


class _Skeleton:
    """Pre-encoded message bytes split at placeholders: literal, key, literal, ..."""

    __slots__ = ("keys", "literals", "tail")

    def __init__(self, data: bytes) -> None:
        parts = _SEGMENT_RE.split(data)
        self.literals = parts[0:-1:2]
        self.keys = [k.decode("ascii") for k in parts[1::2]]
        self.tail = parts[-1]

    def fill(self, values: dict[str, bytes]) -> bytes:
        return b"".join(chain.from_iterable(
            zip(self.literals, [values[k] for k in self.keys], strict=True))) + self.tail


# --- the factory ---------------------------------------------------------------------------

class MessageFactory:
    """Builds the complete RFC 5322 message of one edition for each subscriber of a list.

    Args:
        rendered: the edition rendered for this list (``render.render_edition``).
        config: the project configuration (addresses, public URL, DKIM).
        list_name: the list being sent.
        secret: HMAC key for unsubscribe and preferences tokens and Message-IDs
            (``Config.secret()``).
        now: the Date header's time (seconds since the epoch); default: now.
        dkim_key: PEM private key to sign with; default ``Config.dkim_private_key()`` when
            ``[delivery.dkim]`` names a selector and domain.

    Raises:
        HeaderInjectionError: the subject, From or Reply-To contains CR or LF.
        ConfigError: the list is not configured, or DKIM is configured without a key.
    """

    def __init__(self, rendered: RenderedEdition, *, config: Config, list_name: str,
                 secret: bytes, now: float | None = None,
                 dkim_key: bytes | None = None) -> None:
        self.rendered = rendered
        self.config = config
        self.list_name = list_name
        self.secret = secret
        list_settings = config.list_settings(list_name)
        settings = config.newsletter
        self.from_header = header_address(list_settings.from_address or settings.from_address,
                                          "From")
        reply_to = list_settings.reply_to or settings.reply_to
        self.reply_to_header = header_address(reply_to, "Reply-To") if reply_to else None
        from_addr = parseaddr(self.from_header)[1]
        self.domain = from_addr.rsplit("@", 1)[1].lower()
        self.public_url = settings.public_url
        self.unsub_mailto = settings.unsubscribe_mailto or f"unsubscribe@{self.domain}"
        refuse_line_breaks(self.unsub_mailto, "unsubscribe mailto")
        self.list_id = refuse_line_breaks(config.list_id(list_name), "List-Id")
        # the list's own name when it has one ("REE Weekly"), else the newsletter's
        self._list_title = refuse_line_breaks(list_settings.name or settings.title,
                                              "list name")
        self._list_label = re.sub(r"[^A-Za-z0-9_-]", "-", list_name) or "list"
        self._date_compact = rendered.date.replace("-", "")
        self._now = now if now is not None else time.time()
        self._date_header = format_datetime(datetime.fromtimestamp(self._now, UTC))
        self._subjects = {False: subject_header(rendered.subject),
                          True: subject_header("[TEST] " + rendered.subject)}
        dkim = config.delivery.dkim
        self._dkim: tuple[bytes, bytes, bytes] | None = None
        self._fast_dkim: DkimSigner | None = None
        if dkim.enabled:
            key = dkim_key or config.dkim_private_key()
            if not key:
                raise ConfigError("[delivery.dkim] is set but no private key was given",
                                  hint="set NEWSLETTER_DKIM_KEY_FILE to the PEM key file")
            self._dkim = (str(dkim.selector).encode(), str(dkim.domain).encode(), key)
            try:
                self._fast_dkim = DkimSigner(
                    self._dkim[0], self._dkim[1], key, int(self._now))
            except ImportError:          # no `cryptography`: dkimpy signs (slowly)
                self._fast_dkim = None
            except ValueError as exc:
                raise ConfigError(f"the DKIM key cannot be loaded: {exc}",
                                  hint="NEWSLETTER_DKIM_KEY_FILE must name an unencrypted "
                                       "PEM private key (RSA or Ed25519)") from None
        elif dkim_key:
            raise ConfigError("a DKIM key was given but [delivery.dkim] has no selector "
                              "and domain")
        self._body = self._encode_body()
        self._skeletons: dict[bool, _Skeleton] = {}
        self._canon: dict[bool, _Skeleton] = {}     # relaxed-canonical body, for DKIM
        self._html_keys = sorted(set(TOKEN_RE.findall(rendered.html)))
        self._text_keys = sorted(set(TOKEN_RE.findall(rendered.text)))
        self._wants_prefs = "PREFS_URL" in self._html_keys or "PREFS_URL" in self._text_keys

    # --- once per edition --------------------------------------------------------------
    def _boundaries(self) -> tuple[str, str]:
        h = hashlib.sha256(f"{self.rendered.date}|{self.list_name}|".encode()
                           + self.rendered.html.encode()).hexdigest()
        # "=_" can never occur in quoted-printable or base64 text
        return f"=_alt_{h[:24]}", f"=_rel_{h[24:48]}"

    def _encode_body(self) -> bytes:
        r = self.rendered
        alt, rel = self._boundaries()
        text = _qp_part(r.text, "TEXT")
        html_qp = _qp_part(r.html, "HTML")
        qp_headers = (b'Content-Type: %s; charset="utf-8"\r\n'
                      b"Content-Transfer-Encoding: quoted-printable\r\n\r\n")
        out = [b'Content-Type: multipart/alternative; boundary="' + alt.encode() + b'"\r\n',
               b"\r\n",
               b"--" + alt.encode() + CRLF, qp_headers % b"text/plain", text]
        if r.chart_png and r.chart_cid:
            fname = self._chart_filename().encode()
            out += [b"--" + alt.encode() + CRLF,
                    b'Content-Type: multipart/related; type="text/html";\r\n'
                    b' boundary="' + rel.encode() + b'"\r\n\r\n',
                    b"--" + rel.encode() + CRLF, qp_headers % b"text/html", html_qp,
                    b"--" + rel.encode() + CRLF,
                    b'Content-Type: image/png; name="' + fname + b'"\r\n',
                    b"Content-Transfer-Encoding: base64\r\n",
                    b"Content-ID: <" + r.chart_cid.encode("ascii") + b">\r\n",
                    b'Content-Disposition: inline; filename="' + fname + b'"\r\n\r\n',
                    _b64_lines(r.chart_png),
                    b"--" + rel.encode() + b"--\r\n"]
        else:
            out += [b"--" + alt.encode() + CRLF, qp_headers % b"text/html", html_qp]
        out.append(b"--" + alt.encode() + b"--\r\n")
        return b"".join(out)

    def _chart_filename(self) -> str:
        return f"creia-index-{self._date_compact}.png"

    def _skeleton(self, test: bool) -> _Skeleton:
        sk = self._skeletons.get(test)
        if sk is None:
            lines = [f"From: {self.from_header}", "To: %%H_TO%%"]
            if self.reply_to_header:
                lines.append(f"Reply-To: {self.reply_to_header}")
            lines += [
                f"Subject: {self._subjects[test]}",
                f"Date: {self._date_header}",
                "Message-ID: %%H_MSGID%%",
                "MIME-Version: 1.0",
                f"List-Id: {phrase(self._list_title)} <{self.list_id}>",
                f"List-Unsubscribe: <%%H_UNSUB%%>, "
                f"<mailto:{self.unsub_mailto}?subject=unsubscribe%20%%H_TOKEN%%>",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            ]
            head = CRLF.join(x.encode("ascii") for x in lines) + CRLF
            sk = self._skeletons[test] = _Skeleton(head + self._body)
            if self._fast_dkim is not None and test not in self._canon:
                # self._body starts with the top-level Content-Type header: skip it
                body = self._body.split(b"\r\n\r\n", 1)[1]
                self._canon[test] = _Skeleton(relaxed_body(body))
        return sk

    # --- per recipient -------------------------------------------------------------------
    def message_id(self, recipient: Recipient) -> str:
        """Deterministic per (edition date, list, subscriber):
        ``<20261124.daily.42.1a2b3c4d@domain>``."""
        mac = hmac.new(self.secret, f"msgid|{self.rendered.date}|{self.list_name}|"
                       f"{recipient.id}".encode(), hashlib.sha256).hexdigest()[:8]
        return f"<{self._date_compact}.{self._list_label}.{recipient.id}.{mac}@{self.domain}>"

    def unsubscribe_token(self, recipient: Recipient) -> str:
        """The signed token of the recipient's unsubscribe links."""
        return make_token(self.secret, "unsub", self.list_name, recipient.id,
                          now=self._now, issued=self._now - self._now % 86400)

    def unsubscribe_url(self, recipient: Recipient) -> str:
        """``PUBLIC/unsubscribe/TOKEN`` (also the RFC 8058 one-click POST target)."""
        return f"{self.public_url}/unsubscribe/{self.unsubscribe_token(recipient)}"

    def preferences_token(self, recipient: Recipient) -> str:
        """The signed token of the recipient's "Manage preferences" link (no expiry; its
        issue date, the day of the build, makes the page ask for a fresh link once it is
        older than ``[web] preferences_max_age_days``)."""
        return make_token(self.secret, "prefs", self.list_name, recipient.id,
                          now=self._now, issued=self._now - self._now % 86400)

    def preferences_url(self, recipient: Recipient) -> str:
        """``PUBLIC/preferences/TOKEN``."""
        return f"{self.public_url}/preferences/{self.preferences_token(recipient)}"

    def values(self, recipient: Recipient) -> dict[str, str]:
        """The raw value of every body placeholder for this recipient."""
        return {**personal(recipient.name), "UNSUB_URL": self.unsubscribe_url(recipient),
                "PREFS_URL": self.preferences_url(recipient)}

    def build(self, recipient: Recipient, *, test: bool = False) -> bytes:
        """The complete message for one recipient, as bytes with CRLF line endings.

        Args:
            recipient: the subscriber.
            test: prefix the subject with ``[TEST] `` (a test copy).

        Raises:
            HeaderInjectionError: the name or address contains CR or LF.
            SendError: the address is unusable (no ``@``, or a bad internationalised domain).
        """
        to = format_address(recipient.name, recipient.email, what="To")
        token = self.unsubscribe_token(recipient)
        unsub = f"{self.public_url}/unsubscribe/{token}"
        raw = {**personal(recipient.name), "UNSUB_URL": unsub}
        if self._wants_prefs:   # a custom template may not link the preferences page
            raw["PREFS_URL"] = self.preferences_url(recipient)
        vals: dict[str, bytes] = {
            "H_TO": to.encode("utf-8"),  # CRLF only as RFC 5322 folding; UTF-8: RFC 6532
            "H_MSGID": self.message_id(recipient).encode("ascii"),
            "H_UNSUB": unsub.encode("ascii"),
            "H_TOKEN": token.encode("ascii"),
        }
        for key in self._html_keys:
            vals["HTML_" + key] = _qp_value(html.escape(raw.get(key, ""), quote=True))
        for key in self._text_keys:
            vals["TEXT_" + key] = _qp_value(raw.get(key, ""))
        msg = self._skeleton(test).fill(vals)
        if self._fast_dkim is not None:
            body_hash = hashlib.sha256(self._canon[test].fill(vals)).digest()
            head = msg[:msg.index(b"\r\n\r\n") + 2]
            headers = [(name, value) for name, value in
                       (h.split(b":", 1) for h in re.split(rb"\r\n(?![ \t])", head[:-2]))]
            msg = self._fast_dkim.header(headers, body_hash) + msg
        elif self._dkim is not None:
            msg = self._sign(msg)
        return msg

    def _sign(self, msg: bytes) -> bytes:
        selector, domain, key = self._dkim  # type: ignore[misc]
        return dkimpy_sign(msg, selector, domain, key)

    def sample(self, recipient: Recipient | None = None) -> dict[str, Any]:
        """The personalised HTML and text of one recipient as str (previews, files)."""
        from .._placeholders import substitute

        r = recipient or Recipient(id=0, email=f"reader@{self.domain}", name="",
                                   list_name=self.list_name)
        vals = self.values(r)
        return {"html": substitute(self.rendered.html, vals, html_escape=True),
                "text": substitute(self.rendered.text, vals, html_escape=False)}


class AlertMessageFactory(MessageFactory):
    """The messages of one price alert (``render.render_alert``) to an alerts list.

    As :class:`MessageFactory` (List-Id, unsubscribe and preferences links of the list),
    but the Message-ID names the alert's ledger unit, so two alerts of one day to one
    subscriber get two Message-IDs: ``<20261126.alerts-dy_oxide.42.1a2b3c4d@domain>``
    (``bounces._verp.verify_message_id`` reads it).

    Args:
        unit: the ledger unit, ``"LIST+COMMODITY"`` (``store._alerts.alert_unit``).
    """

    def __init__(self, rendered: RenderedEdition, *, config: Config, list_name: str,
                 unit: str, secret: bytes, now: float | None = None,
                 dkim_key: bytes | None = None) -> None:
        self.unit = unit
        super().__init__(rendered, config=config, list_name=list_name, secret=secret,
                         now=now, dkim_key=dkim_key)
        self._unit_label = re.sub(r"[^A-Za-z0-9_-]", "-", unit) or "alert"

    def _chart_filename(self) -> str:
        return f"{self.unit.rsplit('+', 1)[-1].replace('_', '-')}-30d-{self._date_compact}.png"

    def message_id(self, recipient: Recipient) -> str:
        label = self._unit_label
        mac = hmac.new(self.secret, f"msgid|{self.rendered.date}|{label}|"
                       f"{recipient.id}".encode(), hashlib.sha256).hexdigest()[:8]
        return f"<{self._date_compact}.{label}.{recipient.id}.{mac}@{self.domain}>"


def message_parts(raw: bytes) -> tuple[EmailMessage, str | None, str | None]:
    """Parse a built message: ``(message, html body, plain-text body)`` (None when absent).

    The preview and ``sample_parts`` read messages through this one function. A message to
    an internationalised address has UTF-8 headers (RFC 6532), which the bytes parser
    would mangle, so such a message is decoded first.
    """
    if raw.isascii():
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    else:
        msg = Parser(policy=policy.default).parsestr(raw.decode("utf-8", "replace"))
    assert isinstance(msg, EmailMessage)
    html_part = msg.get_body(preferencelist=("html",))
    text_part = msg.get_body(preferencelist=("plain",))
    return (msg, str(html_part.get_content()) if html_part is not None else None,
            str(text_part.get_content()) if text_part is not None else None)
