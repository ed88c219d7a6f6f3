"""Simulated recruiting activity between two instants of the sandbox clock.

Each kind has a rate per day (per 1,000 opportunities for candidate activity, per sqrt-scaled account for
catalog activity); counts use stochastic rounding (floor(expected + u)), so a 7-day advance of a 1k account
produces every kind at least once. Events get uniform instants in (old, new] and apply in time order through
`operations` and `catalog_changes`, with the clock set to each instant: the records carry realistic timestamps.
"""

from __future__ import annotations

import math
import random

from ..account import Account
from ..clock import DAY_MS
from .catalog import CatalogActivity
from .children import ChildActivity
from .pipeline import PipelineActivity

# kind -> (events per day, scales with opportunities (True) or with the catalog (False))
RATES: dict[str, tuple[float, bool]] = {
    "new_applicants": (6.0, True),
    "stage_moves": (12.0, True),
    "archives": (5.0, True),
    "hires": (0.6, True),
    "unarchives": (0.4, True),
    "notes": (10.0, True),
    "interviews": (4.0, True),
    "panels": (1.5, True),
    "feedback": (5.0, True),
    "offers": (0.6, True),
    "offer_updates": (1.0, True),
    "resumes": (1.5, True),
    "files": (1.0, True),
    "referrals": (0.5, True),
    "posting_edits": (0.3, False),
    "posting_closures": (0.3, False),
    "new_postings": (0.4, False),
    "user_deactivations": (0.2, False),
    "opportunity_deletions": (0.5, True),
    "posting_deletions": (0.2, False),
    "application_deletions": (0.2, True),
    "anonymizations": (0.3, True),
    "interview_deletions": (0.3, True),
    "note_deletions": (0.4, True),
    "offer_deletions": (0.2, True),
}


class Simulation(PipelineActivity, ChildActivity, CatalogActivity):
    """Every kind as a method named after it: returns whether the event happened."""


def advance(account: Account, until_ms: int, intensity: float = 1.0) -> dict[str, int]:
    """Move the clock to `until_ms`, simulating activity on the way; returns applied events per kind.
    `intensity` multiplies every rate (a benchmark puts a day's activity into an hour of real time)."""
    with account.lock:
        return _advance(account, until_ms, intensity)


def _advance(account: Account, until_ms: int, intensity: float) -> dict[str, int]:
    start = account.now_ms
    counts = dict.fromkeys(RATES, 0)
    if until_ms <= start:
        return counts
    rng = random.Random(f"{account.seed}:activity:{account.advances}:{start}:{until_ms}")
    account.advances += 1
    days = (until_ms - start) / DAY_MS
    live = sum(1 for o in account.opportunities.values() if o.deleted_at is None)
    scale = {True: live / 1000 * intensity, False: max(1.0, math.sqrt(live / 1000)) * intensity}
    events = []
    for kind, (rate, per_opportunity) in RATES.items():
        for _ in range(math.floor(rate * days * scale[per_opportunity] + rng.random())):
            events.append((rng.randint(start + 1, until_ms), kind))
    events.sort()
    simulation = Simulation(account, rng)
    for at, kind in events:
        account.clock.now_ms = at
        if getattr(simulation, kind)():
            counts[kind] += 1
    account.clock.now_ms = until_ms
    account.changed()
    return counts
