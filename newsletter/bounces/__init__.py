"""Bounces and complaints that arrive after the relay accepted a message (issue 14).

``parse.parse_bounce`` reads one mail; ``_verp`` signs the envelope sender.
"""

from .parse import KINDS, BounceResult, RecipientFailure, parse_bounce

__all__ = ["KINDS", "BounceResult", "RecipientFailure", "parse_bounce"]
