"""The one configuration model: ``newsletter.toml`` parsed with tomllib, validated with pydantic.

Every problem in the file is reported together, each named by file and dotted key
(``newsletter.toml: delivery.smtp.port: expected an integer``), and raised as one
:class:`~newsletter.exceptions.ConfigError` (exit code 2). Relative paths resolve against the
directory holding the config file. Secrets come only from the environment
(``NEWSLETTER_SECRET``, ``NEWSLETTER_SECRET_PREVIOUS``, ``NEWSLETTER_SMTP_USERNAME``,
``NEWSLETTER_SMTP_PASSWORD``, ``NEWSLETTER_DKIM_KEY``); a secret-looking key in the file is
an error.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from . import resources
from ._version import __version__
from .exceptions import ConfigError

SECRET_KEYS = {"password", "secret", "username", "token", "api_key", "private_key"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_tz(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                         "'Europe/London' or 'UTC')") from exc
    return value


class NewsletterSettings(_Model):
    title: str = "REE Daily"
    tagline: str = "The rare-earth market in two minutes"
    from_address: str = "REE Daily <daily@ree-daily.example>"
    reply_to: str | None = None
    postal_address: str = "REE Daily, 1 Example Street, London EC1A 1AA, United Kingdom"
    public_url: str = "https://ree-daily.example"
    timezone: str = "UTC"
    contact_url: str = "https://github.com/ree-daily/ree-daily"
    unsubscribe_mailto: str | None = None

    _tz = field_validator("timezone")(_check_tz)

    @field_validator("public_url", "contact_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("expected an absolute http(s) URL")
        return v.rstrip("/")


class StoreSettings(_Model):
    url: str = "sqlite:///var/newsletter.db"


class PathSettings(_Model):
    """``[paths]``. ``templates`` overrides the packaged templates file by file; ``sources``
    and ``snapshots`` left at their defaults fall back to the packaged ones when the
    project folder has no such file or folder (see :mod:`newsletter.resources`)."""

    data: str = "var"
    templates: str = "templates"
    sources: str = "sources.toml"
    snapshots: str = "snapshots"


#: the send time of a weekly list that sets no ``send`` (Fridays, 16:00)
WEEKLY_SEND = "0 16 * * 5"


class ListSettings(_Model):
    file: str
    #: what the list receives (issue 17): the daily edition, the Friday recap, or alerts
    edition: Literal["daily", "weekly", "alerts"] = "daily"
    name: str | None = None
    list_id: str | None = None
    from_address: str | None = None
    reply_to: str | None = None
    description: str = "You receive this email because you subscribed to it."
    send: str | None = None
    timezone: str | None = None
    relays: list[str] | None = None  # pin the list to these [[delivery.relays]] names

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str | None) -> str | None:
        return None if v is None else _check_tz(v)


class SmtpSettings(_Model):
    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    connections: int = Field(default=2, ge=1, le=64)
    timeout: float = Field(default=30.0, gt=0)


class RelaySettings(SmtpSettings):
    """One ``[[delivery.relays]]`` entry: an SMTP relay with its own limits.

    Credentials come from the environment variables it names (never the file).
    """

    name: str = Field(min_length=1, max_length=50)
    weight: float = Field(default=1.0, gt=0)
    rate_per_second: float = Field(default=0.0, ge=0, description="0 = unlimited")
    rate_per_hour: int = Field(default=0, ge=0, description="0 = unlimited")
    cooldown_seconds: float = Field(default=60.0, ge=0)
    username_env: str | None = None
    password_env: str | None = None

    def credentials(self) -> tuple[str, str] | None:
        if not self.username_env:
            return None
        user = os.environ.get(self.username_env)
        if not user:
            raise ConfigError(f"[[delivery.relays]] {self.name!r}: username_env names "
                              f"{self.username_env}, which is not set",
                              hint=f"export {self.username_env}=... (and "
                                   f"{self.password_env or 'its password variable'})")
        return user, os.environ.get(self.password_env or "", "")


class DkimSettings(_Model):
    """``[delivery.dkim]``: sign outgoing mail when ``selector`` and ``domain`` are set.

    The private key (PEM) comes from the environment: the file named by
    ``NEWSLETTER_DKIM_KEY_FILE``, or the PEM text itself in ``NEWSLETTER_DKIM_KEY``.
    """

    selector: str | None = None
    domain: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.selector and self.domain)


class DeliverySettings(_Model):
    transport: Literal["outbox", "smtp"] = "outbox"
    rate_limit: float = Field(default=0.0, ge=0, description="messages/s, 0 = unlimited")
    window_seconds: float = Field(default=0.0, ge=0)
    window_limit: int = Field(default=0, ge=0)
    max_errors: int = Field(default=20, ge=1)
    max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=60.0, ge=0)
    retry_max_seconds: float = Field(default=3600.0, ge=0)
    smtp: SmtpSettings = SmtpSettings()
    #: several relays (used instead of ``smtp`` when given, with transport = "smtp")
    relays: list[RelaySettings] = []
    dkim: DkimSettings = DkimSettings()
    # VERP (issue 14): when set, each message's envelope sender (Return-Path) is
    # local+<signed subscriber token>@domain of this address, so a bounce names its
    # subscriber. The visible From is unchanged.
    bounce_address: str | None = None

    @field_validator("bounce_address")
    @classmethod
    def _bounce_address(cls, v: str | None) -> str | None:
        if v is None:
            return v
        local, at, domain = v.strip().rpartition("@")
        if not at or not local or "." not in domain or "+" in local or " " in v \
                or len(local) > 40:
            raise ValueError("expected a plain address such as 'bounces@example.com' "
                             "(no '+', no name, local part of at most 40 characters)")
        return v.strip()

    @field_validator("relays")
    @classmethod
    def _unique_relays(cls, v: list[RelaySettings]) -> list[RelaySettings]:
        names = [r.name for r in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"relay names must be unique: {', '.join(dup)} repeated")
        return v


class CollectSettings(_Model):
    concurrency: int = Field(default=16, ge=1)
    per_host: int = Field(default=2, ge=1)
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=20.0, gt=0)
    deadline: float = Field(default=60.0, gt=0, description="total seconds per fetch")
    max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_redirects: int = Field(default=5, ge=0)
    retries: int = Field(default=2, ge=0)
    retry_after_max: float = Field(default=120.0, ge=0)
    respect_robots: bool = True
    allow_private_links: bool = False
    user_agent: str | None = None
    follow_limit: int = Field(default=20, ge=0, description="article pages per source")


class ScheduleSettings(_Model):
    timezone: str = "UTC"
    collect: str = "0 5,11,17 * * *"
    build: str = "30 5 * * *"
    send: str = "0 6 * * *"
    grace_minutes: int = Field(default=120, ge=0)
    # `serve` only: the scheduled collect replays the snapshots (like --offline).
    offline: bool = False
    # `serve` only: seconds without a heartbeat before another instance may take the lock.
    lock_stale_seconds: float = Field(default=30.0, gt=0)

    _tz = field_validator("timezone")(_check_tz)

    @field_validator("collect", "build", "send")
    @classmethod
    def _cron(cls, v: str) -> str:
        n = len(v.split())
        if n not in (5, 6):
            raise ValueError(f"expected a cron expression of 5 fields (or 6 with seconds "
                             f"first), got {n} fields")
        return v


class WebSettings(_Model):
    bind: str = "127.0.0.1:8080"
    subscribe_per_minute: int = Field(default=5, ge=1, description="POSTs per client IP")
    # Security (issue 12, docs/security.md). Host names `serve` answers besides the host
    # of [newsletter] public_url; loopback names are added for health checks unless
    # `allow_loopback_host` is false. Any other Host gets 400.
    allowed_hosts: list[str] = []
    allow_loopback_host: bool = True
    # Seconds a client may take to send its request headers, and then its body.
    header_timeout: float = Field(default=10.0, gt=0)
    body_timeout: float = Field(default=10.0, gt=0)
    # Open connections per client address (IPv6: per /64); more are refused.
    max_connections_per_client: int = Field(default=20, ge=1)
    # A "Manage preferences" link older than this shows a "send me a fresh link" form.
    preferences_max_age_days: int = Field(default=180, ge=1)

    @field_validator("bind")
    @classmethod
    def _bind(cls, v: str) -> str:
        host, sep, port = v.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("expected HOST:PORT, e.g. '127.0.0.1:8080'")
        return v


class MailboxSettings(_Model):
    """``[bounces.mailbox]``: where bounces to ``[delivery] bounce_address`` arrive.
    Credentials: NEWSLETTER_BOUNCE_USERNAME / NEWSLETTER_BOUNCE_PASSWORD."""

    protocol: Literal["imap", "pop3"] = "imap"
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] = "tls"
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    timeout: float = Field(default=30.0, gt=0)
    max_messages: int = Field(default=500, ge=1, description="per run")
    every_minutes: int = Field(default=10, ge=1, description="`serve` fetches this often")


class BounceSettings(_Model):
    """``[bounces]``: the policy applied to bounces and complaints (issue 14)."""

    soft_threshold: float = Field(default=5.0, gt=0, description="score that suspends")
    score_reset_days: int = Field(default=7, ge=1,
                                  description="no bounce for this long: score starts over")
    reenable_days: int = Field(default=14, ge=1, description="suspended -> active again")
    complaint_rate_limit: float = Field(default=0.003, ge=0, le=1,
                                        description="last edition's rate that pauses sends")
    mailbox: MailboxSettings = MailboxSettings()


class WebhookSettings(_Model):
    """``[webhooks]``: provider event routes under /webhooks/ (issue 14); each is off
    until enabled here. Secrets from the environment: NEWSLETTER_WEBHOOK_POSTMARK_USERNAME
    / _PASSWORD (basic auth), NEWSLETTER_WEBHOOK_MAILGUN_KEY (HTTP signing key),
    NEWSLETTER_WEBHOOK_TOKEN (bearer token of /webhooks/generic)."""

    ses: bool = False
    ses_topic_arns: list[str] = Field(default_factory=list,
                                      description="accepted TopicArn values; empty: any")
    postmark: bool = False
    sendgrid_public_key: str | None = None  # the "Verification Key" (base64 DER), public
    mailgun: bool = False
    generic: bool = False
    max_age_seconds: int = Field(default=300, ge=30, le=3600,
                                 description="signed timestamps older than this: refused")


class EditorialSettings(_Model):
    approval: Literal["auto", "required"] = "auto"
    max_story_count: int = Field(default=12, ge=1)
    max_highlights: int = Field(default=5, ge=3, le=7)
    stale_price_days: int = Field(default=7, ge=0)
    relevance_threshold: float = Field(default=0.5, ge=0, le=1)
    lookback_days: int = Field(default=3, ge=1)
    size_budget_kb: int = Field(default=102, ge=10)


class AlertSettings(_Model):
    """``[alerts]``: price-move thresholds of the lists with ``edition = "alerts"``
    (``summarize.alerts.Thresholds`` reads them; commodity ids are checked there, when a
    ``Newsletter`` is made, and reported with this table's key)."""

    default_pct: float = Field(default=3.0, gt=0, le=100)
    index_pct: float = Field(default=2.0, gt=0, le=100)
    groups: dict[Literal["oxides", "metals", "indices", "heavy", "light"],
                 Annotated[float, Field(gt=0, le=100)]] = {}
    commodities: dict[str, Annotated[float, Field(gt=0, le=100)]] = {}
    max_per_day: int = Field(default=3, ge=1, le=50)
    max_gap_days: int = Field(default=10, ge=1, le=60)


class Config(_Model):
    """The whole validated configuration. ``root`` is the config file's directory."""

    newsletter: NewsletterSettings = NewsletterSettings()
    store: StoreSettings = StoreSettings()
    paths: PathSettings = PathSettings()
    lists: dict[str, ListSettings] = {"daily": ListSettings(file="subscribers/daily.csv")}
    delivery: DeliverySettings = DeliverySettings()
    collect: CollectSettings = CollectSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    web: WebSettings = WebSettings()
    editorial: EditorialSettings = EditorialSettings()
    bounces: BounceSettings = BounceSettings()
    webhooks: WebhookSettings = WebhookSettings()
    #: ``[alerts]``: price-move thresholds of every list with ``edition = "alerts"``
    alerts: AlertSettings = AlertSettings()
    root: Path = Path(".")
    file: Path = Path("newsletter.toml")

    @field_validator("lists")
    @classmethod
    def _list_names(cls, v: dict[str, ListSettings]) -> dict[str, ListSettings]:
        bad = [n for n in v if not n or "+" in n or "/" in n]
        if bad:
            raise ValueError(f"list names may not be empty or hold '+' or '/': "
                             f"{', '.join(map(repr, bad))} (the ledger keys an alert as "
                             "LIST+COMMODITY)")
        return v

    # --- derived paths -------------------------------------------------------------------
    def path(self, rel: str) -> Path:
        p = Path(rel)
        return p if p.is_absolute() else self.root / p

    @property
    def data_dir(self) -> Path:
        return self.path(self.paths.data)

    @property
    def templates_dir(self) -> Path:
        return self.path(self.paths.templates)

    def _project_or_packaged(self, key: str, packaged: Path) -> Path:
        """The project's file for ``paths.KEY``; the packaged one when the key is left at
        its default and the project folder has no such file (a path set in the file is
        used as written, so a mistyped one is reported, not silently replaced)."""
        value = getattr(self.paths, key)
        own = self.path(value)
        if value == PathSettings.model_fields[key].default and not own.exists():
            return packaged
        return own

    @property
    def sources_file(self) -> Path:
        return self._project_or_packaged("sources", resources.packaged_sources())

    @property
    def snapshots_dir(self) -> Path:
        return self._project_or_packaged("snapshots", resources.packaged_snapshots())

    @property
    def store_url(self) -> str:
        url = self.store.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith("sqlite:////"):
            rel = url[len(prefix):]
            if rel and rel != ":memory:":
                return prefix + str(self.path(rel))
        return url

    def list_settings(self, name: str) -> ListSettings:
        try:
            return self.lists[name]
        except KeyError:
            raise ConfigError(f"no list named {name!r} in {self.file}",
                              hint=f"lists defined: {', '.join(self.lists) or 'none'}") from None

    def send_cron(self, name: str) -> str:
        """The send time of list ``name``: its ``send``, else ``[schedule] send`` for a
        daily list and :data:`WEEKLY_SEND` (Fridays) for a weekly one."""
        ls = self.list_settings(name)
        if ls.send:
            return ls.send
        return WEEKLY_SEND if ls.edition == "weekly" else self.schedule.send

    def lists_of(self, edition: str) -> list[str]:
        """The names of the lists that receive ``edition`` ("daily", "weekly", "alerts")."""
        return [n for n, ls in self.lists.items() if ls.edition == edition]

    def list_id(self, name: str) -> str:
        ls = self.list_settings(name)
        if ls.list_id:
            return ls.list_id
        return f"{name}.{self.public_host}"

    @property
    def public_host(self) -> str:
        """The host name of ``[newsletter] public_url``, lower-cased, without port: the
        domain of List-Id, Message-IDs and Content-IDs, and the Host ``serve`` answers."""
        return urlsplit(self.newsletter.public_url).hostname or ""

    @property
    def user_agent(self) -> str:
        return self.collect.user_agent or (
            f"REE-Daily/{__version__} (+{self.newsletter.contact_url})")

    # --- secrets from the environment ------------------------------------------------------
    def secret(self) -> bytes:
        """The HMAC key that signs new links: NEWSLETTER_SECRET, or (when it is unset) a
        random one generated once into ``<data>/secret``. See :mod:`newsletter._secrets`;
        ``serve`` and SMTP sends require NEWSLETTER_SECRET (``require_secret``)."""
        from ._secrets import signing_secret

        return signing_secret(self.data_dir)

    def verify_secrets(self) -> list[bytes]:
        """The keys a link may be signed with: :meth:`secret`, then the values of
        NEWSLETTER_SECRET_PREVIOUS (key rotation)."""
        from ._secrets import verification_secrets

        return verification_secrets(self.data_dir)

    @staticmethod
    def require_secret(what: str) -> None:
        """Raise ConfigError (exit 2) unless NEWSLETTER_SECRET can sign public links."""
        from ._secrets import require_production_secret

        require_production_secret(what)

    @staticmethod
    def dkim_private_key() -> bytes | None:
        """The DKIM private key (PEM bytes) from NEWSLETTER_DKIM_KEY_FILE or
        NEWSLETTER_DKIM_KEY, or None when neither is set.

        Raises:
            ConfigError: NEWSLETTER_DKIM_KEY_FILE names a file that cannot be read.
        """
        path = os.environ.get("NEWSLETTER_DKIM_KEY_FILE")
        if path:
            try:
                return Path(path).read_bytes()
            except OSError as exc:
                raise ConfigError(f"NEWSLETTER_DKIM_KEY_FILE: cannot read {path}: {exc}",
                                  hint="point it at the PEM private key of the selector "
                                       "in [delivery.dkim]") from None
        value = os.environ.get("NEWSLETTER_DKIM_KEY")
        return value.encode() if value else None

    @staticmethod
    def smtp_credentials() -> tuple[str, str] | None:
        user = os.environ.get("NEWSLETTER_SMTP_USERNAME")
        password = os.environ.get("NEWSLETTER_SMTP_PASSWORD")
        return (user, password or "") if user else None


def _describe(err: ErrorDetails) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{loc}: unknown key (check the spelling; see README 'Configuration')"
    if kind == "missing":
        return f"{loc}: required key is missing"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    got = err.get("input")
    if not isinstance(got, dict | list):
        msg += f" (got {got!r})"
    return f"{loc}: {msg}"


def _line_of(lines: list[str], dotted: str) -> int | None:
    """Best-effort line number of a dotted key in the TOML text (for error messages)."""
    parts = dotted.split(".")
    for i, ln in enumerate(lines):
        if ln.strip().replace(" ", "") in (f"[{dotted}]", f"[[{dotted}]]"):
            return i + 1
    for cut in range(len(parts) - 1, -1, -1):
        table, keys = parts[:cut], parts[cut:]
        header = "[" + ".".join(table) + "]"
        start = 0
        if table:
            found = [i for i, ln in enumerate(lines) if ln.strip().replace(" ", "") == header]
            if not found:
                continue
            start = found[0] + 1
        for i in range(start, len(lines)):
            stripped = lines[i].strip()
            if i > start and stripped.startswith("[") and table:
                break
            if stripped.split("=", 1)[0].strip().strip('"') == keys[0] and "=" in stripped:
                return i + 1
        if table and len(keys) == 0:
            return start
    return None


def _find_secrets(data: Any, prefix: str = "") -> list[str]:
    found = []
    if isinstance(data, dict):
        for k, v in data.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            if str(k).lower() in SECRET_KEYS and prefix.split(".")[0] != "lists":
                found.append(f"{path}: secrets do not belong in the file; set the "
                             "environment variable instead (NEWSLETTER_SMTP_USERNAME, "
                             "NEWSLETTER_SMTP_PASSWORD, NEWSLETTER_SECRET)")
            found.extend(_find_secrets(v, path))
    return found


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate a config file.

    Args:
        path: the TOML file; default ``./newsletter.toml``.

    Raises:
        ConfigError: there is no such file (``newsletter init`` makes one), it is
            unreadable, not valid TOML, or fails validation. The error lists every problem
            with its dotted key.
    """
    file = Path(path) if path is not None else Path("newsletter.toml")
    if not file.is_file():
        if path is None:
            raise ConfigError(f"no newsletter.toml in {Path.cwd()}: run `newsletter init` "
                              "to create a project folder, or pass --config")
        if file.is_dir():
            raise ConfigError(f"{file}: is a folder, not a config file",
                              hint=f"pass --config {file / 'newsletter.toml'}")
        raise ConfigError(f"{file}: config file not found",
                          hint="pass the path of an existing newsletter.toml, or run "
                               "`newsletter init DIR` to create a project folder")
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}",
                          hint="fix the line named above (strings need quotes, tables "
                               "are written [section])") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from None
    problems = _find_secrets(data)
    secret_paths = {p.split(":", 1)[0] for p in problems}
    try:
        cfg = Config(**data, root=file.resolve().parent, file=file.resolve())
    except ValidationError as exc:
        problems += [_describe(e) for e in exc.errors()
                     if ".".join(map(str, e["loc"])) not in secret_paths]
        cfg = None
    except TypeError as exc:
        problems.append(str(exc))
        cfg = None
    if problems or cfg is None:
        lines = file.read_text(encoding="utf-8").splitlines()
        located = []
        for p in problems:
            n = _line_of(lines, p.split(":", 1)[0])
            located.append(f"line {n}: {p}" if n else p)
        raise ConfigError(f"{file}: {len(problems)} problem(s) in the configuration:",
                          problems=located,
                          hint="see the README section 'Configuration' for every key")
    return cfg
