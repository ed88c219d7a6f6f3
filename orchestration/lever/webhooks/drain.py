"""Draining the webhook queue: coalesce an integration's events per opportunity, read those opportunities with a
targeted sync, and acknowledge the events once that sync has committed.

Events say only which record changed, so the sync reads it now: duplicates and events out of order coalesce into
one read of the current state, and a deletion is a 404 that marks it at once. A burst degrades to one delta:
past `burst_limit` opportunities, the delta's scan costs less than one read by id each.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..clock import to_ms, warehouse_now
from ..config import Integration, Settings
from ..endpoints import BY_NAME, Kind, of_kind
from ..runner import sync_integration
from ..store import SCHEMA, RawStore
from ..sync import Mode, SyncResult
from ..warehouse import connect
from .queue import QueuedEvent, WebhookQueue
from .settings import WebhookSettings


@dataclass
class Drained:
    integration_id: str
    owner: str
    events: list[QueuedEvent]
    opportunity_ids: list[str]
    mode: Mode | None = None  # None: nothing to read (no events, or contacts without a stored opportunity)
    result: SyncResult | None = None

    @property
    def requests(self) -> int:
        return self.result.total_requests if self.result else 0

    @property
    def tables(self) -> set[str]:
        """The raw tables the sync changed (rows written, marked deleted or missing, purged): what to build from."""
        counted = self.result.records.items() if self.result else ()
        return {key.rpartition(":")[2] for key, n in counted if n} & BY_NAME.keys()


def burst_limit(stored_opportunities: int) -> int:
    """Opportunities above which one delta costs fewer requests than reading each by id.

    Both read the same child lists of the opportunities that changed; a targeted sync adds one GET per
    opportunity, a delta its scan (one request per 100 stored opportunities), the account lists and the deleted
    feeds. An integration with nothing stored gets 0: its first drain is a delta, i.e. its first sync.
    """
    if stored_opportunities == 0:
        return 0
    return math.ceil(stored_opportunities / 100) + len(of_kind(Kind.ACCOUNT)) + len(of_kind(Kind.DELETED_FEED))


def _targets(settings: Settings, integration_id: str, events: Sequence[QueuedEvent]) -> tuple[list[str], int]:
    """(the opportunities the events name, in the order they came, the people's included; how many are stored)."""
    ids = list(dict.fromkeys(e.opportunity_id for e in events if e.opportunity_id))
    contacts = sorted({e.contact_id for e in events if e.contact_id})
    if not settings.duckdb_path.exists():
        return ids, 0
    conn = connect(settings.duckdb_path)
    try:
        RawStore.ensure_schema(conn)  # a warehouse made before `contact_id` gains it (cheap when it has it)
        store = RawStore(conn, integration_id)
        live = "integration_id = $integration AND deleted_at IS NULL AND missing_since IS NULL"
        stored = store.execute(f"SELECT count(*) FROM {SCHEMA}.opportunities WHERE {live}")[0][0]
        if contacts:
            rows = store.select(
                f"""SELECT id FROM {SCHEMA}.opportunities WHERE {live} AND contact_id IN (SELECT id FROM _contacts)
                    ORDER BY id""",
                _contacts=contacts,
            )
            ids = list(dict.fromkeys([*ids, *(row[0] for row in rows)]))
        return ids, int(stored)
    finally:
        conn.close()


async def drain(
    settings: Settings,
    integration: Integration,
    queue: WebhookQueue,
    options: WebhookSettings,
    *,
    owner: str | None = None,
    clock: Callable[[], datetime] = warehouse_now,
    **sync_options: Any,
) -> Drained:
    """Claim the integration's pending events, sync what they name, then acknowledge them (only then).

    A failure releases the claim and raises: the events stay queued for the next drain. `owner` names the
    claim (a Dagster run id); `sync_options` go to `sync_integration` (tests pass a transport)."""
    owner = owner or uuid.uuid4().hex
    events = queue.claim(integration.id, owner, now_ms=to_ms(clock()), lease_ms=round(options.lease_s * 1000))
    drained = Drained(integration.id, owner, events, [])
    if not events:
        return drained
    try:
        drained.opportunity_ids, stored = _targets(settings, integration.id, events)
        if drained.opportunity_ids:
            limit = options.burst_limit if options.burst_limit is not None else burst_limit(stored)
            drained.mode = Mode.DELTA if len(drained.opportunity_ids) > limit else Mode.TARGETED
            targeted = drained.mode is Mode.TARGETED
            drained.result = await sync_integration(
                settings,
                integration,
                drained.mode,
                opportunity_ids=drained.opportunity_ids if targeted else (),
                clock=clock,
                **sync_options,
            )
    except BaseException:
        queue.release(owner)
        raise
    now_ms = to_ms(clock())
    queue.ack([e.seq for e in events], owner, now_ms=now_ms)
    keep_s = max(options.retention_s, options.max_age_s + options.future_s)
    queue.prune(before_ms=now_ms - round(keep_s * 1000))
    return drained
