"""Schedules (delta hourly; a full pass only if LEVER_FULL_CRON is set) and the sensor that keeps unified models
following raw."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from .settings import LocationSettings


def build_sync_job(mode: str, selection: dg.AssetSelection, max_runtime_s: int) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        f"lever_{mode}_sync",
        selection=selection,
        description=f"{mode} sync of one Lever integration into lever_raw, the dbt build of what changed, "
        "then the published copy for readers.",
        config={"ops": {"lever_raw_sync": {"config": {"mode": mode}}}},
        # A run that outlives the sync's own ceiling (LEVER_MAX_RUN_HOURS) plus the build is stopped by Dagster's
        # run monitoring (dagster.yaml), so a hung run never holds the warehouse for good.
        tags={"lever-warehouse/writes-duckdb": "true"}
        | ({"dagster/max_runtime": str(max_runtime_s)} if max_runtime_s else {}),
    )


def build_schedule(
    job: dg.UnresolvedAssetJobDefinition, mode: str, cron: str, integration_ids: Sequence[str], running: bool
) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"lever_{mode}_schedule",
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED,
        description=f"{mode} sync of every configured Lever integration ({cron}, UTC).",
    )
    def _requests(context: dg.ScheduleEvaluationContext):
        # One run per account: a failing account never holds the others back.
        for integration_id in integration_ids:
            yield dg.RunRequest(
                run_key=f"{mode}:{integration_id}:{context.scheduled_execution_time.isoformat()}",
                partition_key=integration_id,
            )

    return _requests


def build_schedules(
    settings: LocationSettings, jobs: dict[str, dg.UnresolvedAssetJobDefinition], integration_ids: Sequence[str]
) -> list[dg.ScheduleDefinition]:
    # The full pass is on demand (the job, from the UI or `sync --full`): each delta verifies a slice instead.
    crons = {"delta": settings.delta_cron, "full": settings.full_cron}
    return [
        build_schedule(jobs[mode], mode, cron, integration_ids, settings.schedules_running)
        for mode, cron in crons.items()
        if cron
    ]


automation_sensor = dg.AutomationConditionSensorDefinition(
    "lever_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Rebuilds unified models after raw tables change outside the schedules (UI runs, backfills).",
)
