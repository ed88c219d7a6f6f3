"""Partitions: one per (integration, day). A day means "Lever records created or updated that day"."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache

import dagster as dg

from orchestration.lever.clock import parse_instant
from orchestration.lever.config import Settings, load_settings

PARTITIONS_START_ENV = "LEVER_PARTITIONS_START"
DEFAULT_START = "2024-01-01"


@cache
def settings() -> Settings:
    return load_settings()


def lever_partitions(integration_ids: Sequence[str], start: str) -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition(
        {
            "integration": dg.StaticPartitionsDefinition(list(integration_ids)),
            # end_offset=1: today's partition exists, so scheduled syncs can be recorded against it.
            "date": dg.DailyPartitionsDefinition(start_date=start, end_offset=1),
        }
    )


LEVER_PARTITIONS = lever_partitions(
    [i.id for i in settings().integrations], os.environ.get(PARTITIONS_START_ENV, DEFAULT_START)
)


def windows_by_integration(partition_keys: Sequence[str]) -> dict[str, tuple[datetime, datetime]]:
    """Collapse selected (integration, day) keys into one [first day, last day + 1) window per integration.

    A backfill of a date range is then a single window query per account, not one run per day.
    """
    days: dict[str, list[datetime]] = defaultdict(list)
    for key in partition_keys:
        parts = key.keys_by_dimension if isinstance(key, dg.MultiPartitionKey) else _split(key)
        days[parts["integration"]].append(parse_instant(parts["date"]))
    return {integration: (min(d), max(d) + timedelta(days=1)) for integration, d in days.items()}


def _split(key: str) -> dict[str, str]:
    # Multi-partition keys join dimension values in dimension-name order: date first, then integration.
    date, integration = key.split("|", 1)
    return {"date": date, "integration": integration}
