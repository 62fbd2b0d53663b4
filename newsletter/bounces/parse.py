"""One function over raw bytes: what a mail that came back to the bounce address says.

``parse_bounce(raw) -> BounceResult`` with ``kind`` one of

* ``hard``: a permanent failure (RFC 3463 class 5, or wording such as "user unknown");
* ``soft``: a temporary one (class 4, delayed, mailbox full, "will retry");
* ``complaint``: an RFC 5965 ARF feedback report (someone pressed "this is spam");
* ``auto-reply``: a vacation or other automatic answer (RFC 3834), never a bounce;
* ``not-bounce``: an ordinary mail, a read receipt, a "delivered" DSN;
* ``unknown``: it looks like a bounce, but names nobody we can act on.

Detectors, most authoritative first: ARF; RFC 3464 DSNs read field by field (Action,
Status, Diagnostic-Code, Original-/Final-Recipient); automatic replies; flufl.bounce
(Mailman's detectors for Postfix, Exim, qmail, Yahoo, Exchange and many other
non-standard formats); then our own reading of the notice text and of the returned copy
of the original message. The VERP token of the address the bounce was delivered to
(``bounces+TOKEN@...``) is reported on its own: it identifies the subscriber even when
nothing else does (see :mod:`newsletter.bounces._verp`).
"""

from __future__ import annotations

import email
import hashlib
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.utils import getaddresses
from typing import Any

from . import _text
from ._reports import is_arf, parse_arf, parse_dsn
from ._verp import find_token

__all__ = ["KINDS", "BounceResult", "RecipientFailure", "parse_bounce"]

KINDS = ("hard", "soft", "complaint", "auto-reply", "not-bounce", "unknown")
log = logging.getLogger(__name__)
_MAX_BYTES = 10 * 1024 * 1024  # a bounce bigger than this is read only up to here


@dataclass(frozen=True)
class RecipientFailure:
    """What happened to one recipient."""

    address: str
    kind: str
    status: str | None = None
    diagnostic: str | None = None


@dataclass(frozen=True)
class BounceResult:
    """The reading of one bounce mail.

    Attributes:
        kind: one of :data:`KINDS`.
        recipients: the addresses concerned (failed, complained), as the report spells them.
        status: the RFC 3463 status of the first failure ("5.1.1"), or None.
        diagnostic: the remote server's words (Diagnostic-Code or the notice line), or None.
        failures: per recipient kind/status/diagnostic (a DSN can mix hard and soft).
        verp_token: the token of the ``bounces+TOKEN@`` address it was delivered to.
        detector: which detector decided ("arf", "dsn", "flufl:Postfix", "text", ...).
        message_id: the bounce's own Message-ID (for idempotent storage).
        sha256: hash of the raw bytes (idempotency when there is no Message-ID).
        feedback_type: ARF Feedback-Type for complaints.
        original_message_id: the Message-ID of the returned copy of our message (ours
            are signed: ``deliver.MessageFactory.message_id``), or None.
    """

    kind: str
    recipients: tuple[str, ...] = ()
    status: str | None = None
    diagnostic: str | None = None
    failures: tuple[RecipientFailure, ...] = ()
    verp_token: str | None = None
    detector: str = "none"
    message_id: str | None = None
    sha256: str = ""
    feedback_type: str | None = None
    original_message_id: str | None = None
    subject: str | None = field(default=None, compare=False)

    def to_json(self, file: str | None = None) -> dict[str, Any]:
        """The ``newsletter bounces parse --json`` object."""
        return {"file": file, "kind": self.kind, "recipients": list(self.recipients),
                "status": self.status, "diagnostic": self.diagnostic}


def _clean(addr: str) -> str:
    addr = addr.strip().strip("<>\"'.,;:()[]").strip()
    if addr.lower().startswith("mailto:"):
        addr = addr[7:]
    return addr


def _valid(addr: str) -> bool:
    local, _, domain = addr.rpartition("@")
    return bool(local) and "." in domain and " " not in addr and len(addr) <= 254


def _dedupe(addrs: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for a in addrs:
        a = _clean(a)
        if a and a.lower() not in seen:
            seen[a.lower()] = a
    return tuple(seen.values())


def parse_bounce(raw: bytes) -> BounceResult:
    """Read one mail that came back to the bounce address.

    Args:
        raw: the message as received (RFC 5322 bytes; an mbox "From " line is allowed).

    Returns:
        A :class:`BounceResult`; never raises for malformed input (a mail the parser cannot
        read at all is ``unknown`` when it came to a VERP address, else ``not-bounce``).
    """
    raw = raw[:_MAX_BYTES]
    digest = hashlib.sha256(raw).hexdigest()
    if raw.startswith(b"From "):  # an mbox separator line
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    base: dict[str, Any] = {
        "verp_token": find_token(msg),
        "message_id": (_text.header_text(msg, "message-id").strip("<> ") or None),
        "sha256": digest,
        "subject": _text.header_text(msg, "subject") or None,
    }
    try:
        return _classify(msg, base)
    except Exception:  # hostile input must not stop a mailbox run; say so and go on
        log.exception("bounce parser failed on message %s", base["message_id"])
        return BounceResult(kind="unknown", detector="error", **base)


def _classify(msg: Message, base: dict[str, Any]) -> BounceResult:
    # 1. ARF feedback report: a complaint (or a not-spam / auth-failure report).
    if is_arf(msg):
        fb = parse_arf(msg)
        if fb.original is not None:
            base["verp_token"] = base["verp_token"] or find_token(fb.original)
            base["original_message_id"] = _mid(fb.original)
        if fb.feedback_type in ("not-spam", "auth-failure", "dkim", "dmarc"):
            return BounceResult(kind="not-bounce", detector="arf", feedback_type=fb.feedback_type,
                                **base)
        recips = _dedupe(fb.recipients)
        return BounceResult(kind="complaint", recipients=recips, detector="arf",
                            feedback_type=fb.feedback_type,
                            failures=tuple(RecipientFailure(a, "complaint") for a in recips),
                            diagnostic=f"feedback-type {fb.feedback_type}"
                            + (f" from {fb.user_agent}" if fb.user_agent else ""), **base)
    report_type = (msg.get_param("report-type") or "") if msg.get_content_type() == \
        "multipart/report" else ""
    if str(report_type).lower() == "disposition-notification" and not re.search(
            r"(?im)^disposition:.*(?:deleted|rejected|failed|error)", _mdn_text(msg)):
        # A read receipt (RFC 8098); one that says "deleted"/"rejected" is a Sieve or
        # quota rejection and is read as a bounce below.
        return BounceResult(kind="not-bounce", detector="mdn", **base)

    text = _text.text_parts(msg)
    notice, inline_copy = _text.split_returned(text)
    original = _text.returned_message(msg)
    if original is None and inline_copy:
        original = _text.inline_returned_headers("original message follows\n" + inline_copy)
    if original is not None:
        base["original_message_id"] = _mid(original)

    # 2. RFC 3464 DSN.
    blocks = parse_dsn(msg)
    if blocks:
        result = _from_dsn(msg, blocks, notice, base)
        if result is not None:
            return result

    # 3. Automatic replies, before the heuristic detectors can misread them.
    signal = _text.autoreply_signal(msg)
    bounce_like = _text.bounce_signal(msg)
    if signal == "strong" and not bounce_like:
        return BounceResult(kind="auto-reply", detector="auto-reply", **base)

    # 4. flufl.bounce's detectors.
    result = _from_flufl(msg, notice, base)
    if result is not None:
        return result
    if signal and not msg.get("x-failed-recipients") and (signal == "strong"
                                                         or not bounce_like):
        return BounceResult(kind="auto-reply", detector="auto-reply", **base)

    # 5. Our reading of the notice and the returned message.
    if bounce_like or base["verp_token"]:
        result = _from_text(msg, notice, inline_copy, bounce_like, base)
        if result.kind != "unknown" or bounce_like or not _text.autoreply_body(text):
            return result
    if _text.autoreply_body(text):
        return BounceResult(kind="auto-reply", detector="auto-reply", **base)
    # Hotmail's old JMRP complaint: the reported mail attached, the reader in a header.
    if original is not None and original.get("x-hmxmroriginalrecipient"):
        addr = _text.header_text(original, "x-hmxmroriginalrecipient").strip("<>")
        return BounceResult(kind="complaint", recipients=(addr,), detector="jmrp",
                            failures=(RecipientFailure(addr, "complaint"),),
                            feedback_type="abuse", diagnostic="Hotmail JMRP complaint",
                            **base)
    return BounceResult(kind="not-bounce", detector="none", **base)


def _mid(msg: Message) -> str | None:
    value = _text.header_text(msg, "message-id").strip()
    return value or None


def _mdn_text(msg: Message) -> str:
    for part in msg.walk():
        if part.get_content_type() == "message/disposition-notification":
            payload = part.get_payload()
            if isinstance(payload, list):
                return "\n".join(str(b) for b in payload)
            return str(payload)
    return ""


def _fallback_recipient(msg: Message, inline_copy: str = "") -> list[str]:
    original = _text.returned_message(msg)
    if original is None and inline_copy:
        original = _text.inline_returned_headers("original message follows\n" + inline_copy)
    return _text.returned_recipients(original) if original is not None else []


def _from_dsn(msg: Message, blocks: list[Any], notice: str,
              base: dict[str, Any]) -> BounceResult | None:
    failures: list[RecipientFailure] = []
    for b in blocks:
        action = b.action
        if action in ("delivered", "relayed", "expanded"):
            continue
        if action not in ("failed", "delayed", "error", "failure") and not (
                b.status and b.status[0] in "45"):
            continue
        if action == "delayed":
            kind = "soft"
        elif action in ("failed", "error", "failure"):
            # The reporting MTA gave up on this recipient: final, even when the last
            # attempt's status was class 4 (4.4.7, expired after days of retries).
            kind = "hard"
        else:
            kind = (_text.status_class(b.status) or _text.kind_from_text(b.diagnostic or "")
                    or "hard")
        address = b.address
        if not address:
            fallback = _fallback_recipient(msg)
            address = fallback[0] if fallback else ""
        failures.append(RecipientFailure(address=_clean(address), kind=kind, status=b.status,
                                         diagnostic=b.diagnostic))
    if not failures:
        # Every block says delivered/relayed: a success notice, not a bounce.
        return BounceResult(kind="not-bounce", detector="dsn", **base)
    return _aggregate(failures, notice, "dsn", base)


def _aggregate(failures: list[RecipientFailure], notice: str, detector: str,
               base: dict[str, Any]) -> BounceResult:
    kind = "hard" if any(f.kind == "hard" for f in failures) else "soft"
    first = next(f for f in failures if f.kind == kind)
    recips = _dedupe([f.address for f in failures if f.address])
    diagnostic = first.diagnostic or _text.diagnostic_line(notice, first.address or None)
    status = first.status or (_text.find_status(diagnostic) if diagnostic else None)
    if not recips and not base["verp_token"]:
        return BounceResult(kind="unknown", status=status, diagnostic=diagnostic,
                            detector=detector, **base)
    return BounceResult(kind=kind, recipients=recips, status=status, diagnostic=diagnostic,
                        failures=tuple(failures), detector=detector, **base)


def _from_flufl(msg: Message, notice: str, base: dict[str, Any]) -> BounceResult | None:
    from flufl.bounce._scan import _DETECTORS

    for detector in _DETECTORS:
        try:
            temporary, permanent = detector().process(msg)
        except Exception:  # one detector tripping on odd input must not hide the others
            continue
        if not temporary and not permanent:
            continue
        failures: list[RecipientFailure] = []
        notice_status = _text.find_status(notice)
        # flufl reports a delay warning it does not know as permanent; its words tell.
        warning = _text.is_warning(_text.header_text(msg, "subject") + "\n" + notice)
        for raw_addr, kind in [(a, "soft") for a in temporary] + [(a, "hard") for a in
                                                                  permanent]:
            addr = _clean(raw_addr.decode("ascii", "replace") if isinstance(raw_addr, bytes)
                          else str(raw_addr))
            if not addr or "@" not in addr:
                continue
            diag = _text.diagnostic_line(notice, addr)
            status = _text.find_status(diag or "") or notice_status
            if kind == "hard" and warning:
                kind = "soft"
            failures.append(RecipientFailure(addr, kind, status, diag))
        if failures:
            return _aggregate(failures, notice, f"flufl:{detector.__name__}", base)
    return None


def _own_addresses(msg: Message, inline_copy: str = "") -> set[str]:
    """Addresses that are never the failed recipient: the bounce's sender and addressee,
    and the envelope and sender of the returned message (MIME or quoted inline)."""
    names = ("from", "to", "cc", "reply-to", "sender", "return-path", "delivered-to",
             "x-original-to", "envelope-to", "errors-to")
    values = [str(v) for n in names for v in msg.get_all(n, [])]
    original = _text.returned_message(msg)
    if original is None and inline_copy:
        original = _text.inline_returned_headers("original message follows\n" + inline_copy)
    if original is not None:
        values += [str(v) for n in ("from", "sender", "return-path", "reply-to", "errors-to")
                   for v in original.get_all(n, [])]
    return {a.lower() for _, a in getaddresses(values) if a}


_NOT_RECIPIENT = re.compile(r"^(?:postmaster|mailer-daemon|abuse|noreply|no-reply|"
                            r"bounces?|root)@", re.I)


def _notice_candidates(msg: Message, notice: str, inline_copy: str = "") -> list[str]:
    own = _own_addresses(msg, inline_copy)
    found: list[str] = []
    for m in _text.ADDR_RE.finditer(notice):
        # Skip addresses inside URLs and Message-IDs.
        before = notice[max(0, m.start() - 8):m.start()]
        if "/" in before[-1:] or "://" in before or before.endswith(("<", "id ")) and \
                "$" in m.group(0):
            continue
        addr = _clean(m.group(0))
        if addr.lower() in own or _NOT_RECIPIENT.match(addr) or not _valid(addr):
            continue
        found.append(addr)
    return list(_dedupe(found))


def _from_text(msg: Message, notice: str, inline_copy: str, bounce_like: bool,
               base: dict[str, Any]) -> BounceResult:
    candidates = _notice_candidates(msg, notice, inline_copy) if bounce_like else []
    returned = [a for a in _fallback_recipient(msg, inline_copy) if _valid(_clean(a))]
    if returned and (not candidates or returned[0].lower() in
                     {c.lower() for c in candidates}):
        recips = [returned[0]]
        detector = "returned"
    elif candidates and len(candidates) <= 5:
        recips = candidates
        detector = "text"
    elif returned and bounce_like:
        recips = [returned[0]]
        detector = "returned"
    else:
        recips = []
        detector = "verp" if base["verp_token"] else "text"
    kind = _text.kind_from_text(_text.header_text(msg, "subject") + "\n" + notice)
    if kind is None:
        # A bounce notice naming the recipient without a word on why: final, as Mailman
        # assumes. A mail known to be ours only through its VERP address scores as soft
        # until one says more: a hard bounce needs evidence.
        kind = "hard" if recips else "soft"
    diag = _text.diagnostic_line(notice, recips[0] if recips else None)
    status = _text.find_status(diag or "") or _text.find_status(notice)
    if not recips and not base["verp_token"]:
        return BounceResult(kind="unknown", status=status, diagnostic=diag, detector=detector,
                            **base)
    failures = tuple(RecipientFailure(a, kind, status, diag) for a in recips)
    return BounceResult(kind=kind, recipients=_dedupe(recips), status=status, diagnostic=diag,
                        failures=failures, detector=detector, **base)

