"""Token bucket shared by the extractor (waits for a token) and the sandbox (rejects without one)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Lever's limit: `rate` tokens per second refill a bucket of `burst` tokens; one request costs one.

    A rate of 0 (or less) disables limiting. The clock is injectable so tests can drive it.
    Thread-safe, because the sandbox serves from one thread while tests poke it from another.
    """

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self._clock = clock
        self._tokens = self.burst
        self._updated = clock()
        self._lock = threading.Lock()

    @property
    def unlimited(self) -> bool:
        return self.rate <= 0

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        self._updated = now

    def try_acquire(self) -> bool:
        """Take a token if one is available right now (server side: no token means 429)."""
        if self.unlimited:
            return True
        with self._lock:
            self._refill(self._clock())
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    def reserve(self) -> float:
        """Take a token, possibly borrowed from the future; return how long to wait before using it.

        Reserving (instead of polling) keeps concurrent waiters fair and the request rate smooth:
        each caller gets the next free slot, so N waiters never wake up together and overshoot.
        """
        if self.unlimited:
            return 0.0
        with self._lock:
            self._refill(self._clock())
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.rate

    async def acquire(self) -> None:
        """Client side: wait until this request may be sent."""
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)

    def drain(self) -> None:
        """Empty the bucket: after a 429 the server's view of our budget is lower than ours."""
        if self.unlimited:
            return
        with self._lock:
            self._refill(self._clock())
            self._tokens = min(self._tokens, 0.0)
