"""The sender's side of the ledger: rows claimed in batches, outcomes group-committed.

:class:`Feed` streams due rows: it claims them from the store in batches
(:meth:`~newsletter.store.Store.claim_batch`, one commit per batch, ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL) and hands them to the sending threads, never holding more than a
couple of batches: a million-subscriber list costs the same memory as a thousand.

:class:`LedgerWriter` is one thread that commits the outcomes of the sending threads
together (group commit): a thread records what the transport said and gets a ticket; before
it hands over its *next* message it waits until that ticket is committed. So at any time at
most one accepted message per connection is not yet ``sent`` in the ledger (the duplicate
a kill can cause), as with one commit per message, while the database sees one transaction
per handful of messages instead of one or two per message.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..exceptions import NewsletterError, StoreError

if TYPE_CHECKING:
    from ..store import DueDelivery, Outcome, Store

BATCH = 200  # rows claimed per transaction


class LedgerWriter:
    """Commits :class:`~newsletter.store._deliveries.Outcome` rows in groups.

    ``record`` returns a ticket; ``wait(ticket)`` returns once it is committed (False if the
    writer failed: the caller must stop handing over messages). ``close`` commits what is
    left and stops the thread.
    """

    def __init__(self, store: Store, edition_date: date, list_name: str,
                 on_error: Callable[[str], None]) -> None:
        self.store, self.edition_date, self.list_name = store, edition_date, list_name
        self.on_error = on_error
        # Two conditions on one lock: the writer waits for work, the sending threads wait
        # for their ticket. With one condition every record() woke every waiting sender
        # (a thundering herd costing more CPU than the SQL: bench/million.py).
        lock = threading.Lock()
        self._work = threading.Condition(lock)
        self._cond = threading.Condition(lock)  # tickets committed (or the writer failed)
        self._pending: list[Outcome] = []
        self._issued = 0      # tickets handed out
        self._committed = 0   # tickets committed
        self._closing = False
        self.failed: str | None = None
        self._thread = threading.Thread(target=self._run, name="send-ledger", daemon=True)
        self._thread.start()

    def record(self, outcome: Outcome) -> int:
        with self._work:
            self._pending.append(outcome)
            self._issued += 1
            self._work.notify()  # the writer is the only thread waiting for work
            return self._issued

    def wait(self, ticket: int) -> bool:
        """Block until ``ticket`` is committed; False if the ledger cannot be written."""
        if ticket <= self._committed:  # the common case: no lock needed
            return self.failed is None
        with self._cond:
            while self._committed < ticket and self.failed is None:
                self._cond.wait(0.5)
            return self.failed is None

    def flush(self) -> bool:
        """Wait until everything recorded so far is committed."""
        with self._cond:
            ticket = self._issued
        return self.wait(ticket)

    def close(self) -> None:
        with self._work:
            self._closing = True
            self._work.notify()
        self._thread.join()

    def _run(self) -> None:
        with self.store.ledger_connection():
            while True:
                with self._work:
                    while not self._pending and not self._closing:
                        self._work.wait()
                    if not self._pending:
                        return
                    batch, self._pending = self._pending, []
                    upto = self._issued
                try:
                    self.store.record_outcomes(self.edition_date, self.list_name, batch)
                except (NewsletterError, StoreError) as exc:
                    self._fail(str(exc))
                    return
                except Exception as exc:  # a bug: stop the send rather than lose records
                    self._fail(f"unexpected error writing the ledger: "
                               f"{type(exc).__name__}: {exc}")
                    raise
                with self._cond:
                    self._committed = upto
                    self._cond.notify_all()

    def _fail(self, reason: str) -> None:
        with self._cond:
            self.failed = reason
            self._cond.notify_all()
        self.on_error(reason)


class Feed:
    """Due rows for the sending threads, claimed ahead in batches of :data:`BATCH`.

    ``take()`` returns the next claimed row, or None when no due row is left (or the send
    is halting). Passes: a pass claims due rows in subscriber-id order; when it is used up
    and every row taken has been handled, another pass starts from the lowest id, which
    picks up rows put back to pending (connection errors) and deferred rows that became
    due; a pass that claims nothing ends the feed.
    """

    def __init__(self, store: Store, edition_date: date, list_name: str,
                 now_fn: Callable[[], datetime], halted: Callable[[], bool],
                 on_skipped: Callable[[int], None], before_pass: Callable[[], object],
                 batch: int = BATCH) -> None:
        self.store, self.edition_date, self.list_name = store, edition_date, list_name
        self.now_fn, self.halted, self.on_skipped = now_fn, halted, on_skipped
        self.before_pass, self.batch = before_pass, batch
        self._cond = threading.Condition()
        self._queue: deque[DueDelivery] = deque()
        self._after: int | None = 0
        self._pass_claimed = 0
        self._busy = 0         # rows taken and not yet done
        self._filling = False  # a thread is claiming the next batch
        self._ended = False

    def take(self) -> DueDelivery | None:
        while True:
            with self._cond:
                while True:
                    if self._ended or self.halted():
                        return None
                    if self._queue:
                        self._busy += 1
                        return self._queue.popleft()
                    if self._filling or (self._after is None and self._busy):
                        # another thread is claiming, or the pass is used up and rows are
                        # in flight (their outcome decides whether another pass is needed)
                        self._cond.wait(0.25)
                        continue
                    self._filling = True
                    break
            more = False
            try:
                more = self._fill()
            finally:
                with self._cond:
                    self._filling = False
                    if not more:
                        self._ended = True
                    self._cond.notify_all()

    def _fill(self) -> bool:
        """Claim the next batch (one thread at a time, outside the lock). False: the feed
        is over (a whole pass claimed nothing)."""
        if self._after is None:  # the pass is used up and nothing is in flight
            if not self._pass_claimed:
                return False
            self.before_pass()  # outcomes committed, so the new pass sees them
            self._after, self._pass_claimed = 0, 0
        claimed, skipped, last = self.store.claim_batch(
            self.edition_date, self.list_name, self.now_fn(), after=self._after,
            limit=self.batch)
        if skipped:
            self.on_skipped(skipped)
        self._after = last
        self._pass_claimed += len(claimed) + skipped
        with self._cond:
            self._queue.extend(claimed)
        return True

    def done(self) -> None:
        """A row returned by :meth:`take` has been handled (or given back)."""
        with self._cond:
            self._busy -= 1
            # Only a used-up pass waits on rows in flight (take()); waking every thread
            # after every message cost more than the send itself.
            if self._after is None and not self._busy:
                self._cond.notify_all()

    def drain(self) -> list[DueDelivery]:
        """The claimed rows no thread took (the send stopped): to be released."""
        with self._cond:
            self._ended = True
            rest = list(self._queue)
            self._queue.clear()
            self._cond.notify_all()
            return rest
