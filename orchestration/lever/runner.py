"""Wires configuration, warehouse, HTTP client and sync engine into one call per integration."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import duckdb
import httpx

from .auth import ApiKeyCredentials, Credentials, OAuthCredentials
from .budget import Budget
from .client import LeverClient, RequestStats, RetryPolicy
from .clock import warehouse_now
from .config import ApiKeyAuth, Integration, OAuthAuth, Settings
from .connections import ConnectionSlots
from .embedded import embedded_sandbox
from .errors import ConfigError, LeverWarehouseError
from .ratelimit import TokenBucket
from .secrets import Secret, scrub, seal, unseal
from .state import SyncState
from .store import RawStore
from .sync import Mode, SyncEngine, SyncResult
from .warehouse import connect

log = logging.getLogger("lever_warehouse.runner")

Progress = Callable[[str, dict[str, float]], None]


@dataclass
class Outcome:
    integration_id: str
    result: SyncResult | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


# Pace a little under Lever's limit and keep half its burst in reserve: requests reach the server unevenly
# (scheduling, latency jitter), and an early arrival must find a token left in the server's bucket.
PACE = 0.95
BURST_SHARE = 0.5


def client_limiter(integration: Integration) -> TokenBucket:
    return TokenBucket(integration.rate_limit * PACE, max(1.0, integration.burst * BURST_SHARE))


@contextmanager
def _source(integration: Integration, now: datetime) -> Iterator[tuple[str, ApiKeyAuth | OAuthAuth]]:
    if integration.sandbox is not None:
        with embedded_sandbox(integration, now) as source:
            yield source
        return
    if integration.auth is None:
        raise ConfigError(f"integration {integration.id} has no credentials")
    yield integration.base_url, integration.auth


def _fingerprint(auth: OAuthAuth) -> str:
    """Identifies which configured refresh token a stored one descends from, without storing either."""
    key = auth.client_secret.reveal().encode()
    return hmac.new(key, auth.refresh_token.reveal().encode(), hashlib.sha256).hexdigest()


def _credentials(
    auth: ApiKeyAuth | OAuthAuth,
    http: httpx.AsyncClient,
    state: SyncState,
    clock: Callable[[], datetime],
    retry: RetryPolicy,
) -> Credentials:
    if isinstance(auth, ApiKeyAuth):
        return ApiKeyCredentials(auth)
    fingerprint = _fingerprint(auth)
    stored = state.oauth_state()
    refresh: Secret | None = None
    # A stored (rotated) token wins unless the operator configured a new one since: then theirs is newer.
    if stored is not None and stored[1] == fingerprint:
        try:
            refresh = unseal(stored[0], auth.client_secret)
        except ValueError:
            log.warning("stored OAuth state cannot be read with this client secret; using the configured token")

    def persist(new_token: Secret) -> None:
        with state.transaction():
            state.save_oauth_state(seal(new_token, auth.client_secret), fingerprint, now=clock())

    return OAuthCredentials(auth, http, refresh_token=refresh, on_rotate=persist, retry=retry)


async def _report(progress: Progress, integration_id: str, client: LeverClient, engine: SyncEngine) -> None:
    started = time.monotonic()
    while True:
        await asyncio.sleep(1.0)
        elapsed = time.monotonic() - started
        records = sum(engine.records_written().values())
        total = client.stats.total
        progress(
            integration_id,
            {
                "requests": total,
                "req_per_s": total / elapsed if elapsed else 0.0,
                "retries": client.stats.retries,
                "records": records,
                "elapsed_s": elapsed,
            },
        )


@dataclass
class LeverSession:
    """One integration opened for work: the warehouse connection, and what every Lever request of the work shares
    (base URL, credentials, the client-side token bucket, connections, retry policy). A sync and write actions
    run in one session, so they pace against one bucket and refresh one OAuth token."""

    settings: Settings
    integration: Integration
    conn: duckdb.DuckDBPyConnection
    base_url: str
    credentials: Credentials
    limiter: TokenBucket
    slots: ConnectionSlots
    retry: RetryPolicy
    clock: Callable[[], datetime]

    def client(self, stats: RequestStats | None = None) -> LeverClient:
        """A client on the session's bucket and connections, counting its requests in `stats` (its own by default)."""
        return LeverClient(
            self.base_url,
            self.credentials,
            self.limiter,
            http=self.slots,
            concurrency=self.integration.concurrency,
            retry=self.retry,
            stats=stats,
        )

    @contextmanager
    def logged(self, mode: str) -> Iterator[LeverClient]:
        """A client whose requests go into the run log (`lever_raw._sync_runs`) as a run of `mode`, so the daily
        budget counts work done outside the sync engine (write actions, passthrough)."""
        stats = RequestStats()
        state = SyncState(self.conn, self.integration.id)
        run_id = uuid.uuid4().hex
        state.start_run(run_id, mode, now=self.clock(), window=None)
        try:
            yield self.client(stats)
        finally:
            state.finish_run(
                run_id,
                status="succeeded",
                now=self.clock(),
                requests=dict(stats.requests),
                records={},
                retries=stats.retries,
                errors=[],
            )

    def budget(self) -> Budget:
        return Budget.of(
            self.integration.rate_limit,
            share=self.settings.daily_budget_share,
            daily=self.integration.daily_budget,
            run_minutes=self.settings.run_minutes,
            pace=PACE,
        )

    def engine(self, client: LeverClient) -> SyncEngine:
        settings = self.settings
        return SyncEngine(
            RawStore(self.conn, self.integration.id),
            client,
            clock=self.clock,
            overlap=timedelta(seconds=settings.overlap_seconds),
            clock_tolerance=timedelta(seconds=settings.clock_tolerance_seconds),
            max_run=timedelta(hours=settings.max_run_hours) if settings.max_run_hours else None,
            budget=self.budget(),
            verify_days=settings.verify_days,
            first_usable=timedelta(minutes=settings.first_usable_minutes),
            skip_unreferred_referrals=settings.skip_unreferred_referrals,
            optional=settings.optional_lists(self.integration.id),
        )


@asynccontextmanager
async def open_session(
    settings: Settings,
    integration: Integration,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = warehouse_now,
    retry: RetryPolicy | None = None,
) -> AsyncIterator[LeverSession]:
    """Open the integration's source (the embedded sandbox, or Lever) and the warehouse, for one piece of work."""
    with _source(integration, clock()) as (base_url, auth):
        conn = connect(settings.duckdb_path)
        try:
            RawStore.ensure_schema(conn)
            if settings.sync_memory_limit:
                # DuckDB caches what it writes (a sync's RSS grew with the warehouse); no sync reads every payload
                # any more, so a small cap holds (config.DEFAULT_SYNC_MEMORY).
                conn.execute("SET memory_limit = ?", [settings.sync_memory_limit])
            retry = retry or RetryPolicy(max_retries=settings.max_retries)
            slots = ConnectionSlots(integration.concurrency, timeout=settings.request_timeout, transport=transport)
            async with slots:
                credentials = _credentials(auth, slots.spare, SyncState(conn, integration.id), clock, retry)
                yield LeverSession(
                    settings, integration, conn, base_url, credentials, client_limiter(integration), slots, retry, clock
                )
        finally:
            conn.close()


async def sync_integration(
    settings: Settings,
    integration: Integration,
    mode: Mode = Mode.DELTA,
    window: tuple[datetime, datetime] | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = warehouse_now,
    retry: RetryPolicy | None = None,
    progress: Progress | None = None,
    opportunity_ids: Sequence[str] = (),
) -> SyncResult:
    """One sync of one integration into the warehouse; raises on failure after recording what it could.
    `opportunity_ids`: the opportunities of a targeted sync (`Mode.TARGETED`)."""

    async def attempt(settings: Settings) -> SyncResult:
        async with open_session(settings, integration, transport=transport, clock=clock, retry=retry) as session:
            client = session.client()
            engine = session.engine(client)
            reporter = asyncio.create_task(_report(progress, integration.id, client, engine)) if progress else None
            try:
                return await engine.run(mode, window, opportunity_ids)
            finally:
                if reporter is not None:
                    reporter.cancel()

    try:
        return await attempt(settings)
    except duckdb.OutOfMemoryException:
        if not settings.sync_memory_limit:
            raise
        # The cap keeps syncs small (BENCHMARKS.md), but DuckDB cannot spill every operation to disk: a sync that
        # needs more goes on uncapped instead of failing every hour. What the first attempt committed stays (pages
        # commit with their cursors), so the second resumes rather than starts over.
        log.warning(
            f"[{integration.id}] DuckDB needed more memory than LEVER_SYNC_MEMORY_LIMIT={settings.sync_memory_limit};"
            " going on without the cap (raise the setting, or set it to 0, to avoid the restart)"
        )
        return await attempt(replace(settings, sync_memory_limit=None))


Window = tuple[datetime, datetime]


def run_syncs(
    settings: Settings,
    mode: Mode = Mode.DELTA,
    windows: Mapping[str, Window | None] | None = None,
    *,
    progress: Progress | None = None,
    opportunity_ids: Sequence[str] = (),
) -> list[Outcome]:
    """Sync integrations in turn (DuckDB has one writer); one failing account does not stop the others.

    `windows` maps the integrations to sync to their window (window mode) or None; default: all, no window.
    """
    plan = dict(windows) if windows is not None else {i.id: None for i in settings.integrations}
    outcomes = []
    for integration_id, window in plan.items():
        try:
            integration = settings.integration(integration_id)
            result = asyncio.run(
                sync_integration(
                    settings, integration, mode, window, progress=progress, opportunity_ids=opportunity_ids
                )
            )
        except LeverWarehouseError as exc:
            outcomes.append(Outcome(integration_id, error=str(exc)))
        except (duckdb.Error, OSError) as exc:
            # The warehouse itself failed (disk full, a file that is not DuckDB's): one line, not a traceback.
            where = settings.duckdb_path
            outcomes.append(Outcome(integration_id, error=scrub(f"the warehouse {where} failed: {exc}".strip())))
        else:
            outcomes.append(Outcome(integration_id, result=result))
    return outcomes
