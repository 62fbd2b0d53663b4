"""Subscriber persistence (filled in by the delivery stage)."""

from __future__ import annotations


class SubscribersMixin:
    """Methods on Store for the subscribers table."""
