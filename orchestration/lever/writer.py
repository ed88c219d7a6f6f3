"""Writing checked rows: the raw table, the rejections that came with them, and the run's counts, always
inside the caller's transaction so a page's data and its bookkeeping commit together."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from .endpoints import Endpoint
from .records import RawRecord, Rejected
from .references import Collector
from .rejections import Rejections
from .run_record import RunRecord
from .state import SyncState
from .store import RawStore, Scope


class Writer:
    def __init__(
        self,
        store: RawStore,
        state: SyncState,
        record: RunRecord,
        clock: Callable[[], datetime],
        collector: Collector | None = None,
    ) -> None:
        self.store = store
        self.collector = collector or Collector()
        self.state = state
        self.record = record
        self.clock = clock
        self.rejections = Rejections(store.conn, store.integration_id)
        # Endpoints with unresolved rejections: only their clean rows need checking against `_rejected`.
        self._open = set(self.rejections.open_rejections())

    def write(
        self,
        endpoint: Endpoint,
        records: Sequence[RawRecord],
        seq: int,
        *,
        scope: Scope = None,
        rejected: Sequence[Rejected] = (),
    ) -> None:
        """Upsert `records` (with a scope: its complete listing, `RawStore.write_listing`) and file `rejected`.

        A rejected row with a usable id counts as listed: its stored copy is kept, not marked missing. A
        rejected row without one may be any stored record, so then nothing is marked missing.
        """
        now = self.clock()
        unstored = {r.lever_id for r in rejected if r.lever_id and not r.repaired}
        if scope is not None and any(r.lever_id is None for r in rejected):
            unstored = None
        written, missing = self.store.write_listing(
            endpoint.name, records, run_id=self.record.run_id, now=now, seq=seq, scope=scope, also_listed=unstored
        )
        self.record.count(endpoint.name, written)
        self.collector.add(endpoint.name, records)
        if scope == "table":
            self.record.count("missing:" + endpoint.name, missing)
        if endpoint.name in self._open and records:
            filed = {r.lever_id for r in rejected}
            clean = [r.id for r in records if r.id not in filed]
            self.rejections.resolve_rejected(endpoint.name, clean, now=now, run_id=self.record.run_id)
        if rejected:
            self.rejections.record_rejected(rejected, now=now, run_id=self.record.run_id)
            self.record.count("rejected:" + endpoint.name, len(rejected))
            self._open.add(endpoint.name)
