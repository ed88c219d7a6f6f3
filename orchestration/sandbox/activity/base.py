"""What every kind of activity needs: the account, the RNG, and how to pick a target."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

from .. import operations
from ..account import Account
from ..generator.people import PersonFactory
from ..model import Genesis, Opportunity

T = TypeVar("T")


def pick(rng: random.Random, population: list[T], accept: Callable[[T], bool], tries: int = 50) -> T | None:
    """A random element passing `accept`, or None (rejection sampling keeps big accounts cheap)."""
    for _ in range(tries if population else 0):
        candidate = rng.choice(population)
        if accept(candidate):
            return candidate
    return None


class SimulationBase:
    def __init__(self, account: Account, rng: random.Random) -> None:
        self.account = account
        self.rng = rng
        self.ids = list(account.opportunities)
        self.factory = PersonFactory(rng)

    # -- choosing targets ------------------------------------------------------------------------------
    def opportunity(self, accept: Callable[[Opportunity], bool] = lambda o: True) -> Opportunity | None:
        account = self.account

        def ok(oid: str) -> bool:
            opp = account.live_opportunity(oid)
            return opp is not None and accept(opp)

        oid = pick(self.rng, self.ids, ok, tries=200)
        return account.opportunities[oid] if oid else None

    def active(self, opp: Opportunity) -> bool:
        return opp.archived is None and not opp.is_anonymized

    def genesis_now(self, opp: Opportunity) -> Genesis:
        """Children created now are shaped from the opportunity as it is now."""
        contact = self.account.contacts[opp.contact]
        return Genesis(
            opp.created_at,
            self.account.now_ms,
            opp.stage_changes,
            opp.posting_id,
            next(iter(opp.application_ids), None),
            opp.owner or "",
            contact.name,
            next(iter(contact.emails), ""),
            opp.origin,
            False,
        )

    def user(self) -> str:
        return self.rng.choice(self.account.catalog.recruiters)

    def add_child(self, opp: Opportunity, add: Callable[[dict], object]) -> bool:
        add(operations.child_added(self.account, opp))
        return True

    def posting(self, accept: Callable[[dict], bool]) -> dict | None:
        account = self.account
        return pick(
            self.rng,
            list(account.catalog.postings.values()),
            lambda p: not account.posting_deleted(p["id"]) and accept(p),
        )
