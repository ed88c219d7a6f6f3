"""The one HTTP failure policy: which outcomes are transient, and the bounded, jittered loop that retries them.

Used by API requests (`client.py`) and OAuth token refreshes (`auth.py`) alike, so both give up after the same
budget, log retries the same way and never retry what a retry cannot fix.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

log = logging.getLogger("lever_warehouse.retry")

T = TypeVar("T")

# 429: Lever's bucket is empty; 5xx: Lever or a proxy failed. Anything else is an answer a retry cannot change.
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 8
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        # Full jitter in the upper half: spreads concurrent retriers without ever retrying instantly.
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        return ceiling * rng.uniform(0.5, 1.0)

    def total_delay(self) -> float:
        """Longest a request can spend waiting between its attempts before it gives up."""
        return sum(min(self.max_delay, self.base_delay * (2**attempt)) for attempt in range(self.max_retries))


@dataclass(frozen=True)
class Transient:
    """An attempt that failed in a way another attempt may not: say why, and whether it is only pacing."""

    reason: str
    throttled: bool = False  # a 429: the server's bucket is empty, which is pacing, not an outage
    free: bool = False  # retry at once without spending an attempt (a renewed credential)


def transient_exception(exc: BaseException) -> Transient | None:
    """Timeouts and dropped or refused connections are transient; any other exception is not."""
    if isinstance(exc, httpx.TimeoutException):
        return Transient("timeout")
    if isinstance(exc, httpx.TransportError):
        return Transient(f"connection error ({type(exc).__name__})")
    return None


def never_sent(exc: BaseException) -> bool:
    """The request cannot have reached the server (no connection was made): resending it applies nothing twice."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def transient_status(status: int) -> Transient | None:
    if status in RETRYABLE_STATUS:
        return Transient(f"HTTP {status}", throttled=status == 429)
    return None


async def with_retries(
    attempt: Callable[[], Awaitable[T | Transient]],
    *,
    policy: RetryPolicy,
    rng: random.Random,
    what: str,
    give_up: Callable[[int, Transient], Exception],
    breaker: Callable[[Transient], Exception | None] | None = None,
    on_retry: Callable[[Transient], None] | None = None,
    logger: logging.Logger = log,
) -> T:
    """Call `attempt` until it returns a value; a returned `Transient` is retried after a jittered backoff.

    An exception raised by `attempt` is final. After `policy.max_retries` retries, `give_up(attempts, last)` is
    raised. `breaker` sees every transient failure first and may return an exception to stop at once (the
    client's outage breaker); `on_retry` is told of each retry about to happen (request statistics).
    """
    retries = 0
    while True:
        outcome = await attempt()
        if not isinstance(outcome, Transient):
            return outcome
        if outcome.free:
            continue
        stop = breaker(outcome) if breaker is not None else None
        if stop is not None:
            raise stop
        if retries >= policy.max_retries:
            raise give_up(retries + 1, outcome)
        delay = policy.delay(retries, rng)
        retries += 1
        if on_retry is not None:
            on_retry(outcome)
        logger.warning(
            "retry %d/%d of %s after %s, waiting %.2fs", retries, policy.max_retries, what, outcome.reason, delay
        )
        await asyncio.sleep(delay)
