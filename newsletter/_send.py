"""Sending, wired together: the send job of one list, test copies and notices.

What ``Newsletter.send`` and ``Newsletter.send_test`` run, and what the public app's
sign-up and preferences emails go through. The delivery stage supplies the parts (list
sync, :class:`~newsletter.deliver.MessageFactory`, transports, the resumable
:func:`~newsletter.deliver.send_edition` loop); this module joins them to the store and
the configuration: the list's send lock, the list-file sync, the bounce policy (ended
suspensions, the complaint pause), rendering once per list, VERP envelope senders, the
list's pinned relays and each transport's lifetime.

Every function takes the store, the configuration and the clock (or less), never the
``Newsletter`` object, so this module does not import :mod:`newsletter.core`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from .config import Config
from .deliver import (
    SendProgress,
    SendReport,
    Transport,
    build_confirmation,
    build_preferences_link,
    make_transport,
    send_edition,
    send_notice,
    send_test_message,
    sync_list,
)
from .exceptions import AlreadyRunningError, RenderError
from .store import LockInfo, Store, send_lock_name, this_holder
from .types import RenderedEdition

log = logging.getLogger("newsletter.deliver")

Clock = Callable[[], datetime]


@contextmanager
def sending_lock(store: Store, list_name: str, *, now: Clock,
                 stale_after: float) -> Iterator[None]:
    """Hold the list's send lock for the block, or raise if another process sends it.

    Two senders of one list would not send a message twice (each row is claimed in a
    transaction), but a starting send puts rows left ``sending`` back to ``pending`` - the
    other sender's messages in flight - so only one may run. Inside the service the job
    guard already holds (and heartbeats) this lock; the send then runs under it.

    Args:
        stale_after: ``[schedule] lock_stale_seconds``.

    Raises:
        AlreadyRunningError: a live process is sending this list (exit code 2).
    """
    name = send_lock_name(list_name)
    cur = store.lock_info(name)
    if cur is not None and (cur.host, cur.pid) == this_holder():
        yield
        return

    def on_wait(dead: LockInfo) -> None:
        log.warning("list %s: the previous sender (%s) died; waiting up to %.0f s for its "
                    "lock to go stale", list_name, dead.holder, stale_after)

    res = store.acquire_lock_waiting(name, now, stale_after=stale_after, on_wait=on_wait)
    if not res.acquired:
        who = res.holder.describe() if res.holder else "holder unknown"
        raise AlreadyRunningError(
            f"list {list_name!r} is being sent by another process ({who})",
            hint="wait for it to finish (`newsletter status` shows the progress); the "
                 "ledger lets a later `newsletter send` resume whatever is left")
    with store.heartbeat_while_held(name, now, every=max(0.2, stale_after / 3)):
        yield


def open_transport(config: Config, outbox_dir: str | os.PathLike[str],
                   list_name: str | None = None) -> Transport:
    """The configured transport, for ``list_name`` when given: with ``[[delivery.relays]]``,
    only the relays the list is pinned to (``[lists.X] relays``). Close it after use."""
    pinned = config.list_settings(list_name).relays if list_name else None
    return make_transport(config, outbox_dir, pinned=pinned)


def verp_sender(config: Config) -> Callable[[int], str] | None:
    """MAIL FROM per subscriber when ``[delivery] bounce_address`` is set (VERP)."""
    address = config.delivery.bounce_address
    if not address:
        return None
    from .bounces import verp_address, verp_token

    secret = config.secret()
    return lambda sid: verp_address(address, verp_token(secret, sid))


def render_stored(store: Store, config: Config, day: date,
                  list_name: str) -> RenderedEdition:
    """Render the stored edition of ``day`` for one list (one premailer run).

    Raises:
        RenderError: there is no edition of ``day``.
    """
    from .render import render_edition, render_weekly

    kind = config.list_settings(list_name).edition
    row = store.edition(day, kind)
    if row is None:
        what = "edition" if kind == "daily" else f"{kind} edition"
        raise RenderError(f"no {what} for {day} (list {list_name!r})",
                          hint=f"run `newsletter build --list {list_name} --date {day}` "
                               "(or `newsletter run`) first")
    if kind == "weekly":
        return render_weekly(row["edition"], config=config, list_name=list_name)
    return render_edition(row["edition"], config=config, list_name=list_name)


def _factory(config: Config, rendered: Any, list_name: str) -> Any:
    from .deliver import MessageFactory

    return MessageFactory(rendered, config=config, list_name=list_name,
                          secret=config.secret())


def send_list(store: Store, config: Config, now: Clock, day: date, list_name: str, *,
              progress: Callable[[str, int, int], Any] | None = None,
              stop_event: Any = None) -> SendReport:
    """Deliver the edition of ``day`` to one list, resuming whatever was left, under the
    list's send lock."""
    with sending_lock(store, list_name, now=now,
                      stale_after=config.schedule.lock_stale_seconds):
        return _send_list(store, config, now, day, list_name, progress=progress,
                          stop_event=stop_event)


def _send_list(store: Store, config: Config, now: Clock, day: date, list_name: str, *,
               progress: Callable[[str, int, int], Any] | None,
               stop_event: Any) -> SendReport:
    state = store.send_state(day, list_name)
    if state is not None and state["status"] == "sent":
        return SendReport(edition_date=day, list_name=list_name, already_sent=True,
                          state="sent")
    imported = sync_list(store, config, list_name, now())
    # Bounce policy (issue 14): suspensions that are over end before the ledger is planned;
    # a last edition with too many spam complaints stops the send until acknowledged.
    from .bounces import complaint_pause, reenable_due

    reenable_due(store, now())
    reason = complaint_pause(store, config, list_name, day)
    if reason:
        return SendReport(edition_date=day, list_name=list_name, paused=True,
                          pause_reason=reason, state="paused")
    rendered = render_stored(store, config, day, list_name)
    transport = open_transport(config, config.data_dir / "outbox", list_name)

    def on_progress(p: SendProgress) -> None:
        if progress is not None:
            progress(list_name, p.done, p.total)

    try:
        rep = send_edition(store, _factory(config, rendered, list_name), transport,
                           edition_date=day, list_name=list_name,
                           settings=config.delivery, now_fn=now,
                           progress=on_progress, stop_event=stop_event,
                           envelope_for=verp_sender(config))
    finally:
        transport.close()
    rep.notes.extend(f"list import rejected {r}" for r in imported.rejected)
    return rep


def send_test_copy(store: Store, config: Config, day: date, list_name: str, address: str,
                   name: str = "") -> str:
    """One test copy of the edition of ``day`` through the list's transport (the ledger
    untouched); returns where it went."""
    rendered = render_stored(store, config, day, list_name)
    transport = open_transport(config, config.data_dir / "outbox", list_name)
    try:
        mid = send_test_message(_factory(config, rendered, list_name), transport, address,
                                name, list_name=list_name)
    finally:
        transport.close()
    where = ("the outbox" if config.delivery.transport == "outbox"
             else f"{config.delivery.smtp.host}:{config.delivery.smtp.port}")
    return f"{where}, Message-ID {mid}"


# --- notices -----------------------------------------------------------------------------

def send_confirmation(config: Config, list_name: str, address: str, name: str,
                      confirm_url: str, *, now: datetime, lists: Sequence[str] = ()) -> str:
    """Build and send the double-opt-in confirmation email through the configured
    transport: one email for a sign-up, naming every list in ``lists`` (default: only
    ``list_name``, the first of them, whose sender it uses).

    Returns:
        The transport's name (``smtp`` or ``outbox``), for logs.

    Raises:
        SendError: the transport failed; HeaderInjectionError: bad header values.
    """
    data = build_confirmation(config, list_name, address, name, confirm_url, now,
                              lists=lists)
    return _send_notice(config, list_name, address, data, "confirmation email")


def send_preferences_link(config: Config, list_name: str, address: str, name: str,
                          url: str, *, now: datetime) -> str:
    """Build and send the email with a fresh preferences link; returns the transport's
    name.

    Raises:
        SendError: the transport failed; HeaderInjectionError: bad header values.
    """
    data = build_preferences_link(config, list_name, address, name, url, now)
    return _send_notice(config, list_name, address, data, "preferences link")


def _send_notice(config: Config, list_name: str, address: str, data: bytes,
                 what: str) -> str:
    """Send one notice through a transport opened for it; returns the transport's name."""
    transport = open_transport(config, config.data_dir / "outbox")
    try:
        send_notice(transport, config, list_name, address, data, what)
    finally:
        transport.close()
    return getattr(transport, "name", config.delivery.transport)
