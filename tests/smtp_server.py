"""A controllable SMTP server for tests (aiosmtpd in a thread on 127.0.0.1).

    with SmtpServer() as srv:
        srv.temp_fail.add("a@example.com")      # 451 at RCPT for this address
        srv.perm_fail.add("b@example.com")      # 550 at RCPT
        srv.drop_after = 3                       # close each connection after 3 messages
        srv.stop(); srv.start()                  # go down / come back on the same port
        srv.received                             # list[Received]; srv.count_for(addr)

``SmtpServer(security="starttls"|"tls")`` serves a self-signed certificate made at test time
with ``cryptography``; :func:`client_context` returns an SSLContext that trusts it.
``SmtpServer(auth=("user", "pw"))`` requires AUTH PLAIN/LOGIN. The server offers
PIPELINING (RFC 2920) unless ``pipelining=False``.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    mail_options: tuple[str, ...] = ()


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(n: int) -> list[int]:
    """*n* distinct free loopback ports: the sockets are held open together while the
    kernel picks, so two calls in a row cannot hand out the same port."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def make_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost (needs ``cryptography``)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        if not getattr(session, "_test_counted", False):
            session._test_counted = True
            with self.server.lock:
                self.server.sessions += 1
        session.host_name = hostname
        if self.server.pipelining:  # as Postfix and the big relays do (RFC 2920)
            responses.append("250-PIPELINING")
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        srv = self.server
        if address in srv.perm_fail:
            return f"550 5.1.1 <{address}>: no such user"
        if address in srv.temp_fail:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        srv = self.server
        content = envelope.original_content or envelope.content
        with srv.lock:
            srv.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos),
                                         bytes(content), tuple(envelope.mail_options)))
            for r in envelope.rcpt_tos:
                srv.counts[r] = srv.counts.get(r, 0) + 1
        n = getattr(session, "_test_messages", 0) + 1
        session._test_messages = n
        if srv.drop_after and n >= srv.drop_after:
            session._test_drop = True  # drop the connection at the next MAIL FROM
        return "250 2.0.0 queued"

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        if getattr(session, "_test_drop", False):
            server.transport.close()  # the client sees the connection go away
            return "421 4.4.2 closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that tests can steer (see the module docstring)."""

    def __init__(self, *, security: str = "none", auth: tuple[str, str] | None = None,
                 port: int | None = None, smtputf8: bool = False,
                 pipelining: bool = True) -> None:
        self.port = port or free_port()
        self.pipelining = pipelining
        self.smtputf8 = smtputf8
        self.host = "127.0.0.1"
        self.security = security
        self.auth = auth
        self.received: list[Received] = []
        self.counts: dict[str, int] = {}
        self.temp_fail: set[str] = set()
        self.perm_fail: set[str] = set()
        self.drop_after = 0
        self.sessions = 0
        self.lock = threading.Lock()
        self.controller: Controller | None = None
        self._tmp = tempfile.TemporaryDirectory()
        self.cert_file: Path | None = None
        if security != "none":
            self.cert_file, self.key_file = make_cert(Path(self._tmp.name))

    def _server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(self.cert_file), str(self.key_file))
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """An SSLContext trusting this server's self-signed certificate."""
        ctx = ssl.create_default_context(cafile=str(self.cert_file))
        return ctx

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:
        ok = (isinstance(data, LoginPassword) and self.auth is not None
              and (data.login.decode(), data.password.decode()) == self.auth)
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {"hostname": self.host, "port": self.port,
                                  "ready_timeout": 5.0, "enable_SMTPUTF8": self.smtputf8}
        if self.security == "starttls":
            kwargs["tls_context"] = self._server_context()
            kwargs["require_starttls"] = True
        elif self.security == "tls":
            kwargs["ssl_context"] = self._server_context()
        if self.auth is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self.security != "none")
        self.controller = Controller(_Handler(self), **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._tmp.cleanup()

    # inspection -----------------------------------------------------------------------
    def count_for(self, address: str) -> int:
        with self.lock:
            return self.counts.get(address, 0)

    @property
    def total(self) -> int:
        with self.lock:
            return len(self.received)

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.counts.clear()
