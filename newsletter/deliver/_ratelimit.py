"""Send-rate limits shared by all sending threads.

Two limits, either may be off:

* ``rate`` messages per second, as a token bucket. It starts with one token, so a run
  never begins with a burst, and holds at most ``burst`` (default: a tenth of a second's
  worth), so a sender that fell briefly behind (a slow reply, a reconnect) catches up and
  the long-run rate is the configured one;
* at most ``window_limit`` messages in any sliding window of ``window_seconds`` (providers
  state quotas such as "10,000 per hour").

Callers *reserve* a slot under a lock and sleep outside it, so threads do not serialise on
the sleep. The clock and sleep are injectable for tests.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SendRateLimiter:
    """Limits outgoing messages (thread-safe); ``acquire()`` blocks until one more message
    may go."""

    def __init__(self, rate: float = 0.0, *, window_limit: int = 0,
                 window_seconds: float = 0.0, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] | None = None) -> None:
        self.rate = float(rate)
        self.window_limit = int(window_limit) if window_seconds > 0 else 0
        self.window_seconds = float(window_seconds)
        self.burst = max(1.0, float(burst) if burst is not None else self.rate / 10)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = 1.0
        self._last = clock()
        self._sent: deque[float] = deque()

    @property
    def enabled(self) -> bool:
        return self.rate > 0 or self.window_limit > 0

    def _reserve(self) -> float:
        """Reserve the next slot; returns the monotonic time at which it may be used."""
        with self._lock:
            now = self._clock()
            at = now
            if self.rate > 0:
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                self._tokens -= 1.0
                if self._tokens < 0:
                    at = now - self._tokens / self.rate
            if self.window_limit:
                while self._sent and self._sent[0] <= at - self.window_seconds:
                    self._sent.popleft()
                if self._sent:  # keep reservations in order so the window math holds
                    at = max(at, self._sent[-1])
                if len(self._sent) >= self.window_limit:
                    at = max(at, self._sent[-self.window_limit] + self.window_seconds)
                self._sent.append(at)
                while len(self._sent) > self.window_limit:
                    self._sent.popleft()
            return at

    def acquire(self, stop: threading.Event | None = None) -> bool:
        """Wait for a slot. Returns False if ``stop`` was set while waiting."""
        if not self.enabled:
            return not (stop is not None and stop.is_set())
        at = self._reserve()
        while True:
            delay = at - self._clock()
            if delay <= 0:
                return True
            if self._sleep is not None:
                self._sleep(delay)
            elif stop is not None:
                if stop.wait(delay):
                    return False
            else:
                time.sleep(delay)


# The name deliver/_sender.py still imports (that module is being reworked on another
# branch): drop once it says SendRateLimiter.
RateLimiter = SendRateLimiter
