"""Partitions: one per Lever integration (account). Time is not a partition: a window is run config.

Every delta or full sync leaves an account's raw tables current for all time, so a day (or month) dimension
could only be marked materialized by writing one event per partition and table after each complete sync:
Dagster's SQLite storage writes 20-120 such events a second on this machine, minutes for 1,000 days x 22
tables. Without it the UI showed every past day as missing after a good sync. A backfill of a date range is
the `window` mode with `window_start`/`window_end` in the run config: one window query per account."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import dagster as dg

from orchestration.lever.clock import parse_instant


def lever_partitions(integration_ids: Sequence[str]) -> dg.StaticPartitionsDefinition:
    return dg.StaticPartitionsDefinition(list(integration_ids))


def config_window(start: str | None, end: str | None) -> tuple[datetime, datetime] | None:
    """The [start, end) window of a `window` run, from ISO dates or instants (UTC when no zone is given)."""
    if not start and not end:
        return None
    if not (start and end):
        raise ValueError("a window needs both window_start and window_end (ISO dates, e.g. 2026-01-01)")
    window = parse_instant(start), parse_instant(end)
    if window[1] <= window[0]:
        raise ValueError(f"window_end {end} must be after window_start {start}")
    return window
