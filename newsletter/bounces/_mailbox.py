"""The bounce mailbox reader: IMAP or POP3, run by ``newsletter bounces fetch`` and on a
schedule by ``serve`` (``[bounces.mailbox]``; NEWSLETTER_BOUNCE_USERNAME / _PASSWORD).

Nothing is lost if the process dies half-way: a message leaves the mailbox only after its
event is stored and committed (``_policy.ingest_mail``), and storing is idempotent (the
mail's Message-ID or hash), so a message read again after a crash is not counted twice.

* IMAP: each processed message is moved to ``processed_folder`` (MOVE, or COPY + expunge
  of that UID on servers without MOVE). A message the parser cannot attribute
  (``unknown``) stays in the folder, flagged ``$NewsletterUnparsed`` so later runs skip
  it, and is reported.
* POP3: processed messages are marked for deletion and the server deletes them at QUIT;
  a run that dies before QUIT deletes nothing. Unknown ones are never deleted (listmonk's
  POP reader deletes everything: we don't).
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import poplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..config import Config, MailboxSettings
from ..exceptions import ConfigError, MailboxError
from ..store import Store
from ._policy import decide_pending, ingest_mail, reenable_due

log = logging.getLogger("newsletter.bounces")
UNPARSED_FLAG = "$NewsletterUnparsed"
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_HINT = "check [bounces.mailbox] host/port/security and NEWSLETTER_BOUNCE_USERNAME/PASSWORD"


@dataclass
class FetchReport:
    """What one mailbox run did."""

    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)  # unparseable, left in the mailbox
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"fetched": self.fetched, "stored": self.stored,
                "duplicates": self.duplicates, "kinds": self.kinds, "kept": self.kept,
                "errors": self.errors}


def credentials() -> tuple[str, str]:
    user = os.environ.get("NEWSLETTER_BOUNCE_USERNAME")
    password = os.environ.get("NEWSLETTER_BOUNCE_PASSWORD")
    if not user or password is None:
        raise ConfigError("the bounce mailbox needs NEWSLETTER_BOUNCE_USERNAME and "
                          "NEWSLETTER_BOUNCE_PASSWORD in the environment",
                          hint="export both (never put them in newsletter.toml)")
    return user, password


def _check(settings: MailboxSettings) -> str:
    if not settings.host:
        raise ConfigError("no bounce mailbox configured: [bounces.mailbox] host is not set",
                          hint="set host (and protocol, port, security) under "
                               "[bounces.mailbox] in newsletter.toml")
    if settings.security == "none" and settings.host not in _LOOPBACK:
        raise ConfigError(f"[bounces.mailbox] security = \"none\" would send the password "
                          f"in clear to {settings.host}",
                          hint="use security = \"tls\" or \"starttls\"; \"none\" is for "
                               "a server on this machine only")
    return settings.host


def fetch(store: Store, config: Config, now: Callable[[], datetime], *,
          ssl_context: ssl.SSLContext | None = None,
          creds: tuple[str, str] | None = None) -> FetchReport:
    """Read the bounce mailbox once: store and decide every message, then move (IMAP) or
    delete (POP3) what was processed.

    Raises:
        ConfigError: no mailbox configured, or missing credentials.
        MailboxError: the server could not be reached or refused the login.
    """
    settings = config.bounces.mailbox
    host = _check(settings)
    user, password = creds or credentials()
    ctx = ssl_context or ssl.create_default_context()
    report = FetchReport()
    decide_pending(store, config, now())
    try:
        if settings.protocol == "imap":
            _imap(store, config, now, settings, host, user, password, ctx, report)
        else:
            _pop3(store, config, now, settings, host, user, password, ctx, report)
    except (imaplib.IMAP4.error, poplib.error_proto) as exc:
        raise MailboxError(f"bounce mailbox {host}: {_text(exc)}", hint=_HINT) from exc
    except (OSError, ssl.SSLError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise MailboxError(f"bounce mailbox {host}:{settings.port or 'default port'}: "
                           f"{why}", hint=_HINT) from exc
    reenable_due(store, now())
    log.info("event=bounces_fetched fetched=%d stored=%d duplicates=%d kept=%d",
             report.fetched, report.stored, report.duplicates, len(report.kept))
    return report


def _text(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else exc
    return arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)


def _ingest(store: Store, config: Config, now: Callable[[], datetime], raw: bytes,
            source: str, report: FetchReport) -> bool:
    """Store and decide one message; True when it may leave the mailbox."""
    report.fetched += 1
    outcomes = ingest_mail(store, raw, source=source, config=config, now=now())
    for o in outcomes:
        report.kinds[o.kind] = report.kinds.get(o.kind, 0) + 1
        if o.created:
            report.stored += 1
        else:
            report.duplicates += 1
    if any(o.kind == "unknown" for o in outcomes):
        subject = next((ln for ln in raw[:8192].decode("utf-8", "replace").splitlines()
                        if ln.lower().startswith("subject:")), "Subject: (none)")
        report.kept.append(f"event {outcomes[0].event_id}: {subject[:120]}")
        return False
    return True


# --- IMAP ------------------------------------------------------------------------------------
def _imap(store: Store, config: Config, now: Callable[[], datetime], s: MailboxSettings,
          host: str, user: str, password: str, ctx: ssl.SSLContext,
          report: FetchReport) -> None:
    if s.security == "tls":
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, s.port or 993, ssl_context=ctx,
                                                timeout=s.timeout)
    else:
        conn = imaplib.IMAP4(host, s.port or 143, timeout=s.timeout)
        if s.security == "starttls":
            conn.starttls(ssl_context=ctx)
    try:
        conn.login(user, password)
        typ, _ = conn.select(_quote(s.folder))
        if typ != "OK":
            raise MailboxError(f"bounce mailbox {host}: no folder {s.folder!r}",
                               hint="check [bounces.mailbox] folder")
        conn.create(_quote(s.processed_folder))  # NO when it exists: fine
        can_move = "MOVE" in conn.capabilities
        typ, data = conn.uid("SEARCH", "UNDELETED", "UNKEYWORD", UNPARSED_FLAG)
        uids = data[0].split()[: s.max_messages] if typ == "OK" and data and data[0] else []
        for uid in uids:
            typ, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None) \
                if typ == "OK" else None
            if raw is None:
                report.errors.append(f"UID {uid.decode()}: could not be read")
                continue
            if not _ingest(store, config, now, raw, "mailbox", report):
                conn.uid("STORE", uid, "+FLAGS", f"({UNPARSED_FLAG})")
                continue
            if can_move:
                typ, _ = conn.uid("MOVE", uid, _quote(s.processed_folder))
            else:
                typ, _ = conn.uid("COPY", uid, _quote(s.processed_folder))
                if typ == "OK":
                    conn.uid("STORE", uid, "+FLAGS", r"(\Deleted)")
                    conn.expunge()
            if typ != "OK":
                report.errors.append(f"UID {uid.decode()}: stored, but could not be moved "
                                     f"to {s.processed_folder!r} (read again next run, "
                                     "counted once)")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- POP3 ------------------------------------------------------------------------------------
def _pop3(store: Store, config: Config, now: Callable[[], datetime], s: MailboxSettings,
          host: str, user: str, password: str, ctx: ssl.SSLContext,
          report: FetchReport) -> None:
    if s.security == "tls":
        conn: poplib.POP3 = poplib.POP3_SSL(host, s.port or 995, context=ctx,
                                            timeout=s.timeout)
    else:
        conn = poplib.POP3(host, s.port or 110, timeout=s.timeout)
        if s.security == "starttls":
            conn.stls(context=ctx)
    try:
        conn.user(user)
        conn.pass_(password)
        count, _size = conn.stat()
        for n in range(1, min(count, s.max_messages) + 1):
            _resp, lines, _octets = conn.retr(n)
            raw = b"\r\n".join(lines) + b"\r\n"
            if _ingest(store, config, now, raw, "mailbox", report):
                conn.dele(n)
        conn.quit()  # the server deletes the marked messages only now
    except BaseException:
        # Leave without QUIT: nothing is deleted, everything is read again next run.
        with contextlib.suppress(OSError):
            conn.close()
        raise
