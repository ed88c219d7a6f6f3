"""Lever's rate limit as the server enforces it: a token bucket per credential that answers yes or no.

The sandbox has its own bucket on purpose: the client's bucket (`orchestration.lever`) paces requests, and a bug
in it must show up as 429s from this one, not be reproduced by it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """`rate` tokens per second refill, continuously, a bucket holding at most `burst`; a request takes one.

    A rate of 0 (or less) admits everything. The clock is injectable so tests can drive it; thread-safe because
    the socket server and in-process clients may share a credential.
    """

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(float(burst), 1.0)
        self._clock = clock
        self._tokens = self.burst  # a new credential starts with a full burst
        self._updated = clock()
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        """Take a token if one is there right now; False means the request gets a 429."""
        if self.rate <= 0:
            return True
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + max(0.0, now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False
