"""Freshness of the raw tables, measured against the delta schedule (hourly by default)."""

from __future__ import annotations

import warnings
from datetime import timedelta

import dagster as dg

from .raw import RAW_KEYS


def build_freshness(stale_after: timedelta) -> tuple[list[dg.AssetChecksDefinition], dg.SensorDefinition]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # superseded by FreshnessPolicy, which is not an asset check
        checks = dg.build_last_update_freshness_checks(
            assets=list(RAW_KEYS.values()), lower_bound_delta=stale_after, severity=dg.AssetCheckSeverity.WARN
        )
    with warnings.catch_warnings():
        # Superseded by FreshnessPolicy for the UI badge, but still the way to evaluate these checks on a timer.
        warnings.simplefilter("ignore")
        sensor = dg.build_sensor_for_freshness_checks(
            freshness_checks=checks, default_status=dg.DefaultSensorStatus.RUNNING, name="lever_raw_freshness"
        )
    return list(checks), sensor
