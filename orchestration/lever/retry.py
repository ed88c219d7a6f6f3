"""The retry policy shared by API requests and OAuth token refreshes: bounded, exponential, jittered."""

from __future__ import annotations

import random
from dataclasses import dataclass


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
