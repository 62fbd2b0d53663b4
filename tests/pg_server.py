"""A throwaway PostgreSQL cluster for the tests (Debian's ``postgresql`` package).

``PgServer`` runs ``initdb`` and ``pg_ctl`` as an unprivileged user (``nobody`` when the
tests run as root: initdb refuses root) in a temporary folder, on a free loopback port,
with durability off (fsync, synchronous_commit): it is thrown away at the end.
``new_database()`` gives each test its own empty database.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def pg_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` with initdb and pg_ctl, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    for initdb in reversed(found):
        bindir = Path(initdb).parent
        if (bindir / "pg_ctl").exists():
            return bindir
    if shutil.which("initdb") and shutil.which("pg_ctl"):
        return Path(shutil.which("initdb")).parent  # type: ignore[arg-type]
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """Start with :meth:`start`, stop with :meth:`stop`; ``url`` is the admin database."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="ree-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._user: str | None = "nobody" if os.geteuid() == 0 else None
        self._n = itertools.count(1)

    def _run(self, *args: str) -> None:
        cmd = [str(a) for a in args]
        if self._user:
            cmd = ["runuser", "-u", self._user, "--", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if res.returncode:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr or res.stdout}\n{tail}")

    def start(self) -> PgServer:
        os.chmod(self.root, 0o755)
        if self._user:
            shutil.chown(self.root, self._user)
        self._run(self.bindir / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--no-sync", "--locale=C")
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200")
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-l", self.root / "log", "-w",
                  "-t", "60", "-o", opts, "start")
        return self

    def stop(self) -> None:
        try:
            self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, prefix: str = "t") -> str:
        """Create an empty database; returns its SQLAlchemy URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._n)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
