"""A throw-away Debian dovecot (IMAP + POP3) on loopback ports for the mailbox tests.

Started with its own config in a temporary folder, as an unprivileged user (``nobody``
when the tests run as root, else the current user), with one user from a static
passwd-file. Plain ports offer STARTTLS/STLS; ``imaps_port`` is implicit TLS; the
certificate is self-signed and ``client_context`` trusts it.
"""

from __future__ import annotations

import getpass
import imaplib
import os
import shutil
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

from smtp_server import free_ports, make_cert

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "bounces", "s3cret-pw"


def available() -> bool:
    return Path(DOVECOT).exists()


class Dovecot:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="dovecot-test-"))
        self.imap_port, self.imaps_port, self.pop3_port = free_ports(3)
        self.proc: subprocess.Popen[bytes] | None = None
        self.cert, self.key = make_cert(self.dir)

    @property
    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.cert))
        return ctx

    def _config(self, user: str, group: str, uid: int, gid: int) -> str:
        d = self.dir
        return f"""
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""

    def start(self) -> Dovecot:
        root = os.getuid() == 0
        if root:
            user, group, uid, gid = "nobody", "nogroup", 65534, 65534
        else:
            user, uid, gid = getpass.getuser(), os.getuid(), os.getgid()
            import grp

            group = grp.getgrgid(gid).gr_name
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir()
        (self.dir / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        conf = self.dir / "dovecot.conf"
        conf.write_text(self._config(user, group, uid, gid))
        cmd = [DOVECOT, "-F", "-c", str(conf)]
        if root:
            for p in [self.dir, *self.dir.rglob("*")]:
                os.chown(p, uid, gid)
            cmd = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *cmd]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                m = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=2)
                m.logout()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        log = (self.dir / "dovecot.log")
        out = self.proc.stdout.read().decode() if self.proc.poll() is not None and \
            self.proc.stdout else ""
        self.stop()
        raise RuntimeError(f"dovecot did not start: {out}"
                           f"{log.read_text() if log.exists() else ''}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- helpers for the tests -----------------------------------------------------------
    def imap(self) -> imaplib.IMAP4:
        m = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        m.login(USER, PASSWORD)
        return m

    def append(self, messages: list[bytes], folder: str = "INBOX") -> None:
        """Deliver real messages into a folder (IMAP APPEND, as an MDA would store them)."""
        m = self.imap()
        try:
            for raw in messages:
                typ, data = m.append(folder, None, None, raw)
                assert typ == "OK", data
        finally:
            m.logout()

    def message_ids(self, folder: str) -> list[str]:
        """The Message-ID of every undeleted message of a folder (duplicates kept)."""
        m = self.imap()
        try:
            m.select(f'"{folder}"', readonly=True)
            typ, data = m.search(None, "UNDELETED")
            nums = data[0].split() if data and data[0] else []
            out = []
            for n in nums:
                typ, parts = m.fetch(n, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                out.append(parts[0][1].decode().split(":", 1)[1].strip())
            return out
        finally:
            m.logout()

    def count(self, folder: str) -> int:
        m = self.imap()
        try:
            typ, data = m.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return 0
            typ, data = m.search(None, "UNDELETED")
            return len(data[0].split()) if data and data[0] else 0
        finally:
            m.logout()
