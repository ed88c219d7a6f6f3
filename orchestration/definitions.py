"""The Dagster code location: Lever raw tables, the dbt models over them, checks, schedules and sensors."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.actions import actions_job, actions_sensor
from orchestration.defs.dbt import dbt_resource, lever_dbt_models
from orchestration.defs.freshness import freshness_checks, freshness_sensor
from orchestration.defs.raw import lever_raw_sync
from orchestration.defs.schedules import (
    automation_sensor,
    delta_schedule,
    delta_sync_job,
    full_schedule,
    full_sync_job,
)

defs = dg.Definitions(
    assets=[lever_raw_sync, lever_dbt_models],
    asset_checks=[*freshness_checks],
    jobs=[delta_sync_job, full_sync_job, actions_job],
    schedules=[delta_schedule, full_schedule],
    sensors=[automation_sensor, freshness_sensor, actions_sensor],
    resources={"dbt": dbt_resource()},
)
