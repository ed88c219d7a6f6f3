"""Lever webhooks in Dagster: a sensor turns queued events into runs of `lever_webhook_sync` (the raw sync drains
the queue into targeted syncs, then the models downstream of what they read are built), and observes the queue
asset with its depth and the events' latency to `ats`. The polling schedules stay on as the safety net."""

from __future__ import annotations

import asyncio
import json
import statistics
from collections.abc import Sequence

import dagster as dg

from orchestration.lever.clock import to_ms, warehouse_now
from orchestration.lever.config import Settings
from orchestration.lever.endpoints import ENDPOINTS, Kind
from orchestration.lever.sync import SyncResult
from orchestration.lever.webhooks.drain import drain
from orchestration.lever.webhooks.queue import WebhookQueue
from orchestration.lever.webhooks.settings import WebhookSettings

from .resources import WarehouseResource

JOB = "lever_webhook_sync"
INTEGRATION_TAG = "lever-warehouse/webhooks"
QUEUE_KEY = dg.AssetKey(["lever_webhooks", "queue"])
# What a targeted sync reads: the opportunity, its applications and its child lists. The webhook job builds the
# models downstream of these, and its raw step reports these tables (and any other a burst's delta changed).
TARGETED_TABLES = tuple(
    e.name for e in ENDPOINTS if e.kind in (Kind.OPPORTUNITIES, Kind.EMBEDDED, Kind.OPPORTUNITY_CHILD)
)
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]

queue_asset = dg.AssetSpec(
    QUEUE_KEY,
    description="Verified Lever webhook events waiting for a targeted sync (`lever-warehouse webhooks serve` "
    "appends them to a SQLite file beside the warehouse). Observed by the `lever_webhooks` sensor: queue depth, "
    "the oldest waiting event's age, and how long events took from Lever's `triggeredAt` to `lever_raw` and `ats`.",
    group_name="lever_webhooks",
    kinds={"sqlite"},
)


def drain_integrations(
    context: dg.AssetExecutionContext, lever: Settings, integration_ids: Sequence[str]
) -> tuple[list[SyncResult], set[str]]:
    """The raw sync's `webhooks` mode: drain each integration's queued events under this run's id (the claim the
    sensor recognises); (the syncs' results, the raw tables they changed)."""
    options = WebhookSettings.from_env(lever)
    queue = WebhookQueue(options.queue_path)
    results, tables = [], set()
    try:
        for integration_id in integration_ids:
            integration = lever.integration(integration_id)
            done = asyncio.run(drain(lever, integration, queue, options, owner=context.run.run_id))
            mode = done.mode.value if done.mode else "nothing to read"
            context.log.info(f"{integration_id}: {len(done.events)} event(s), {mode}, {done.requests} requests")
            if done.result is not None:
                results.append(done.result)
                tables |= done.tables | set(TARGETED_TABLES)
    finally:
        queue.close()
    return results, tables


def webhook_job(
    raw: dg.AssetsDefinition, raw_keys: dict[str, dg.AssetKey], max_runtime_s: int
) -> dg.UnresolvedAssetJobDefinition:
    """The raw sync in `webhooks` mode, then what is downstream of the tables a targeted sync reads: the
    opportunity-scoped models and the published copy."""
    downstream = dg.AssetSelection.assets(*(raw_keys[t] for t in TARGETED_TABLES)).downstream()
    return dg.define_asset_job(
        JOB,
        selection=dg.AssetSelection.assets(raw) | downstream,
        description="Drain the webhook queue of one integration: a targeted sync of the opportunities its events "
        "name (one delta for a burst), then the dbt models downstream of what it read and the published copy.",
        config={"ops": {"lever_raw_sync": {"config": {"mode": "webhooks"}}}},
        # One process for both steps: a step subprocess would add seconds to every event's latency.
        executor_def=dg.in_process_executor,
        tags={"lever-warehouse/writes-duckdb": "true"}
        | ({"dagster/max_runtime": str(max_runtime_s)} if max_runtime_s else {}),
    )


def _settle(instance: dg.DagsterInstance, queue: WebhookQueue) -> None:
    """Finished runs: a success put its events in `ats` (and every event acknowledged before it started); a
    failure gives back what it claimed and did not acknowledge, to be drained again at once."""
    for owner in sorted(set(queue.unbuilt_owners()) | queue.claim_owners()):
        record = instance.get_run_record_by_id(owner)
        if record is None or record.end_time is None:
            continue  # a drain outside Dagster, or a run still going
        if record.dagster_run.status == dg.DagsterRunStatus.SUCCESS:
            start, end = round(record.start_time * 1000), round(record.end_time * 1000)
            queue.mark_built(acked_before_ms=start, now_ms=end, owners=[owner])
        else:
            queue.release(owner)


def _observation(queue: WebhookQueue, since_ms: int, now_ms: int) -> tuple[dg.AssetObservation, int]:
    depth = queue.depth()
    built = queue.built_since(since_ms)
    oldest = [queue.oldest_pending_ms(i) for i in depth]
    metadata: dict[str, object] = {
        "queue_depth": sum(depth.values()),
        "queue_depth_by_integration": dg.MetadataValue.json(depth),
        "oldest_waiting_s": round((now_ms - min(o for o in oldest if o is not None)) / 1000, 1) if oldest else 0.0,
        "events_into_ats": len(built),
    }
    if built:
        to_ats = sorted(b.to_ats_ms / 1000 for b in built)
        metadata |= {
            "latency_to_ats_median_s": round(statistics.median(to_ats), 1),
            "latency_to_ats_max_s": round(to_ats[-1], 1),
            "latency_to_raw_median_s": round(statistics.median(b.to_raw_ms / 1000 for b in built), 1),
        }
    latest = max((b.built_at_ms for b in built), default=since_ms - 1)
    return dg.AssetObservation(asset_key=QUEUE_KEY, metadata=metadata), latest + 1


def webhook_sensor(job: dg.UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name="lever_webhooks",
        job=job,
        minimum_interval_seconds=5,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Launches a drain of the webhook queue per integration with waiting events (at most one "
        "waiting run each: it takes every event queued when it starts); observes the queue.",
    )
    def lever_webhooks(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.SensorResult | dg.SkipReason:
        lever = warehouse.settings()
        options = WebhookSettings.from_env(lever)
        if not options.queue_path.exists():
            return dg.SkipReason(f"no webhook queue at {options.queue_path} (`lever-warehouse webhooks serve`)")
        queue = WebhookQueue(options.queue_path)
        try:
            _settle(context.instance, queue)
            now = warehouse_now()
            state = json.loads(context.cursor) if context.cursor else {"since": 0, "seen": None}
            requests = []
            owners = queue.claim_owners()
            claimable = queue.claimable(to_ms(now), round(options.lease_s * 1000))
            for integration_id in [i.id for i in lever.integrations if claimable.get(i.id)]:
                runs = context.instance.get_run_records(
                    filters=dg.RunsFilter(job_name=JOB, statuses=IN_FLIGHT, tags={INTEGRATION_TAG: integration_id})
                )
                if all(r.dagster_run.run_id in owners for r in runs):  # none waits to take them
                    requests.append(dg.RunRequest(partition_key=integration_id, tags={INTEGRATION_TAG: integration_id}))
            observation, since = _observation(queue, state["since"], to_ms(now))
            seen = [observation.metadata["queue_depth"].value, observation.metadata["events_into_ats"].value]
            changed = seen != state["seen"] and seen != [0, 0]
            cursor = json.dumps({"since": since, "seen": seen})
            return dg.SensorResult(run_requests=requests, asset_events=[observation] if changed else [], cursor=cursor)
        finally:
            queue.close()

    return lever_webhooks
