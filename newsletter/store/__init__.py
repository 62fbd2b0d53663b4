"""The store: every stage reads from and writes to it (SQLAlchemy 2 Core; SQLite by default)."""

from ._schema import metadata
from ._store import Store, open_store

__all__ = ["Store", "metadata", "open_store"]
