"""Delivery-ledger persistence (filled in by the delivery stage)."""

from __future__ import annotations


class DeliveriesMixin:
    """Methods on Store for the deliveries and sends tables."""
