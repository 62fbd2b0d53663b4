"""Deliver: subscriber lists, MIME messages, transports and the resumable send loop.

Public names (re-exported here; implementation modules are private):

* lists: :func:`import_csv`, :func:`sync_list`, :func:`add_subscriber`,
  :func:`remove_subscriber`, :func:`list_subscribers`, :func:`export_csv`,
  :func:`validate_address`, :class:`ImportReport`;
* messages: :class:`Recipient`, :class:`MessageFactory` (``_message.py``; header values in
  ``_headers.py``, DKIM in ``_dkim.py``); the sample reader's copy (``_sample.py``) and
  the notices (``_notices.py``);
* transports: :class:`OutboxTransport`, :class:`SmtpTransport`, :func:`make_transport`,
  :class:`Envelope`, :class:`SendResult`;
* sending: :func:`send_edition`, :func:`send_test_message`, :class:`SendReport`,
  :class:`SendProgress`, :class:`SendRateLimiter`.

Wiring (what ``newsletter send`` does per list; ``newsletter/_send.py`` adds the send lock,
the bounce policy, VERP and relay pinning)::

    report = sync_list(store, config, list_name, now)          # print report.summary()
    factory = MessageFactory(rendered, config=config, list_name=list_name,
                             secret=config.secret())
    transport = make_transport(config, config.data_dir / "outbox")
    result = send_edition(store, factory, transport, edition_date=day,
                          list_name=list_name, settings=config.delivery, now_fn=now_fn,
                          progress=callback, stop_event=event)
    # result.summary(); exit code 1 if result.paused or result.failed

``send_test_message(factory, transport, address, name)`` sends one copy for ``--to``;
``store.pending_deliveries_summary()`` feeds ``newsletter status``.
"""

from __future__ import annotations

from typing import Any

from ._ratelimit import SendRateLimiter
from ._sender import SendProgress, SendReport, send_edition, send_test_message
from ._subscribers import (
    ImportReport,
    add_subscriber,
    export_csv,
    import_csv,
    list_subscribers,
    parse_csv,
    remove_subscriber,
    sync_list,
    validate_address,
)
from ._transports import (
    Envelope,
    OutboxTransport,
    SendResult,
    SmtpTransport,
    make_transport,
    outbox_path,
)

__all__ = [
    "Envelope",
    "ImportReport",
    "MessageFactory",
    "OutboxTransport",
    "Recipient",
    "SendProgress",
    "SendRateLimiter",
    "SendReport",
    "SendResult",
    "SmtpTransport",
    "add_subscriber",
    "export_csv",
    "import_csv",
    "list_subscribers",
    "make_transport",
    "outbox_path",
    "parse_csv",
    "remove_subscriber",
    "send_edition",
    "send_test_message",
    "sync_list",
    "validate_address",
]


def __getattr__(name: str) -> Any:
    # ``_message`` is imported lazily, so lists and transports work without it (and
    # importing this package stays cheap for the CLI's subscriber commands).
    if name in ("Recipient", "MessageFactory"):
        from . import _message

        return getattr(_message, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
