"""The store: the database everything persistent lives in (SQLAlchemy 2 Core; SQLite by
default, PostgreSQL by URL). The orchestration (``core``, ``_send``, ``schedule``) and the
front ends read and write it; of the stages, only ``deliver`` (the send ledger) and
``bounces`` (bounce events, subscriber status) take a :class:`Store`; collect, summarize
and render are pure and never see it.

This module is the package's interface: everything outside ``newsletter.store`` imports
from here, never from a ``_module`` (tests/test_architecture.py checks it). Besides
:class:`Store` and its methods:

* subscribers: :class:`Subscriber`, :class:`SubscriberInput`, :data:`STATUSES`,
  :data:`SUPPRESSED`, :func:`email_key` (the case rule of addresses);
* the ledger: :class:`DueDelivery` (a row to send), :class:`Outcome` (what happened);
* alerts: :class:`QueuedAlert`, :func:`alert_unit` (the ledger unit of one alert);
* locks: :class:`LockInfo`, :func:`this_holder`, :func:`job_lock_name`,
  :func:`send_lock_name`;
* the schema: :class:`SchemaState`, :func:`schema_state`, :func:`schema_head`,
  :func:`too_new_message`; :func:`copy_store` (``newsletter db copy``);
* :func:`as_utc` (a stored timestamp as an aware UTC datetime).
"""

from ._alerts import QueuedAlert, alert_unit
from ._copy import copy_store
from ._deliveries import DueDelivery, Outcome
from ._locks import LockInfo, job_lock_name, send_lock_name, this_holder
from ._migrate import SchemaState, too_new_message
from ._migrate import head as schema_head
from ._migrate import state as schema_state
from ._schema import metadata
from ._store import Store, StoredEdition, open_store, safe_url
from ._subscribers import STATUSES, SUPPRESSED, Subscriber, SubscriberInput, email_key
from ._util import as_utc

__all__ = ["STATUSES", "SUPPRESSED", "DueDelivery", "LockInfo", "Outcome", "QueuedAlert",
           "SchemaState", "Store", "StoredEdition", "Subscriber", "SubscriberInput",
           "alert_unit", "as_utc", "copy_store", "email_key", "job_lock_name", "metadata",
           "open_store", "safe_url", "schema_head", "schema_state", "send_lock_name",
           "this_holder", "too_new_message"]
