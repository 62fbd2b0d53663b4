"""The resumable send loop: ledger, retries, rate limit, error threshold, progress.

:func:`send_edition` delivers one edition to one list. Its guarantees come from the ledger
(``newsletter/store/_deliveries.py``):

* Rows are claimed in batches: a row goes to ``sending`` in a committed transaction before
  its message is handed to the transport (``deliver/_ledger.Feed``). The outcome is
  group-committed by one ledger thread (``LedgerWriter``), and a connection hands over its
  next message (the end-of-data dot, ``Envelope.gate``) only once its previous one is
  recorded. A process killed in between leaves rows in ``sending``; the next run re-sends
  them: at most one duplicate per connection and kill, and nothing is lost.
* ``sends`` records the state per (edition, list): once ``sent``, a second run does nothing,
  so a list gets exactly one edition per day.
* 4xx replies defer the row with exponential backoff (``retry_base_seconds`` doubling up to
  ``retry_max_seconds``) until ``max_attempts``, then fail it. A 5xx reply to RCPT fails the
  row and marks the subscriber ``bounced`` (suppressed from the next edition).
* Connection-level errors (server down, TLS, AUTH) put the row back to ``pending``; after
  ``max_errors`` of them in a row (or at once for an authentication failure) the send
  *pauses* with a clear reason and keeps its state; the next run resumes.
* One thread per transport connection, each owning its connection; the list is streamed,
  never loaded, so memory does not grow with it; a shared
  :class:`~newsletter.deliver._ratelimit.RateLimiter` enforces ``rate_limit`` and the
  sliding window. ``stop_event`` stops taking new work; the message in flight finishes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING, Any, Protocol

from ..exceptions import HeaderInjectionError, NewsletterError, SendError, SubscriberError
from ..store import Outcome
from ._ledger import Feed, LedgerWriter
from ._ratelimit import RateLimiter
from ._transports import Channel, Envelope, SendResult, Transport

if TYPE_CHECKING:
    from ..config import DeliverySettings
    from ..store import DueDelivery, Store


class Factory(Protocol):
    """What the sender needs from ``MessageFactory``."""

    def build(self, recipient: Any, *, test: bool = False) -> bytes: ...

    def message_id(self, recipient: Any) -> str: ...


@dataclass(frozen=True)
class SendProgress:
    """Passed to the progress callback after each message (from a sending thread)."""

    total: int
    done: int
    sent: int
    deferred: int
    failed: int
    skipped: int
    errors: int


@dataclass
class SendReport:
    """What one run of :func:`send_edition` did.

    Attributes:
        sent / deferred / failed / bounced / skipped: rows handled in this run
            (``bounced`` is included in ``failed``).
        errors: connection-level errors in this run.
        resumed: rows found in ``sending`` (an interrupted run) and sent again.
        total: ledger rows for this edition and list.
        remaining: rows still ``pending`` or ``deferred`` after this run.
        next_attempt: when the earliest deferred row is due (None if none).
        paused / pause_reason: the run stopped early (error threshold, authentication,
            ``stop_event``); the state is kept and the next run resumes.
        already_sent: the edition had already been sent to this list; nothing was done.
        state: the ``sends`` state after the run: ``sent``, ``deferred`` or ``paused``.
        notes: other things the operator should read (rows the list import rejected).
    """

    edition_date: date
    list_name: str
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    bounced: int = 0
    skipped: int = 0
    errors: int = 0
    resumed: int = 0
    total: int = 0
    remaining: int = 0
    next_attempt: datetime | None = None
    paused: bool = False
    pause_reason: str | None = None
    already_sent: bool = False
    state: str = "sending"
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if nothing failed and nothing is left to do."""
        return not self.paused and not self.failed and not self.remaining

    def summary(self) -> str:
        """One line for the CLI."""
        if self.already_sent:
            return f"{self.edition_date} was already sent to list {self.list_name!r}"
        line = (f"{self.list_name}: {self.sent} sent, {self.deferred} deferred, "
                f"{self.failed} failed ({self.bounced} bounced), {self.skipped} skipped; "
                f"{self.remaining} of {self.total} left")
        if self.paused:
            line += f"; PAUSED: {self.pause_reason}"
        elif self.next_attempt and self.remaining:
            line += f"; next retry at {self.next_attempt.isoformat(timespec='seconds')}"
        return line

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date | datetime) else v)
                for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class _FallbackRecipient:
    id: int
    email: str
    name: str = ""
    list_name: str = "daily"


def _recipient_class() -> Callable[..., Any]:
    try:
        from ._message import Recipient
    except ImportError:  # the message module is not there yet
        return _FallbackRecipient
    return Recipient


def envelope_sender(data: bytes) -> str:
    """The address of the From header of a built message (the envelope sender)."""
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    msg = BytesHeaderParser(policy=policy.default).parsebytes(head + b"\r\n\r\n")
    header = msg.get("From")
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    if not addresses or not addresses[0].addr_spec or addresses[0].addr_spec == "<>":
        raise SendError("the built message has no usable From address",
                        hint="check [newsletter] from_address / [lists] from_address")
    return str(addresses[0].addr_spec)


def backoff(attempts: int, settings: DeliverySettings) -> float:
    """Seconds to wait before attempt ``attempts + 1`` after a temporary failure."""
    return float(min(settings.retry_base_seconds * (2 ** max(0, attempts - 1)),
                     settings.retry_max_seconds))


class _Run:
    """State shared by the sending threads of one run."""

    def __init__(self, store: Store, factory: Factory, transport: Transport,
                 report: SendReport, settings: DeliverySettings,
                 now_fn: Callable[[], datetime], limiter: RateLimiter,
                 stop_event: threading.Event | None,
                 progress: Callable[[SendProgress], Any] | None,
                 envelope_from: str | None, done_before: int) -> None:
        self.store, self.factory, self.transport = store, factory, transport
        self.report, self.settings, self.now_fn = report, settings, now_fn
        self.limiter, self.stop_event, self.progress = limiter, stop_event, progress
        self.sender = envelope_from
        self.envelope_for: Callable[[int], str] | None = None
        self.done_before = done_before
        self.lock = threading.Lock()
        self.consecutive_errors = 0
        self.stopping = threading.Event()
        self.recipient_cls = _recipient_class()
        self.edition_date, self.list_name = report.edition_date, report.list_name
        self.unsent: list[int] = []  # claimed, never handed over: released at the end
        self.ledger = LedgerWriter(store, self.edition_date, self.list_name, self.pause)
        self.feed = Feed(store, self.edition_date, self.list_name, now_fn, self.halted,
                         on_skipped=lambda n: self._tick(skipped=n),
                         before_pass=self.ledger.flush)

    # control ------------------------------------------------------------------------------
    def halted(self) -> bool:
        return self.stopping.is_set() or (self.stop_event is not None
                                          and self.stop_event.is_set())

    def pause(self, reason: str) -> None:
        with self.lock:
            if not self.report.paused:
                self.report.paused = True
                self.report.pause_reason = reason
        self.stopping.set()

    def _tick(self, **counts: int) -> None:
        with self.lock:
            for k, v in counts.items():
                setattr(self.report, k, getattr(self.report, k) + v)
            if self.progress is None:
                return
            r = self.report
            snap = SendProgress(total=r.total,
                                done=self.done_before + r.sent + r.failed + r.skipped,
                                sent=r.sent, deferred=r.deferred, failed=r.failed,
                                skipped=r.skipped, errors=r.errors)
        if self.progress is not None:
            self.progress(snap)

    # work ---------------------------------------------------------------------------------
    def worker(self, channel: Channel) -> None:
        try:
            self._work(channel)
        except NewsletterError as exc:
            self.pause(str(exc))
        except Exception as exc:  # a bug must not leave threads running silently
            self.pause(f"unexpected error: {type(exc).__name__}: {exc}")
            raise

    def _work(self, channel: Channel) -> None:
        # ``ticket``: the ledger record of this thread's previous message. It must be
        # committed before the next message is handed over (LedgerWriter): at most one
        # accepted message per connection is ever unrecorded.
        ticket = 0
        try:
            while not self.halted():
                item = self.feed.take()
                if item is None:
                    return
                try:
                    ticket = self._one(channel, item, ticket)
                finally:
                    self.feed.done()
        finally:
            self.ledger.wait(ticket)

    def _give_back(self, item: DueDelivery) -> None:
        with self.lock:
            self.unsent.append(item.subscriber_id)

    def _one(self, channel: Channel, item: DueDelivery, ticket: int) -> int:
        sid, lst = item.subscriber_id, self.list_name
        recipient = self.recipient_cls(id=sid, email=item.email, name=item.name,
                                       list_name=lst)
        try:
            data = self.factory.build(recipient)
            message_id = self.factory.message_id(recipient)
        except (SendError, SubscriberError, UnicodeError) as exc:
            msg = f"cannot build the message: {exc}"
            self._fail_note(item.email, msg)
            self._tick(failed=1)
            return self.ledger.record(Outcome("failed", sid, self.now_fn(), error=msg))
        except BaseException:
            self._give_back(item)
            raise
        if self.sender is None:
            with self.lock:
                if self.sender is None:
                    self.sender = envelope_sender(data)
        sender = self.envelope_for(sid) if self.envelope_for else self.sender
        # The previous message's record must be committed before this one is handed over
        # for good. A channel that gates waits for it just before the end-of-data dot, so
        # the commit overlaps this message's SMTP exchange; with any other channel the
        # wait comes first.
        gates = getattr(channel, "gates", False)
        if ((not gates and not self.ledger.wait(ticket)) or self.halted()
                or not self.limiter.acquire(self.stop_event) or self.halted()):
            self._give_back(item)
            return ticket
        prev = ticket
        env = Envelope(sender, item.email, lst, self.edition_date, sid,
                       gate=(lambda: self.ledger.wait(prev)) if gates else None)
        result = channel.send(env, data)
        now = self.now_fn()
        if result.status == "ok":
            with self.lock:
                self.consecutive_errors = 0
            ticket = self.ledger.record(Outcome("sent", sid, now, message_id=message_id))
            self._tick(sent=1)
        elif result.status == "temporary":
            attempts = item.attempts + 1
            with self.lock:
                self.consecutive_errors = 0
            if attempts >= self.settings.max_attempts:
                msg = f"gave up after {attempts} attempts: {result.detail}"
                ticket = self.ledger.record(Outcome("failed", sid, now, error=msg))
                self._fail_note(item.email, msg)
                self._tick(failed=1)
            else:
                nxt = now + timedelta(seconds=backoff(attempts, self.settings))
                ticket = self.ledger.record(Outcome("deferred", sid, now,
                                                    error=result.detail, next_attempt=nxt))
                self._tick(deferred=1)
        elif result.status == "permanent":
            ticket = self.ledger.record(Outcome("failed", sid, now, error=result.detail,
                                                bounce=result.bounce))
            with self.lock:
                self.consecutive_errors = 0
            self._fail_note(item.email, result.detail)
            self._tick(failed=1, bounced=int(result.bounce))
        else:
            ticket = self.ledger.record(Outcome("released", sid, now, error=result.detail))
            self._error(result)
        return ticket

    def _fail_note(self, email: str, detail: str) -> None:
        with self.lock:
            if len(self.report.failures) < 100:
                self.report.failures.append(f"{email}: {detail}")

    def _error(self, result: SendResult) -> None:
        with self.lock:
            self.consecutive_errors += 1
            n = self.consecutive_errors
        self._tick(errors=1)
        reason = str(result.error())
        if result.fatal:
            self.pause(reason)
        elif n >= self.settings.max_errors:
            self.pause(f"{n} connection errors in a row; last: {reason}")
        else:
            # Give a briefly unavailable server a moment before the next attempt.
            wait = min(0.05 * n, 1.0)
            if self.stop_event is not None:
                self.stop_event.wait(wait)
            else:
                time.sleep(wait)

    def run(self, channels: list[Channel]) -> None:
        """Send every due row with one thread per channel, then write what is left."""
        threads = [threading.Thread(target=self.worker, args=(ch,), daemon=True,
                                    name=f"send-{i}") for i, ch in enumerate(channels)]
        try:
            for t in threads:
                t.start()
            try:
                for t in threads:
                    while t.is_alive():
                        t.join(0.25)  # wake up now and then so Ctrl-C is seen
            except KeyboardInterrupt:
                # Ctrl-C: stop taking work, let the messages in flight finish and be
                # recorded; the send is reported paused and resumes next time.
                self.pause("interrupted (Ctrl-C); run the send again to resume")
                for t in threads:
                    t.join()
        finally:
            self.ledger.close()
            rest = [i.subscriber_id for i in self.feed.drain()] + self.unsent
            if rest and self.ledger.failed is None:
                self.store.release_claimed(self.edition_date, self.list_name, rest,
                                           self.now_fn())


def send_edition(store: Store, factory: Factory, transport: Transport, *,
                 edition_date: date, list_name: str, settings: DeliverySettings,
                 now_fn: Callable[[], datetime] = lambda: datetime.now(UTC),
                 progress: Callable[[SendProgress], Any] | None = None,
                 stop_event: threading.Event | None = None,
                 envelope_from: str | None = None,
                 limiter: RateLimiter | None = None,
                 envelope_for: Callable[[int], str] | None = None,
                 audience: Any = None) -> SendReport:
    """Deliver (or resume delivering) one edition to one list.

    Args:
        store: the store (ledger and subscribers).
        factory: builds each subscriber's message (``MessageFactory``).
        transport: :class:`OutboxTransport` or :class:`SmtpTransport`.
        edition_date: the edition.
        list_name: the list.
        settings: ``[delivery]`` (rate limits, retries, ``max_errors``).
        now_fn: the clock (UTC); tests replace it.
        progress: called with a :class:`SendProgress` after each message.
        stop_event: when set, no new message is started (the one in flight finishes).
        envelope_from: MAIL FROM; default: the From address of the built messages.
        limiter: a rate limiter to use instead of one built from ``settings``.
        envelope_for: MAIL FROM per subscriber id (VERP, ``bounces._verp``); wins over
            ``envelope_from``.
        audience: who to plan instead of the list's active subscribers (a SELECT of
            subscriber ids; an alert's ``Store.alert_audience``, whose ``list_name`` is
            the alert's ledger unit).

    Returns:
        A :class:`SendReport`. A paused send (``report.paused``) keeps its state; run
        again to resume. Rows deferred by 4xx replies are retried by a later run once due.
    """
    report = SendReport(edition_date=edition_date, list_name=list_name)
    now = now_fn()
    if not store.begin_send(edition_date, list_name, now):
        report.already_sent, report.state = True, "sent"
        counts = store.delivery_counts(edition_date, list_name)
        report.total = sum(counts.values())
        return report
    store.plan_deliveries(edition_date, list_name, now, audience=audience)
    report.resumed = store.reset_sending(edition_date, list_name, now)
    counts = store.delivery_counts(edition_date, list_name)
    report.total = sum(counts.values())
    limiter = limiter or RateLimiter(settings.rate_limit, window_limit=settings.window_limit,
                                     window_seconds=settings.window_seconds)
    run = _Run(store, factory, transport, report, settings, now_fn, limiter, stop_event,
               progress, envelope_from,
               done_before=counts["sent"] + counts["failed"] + counts["skipped"])
    run.envelope_for = envelope_for
    channels = [transport.channel() for _ in range(max(1, transport.connections))]
    try:
        run.run(channels)
    finally:
        for ch in channels:
            ch.close()
    if stop_event is not None and stop_event.is_set() and not report.paused:
        report.paused, report.pause_reason = True, "stopped before the send was complete"
    counts = store.delivery_counts(edition_date, list_name)
    report.total = sum(counts.values())
    report.remaining = counts["pending"] + counts["deferred"] + counts["sending"]
    report.next_attempt = store.next_deferred_at(edition_date, list_name)
    if report.paused and report.remaining:
        report.state = "paused"
        detail = report.pause_reason
    elif report.remaining:
        report.state = "deferred"
        detail = (f"{counts['deferred']} deferred, next attempt at "
                  f"{report.next_attempt.isoformat() if report.next_attempt else 'now'}")
    else:
        report.state = "sent"
        detail = f"{counts['sent']} sent, {counts['failed']} failed, " \
                 f"{counts['skipped']} skipped"
    store.finish_send(edition_date, list_name, report.state, detail, now_fn())
    return report


def send_test_message(factory: Factory, transport: Transport, address: str, name: str = "",
                      *, list_name: str = "daily", envelope_from: str | None = None) -> str:
    """Send one test copy (``newsletter send --to``) without touching the ledger.

    The factory marks the copy as a test (``build(..., test=True)``).

    Returns:
        The Message-ID of the copy.

    Raises:
        SubscriberError: the address is invalid.
        HeaderInjectionError: CR/LF in the name.
        SendError: the transport did not accept the message (with a hint).
    """
    from ._subscribers import validate_address

    if "\r" in name or "\n" in name:
        raise HeaderInjectionError("line break in the recipient name",
                                   hint="remove CR/LF from --name")
    email, _key = validate_address(address.strip())
    recipient = _recipient_class()(id=0, email=email, name=name,
                                   list_name=getattr(factory, "list_name", list_name))
    data = factory.build(recipient, test=True)
    sender = envelope_from or envelope_sender(data)
    ch = transport.channel()
    try:
        result = ch.send(Envelope(sender, email, recipient.list_name), data)
    finally:
        ch.close()
    if result.status != "ok":
        raise result.error()
    return factory.message_id(recipient)
