"""The send job for one list: sync the list file, render once, stream messages through the
transport with the ledger. ``Newsletter.send`` calls :func:`send_list` for each list."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..exceptions import AlreadyRunningError
from ..store._locks import LockInfo, send_lock_name, this_holder
from ._message import MessageFactory, Recipient, message_parts
from ._sender import SendProgress, SendReport, send_edition
from ._sender import send_test as _send_test
from ._subscribers import sync_list
from ._transports import make_transport as _make_transport

if TYPE_CHECKING:
    from ..core import Newsletter

SAMPLE_READER = "reader@example.com"
log = logging.getLogger("newsletter.deliver")


@contextmanager
def sending_lock(nl: Newsletter, list_name: str) -> Iterator[None]:
    """Hold the list's send lock for the block, or raise if another process sends it.

    Two senders of one list would not send a message twice (each row is claimed in a
    transaction), but a starting send puts rows left ``sending`` back to ``pending`` - the
    other sender's messages in flight - so only one may run. Inside the service the job
    guard already holds (and heartbeats) this lock; the send then runs under it.

    Raises:
        AlreadyRunningError: a live process is sending this list (exit code 2).
    """
    name = send_lock_name(list_name)
    store = nl.store
    cur = store.lock_info(name)
    if cur is not None and (cur.host, cur.pid) == this_holder():
        yield
        return
    stale = nl.config.schedule.lock_stale_seconds

    def on_wait(dead: LockInfo) -> None:
        log.warning("list %s: the previous sender (%s) died; waiting up to %.0f s for its "
                    "lock to go stale", list_name, dead.holder, stale)

    res = store.acquire_lock_waiting(name, nl.now, stale_after=stale, on_wait=on_wait)
    if not res.acquired:
        who = res.holder.describe() if res.holder else "holder unknown"
        raise AlreadyRunningError(
            f"list {list_name!r} is being sent by another process ({who})",
            hint="wait for it to finish (`newsletter status` shows the progress); the "
                 "ledger lets a later `newsletter send` resume whatever is left")
    with store.heartbeat_while_held(name, nl.now, every=max(0.2, stale / 3)):
        yield


def make_transport(config: Config, outbox_dir: Any, list_name: str | None = None) -> Any:
    pinned = config.list_settings(list_name).relays if list_name else None
    return _make_transport(config, outbox_dir, pinned=pinned)


def _factory(nl: Newsletter, rendered: Any, list_name: str) -> MessageFactory:
    return MessageFactory(rendered, config=nl.config, list_name=list_name,
                          secret=nl.config.secret())


def _verp_sender(config: Config) -> Callable[[int], str] | None:
    """MAIL FROM per subscriber when ``[delivery] bounce_address`` is set (VERP)."""
    address = config.delivery.bounce_address
    if not address:
        return None
    from ..bounces._verp import make_token, verp_address

    secret = config.secret()
    return lambda sid: verp_address(address, make_token(secret, sid))


def sample_parts(config: Config, rendered: Any, list_name: str,
                 recipient: Recipient | None = None) -> dict[str, str]:
    """The HTML and text parts of the real MIME message for a sample reader.

    The chart's ``cid:`` reference is pointed at ``chart.png`` beside the file, so
    ``var/issues/DATE/email.html`` opens in a browser as the reader sees it.
    """
    factory = MessageFactory(rendered, config=config, list_name=list_name,
                             secret=config.secret())
    who = recipient or Recipient(id=0, email=SAMPLE_READER, name="", list_name=list_name)
    _msg, html, text = message_parts(factory.build(who))
    html = re.sub(r'src="cid:[^"]+"', 'src="chart.png"', html or "")
    return {"html": html, "text": text or ""}


def send_list(nl: Newsletter, day: date, list_name: str, *,
              progress: Callable[[str, int, int], Any] | None = None,
              stop_event: Any = None) -> SendReport:
    """Deliver the edition of ``day`` to one list, resuming whatever was left."""
    with sending_lock(nl, list_name):
        return _send_list(nl, day, list_name, progress=progress, stop_event=stop_event)


def _send_list(nl: Newsletter, day: date, list_name: str, *,
               progress: Callable[[str, int, int], Any] | None,
               stop_event: Any) -> SendReport:
    store = nl.store
    state = store.send_state(day, list_name)
    if state is not None and state["status"] == "sent":
        return SendReport(edition_date=day, list_name=list_name, already_sent=True,
                          state="sent")
    imported = sync_list(store, nl.config, list_name, nl.now())
    # Bounce policy (issue 14): suspensions that are over end before the ledger is planned;
    # a last edition with too many spam complaints stops the send until acknowledged.
    from ..bounces._policy import complaint_pause, reenable_due

    reenable_due(store, nl.now())
    reason = complaint_pause(store, nl.config, list_name, day)
    if reason:
        return SendReport(edition_date=day, list_name=list_name, paused=True,
                          pause_reason=reason, state="paused")
    rendered = nl.rendered(day, list_name)
    transport = make_transport(nl.config, nl.config.data_dir / "outbox", list_name)

    def on_progress(p: SendProgress) -> None:
        if progress is not None:
            progress(list_name, p.done, p.total)

    try:
        rep = send_edition(store, _factory(nl, rendered, list_name), transport,
                           edition_date=day, list_name=list_name,
                           settings=nl.config.delivery, now_fn=nl.now,
                           progress=on_progress, stop_event=stop_event,
                           envelope_for=_verp_sender(nl.config))
    finally:
        transport.close()
    rep.notes.extend(f"list import rejected {r}" for r in imported.rejected)
    return rep


def send_test(nl: Newsletter, day: date, list_name: str, address: str, name: str = "") -> str:
    """One test copy through the configured transport; returns where it went."""
    rendered = nl.rendered(day, list_name)
    transport = make_transport(nl.config, nl.config.data_dir / "outbox", list_name)
    try:
        mid = _send_test(_factory(nl, rendered, list_name), transport, address, name,
                         list_name=list_name)
    finally:
        transport.close()
    where = ("the outbox" if nl.config.delivery.transport == "outbox"
             else f"{nl.config.delivery.smtp.host}:{nl.config.delivery.smtp.port}")
    return f"{where}, Message-ID {mid}"


def pending_summary(store: Any) -> list[dict[str, Any]]:
    return store.pending_deliveries_summary()
