"""Transports: where built messages go. Both take bytes from ``MessageFactory``.

* :class:`OutboxTransport` (``[delivery] transport = "outbox"``, the default) writes each
  message to ``var/outbox/<date>/<list>/<subscriber-id>-<hash>.eml``, atomically (temporary
  file + rename). The name is fixed per ledger row, so a resend overwrites, never doubles.
* :class:`SmtpTransport` (``transport = "smtp"``) keeps a pool of ``[delivery.smtp]
  connections`` smtplib connections, each owned by one sending thread and reused across
  messages; security ``none`` / ``starttls`` / ``tls``; AUTH with
  ``NEWSLETTER_SMTP_USERNAME`` / ``NEWSLETTER_SMTP_PASSWORD`` from the environment only.

A transport hands out :class:`Channel` objects (one per thread). ``Channel.send`` never
raises for delivery problems: it classifies the outcome per recipient as a
:class:`SendResult` (``ok``, ``temporary`` 4xx, ``permanent`` 5xx, or ``error`` for
connection, TLS and AUTH problems), translating smtplib and socket errors at this boundary
(STYLE.md, "translate at the boundary") with a hint for the user.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal, Protocol

import idna

from ..config import Config, DeliverySettings, SmtpSettings
from ..exceptions import SendError

ResultStatus = Literal["ok", "temporary", "permanent", "error"]

HINT_HOST = "check [delivery.smtp] host/port/security in newsletter.toml and that the " \
            "server is running"
HINT_AUTH = "check NEWSLETTER_SMTP_USERNAME/PASSWORD in the environment"
HINT_TLS = "check [delivery.smtp] security (none/starttls/tls) and the server's certificate"
HINT_OUTBOX = "check that [paths] data is writable"


@dataclass(frozen=True)
class Envelope:
    """SMTP envelope and ledger identity of one message.

    ``subscriber_id`` is None for a message outside the ledger: a test copy (``newsletter
    send --to``) or a notice (``kind="notice"``, e.g. a confirmation request), which the
    outbox files under ``<kind>/<list>/``.

    ``gate``, when set, is called by a channel whose ``gates`` is True at the last moment
    before the message is handed over for good (before the end-of-data dot; before the
    outbox file's rename); if it returns False the message is abandoned (the connection is
    dropped mid-DATA, so the server discards it) and the result is a fatal ``error``. The
    sender uses it to overlap the commit of the previous message's ledger record with the
    SMTP exchange of the next one.
    """

    sender: str
    recipient: str
    list_name: str
    edition_date: date | None = None
    subscriber_id: int | None = None
    kind: str = "test"
    gate: Callable[[], bool] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SendResult:
    """The outcome of handing one message to a transport.

    Attributes:
        status: ``ok``; ``temporary`` (4xx: retry later); ``permanent`` (5xx); ``error``
            (connection-level: the message was not handed over; counts towards
            ``[delivery] max_errors``).
        code: the SMTP reply code, when there is one.
        detail: one line saying what happened (``"550 5.1.1 no such user"``).
        bounce: a permanent refusal of the recipient (RCPT 5xx): suppress the address.
        fatal: retrying cannot help (authentication refused): pause at once.
        hint: what the user should check.
    """

    status: ResultStatus
    code: int | None = None
    detail: str = ""
    bounce: bool = False
    fatal: bool = False
    hint: str | None = None

    def error(self) -> SendError:
        """This outcome as a :class:`SendError` (for the CLI)."""
        return SendError(self.detail or self.status, hint=self.hint)


OK = SendResult("ok")


class Channel(Protocol):
    """One connection (or writer), used by one thread at a time.

    A channel that honours :attr:`Envelope.gate` has a true ``gates`` attribute.
    """

    def send(self, envelope: Envelope, data: bytes) -> SendResult: ...

    def close(self) -> None: ...


class Transport(Protocol):
    """Where messages go. ``connections`` is how many channels may be used in parallel."""

    name: str
    connections: int

    def channel(self) -> Channel: ...

    def close(self) -> None: ...


# --- outbox ----------------------------------------------------------------------------------

def outbox_path(root: Path, envelope: Envelope) -> Path:
    """The deterministic file of a message in the outbox."""
    ident = f"{envelope.edition_date}|{envelope.list_name}|{envelope.subscriber_id}|" \
            f"{envelope.recipient}"
    digest = hashlib.sha256(ident.encode()).hexdigest()[:12]
    if envelope.subscriber_id is None:
        kind = "".join(ch for ch in envelope.kind if ch.isalnum() or ch in "-_") or "test"
        return root / kind / envelope.list_name / f"{kind}-{digest}.eml"
    return (root / str(envelope.edition_date) / envelope.list_name
            / f"{envelope.subscriber_id}-{digest}.eml")


class OutboxTransport:
    """Writes messages as ``.eml`` files under ``root`` (``var/outbox``).

    Args:
        root: the outbox directory.
        connections: parallel writers (1 is plenty for a disk).
        fsync: flush each file to disk before the rename (survives power loss, slower).
    """

    name = "outbox"

    def __init__(self, root: str | os.PathLike[str], *, connections: int = 1,
                 fsync: bool = False) -> None:
        self.root = Path(root)
        self.connections = max(1, connections)
        self.fsync = fsync

    def channel(self) -> _OutboxChannel:
        return _OutboxChannel(self)

    def close(self) -> None:
        pass


class _GateClosed(Exception):
    """The envelope's gate said no: the message must not be handed over."""


GATE_CLOSED = "the message was held back: the ledger could not record the previous one"


class _OutboxChannel:
    gates = True

    def __init__(self, transport: OutboxTransport) -> None:
        self.t = transport

    def send(self, envelope: Envelope, data: bytes) -> SendResult:
        path = outbox_path(self.t.root, envelope)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                # The envelope sender, as the receiving MTA records it (RFC 5321 4.4), so
                # the file shows the Return-Path a bounce would go to.
                fh.write(b"Return-Path: <" + envelope.sender.encode("utf-8") + b">\r\n")
                fh.write(data)
                if self.t.fsync:
                    fh.flush()
                    os.fsync(fh.fileno())
            if envelope.gate is not None and not envelope.gate():
                tmp.unlink()
                return SendResult("error", detail=GATE_CLOSED, fatal=True)
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            return SendResult("error", detail=f"cannot write {path}: {exc.strerror or exc}",
                              hint=HINT_OUTBOX)
        return OK

    def close(self) -> None:
        pass


# --- SMTP ------------------------------------------------------------------------------------

def ascii_domain(address: str) -> str:
    """``local@bücher.example`` -> ``local@xn--bcher-kva.example`` (for the envelope)."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except (idna.IDNAError, UnicodeError):
        return address


def _reply(code: int, msg: bytes | str) -> str:
    text = msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)
    return f"{code} {' '.join(text.split())}"


def _classify(code: int, msg: bytes | str, *, rcpt: bool) -> SendResult:
    detail = _reply(code, msg)
    if 400 <= code < 500:
        return SendResult("temporary", code, detail)
    if 500 <= code < 600:
        return SendResult("permanent", code, detail, bounce=rcpt)
    return SendResult("error", code, f"unexpected reply {detail}", hint=HINT_HOST)


def dot_stuff(data: bytes) -> bytes:
    r"""RFC 5321 4.5.2 transparency: double a "." that starts a line.

    The same result as smtplib's regex (``(?m)^\.``), by ``bytes.replace``: about twenty
    times faster on an edition-sized message (bench/send.py).
    """
    q = data.replace(b"\n.", b"\n..")
    return b"." + q if q.startswith(b".") else q


_PLAIN_ADDRESS = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[A-Za-z0-9.-]+")


def _quote(address: str) -> str:
    # smtplib.quoteaddr() runs email.utils.parseaddr on every address; ours are validated
    # already, so a plain one is just bracketed (anything unusual still goes the long way).
    if _PLAIN_ADDRESS.fullmatch(address):
        return f"<{address}>"
    return smtplib.quoteaddr(address)


def _abandon(smtp: smtplib.SMTP, *, closing: bool) -> None:
    """After a refused transaction, as smtplib's sendmail does: close the connection when
    the server said 421 (it is closing), else RSET (a server gone meanwhile is fine)."""
    if closing:
        smtp.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        smtp.rset()


class _FastData:
    """smtplib's MAIL, RCPT and DATA with cheaper quoting (mixed into SMTP and SMTP_SSL).

    Same protocol, same replies and exceptions; the sender's CPU per message is what
    limits a pool of connections (bench/send.py).
    """

    def mail(self, sender: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        smtp: smtplib.SMTP = self  # type: ignore[assignment]
        if options:
            return smtplib.SMTP.mail(smtp, sender, options)
        smtp.putcmd("mail", f"FROM:{_quote(sender)}")
        return smtp.getreply()

    def rcpt(self, recip: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        smtp: smtplib.SMTP = self  # type: ignore[assignment]
        if options:
            return smtplib.SMTP.rcpt(smtp, recip, options)
        smtp.putcmd("rcpt", f"TO:{_quote(recip)}")
        return smtp.getreply()

    gate: Callable[[], bool] | None = None

    def sendmail(self, from_addr: str, to_addrs: str | Sequence[str], msg: bytes | str,
                 mail_options: Sequence[str] = (),
                 rcpt_options: Sequence[str] = ()) -> dict[str, tuple[int, bytes]]:
        """smtplib's ``sendmail``; with one recipient and a server that offers PIPELINING
        (RFC 2920), MAIL, RCPT and DATA go out in one write and their three replies are
        read together: two round trips per message instead of four.

        Same exceptions as smtplib: ``SMTPSenderRefused``, ``SMTPRecipientsRefused``,
        ``SMTPDataError`` (after RSET, or closing on a 421).
        """
        smtp: smtplib.SMTP = self  # type: ignore[assignment]
        rcpts = [to_addrs] if isinstance(to_addrs, str) else list(to_addrs)
        if (mail_options or rcpt_options or len(rcpts) != 1 or not smtp.does_esmtp
                or not smtp.has_extn("pipelining")
                or any(c in a for a in (from_addr, rcpts[0]) for c in "\r\n")):
            return smtplib.SMTP.sendmail(smtp, from_addr, to_addrs, msg, mail_options,
                                         rcpt_options)
        smtp.send(f"MAIL FROM:{_quote(from_addr)}\r\nRCPT TO:{_quote(rcpts[0])}\r\n"
                  "DATA\r\n")
        mail, rcpt, data = smtp.getreply(), smtp.getreply(), smtp.getreply()
        if mail[0] != 250 or rcpt[0] not in (250, 251) or data[0] != 354:
            if data[0] == 354:  # a server that took DATA anyway: end it with no content
                smtp.send(b".\r\n")
                smtp.getreply()
            _abandon(smtp, closing=421 in (mail[0], rcpt[0], data[0]))
            if mail[0] != 250:
                raise smtplib.SMTPSenderRefused(mail[0], mail[1], from_addr)
            if rcpt[0] not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({rcpts[0]: rcpt})
            raise smtplib.SMTPDataError(*data)
        code, resp = self._body(msg)
        if code != 250:
            _abandon(smtp, closing=code == 421)
            raise smtplib.SMTPDataError(code, resp)
        return {}

    def data(self, msg: bytes | str) -> tuple[int, bytes]:
        smtp: smtplib.SMTP = self  # type: ignore[assignment]
        smtp.putcmd("data")
        code, repl = smtp.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        return self._body(msg)

    def _body(self, msg: bytes | str) -> tuple[int, bytes]:
        """The message after a 354, dot-stuffed, and the server's reply to it."""
        smtp: smtplib.SMTP = self  # type: ignore[assignment]
        if isinstance(msg, str):
            msg = re.sub(r"(?:\r\n|\n|\r(?!\n))", "\r\n", msg).encode("ascii")
        q = dot_stuff(msg)
        if q[-2:] != b"\r\n":
            q += b"\r\n"
        if self.gate is None:
            smtp.send(q + b".\r\n")
        else:
            # Everything but the end-of-data dot: the server accepts (and we may have to
            # record) the message only once the dot is sent.
            smtp.send(q)
            if not self.gate():
                raise _GateClosed
            smtp.send(b".\r\n")
        return smtp.getreply()


# _FastData.data takes bytes or str, where smtplib.SMTP.data takes any buffer: the sender
# only ever passes bytes.
class _SMTP(_FastData, smtplib.SMTP):  # type: ignore[misc]
    pass


class _SMTP_SSL(_FastData, smtplib.SMTP_SSL):  # type: ignore[misc]
    pass


class SmtpTransport:
    """A pool of SMTP connections (one :class:`Channel` per sending thread).

    Args:
        settings: ``[delivery.smtp]``.
        credentials: ``(username, password)`` from :meth:`Config.smtp_credentials`, or None.
        ssl_context: for ``starttls``/``tls``; default: the system's trusted CAs with
            hostname checking.
        local_hostname: the name sent in EHLO (default: the FQDN of this host).
    """

    name = "smtp"

    def __init__(self, settings: SmtpSettings, credentials: tuple[str, str] | None = None,
                 *, ssl_context: ssl.SSLContext | None = None,
                 local_hostname: str | None = None) -> None:
        self.settings = settings
        self.credentials = credentials
        self.connections = settings.connections
        self.ssl_context = ssl_context
        self.local_hostname = local_hostname
        self._open: set[SmtpChannel] = set()
        self._lock = threading.Lock()

    def channel(self) -> SmtpChannel:
        ch = SmtpChannel(self)
        with self._lock:
            self._open.add(ch)
        return ch

    def close(self) -> None:
        with self._lock:
            chans = list(self._open)
        for ch in chans:
            ch.close()

    def _forget(self, ch: SmtpChannel) -> None:
        with self._lock:
            self._open.discard(ch)

    def context(self) -> ssl.SSLContext:
        if self.ssl_context is None:
            self.ssl_context = ssl.create_default_context()
        return self.ssl_context

    def plaintext_auth(self) -> bool:
        """True if the settings would send the password unencrypted to another host."""
        return (self.credentials is not None and self.settings.security == "none"
                and self.settings.host not in ("127.0.0.1", "::1", "localhost"))


class SmtpChannel:
    """One SMTP connection, opened lazily and reused; reconnects once when dropped."""

    gates = True

    def __init__(self, transport: SmtpTransport) -> None:
        self.t = transport
        self.smtp: smtplib.SMTP | None = None
        self.messages = 0

    # connection ---------------------------------------------------------------------------
    def _connect(self) -> None:
        s = self.t.settings
        if s.security == "tls":
            smtp: smtplib.SMTP = _SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                           local_hostname=self.t.local_hostname,
                                           context=self.t.context())
        else:
            smtp = _SMTP(s.host, s.port, timeout=s.timeout,
                         local_hostname=self.t.local_hostname)
        try:
            # Commands and the end-of-data dot are small writes that wait for a reply:
            # Nagle's algorithm would hold them back for the peer's delayed ACK.
            with contextlib.suppress(OSError, AttributeError):
                assert smtp.sock is not None  # connected above
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=self.t.context())
                smtp.ehlo()
            if self.t.credentials:
                user, password = self.t.credentials
                smtp.login(user, password)
        except BaseException:
            with contextlib.suppress(Exception):
                smtp.close()
            raise
        self.smtp = smtp

    def connect(self) -> None:
        """Open the connection now (EHLO, STARTTLS, AUTH as configured) instead of at the
        first send; ``newsletter doctor`` probes a relay this way. Raises smtplib's and
        the socket's errors as they come."""
        if self.smtp is None:
            self._connect()

    def _drop(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(Exception):
                self.smtp.close()
        self.smtp = None

    def close(self) -> None:
        """QUIT politely (errors ignored) and forget the connection."""
        if self.smtp is not None:
            with contextlib.suppress(Exception):
                self.smtp.quit()
        self._drop()
        self.t._forget(self)

    # sending ------------------------------------------------------------------------------
    def send(self, envelope: Envelope, data: bytes) -> SendResult:
        """Send one message to one recipient; never raises for delivery problems."""
        if self.t.plaintext_auth():
            return SendResult("error", None, "refusing to send the SMTP password over an "
                              f"unencrypted connection to {self._where()}", fatal=True,
                              hint='set [delivery.smtp] security = "starttls" or "tls"')
        for attempt in (1, 2):
            reused = self.smtp is not None
            try:
                if self.smtp is None:
                    self._connect()
                return self._sendmail(envelope, data)
            except _GateClosed:
                self._drop()  # mid-DATA: the server discards the message
                return SendResult("error", None, GATE_CLOSED, fatal=True)
            except smtplib.SMTPRecipientsRefused as exc:
                code, msg = next(iter(exc.recipients.values()))
                if code == 421 and reused and attempt == 1:
                    self._drop()  # "closing connection": reconnect and retry once
                    continue
                return _classify(code, msg, rcpt=True)
            except smtplib.SMTPDataError as exc:
                return _classify(exc.smtp_code, exc.smtp_error, rcpt=False)
            except smtplib.SMTPSenderRefused as exc:
                if exc.smtp_code == 421 and reused and attempt == 1:
                    self._drop()
                    continue
                if 400 <= exc.smtp_code < 500:
                    return _classify(exc.smtp_code, exc.smtp_error, rcpt=False)
                return SendResult("error", exc.smtp_code,
                                  f"server refused the sender {envelope.sender!r}: "
                                  f"{_reply(exc.smtp_code, exc.smtp_error)}",
                                  hint="check [newsletter] from_address and that the "
                                       "server lets this account send as it")
            except smtplib.SMTPAuthenticationError as exc:
                self._drop()
                return SendResult("error", exc.smtp_code, "SMTP authentication failed: "
                                  f"{_reply(exc.smtp_code, exc.smtp_error)}",
                                  fatal=True, hint=HINT_AUTH)
            except smtplib.SMTPNotSupportedError as exc:
                self._drop()
                return SendResult("error", None, f"SMTP server: {exc}", fatal=True,
                                  hint=HINT_TLS if "STARTTLS" in str(exc) else HINT_AUTH)
            except smtplib.SMTPServerDisconnected as exc:
                self._drop()
                if reused and attempt == 1:
                    continue  # the server closed an idle or used-up connection: reconnect
                return SendResult("error", None, f"SMTP server {self._where()} closed the "
                                  f"connection: {exc or 'no reason given'}", hint=HINT_HOST)
            except smtplib.SMTPResponseException as exc:
                self._drop()
                return SendResult("error", exc.smtp_code, f"SMTP server {self._where()}: "
                                  f"{_reply(exc.smtp_code, exc.smtp_error)}", hint=HINT_HOST)
            except ssl.SSLError as exc:
                self._drop()
                return SendResult("error", None, f"TLS with {self._where()} failed: "
                                  f"{exc.reason or exc}", hint=HINT_TLS)
            except TimeoutError as exc:
                self._drop()
                return SendResult("error", None, f"SMTP server {self._where()} timed out "
                                  f"({exc or 'no reply'})", hint=HINT_HOST)
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                if reused and attempt == 1 and isinstance(exc, ConnectionError):
                    continue
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                return SendResult("error", None, f"cannot talk to SMTP server "
                                  f"{self._where()}: {reason}", hint=HINT_HOST)
        raise AssertionError("unreachable")  # pragma: no cover

    def _where(self) -> str:
        return f"{self.t.settings.host}:{self.t.settings.port}"

    def _sendmail(self, envelope: Envelope, data: bytes) -> SendResult:
        assert self.smtp is not None
        opts: list[str] = []
        sender, rcpt = ascii_domain(envelope.sender), ascii_domain(envelope.recipient)
        if not (rcpt.isascii() and sender.isascii()):
            if not self.smtp.has_extn("smtputf8"):
                return SendResult("permanent", None, "the SMTP server does not support "
                                  "SMTPUTF8, needed for a non-ASCII address")
            opts.append("SMTPUTF8")
        if not data.isascii() and self.smtp.has_extn("8bitmime"):
            opts.append("BODY=8BITMIME")
        smtp = self.smtp
        smtp.gate = envelope.gate  # type: ignore[attr-defined]
        try:
            smtp.sendmail(sender, [rcpt], data, mail_options=opts)
        finally:
            smtp.gate = None  # type: ignore[attr-defined]
        self.messages += 1
        return OK


def make_transport(settings: DeliverySettings | Config, outbox_dir: str | os.PathLike[str],
                   credentials: tuple[str, str] | None = None, *,
                   pinned: list[str] | None = None) -> Transport:
    """The transport named by ``[delivery] transport``.

    Args:
        settings: the :class:`~newsletter.config.DeliverySettings`, or the whole
            :class:`~newsletter.config.Config` (then the SMTP credentials come from
            :meth:`Config.smtp_credentials` unless given).
        outbox_dir: ``<data>/outbox``.
        credentials: ``(username, password)`` for SMTP AUTH (environment only).
        pinned: relay names a list is pinned to (``[lists.X] relays``), with
            ``[[delivery.relays]]``.

    Raises:
        SendError: unknown transport name.
    """
    if isinstance(settings, Config):
        if credentials is None:
            credentials = settings.smtp_credentials()
        settings = settings.delivery
    kind = settings.transport
    if kind == "smtp" and settings.relays:
        from ._relays import relay_pool

        return relay_pool(settings.relays, pinned)
    if kind == "smtp":
        return SmtpTransport(settings.smtp, credentials)
    if kind == "outbox":
        return OutboxTransport(outbox_dir)
    raise SendError(f"unknown transport {kind!r}", hint="use 'outbox' or 'smtp'")
