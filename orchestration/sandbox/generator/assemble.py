"""A whole account from a seed: the catalog, the people, then their deletions and anonymizations."""

from __future__ import annotations

import random

from .. import operations
from ..account import Account
from ..clock import DAY_MS, Clock
from .catalog import Catalog, stages_and_reasons, templates, users
from .people import generate_people
from .postings import add_posting, add_requisitions
from .quirks import late_stage_changes


def generate_catalog(seed: int, opportunities: int, now_ms: int) -> Catalog:
    catalog = Catalog()
    users(catalog, random.Random(f"{seed}:users"), max(20, min(400, 20 + opportunities // 40)), now_ms)
    stages_and_reasons(catalog, random.Random(f"{seed}:stages"))
    templates(catalog, random.Random(f"{seed}:templates"))
    rng = random.Random(f"{seed}:postings")
    for index in range(max(12, min(1500, 10 + opportunities // 30))):
        add_posting(catalog, rng, now_ms - int(730 * DAY_MS * rng.random() ** 0.8), now_ms, index=index)
    add_requisitions(catalog, random.Random(f"{seed}:requisitions"), now_ms)
    return catalog


def generate_account(seed: int, opportunities: int, now_ms: int, quirks: bool = False) -> Account:
    """Deterministic given the arguments. `quirks` adds the oddities of real accounts that change records a
    seed produced before they existed (see `quirks`), so it is off by default."""
    account = Account(seed, Clock(now_ms), generate_catalog(seed, opportunities, now_ms))
    people = generate_people(seed, opportunities, now_ms, account.catalog)
    if quirks:
        late_stage_changes(seed, people.opportunities.values(), account.catalog, now_ms)
    account.contacts, account.opportunities = people.contacts, people.opportunities
    account.applications = people.applications
    account.reindex()
    # Deletions and anonymizations happen through the ordinary operations, at their own instants.
    fates = [(at, oid, operations.delete_opportunity) for at, oid in people.to_delete]
    fates += [(at, oid, operations.anonymize) for at, oid in people.to_anonymize]
    for at, oid, fate in sorted(fates, key=lambda item: (item[0], item[1])):
        account.clock.now_ms = at
        fate(account, account.opportunities[oid])
    account.clock.now_ms = now_ms
    return account
