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
  :class:`SendProgress`, :class:`SendRateLimiter`;
* alerts: :class:`AlertMessageFactory`; notices: :func:`build_confirmation`,
  :func:`build_preferences_link`, :func:`send_notice`; the editors' sample copy
  :func:`sample_parts` and :func:`message_parts` (a message's text and HTML);
* preferences: :func:`list_choices`, :func:`save_choices`, :class:`ListChoice`,
  :data:`EDITION_TEXT` (what each edition kind sends, in words);
* signed links: :class:`Token`, :func:`make_token`, :func:`read_token`,
  :func:`verify_token`.

Everything outside ``newsletter.deliver`` imports these from here, never from a
``_module`` (tests/test_architecture.py checks it).

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

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._notices import build_confirmation, build_preferences_link, send_notice
from ._prefs import EDITION_TEXT, ListChoice, list_choices, save_choices
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
from ._tokens import Token, make_token, read_token, verify_token
from ._transports import (
    Envelope,
    OutboxTransport,
    SendResult,
    SmtpTransport,
    Transport,
    make_transport,
    outbox_path,
)

if TYPE_CHECKING:  # the real types for checkers; at run time __getattr__ imports them
    from ._message import AlertMessageFactory, MessageFactory, Recipient, message_parts
    from ._sample import sample_parts

__all__ = [
    "EDITION_TEXT",
    "AlertMessageFactory",
    "Envelope",
    "ImportReport",
    "ListChoice",
    "MessageFactory",
    "OutboxTransport",
    "Recipient",
    "SendProgress",
    "SendRateLimiter",
    "SendReport",
    "SendResult",
    "SmtpTransport",
    "Token",
    "Transport",
    "add_subscriber",
    "build_confirmation",
    "build_preferences_link",
    "export_csv",
    "import_csv",
    "list_choices",
    "list_subscribers",
    "make_token",
    "make_transport",
    "message_parts",
    "outbox_path",
    "parse_csv",
    "read_token",
    "remove_subscriber",
    "sample_parts",
    "save_choices",
    "send_edition",
    "send_notice",
    "send_test_message",
    "sync_list",
    "validate_address",
    "verify_token",
]

_LAZY = {  # public name -> module; ``_message`` is imported on first use, so lists and
    # transports work without it (and the CLI's subscriber commands stay cheap to import)
    "AlertMessageFactory": "._message",
    "MessageFactory": "._message",
    "Recipient": "._message",
    "message_parts": "._message",
    "sample_parts": "._sample",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
