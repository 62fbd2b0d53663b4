"""``newsletter doctor``: what an operator runs after installing and before going live.

Each check is a function that returns one :class:`Check` (``ok``, ``warn`` or ``fail``, a
one-line detail and, unless ok, a hint saying what to do). Checks never raise and never
change anything: the store is opened read-only (no migration), the SMTP relay gets EHLO and
AUTH, then QUIT, never a MAIL FROM. A failed check only fails the run (exit 1); a warning is
something to look at that does not stop a send.
"""

from __future__ import annotations

import base64
import importlib.metadata
import os
import shutil
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Literal

from . import _imports, _secrets
from .config import Config, SmtpSettings, load_config
from .exceptions import NewsletterError

Status = Literal["ok", "warn", "fail"]

SMTP_TIMEOUT = 5.0
#: Distributions whose versions the import check reports (the ones a bug report needs).
KEY_PACKAGES = ("ree-daily", "feedparser", "httpx", "trafilatura", "lxml", "jinja2",
                "premailer", "sqlalchemy", "starlette", "uvicorn", "apscheduler", "pydantic")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    detail: str
    hint: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def _ok(name: str, detail: str) -> Check:
    return Check(name, "ok", detail)


# --- the checks --------------------------------------------------------------------------

def check_imports() -> Check:
    failures = _imports.walk()
    if failures:
        first = failures[0]
        return Check("imports", "fail",
                     f"{len(failures)} import(s) fail; first: {first.module}: {first.error}",
                     "reinstall through the lock: pip install -c requirements.lock -e .")
    versions = []
    for dist in KEY_PACKAGES:
        try:
            versions.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    return _ok("imports", "every module imports; " + ", ".join(versions))


def check_secret(config: Config) -> Check:
    """The same rule ``serve`` enforces at start-up (:mod:`newsletter._secrets`)."""
    try:
        _secrets.require_production_secret("serve")
    except NewsletterError as exc:
        unset = not os.environ.get(_secrets.ENV)
        if unset and config.delivery.transport == "outbox":
            return Check("secret", "warn", f"{_secrets.ENV} is not set: fine for the offline "
                         "outbox run (a generated var/secret signs), but `serve` and an SMTP "
                         "send refuse to start", exc.hint or "")
        return Check("secret", "fail", exc.message.removeprefix("serve refuses to start: "),
                     exc.hint or "")
    n = len(os.environ[_secrets.ENV].encode())
    rotating = len(_secrets.previous_values())
    return _ok("secret", f"{_secrets.ENV} is set ({n} bytes)"
               + (f"; {rotating} previous secret(s) still verify" if rotating else ""))


def check_store(config: Config) -> Check:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    from .store import schema_state, too_new_message

    url = config.store_url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        path = Path(url[len("sqlite:///"):])
        if not path.exists():
            return Check("store", "warn", f"{path} does not exist yet",
                         "it is created by the first `newsletter run` or `collect`")
        url = f"sqlite:///file:{path}?mode=ro&uri=true"  # never create or migrate here
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            if not inspect(conn).get_table_names():
                return Check("store", "warn", f"{config.store.url}: reachable, no schema yet",
                             "it is created by the first `newsletter run`")
            st = schema_state(conn)
        engine.dispose()
    except (SQLAlchemyError, ModuleNotFoundError) as exc:
        return Check("store", "fail", f"{config.store.url}: cannot connect: "
                     f"{str(exc).splitlines()[0]}", "check [store] url in newsletter.toml")
    if st.too_new:
        return Check("store", "fail", too_new_message(st),
                     "upgrade the package, or restore the store it had")
    if not st.up_to_date:
        found = st.current or f"release 0.1 schema {st.legacy}"
        return Check("store", "warn", f"schema {found}, this release has {st.head}",
                     "run `newsletter db upgrade` (any command that opens the store "
                     "also upgrades it)")
    return _ok("store", f"{config.store.url}: schema {st.head} (current)")


def check_templates(config: Config) -> Check:
    """Compile every template with the environment that renders it (the email and public
    templates share one; the preview's has filters of its own)."""
    from jinja2 import Environment, TemplateError

    from .core import Newsletter
    from .render import environment
    from .web.preview import PreviewApp

    envs: list[tuple[str, Environment]] = [("web/preview/", PreviewApp(Newsletter(config)).env),
                                           ("", environment(config))]
    names = [n for n in envs[1][1].list_templates() if n.endswith(".j2")]
    for name in names:
        env = next(e for prefix, e in envs if name.startswith(prefix))
        try:
            env.get_template(name)
        except TemplateError as exc:
            where = getattr(exc, "filename", None) or name
            line = getattr(exc, "lineno", None)
            return Check("templates", "fail", f"{where}{f':{line}' if line else ''}: {exc}",
                         "fix the template named (or delete your copy to use the default)")
    if not names:
        return Check("templates", "fail", f"no templates found under {config.templates_dir}",
                     "set paths.templates in newsletter.toml")
    return _ok("templates", f"{len(names)} templates compile")


def check_sources(config: Config) -> Check:
    from .collect import load_sources

    try:
        sources = load_sources(config.sources_file)
    except NewsletterError as exc:
        return Check("sources", "fail", str(exc).splitlines()[0], exc.hint or "")
    return _ok("sources", f"{config.sources_file}: {len(sources)} sources")


def _probe_relay(label: str, settings: SmtpSettings,
                 creds: tuple[str, str] | None) -> tuple[Status, str, str]:
    """EHLO, STARTTLS and AUTH as a send would do them (the transport's own connection
    code, with a short timeout), then QUIT: never a MAIL FROM."""
    from .deliver import SmtpTransport

    where = f"{label}{settings.host}:{settings.port} ({settings.security})"
    transport = SmtpTransport(settings.model_copy(update={"timeout": SMTP_TIMEOUT}), creds)
    if transport.plaintext_auth():
        return ("fail", f"{where}: would send the password in clear",
                'set security = "starttls" or "tls" for this relay')
    channel = transport.channel()
    try:
        channel.connect()
        if channel.smtp is None or not channel.smtp.does_esmtp:
            return ("fail", f"{where}: EHLO refused", "check the relay's host and port")
    except smtplib.SMTPAuthenticationError as exc:
        reply = exc.smtp_error
        reply_text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
        return ("fail", f"{where}: AUTH refused: {exc.smtp_code} {reply_text}",
                "check NEWSLETTER_SMTP_USERNAME and NEWSLETTER_SMTP_PASSWORD (or the "
                "relay's username_env/password_env)")
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        kind = "timed out" if isinstance(exc, socket.timeout | TimeoutError) else str(exc)
        return ("fail", f"{where}: {kind or type(exc).__name__}",
                "check [delivery.smtp] (or [[delivery.relays]]) host, port and security, "
                "and that the relay accepts connections from this host")
    finally:
        channel.close()
    return ("ok", f"{where}: EHLO ok" + (", AUTH ok" if creds else ", no AUTH configured"),
            "")


def check_smtp(config: Config) -> Check:
    """Every relay a send would use: ``[[delivery.relays]]`` when given, else
    ``[delivery.smtp]``."""
    if config.delivery.transport != "smtp":
        return _ok("smtp", f"transport is {config.delivery.transport!r}: no relay used")
    results: list[tuple[Status, str, str]] = []
    if config.delivery.relays:
        for relay in config.delivery.relays:
            try:
                creds = relay.credentials()
            except NewsletterError as exc:
                results.append(("fail", f"relay {relay.name}: {exc.message}", exc.hint or ""))
                continue
            results.append(_probe_relay(f"relay {relay.name} ", relay, creds))
    else:
        results.append(_probe_relay("", config.delivery.smtp, config.smtp_credentials()))
    failed = [r for r in results if r[0] == "fail"]
    detail = "; ".join(r[1] for r in results)
    return Check("smtp", "fail", detail, failed[0][2]) if failed else _ok("smtp", detail)


def dkim_txt_record(pem: bytes) -> str:
    """The DNS TXT value that publishes the public half of a DKIM private key."""
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_private_key,
    )

    key = load_pem_private_key(pem, password=None)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}"
    if isinstance(key, rsa.RSAPrivateKey):
        der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"
    raise ValueError(f"a {type(key).__name__} cannot sign DKIM (use RSA or Ed25519)")


def check_dkim(config: Config) -> Check:
    dk = config.delivery.dkim
    if not dk.enabled:
        hint = ("set [delivery.dkim] selector and domain, and NEWSLETTER_DKIM_KEY_FILE"
                if config.delivery.transport == "smtp" else "")
        return Check("dkim", "warn" if hint else "ok", "DKIM signing is off", hint)
    try:
        pem = config.dkim_private_key()
    except NewsletterError as exc:
        return Check("dkim", "fail", str(exc), exc.hint or "")
    if not pem:
        return Check("dkim", "fail", "[delivery.dkim] is set but no private key is given",
                     "set NEWSLETTER_DKIM_KEY_FILE to the PEM private key")
    try:
        record = dkim_txt_record(pem)
    except ValueError as exc:
        return Check("dkim", "fail", f"the DKIM private key cannot be read: {exc}",
                     "give a PEM RSA (2048 bits or more) or Ed25519 private key")
    return _ok("dkim", f"publish as TXT {dk.selector}._domainkey.{dk.domain}: \"{record}\"")


def check_public_url(config: Config) -> Check:
    url = config.newsletter.public_url
    if not url.startswith("https://"):
        return Check("public_url", "warn" if config.delivery.transport == "outbox" else "fail",
                     f"{url} is not https: unsubscribe and preference links travel in clear",
                     "serve the endpoints behind TLS and set newsletter.public_url to https://")
    host = config.public_host
    if host == "example" or host.endswith(".example"):
        return Check("public_url", "warn", f"{url} is the placeholder domain: links in the "
                     "emails would lead nowhere", "set newsletter.public_url in newsletter.toml")
    return _ok("public_url", url)


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2].lower()


def check_from_domain(config: Config) -> Check:
    dk = config.delivery.dkim
    senders = {config.newsletter.from_address,
               *(ls.from_address for ls in config.lists.values() if ls.from_address)}
    domains = sorted({_domain(a) for a in senders})
    if not dk.enabled:
        return _ok("from_domain", f"from-address domain(s): {', '.join(domains)} "
                   "(no DKIM domain to compare)")
    want = str(dk.domain).lower()
    # DMARC relaxed alignment: the DKIM domain may be the From domain or a parent of it.
    off = [d for d in domains if d != want and not d.endswith("." + want)]
    if off:
        return Check("from_domain", "fail", f"from-address domain {', '.join(off)} does not "
                     f"align with the DKIM domain {want}: DMARC will fail",
                     "send from an address at the DKIM domain, or sign with that domain")
    return _ok("from_domain", f"{', '.join(domains)} aligns with DKIM d={want}")


def check_chromium() -> Check:
    path = Path("/usr/bin/chromium")
    found = str(path) if path.exists() else shutil.which("chromium")
    if found:
        return _ok("chromium", f"{found} (screenshots in the tests; not needed to send)")
    return Check("chromium", "ok", "not installed (only the browser tests use it)",
                 "apt-get install -y chromium to run them")


# --- running them ------------------------------------------------------------------------

def run_checks(config_path: str | os.PathLike[str] | None = None) -> list[Check]:
    """Every check, in the order an operator reads them. A config that does not load
    stops the checks that need it (they would only repeat its error)."""
    checks = [check_imports()]
    try:
        config = load_config(config_path)
    except NewsletterError as exc:
        detail = "\n".join([exc.message, *getattr(exc, "problems", [])])
        checks.append(Check("config", "fail", detail, exc.hint or ""))
        return [*checks, check_chromium()]
    checks.append(_ok("config", f"{config.file}: valid"))
    per_config: Iterable[Callable[[Config], Check]] = (
        check_store, check_templates, check_sources, check_secret, check_smtp, check_dkim,
        check_public_url, check_from_domain)
    for fn in per_config:
        try:
            checks.append(fn(config))
        except Exception as exc:  # a check must not stop the others; say what broke
            checks.append(Check(fn.__name__.removeprefix("check_"), "fail",
                                f"the check itself failed: {type(exc).__name__}: {exc}"))
    checks.append(check_chromium())
    return checks
