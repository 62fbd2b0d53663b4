"""``newsletter serve``: the scheduler and the public web endpoints in one process.

* **Single instance.** A ``serve`` lock in the store (holder ``host:pid``, heartbeat every
  ``lock_stale_seconds / 3``). A second ``serve`` on the same store refuses to start with
  exit code 2 and names the running one. A holder that died without releasing the lock
  (SIGKILL, power loss) is taken over once its heartbeat is older than
  ``[schedule] lock_stale_seconds`` and, on this host, its pid is gone; a restart waits
  that long rather than fail.
* **Many instances on PostgreSQL** (:mod:`newsletter.leader`): no ``serve`` lock; every
  instance serves the web app and one, elected through a PostgreSQL advisory lock, runs
  the scheduler. SQLite keeps the single-instance lock above.
* **Scheduler** (:mod:`newsletter.schedule`) in background threads, **web app**
  (:mod:`newsletter.web.public`) served by uvicorn in the main thread.
* **Signals.** SIGTERM or SIGINT: no new jobs start, the scheduler stops, uvicorn stops
  accepting requests, the sender's ``stop_event`` is set so it finishes (or checkpoints)
  the message in flight; the lock is released and the process exits 0 within 10 s.
* **Logs**: one ``key=value`` line per event on stdout (journald adds the time); tokens and
  passwords are never logged (request paths are logged with tokens redacted).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Generator
from typing import Any

import uvicorn

from ._cron import next_fire_times
from ._logfmt import KeyValueFormatter, kv
from .core import Newsletter
from .exceptions import AlreadyRunningError, ConfigError, NewsletterError
from .schedule import JobGuard, Runner, catch_up, make_scheduler
from .store import LockInfo

log = logging.getLogger("newsletter.service")

LOCK_NAME = "serve"
SHUTDOWN_BUDGET = 8.0  # seconds from the signal to exit; the requirement is 10


def setup_logging(level: int = logging.INFO) -> None:
    """Send the package's logs to stdout, one key=value line each (idempotent)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(KeyValueFormatter())
    for name in ("newsletter", "apscheduler", "uvicorn.error"):
        lg = logging.getLogger(name)
        for h in list(lg.handlers):
            if getattr(h, "_ree_service", False):
                lg.removeHandler(h)
        handler._ree_service = True  # type: ignore[attr-defined]
        lg.addHandler(handler)
        lg.propagate = False
        lg.setLevel(level if name == "newsletter" else logging.WARNING)
    # python-multipart warns on every malformed upload: client noise, not our event.
    logging.getLogger("python_multipart").setLevel(logging.ERROR)
    logging.getLogger("multipart").setLevel(logging.ERROR)


def _parse_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    return host.strip("[]"), int(port)


def _bind_socket(bind: str) -> socket.socket:
    host, port = _parse_bind(bind)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on connections accepted from a
    # socket whose proto says TCP; without it every response waited ~40 ms for the
    # client's delayed ACK (Nagle), whatever the app did (bench/web.py).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"[web] bind = {bind!r}: cannot listen there: {exc.strerror}",
                          hint="choose a free port in [web] bind, or stop the program "
                               "using it") from None
    sock.set_inheritable(True)
    return sock


def acquire_service_lock(nl: Newsletter, stop: threading.Event | None = None) -> bool:
    """Take the ``serve`` lock, waiting out a stale one left by a dead process.

    Returns:
        True once the lock is held; False if ``stop`` was set while waiting (a signal
        during the wait is a clean stop, not an error).

    Raises:
        AlreadyRunningError: another live instance holds the store (exit code 2).
    """
    stale_after = nl.config.schedule.lock_stale_seconds

    def on_wait(cur: LockInfo) -> None:
        log.warning(kv("lock_wait", holder=cur.holder,
                       reason="previous instance died; waiting for its lock to go stale",
                       stale_after=stale_after))

    res = nl.store.acquire_lock_waiting(LOCK_NAME, nl.now, stale_after=stale_after,
                                        stop=stop, on_wait=on_wait)
    if res.acquired:
        if res.took_over:
            log.warning(kv("lock_taken_over", previous=res.took_over.holder,
                           previous_heartbeat=res.took_over.heartbeat))
        return True
    if stop is not None and stop.is_set():
        return False
    raise AlreadyRunningError(
        "another `newsletter serve` is running on this store: "
        + (res.holder.describe() if res.holder else "(holder unknown)"),
        hint="stop it first (systemctl stop newsletter), or point --config at "
             "another store")


class _Server(uvicorn.Server):
    """uvicorn, with our signal handling instead of its own."""

    def __init__(self, config: uvicorn.Config, service: Service) -> None:
        super().__init__(config)
        self._service = service

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {sig: signal.signal(sig, self._service.on_signal)
                     for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


class Service:
    """The running service: lock, heartbeat, scheduler, web server, shutdown."""

    def __init__(self, nl: Newsletter) -> None:
        self.nl = nl
        self.stop_event = threading.Event()
        self.signalled_at: float | None = None
        self.exit_code = 0
        self.guard = JobGuard(nl, nl.config.schedule.lock_stale_seconds)
        self.runner = Runner(nl, self.stop_event, self.guard)
        self.server: _Server | None = None
        self._hb_stop = threading.Event()
        self.election: Any = None  # leader.Election on a PostgreSQL store
        self._sched: Any = None

    # --- signals -------------------------------------------------------------------------
    def on_signal(self, signum: int, _frame: Any) -> None:
        """SIGTERM/SIGINT: stop taking new work; a second SIGINT forces the exit."""
        name = signal.Signals(signum).name
        if self.stop_event.is_set():
            if signum == signal.SIGINT and self.server is not None:
                self.server.force_exit = True
            return
        self.signalled_at = time.monotonic()
        log.info(kv("shutdown", signal=name, action="stop new work, finish message in flight"))
        self.request_stop()

    def request_stop(self) -> None:
        self.stop_event.set()
        if self.server is not None:
            self.server.should_exit = True

    # --- heartbeat -----------------------------------------------------------------------
    def _heartbeat(self) -> None:
        every = max(0.2, self.nl.config.schedule.lock_stale_seconds / 3)
        while not self._hb_stop.wait(every):
            try:
                ok = self.nl.store.heartbeat_lock(LOCK_NAME, self.nl.now())
                for name in self.guard.held:
                    self.nl.store.heartbeat_lock(name, self.nl.now())
            except NewsletterError as exc:
                log.error(kv("heartbeat_failed", error=exc.message))
                continue
            if not ok:
                log.error(kv("lock_lost", reason="another instance took over the store; "
                                                 "stopping"))
                self.exit_code = 1
                self.request_stop()
                return

    # --- run -----------------------------------------------------------------------------
    def run(self) -> int:
        nl = self.nl
        cfg = nl.config
        # Validate everything before taking the lock or a port. A missing, short or
        # placeholder secret would let anyone forge unsubscribe, preferences and
        # confirmation links: refuse (exit 2) rather than fail open (issue 12).
        cfg.require_secret("`newsletter serve`")
        sched = make_scheduler(nl, self.runner)
        if threading.current_thread() is threading.main_thread():
            # A signal during start-up is a clean stop too: without this, a SIGINT between
            # the "started" log line and uvicorn installing its handlers would raise
            # KeyboardInterrupt (exit 130). _Server.capture_signals re-installs the same.
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self.on_signal)
        from .leader import Election, supports_election

        if supports_election(nl.store):  # many instances; one elected scheduler
            stale = cfg.schedule.lock_stale_seconds
            self.election = Election(nl.store, nl.now, stale_after=stale,
                                     poll=max(0.2, min(10.0, stale / 3)))
        elif not acquire_service_lock(nl, self.stop_event):
            log.info(kv("stopped", code=0, reason="signalled while waiting for the lock"))
            return 0
        hb = threading.Thread(target=self._heartbeat if self.election is None
                              else self._elect, name="lock-heartbeat", daemon=True)
        try:
            sock = _bind_socket(cfg.web.bind)
        except BaseException:
            if self.election is None:
                nl.store.release_lock(LOCK_NAME)
            raise
        try:
            from .web import AllowedHosts, allowed_hosts, guarded_h11
            from .web.public import make_app

            web = cfg.web
            # Host allow-list and read deadlines / per-client cap: see web/_guard.py.
            app = AllowedHosts(make_app(nl), allowed_hosts(
                cfg.public_host, web.allowed_hosts, web.allow_loopback_host))
            proxies = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
            protocol = guarded_h11(header_timeout=web.header_timeout,
                                   body_timeout=web.body_timeout,
                                   max_per_client=web.max_connections_per_client,
                                   forwarded_allow_ips=proxies)
            ucfg = uvicorn.Config(app, log_config=None, access_log=False,
                                  server_header=False, proxy_headers=True,
                                  forwarded_allow_ips=proxies, http=protocol,
                                  timeout_graceful_shutdown=3, lifespan="off",
                                  timeout_keep_alive=5)
            self.server = _Server(ucfg, self)
            if self.stop_event.is_set():
                self.server.should_exit = True
            hb.start()
            host, port = sock.getsockname()[:2]
            log.info(kv("started", pid=os.getpid(), host=socket.gethostname(),
                        bind=f"{host}:{port}", public_url=cfg.newsletter.public_url,
                        timezone=cfg.schedule.timezone, offline=cfg.schedule.offline,
                        store=_safe_url(cfg.store_url),
                        mode="elected" if self.election is not None else "single"))
            self._sched = sched
            if self.election is None:
                self._start_scheduler()
            try:
                self.server.run(sockets=[sock])
            except SystemExit as exc:  # uvicorn exits on a failed startup
                log.error(kv("web_failed", code=exc.code))
                self.exit_code = 1
            self.request_stop()
            self._shutdown(sched)
        finally:
            self._hb_stop.set()
            sock.close()
            try:
                if self.election is not None:
                    if hb.is_alive():
                        hb.join(5)
                    self.election.close()
                else:
                    nl.store.release_lock(LOCK_NAME)
            except NewsletterError as exc:
                log.error(kv("lock_release_failed", error=exc.message))
        log.info(kv("stopped", code=self.exit_code))
        return self.exit_code

    def _start_scheduler(self) -> None:
        nl = self.nl
        self._sched.start()
        for job, when in next_fire_times(nl.config, nl.now()).items():
            log.info(kv("next_run", job=job, at=when))
        self._sched.add_job(catch_up, args=[nl, self.runner], id="catch-up",
                            name="catch-up", misfire_grace_time=None)

    def _elect(self) -> None:
        """Elected mode (PostgreSQL): try to lead every ``poll`` s; the leader starts the
        scheduler, checks its lock and heartbeats; losing the lock stops the instance."""
        el = self.election
        assert el is not None
        while not self._hb_stop.is_set():
            try:
                if not el.leading:
                    if el.try_lead():
                        previous = el.publish(self.nl.now())
                        log.info(kv("leader_elected", holder=el.holder,
                                    previous=previous.holder if previous else None))
                        if previous is not None:
                            el.wait_for_jobs_of(previous, self.stop_event)
                        if self.stop_event.is_set():
                            return
                        self._start_scheduler()
                    else:
                        el.publish(self.nl.now())
                elif not el.still_leading():
                    log.error(kv("lock_lost", reason="the scheduler's lock connection to "
                                                     "the store failed; stopping"))
                    self.exit_code = 1
                    self.request_stop()
                    return
                else:
                    el.publish(self.nl.now())
                    for name in self.guard.held:
                        self.nl.store.heartbeat_lock(name, self.nl.now())
            except (NewsletterError, Exception) as exc:  # the store is away: retry
                log.error(kv("election_failed", error=str(exc).splitlines()[0]))
            if self._hb_stop.wait(el.poll):
                return

    def _shutdown(self, sched: Any) -> None:
        with contextlib.suppress(Exception):
            sched.shutdown(wait=False)
        start = self.signalled_at or time.monotonic()
        remaining = max(0.5, SHUTDOWN_BUDGET - (time.monotonic() - start))
        if not self.guard.wait_idle(remaining):
            log.warning(kv("job_abandoned", jobs=",".join(self.guard.held),
                           reason="still running at the shutdown deadline; the ledger "
                                  "resumes it on restart"))
            for name in self.guard.held:
                with contextlib.suppress(NewsletterError):
                    self.nl.store.release_lock(name)
            with contextlib.suppress(NewsletterError):
                self.nl.store.release_lock(LOCK_NAME)
            log.info(kv("stopped", code=self.exit_code, forced=True))
            logging.shutdown()
            sys.stdout.flush()
            os._exit(self.exit_code)  # worker threads are not daemons; do not wait on them


def _safe_url(url: str) -> str:
    """A store URL without its password (for logs)."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, _, host = rest.rpartition("@")
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def run_service(nl: Newsletter) -> int:
    """Run ``newsletter serve`` until SIGTERM/SIGINT.

    Returns:
        The exit code: 0 after a clean shutdown, 1 if the lock was lost or the web server
        failed.

    Raises:
        AlreadyRunningError: another instance holds the store (exit code 2).
        ConfigError: a cron expression or ``[web] bind`` is unusable (exit code 2).
    """
    setup_logging()
    return Service(nl).run()
