"""The code location assembled from its settings: raw sync, dbt models, published copy, checks, schedules, and
the webhook sensor with its job, the write actions' job and sensor."""

from __future__ import annotations

import dagster as dg

from orchestration.warehouse.dbt_runner import dbt_parse

from .actions import build_actions
from .dbt import build_dbt_models, dbt_resource
from .freshness import build_freshness
from .housekeeping import build_housekeeping
from .partitions import lever_partitions
from .published import build_published
from .raw import RAW_KEYS, build_raw_sync
from .schedules import automation_sensor, build_schedules, build_sync_job
from .settings import LocationSettings
from .webhooks import queue_asset, webhook_job, webhook_sensor


def build_definitions(settings: LocationSettings) -> dg.Definitions:
    """Everything Dagster loads; the integration ids become partitions, so they are read here, once."""
    lever = settings.warehouse.settings()
    if settings.parse_dbt_project:
        # Not dagster-dbt's `prepare_if_dev()`: it runs the `dbt` found on PATH, which is not the venv's unless
        # it is activated (`make dev` does not activate it), and then the code location fails to load.
        dbt_parse()
    integration_ids = [i.id for i in lever.integrations]
    raw = build_raw_sync(lever_partitions(integration_ids))
    models = build_dbt_models(lever.duckdb_path.stem, settings.dbt_targets, settings.dbt_targets_kept)
    published = build_published([key for key in models.keys if key.path[0] == "ats"])
    selection = dg.AssetSelection.assets(raw, models, published)
    # Past the sync's own ceiling plus two hours for the dbt build and the publish, Dagster stops the run.
    max_runtime_s = int((lever.max_run_hours + 2) * 3600) if lever.max_run_hours else 0
    jobs = {mode: build_sync_job(mode, selection, max_runtime_s) for mode in ("delta", "full")}
    webhooks = webhook_job(raw, RAW_KEYS, max_runtime_s)
    freshness_checks, freshness_sensor = build_freshness(settings.stale_after)
    housekeeping_job, housekeeping_schedule = build_housekeeping(
        settings.run_retention_days, settings.dbt_targets, settings.dbt_targets_kept
    )
    actions_job, actions_sensor = build_actions()
    return dg.Definitions(
        assets=[raw, models, published, queue_asset],
        asset_checks=freshness_checks,
        jobs=[*jobs.values(), webhooks, housekeeping_job, actions_job],
        schedules=[*build_schedules(settings, jobs, integration_ids), housekeeping_schedule],
        sensors=[automation_sensor, freshness_sensor, webhook_sensor(webhooks), actions_sensor],
        resources={"dbt": dbt_resource(), "warehouse": settings.warehouse},
    )
