"""Bounces and complaints that arrive after the relay accepted a message (issue 14).

``parse.parse_bounce`` reads one mail; ``_verp`` signs the envelope sender.

Public names for the front ends (the web's webhooks, ``newsletter bounces``): parsing
(:func:`parse_bounce`, :func:`find_status`), recording (:func:`ingest_mail`,
:func:`ingest_event`, :class:`Outcome`, :func:`acknowledge_complaints`), the policy the
sends consult (:func:`complaint_pause`, :func:`reenable_due`, :func:`bounce_status`), VERP
(:func:`verp_token`, :func:`verp_address`), the bounce
mailbox (:func:`fetch_mailbox`) and Amazon SNS signatures (:func:`verify_sns`,
:class:`SnsTrust`, :class:`SnsError`). All but the parser are imported on first use, so
``import newsletter.bounces`` stays free of the store and of ``cryptography``. Nothing
outside this package imports a ``_module`` of it (tests/test_architecture.py checks it).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .parse import KINDS, BounceResult, RecipientFailure, parse_bounce

if TYPE_CHECKING:  # the real types for checkers; at run time __getattr__ imports them
    from ._mailbox import fetch as fetch_mailbox
    from ._policy import (
        Outcome,
        acknowledge_complaints,
        bounce_status,
        complaint_pause,
        ingest_event,
        ingest_mail,
        reenable_due,
    )
    from ._sns import SnsError, SnsTrust
    from ._sns import verify as verify_sns
    from ._text import find_status
    from ._verp import make_token as verp_token
    from ._verp import verp_address

__all__ = ["KINDS", "BounceResult", "Outcome", "RecipientFailure", "SnsError", "SnsTrust",
           "acknowledge_complaints", "bounce_status", "complaint_pause", "fetch_mailbox",
           "find_status", "ingest_event", "ingest_mail", "parse_bounce", "reenable_due",
           "verify_sns", "verp_address", "verp_token"]

_LAZY = {  # public name -> (module, name there)
    "Outcome": ("._policy", "Outcome"),
    "acknowledge_complaints": ("._policy", "acknowledge_complaints"),
    "ingest_event": ("._policy", "ingest_event"),
    "ingest_mail": ("._policy", "ingest_mail"),
    "bounce_status": ("._policy", "bounce_status"),
    "complaint_pause": ("._policy", "complaint_pause"),
    "reenable_due": ("._policy", "reenable_due"),
    "verp_token": ("._verp", "make_token"),
    "verp_address": ("._verp", "verp_address"),
    "fetch_mailbox": ("._mailbox", "fetch"),
    "find_status": ("._text", "find_status"),
    "SnsError": ("._sns", "SnsError"),
    "SnsTrust": ("._sns", "SnsTrust"),
    "verify_sns": ("._sns", "verify"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module, __name__), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
