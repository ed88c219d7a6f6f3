"""Deterministic UUIDs: every id comes from a seeded RNG, so one seed always yields the same account."""

from __future__ import annotations

import random
import uuid


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def seeded(seed: int, purpose: str) -> random.Random:
    """One RNG per purpose, so adding draws for one purpose never shifts another's sequence."""
    return random.Random(f"{seed}:{purpose}")
