"""Amazon SNS message verification (for SES bounce and complaint notifications).

https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html: the
signature covers named fields in a fixed order; the certificate comes from
``SigningCertURL``, which must be HTTPS on ``sns.<region>.amazonaws.com`` (anyone can
host a certificate elsewhere and sign a forged message with it). ``SignatureVersion`` 1
is SHA1withRSA, 2 is SHA256withRSA. Messages older than ``max_age`` are refused (replay).

:class:`SnsTrust` is the only place that trust is defined. Its defaults are AWS's; tests
build one with their own host pattern and CA in code, so no configuration file or
environment variable can loosen it.
"""

from __future__ import annotations

import base64
import re
import ssl
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

AWS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$")
_NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_SUBSCRIPTION_KEYS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                      "TopicArn", "Type")


class SnsError(Exception):
    """The message is not a valid, signed, fresh SNS message (the text says why)."""


@dataclass
class SnsTrust:
    """Which certificate URLs are believed, and how they are fetched."""

    host_pattern: re.Pattern[str] = AWS_HOST
    ssl_context: ssl.SSLContext | None = None  # default: the system's CAs
    port: int | None = None  # only tests use a non-default port
    max_age_seconds: float = 3600.0
    timeout: float = 10.0
    _certs: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or \
                not self.host_pattern.match(parts.hostname) or parts.username or \
                parts.password or (parts.port not in (None, 443, self.port)):
            raise SnsError(f"URL {url[:200]!r} is not an SNS endpoint "
                           "(https://sns.<region>.amazonaws.com/...)")

    def get(self, url: str) -> bytes:
        self.check_url(url)
        verify: Any = self.ssl_context or True
        with httpx.Client(verify=verify, timeout=self.timeout, follow_redirects=False) as c:
            r = c.get(url)
        if r.status_code != 200:
            raise SnsError(f"{url[:200]}: HTTP {r.status_code}")
        return r.content[:1024 * 1024]

    def certificate(self, url: str) -> Any:
        if not urlsplit(url).path.endswith(".pem"):
            raise SnsError("SigningCertURL is not a .pem certificate")
        with self._lock:
            cert = self._certs.get(url)
        if cert is None:
            cert = x509.load_pem_x509_certificate(self.get(url))
            now = datetime.now(UTC)
            if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
                raise SnsError("the SNS signing certificate is expired or not yet valid")
            with self._lock:
                if len(self._certs) > 32:
                    self._certs.clear()
                self._certs[url] = cert
        return cert


def string_to_sign(msg: dict[str, Any]) -> bytes:
    keys = _NOTIFICATION_KEYS if msg.get("Type") == "Notification" else _SUBSCRIPTION_KEYS
    out = []
    for k in keys:
        if k in msg and msg[k] is not None:
            out.append(f"{k}\n{msg[k]}\n")
    return "".join(out).encode("utf-8")


def verify(msg: dict[str, Any], trust: SnsTrust, now: datetime | None = None) -> None:
    """Raise :class:`SnsError` unless ``msg`` is an SNS message signed by SNS and fresh."""
    if not isinstance(msg, dict) or msg.get("Type") not in (
            "Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"):
        raise SnsError("not an SNS message (Type)")
    for k in ("Signature", "SigningCertURL", "Timestamp", "MessageId", "TopicArn"):
        if not isinstance(msg.get(k), str) or not msg[k]:
            raise SnsError(f"unsigned or incomplete SNS message: no {k}")
    version = str(msg.get("SignatureVersion", "1"))
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}.get(version)
    if algorithm is None:
        raise SnsError(f"unknown SignatureVersion {version!r}")
    try:
        ts = datetime.fromisoformat(msg["Timestamp"].replace("Z", "+00:00"))
    except ValueError as exc:
        raise SnsError("bad Timestamp") from exc
    age = ((now or datetime.now(UTC)) - ts).total_seconds()
    if age > trust.max_age_seconds or age < -300:
        raise SnsError(f"stale or replayed SNS message (Timestamp {msg['Timestamp']})")
    cert = trust.certificate(msg["SigningCertURL"])
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SnsError("the SNS certificate does not hold an RSA key")
    try:
        signature = base64.b64decode(msg["Signature"], validate=True)
        key.verify(signature, string_to_sign(msg), padding.PKCS1v15(), algorithm)
    except (InvalidSignature, ValueError) as exc:
        raise SnsError("the SNS signature does not verify") from exc
