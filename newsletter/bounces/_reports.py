"""Machine-readable reports: RFC 3464 delivery status notifications (and RFC 6533's
UTF-8 ``message/global-delivery-status``) and RFC 5965 ARF feedback reports.

Both are read field by field rather than through a generic scan: a DSN says per recipient
what happened (``Action``), why (``Status``, ``Diagnostic-Code``) and to whom
(``Original-Recipient``, ``Final-Recipient``).
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses, parseaddr

from ._text import STATUS_RE, find_status, header_text

_DSN_TYPES = ("message/delivery-status", "message/global-delivery-status")


@dataclass(frozen=True)
class DsnRecipient:
    """One per-recipient block of a DSN."""

    address: str
    action: str  # failed | delayed | delivered | relayed | expanded | ""
    status: str | None
    diagnostic: str | None


def _blocks(part: Message) -> list[Message]:
    """The header blocks of a delivery-status part, however it was encoded."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and all(isinstance(p, Message) for p in payload):
        blocks = list(payload)
        # A part that was base64/QP encoded arrives as one block with the text inside.
        if len(blocks) > 1 or any(k.lower() in ("action", "final-recipient")
                                  for k in blocks[0]):
            return blocks
    raw = part.get_payload(decode=True)
    if not isinstance(raw, bytes):
        raw = str(payload).encode("utf-8", "replace") if payload else b""
    return _blocks_from_text(raw.decode("utf-8", "replace"))


def _blocks_from_text(text: str) -> list[Message]:
    chunks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip())
    return [email.message_from_string(c.strip() + "\n\n") for c in chunks if c.strip()]


def _address(field: str) -> str:
    """The address of an ``rfc822; user@host`` (or bare / angle-bracketed) field."""
    value = " ".join(field.split())
    if ";" in value:
        addr_type, value = value.split(";", 1)
        if addr_type.strip().lower() not in ("rfc822", "utf-8", "x400", ""):
            # Another address type (x400, unknown): keep it only if it looks like mail.
            pass
    value = value.strip().strip("<>").strip()
    if value.lower().startswith("rfc822;"):  # doubled by some MTAs
        value = value[7:].strip().strip("<>")
    addr = parseaddr(value)[1] or value
    return addr if "@" in addr else ""


def dsn_parts(msg: Message) -> list[Message]:
    return [p for p in msg.walk() if p.get_content_type() in _DSN_TYPES]


def parse_dsn(msg: Message) -> list[DsnRecipient] | None:
    """The per-recipient blocks of every delivery-status part; None when there is none.

    Some MTAs label the status part text/plain; a multipart/report of report-type
    delivery-status whose second part has ``Final-Recipient`` fields is read the same way.
    """
    parts = dsn_parts(msg)
    if not parts and msg.get_content_type() == "multipart/report":
        for p in msg.walk():
            if p.get_content_type() == "text/plain":
                raw = p.get_payload(decode=True)
                if isinstance(raw, bytes) and re.search(rb"(?im)^final-recipient:", raw):
                    parts.append(p)
    if not parts:
        return None
    out: list[DsnRecipient] = []
    for part in parts:
        blocks = _blocks(part)
        for block in blocks:
            final = header_text(block, "final-recipient")
            original = header_text(block, "original-recipient")
            if not final and not original:
                continue  # the per-message block (Reporting-MTA, Arrival-Date)
            address = _address(original) or _address(final)
            if not address:
                address = _address(header_text(block, "x-actual-recipient"))
            action = header_text(block, "action").lower().split(" ")[0].strip("();")
            diagnostic = header_text(block, "diagnostic-code") or None
            if diagnostic and ";" in diagnostic[:12]:
                diagnostic = diagnostic.split(";", 1)[1].strip() or None
            status = None
            m = STATUS_RE.search(header_text(block, "status"))
            if m:
                status = ".".join(m.groups())
            if (status is None or status.startswith("2")) and diagnostic \
                    and action not in ("delivered", "relayed", "expanded"):
                status = find_status(diagnostic) or status
            out.append(DsnRecipient(address=address, action=action, status=status,
                                    diagnostic=diagnostic))
    return out


@dataclass(frozen=True)
class Feedback:
    """An RFC 5965 feedback report (what an ARF complaint says)."""

    feedback_type: str  # abuse | fraud | virus | not-spam | other | ...
    recipients: list[str]
    user_agent: str | None
    original: Message | None


def is_arf(msg: Message) -> bool:
    report_type = msg.get_param("report-type")
    if msg.get_content_type() == "multipart/report" and \
            isinstance(report_type, str) and report_type.lower() == "feedback-report":
        return True
    return any(p.get_content_type() == "message/feedback-report" for p in msg.walk())


def parse_arf(msg: Message) -> Feedback:
    """The feedback type and the complaining recipient of an ARF report.

    The recipient comes from ``Original-Rcpt-To`` (RFC 5965 3.2) when the provider sends
    it, else from the To of the enclosed original message. Providers often redact both;
    then the caller falls back on VERP (the enclosed message's Return-Path).
    """
    fields = Message()
    original: Message | None = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/feedback-report":
            blocks = _blocks(part)
            if blocks:
                fields = blocks[0]
        elif ctype == "message/rfc822" and original is None:
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                original = payload[0]
        elif ctype == "text/rfc822-headers" and original is None:
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                original = email.message_from_bytes(raw)
    recipients = [a for a in (_address(v) for v in fields.get_all("original-rcpt-to", [])) if a]
    if not recipients and original is not None:
        recipients = [a for _, a in getaddresses(original.get_all("to", [])) if "@" in a]
        if "redacted" in " ".join(recipients).lower():
            recipients = []
    return Feedback(feedback_type=header_text(fields, "feedback-type").lower() or "abuse",
                    recipients=recipients, user_agent=header_text(fields, "user-agent") or None,
                    original=original)
