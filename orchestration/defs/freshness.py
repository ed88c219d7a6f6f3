"""Freshness of the raw tables, measured against the delta schedule (hourly by default)."""

from __future__ import annotations

import os
import warnings
from datetime import timedelta

import dagster as dg

from .raw import RAW_KEYS

# Two missed hourly delta runs plus slack for a long one; set it to match a custom LEVER_DELTA_CRON.
STALE_AFTER = timedelta(minutes=int(os.environ.get("LEVER_STALE_AFTER_MINUTES", "150")))

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # superseded by FreshnessPolicy, which is not an asset check
    freshness_checks = dg.build_last_update_freshness_checks(
        assets=list(RAW_KEYS.values()), lower_bound_delta=STALE_AFTER, severity=dg.AssetCheckSeverity.WARN
    )
with warnings.catch_warnings():
    # Superseded by FreshnessPolicy for the UI badge, but still the way to evaluate these checks on a timer.
    warnings.simplefilter("ignore")
    freshness_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=freshness_checks, default_status=dg.DefaultSensorStatus.RUNNING, name="lever_raw_freshness"
    )
