"""Processing requests of the outbox: claim one at a time, look it up and check it in the warehouse, carry it out
on Lever, record the outcome; then one targeted re-sync of every opportunity touched, and the targeted build that
makes the change visible in `ats` (reflect.py). The Python API, the CLI and the Dagster job all end up here."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from ..budget import Budget
from ..client import LeverClient, RetryPolicy
from ..clock import to_ms, warehouse_now
from ..config import Integration, Settings
from ..errors import LeverError, LeverPayloadError, LeverUnavailable, LeverWarehouseError
from ..retention import retention
from ..runner import LeverSession, open_session
from ..secrets import scrub
from ..state import SyncState
from ..sync import Mode
from .lever_side import ActionFailed, LeverSide
from .lookup import Lookup
from .outbox import Outbox
from .outbox_schema import Claimed
from .plans import Options, prepare
from .spec import ActionError

log = logging.getLogger("lever_warehouse.actions")

LEASE = timedelta(minutes=15)  # longer than one request can take: its retries, read-backs and resends
MAX_ATTEMPTS = 5  # of a request whose failures are transient (429 storm, Lever down, an unconfirmed write)
# Lever's clock and ours may differ by up to the tolerance the sync enforces: read-backs look back that far.
MIN_LOOKBACK = timedelta(minutes=1)


@dataclass
class Batch:
    """What one processing pass did: the requests applied, remarks on applied ones, every request it saw."""

    applied: dict[int, str] = field(default_factory=dict)  # request id -> integration id
    warnings: dict[int, str] = field(default_factory=dict)
    seen: list[int] = field(default_factory=list)  # every request claimed


def default_integration(settings: Settings) -> str | None:
    return settings.integrations[0].id if len(settings.integrations) == 1 else None


async def process_integration(
    settings: Settings,
    integration: Integration,
    outbox: Outbox,
    batch: Batch,
    *,
    owner: str,
    ids: Sequence[int] | None = None,
    limit: int = 1000,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = warehouse_now,
    retry: RetryPolicy | None = None,
    downloads: httpx.AsyncClient | None = None,
) -> None:
    """Claim and carry out this integration's due requests in order, then re-sync what they touched."""
    async with open_session(settings, integration, transport=transport, clock=clock, retry=retry) as session:
        touched: list[str] = []
        http = downloads or httpx.AsyncClient(timeout=settings.request_timeout)
        try:
            with session.logged("actions") as client:
                await _requests(session, client, outbox, batch, touched, owner, ids, limit, http)
        finally:
            if downloads is None:
                await http.aclose()
        if touched:
            await _resync(session, touched, batch)


async def _requests(
    session: LeverSession,
    client: LeverClient,
    outbox: Outbox,
    batch: Batch,
    touched: list[str],
    owner: str,
    ids: Sequence[int] | None,
    limit: int,
    http: httpx.AsyncClient,
) -> None:
    """Claim one request at a time (order kept, nothing held that another processor could take), until none is due,
    Lever is unavailable, or the budget is spent."""
    settings, integration, clock = session.settings, session.integration, session.clock
    state = SyncState(session.conn, integration.id)
    lookup: Lookup | None = None
    options = Options(integration.perform_as, settings.attachment_max_bytes, http)
    lookback = max(timedelta(seconds=settings.clock_tolerance_seconds), MIN_LOOKBACK)
    for _ in range(limit):
        claimed = outbox.claim(
            owner,
            clock(),
            lease=LEASE,
            limit=1,
            ids=ids,
            integration=integration.id,
            default_integration=default_integration(settings),
        )
        if not claimed:
            return
        request = claimed[0]
        batch.seen.append(request.request_id)
        try:
            lookup = lookup or Lookup(session.conn, integration.id)
        except ActionError as exc:
            outbox.record(owner, request.request_id, "failed", clock(), error=str(exc))
            continue
        spent = _budget_spent(session, state, clock(), client.stats.total)
        if spent is not None:
            outbox.record(
                owner,
                request.request_id,
                "pending",
                clock(),
                error=spent,
                attempts=request.attempts - 1,
                next_attempt_at=_next_midnight(clock()),
            )
            return
        if await _one(request, lookup, options, client, outbox, owner, clock, lookback, batch, touched):
            return


async def _one(
    request: Claimed,
    lookup: Lookup,
    options: Options,
    client: LeverClient,
    outbox: Outbox,
    owner: str,
    clock: Callable[[], datetime],
    lookback: timedelta,
    batch: Batch,
    touched: list[str],
) -> bool:
    """Carry out one claimed request and record its outcome; True when Lever is unavailable (stop the pass)."""
    rid = request.request_id
    try:
        plan = await prepare(request.action, request.params, lookup, options, perform_as=request.perform_as)
    except ActionError as exc:
        outbox.record(owner, rid, "failed", clock(), error=f"{exc}; nothing was sent to Lever")
        return False
    if request.dry_run:
        outbox.record(owner, rid, "dry_run", clock(), lever_response={"would_send": plan.describe})
        return False
    lever = LeverSide(
        client,
        perform_as=plan.perform_as,
        since_ms=to_ms(request.since - lookback),
        recovering=request.recovering,
    )
    log.info("request %d: %s (attempt %d)", rid, request.action, request.attempts)
    try:
        summary = await plan.run(lever)
    except ActionError as exc:
        outbox.record(owner, rid, "failed", clock(), error=f"{exc}{lever.applied()}")
        return False
    except (LeverUnavailable, ActionFailed, LeverPayloadError) as exc:
        _later(outbox, owner, request, clock(), f"{exc}{lever.applied()}")
        return isinstance(exc, LeverUnavailable)
    except LeverError as exc:  # 400, 401, 403, 404: Lever refused it; the same request would be refused again
        outbox.record(owner, rid, "failed", clock(), error=f"Lever refused it: {exc}{lever.applied()}")
        return False
    finally:
        touched.extend(o for o in lever.touched if o not in touched)
    outbox.record(
        owner,
        rid,
        "succeeded",
        clock(),
        lever_response=summary,
        applied_at=clock(),
        error=None,
        integration_id=lookup.integration_id,
    )
    batch.applied[rid] = lookup.integration_id
    return False


def _later(outbox: Outbox, owner: str, request: Claimed, now: datetime, error: str) -> None:
    """A transient failure: tried again after a backoff, until MAX_ATTEMPTS; other requests are not held up."""
    message = scrub(error)
    if request.attempts >= MAX_ATTEMPTS:
        outbox.record(
            owner, request.request_id, "failed", now, error=f"{message} (gave up after {request.attempts} attempts)"
        )
        return
    wait = timedelta(minutes=min(30, 2 ** (request.attempts - 1)))
    outbox.record(
        owner,
        request.request_id,
        "pending",
        now,
        error=f"{message} (attempt {request.attempts}; tried again after {(now + wait).isoformat(timespec='seconds')})",
        next_attempt_at=now + wait,
    )


def _budget_spent(session: LeverSession, state: SyncState, now: datetime, this_run: int) -> str | None:
    """None while today's request budget has room; else why the request waits (actions are deferrable work)."""
    budget: Budget = session.budget()
    usage = budget.usage(state, now, this_run)
    if usage.used < budget.daily:
        return None
    return f"the daily request budget of {session.integration.id} is spent ({usage.describe()}): deferred to tomorrow"


def _next_midnight(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


async def _resync(session: LeverSession, touched: list[str], batch: Batch) -> None:
    """One targeted sync of every opportunity the actions touched, on the same session (bucket, credentials)."""
    try:
        await session.engine(session.client()).run(Mode.TARGETED, opportunity_ids=touched)
    except (LeverWarehouseError, OSError) as exc:
        for rid, integration_id in batch.applied.items():
            if integration_id == session.integration.id:
                batch.warnings[rid] = scrub(f"applied in Lever; the re-sync failed ({exc}), so the next sync shows it")


def run_pass(
    settings: Settings,
    outbox: Outbox,
    *,
    ids: Sequence[int] | None = None,
    owner: str | None = None,
    **kwargs: Any,
) -> Batch:
    """Process every configured integration's due requests (or `ids`); requests naming an unknown integration fail."""
    owner = owner or f"processor-{uuid.uuid4().hex[:12]}"
    clock = kwargs.get("clock", warehouse_now)
    known = [i.id for i in settings.integrations]
    # Parameters of finished requests (names, emails) are kept as long as the warehouse keeps a deleted person's.
    outbox.purge(clock() - retention())
    batch = Batch()
    for request in outbox.claim(
        owner,
        clock(),
        lease=LEASE,
        ids=ids,
        exclude_integrations=known,
        default_integration=default_integration(settings),
        settled=batch.seen,
    ):
        where = (
            "integration_id is required: several integrations are configured"
            if request.integration_id is None
            else f"unknown integration {request.integration_id!r}; configured: {', '.join(known)}"
        )
        outbox.record(owner, request.request_id, "failed", clock(), error=f"{where}; nothing was sent")
        batch.seen.append(request.request_id)
    for integration in settings.integrations:
        asyncio.run(process_integration(settings, integration, outbox, batch, owner=owner, ids=ids, **kwargs))
    return batch
