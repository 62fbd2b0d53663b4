"""Alembic migration scripts of the store (run through :mod:`newsletter.store._migrate`)."""
