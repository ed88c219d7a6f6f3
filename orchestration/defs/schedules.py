"""Schedules (delta hourly, full daily by default) and the sensor that keeps unified models following raw."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from .settings import LocationSettings


def build_sync_job(mode: str, selection: dg.AssetSelection) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        f"lever_{mode}_sync",
        selection=selection,
        description=f"{mode} sync of one Lever integration into lever_raw, the dbt build of what changed, "
        "then the published copy for readers.",
        config={"ops": {"lever_raw_sync": {"config": {"mode": mode}}}},
        tags={"lever-warehouse/writes-duckdb": "true"},
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
    crons = {"delta": settings.delta_cron, "full": settings.full_cron}
    return [
        build_schedule(jobs[mode], mode, crons[mode], integration_ids, settings.schedules_running) for mode in crons
    ]


automation_sensor = dg.AutomationConditionSensorDefinition(
    "lever_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Rebuilds unified models after raw tables change outside the schedules (UI runs, backfills).",
)
