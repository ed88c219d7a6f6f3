"""The Dagster code location: Lever raw tables, the dbt models over them, checks, schedules and sensors."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from orchestration.defs.dbt import dbt_resource, lever_dbt_models
from orchestration.defs.freshness import freshness_checks, freshness_sensor
from orchestration.defs.raw import RAW_KEYS, lever_raw_sync
from orchestration.defs.schedules import (
    automation_sensor,
    delta_schedule,
    delta_sync_job,
    full_schedule,
    full_sync_job,
)
from orchestration.defs.webhooks import queue_asset, webhook_job, webhook_sensor


def _today(integration_id: str, now: datetime) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"integration": integration_id, "date": now.strftime("%Y-%m-%d")})


webhook_sync_job = webhook_job(lever_raw_sync, RAW_KEYS)

defs = dg.Definitions(
    assets=[lever_raw_sync, lever_dbt_models, queue_asset],
    asset_checks=[*freshness_checks],
    jobs=[delta_sync_job, full_sync_job, webhook_sync_job],
    schedules=[delta_schedule, full_schedule],
    sensors=[automation_sensor, freshness_sensor, webhook_sensor(webhook_sync_job, _today)],
    resources={"dbt": dbt_resource()},
)
