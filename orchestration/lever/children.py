"""Reading an opportunity's child lists (interviews, panels, feedback, notes, offers, referrals, resumes, files):
which ones can hold anything, reading those, and writing them as complete listings of their opportunity.

Lever lists children only per opportunity, so they are most of what a sync costs (8 requests an opportunity).
A list is skipped only where a Lever fact says it must be empty; a skipped list counts as read and empty:

- **untouched opportunities** (`lastInteractionAt == createdAt`): child activity (notes, feedback, interviews,
  offers) moves `lastInteractionAt` (lever-api.md §8, working rule, kept by the simulator), so an opportunity
  nobody touched since it was created has none of them, nor panels. Resumes, files and referrals can come with
  the application itself, so they are still read.
- **interviews without panels**: Lever creates interviews only inside a panel (`POST .../panels {interviews}`,
  §9) and every interview names its `panel` (§7.9), so no panels means no interviews: /interviews is read only
  when /panels returned some.
- **referrals without a referral application** (opt-in, `LEVER_SKIP_UNREFERRED_REFERRALS`): the simulator never
  has a referral form without an application of `type: referral` (§7.2), but Lever does not document it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from .endpoints import BY_NAME, Endpoint, Kind, of_kind
from .errors import LeverError
from .listing import Lister
from .records import RawRecord, Rejected, to_records
from .run_record import RunRecord
from .writer import Writer

log = logging.getLogger("lever_warehouse.sync")

CHILDREN = of_kind(Kind.OPPORTUNITY_CHILD)
# `children_pass` of an opportunity whose children were never read: the backlog a first sync leaves.
PENDING = "pending"
# `children_pass` of an opportunity whose child lists were not all stored: a permission was missing, the
# opportunity vanished while they were read (404), or a child record was rejected. Re-read by later runs.
INCOMPLETE_CHILDREN = "incomplete"
# Touching an opportunity is the only way these come to exist (lever-api.md §8).
ONLY_AFTER_INTERACTION = frozenset({"notes", "feedback", "interviews", "panels", "offers"})


@dataclass(frozen=True)
class Facts:
    """What the listing says about an opportunity that decides which of its child lists can hold anything."""

    created_ms: int | None
    last_interaction_ms: int | None
    application_types: frozenset[str] = frozenset()

    @classmethod
    def of(cls, opportunity: dict[str, Any]) -> Facts:
        applications = opportunity.get("applications")
        types = {a.get("type") for a in applications if isinstance(a, dict)} if isinstance(applications, list) else ()
        return cls(
            _ms(opportunity.get("createdAt")),
            _ms(opportunity.get("lastInteractionAt")),
            frozenset(t for t in types if isinstance(t, str)),
        )

    @property
    def untouched(self) -> bool:
        return self.created_ms is not None and self.last_interaction_ms == self.created_ms


def _ms(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class ChildReader:
    def __init__(self, lister: Lister, record: RunRecord, *, skip_unreferred_referrals: bool = False) -> None:
        self.lister = lister
        self.record = record
        self.skip_unreferred_referrals = skip_unreferred_referrals

    def plan(self, facts: Facts) -> tuple[list[Endpoint], list[Endpoint]]:
        """(lists to read, lists known to be empty without a request)."""
        empty = set()
        if facts.untouched:
            empty |= ONLY_AFTER_INTERACTION
        if self.skip_unreferred_referrals and "referral" not in facts.application_types:
            empty.add("referrals")
        read = [e for e in CHILDREN if e.name not in empty and e.name not in self.record.forbidden]
        return read, [e for e in CHILDREN if e.name in empty]

    async def read(self, opp_id: str, facts: Facts) -> dict[str, list[Any]] | None:
        """Every child list of one opportunity that the key may read (skipped ones as empty lists); None if the
        opportunity vanished meanwhile (a child list said 404)."""
        wanted, empty = self.plan(facts)
        first = [e for e in wanted if e.name != "interviews"]
        fetched = await self._fetch(opp_id, first)
        if fetched is None:
            return None
        if any(e.name == "interviews" for e in wanted):
            if fetched.get("panels") == []:
                fetched["interviews"] = []  # no panels, so no interviews (see the module docstring)
            else:
                later = await self._fetch(opp_id, [BY_NAME["interviews"]])
                if later is None:
                    return None
                fetched |= later
        for endpoint in empty:
            fetched[endpoint.name] = []
        return fetched

    async def _fetch(self, opp_id: str, endpoints: list[Endpoint]) -> dict[str, list[Any]] | None:
        results = await asyncio.gather(
            *(self.record.readable(e.name, self.lister.children(e, opp_id)) for e in endpoints),
            return_exceptions=True,
        )
        fetched: dict[str, list[Any]] = {}
        for endpoint, rows in zip(endpoints, results, strict=True):
            if isinstance(rows, LeverError) and rows.status == 404:
                log.info("opportunity %s vanished while its children were read; the next run settles it", opp_id)
                return None
            if isinstance(rows, BaseException):
                raise rows
            if rows is not None:
                fetched[endpoint.name] = rows
        return fetched


def write_children(
    writer: Writer, opp_ids: list[str], children: list[dict[str, list[Any]] | None], seq: int
) -> set[str]:
    """Write the child lists read for `opp_ids`, each a complete listing of its opportunity. Returns the
    opportunities whose lists were all stored (none forbidden, none rejected, not vanished)."""
    by_table: dict[str, tuple[list[RawRecord], list[Rejected], list[str]]] = {}
    complete = set()
    for opp_id, fetched in zip(opp_ids, children, strict=True):
        if fetched is None:
            continue  # gone while its children were read: the deleted feed or the next scan says so
        clean = len(fetched) == len(CHILDREN)
        for name, rows in fetched.items():
            records, rejected = to_records(BY_NAME[name], rows, parent_id=opp_id)
            table = by_table.setdefault(name, ([], [], []))
            table[0].extend(records)
            table[1].extend(rejected)
            table[2].append(opp_id)
            clean = clean and all(r.repaired for r in rejected)
        if clean:
            complete.add(opp_id)
    for name, (records, rejected, parents) in by_table.items():
        writer.write(BY_NAME[name], records, seq, scope=parents, rejected=rejected)
    return complete
