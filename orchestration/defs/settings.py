"""The code location's settings, in one place: read from the environment once, when `definitions.py` loads.

Tests and other callers build a `LocationSettings` themselves and pass it to `build_definitions`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from orchestration.lever.config import load_settings
from orchestration.warehouse.housekeeping import DAGSTER_TARGETS, KEEP_DBT_TARGETS

from .resources import WarehouseResource

# Runs that write DuckDB share this pool (limit 1 in dagster_home/dagster.yaml): the file admits one writer.
DUCKDB_POOL = "duckdb"


@dataclass(frozen=True)
class LocationSettings:
    warehouse: WarehouseResource
    delta_cron: str = "0 * * * *"
    # Empty: no full schedule. Every delta re-verifies a slice of the account within the request budget, so a
    # complete pass (`lever_full_sync`, 21 hours for 100k opportunities at Lever's 10 req/s) is on demand.
    full_cron: str = ""
    schedules_running: bool = False
    # Two missed hourly delta runs plus slack for a long one; set it to match a custom delta cron.
    stale_after: timedelta = timedelta(minutes=150)
    # Dagster's run history (runs, their event logs and compute logs) older than this is deleted daily.
    run_retention_days: int = 30
    # dbt's artifacts of each Dagster run (manifest, run results, logs: about 12 MB), the newest few kept.
    dbt_targets: Path = DAGSTER_TARGETS
    dbt_targets_kept: int = KEEP_DBT_TARGETS
    # `dagster dev` re-parses the dbt project when the code location loads, so model edits show up.
    parse_dbt_project: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LocationSettings:
        env = os.environ if env is None else env

        def read(name: str, default: str) -> str:
            return env.get(name, "").strip() or default

        return cls(
            warehouse=WarehouseResource.from_settings(load_settings(env), read("LEVER_INTEGRATIONS_FILE", "")),
            delta_cron=read("LEVER_DELTA_CRON", cls.delta_cron),
            full_cron=read("LEVER_FULL_CRON", cls.full_cron),
            schedules_running=read("LEVER_SCHEDULES_RUNNING", "false").lower() in ("1", "true", "yes"),
            stale_after=timedelta(minutes=int(read("LEVER_STALE_AFTER_MINUTES", "150"))),
            run_retention_days=int(read("DAGSTER_RUN_RETENTION_DAYS", str(cls.run_retention_days))),
            parse_dbt_project=bool(env.get("DAGSTER_IS_DEV_CLI")),  # set by `dagster dev` for its code servers
        )
