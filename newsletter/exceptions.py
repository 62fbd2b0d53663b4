"""The one exception tree of the package.

::

    NewsletterError
     ├── ConfigError          bad newsletter.toml / sources.toml / CLI usage (exit code 2)
     ├── StoreError           the database cannot be opened or migrated
     ├── FetchError           one source could not be fetched or parsed (carries .source/.url)
     │    └── ParseError      fetched, but the bytes are not a usable feed or page
     ├── RenderError          a template failed or an edition is missing
     ├── SendError            delivery failed (carries .hint)
     │    └── HeaderInjectionError  CR/LF in a name, subject or address
     ├── SubscriberError      a subscriber row or address is invalid (carries .location)
     ├── MailboxError         the bounce mailbox cannot be reached or read (carries .hint)
     ├── NotApprovedError     approval is required and the edition is not approved
     └── AlreadyRunningError  another `serve` holds the store
"""

from __future__ import annotations


class NewsletterError(Exception):
    """Root of every error this package raises on purpose.

    ``hint`` is an optional sentence telling the user what to do next.
    """

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ConfigError(NewsletterError, ValueError):
    """Invalid configuration or usage. ``problems`` lists every problem found."""

    exit_code = 2

    def __init__(self, message: str, *, problems: list[str] | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems or []

    def __str__(self) -> str:
        lines = [self.message, *("  - " + p for p in self.problems)]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class MailboxError(NewsletterError):
    """The bounce mailbox (IMAP/POP3) could not be reached, logged into or read."""


class StoreError(NewsletterError):
    """The store could not be opened, migrated or written."""


class FetchError(NewsletterError):
    """A source failed. ``source`` and ``url`` say which."""

    def __init__(self, message: str, *, source: str | None = None, url: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.source = source
        self.url = url


class ParseError(FetchError):
    """The fetched bytes are not a usable feed or page."""


class RenderError(NewsletterError):
    """Rendering failed or there is nothing to render."""


class SendError(NewsletterError):
    """Delivery failed."""


class HeaderInjectionError(SendError, ValueError):
    """A value meant for a mail header contains CR or LF."""


class SubscriberError(NewsletterError, ValueError):
    """An invalid subscriber row or address; ``location`` is ``file:line`` when known."""

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(f"{location}: {message}" if location else message)
        self.location = location


class NotApprovedError(NewsletterError):
    """Approval is required and the edition has not been approved."""

    exit_code = 1


class AlreadyRunningError(NewsletterError):
    """Another process holds the store lock this command needs (`serve`, or a list's send)."""

    exit_code = 2
