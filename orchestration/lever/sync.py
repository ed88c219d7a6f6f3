"""The sync engine: what a delta, full or window run requests, in which order, and what it commits together.

Over 300 lines (343) on purpose: the order of a run's steps (clock checks, account lists, feeds, the scan,
children, references, verification, the run record) is the thing to read here, so it stays in one file; each
step's work lives in its own module."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import Enum

from .accounts import AccountLists
from .budget import Budget
from .children import PENDING, ChildReader
from .client import LeverClient
from .clock import to_ms, warehouse_now
from .endpoints import Kind, of_kind
from .errors import ClockError, LeverError, RunTimeLimit, SyncFailed
from .feeds import read_deleted_feed
from .listing import Lister
from .references import Collector, ReferenceResolver, begin_run
from .rejections import Rejections
from .retention import purge_personal_data
from .run_record import RunRecord, SyncResult
from .scan import OpportunityScan
from .state import SyncState
from .store import RawStore
from .targeted import TARGETED_PAGE, targeted_read
from .verify import DEFAULT_COST, Verifier
from .writer import Writer

__all__ = ["Mode", "SyncEngine", "SyncResult"]

log = logging.getLogger("lever_warehouse.sync")

OPPORTUNITY_CURSOR = "opportunities"
FULL_PASS = "opportunities:full_pass"
# Runs this process is executing (any warehouse): every other 'running' run a new run finds is dead.
_LIVE_RUNS: set[str] = set()


class Mode(Enum):
    DELTA = "delta"
    FULL = "full"
    WINDOW = "window"
    # Named opportunities only (a webhook, a write action, `sync --opportunity`): each read by id with its
    # applications and every child list; no list, feed or cursor is touched.
    TARGETED = "targeted"


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
        clock_tolerance: timedelta = timedelta(minutes=5),
        max_run: timedelta | None = None,
        budget: Budget | None = None,
        verify_days: float = 7.0,
        first_usable: timedelta = timedelta(minutes=5),
        skip_unreferred_referrals: bool = False,
        optional: frozenset[str] = frozenset(),
    ) -> None:
        self.store = store
        self.state = SyncState(store.conn, store.integration_id)
        self.client = client
        self.clock = clock
        self.overlap = overlap
        self.clock_tolerance = clock_tolerance
        self.max_run = max_run
        self.budget = budget or Budget.of(0, share=1.0, daily=None, run_minutes=0, pace=1.0)
        self.verify_days = verify_days
        self.first_usable = first_usable
        self.skip_unreferred_referrals = skip_unreferred_referrals
        # Optional lists this integration reads (`endpoints.OPTIONAL`: profile forms and their templates).
        self.optional = optional
        self.record: RunRecord | None = None

    # -- entry point ----------------------------------------------------------------------------------------
    async def run(
        self,
        mode: Mode = Mode.DELTA,
        window: tuple[datetime, datetime] | None = None,
        opportunity_ids: Sequence[str] = (),
    ) -> SyncResult:
        if mode is Mode.WINDOW and window is None:
            raise ValueError("window mode needs a (start, end) window")
        if mode is Mode.TARGETED and not opportunity_ids:
            raise ValueError("targeted mode needs opportunity ids")
        now = self.clock()
        self._check_warehouse_clock(now)
        result = SyncResult(self.store.integration_id, uuid.uuid4().hex, mode.value, now)
        record = self.record = RunRecord(result)
        with self.store.transaction() as first_seq:
            interrupted = self.state.close_interrupted_runs(_LIVE_RUNS, now=now)
            self.state.start_run(result.run_id, mode.value, now=now, window=window)
            begin_run(self.state, first_seq, now=now, run_id=result.run_id)
        self._first_seq = first_seq
        if interrupted:
            log.warning("%d earlier run(s) ended without finishing; resuming from what they committed", interrupted)
        _LIVE_RUNS.add(result.run_id)
        began = time.monotonic()
        try:
            async with asyncio.timeout(self.max_run.total_seconds() if self.max_run else None):
                await self._run(mode, window, record, list(opportunity_ids))
        except BaseException as exc:
            failure: BaseException = exc
            if isinstance(exc, TimeoutError) and self.max_run is not None:
                failure = RunTimeLimit(
                    f"the sync ran longer than its ceiling ({self.max_run}) and was stopped; what it committed is "
                    "kept and the next run resumes from it (raise LEVER_MAX_RUN_HOURS for a first sync of a large "
                    "account)"
                )
            record.error(failure)
            self._finish(result, "failed")
            if isinstance(failure, LeverError):
                raise SyncFailed(result.integration_id, result.errors) from exc
            raise
        finally:
            _LIVE_RUNS.discard(result.run_id)
            result.elapsed_s = time.monotonic() - began
        if result.errors:
            raise SyncFailed(result.integration_id, result.errors)
        return result

    async def _run(
        self, mode: Mode, window: tuple[datetime, datetime] | None, record: RunRecord, opportunity_ids: list[str]
    ) -> None:
        writer = Writer(self.store, self.state, record, self.clock, Collector())
        lister = Lister(self.client, record)
        if mode is Mode.TARGETED:
            await self._targeted(opportunity_ids, lister, writer, record)
            return
        accounts = AccountLists(self.store, lister, writer, record, optional=self.optional)
        fetched = await accounts.fetch(full=mode is Mode.FULL)
        self._check_server_clock()
        accounts.write(fetched)
        server_now = self.client.server_now() or self.clock()
        for feed in of_kind(Kind.DELETED_FEED):
            await read_deleted_feed(feed, server_now, self.overlap, lister, writer)
        reader = self._reader(lister, record)
        scan = OpportunityScan(self.store, self.state, lister, writer, record, self.clock, reader)
        await scan.probe_incomplete_children()
        resolver = ReferenceResolver(
            self.store, self.state, self.client, record, self.clock, writer.collector, self._first_seq
        )
        verifier = Verifier(
            self.store, self.state, self.client, reader, writer, record, self.clock, self.budget, self.verify_days
        )
        if mode is Mode.WINDOW:
            assert window is not None
            pass_stream = f"opportunities:window:{to_ms(window[0])}:{to_ms(window[1])}"
            # Lever bounds are inclusive; the window is half-open [start, end).
            start, end = str(to_ms(window[0])), str(to_ms(window[1]) - 1)
            queries = [
                [("updated_at_start", start), ("updated_at_end", end)],
                [("created_at_start", start), ("created_at_end", end)],
            ]
            await scan.run(queries, pass_id=self._pass(pass_stream, record))
            await resolver.resolve()
            self._complete(record, pass_stream=pass_stream)
            return
        pass_id = self._pass(FULL_PASS, record) if mode is Mode.FULL else None
        # A first sync lands opportunities and applications first and reads children after the first build.
        first_sync = mode is Mode.DELTA and not self.store.row_counts(["opportunities"])["opportunities"]
        scan.defer_new = first_sync
        scan_start = self.client.server_now() or self.clock()
        seen = await scan.run(scan.chains(), pass_id=pass_id)
        # The scan's keyset order moves under concurrent edits: re-ask for whatever changed while it ran.
        since = str(to_ms(scan_start - self.overlap))
        seen |= await scan.run([[("updated_at_start", since)], [("created_at_start", since)]], pass_id=pass_id)
        if mode is Mode.DELTA:
            await self._children_backlog(verifier, record, first_sync=first_sync)
        await resolver.resolve()
        if scan.unidentified:
            record.warn("the opportunities list held records without a usable id: nothing is marked missing this run")
            seen = None
        self._complete(record, seen=seen, scan_start=scan_start, pass_stream=FULL_PASS if pass_id else None)

    async def _targeted(self, ids: list[str], lister: Lister, writer: Writer, record: RunRecord) -> None:
        """Read the named opportunities by id and all their children now; a 404 marks one deleted at once."""
        reader = self._reader(lister, record)
        scan = OpportunityScan(self.store, self.state, lister, writer, record, self.clock, reader)
        found, gone = await targeted_read(self.client, ids)
        self._check_server_clock()
        if gone:
            with self.store.transaction() as seq:
                marked = self.store.mark_deleted("opportunities", [(i, self.clock()) for i in gone], seq=seq,
                                                 run_id=record.run_id)  # fmt: skip
                record.count("deleted:opportunities", marked)
                self.store.cascade_to_children("opportunities", seq=seq, run_id=record.run_id)
        for start in range(0, len(found), TARGETED_PAGE):
            await scan.page(found[start : start + TARGETED_PAGE], pass_id=record.run_id)
        await ReferenceResolver(
            self.store, self.state, self.client, record, self.clock, writer.collector, self._first_seq
        ).resolve()
        self._complete(record)

    def _reader(self, lister: Lister, record: RunRecord) -> ChildReader:
        return ChildReader(
            lister, record, skip_unreferred_referrals=self.skip_unreferred_referrals, optional=self.optional
        )

    async def _children_backlog(self, verifier: Verifier, record: RunRecord, *, first_sync: bool) -> None:
        """The backlog, then the rolling verification slice. A first sync whose backlog takes longer than a
        few minutes ends without it: the warehouse is usable at once, and the next runs read the children."""
        if first_sync:
            _, pending, _ = self.state.children_coverage(PENDING)
            estimate = timedelta(seconds=self.budget.seconds(pending * DEFAULT_COST))
            if estimate > self.first_usable:
                record.warn(
                    f"first sync: opportunities and applications are in; the children of {pending:,} opportunities "
                    f"(about {estimate.total_seconds() / 3600:.1f} h of requests at this rate) are read by the next "
                    "runs, most useful first, within the request budget"
                )
                return
        progress = await verifier.run(verify=not first_sync)
        record.result.deferred = progress.deferred

    # -- clock sanity -----------------------------------------------------------------------------------------
    def _check_warehouse_clock(self, now: datetime) -> None:
        """Deletion dates, `changed_at` and retention all follow the warehouse clock: it must never go back."""
        last = self.state.last_completed_start()
        if last is not None and now < last:
            raise ClockError(
                f"the warehouse clock ({now.isoformat()}) is earlier than the start of the last completed sync of "
                f"{self.store.integration_id} ({last.isoformat()}): refusing to run, as deletion dates, changed_at "
                "and retention would move backwards. Check WAREHOUSE_NOW and the host clock"
            )

    def _check_server_clock(self) -> None:
        """Windows and cursors follow Lever's clock, markers and retention ours: the two must roughly agree."""
        server = self.client.server_now()
        if server is None or not self.clock_tolerance:
            return
        skew = server - self.clock()
        if abs(skew) > self.clock_tolerance:
            direction = "ahead of" if skew > timedelta(0) else "behind"
            raise ClockError(
                f"Lever's clock (its Date header, {server.isoformat(timespec='seconds')}) is "
                f"{abs(skew).total_seconds():.0f}s {direction} the warehouse clock "
                f"({self.clock().isoformat(timespec='seconds')}): refusing to run, as incremental windows would "
                "miss or repeat changes. Fix the host clock or WAREHOUSE_NOW, or raise LEVER_CLOCK_TOLERANCE_SECONDS"
            )

    # -- bookkeeping ----------------------------------------------------------------------------------------
    def _pass(self, stream: str, record: RunRecord) -> str:
        """Id of a resumable pass; a rerun after a crash finds it and continues instead of starting over."""
        stored = self.state.cursor(stream)
        if stored:
            return stored
        with self.store.transaction():
            self.state.set_cursor(stream, record.run_id, now=self.clock(), run_id=record.run_id)
        return record.run_id

    def _complete(
        self,
        record: RunRecord,
        *,
        seen: set[str] | None = None,
        scan_start: datetime | None = None,
        pass_stream: str | None = None,
    ) -> None:
        result = record.result
        now = self.clock()
        result.opportunities_seen = len(seen) if seen is not None else 0
        with self.store.transaction() as seq:
            # After a failed endpoint the picture may be partial: marking records missing or moving a
            # cursor would then lie, so only the purge and the run log are written.
            if not result.errors:
                if seen is not None:
                    missing = self.store.mark_missing("opportunities", seen, now=now, seq=seq, run_id=record.run_id)
                    record.count("missing:opportunities", missing)
                    self.store.cascade_to_children("opportunities", seq=seq, run_id=record.run_id)
                if scan_start is not None:
                    self.state.set_cursor(OPPORTUNITY_CURSOR, scan_start.isoformat(), now=now, run_id=record.run_id)
                if pass_stream:
                    self.state.set_cursor(pass_stream, None, now=now, run_id=record.run_id)
            for stream, value in purge_personal_data(self.store.conn, now).items():
                record.count("purged:" + stream, value)
            self._report_children(record, now)
            result.rejected = Rejections(self.store.conn, self.store.integration_id).open_rejections()
            if result.rejected:
                shown = ", ".join(f"{name}: {n}" for name, n in sorted(result.rejected.items()))
                record.warn(
                    f"records Lever sent that could not be stored as sent ({shown}) are in lever_raw._rejected; "
                    "the rest was stored and later runs try them again"
                )
            self._finish_in_tx(result, "failed" if result.errors else "succeeded", now)
        result.cursors = self._cursors()

    def _report_children(self, record: RunRecord, now: datetime) -> None:
        result = record.result
        _, result.children_pending, result.oldest_verified = self.state.children_coverage(PENDING)
        usage = self.budget.usage(self.state, now, self.client.stats.total)
        result.budget = usage.describe()
        if result.deferred:
            record.warn(
                f"{result.deferred:,} opportunities due for a children check were left for later runs: {result.budget}"
            )

    def _cursors(self) -> dict[str, str]:
        names = [OPPORTUNITY_CURSOR] + [e.name for e in of_kind(Kind.DELETED_FEED)]
        return {name: value for name in names if (value := self.state.cursor(name))}

    def _finish_in_tx(self, result: SyncResult, status: str, now: datetime) -> None:
        result.ended_at = now
        result.requests = dict(self.client.stats.requests)
        result.retries = self.client.stats.retries
        self.state.finish_run(
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

    def records_written(self) -> dict[str, int]:
        return dict(self.record.result.records) if self.record else {}
