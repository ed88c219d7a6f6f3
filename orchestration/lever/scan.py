"""The opportunity scan: list opportunities (applications inline), and re-read the child lists of those that
changed, committing each page with its children and the bookkeeping that says so."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .children import CHILDREN, INCOMPLETE_CHILDREN, PENDING, ChildReader, Facts, write_children
from .client import Params
from .endpoints import BY_NAME
from .errors import LeverError
from .listing import Lister
from .payloads import Undecodable
from .records import RawRecord, Rejected, to_records
from .run_record import RunRecord
from .state import SyncState
from .store import RawStore
from .writer import Writer

log = logging.getLogger("lever_warehouse.sync")

PAGES_IN_FLIGHT = 3
# The scan's pages form a chain (each keyset token comes from the previous page), so one chain is bound by
# latency, not by the rate limit: ~1,000 round trips at 100k opportunities. Chains over disjoint `createdAt`
# ranges run side by side, one per this many stored opportunities, each costing at most one extra page.
OPPORTUNITIES_PER_CHAIN = 2_000
MAX_CHAINS = 8

OPPORTUNITIES = BY_NAME["opportunities"]
APPLICATIONS = BY_NAME["applications"]


class OpportunityScan:
    def __init__(
        self,
        store: RawStore,
        state: SyncState,
        lister: Lister,
        writer: Writer,
        record: RunRecord,
        clock: Callable[[], datetime],
        children: ChildReader,
    ) -> None:
        self.store = store
        self.state = state
        self.lister = lister
        self.writer = writer
        self.record = record
        self.clock = clock
        self.children = children
        # Children of opportunities never read before are left to the backlog (`verify.py`): a first sync then
        # lands every opportunity and application in minutes and reads children after the first build.
        self.defer_new = False
        # The listing held opportunities whose id cannot be trusted: it cannot prove which ones left Lever.
        self.unidentified = False
        self._repair_children = False
        # Versions whose children this run already fetches: pages in flight cannot see each other's commits.
        self._claimed: set[tuple[str, object, object]] = set()

    def chains(self) -> list[Params]:
        """Disjoint, gapless `createdAt` ranges (Lever's bounds are inclusive) over the whole account, cut where
        the stored opportunities split evenly; one unfiltered chain for a small or first sync."""
        stored, _ = self.store.opportunity_created_bounds(1)
        parts = min(MAX_CHAINS, stored // OPPORTUNITIES_PER_CHAIN)
        if parts < 2:
            return [[]]
        _, cuts = self.store.opportunity_created_bounds(parts)
        chains: list[Params] = []
        for start, end in zip([None, *cuts], [*cuts, None], strict=True):
            chain: Params = [] if start is None else [("created_at_start", str(start))]
            chains.append(chain if end is None else [*chain, ("created_at_end", str(end - 1))])
        return chains

    async def run(self, queries: list[Params], *, pass_id: str | None) -> set[str]:
        """Page through the queries side by side; refresh children of opportunities that changed, or of all in
        a pass. Returns the ids listed.

        A pass (full reconciliation, backfill window) has an id stored as a cursor until it completes, so a
        rerun after a crash skips the opportunities whose children this pass already refreshed.
        """
        seen: set[str] = set()
        pages = asyncio.Semaphore(PAGES_IN_FLIGHT + len(queries) - 1)
        known, _ = self.store.opportunity_created_bounds(1)

        async def page_task(page: list[Any]) -> None:
            try:
                await self.page(page, pass_id)
            finally:
                pages.release()

        async def chain(query: Params, group: asyncio.TaskGroup) -> None:
            async for page in self.lister.pages(OPPORTUNITIES, query, known=known):
                seen.update(_listed_ids(page))
                await pages.acquire()
                group.create_task(page_task(page))

        try:
            async with asyncio.TaskGroup() as group:
                for query in queries:
                    group.create_task(chain(query, group))
        except BaseExceptionGroup as failed:
            # The first failure is the run's error (its siblings were cancelled because of it).
            raise failed.exceptions[0] from None
        return seen

    async def probe_incomplete_children(self) -> None:
        """Children left incomplete earlier are re-read as soon as they can be.

        One request per child list, on one such opportunity, tells whether the key can read them all now;
        while it still cannot, the run reports the permission (and fails) without re-reading anything.
        """
        sample = self.state.opportunity_with_children_pass(INCOMPLETE_CHILDREN)
        if sample is None:
            return
        for endpoint in CHILDREN:
            try:
                await self.record.readable(
                    endpoint.name,
                    self.lister.client.get_json(endpoint.url(sample), [("limit", "1")], route=endpoint.route),
                )
            except LeverError as exc:
                if exc.status != 404:  # the sample was deleted meanwhile: the list is readable enough
                    raise
        self._repair_children = not self.record.forbidden
        if self._repair_children:
            log.info("re-reading the child lists left incomplete by earlier runs")

    # -- one page -----------------------------------------------------------------------------------------------
    async def page(self, page: list[Any], pass_id: str | None) -> None:
        """One page of opportunities: stored with their applications, and with the children of those that
        changed (of all of them in a pass), in one transaction."""
        records, rejected = to_records(OPPORTUNITIES, page)
        self.unidentified |= any(r.lever_id is None for r in rejected)
        opportunities = {r.id: r.payload for r in records}
        stale, deferred, claimed = self._stale(opportunities, pass_id)
        self._claimed.update(claimed)
        bare = [
            i for i, o in opportunities.items() if any(not isinstance(a, dict) for a in o.get("applications") or [])
        ]
        children, fetched_apps = await asyncio.gather(
            asyncio.gather(*(self.children.read(i, Facts.of(opportunities[i])) for i in stale)),
            asyncio.gather(*(self._applications(i) for i in bare)),
        )
        applications = self._embedded_applications(opportunities, dict(zip(bare, fetched_apps, strict=True)))
        records = [_expanded(r, opportunities) if r.id in applications.expanded else r for r in records]
        records = [r for r in records if r.id not in applications.gone]
        with self.store.transaction() as seq:
            self.writer.write(OPPORTUNITIES, records, seq, rejected=rejected)
            self.writer.write(APPLICATIONS, applications.records, seq, scope=applications.parents,
                              rejected=applications.rejected)  # fmt: skip
            complete = write_children(self.writer, stale, children, seq)
            now = self.clock()
            listed = {r.id: r.payload for r in records}
            done = [i for i in stale if i in listed]
            self.state.save_opportunity_states(
                [listed[i] for i in done if i in complete], synced_at=now, children_pass=pass_id or self.record.run_id
            )
            self.state.save_opportunity_states(
                [listed[i] for i in done if i not in complete], synced_at=now, children_pass=INCOMPLETE_CHILDREN
            )
            self.state.save_opportunity_states(
                [listed[i] for i in deferred if i in listed], synced_at=None, children_pass=PENDING
            )
        self._claimed.difference_update(claimed)  # committed: the state table answers from now on
        self.record.result.opportunities_refreshed += len(stale)

    def _stale(
        self, opportunities: dict[str, dict[str, Any]], pass_id: str | None
    ) -> tuple[list[str], list[str], list]:
        """(opportunities whose children must be read now: new, changed, or not yet done by this pass; new ones
        left to the backlog instead; versions claimed by this page).

        An opportunity waiting in the backlog (`PENDING`) is read here only once it changes."""
        states = self.state.opportunity_states(list(opportunities))
        # Back from deleted or missing: their children were marked gone with them, whatever the state says.
        revived = self.store.gone_ids("opportunities", list(opportunities))
        stale, deferred, claimed = [], [], []
        for opp_id, opp in opportunities.items():
            state = states.get(opp_id)
            version = (opp_id, opp.get("updatedAt"), opp.get("lastInteractionAt"))
            if state is None and self.defer_new and pass_id is None:
                deferred.append(opp_id)
            elif version not in self._claimed and (
                state is None
                or opp_id in revived
                or state.updated_at_ms != opp.get("updatedAt")
                or state.last_interaction_at_ms != opp.get("lastInteractionAt")
                or (pass_id is not None and state.children_pass != pass_id)
                or (self._repair_children and state.children_pass == INCOMPLETE_CHILDREN)
            ):
                claimed.append(version)
                stale.append(opp_id)
        return stale, deferred, claimed

    async def _applications(self, opp_id: str) -> list[Any] | None:
        """The per-opportunity applications list, for an opportunity listed with bare application ids."""
        try:
            return await self.lister.children(APPLICATIONS, opp_id)
        except LeverError as exc:
            if exc.status == 404:
                return None
            raise

    def _embedded_applications(
        self, opportunities: dict[str, dict[str, Any]], fetched: dict[str, list[Any] | None]
    ) -> _Applications:
        result = _Applications()
        if fetched:
            self.record.warn(
                "the opportunities list returned applications as bare ids (expand=applications not honoured, "
                "e.g. by a proxy): they are read per opportunity instead, one request each"
            )
        for opp_id, opp in opportunities.items():
            if opp_id in fetched:
                rows = fetched[opp_id]
                if rows is None:
                    result.gone.add(opp_id)
                    continue
                # Put the applications back where `expand` puts them: the stored opportunity is then the same
                # whichever way it was read, and its hash does not flip between runs.
                opportunities[opp_id] = {**opp, "applications": [row for row in rows if isinstance(row, dict)]}
                result.expanded.add(opp_id)
            else:
                rows = opp.get("applications") or []
            records, rejected = to_records(APPLICATIONS, rows, parent_id=opp_id)
            result.records.extend(records)
            result.rejected.extend(rejected)
            result.parents.append(opp_id)
        return result


def _listed_ids(page: list[Any]) -> set[str]:
    """Ids a page lists, including those of records that could not be decoded (they were listed all the same)."""
    ids = {o.get("id") for o in page if isinstance(o, dict)} | {o.lever_id for o in page if isinstance(o, Undecodable)}
    return {i for i in ids if isinstance(i, str)}


def _bare_applications(opportunity: dict[str, Any]) -> bool:
    applications = opportunity.get("applications")
    return isinstance(applications, list) and any(not isinstance(a, dict) for a in applications)


def _expanded(record: RawRecord, opportunities: dict[str, dict[str, Any]]) -> RawRecord:
    """The opportunity record again, with its applications in place (a new content hash)."""
    checked = to_records(OPPORTUNITIES, [opportunities[record.id]])[0]
    return checked[0] if checked else record


class _Applications:
    def __init__(self) -> None:
        self.records: list[RawRecord] = []
        self.rejected: list[Rejected] = []
        self.parents: list[str] = []
        self.gone: set[str] = set()  # vanished before their applications could be read
        self.expanded: set[str] = set()  # listed with bare ids, applications read and put in place
