"""The request budget of one credential: its share of Lever's daily capacity, what today's runs used of it,
and how many requests the run in progress may still spend on work that can wait (backlog, verification).

Lever allows 10 requests per second per key: 864,000 a day, shared with every other integration on that key.
Deltas are never held back by the budget (they are what keeps the warehouse fresh, and they are cheap); the
rolling verification and the backlog of a first sync are, and what they could not do is reported as deferred.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .state import SyncState

SECONDS_PER_DAY = 86_400
UNLIMITED = 10**15  # the budget of a credential without a rate limit (the in-process sandbox)


@dataclass(frozen=True)
class Budget:
    daily: int  # requests per UTC day this integration may spend
    capacity: int  # the key's own daily capacity at its rate limit
    run_requests: int  # most requests one scheduled run spends on work that can wait (keeps hourly runs apart)
    rate: float  # requests per second the client paces at (0: unlimited)

    @classmethod
    def of(cls, rate_limit: float, *, share: float, daily: int | None, run_minutes: float, pace: float) -> Budget:
        capacity = int(rate_limit * SECONDS_PER_DAY) if rate_limit > 0 else 0
        amount = daily if daily is not None else (int(capacity * share) if capacity else UNLIMITED)
        run = int(rate_limit * pace * run_minutes * 60) if rate_limit > 0 else UNLIMITED
        return cls(daily=amount, capacity=capacity, run_requests=run, rate=rate_limit * pace)

    def seconds(self, requests: float) -> float:
        return requests / self.rate if self.rate > 0 else 0.0

    def usage(self, state: SyncState, now: datetime, this_run: int) -> Usage:
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        used = state.requests_since(midnight) + this_run
        elapsed = max((now - midnight).total_seconds(), 60.0)
        return Usage(self, used, projected=int(used * SECONDS_PER_DAY / elapsed))

    def allowance(self, state: SyncState, now: datetime, this_run: int) -> int:
        """Requests the run may still spend on deferrable work: within today's budget and the run's own share."""
        left_today = self.daily - self.usage(state, now, this_run).used
        return max(0, min(left_today, self.run_requests - this_run))


@dataclass(frozen=True)
class Usage:
    budget: Budget
    used: int  # today, this run included
    projected: int  # today's use extrapolated to the whole day at today's pace

    def describe(self) -> str:
        if self.budget.daily >= UNLIMITED:
            return f"{self.used:,} requests today (no rate limit, no budget)"
        share = f" ({self.projected / self.budget.capacity:.1%} of the key's capacity)" if self.budget.capacity else ""
        return f"{self.used:,} requests today of a {self.budget.daily:,} budget; projected {self.projected:,}{share}"
