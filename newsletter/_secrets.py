"""The signing secret: where it comes from, and when it is good enough (issue 12).

``NEWSLETTER_SECRET`` signs every unsubscribe, preferences and confirmation link and the
sign-up form's CSRF tokens. Nothing that appears in the source or the docs ever signs
anything:

* A known placeholder (the one the docs used, the old development fallback, "change-me"
  and the like) is refused wherever it is read.
* ``newsletter serve``, and ``send``/``run`` with a transport other than ``outbox``, refuse
  to start (exit 2) unless NEWSLETTER_SECRET is set, at least :data:`MIN_BYTES` long and
  not a placeholder (:func:`require_production_secret`).
* Without NEWSLETTER_SECRET the offline quick start still works: a random secret is
  generated once into ``<data>/secret`` (mode 0600) and a note says so on stderr. It never
  leaves the machine; links in the outbox's ``.eml`` files are signed with it.

``NEWSLETTER_SECRET_PREVIOUS`` (one or more, separated by commas or spaces) still verifies
links, so the secret can be rotated without breaking the links already mailed.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path

from .exceptions import ConfigError

MIN_BYTES = 32
ENV = "NEWSLETTER_SECRET"
ENV_PREVIOUS = "NEWSLETTER_SECRET_PREVIOUS"
FILE_NAME = "secret"
MAKE_ONE = 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"'

#: Values published in this project's source or docs, now or before (and common stand-ins).
PLACEHOLDERS = frozenset({
    "ree-daily-development-secret-change-me",  # the fallback of releases before issue 12
    "change-me-to-a-long-random-string",       # docs/service.md's environment file
    "change-me", "changeme", "change_me", "secret", "password", "test", "xxx", "...",
})
_PLACEHOLDER_WORDS = re.compile(r"change[-_ ]?me|replace[-_ ]?me|placeholder|your[-_ ]?secret",
                                re.IGNORECASE)


def placeholder(value: str) -> bool:
    """True for a secret taken from the docs or obviously not random."""
    v = value.strip()
    return (v.lower() in PLACEHOLDERS or bool(_PLACEHOLDER_WORDS.search(v))
            or len(set(v)) < 5)


def _problem(name: str, value: str | None) -> str | None:
    if not value:
        return f"{name} is not set"
    if placeholder(value):
        return f"{name} is a placeholder (from the docs, or not random)"
    n = len(value.encode())
    if n < MIN_BYTES:
        return f"{name} is {n} bytes long; it needs at least {MIN_BYTES}"
    return None


def previous_values() -> list[str]:
    """The secrets of NEWSLETTER_SECRET_PREVIOUS, in order."""
    return [v for v in re.split(r"[,\s]+", os.environ.get(ENV_PREVIOUS, "")) if v]


def _hint() -> str:
    return (f"make one with `{MAKE_ONE}` and set it in the environment (for systemd: the "
            "EnvironmentFile, see docs/service.md); keep the old value in "
            f"{ENV_PREVIOUS} when you change it (docs/security.md)")


def require_production_secret(what: str) -> None:
    """Refuse to go on unless the secrets in the environment can sign public links.

    Args:
        what: the command, for the message (``newsletter serve``).

    Raises:
        ConfigError: NEWSLETTER_SECRET is unset, short or a placeholder, or a value of
            NEWSLETTER_SECRET_PREVIOUS is short or a placeholder (exit code 2).
    """
    problems = [p for p in [_problem(ENV, os.environ.get(ENV))] if p]
    problems += [p for v in previous_values() if (p := _problem(ENV_PREVIOUS + " (a value)", v))]
    if problems:
        raise ConfigError(f"{what} refuses to start: " + "; ".join(problems)
                          + ". Links signed with it could be forged", hint=_hint())


def signing_secret(data_dir: Path) -> bytes:
    """The key that signs new links: NEWSLETTER_SECRET, else the generated local one.

    Raises:
        ConfigError: NEWSLETTER_SECRET is a placeholder, or the local secret file cannot
            be read or written.
    """
    value = os.environ.get(ENV)
    if value:
        if placeholder(value):
            raise ConfigError(f"{ENV} is a placeholder (from the docs, or not random); "
                              "refusing to sign links with it", hint=_hint())
        return value.encode()
    return _local_secret(data_dir)


def verification_secrets(data_dir: Path) -> list[bytes]:
    """The keys a link may be signed with: the signing key, then the previous ones
    (placeholders among them are skipped: they must never verify anything)."""
    return [signing_secret(data_dir)] + [v.encode() for v in previous_values()
                                         if not placeholder(v)]


def _local_secret(data_dir: Path) -> bytes:
    """``<data>/secret``: made once (random, mode 0600), then read."""
    path = data_dir / FILE_NAME
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ConfigError(f"cannot read the local signing secret {path}: {exc.strerror}",
                          hint=f"fix its permissions, or set {ENV}") from None
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return _read(path)
    except OSError as exc:
        raise ConfigError(f"cannot create the local signing secret {path}: {exc.strerror}",
                          hint=f"make [paths] data writable, or set {ENV}") from None
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48) + "\n")
    print(f"note: {ENV} is not set; generated a random signing secret in {path} (mode 0600) "
          "for local use. `newsletter serve` and SMTP sends need "
          f"{ENV} (make one with `{MAKE_ONE}`).", file=sys.stderr, flush=True)
    return _read(path)


def _read(path: Path) -> bytes:
    value = path.read_text(encoding="ascii").strip()
    if len(value) < MIN_BYTES:
        raise ConfigError(f"the local signing secret {path} is damaged (too short)",
                          hint=f"delete it to make a new one, or set {ENV}")
    return value.encode()
