"""The public surface (STYLE §2): everything in ``__all__`` exists, and the public names a
user needs are exported."""

from __future__ import annotations

import newsletter


def test_all_names_exist() -> None:
    for name in newsletter.__all__:
        assert hasattr(newsletter, name), name


def test_core_names_are_public() -> None:
    for name in ("Newsletter", "load_config", "Item", "PriceItem", "Source", "Relevance",
                 "NewsletterError", "ConfigError", "FetchError", "SendError"):
        assert name in newsletter.__all__


def test_every_error_is_a_newsletter_error() -> None:
    errors = [getattr(newsletter, n) for n in newsletter.__all__ if n.endswith("Error")]
    assert errors
    for exc in errors:
        assert issubclass(exc, newsletter.NewsletterError)
