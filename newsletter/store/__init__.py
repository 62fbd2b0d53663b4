"""The store: the database everything persistent lives in (SQLAlchemy 2 Core; SQLite by
default, PostgreSQL by URL). The orchestration (``core``, ``_send``, ``schedule``) and the
front ends read and write it; of the stages, only ``deliver`` (the send ledger) and
``bounces`` (bounce events, subscriber status) take a :class:`Store`; collect, summarize
and render are pure and never see it."""

from ._schema import metadata
from ._store import Store, StoredEdition, open_store, safe_url

__all__ = ["Store", "StoredEdition", "metadata", "open_store", "safe_url"]
