"""Oddities of real Lever accounts, opt-in (`Sandbox(quirks=True)`) because they change existing seeds' data.

- Late stage changes: about 2% of archived opportunities get one more `stageChanges` entry after
  `archived.archivedAt` (real accounts have them: someone moved an archived candidate, or an import wrote the
  history late). The opportunity stays archived; its `stage` and `lastAdvancedAt` follow the new entry.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from ..clock import DAY_MS, HOUR_MS
from ..model import Opportunity
from .catalog import Catalog

LATE_STAGE_CHANGE_RATE = 0.02


def late_stage_changes(seed: int, opportunities: Iterable[Opportunity], catalog: Catalog, now_ms: int) -> int:
    """Add the late entries (their own RNG stream: the rest of the account is the seed's usual one)."""
    rng = random.Random(f"{seed}:quirks:late_stage_changes")
    pipeline = catalog.pipeline
    position = {stage["id"]: index for index, stage in enumerate(pipeline)}
    added = 0
    for opp in opportunities:
        if opp.archived is None or rng.random() >= LATE_STAGE_CHANGE_RATE:
            continue
        at = min(now_ms, opp.archived[1] + HOUR_MS + int(rng.expovariate(1 / DAY_MS)))
        if at <= opp.archived[1]:
            continue
        index = position.get(opp.stage, 0)
        target = index + 1 if index + 1 < len(pipeline) else index - 1
        user = opp.stage_changes[-1][3] and opp.owner  # imported history (no userId) stays without one
        opp.stage = pipeline[target]["id"]
        opp.stage_changes = (*opp.stage_changes, (opp.stage, target, at, user))
        opp.last_advanced_at = at
        opp.last_interaction_at = max(opp.last_interaction_at, at)
        if opp.updated_at is not None:
            opp.updated_at = max(opp.updated_at, at)
        added += 1
    return added
