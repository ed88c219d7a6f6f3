"""Schedules (delta hourly, full daily by default) and the sensor that keeps unified models following raw."""

from __future__ import annotations

import os

import dagster as dg

from .dbt import lever_dbt_models
from .partitions import settings
from .raw import lever_raw_sync


def _sync_job(mode: str) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        f"lever_{mode}_sync",
        selection=dg.AssetSelection.assets(lever_raw_sync, lever_dbt_models),
        description=f"{mode} sync of one Lever integration into lever_raw, then the dbt build of what changed.",
        config={"ops": {"lever_raw_sync": {"config": {"mode": mode}}}},
        tags={"lever-warehouse/writes-duckdb": "true"},
    )


delta_sync_job = _sync_job("delta")
full_sync_job = _sync_job("full")


def _status() -> dg.DefaultScheduleStatus:
    running = os.environ.get("LEVER_SCHEDULES_RUNNING", "false").strip().lower() in ("1", "true", "yes")
    return dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED


def _schedule(job: dg.UnresolvedAssetJobDefinition, mode: str, cron_env: str, default_cron: str):
    @dg.schedule(
        name=f"lever_{mode}_schedule",
        job=job,
        cron_schedule=os.environ.get(cron_env, default_cron),
        execution_timezone="UTC",
        default_status=_status(),
        description=f"{mode} sync of every configured Lever integration (cron from {cron_env}).",
    )
    def _requests(context: dg.ScheduleEvaluationContext):
        # One run per account: a failing account never holds the others back. The run is recorded
        # against the day it was scheduled for.
        day = context.scheduled_execution_time.strftime("%Y-%m-%d")
        for integration in settings().integrations:
            yield dg.RunRequest(
                run_key=f"{mode}:{integration.id}:{context.scheduled_execution_time.isoformat()}",
                partition_key=dg.MultiPartitionKey({"integration": integration.id, "date": day}),
            )

    return _requests


delta_schedule = _schedule(delta_sync_job, "delta", "LEVER_DELTA_CRON", "0 * * * *")
full_schedule = _schedule(full_sync_job, "full", "LEVER_FULL_CRON", "30 3 * * *")

automation_sensor = dg.AutomationConditionSensorDefinition(
    "lever_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Rebuilds unified models after raw tables change outside the schedules (UI runs, backfills).",
)
