"""Children the scan does not read: the backlog a first sync leaves (opportunities never read), and the rolling
verification that re-reads every opportunity's children at least every N days.

No delta sees every child change (an interview deleted, an offer edited without the opportunity moving), so
instead of a daily full pass that a large account cannot afford at Lever's 10 requests/s, each run re-reads
the children of a slice: the opportunities read longest ago, as many as keep the whole account within N days
at the rate the runs come (`ceil(live * hours since the last slice / (24 * N))`), within the request budget.
The slice is chosen from `_opportunity_state.children_synced_at`, which every committed chunk updates, so a
crash loses nothing and the next run picks up where this one stopped.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .budget import Budget
from .children import CHILDREN, INCOMPLETE_CHILDREN, PENDING, ChildReader, Facts, write_children
from .client import LeverClient
from .run_record import RunRecord
from .state import SyncState
from .store import RawStore
from .writer import Writer

log = logging.getLogger("lever_warehouse.sync")

LAST_SLICE = "verify:last_slice_at"
CHUNK = 50  # opportunities per committed transaction
LOG_EVERY_S = 30.0
# Requests an opportunity's children cost before this run has measured it (8 lists, minus typical skips).
DEFAULT_COST = 8.0


@dataclass
class Progress:
    backlog_read: int = 0
    verified: int = 0
    deferred: int = 0  # due now but left for later runs (budget or run share spent)


class Verifier:
    def __init__(
        self,
        store: RawStore,
        state: SyncState,
        client: LeverClient,
        reader: ChildReader,
        writer: Writer,
        record: RunRecord,
        clock: Callable[[], datetime],
        budget: Budget,
        days: float,
    ) -> None:
        self.store = store
        self.state = state
        self.client = client
        self.reader = reader
        self.writer = writer
        self.record = record
        self.clock = clock
        self.budget = budget
        self.days = days
        self.progress = Progress()
        self._started = self._last_log = time.monotonic()

    async def run(self, *, verify: bool = True) -> Progress:
        """Read the backlog, then (with `verify`) this run's verification slice, within the budget."""
        now = self.clock()
        total, pending, _ = self.state.children_coverage(PENDING)
        slice_size = self._slice_size(total - pending, now) if verify else 0
        due = self.state.children_due(PENDING, now, pending + slice_size)
        cost = self._cost()
        affordable = int(self.budget.allowance(self.state, now, self.client.stats.total) // cost)
        todo, self.progress.deferred = due[:affordable], max(0, len(due) - affordable)
        if todo:
            log.info(
                "reading the children of %d opportunities (%d never read, %d verified longest ago)%s",
                len(todo),
                min(pending, len(todo)),
                max(0, len(todo) - pending),
                f"; {self.progress.deferred} left for later runs (budget)" if self.progress.deferred else "",
            )
        for start in range(0, len(todo), CHUNK):
            await self._chunk(todo[start : start + CHUNK], pending_left=max(0, pending - start))
        if verify:
            with self.store.transaction():
                self.state.set_cursor(LAST_SLICE, now.isoformat(), now=now, run_id=self.record.run_id)
        return self.progress

    def _slice_size(self, verified: int, now: datetime) -> int:
        """Opportunities to re-verify now so that all of them are, every `days` days, at the pace runs come."""
        last = self.state.cursor(LAST_SLICE)
        hours = (now - datetime.fromisoformat(last)).total_seconds() / 3600 if last else 1.0
        hours = min(max(hours, 0.0), self.days * 24)
        return math.ceil(verified * hours / (self.days * 24)) if self.days > 0 else 0

    def _cost(self) -> float:
        refreshed = self.record.result.opportunities_refreshed
        children = sum(self.client.stats.requests.get(e.name, 0) for e in CHILDREN)
        return max(1.0, children / refreshed) if refreshed >= 20 else DEFAULT_COST

    async def _chunk(self, rows: list[tuple], pending_left: int) -> None:
        ids = [row[0] for row in rows]
        facts = [Facts(row[1], row[2], frozenset(row[4] or ())) for row in rows]
        children = await asyncio.gather(*(self.reader.read(i, f) for i, f in zip(ids, facts, strict=True)))
        now = self.clock()
        with self.store.transaction() as seq:
            complete = write_children(self.writer, ids, children, seq)
            states = [{"id": row[0], "updatedAt": row[3], "lastInteractionAt": row[2]} for row in rows]
            read = [s for s, c in zip(states, children, strict=True) if c is not None]
            self.state.save_opportunity_states(
                [s for s in read if s["id"] in complete], synced_at=now, children_pass=self.record.run_id
            )
            self.state.save_opportunity_states(
                [s for s in read if s["id"] not in complete], synced_at=now, children_pass=INCOMPLETE_CHILDREN
            )
        backlog = min(pending_left, len(rows))
        self.progress.backlog_read += backlog
        self.progress.verified += len(rows) - backlog
        self.record.result.opportunities_refreshed += len(rows)
        if pending_left > len(rows) and time.monotonic() - self._last_log >= LOG_EVERY_S:
            self._last_log = time.monotonic()
            rate = self.client.stats.total / max(time.monotonic() - self._started, 1.0)
            left = (pending_left - len(rows)) * self._cost() / max(rate, 0.1)
            log.info(
                "children: %d of the opportunities never read are read, %d to go (about %s at %.1f req/s)",
                self.progress.backlog_read,
                pending_left - len(rows),
                _duration(left),
                rate,
            )


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{max(minutes, 1)} min"
