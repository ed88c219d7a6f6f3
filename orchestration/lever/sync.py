"""The sync engine: what to request in delta, full and window mode, and what to commit together."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from .client import LeverClient, Params
from .clock import parse_instant, to_ms, warehouse_now
from .endpoints import BY_NAME, Endpoint, Kind, of_kind
from .errors import LeverError, LeverPermissionError, SyncFailed
from .pagination import iter_pages
from .retention import purge_personal_data
from .store import RawRecord, RawStore, Scope, payload_hash

log = logging.getLogger("lever_warehouse.sync")

# Lever rejects deleted-feed windows over 30 days; 29 leaves room for clock skew.
FEED_WINDOW = timedelta(days=29)
PAGES_IN_FLIGHT = 3
# The scan's pages form a chain (each keyset token comes from the previous page), so one chain is bound by
# latency, not by the rate limit: ~1,000 round trips at 100k opportunities. Chains over disjoint `createdAt`
# ranges run side by side, one per this many stored opportunities, each costing at most one extra page.
OPPORTUNITIES_PER_CHAIN = 2_000
MAX_CHAINS = 8
OPPORTUNITY_CURSOR = "opportunities"
FULL_PASS = "opportunities:full_pass"
# `children_pass` of an opportunity whose child lists were not all readable (a permission was missing).
INCOMPLETE_CHILDREN = "incomplete"
# Runs this process is executing (any warehouse): every other 'running' run a new run finds is dead.
_LIVE_RUNS: set[str] = set()


class Mode(Enum):
    DELTA = "delta"
    FULL = "full"
    WINDOW = "window"


@dataclass
class SyncResult:
    integration_id: str
    run_id: str
    mode: str
    started_at: datetime
    ended_at: datetime | None = None
    requests: dict[str, int] = field(default_factory=dict)
    records: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    cursors: dict[str, str] = field(default_factory=dict)
    opportunities_seen: int = 0
    opportunities_refreshed: int = 0
    confidential_access: bool = True
    # Measured on the process clock: started_at/ended_at are warehouse time, which tests and backfills pin.
    elapsed_s: float = 0.0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


def _record(
    endpoint: Endpoint, row: dict[str, Any], parent_id: str | None = None, position: int | None = None
) -> RawRecord | None:
    key = row.get(endpoint.id_field)
    if not isinstance(key, str) or not key:
        return None
    updated = row.get(endpoint.updated_field) if endpoint.updated_field else None
    updated_ms = int(updated) if isinstance(updated, int | float) and not isinstance(updated, bool) else None
    return RawRecord(id=key, payload=row, parent_id=parent_id, updated_ms=updated_ms, position=position)


def _records(
    endpoint: Endpoint, rows: list[dict[str, Any]], parent_id: str | None = None, positions: bool = False
) -> list[RawRecord]:
    records = [_record(endpoint, row, parent_id, i if positions else None) for i, row in enumerate(rows)]
    dropped = records.count(None)
    if dropped:
        log.warning("%s: %d record(s) without a usable %r were skipped", endpoint.name, dropped, endpoint.id_field)
    return [r for r in records if r is not None]


class SyncEngine:
    """Runs one sync of one integration. Every write groups data with the state that covers it.

    Per page of opportunities, one transaction holds the opportunities, their applications, the children of
    those that changed, and their bookkeeping; cursors move only in the final transaction of a complete
    run. A crash therefore loses at most the page in flight, which the next run redoes idempotently.
    """

    def __init__(
        self,
        store: RawStore,
        client: LeverClient,
        *,
        clock: Callable[[], datetime] = warehouse_now,
        overlap: timedelta = timedelta(minutes=5),
    ) -> None:
        self.store = store
        self.client = client
        self.clock = clock
        self.overlap = overlap
        self._confidential = True
        self._forbidden: set[str] = set()
        self._result: SyncResult | None = None
        self._repair_children = False
        # Versions whose children this run already fetches: pages in flight cannot see each other's commits.
        self._claimed: set[tuple[str, object, object]] = set()

    # -- entry point ----------------------------------------------------------------------------------------
    async def run(self, mode: Mode = Mode.DELTA, window: tuple[datetime, datetime] | None = None) -> SyncResult:
        if mode is Mode.WINDOW and window is None:
            raise ValueError("window mode needs a (start, end) window")
        run_id = uuid.uuid4().hex
        result = SyncResult(self.store.integration_id, run_id, mode.value, self.clock())
        self._result = result
        with self.store.transaction():
            interrupted = self.store.close_interrupted_runs(_LIVE_RUNS, now=result.started_at)
            self.store.start_run(run_id, mode.value, now=result.started_at, window=window)
        if interrupted:
            log.warning("%d earlier run(s) ended without finishing; resuming from what they committed", interrupted)
        _LIVE_RUNS.add(run_id)
        began = time.monotonic()
        try:
            await self._run(mode, window, result)
        except BaseException as exc:
            message = str(exc) if isinstance(exc, LeverError) else f"{type(exc).__name__}: {exc}"
            result.errors.append(message)
            self._finish(result, "failed")
            if isinstance(exc, LeverError):
                raise SyncFailed(result.integration_id, result.errors) from exc
            raise
        finally:
            _LIVE_RUNS.discard(run_id)
            result.elapsed_s = time.monotonic() - began
        if result.errors:
            raise SyncFailed(result.integration_id, result.errors)
        return result

    async def _run(self, mode: Mode, window: tuple[datetime, datetime] | None, result: SyncResult) -> None:
        await self._account_entities(full=mode is Mode.FULL)
        server_now = self.client.server_now() or self.clock()
        for feed in of_kind(Kind.DELETED_FEED):
            await self._deleted_feed(feed, server_now)
        if mode is Mode.WINDOW:
            assert window is not None
            pass_stream = f"opportunities:window:{to_ms(window[0])}:{to_ms(window[1])}"
            pass_id = self._pass(pass_stream)
            # Lever bounds are inclusive; the window is half-open [start, end).
            start, end = str(to_ms(window[0])), str(to_ms(window[1]) - 1)
            queries = [
                [("updated_at_start", start), ("updated_at_end", end)],
                [("created_at_start", start), ("created_at_end", end)],
            ]
            await self._probe_incomplete_children()
            await self._opportunities(queries, pass_id=pass_id)
            self._complete(result, pass_stream=pass_stream)
            return
        await self._probe_incomplete_children()
        pass_id = self._pass(FULL_PASS) if mode is Mode.FULL else None
        scan_start = self.client.server_now() or self.clock()
        seen = await self._opportunities(self._scan_chains(), pass_id=pass_id)
        # The scan's keyset order moves under concurrent edits: re-ask for whatever changed while it ran.
        since = str(to_ms(scan_start - self.overlap))
        seen |= await self._opportunities(
            [[("updated_at_start", since)], [("created_at_start", since)]], pass_id=pass_id
        )
        self._complete(result, seen=seen, scan_start=scan_start, pass_stream=FULL_PASS if pass_id else None)

    # -- small account-wide entities --------------------------------------------------------------------------
    async def _account_entities(self, *, full: bool) -> None:
        endpoints = of_kind(Kind.ACCOUNT)
        lists = await asyncio.gather(*(self._list_all(e) for e in endpoints), return_exceptions=True)
        fetched: dict[str, list[RawRecord]] = {}
        for endpoint, rows in zip(endpoints, lists, strict=True):
            if isinstance(rows, LeverPermissionError):
                self._note_error(rows)
            elif isinstance(rows, BaseException):
                raise rows
            else:
                fetched[endpoint.name] = _records(endpoint, rows, positions=True)
        forms = await self._posting_forms(fetched["postings"], full=full) if "postings" in fetched else {}
        with self.store.transaction() as seq:
            for name, records in fetched.items():
                self._write(BY_NAME[name], records, seq, scope="table")
            if forms:
                present = [RawRecord(pid, form, parent_id=pid) for pid, form in forms.items() if form is not None]
                self._write(BY_NAME["posting_forms"], present, seq, scope=forms)
            if "postings" in fetched:
                self.store.cascade_to_children("postings", seq=seq, run_id=self._run_id)

    async def _posting_forms(self, records: list[RawRecord], *, full: bool) -> dict[str, dict | None]:
        """Apply forms of new or changed postings (all of them in full mode); None = the posting has none.

        Fetched before the postings are written and committed with them: a crash in between can never
        leave a posting stored as unchanged whose form was not read.
        """
        endpoint = BY_NAME["posting_forms"]
        if endpoint.name in self._forbidden:
            return {}
        stored = self.store.stored_hashes("postings", [r.id for r in records])
        have_form = self.store.stored_hashes("posting_forms", [r.id for r in records])
        wanted = [
            r.id
            for r in records
            if full or r.id not in have_form or stored.get(r.id, (None, False))[0] != payload_hash(r.payload)
        ]

        async def fetch(posting_id: str) -> tuple[str, dict | None]:
            try:
                body = await self.client.get_json(endpoint.url(posting_id), [], endpoint=endpoint.lever_template)
            except LeverError as exc:
                if exc.status == 404:
                    return posting_id, None
                raise
            data = body.get("data")
            return posting_id, data if isinstance(data, dict) else None

        try:
            return dict(await asyncio.gather(*(fetch(pid) for pid in wanted)))
        except LeverPermissionError as exc:
            self._note_error(exc)
            self._forbidden.add(endpoint.name)
            return {}

    # -- deleted feeds -------------------------------------------------------------------------------------
    async def _deleted_feed(self, feed: Endpoint, server_now: datetime) -> None:
        stored = self.store.cursor(feed.name)
        # Nothing deleted before our first sync is in the warehouse, so a new integration starts at "now".
        start = parse_instant(stored) - self.overlap if stored else server_now - self.overlap
        while start < server_now:
            end = min(start + FEED_WINDOW, server_now)
            params = [("deleted_at_start", str(to_ms(start))), ("deleted_at_end", str(to_ms(end)))]
            try:
                rows = [
                    row async for page in iter_pages(self.client, feed.path, params, endpoint=feed.path) for row in page
                ]
            except LeverPermissionError as exc:
                self._note_error(exc)
                return
            records = _records(feed, rows)
            tombstones = []
            for record in records:
                deleted_ms = record.payload.get("deletedAt")
                when = datetime.fromtimestamp(deleted_ms / 1000, UTC) if isinstance(deleted_ms, int) else end
                tombstones.append((record.id, when))
            with self.store.transaction() as seq:
                self._write(feed, records, seq)
                self._count(
                    "deleted:" + feed.parent,
                    self.store.mark_deleted(feed.parent, tombstones, seq=seq, run_id=self._run_id),
                )
                self.store.cascade_to_children(feed.parent, seq=seq, run_id=self._run_id)
                self.store.set_cursor(feed.name, end.isoformat(), now=self.clock(), run_id=self._run_id)
            start = end

    # -- opportunities and their children ------------------------------------------------------------------------
    def _scan_chains(self) -> list[Params]:
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

    async def _opportunities(self, queries: list[Params], *, pass_id: str | None) -> set[str]:
        """Page through the queries side by side; refresh children of opportunities that changed, or of all in
        a pass.

        A pass (full reconciliation, backfill window) has an id stored as a cursor until it completes, so a
        rerun after a crash skips the opportunities whose children this pass already refreshed.
        """
        endpoint = BY_NAME["opportunities"]
        seen: set[str] = set()
        pages = asyncio.Semaphore(PAGES_IN_FLIGHT + len(queries) - 1)

        async def page_task(page: list[dict[str, Any]]) -> None:
            try:
                await self._opportunity_page(page, pass_id)
            finally:
                pages.release()

        async def chain(query: Params, group: asyncio.TaskGroup) -> None:
            async for page in self._list_pages(endpoint, query):
                seen.update(o["id"] for o in page if isinstance(o.get("id"), str))
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

    async def _opportunity_page(self, page: list[dict[str, Any]], pass_id: str | None) -> None:
        endpoint = BY_NAME["opportunities"]
        records = _records(endpoint, page)
        opportunities = {r.id: r.payload for r in records}
        states = self.store.opportunity_states(list(opportunities))
        stale, claimed = [], []
        for opp_id, opp in opportunities.items():
            state = states.get(opp_id)
            version = (opp_id, opp.get("updatedAt"), opp.get("lastInteractionAt"))
            if version not in self._claimed and (
                state is None
                or state.updated_at_ms != opp.get("updatedAt")
                or state.last_interaction_at_ms != opp.get("lastInteractionAt")
                or (pass_id is not None and state.children_pass != pass_id)
                or (self._repair_children and state.children_pass == INCOMPLETE_CHILDREN)
            ):
                claimed.append(version)
                stale.append(opp_id)
        self._claimed.update(claimed)
        children = await asyncio.gather(*(self._children(opp_id) for opp_id in stale))
        applications = BY_NAME["applications"]
        now = self.clock()
        with self.store.transaction() as seq:
            self._write(endpoint, records, seq)
            app_rows = [
                record
                for r in records
                for record in _records(
                    applications,
                    [a for a in r.payload.get("applications") or [] if isinstance(a, dict)],
                    parent_id=r.id,
                )
            ]
            self._write(applications, app_rows, seq, scope=list(opportunities))
            by_table: dict[str, list[RawRecord]] = {}
            complete: dict[str, list[str]] = {}
            for opp_id, fetched in zip(stale, children, strict=True):
                for name, rows in fetched.items():
                    by_table.setdefault(name, []).extend(_records(BY_NAME[name], rows, parent_id=opp_id))
                    complete.setdefault(name, []).append(opp_id)
            for name, rows in by_table.items():
                self._write(BY_NAME[name], rows, seq, scope=complete[name])
            # The state is the per-opportunity cursor: "children synced" only when every child list was read.
            # Lists skipped for a missing permission are marked, and re-read once the key has it.
            every_child = len(of_kind(Kind.OPPORTUNITY_CHILD))
            complete_ids = {i for i, fetched in zip(stale, children, strict=True) if len(fetched) == every_child}
            self.store.save_opportunity_states(
                [opportunities[i] for i in stale if i in complete_ids],
                synced_at=now,
                children_pass=pass_id or self._run_id,
            )
            self.store.save_opportunity_states(
                [opportunities[i] for i in stale if i not in complete_ids],
                synced_at=now,
                children_pass=INCOMPLETE_CHILDREN,
            )
        self._claimed.difference_update(claimed)  # committed: the state table answers from now on
        assert self._result is not None
        self._result.opportunities_refreshed += len(stale)

    async def _probe_incomplete_children(self) -> None:
        """Children skipped earlier for a missing permission are re-read as soon as the key has it.

        One request per child list, on one such opportunity, tells whether the key can read them all now;
        while it still cannot, the run reports the permission (and fails) without re-reading anything.
        """
        sample = self.store.opportunity_with_children_pass(INCOMPLETE_CHILDREN)
        if sample is None:
            return
        for endpoint in of_kind(Kind.OPPORTUNITY_CHILD):
            try:
                await self.client.get_json(endpoint.url(sample), [("limit", "1")], endpoint=endpoint.lever_template)
            except LeverPermissionError as exc:
                self._forbidden.add(endpoint.name)
                self._note_error(exc)
            except LeverError as exc:
                if exc.status != 404:  # the sample was deleted meanwhile: the list is readable enough
                    raise
        self._repair_children = not self._forbidden
        if self._repair_children:
            log.info("the key can read every child list again: re-reading those skipped for a missing permission")

    async def _children(self, opp_id: str) -> dict[str, list[dict[str, Any]]]:
        endpoints = [e for e in of_kind(Kind.OPPORTUNITY_CHILD) if e.name not in self._forbidden]

        async def one(endpoint: Endpoint) -> list[dict[str, Any]]:
            path = endpoint.url(opp_id)
            return [
                row
                async for page in iter_pages(self.client, path, [], endpoint=endpoint.lever_template)
                for row in page
            ]

        results = await asyncio.gather(*(one(e) for e in endpoints), return_exceptions=True)
        fetched: dict[str, list[dict[str, Any]]] = {}
        for endpoint, rows in zip(endpoints, results, strict=True):
            if isinstance(rows, LeverPermissionError):
                if endpoint.name not in self._forbidden:
                    self._forbidden.add(endpoint.name)
                    self._note_error(rows)
            elif isinstance(rows, BaseException):
                raise rows
            else:
                fetched[endpoint.name] = rows
        return fetched

    # -- listing helpers -------------------------------------------------------------------------------------
    async def _list_pages(self, endpoint: Endpoint, query: Params):
        """Pages of a list, asking for confidential records when the key may see them."""
        params = list(endpoint.params) + list(query)
        if endpoint.confidential and self._confidential:
            try:
                async for page in iter_pages(
                    self.client,
                    endpoint.path,
                    params + [("confidentiality", "all")],
                    endpoint=endpoint.path,
                    paginated=endpoint.paginated,
                ):
                    yield page
                return
            except LeverPermissionError:
                if self._confidential:  # the first list to find out (lists run side by side) says so
                    self._confidential = False
                    assert self._result is not None
                    self._result.confidential_access = False
                    log.warning(
                        "the API key has no access to confidential data: confidential opportunities, postings "
                        "and requisitions are skipped (create a key with confidential access to include them)"
                    )
        async for page in iter_pages(
            self.client, endpoint.path, params, endpoint=endpoint.path, paginated=endpoint.paginated
        ):
            yield page

    async def _list_all(self, endpoint: Endpoint) -> list[dict[str, Any]]:
        return [row async for page in self._list_pages(endpoint, []) for row in page]

    def records_written(self) -> dict[str, int]:
        return dict(self._result.records) if self._result else {}

    # -- bookkeeping ----------------------------------------------------------------------------------------
    @property
    def _run_id(self) -> str:
        assert self._result is not None
        return self._result.run_id

    def _write(self, endpoint: Endpoint, records: list[RawRecord], seq: int, *, scope: Scope = None) -> None:
        """Upsert records; with a scope, they are its complete listing (`RawStore.write_listing`)."""
        written, missing = self.store.write_listing(
            endpoint.name, records, run_id=self._run_id, now=self.clock(), seq=seq, scope=scope
        )
        self._count(endpoint.name, written)
        if scope == "table":
            self._count("missing:" + endpoint.name, missing)

    def _count(self, key: str, value: int) -> None:
        assert self._result is not None
        if value:
            self._result.records[key] += value

    def _note_error(self, exc: LeverError) -> None:
        assert self._result is not None
        message = str(exc)
        if message not in self._result.errors:
            log.error("%s", message)
            self._result.errors.append(message)

    def _pass(self, stream: str) -> str:
        """Id of a resumable pass; a rerun after a crash finds it and continues instead of starting over."""
        stored = self.store.cursor(stream)
        if stored:
            return stored
        with self.store.transaction():
            self.store.set_cursor(stream, self._run_id, now=self.clock(), run_id=self._run_id)
        return self._run_id

    def _complete(
        self,
        result: SyncResult,
        *,
        seen: set[str] | None = None,
        scan_start: datetime | None = None,
        pass_stream: str | None = None,
    ) -> None:
        now = self.clock()
        result.opportunities_seen = len(seen) if seen is not None else 0
        with self.store.transaction() as seq:
            # After a failed endpoint the picture may be partial: marking records missing or moving a
            # cursor would then lie, so only the purge and the run log are written.
            if not result.errors:
                if seen is not None:
                    missing = self.store.mark_missing("opportunities", seen, now=now, seq=seq, run_id=self._run_id)
                    self._count("missing:opportunities", missing)
                    self.store.cascade_to_children("opportunities", seq=seq, run_id=self._run_id)
                if scan_start is not None:
                    self.store.set_cursor(OPPORTUNITY_CURSOR, scan_start.isoformat(), now=now, run_id=self._run_id)
                if pass_stream:
                    self.store.set_cursor(pass_stream, None, now=now, run_id=self._run_id)
            for stream, value in purge_personal_data(self.store.conn, now).items():
                self._count("purged:" + stream, value)
            self._finish_in_tx(result, "failed" if result.errors else "succeeded", now)
        result.cursors = self._cursors()

    def _cursors(self) -> dict[str, str]:
        names = [OPPORTUNITY_CURSOR] + [e.name for e in of_kind(Kind.DELETED_FEED)]
        return {name: value for name in names if (value := self.store.cursor(name))}

    def _finish_in_tx(self, result: SyncResult, status: str, now: datetime) -> None:
        result.ended_at = now
        result.requests = dict(self.client.stats.requests)
        result.retries = self.client.stats.retries
        self.store.finish_run(
            result.run_id,
            status=status,
            now=now,
            requests=result.requests,
            records=dict(result.records),
            retries=result.retries,
            errors=result.errors,
        )

    def _finish(self, result: SyncResult, status: str) -> None:
        try:
            with self.store.transaction():
                self._finish_in_tx(result, status, self.clock())
        except Exception:  # the run log must never mask the error that ended the run
            log.exception("could not record the failed run %s", result.run_id)
